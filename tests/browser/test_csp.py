"""The Content-Security-Policy in a real browser: violations are caught, store colours still paint, and the
checkout form may redirect to Stripe Checkout (form-action governs redirects) but nowhere else."""
import pytest

from tests.browser.conftest import _open_tab
from .conftest import fill_address

expect = pytest.importorskip("playwright.sync_api").expect
STRIPE_PAGE = "https://checkout.stripe.com/c/pay/cs_test_csp"


@pytest.fixture
def own_tab(browser, live_server):
    """A tab whose errors (CSP violations included) the test reads itself instead of failing on them."""
    errors, tabs = [], []

    def open_tab():
        tabs.append(_open_tab(browser, live_server, errors))
        return tabs[-1]

    yield open_tab, errors
    for tab in tabs:
        tab.context.close()


def test_the_listener_reports_a_violation(own_tab):
    open_tab, errors = own_tab
    tab = open_tab()
    tab.goto("/")
    tab.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')")
    wait_until(tab, lambda: errors)
    assert any("CSP violation" in e and "style-src" in e for e in errors), errors


def test_a_store_paints_its_colour_without_inline_styles(page, make_store, make_pick, make_product):
    store = make_store(slug="teal-shop")
    store.colour = "#0f766e"
    make_pick(store, make_product())
    page.goto("/s/teal-shop")
    head = page.locator(".store-head").first
    expect(head).to_have_css("border-top-color", "rgb(15, 118, 110)")
    page.goto("/")
    tile = page.locator("a.store-tile", has_text=store.name)
    if tile.count():
        expect(tile.locator(".ph.initial")).to_have_css("border-bottom-color", "rgb(15, 118, 110)")


def wait_until(tab, condition, seconds: float = 5):
    """Let the browser run until condition() holds (reports from it arrive asynchronously)."""
    for _step in range(int(seconds * 10)):
        if condition():
            return
        tab.wait_for_timeout(100)


class _Provider:
    """Stands in for Stripe: the checkout answers with a redirect to `url`."""

    name = "stripe"

    def __init__(self, url: str):
        self.url = url

    def start_checkout(self, order) -> str:
        order.payment_provider, order.payment_ref = self.name, "cs_test_csp"
        return self.url


def _check_out(tab, store_slug: str, product_slug: str):
    tab.goto(f"/s/{store_slug}/p/{product_slug}")
    tab.get_by_role("button", name="Add to cart").click()
    expect(tab.get_by_role("heading", name="Your cart")).to_be_visible()
    tab.get_by_role("link", name="Checkout").click()
    fill_address(tab)
    tab.get_by_role("button", name="Continue to payment").click()


@pytest.mark.parametrize("target, allowed", [(STRIPE_PAGE, True), ("https://pay.evil.example/steal", False)])
def test_checkout_may_redirect_to_stripe_and_nowhere_else(app, own_tab, monkeypatch, make_store, make_pick,
                                                          make_product, target, allowed):
    app.config["STRIPE_SECRET_KEY"] = "sk_test_csp"
    monkeypatch.setattr("shop.payments.providers.get_provider", lambda name=None: _Provider(target))
    store = make_store(slug="stripe-shop")
    product = make_product()
    make_pick(store, product)
    open_tab, errors = own_tab
    tab = open_tab()
    # Playwright cannot intercept where a redirect leads, so the proof is whether Chromium set off for the
    # target (a request, which fails here: there is no network) or CSP stopped the redirect (a violation).
    requested, failed = [], {}
    tab.on("request", lambda request: requested.append(request.url))
    tab.on("requestfailed", lambda request: failed.setdefault(request.url, request.failure))
    _check_out(tab, "stripe-shop", product.slug)
    wait_until(tab, lambda: target in failed or errors)
    if allowed:
        assert target in requested and "CSP" not in (failed.get(target) or "") and errors == [], (failed, errors)
    else:
        assert "evil" not in tab.url and any("form-action" in e for e in errors), errors
        assert target not in requested or "CSP" in (failed.get(target) or ""), failed
