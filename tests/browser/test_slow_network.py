"""Light and quick: first-load weight over the wire, and the store page on a slow network with a slow CPU."""
import os
import re
import time

import pytest

from tests.test_pages_small import full_store  # noqa: F401  (a fixture: a store with 24 products)

from .key_pages import PASSWORD

expect = pytest.importorskip("playwright.sync_api").expect

KB = 1024
PICTURES = re.compile(r"/media/|/poster\.png")
FIRST_VISIT = {"service_workers": "block"}  # a first visit has no service worker yet: everything comes over the wire
# (name, download bits per second, round-trip latency ms, store page budget in seconds): the two networks.
NETWORKS = [("1.6 Mbps / 150 ms", 1_600_000, 150, 3.0), ("750 kbps / 100 ms", 750_000, 100, 5.0)]


class Wire:
    """Counts what a tab fetches, as Chromium saw it on the network (compressed bytes, headers included)."""

    def __init__(self, tab):
        self.cdp = tab.context.new_cdp_session(tab)
        self.cdp.send("Network.enable")
        self.cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})  # every page is a first visit
        self.urls, self.sizes = {}, {}
        self.cdp.on("Network.requestWillBeSent", lambda e: self.urls.setdefault(e["requestId"], e["request"]["url"]))
        self.cdp.on("Network.loadingFinished", lambda e: self.sizes.update({e["requestId"]: e["encodedDataLength"]}))

    def load(self, tab, path: str) -> list[tuple[str, int]]:
        """Open a page and return (url, bytes) for everything it fetched except pictures (photos, the poster)."""
        self.urls.clear()
        self.sizes.clear()
        tab.goto(path, wait_until="load")
        tab.wait_for_load_state("networkidle")
        return [(url, self.sizes.get(rid, 0)) for rid, url in self.urls.items() if not PICTURES.search(url)]

    def throttle(self, bits_per_second: int, latency_ms: int, cpu_slowdown: int = 4):
        self.cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": latency_ms,
            "downloadThroughput": bits_per_second / 8, "uploadThroughput": bits_per_second / 8})
        self.cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu_slowdown})


def _check_weight(wire, tab, path: str, report: list, problems: list):
    fetched = wire.load(tab, path)
    total = sum(size for _url, size in fetched)
    scripts = [url for url, _size in fetched if url.split("?")[0].endswith(".js")]
    styles = [url for url, _size in fetched if url.split("?")[0].endswith(".css")]
    fonts = [url for url, _size in fetched if url.split("?")[0].endswith((".woff", ".woff2", ".otf", ".ttf"))]
    report.append(f"{path}: {total / KB:.1f} KB in {len(fetched)} requests")
    if total > 50 * KB or len(fetched) > 15:
        problems.append(f"{path}: {total} bytes in {len(fetched)} requests: {fetched}")
    if fonts or len(styles) != 1:
        problems.append(f"{path}: fonts {fonts}, stylesheets {styles}")
    # htmx, and static/app.js: the small enhancement file (Web Share, copy, focus after swaps, the service worker).
    if sorted(url.rsplit("/", 1)[-1].split(".")[0] for url in scripts) != ["app", "htmx-2"]:
        problems.append(f"{path}: scripts {scripts}")


def test_key_pages_first_load_under_50_kb_and_15_requests(new_tab, sign_in, full_store, make_supplier):  # noqa: F811
    report, problems = [], []
    slug = full_store.slug
    product = full_store.picks[0].product.slug
    guest = new_tab(**FIRST_VISIT)
    wire = Wire(guest)
    for path in ("/", "/login", f"/s/{slug}", f"/s/{slug}/p/{product}"):
        _check_weight(wire, guest, path, report, problems)
    guest.locator("form[action$='/cart/add'] button").click()
    expect(guest).to_have_url(f"{guest.url.split('/s/')[0]}/s/{slug}/cart")
    for path in (f"/s/{slug}/cart", f"/s/{slug}/checkout"):
        _check_weight(wire, guest, path, report, problems)
    reseller = new_tab(**FIRST_VISIT)
    sign_in(reseller, full_store.user.email, PASSWORD)
    wire = Wire(reseller)
    for path in ("/my/", "/catalog", "/my/store", "/my/share"):
        _check_weight(wire, reseller, path, report, problems)
    supplier = new_tab(**FIRST_VISIT)
    sign_in(supplier, make_supplier(name="Harbour").user.email, PASSWORD)
    wire = Wire(supplier)
    for path in ("/supplier/products", "/supplier/orders", "/supplier/import"):
        _check_weight(wire, supplier, path, report, problems)
    print("\nfirst load, compressed, before product photos:\n  " + "\n  ".join(report))
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("network", NETWORKS, ids=["1.6mbps", "750kbps"])
def test_store_page_usable_quickly_on_a_slow_network_and_cpu(new_tab, full_store, network):  # noqa: F811
    name, bits, latency, budget = network
    tab = new_tab(**FIRST_VISIT)
    wire = Wire(tab)
    wire.throttle(bits, latency)
    started = time.monotonic()
    tab.goto(f"/s/{full_store.slug}", wait_until="commit")
    expect(tab.get_by_role("heading", level=1)).to_be_visible()
    expect(tab.locator("main .price").first).to_be_visible()
    expect(tab.locator("main .price").nth(3)).to_be_visible()  # the first row of tiles, with prices
    usable = time.monotonic() - started
    timing = tab.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0];
      const paint = performance.getEntriesByName('first-contentful-paint')[0];
      return {wait: n.responseStart - n.requestStart, paint: paint ? paint.startTime : 0}; }""")
    # The server's own think time (beyond the emulated round trip) belongs to `make bench`, not to this test,
    # which is about what the page costs a slow phone on a slow network: leave it out of the figure.
    server = max(0.0, timing["wait"] / 1000 - latency / 1000)
    print(f"\nstore page at {name}, CPU 4x slower: first paint {timing['paint'] / 1000:.2f} s, main content and "
          f"prices {usable:.2f} s, of which the server's think time {server:.2f} s")
    # Timing targets are checked by `make bench-phone` (a quiet machine), never by the test suite itself.
    if os.environ.get("PHONE_BUDGETS") == "1":
        assert usable - server <= budget, f"{name}: {usable:.2f} s, server {server:.2f} s"
