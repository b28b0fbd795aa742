"""The load benchmark's data set: generated once per database with bulk inserts, reused while its stamp holds.

large: 100,000 products (1-3 variants each) from 50 suppliers, 10,000 stores with picks, 1,000,000 clicks,
100,000 paid orders with their lines, purchase orders and ledger entries. small: the same shape at 1/100,
to show that the number of queries per page does not grow with the data.
The benchmarked store, `bench-store`, has exactly 24 picks, a logo, a tagline and a colour.
"""
import hashlib
import os
import random
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCALES = {
    "large": {"suppliers": 50, "products": 100_000, "stores": 10_000, "clicks": 1_000_000, "orders": 100_000},
    "small": {"suppliers": 5, "products": 1_000, "stores": 100, "clicks": 10_000, "orders": 1_000},
}
BENCH_STORE = "bench-store"
BENCH_PICKS = 24
BENCH_STOCK = 1_000_000  # the benchmarked store's variants: checkout must never run them out
RESELLER_EMAIL = "reseller@bench.example"
PASSWORD = "bench password 1"
FEE_BP = 1000
CHUNK = 20_000

ADJECTIVES = ("soft", "bright", "classic", "rustic", "modern", "cosy", "vintage", "bold", "light", "handmade",
              "woven", "striped", "plain", "dotted", "royal", "tiny", "grand", "sunny", "misty", "urban")
MATERIALS = ("cotton", "linen", "wool", "silk", "bamboo", "leather", "ceramic", "glass", "walnut", "oak",
             "steel", "copper", "hemp", "jute", "velvet", "denim", "marble", "rattan", "cork", "clay")
NOUNS = ("scarf", "mug", "lamp", "rug", "bowl", "tote", "vase", "apron", "cushion", "blanket", "shirt", "dress",
         "basket", "candle", "planter", "tray", "jar", "throw", "towel", "wallet", "belt", "hat", "sock", "mat",
         "clock", "frame", "stool", "shelf", "teapot", "plate", "spoon", "board", "bag", "pouch", "bottle",
         "journal", "pen", "ring", "bracelet", "necklace")
CATEGORIES = tuple(f"Category {n}" for n in range(30))
SIZES = ("S", "M", "L")


def stamp(scale: str) -> str:
    """Changes when the schema (migrations, models) or this generator changes: the cache is then rebuilt."""
    digest = hashlib.sha1(scale.encode())
    sources = [Path(__file__), *sorted((ROOT / "migrations" / "versions").glob("*.py")),
               *sorted((ROOT / "shop").glob("*/models.py"))]
    for path in sources:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _ts(moment) -> str:
    # One text form both databases read: SQLAlchemy's own SQLite format, and a PostgreSQL timestamp literal.
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


class Writer:
    """Bulk rows into one table: COPY on PostgreSQL, executemany of one INSERT on SQLite."""

    def __init__(self, dbapi_connection, dialect: str):
        self.conn = dbapi_connection
        self.dialect = dialect
        self.counts: dict[str, int] = {}

    def rows(self, table: str, columns: tuple[str, ...], rows) -> None:
        cursor = self.conn.cursor()
        names = ", ".join(columns)
        n = 0
        if self.dialect == "postgresql":
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
        else:
            sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
            chunk = []
            for row in rows:
                chunk.append(row)
                if len(chunk) == CHUNK:
                    cursor.executemany(sql, chunk)
                    n += len(chunk)
                    chunk = []
            cursor.executemany(sql, chunk)
            n += len(chunk)
        cursor.close()
        self.counts[table] = self.counts.get(table, 0) + n


def generate(writer: Writer, size: dict, password_hash: str, now) -> None:
    """Every row of the data set, in foreign-key order, with explicit ids."""
    rng = random.Random(20261124)
    n_sup, n_prod, n_store = size["suppliers"], size["products"], size["stores"]
    created = _ts(now - timedelta(days=400))

    def user_rows():
        for s in range(1, n_sup + 1):
            yield (s, f"supplier{s}@bench.example", f"Supplier {s}", password_hash, "supplier", None, created)
        for j in range(1, n_store + 1):
            email = RESELLER_EMAIL if j == 1 else f"reseller{j}@bench.example"
            yield (n_sup + j, email, f"Reseller {j}", password_hash, "reseller", None, created)

    writer.rows("users", ("id", "email", "name", "password_hash", "role", "locale", "created_at"), user_rows())
    writer.rows("suppliers", ("id", "user_id", "name", "email", "status", "created_at"),
                ((s, s, f"Supplier {s}", f"supplier{s}@bench.example", "approved", created)
                 for s in range(1, n_sup + 1)))

    titles = {}
    variant_of: dict[int, tuple[int, int, int]] = {}  # product -> (first variant id, count, cheapest wholesale)

    def product_rows():
        for i in range(1, n_prod + 1):
            words = (ADJECTIVES[rng.randrange(20)], MATERIALS[rng.randrange(20)], NOUNS[rng.randrange(40)])
            title = f"{words[0].title()} {words[1]} {words[2]} {i}"
            titles[i] = title
            sup = (i - 1) % n_sup + 1
            k = 1 + i % 3
            at = _ts(now - timedelta(minutes=n_prod - i))
            yield (i, sup, f"p{i}", f"{'-'.join(words)}-{i}", title,
                   f"<p>A {words[0]} {words[2]} made of {words[1]}.</p><ul><li>Size {SIZES[i % 3]}</li></ul>",
                   f"Supplier {sup}", CATEGORIES[i % 30], f"{words[1]}, {words[2]}",
                   "Size" if k > 1 else "", "", "", True, at, at)

    writer.rows("products", ("id", "supplier_id", "handle", "slug", "title", "body_html", "vendor", "category",
                             "tags", "option1_name", "option2_name", "option3_name", "published", "created_at",
                             "updated_at"), product_rows())

    def variant_rows():
        vid = 0
        for i in range(1, n_prod + 1):
            k = 1 + i % 3
            base = 500 + (i * 37) % 5000
            variant_of[i] = (vid + 1, k, base)
            for v in range(k):
                vid += 1
                yield (vid, i, (i - 1) % n_sup + 1, f"B{i}-{v}", SIZES[v] if k > 1 else "", "", "",
                       base + 100 * v, 2 * (base + 100 * v) + 99, 20 + (i + v) % 200, "", v + 1)

    writer.rows("variants", ("id", "product_id", "supplier_id", "sku", "option1", "option2", "option3",
                             "wholesale_minor", "retail_minor", "stock", "image_src", "position"), variant_rows())
    writer.rows("product_images", ("id", "product_id", "src", "position", "alt"),
                ((i, i, f"https://img.example.com/bench/{i}.jpg", 1, titles[i]) for i in range(1, n_prod + 1)))

    def store_rows():
        for j in range(1, n_store + 1):
            bench = j == 1
            yield (j, n_sup + j, BENCH_STORE if bench else f"store-{j}", "Lily's Corner" if bench else f"Store {j}",
                   "Handmade things for a cosy home" if bench else "",
                   "https://img.example.com/bench/logo.png" if bench else "", "#9d174d" if bench else "#0f766e",
                   j <= 8, f"inv{j:07d}", None, created)

    writer.rows("stores", ("id", "user_id", "slug", "name", "tagline", "logo_src", "colour", "featured",
                           "invite_code", "invited_by_id", "created_at"), store_rows())

    store_products: dict[int, list[int]] = {}

    def pick_rows():
        pid = 0
        step = n_prod // BENCH_PICKS
        for j in range(1, n_store + 1):
            chosen = ([1 + k * step + k for k in range(BENCH_PICKS)] if j == 1
                      else rng.sample(range(1, n_prod + 1), rng.randrange(0, 21)))
            store_products[j] = chosen
            for position, product in enumerate(chosen):
                pid += 1
                price = 2 * variant_of[product][2] + 99
                yield (pid, j, product, price, position, created)

    writer.rows("picks", ("id", "store_id", "product_id", "price_minor", "position", "created_at"), pick_rows())

    def busy_store() -> int:
        # One visit or order in twenty is the benchmarked store's, the rest spread over all stores.
        return 1 if rng.random() < 0.05 else rng.randrange(1, n_store + 1)

    def click_rows():
        for c in range(1, size["clicks"] + 1):
            store = busy_store()
            product = rng.choice(store_products[store]) if store_products[store] and rng.random() < 0.6 else None
            at = now - timedelta(seconds=rng.randrange(90 * 86400))
            yield (c, store, product, f"{rng.getrandbits(128):032x}", None, "direct", _ts(at))

    writer.rows("clicks", ("id", "store_id", "product_id", "visitor", "link_id", "channel", "created_at"),
                click_rows())
    _orders(writer, size, rng, busy_store, store_products, variant_of, titles, now)


def _orders(writer, size, rng, busy_store, store_products, variant_of, titles, now) -> None:
    """Paid and shipped orders with their lines, purchase orders and balanced ledger entries."""
    n_sup, n_prod = size["suppliers"], size["products"]
    orders, lines, pos, txns, entries = [], [], [], [], []
    line_id = po_id = entry_id = 0
    for o in range(1, size["orders"] + 1):
        store = busy_store()
        paid = now - timedelta(seconds=rng.randrange(365 * 86400))
        shipped = rng.random() < 0.8
        choices = store_products[store] or [rng.randrange(1, n_prod + 1)]
        by_supplier: dict[int, int] = {}
        total = 0
        for product in rng.sample(choices, min(len(choices), rng.randrange(1, 3))):
            first, count, base = variant_of[product]
            v = rng.randrange(count)
            supplier = (product - 1) % n_sup + 1
            if supplier not in by_supplier:
                po_id += 1
                by_supplier[supplier] = po_id
                pos.append((po_id, f"bpo{po_id:020d}", o, supplier, "shipped" if shipped else "open",
                            "DHL" if shipped else "", f"TRK{po_id}" if shipped else "", _ts(paid), _ts(paid),
                            _ts(paid + timedelta(days=1)) if shipped else None))
            qty = rng.randrange(1, 3)
            wholesale = base + 100 * v
            price = 2 * base + 99 + 100 * v
            fee = price * FEE_BP // 10_000
            line_id += 1
            lines.append((line_id, o, first + v, product, supplier, by_supplier[supplier], f"B{product}-{v}",
                          titles[product], SIZES[v] if count > 1 else "", qty, price, wholesale, fee,
                          "shipped" if shipped else "open"))
            for account, amount, sup, st in (("customer_payments", price * qty, None, None),
                                             ("supplier_payable", -wholesale * qty, supplier, None),
                                             ("platform_fees", -fee * qty, None, None),
                                             ("reseller_earnings", -(price - wholesale - fee) * qty, None, store)):
                entry_id += 1
                entries.append((entry_id, o, account, sup, st, line_id, amount, "USD"))
            total += price * qty
        orders.append((o, f"bord{o:020d}", store, "shipped" if shipped else "paid", f"Customer {o}",
                       f"customer{o}@bench.example", "+1 555 0100", f"{o} Main Street", "", "Springfield", "",
                       "12345", "US", "USD", total, 0, "demo", f"demo_bord{o}", "", "en", None, None, "direct",
                       False, _ts(paid - timedelta(minutes=2)), _ts(paid), _ts(paid)))
        txns.append((o, o, "sale", f"order {o} paid", _ts(paid)))
    writer.rows("orders", ("id", "token", "store_id", "status", "customer_name", "email", "phone", "address1",
                           "address2", "city", "region", "postcode", "country", "currency", "total_minor",
                           "refunded_minor", "payment_provider", "payment_ref", "payment_intent", "locale",
                           "cart_id", "link_id", "channel", "self_purchase", "created_at", "paid_at",
                           "customer_mailed_at"), orders)
    writer.rows("purchase_orders", ("id", "token", "order_id", "supplier_id", "status", "carrier",
                                    "tracking_number", "created_at", "forwarded_at", "shipped_at"), pos)
    writer.rows("order_lines", ("id", "order_id", "variant_id", "product_id", "supplier_id", "purchase_order_id",
                                "sku", "title", "variant_title", "quantity", "unit_price_minor",
                                "unit_wholesale_minor", "unit_fee_minor", "status"), lines)
    writer.rows("ledger_transactions", ("id", "order_id", "kind", "memo", "created_at"), txns)
    writer.rows("ledger_entries", ("id", "transaction_id", "account", "supplier_id", "store_id", "order_line_id",
                                   "amount_minor", "currency"), entries)


def _read_stamp(engine) -> str | None:
    from sqlalchemy import inspect, text

    if "bench_stamp" not in inspect(engine).get_table_names():
        return None
    with engine.connect() as conn:
        return conn.execute(text("SELECT stamp FROM bench_stamp")).scalar()


def _wipe(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(parsed.database + suffix).unlink(missing_ok=True)
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {parsed.database} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {parsed.database}"))
    admin.dispose()


def ensure(url: str, scale: str, log=print) -> bool:
    """Build the data set at `url` unless it is there with the current stamp; True when it was built."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from flask_migrate import stamp as stamp_head
    from flask_migrate import upgrade

    from shop import create_app
    from shop.accounts.passwords import hash_password
    from shop.catalog.search import include_object
    from shop.extensions import db
    from shop.util import now_utc

    wanted = stamp(scale)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        try:
            current = _read_stamp(db.engine)
        except Exception:  # no database yet
            current = None
        db.engine.dispose()
        if current == wanted:
            return False
        started = time.perf_counter()
        log(f"building the {scale} data set at {url.split('://')[0]} (stamp {wanted})")
        _wipe(url)
        upgrade()
        with db.engine.connect() as conn:
            behind = compare_metadata(MigrationContext.configure(conn, opts={"include_object": include_object}),
                                      db.metadata)
        if behind:
            # The lead regenerates migrations after model changes; until then build from the models.
            log(f"warning: the migrations lag behind the models ({len(behind)} differences): schema from models")
            db.engine.dispose()
            _wipe(url)
            db.create_all()
            stamp_head()
        dialect = db.engine.dialect.name
        raw = db.engine.raw_connection()
        try:
            if dialect == "sqlite":
                raw.driver_connection.execute("PRAGMA synchronous=OFF")
            generate(Writer(raw.driver_connection, dialect), SCALES[scale], hash_password(PASSWORD), now_utc())
            raw.commit()
        finally:
            raw.close()
        _finish(db, dialect, wanted)
        db.engine.dispose()
        log(f"built the {scale} data set in {time.perf_counter() - started:.0f} s")
    return True


def _finish(db, dialect: str, wanted: str) -> None:
    """Move id sequences past the loaded rows, refresh planner statistics, and stamp the data set."""
    from sqlalchemy import text

    with db.engine.begin() as conn:
        if dialect == "postgresql":
            for table in db.metadata.sorted_tables:
                if "id" in table.columns:
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                      f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))
        conn.execute(text("CREATE TABLE bench_stamp (stamp VARCHAR(32) NOT NULL)"))
        conn.execute(text("INSERT INTO bench_stamp (stamp) VALUES (:s)"), {"s": wanted})
    if dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))


if __name__ == "__main__":
    import sys

    os.environ.setdefault("INSTANCE_PATH", str(ROOT / "bench" / ".cache" / "instance"))
    os.environ.setdefault("HUEY_DB", str(ROOT / "bench" / ".cache" / "instance" / "huey.db"))
    sys.path.insert(0, str(ROOT))
    ensure(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "large")
