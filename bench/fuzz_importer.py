"""Atheris fuzzing of the catalog importer (CSV files and API items): only ImportFileError may escape.

Bounded run: .venv/bin/python bench/fuzz_importer.py -runs=20000 -max_total_time=60 [corpus dir]
"""
import io
import json
import sys
import tempfile
from pathlib import Path

import atheris

# Run as a script from anywhere: the project's root holds the shop package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

with atheris.instrument_imports(include=["shop.catalog", "shop.images"]):
    from shop.catalog.importer import ImportFileError, import_csv, import_items

from shop import create_app  # noqa: E402
from shop.accounts.models import Role, User  # noqa: E402
from shop.catalog.models import Supplier, SupplierStatus  # noqa: E402
from shop.extensions import db  # noqa: E402

HEADER = (b"Handle,Title,Body (HTML),Vendor,Type,Tags,Option1 Name,Option1 Value,Variant SKU,Variant Price,"
          b"Variant Inventory Qty,Variant Compare At Price,Image Src,Image Position,Image Alt Text,Variant Image,"
          b"Status,Published\r\n")


def _app():
    folder = tempfile.mkdtemp(prefix="fuzz-importer-")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "UPLOAD_FOLDER": folder,
                      "MAIL_FOLDER": folder, "HUEY_IMMEDIATE": True, "RATELIMIT_ENABLED": False})
    app.app_context().push()
    db.create_all()
    user = User(email="fuzz@example.com", role=Role.supplier, name="Fuzz", password_hash="!")
    db.session.add(user)
    db.session.flush()
    supplier = Supplier(user_id=user.id, name="Fuzz", email=user.email, status=SupplierStatus.approved)
    db.session.add(supplier)
    db.session.commit()
    return supplier.id


def _seed_corpus() -> str:
    """A valid file, rows under the real header and an API item: mutations start where the checks are."""
    folder = Path(tempfile.mkdtemp(prefix="fuzz-importer-corpus-"))
    row = b"mug,Mug,<p>Big</p>,Acme,Home,a,Size,L,MUG-1,9.50,3,12.00,https://example.com/m.jpg,1,A mug,,active,TRUE\r\n"
    item = {"handle": "mug", "title": "Mug", "variants": [{"sku": "MUG-1", "price": "9.50", "qty": 3}],
            "images": [{"src": "https://example.com/m.jpg"}]}
    (folder / "file").write_bytes(b"\x00" + HEADER + row)
    (folder / "rows").write_bytes(b"\x01" + row + row.replace(b"MUG-1", b"MUG-2"))
    (folder / "items").write_bytes(b"\x02" + json.dumps([item]).encode())
    return str(folder)


def main() -> None:
    supplier_id = _app()

    def test_one_input(data: bytes) -> None:
        mode, body = (data[0] % 3, data[1:]) if data else (0, b"")
        try:
            if mode == 0:
                import_csv(supplier_id, io.BytesIO(body))
            elif mode == 1:
                # Most random bytes fail the header check; under the real header they reach the row checks.
                import_csv(supplier_id, io.BytesIO(HEADER + body))
            else:
                try:
                    items = json.loads(body)
                except (ValueError, RecursionError):
                    return
                if isinstance(items, list):
                    import_items(supplier_id, items)
        except ImportFileError:
            pass
        finally:
            db.session.rollback()

    argv = list(sys.argv)
    if not any(not arg.startswith("-") for arg in argv[1:]):
        argv.append(_seed_corpus())
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
