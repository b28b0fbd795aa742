"""Browser tests: the test app served on a real port, driven by Debian's Chromium at phone size."""
import os
import shutil
import threading
import time
from pathlib import Path

import pyotp
import pytest
from werkzeug.serving import make_server

from tests.fulfillment.conftest import make_paid_order  # noqa: F401  (orders for the page sweep)

HERE = Path(__file__).resolve().parent
# TEST_ARTIFACTS gives each of two suites run side by side (.ci/run: SQLite and PostgreSQL) its own folder.
SCREENSHOTS = Path(os.environ.get("TEST_ARTIFACTS") or HERE.parent.parent / "test-artifacts") / "screenshots"
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


def _open_tab(browser, live_server, errors: list, **options):
    """A tab in a new context (its own cookies) on the live server; outside URLs are blocked, errors collected."""
    context = browser.new_context(base_url=live_server, locale="en-US", **{**PHONE, **options})
    context.set_default_timeout(10_000)
    context.route(lambda url: not url.startswith(live_server), lambda route: route.abort())
    # Every Content-Security-Policy violation fails the test, like a JavaScript error.
    context.expose_binding("__cspViolation", lambda _source, text: errors.append(f"CSP violation: {text}"))
    context.add_init_script(path=str(HERE / "csp_listener.js"))
    tab = context.new_page()
    tab.on("pageerror", lambda exc: errors.append(f"{tab.url}: {exc}"))
    return tab


@pytest.fixture
def page(browser, live_server):
    """A fresh phone-sized tab on the live server; anything outside it is blocked, JavaScript errors fail the test."""
    errors = []
    tab = _open_tab(browser, live_server, errors)
    yield tab
    tab.context.close()
    assert errors == [], f"JavaScript errors: {errors}"


@pytest.fixture
def new_tab(browser, live_server):
    """Open more tabs, each in its own context (another person's browser): new_tab(viewport=..., ...)."""
    errors, tabs = [], []

    def open_tab(**options):
        tabs.append(_open_tab(browser, live_server, errors, **options))
        return tabs[-1]

    yield open_tab
    for tab in tabs:
        tab.context.close()
    assert errors == [], f"JavaScript errors: {errors}"


@pytest.fixture
def shot(page):
    """Save a full-page screenshot of the tab (the `page` one by default) as test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str, tab=None) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        (tab or page).screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def no_horizontal_scroll(page):
    """Assert the current page fits the phone's width."""

    def check():
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["viewport"]["width"], f"{page.url} is {width}px wide"

    return check


def _next_code(email: str) -> str:
    """The user's code for now, or for the next step when this one was used already (codes work once)."""
    from sqlalchemy import func, select

    from shop.accounts.models import User
    from shop.extensions import db

    db.session.expire_all()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    totp = pyotp.TOTP(user.totp_secret)
    step = int(time.time()) // totp.interval
    return totp.generate_otp(max(step, (user.totp_last_step or 0) + 1))


@pytest.fixture
def sign_in():
    """Log a tab in through the real login form: sign_in(tab, email, password), answering the two-factor step
    (with the user's secret) or setting the app up (with the key on the page) when it appears."""
    from playwright.sync_api import expect

    def log_in(tab, email: str, password: str):
        tab.goto("/login")
        tab.get_by_label("Email").fill(email)
        tab.get_by_label("Password").fill(password)
        tab.get_by_role("button", name="Log in").click()
        log_out = tab.get_by_role("navigation", name="Main").get_by_role("button", name="Log out")
        code_step = tab.get_by_role("heading", name="Two-factor sign-in", exact=True)
        set_up = tab.get_by_role("heading", name="Set up two-factor sign-in")
        expect(log_out.or_(code_step).or_(set_up)).to_be_visible()
        if code_step.is_visible():
            tab.get_by_label("Code").fill(_next_code(email))
            tab.get_by_role("button", name="Continue").click()
        elif set_up.is_visible():
            tab.get_by_label("Code").fill(pyotp.TOTP(tab.locator("#totp-secret").inner_text()).now())
            tab.get_by_role("button", name="Turn on two-factor sign-in").click()
            tab.get_by_role("link", name="I have saved my codes, continue").click()
        expect(log_out).to_be_visible()

    return log_in


def fill_address(tab) -> None:
    """The checkout's delivery form, filled in for one made-up customer (the page must be open)."""
    tab.get_by_label("Full name").fill("Ada Lovelace")
    tab.get_by_label("Email").fill("ada@example.com")
    tab.get_by_label("Phone").fill("+44 20 7946 0000")
    tab.get_by_label("Address", exact=True).fill("12 St James's Square")
    tab.get_by_label("City").fill("London")
    tab.get_by_label("Postcode").fill("SW1Y 4JH")
    tab.get_by_label("Country").select_option("GB")
