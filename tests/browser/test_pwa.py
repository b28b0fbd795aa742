"""Installable app: manifest and icons, the service worker, the offline page and the per-account dashboard copy."""
import json
import re
import threading

import pytest
from PIL import Image

from werkzeug.serving import make_server

from shop.accounts.models import Role

from .conftest import HERE

expect = pytest.importorskip("playwright.sync_api").expect

STATIC = HERE.parent.parent / "static"
PASSWORD = "correct horse 9"  # the builders' default


def test_manifest_is_linked_and_describes_an_installable_app(client):
    page = client.get("/login").text
    href = re.search(r'<link rel="manifest" href="([^"]+)">', page).group(1)
    response = client.get(href)
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = json.loads(response.data)
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/app"
    assert manifest["theme_color"] == "#0f766e" and '<meta name="theme-color" content="#0f766e">' in page
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200
        with Image.open(STATIC / icon["src"].removeprefix("/static/")) as image:
            assert image.format == "PNG" and f"{image.width}x{image.height}" == icon["sizes"]


def test_maskable_icon_fills_the_square_and_keeps_the_bag_in_the_safe_zone():
    with Image.open(STATIC / "icons" / "maskable-512.png") as image:
        rgb = image.convert("RGB")
    assert rgb.getpixel((0, 0)) == rgb.getpixel((511, 511)) == (15, 118, 110)  # no transparent corners
    white = [(x, y) for x in range(0, 512, 4) for y in range(0, 512, 4) if rgb.getpixel((x, y)) == (255, 255, 255)]
    assert white and all((x - 256) ** 2 + (y - 256) ** 2 <= (0.4 * 512) ** 2 for x, y in white)


def test_start_url_sends_each_role_to_its_dashboard(client, login, make_user, make_store, make_supplier):
    assert client.get("/app").headers["Location"] == "/login?next=/app"
    store = make_store()
    assert login(store.user).get("/app").headers["Location"] == "/my/"
    supplier = make_supplier()
    assert login(supplier.user).get("/app").headers["Location"] == "/supplier/orders"
    assert login(make_user(Role.admin)).get("/app").headers["Location"] == "/admin/"


def test_service_worker_is_served_for_the_root_scope_with_this_releases_files(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] in ("no-cache", "no-store")  # always checked for a new release
    settings = json.loads(re.match(r"self\.SHARESTALL = (\{.*\});\n", response.text).group(1))
    assert "/offline" in settings["precache"]
    assert any(re.fullmatch(r"/static/app\.[0-9a-f]{10}\.css", url) for url in settings["precache"])
    for url in settings["precache"]:
        assert client.get(url).status_code == 200, url
    assert "navigator.serviceWorker.register(\"/sw.js\"" in (STATIC / "app.js").read_text()


def test_pages_name_their_account_and_only_dashboards_may_be_kept(client, login, make_store):
    anonymous = client.get("/login")
    assert anonymous.headers["X-Account-Key"] == "-" and "X-Offline-Copy" not in anonymous.headers
    store = make_store()
    signed_in = login(store.user)
    dashboard = signed_in.get("/my/")
    key = dashboard.headers["X-Account-Key"]
    assert re.fullmatch(r"[0-9a-f]{24}", key)
    assert dashboard.headers["X-Offline-Copy"] == "1"
    other = signed_in.get("/my/store")
    assert other.headers["X-Account-Key"] == key and "X-Offline-Copy" not in other.headers
    assert login(make_store().user).get("/my/").headers["X-Account-Key"] != key


class Network:
    """The test app on a port of its own that can be switched off and on again: a phone losing its signal.

    Chromium's offline emulation does not reach a service worker's own fetches, so the server really goes away.
    """

    def __init__(self, app):
        self.app, self.port, self.server = app, 0, None

    def up(self):
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return f"http://127.0.0.1:{self.port}"

    def down(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def network(app):
    app.config["WTF_CSRF_ENABLED"] = True
    switch = Network(app)
    app.config["BASE_URL"] = switch.up()
    yield switch
    if switch.server.socket.fileno() != -1:
        switch.down()


@pytest.fixture
def tab(browser, network):
    """A phone-sized tab of its own on the switchable server."""
    context = browser.new_context(base_url=f"http://127.0.0.1:{network.port}", locale="en-US",
                                  viewport={"width": 390, "height": 844})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _controlled(tab):
    """Wait until the service worker controls the tab and has precached its files."""
    tab.evaluate("navigator.serviceWorker.ready")
    tab.reload()  # the first page was loaded before the worker existed
    tab.wait_for_function("() => navigator.serviceWorker.controller !== null")


def test_offline_the_dashboard_copy_belongs_to_its_account_only(tab, network, sign_in, make_store):
    """Offline: the last dashboard read-only for its own account; after sign-out or for another account, never."""
    mei = make_store(name="Mei's Picks", slug="meis-picks")
    lin = make_store(name="Lin's Tea", slug="lins-tea")
    sign_in(tab, mei.user.email, PASSWORD)
    tab.goto("/my/")
    _controlled(tab)
    expect(tab.get_by_role("heading", level=1)).to_contain_text("Mei's Picks")

    network.down()
    tab.goto("/my/")
    expect(tab.get_by_role("heading", level=1)).to_contain_text("Mei's Picks")
    expect(tab.locator(".offline-note")).to_be_visible()
    expect(tab.locator("main form").first).to_be_hidden()  # read-only
    tab.goto("/my/store")  # never kept: the offline page
    expect(tab.get_by_role("heading", name="You are offline")).to_be_visible()
    expect(tab.locator("body")).not_to_contain_text("Mei's Picks")

    network.up()
    tab.goto("/my/")
    tab.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").click()
    expect(tab.get_by_role("navigation", name="Main").get_by_role("link", name="Log in")).to_be_visible()
    network.down()
    tab.goto("/my/")
    expect(tab.get_by_role("heading", name="You are offline")).to_be_visible()
    expect(tab.locator("body")).not_to_contain_text("Mei's Picks")

    network.up()  # Lin signs in on the same phone; Mei's copy must never reach Lin
    sign_in(tab, lin.user.email, PASSWORD)
    network.down()
    tab.goto("/my/")
    expect(tab.locator("body")).not_to_contain_text("Mei's Picks")


def test_offline_page_and_static_files_come_from_the_cache(tab, network):
    tab.goto("/login")
    _controlled(tab)
    network.down()
    tab.goto("/s/nowhere")
    expect(tab.get_by_role("heading", name="You are offline")).to_be_visible()
    assert tab.evaluate("getComputedStyle(document.body).fontFamily").startswith("system-ui")  # app.css loaded


SHARE_STUB = """Object.defineProperty(navigator, 'canShare', {value: data => true, configurable: true});
Object.defineProperty(navigator, 'share', {configurable: true, value: data => {
  window.shared = {files: (data.files || []).map(f => f.name + ':' + f.type), url: data.url || null,
                   text: data.text}; return Promise.resolve(); }});"""


def test_share_button_sends_the_poster_file_with_the_web_share_api(page, sign_in, make_store, make_product, make_pick):
    store = make_store(name="Lin's Tea", slug="lins-tea")
    pick = make_pick(store, make_product(title="Dragon Well tea", image=False))
    page.add_init_script(SHARE_STUB)  # headless Chromium has no share sheet: record what the page asks for
    sign_in(page, store.user.email, PASSWORD)
    page.goto(f"/my/share/{pick.id}")
    button = page.get_by_role("button", name="Share…")
    expect(button).to_be_visible()
    page.wait_for_function("() => document.querySelector('[data-share-url]').posterFile !== undefined")
    button.click()
    page.wait_for_function("() => window.shared !== undefined")
    shared = page.evaluate("window.shared")
    assert shared["files"] == ["poster.png:image/png"]
    assert re.search(r"http://127\.0\.0\.1:\d+/r/[\w-]+", shared["text"])  # the link rides in the text
