"""Catalog import benchmark: 20,000 products x 3 variants from a Shopify CSV, timed in a fresh process.

python bench/import_bench.py            SQLite in a temporary folder
BENCH_DATABASE_URL=postgresql+psycopg://... python bench/import_bench.py
                                        also PostgreSQL (a scratch database: its tables are dropped)
"""
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache"
PRODUCTS = 20_000
VARIANTS = 3
TARGET_SECONDS = 60
TARGET_RSS_MB = 500
HEADER = [
    "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
    "Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value", "Option3 Name", "Option3 Value",
    "Variant SKU", "Variant Grams", "Variant Inventory Tracker", "Variant Inventory Qty",
    "Variant Inventory Policy", "Variant Fulfillment Service", "Variant Price", "Variant Compare At Price",
    "Variant Requires Shipping", "Variant Taxable", "Variant Barcode", "Image Src", "Image Position",
    "Image Alt Text", "Gift Card", "SEO Title", "SEO Description", "Variant Image", "Variant Weight Unit",
    "Cost per item", "Status",
]
SIZES = ("S", "M", "L")


def sample_csv() -> Path:
    """The benchmark file, written once and kept under bench/.cache/."""
    path = CACHE / f"shopify-{PRODUCTS}x{VARIANTS}.csv"
    if path.exists():
        return path
    CACHE.mkdir(exist_ok=True)
    partial = path.with_suffix(".part")
    with open(partial, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for n in range(PRODUCTS):
            handle = f"bench-product-{n}"
            for v in range(VARIANTS):
                row = dict.fromkeys(HEADER, "")
                row.update({
                    "Handle": handle, "Option1 Value": SIZES[v], "Variant SKU": f"BENCH-{n}-{SIZES[v]}",
                    "Variant Grams": "250", "Variant Inventory Tracker": "shopify",
                    "Variant Inventory Qty": f"{(n * 7 + v) % 500}.0", "Variant Inventory Policy": "deny",
                    "Variant Fulfillment Service": "manual", "Variant Price": f"{1000 + n % 900 + v * 150:,}.50",
                    "Variant Compare At Price": f"${2500 + n % 900}", "Variant Requires Shipping": "TRUE",
                    "Variant Taxable": "TRUE", "Variant Weight Unit": "g",
                })
                if v == 0:
                    row.update({
                        "Title": f"Bench product {n}, organic cotton",
                        "Body (HTML)": f'<p>Soft "bench" product {n},\nmade with care.</p>'
                                       f'<ul><li>Cotton</li><li onclick="x()">Fair</li></ul><script>bad()</script>',
                        "Vendor": f"Vendor {n % 50}", "Type": f"Category {n % 30}", "Tags": "cotton, bench",
                        "Published": "TRUE", "Option1 Name": "Size", "Gift Card": "FALSE",
                        "Image Src": f"https://img.example.com/bench/{n}.jpg", "Image Position": "1",
                        "Image Alt Text": f"Bench product {n}", "Status": "active",
                    })
                if v == 1:
                    row.update({"Image Src": f"https://img.example.com/bench/{n}-back.jpg", "Image Position": "2"})
                writer.writerow([row[name] for name in HEADER])
    partial.rename(path)
    return path


def child(database_url: str, csv_path: str) -> None:
    """Run in a fresh process: build the schema, import twice (create, then update), print JSON figures."""
    sys.path.insert(0, str(ROOT))
    from shop import create_app
    from shop.accounts.models import Role, User
    from shop.catalog.importer import import_csv
    from shop.catalog.models import Supplier
    from shop.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PASSWORD_HASH_FAST": True})
    with app.app_context():
        db.drop_all()
        db.create_all()
        user = User(email="bench@example.com", role=Role.supplier, name="Bench")
        user.set_password("bench password 1")
        supplier = Supplier(user=user, name="Bench", email=user.email)
        db.session.add(supplier)
        db.session.commit()
        figures = {}
        for run in ("import", "reimport"):
            start = time.perf_counter()
            with open(csv_path, "rb") as stream:
                report = import_csv(supplier.id, stream, progress=lambda _rows: db.session.commit())
            db.session.commit()
            figures[f"{run}_seconds"] = round(time.perf_counter() - start, 2)
            figures[f"{run}_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
            figures[f"{run}_report"] = {k: v for k, v in report.items() if k != "errors"}
            figures[f"{run}_errors"] = len(report["errors"])
        db.session.remove()
        db.engine.dispose()
    print(json.dumps(figures))


def measure(database_url: str, csv_path: Path, workdir: str) -> dict:
    env = {**os.environ, "INSTANCE_PATH": workdir, "HUEY_DB": os.path.join(workdir, "huey.db")}
    done = subprocess.run([sys.executable, __file__, "--child", database_url, str(csv_path)],
                          env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"benchmark run failed on {database_url.split(':')[0]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def check(label: str, figures: dict) -> bool:
    prefix = "" if label == "sqlite" else f"{label}_"
    print(f"{prefix}import_seconds: {figures['import_seconds']} s")
    print(f"{prefix}import_peak_rss_mb: {figures['import_peak_rss_mb']} MB")
    print(f"{prefix}reimport_seconds: {figures['reimport_seconds']} s  (same file again: updates only)")
    print(f"{prefix}reimport_peak_rss_mb: {figures['reimport_peak_rss_mb']} MB")
    expected = {"products_created": PRODUCTS, "products_updated": 0,
                "variants_created": PRODUCTS * VARIANTS, "variants_updated": 0}
    ok = figures["import_report"] == expected and figures["import_errors"] == 0
    if not ok:
        print(f"{label}: unexpected report {figures['import_report']}, {figures['import_errors']} errors")
    if figures["import_seconds"] > TARGET_SECONDS:
        print(f"{label}: slower than the {TARGET_SECONDS} s target")
        ok = False
    if figures["import_peak_rss_mb"] > TARGET_RSS_MB:
        print(f"{label}: more memory than the {TARGET_RSS_MB} MB target")
        ok = False
    return ok


def main() -> int:
    started = time.perf_counter()
    csv_path = sample_csv()
    print(f"file: {csv_path.relative_to(ROOT)} ({csv_path.stat().st_size / 1e6:.1f} MB, "
          f"{PRODUCTS * VARIANTS} rows; ready in {time.perf_counter() - started:.1f} s)")
    ok = True
    with tempfile.TemporaryDirectory(prefix="sharestall-bench-") as workdir:
        ok &= check("sqlite", measure(f"sqlite:///{workdir}/bench.db", csv_path, workdir))
        if os.environ.get("BENCH_DATABASE_URL"):
            ok &= check("postgresql", measure(os.environ["BENCH_DATABASE_URL"], csv_path, workdir))
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
