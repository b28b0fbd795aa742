"""Security headers on every response: CSP without inline code, nosniff, referrer and permissions, no-store."""
import re
from pathlib import Path

import pytest

from shop import security
from tests.fulfillment.conftest import make_paid_order  # noqa: F401
from tests.security.pages import live_parts, own_pages, parameters, url_of
from tests.test_walls import _rules, hostile_values, own_values, owner_of
from tests.walls_world import build_world

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
REQUIRED_DIRECTIVES = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data: blob:",
    "frame-ancestors": "'none'", "base-uri": "'self'", "form-action": "'self'", "object-src": "'none'",
}


def policy(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()}


def header_problems(response, private: bool) -> list[str]:
    """What is missing or wrong in one response's security headers."""
    problems = []
    csp = policy(response)
    for name, sources in REQUIRED_DIRECTIVES.items():
        if not csp.get(name, "").startswith(sources):
            problems.append(f"CSP {name} is {csp.get(name)!r}")
    if "unsafe-inline" in str(csp) or "unsafe-eval" in str(csp):
        problems.append("CSP allows inline code")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no nosniff")
    # A download may choose the stricter no-referrer.
    if response.headers.get("Referrer-Policy") not in ("strict-origin-when-cross-origin", "no-referrer"):
        problems.append(f"Referrer-Policy: {response.headers.get('Referrer-Policy')!r}")
    if "camera=()" not in response.headers.get("Permissions-Policy", ""):
        problems.append("no Permissions-Policy")
    if private and "no-store" not in response.headers.get("Cache-Control", ""):
        problems.append(f"private page cached: {response.headers.get('Cache-Control')!r}")
    return problems


def page_problems(response) -> list[str]:
    """Inline styles, scripts and handlers in an HTML page: the CSP would block them."""
    if response.mimetype != "text/html":
        return []
    parts = live_parts(response.get_data(as_text=True))
    return parts.inline_styles + parts.inline_scripts + parts.handlers


@pytest.fixture
def world(app, client, login, make_user, make_supplier, make_product, make_store, make_pick,
          make_paid_order):  # noqa: F811
    return build_world(make_user, make_supplier, make_product, make_store, make_pick, make_paid_order, login, client)


def test_every_page_sends_the_headers_and_has_nothing_inline(app, world):
    """Every GET route, as each actor entitled to it, with their own objects."""
    world, clients = world
    failures, cases = [], 0
    for actor, endpoint, url, response in own_pages(app, world, clients):
        cases += 1
        private = actor not in ("anon", "customer") or endpoint not in security.PUBLIC_PAGES
        failures += [f"{actor} GET {url}: {p}" for p in header_problems(response, private)]
        failures += [f"{actor} GET {url}: inline {p}" for p in page_problems(response)]
    assert cases > 60
    assert not failures, "\n".join(failures)


def test_refusals_and_redirects_send_the_headers_too(app, world):
    """404s for other tenants' objects, redirects to the login page, and POST answers."""
    world, clients = world
    failures, cases = [], 0
    for rule in _rules(app):
        owner = owner_of(rule)
        for actor in ("anon", "A", "X"):
            hostile = hostile_values(world, actor, rule.endpoint, owner)
            values = {k: (v if v is not None else hostile[k][0]) for k, v in own_values(world, actor, rule.endpoint).items()}
            values.update({name: hostile[name][-1] for name in parameters(rule) if name in hostile})
            if not parameters(rule) <= set(values):
                continue  # a parameter the wall sweep does not know yet
            url = url_of(app, rule, values)
            method = "GET" if "GET" in rule.methods else "POST"
            response = (clients[actor] or app.test_client()).open(url, method=method)
            cases += 1
            # Signed-in actors on public pages are checked above: a POST here may have signed them out.
            private = rule.endpoint not in security.PUBLIC_PAGES or method == "POST"
            failures += [f"{actor} {method} {url} ({response.status_code}): {p}"
                         for p in header_problems(response, private)]
    assert cases > 100
    assert not failures, "\n".join(failures)


def test_public_pages_stay_cacheable_for_visitors_and_static_files_for_everyone(client, login, make_store,
                                                                                make_user):
    store = make_store(slug="open-shop")
    for url in ("/", "/s/open-shop"):
        response = client.get(url)
        assert response.status_code == 200 and "no-store" not in response.headers.get("Cache-Control", "")
    signed_in = login(store.user).get("/s/open-shop")
    assert "no-store" in signed_in.headers["Cache-Control"]
    css = re.search(r'href="(/static/app\.[0-9a-f]{10}\.css)"', client.get("/").text)[1]
    static = login(store.user).get(css)
    assert "immutable" in static.headers["Cache-Control"]
    assert static.headers["X-Content-Type-Options"] == "nosniff"


def test_cart_checkout_and_order_link_are_never_stored(client, app, make_store, make_pick, make_product,
                                                       make_paid_order):  # noqa: F811
    store = make_store(slug="tea")
    order = make_paid_order(store)
    variant = make_product().variants[0]
    make_pick(store, variant.product)
    client.post("/s/tea/cart/add", data={"variant_id": variant.id, "quantity": 1})
    for url in ("/s/tea/cart", "/s/tea/checkout", f"/o/{order.token}", f"/pay/demo/{order.token}"):
        response = client.get(url)
        assert "no-store" in response.headers["Cache-Control"], url


def test_production_adds_hsts_and_upgrades_requests(make_app):
    app = make_app(BASE_URL="https://shop.example.com", HTMX_CDN=True, STRIPE_SECRET_KEY="sk_test_x")
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    csp = policy(response)
    assert "upgrade-insecure-requests" in csp
    assert csp["script-src"] == f"'self' {security.HTMX_CDN_URL}"
    assert csp["form-action"] == f"'self' {security.STRIPE_CHECKOUT}"


def test_development_has_no_hsts(client):
    response = client.get("/healthz")
    assert "Strict-Transport-Security" not in response.headers
    assert policy(response)["form-action"] == "'self'"


def test_the_cdn_address_in_the_policy_is_the_one_base_html_loads():
    base = (TEMPLATES / "base.html").read_text()
    assert f'<script src="{security.HTMX_CDN_URL}"' in base


def test_htmx_is_configured_for_the_policy():
    """No eval (hx-on), no script tags from swapped HTML, no requests elsewhere, no injected <style>."""
    base = (TEMPLATES / "base.html").read_text()
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', base)[1]
    for setting in ('"allowEval": false', '"allowScriptTags": false', '"selfRequestsOnly": true',
                    '"includeIndicatorStyles": false', '"attributesToSettle": ["class", "width", "height"]'):
        assert setting in config
    assert ".htmx-indicator" in (TEMPLATES.parent / "static" / "app.css").read_text()


def test_error_pages_carry_the_headers(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404 and not header_problems(response, private=True)


@pytest.mark.parametrize("colour, classes", [
    ("#0f766e", "store-colour c0-0 c1-f c2-7 c3-6 c4-6 c5-e"),
    ("#ABCDEF", "store-colour c0-a c1-b c2-c c3-d c4-e c5-f"),
    ("red", "store-colour"),
    ("#12345g", "store-colour"),
    ('#"><x', "store-colour"),
])
def test_store_colours_become_classes(colour, classes):
    assert security.colour_classes(colour) == classes


def test_every_colour_class_has_its_rule_in_the_stylesheet():
    css = (TEMPLATES.parent / "static" / "app.css").read_text()
    for position in range(6):
        for digit in "0123456789abcdef":
            assert f".c{position}-{digit}{{--c{position}:{int(digit, 16)}}}" in css


def test_the_store_page_paints_its_colour_with_classes(client, make_store):
    store = make_store(slug="green")
    store.colour = "#0f766e"
    page = client.get("/s/green").text
    assert "store-colour c0-0 c1-f c2-7 c3-6 c4-6 c5-e" in page and "style=" not in page


def test_no_template_has_inline_code():
    """The CSP blocks these, so none may be written: style attributes, <style>, inline scripts and handlers."""
    found = []
    for path in TEMPLATES.rglob("*.html"):
        if path.parts[-2] == "mail":
            continue  # mail clients, not browsers under our CSP, read these
        text = path.read_text()
        for pattern in (r"\sstyle=", r"<style", r"<script(?![^>]*\ssrc=)", r"\son[a-z]+=", r"hx-on"):
            found += [f"{path.relative_to(TEMPLATES)}: {m.group(0)!r}" for m in re.finditer(pattern, text)]
    assert not found, "\n".join(found)


def test_a_response_served_from_a_page_cache_gets_the_headers_too(app, client, login, make_store):
    """A cache that answers in before_request (as a rendered-page cache would) still passes through the hook."""
    from flask import Response, request

    store = make_store(slug="cached")

    def from_cache():
        if request.path == "/s/cached":
            return Response("<!doctype html><title>cached</title>", mimetype="text/html")
        return None

    app.before_request_funcs.setdefault(None, []).insert(0, from_cache)
    anonymous, owner = client.get("/s/cached"), login(store.user).get("/s/cached")
    assert anonymous.text.endswith("cached</title>") and not header_problems(anonymous, private=False)
    assert not header_problems(owner, private=True)
