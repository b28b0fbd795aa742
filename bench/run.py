"""make bench: the shop under load on SQLite and PostgreSQL, against the large data set, with wrk.

python bench/run.py [--seconds 20] [--warmup 10] [--only sqlite|postgresql] [--scenario store_page ...]
Prints one `name: value unit` line per figure, then PASS/FAIL per target; exits 1 when a target fails.
BENCH_PG_URL names the PostgreSQL database (default postgresql+psycopg://postgres@127.0.0.1:5432/bench;
it is dropped and rebuilt when its data set is stale, and bench_small beside it).
"""
import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
BIN = Path(sys.executable).parent
os.environ.setdefault("INSTANCE_PATH", str(CACHE / "instance"))
os.environ.setdefault("HUEY_DB", str(CACHE / "instance" / "huey.db"))
sys.path.insert(0, str(ROOT))

from bench import dataset, wrk  # noqa: E402
from shop.stores import clicks  # noqa: E402

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench")
UA = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"
CONNECTIONS = 32
CHECKOUT_CONNECTIONS = 16
CARTS = 64
FORWARD_RATE = 10  # orders paid per second while the one worker forwards them
SEARCH_TERMS = ("linen", "walnut tray", "cosy", "silk scarf", "ceramic mug", "bamboo", "rattan basket",
                "velvet", "Vintage copper", "jute mat", "misty", "oak shelf", "wool throw", "cork board")
TARGETS = [  # (figure, comparison, bound, databases)
    ("store_page_p95_ms", "<=", 20, ("sqlite", "postgresql")),
    ("store_page_vs_hello", ">=", 0.40, ("sqlite", "postgresql")),
    ("product_page_p95_ms", "<=", 30, ("sqlite", "postgresql")),
    ("add_to_cart_p95_ms", "<=", 30, ("sqlite", "postgresql")),
    ("search_p95_ms", "<=", 30, ("sqlite", "postgresql")),
    ("checkout_orders_per_s", ">=", 100, ("postgresql",)),
    ("checkout_stock_errors", "<=", 0, ("sqlite", "postgresql")),
    ("forward_p95_s", "<=", 2, ("sqlite", "postgresql")),
    ("store_page_queries_growth", "<=", 0, ("sqlite", "postgresql")),
]
SCENARIOS = ("store_page", "product_page", "add_to_cart", "search", "checkout", "forward")


def log(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


def unit(name: str) -> str:
    for suffix, label in (("_ms", "ms"), ("_rps", "req/s"), ("per_s", "orders/s"), ("_s", "s"),
                          ("queries", "statements"), ("queries_small", "statements"), ("growth", "statements"), ("errors", "units")):
        if name.endswith(suffix):
            return label
    return "x"


_ports: set[int] = set()


def free_port() -> int:
    """A loopback port nobody listens on, never the same one twice in a run."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _ports:
            _ports.add(port)
            return port


@contextmanager
def process(command: list[str], env: dict, logfile: Path, ready_port: int | None = None, ready_path="/healthz"):
    """Run a server in its own process group for the length of the block."""
    with open(logfile, "ab") as out:
        proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        if ready_port:
            wait_ready(ready_port, ready_path, proc, logfile)
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def wait_ready(port: int, path: str, proc, logfile: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: see {logfile}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not answer: see {logfile}")


def gunicorn(app: str, port: int) -> list[str]:
    """The same gunicorn settings for the shop and for hello: the project's config file when there is one."""
    command = [str(BIN / "gunicorn"), app, "--bind", f"127.0.0.1:{port}"]
    if (ROOT / "gunicorn.conf.py").exists():
        return command + ["--config", str(ROOT / "gunicorn.conf.py")]
    return command + ["--workers", "2", "--threads", "4", "--worker-class", "gthread", "--access-logfile", "-"]


class Browser:
    """Just enough of a browser for the set-up steps: cookies, forms, no redirects followed."""

    def __init__(self, port: int, cookies: dict | None = None):
        self.port = port
        self.cookies = dict(cookies or {})

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"User-Agent": UA, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = urlencode(form) if form is not None else None
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body, sent)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        return response.status, response.headers, text

    def cookie_header(self, *names: str) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items() if not names or k in names)


def csrf_in(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)


def stock_snapshot(engine, variant_ids) -> dict[int, int]:
    from sqlalchemy import text

    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT id, stock FROM variants WHERE id IN ({','.join(map(str, variant_ids))})"))
        return dict(rows.all())


def prepare(engine) -> dict:
    """Restock the benchmarked store and return what the scenarios need to know about it."""
    from sqlalchemy import text

    with engine.begin() as conn:
        store_id = conn.execute(text("SELECT id FROM stores WHERE slug = :s"), {"s": dataset.BENCH_STORE}).scalar()
        products = conn.execute(text("SELECT p.id, p.slug FROM picks k JOIN products p ON p.id = k.product_id "
                                     "WHERE k.store_id = :s ORDER BY k.position"), {"s": store_id}).all()
        ids = ",".join(str(p) for p, _slug in products)
        variants = conn.execute(text(f"SELECT id FROM variants WHERE product_id IN ({ids}) ORDER BY id")).scalars()
        variants = list(variants)
        conn.execute(text(f"UPDATE variants SET stock = {dataset.BENCH_STOCK} WHERE product_id IN ({ids})"))
        max_order = conn.execute(text("SELECT MAX(id) FROM orders")).scalar() or 0
    return {"store_id": store_id, "slugs": [s for _p, s in products], "variants": variants, "max_order": max_order}


def count_queries(url: str, slug: str, copies: bool) -> int:
    """SQL statements the store page runs for a new visitor, counted in-process.

    copies=False: the page as Flask builds it (the first visit in each PUBLIC_PAGE_SECONDS window);
    copies=True: the visits after it, answered from shop.edge's copy.
    """
    from flask import Flask
    from sqlalchemy import event

    from shop import create_app
    from shop.extensions import db

    app: Flask = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                             **({"PUBLIC_PAGE_SECONDS": 60} if copies else {"PUBLIC_PAGE_SECONDS": 0})})
    client = app.test_client(use_cookies=False)
    client.get(f"/s/{slug}", headers={"User-Agent": UA})  # warm: first-request work is not per-page
    statements = []
    with app.app_context():
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(f"/s/{slug}", headers={"User-Agent": UA}).status_code == 200
            clicks.buffer(app).flush()  # the visit, written by the batch writer
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        db.engine.dispose()
    return len(statements)


def _processes():
    """(pid, command name, the fields of /proc/<pid>/stat after the name) of every process now running."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, fields = (entry / "stat").read_text().rsplit(")", 1)
        except OSError:  # the process ended while we looked
            continue
        yield int(entry.name), head.split("(", 1)[1], fields.split()


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a server and its worker processes so far, from /proc."""
    total = 0
    for process, _name, fields in _processes():
        if process == pid:
            # utime, stime, and cutime, cstime: the workers that ended (recycled after max_requests) and
            # were reaped by this master; without them a recycled worker's CPU would vanish from the total.
            total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
        elif int(fields[1]) == pid:  # fields[1]: the parent's pid
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def cpu_seconds_named(name: str) -> float:
    """CPU time (user + system) so far of every process called `name` (PostgreSQL's server and backends)."""
    total = sum(int(f[11]) + int(f[12]) for _pid, command, f in _processes() if command == name)
    return total / os.sysconf("SC_CLK_TCK")


def measure(figures: dict, name: str, url: str, script: str, warmup: float, seconds: float, server: int = 0,
            database: str = "", **kw) -> dict:
    wrk.run(url, script, warmup, **kw)
    cpu = cpu_seconds(server) if server else 0.0
    db_cpu = cpu_seconds_named("postgres") if database == "postgresql" else 0.0
    result = wrk.run(url, script, seconds, **kw)
    if server and result["requests"]:
        # CPU per request holds on a busy machine, where throughput and latency swing with the neighbours' load.
        result["cpu_ms"] = round((cpu_seconds(server) - cpu) * 1000 / result["requests"], 3)
        if database == "postgresql":  # the database's share (SQLite's runs inside the workers)
            result["db_cpu_ms"] = round((cpu_seconds_named("postgres") - db_cpu) * 1000 / result["requests"], 3)
        figures[f"{name}_cpu_ms"] = result["cpu_ms"]
        if "db_cpu_ms" in result:
            figures[f"{name}_db_cpu_ms"] = result["db_cpu_ms"]
    if result["bad_status"] or result["socket_errors"]:
        log(f"{name}: {result['bad_status']} bad statuses, {result['socket_errors']} socket errors")
    figures.setdefault("_raw", {})[name] = result
    return result


def new_shopper(port: int, slug: str, product_slug: str) -> Browser:
    browser = Browser(port)
    status, _headers, html = browser.request("GET", f"/s/{slug}/p/{product_slug}")
    assert status == 200, status
    browser.csrf = csrf_in(html)
    return browser


def fill_cart(browser: Browser, slug: str, variant: int) -> None:
    status, _h, _t = browser.request("POST", f"/s/{slug}/cart/add",
                                     {"csrf_token": browser.csrf, "variant_id": variant, "quantity": 1})
    assert status == 302, status


def buy(port: int, base_cookies: dict, csrf: str, slug: str, variant: int) -> bool:
    """One guest order, start to finish: add to cart, check out, pay on the demo page."""
    try:
        return _buy(Browser(port, base_cookies), csrf, slug, variant)
    except (OSError, http.client.HTTPException, AssertionError) as exc:  # e.g. a worker recycled mid-request
        log(f"forward: an order failed: {exc!r}")
        return False


def _buy(browser: Browser, csrf: str, slug: str, variant: int) -> bool:
    browser.csrf = csrf
    fill_cart(browser, slug, variant)
    form = {"csrf_token": csrf, "customer_name": "Bench Buyer", "email": "buyer@bench.example",
            "phone": "+1 555 0100", "address1": "1 Main Street", "city": "Springfield", "postcode": "12345",
            "country": "US"}
    status, headers, _t = browser.request("POST", f"/s/{slug}/checkout", form)
    if status != 302 or "/pay/demo/" not in headers["Location"]:
        return False
    status, headers, _t = browser.request("POST", headers["Location"], {"csrf_token": csrf})
    return status == 302


def bench_database(label: str, url: str, small_url: str, args, tmp: Path) -> dict:
    from sqlalchemy import create_engine, text

    logs = CACHE / "logs"  # kept after the run, to read when a server would not start

    figures: dict = {}
    log(f"{label}: load average {os.getloadavg()[0]:.1f}")
    for copies, suffix in ((False, ""), (True, "_copy")):
        figures[f"store_page{suffix}_queries"] = count_queries(url, dataset.BENCH_STORE, copies)
        figures[f"store_page{suffix}_queries_small"] = count_queries(small_url, dataset.BENCH_STORE, copies)
    figures["store_page_queries_growth"] = max(
        figures["store_page_queries"] - figures["store_page_queries_small"],
        figures["store_page_copy_queries"] - figures["store_page_copy_queries_small"])
    engine = create_engine(url)
    shop = prepare(engine)
    slug, products = dataset.BENCH_STORE, shop["slugs"]
    port, hello_port, smtp_port = free_port(), free_port(), free_port()
    deliveries = tmp / f"{label}-deliveries.jsonl"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret", "INSTANCE_PATH": str(tmp / label),
           "HUEY_DB": str(tmp / label / "huey.db"), "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_port),
           "MAIL_USE_TLS": "0", "STRIPE_SECRET_KEY": "", "BASE_URL": f"http://127.0.0.1:{port}", "CURRENCY": "USD",
           "PLATFORM_FEE_PERCENT": "10"}
    env.pop("REDIS_URL", None)
    # Every simulated customer comes from 127.0.0.1: per-address limits (20 checkouts per 10 minutes)
    # would measure the limiter, not the shop.
    env["RATELIMIT_ENABLED"] = "0"
    env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp / label / "metrics")
    (tmp / label / "metrics").mkdir(exist_ok=True)
    with ExitStack() as stack:
        if label == "postgresql" and shutil.which("redis-server"):
            # Production mode: PostgreSQL and Redis (the job queue); SQLite keeps huey's SQLite file.
            redis_port = free_port()
            stack.enter_context(process(["redis-server", "--port", str(redis_port), "--save", "", "--appendonly",
                                         "no"], env, logs / f"{label}-redis.log"))
            env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
            time.sleep(0.5)
        server = stack.enter_context(process(gunicorn("app:app", port), env, logs / f"{label}-gunicorn.log", port))
        hello_server = stack.enter_context(process(gunicorn("bench.hello:app", hello_port), env,
                                                   logs / f"{label}-hello.log", hello_port, "/hello"))
        base = f"http://127.0.0.1:{port}"
        run = lambda name, script, **kw: measure(figures, name, base, script, args.warmup, args.seconds,  # noqa: E731
                                                 server=server.pid, database=label, **kw)

        want = set(args.scenario or SCENARIOS)
        hello = measure(figures, "hello", f"http://127.0.0.1:{hello_port}", wrk.ROTATE, args.warmup, args.seconds,
                        server=hello_server.pid, connections=CONNECTIONS, env={"BENCH_PATHS": "/hello"})
        figures["hello_rps"], figures["hello_cpu_ms"] = hello["rps"], hello.get("cpu_ms")
        if "store_page" in want:
            store = run("store_page", wrk.ROTATE, connections=CONNECTIONS, headers=[f"User-Agent: {UA}"],
                        env={"BENCH_PATHS": f"/s/{slug}"})
            figures["store_page_p95_ms"], figures["store_page_rps"] = store["p95_ms"], store["rps"]
            figures["store_page_vs_hello"] = round(store["rps"] / hello["rps"], 3)
            figures["store_page_cpu_ms"] = store.get("cpu_ms")
            if store.get("cpu_ms") and hello.get("cpu_ms"):
                figures["store_page_vs_hello_cpu"] = round(hello["cpu_ms"] / store["cpu_ms"], 3)
        if "product_page" in want:
            product = run("product_page", wrk.ROTATE, connections=CONNECTIONS, headers=[f"User-Agent: {UA}"],
                          env={"BENCH_PATHS": " ".join(f"/s/{slug}/p/{p}" for p in products)})
            figures["product_page_p95_ms"], figures["product_page_rps"] = product["p95_ms"], product["rps"]
            figures["product_page_cpu_ms"] = product.get("cpu_ms")
        if "add_to_cart" in want:
            add_to_cart(run, figures, port, shop)
        if "search" in want:
            search(run, figures, port)
        buyer = new_shopper(port, slug, products[0])
        if "checkout" in want:
            checkout(figures, engine, base, buyer, shop, args.seconds, server.pid)
            flush_queue(env)
        if "forward" in want:
            # Orders paid at a steady rate, one worker mailing purchase orders to the fake supplier.
            stack.enter_context(process([sys.executable, str(ROOT / "bench" / "fake_supplier.py"), str(smtp_port),
                                         str(deliveries)], env, logs / f"{label}-fake_supplier.log"))
            stack.enter_context(process([str(BIN / "huey_consumer"), "shop.worker.huey", "-w", "1", "-k", "thread",
                                         "-d", "0.05", "-m", "0.25", "-b", "1.1", "-n", "-q"], env,
                                        logs / f"{label}-worker.log"))
            with engine.connect() as conn:
                first_order = (conn.execute(text("SELECT MAX(id) FROM orders")).scalar() or 0) + 1
            figures["forward_p95_s"], figures["forward_orders"] = forward(
                port, buyer, slug, shop["variants"], engine, first_order, deliveries, args.seconds)
    engine.dispose()
    log(f"{label}: done, load average {os.getloadavg()[0]:.1f}")
    return figures


def add_to_cart(run, figures: dict, port: int, shop: dict) -> None:
    """Many customers, each with a cart already, adding one variant after another; the htmx fragment comes back."""
    slug, products = dataset.BENCH_STORE, shop["slugs"]
    shoppers = []
    for n in range(CARTS):
        shopper = new_shopper(port, slug, products[n % len(products)])
        fill_cart(shopper, slug, shop["variants"][n % len(shop["variants"])])
        shoppers.append(shopper)
    body = "quantity=1"
    carts = run("add_to_cart", wrk.POST_ROTATING_COOKIES, connections=CONNECTIONS,
                headers=["HX-Request: true", f"User-Agent: {UA}"],
                env={"BENCH_PATHS": f"/s/{slug}/cart/add", "BENCH_BODY": body,
                     "BENCH_COOKIES": "\n".join(s.cookie_header("session") for s in shoppers),
                     "BENCH_CSRFS": "\n".join(s.csrf for s in shoppers),
                     "BENCH_VARIANTS": " ".join(map(str, shop["variants"]))})
    figures["add_to_cart_p95_ms"], figures["add_to_cart_rps"] = carts["p95_ms"], carts["rps"]
    figures["add_to_cart_cpu_ms"] = carts.get("cpu_ms")


def search(run, figures: dict, port: int) -> None:
    """The signed-in reseller's catalog search, 14 queries in turn."""
    reseller = Browser(port)
    _s, _h, html = reseller.request("GET", "/login")
    status, _h, _t = reseller.request("POST", "/login", {"csrf_token": csrf_in(html), "email": dataset.RESELLER_EMAIL,
                                                         "password": dataset.PASSWORD})
    assert status == 302, "the benchmark reseller could not sign in"
    found = run("search", wrk.ROTATE, connections=CONNECTIONS,
                headers=[f"Cookie: {reseller.cookie_header('session')}", f"User-Agent: {UA}"],
                env={"BENCH_PATHS": " ".join("/catalog?" + urlencode({"q": t}) for t in SEARCH_TERMS)})
    figures["search_p95_ms"], figures["search_rps"] = found["p95_ms"], found["rps"]
    figures["search_cpu_ms"] = found.get("cpu_ms")


def checkout(figures: dict, engine, base: str, buyer: Browser, shop: dict, seconds: int, server: int) -> None:
    """Each connection buys one thing after another, each time from a new cart."""
    from sqlalchemy import text

    before = stock_snapshot(engine, shop["variants"])
    with engine.connect() as conn:
        first_order = (conn.execute(text("SELECT MAX(id) FROM orders")).scalar() or 0) + 1
    cpu, db_cpu = cpu_seconds(server), cpu_seconds_named("postgres")
    done = wrk.run(base, wrk.CHECKOUT, seconds, connections=CHECKOUT_CONNECTIONS, threads=CHECKOUT_CONNECTIONS,
                   headers=[f"User-Agent: {UA}"],
                   env={"BENCH_COOKIE": buyer.cookie_header("session"), "BENCH_CSRF": buyer.csrf,
                        "BENCH_STORE": dataset.BENCH_STORE, "BENCH_VARIANTS": " ".join(map(str, shop["variants"]))})
    figures.setdefault("_raw", {})["checkout"] = done
    figures["checkout_orders_per_s"] = round(done["orders"] / done["seconds"], 1)
    figures["checkout_p95_ms"] = done["p95_ms"]
    if done["orders"]:
        figures["checkout_cpu_ms"] = round((cpu_seconds(server) - cpu) * 1000 / done["orders"], 2)
        if engine.dialect.name == "postgresql":  # the database's share (SQLite's runs inside the workers)
            figures["checkout_db_cpu_ms"] = round((cpu_seconds_named("postgres") - db_cpu) * 1000 / done["orders"], 2)
    figures["checkout_stock_errors"] = stock_errors(engine, before, first_order, done["orders"])


def stock_errors(engine, before: dict, first_order: int, orders: int) -> int:
    """Units by which any variant's stock differs from its initial stock less what paid orders took."""
    from sqlalchemy import text

    time.sleep(2)  # requests still in flight when wrk stopped finish first
    ids = ",".join(map(str, before))
    with engine.connect() as conn:
        # One statement, so stock and sales are read from the same snapshot.
        rows = conn.execute(text(
            "SELECT v.id, v.stock, (SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l "
            "JOIN orders o ON o.id = l.order_id WHERE l.variant_id = v.id AND o.id >= :first "
            f"AND o.paid_at IS NOT NULL AND o.status = 'paid') FROM variants v WHERE v.id IN ({ids})"),
            {"first": first_order}).all()
        paid = conn.execute(text("SELECT COUNT(*) FROM orders WHERE id >= :first AND status = 'paid'"),
                            {"first": first_order}).scalar()
    after = {v: stock for v, stock, _sold in rows}
    sold = {v: units for v, _stock, units in rows}
    if paid != orders:
        log(f"checkout: wrk counted {orders} orders, the database has {paid} paid")
    return sum(abs(before[v] - sold[v] - after[v]) for v in before)


def flush_queue(env: dict) -> None:
    """Drop the jobs the checkout run queued, so the forwarding run starts with an empty queue."""
    from huey import RedisHuey, SqliteHuey

    queue = (RedisHuey("sharestall", url=env["REDIS_URL"]) if env.get("REDIS_URL")
             else SqliteHuey("sharestall", filename=env["HUEY_DB"]))
    queue.flush()


def forward(port, buyer: Browser, slug, variants, engine, first_order, deliveries: Path, seconds) -> tuple:
    """Pay FORWARD_RATE orders a second; p95 of payment to the purchase order's arrival at the fake supplier."""
    from sqlalchemy import text

    cookies = {"session": buyer.cookies["session"]}
    total = int(FORWARD_RATE * seconds)
    start = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        futures = []
        for n in range(total):
            time.sleep(max(0.0, start + n / FORWARD_RATE - time.monotonic()))
            futures.append(pool.submit(buy, port, cookies, buyer.csrf, slug, variants[n % len(variants)]))
        paid = sum(f.result() for f in futures)
    with engine.connect() as conn:
        paid_at = dict(conn.execute(text("SELECT id, paid_at FROM orders WHERE id >= :first AND status = 'paid'"),
                                    {"first": first_order}).all())
    arrived: dict[int, float] = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(arrived) < len(paid_at):
        if deliveries.exists():
            for line in deliveries.read_text().splitlines():
                record = json.loads(line)
                found = re.search(r"#(\d+)", record["subject"])
                if found and "ship" in record["subject"] and int(found.group(1)) in paid_at:
                    arrived.setdefault(int(found.group(1)), record["at"])
        time.sleep(0.5)
    if len(arrived) < len(paid_at) or paid != len(paid_at):
        log(f"forward: {paid} paid by the client, {len(paid_at)} in the database, {len(arrived)} delivered")
    paid_at = {o: datetime.fromisoformat(at) if isinstance(at, str) else at for o, at in paid_at.items()}
    delays = sorted(arrived[o] - paid_at[o].replace(tzinfo=timezone.utc).timestamp() for o in arrived)
    delays += [float("inf")] * (len(paid_at) - len(arrived))  # never delivered counts as too slow
    p95 = delays[min(len(delays) - 1, int(0.95 * len(delays)))] if delays else float("inf")
    return round(p95, 3), len(paid_at)


def check(figures: dict) -> bool:
    ok = True
    print()
    for name, comparison, bound, databases in TARGETS:
        for label in databases:
            value = figures.get(f"{label}.{name}")
            if value is None:
                continue
            passed = value <= bound if comparison == "<=" else value >= bound
            ok &= passed
            print(f"{'PASS' if passed else 'FAIL'}: {label}.{name} = {value} {unit(name)} ({comparison} {bound})")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20, help="measured seconds per scenario")
    parser.add_argument("--warmup", type=int, default=10, help="warm-up seconds per scenario")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--scenario", action="append", choices=SCENARIOS,
                        help="run only this scenario (repeat for more; hello and the query counts always run)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk (make bench installs it)")
    started = time.monotonic()
    CACHE.mkdir(exist_ok=True)
    shutil.rmtree(CACHE / "logs", ignore_errors=True)
    (CACHE / "logs").mkdir()
    databases = {"sqlite": (f"sqlite:///{CACHE / 'large.db'}", f"sqlite:///{CACHE / 'small.db'}"),
                 "postgresql": (PG_URL, PG_URL + "_small")}
    if args.only:
        databases = {args.only: databases[args.only]}
    for large, small in databases.values():
        dataset.ensure(large, "large", log)
        dataset.ensure(small, "small", log)
    log(f"data sets ready in {time.monotonic() - started:.0f} s; load average {os.getloadavg()[0]:.1f}")
    figures = {}
    raw = {}
    with tempfile.TemporaryDirectory(prefix="sharestall-bench-") as workdir:
        for label, (large, small) in databases.items():
            (Path(workdir) / label).mkdir()
            found = bench_database(label, large, small, args, Path(workdir))
            raw[label] = found.pop("_raw")
            for name, value in found.items():
                figures[f"{label}.{name}"] = value
                print(f"{label}.{name}: {value} {unit(name)}", flush=True)
    (CACHE / "last-run.json").write_text(json.dumps({"figures": figures, "wrk": raw}, indent=1))
    ok = check(figures)
    print(f"\nbench took {time.monotonic() - started:.0f} s; load average {os.getloadavg()[0]:.1f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
