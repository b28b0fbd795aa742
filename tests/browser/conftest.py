"""Browser tests: the test app served on a real port, driven by Debian's Chromium at phone size."""
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parent.parent / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else shutil.which("chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # the dev requirements are not installed
    sync_playwright = None

SKIP_REASON = (
    "browser tests need Debian's chromium (apt-get install -y chromium)" if not CHROMIUM
    else "browser tests need the playwright package (pip install -r requirements-dev.txt)"
    if sync_playwright is None else None
)


def pytest_collection_modifyitems(config, items):
    if SKIP_REASON:
        for item in items:
            if HERE in Path(item.path).parents:
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


@pytest.fixture
def live_server(app):
    """The test app (fresh database, jobs run at once, CSRF checked) on a free port; yields its base URL."""
    app.config["WTF_CSRF_ENABLED"] = True
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = base_url
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole run; Playwright never downloads a browser of its own here."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh phone-sized tab on the live server; anything outside it is blocked, JavaScript errors fail the test."""
    context = browser.new_context(base_url=live_server, locale="en-US", **PHONE)
    context.set_default_timeout(10_000)
    context.route(lambda url: not url.startswith(live_server), lambda route: route.abort())
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


@pytest.fixture
def shot(page):
    """Save a full-page screenshot as test-artifacts/screenshots/<name>.png and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def no_horizontal_scroll(page):
    """Assert the current page fits the phone's width."""

    def check():
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["viewport"]["width"], f"{page.url} is {width}px wide"

    return check

