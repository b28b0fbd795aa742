"""XSS corpus: payloads typed into every field a user can fill, then every page that may show them is crawled
and must hold nothing live (no handlers, htmx attributes, scripts, javascript: URLs, evaluated templates)."""
import csv
import io
import re

from sqlalchemy import select

from shop.api.models import KEY_PREFIX
from shop.catalog.models import Product, Variant
from shop.extensions import db
from shop.orders.models import Order
from tests.fulfillment.conftest import make_paid_order  # noqa: F401
from tests.security.pages import javascript_urls, live_parts, own_pages
from tests.walls_world import build_world

TEMPLATE_RESULT = "50337"  # 7 * 7191: a template engine that evaluated a payload would print this
PAYLOADS = [
    '"><svg onload=alert(1)>',
    "<script>alert('xss')</script>",
    "<img src=x onerror=alert(1)>",
    '<a hx-get="/xss" hx-trigger="load" hx-target="body">x</a>',
    '<b hx-on:click="alert(1)" data-hx-post="/xss">x</b>',
    "javascript:alert(1)//",
    # Closes an attribute, a comment, a style and a script block in turn, then opens a handler.
    "'\"--></style></script><svg/onload=alert`xss`>",
    "{{7*7191}}${7*7191}{% print 7*7191 %}#{7*7191}",
    "<iframe src=javascript:alert(1)></iframe>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
]
SCRIPT_SOURCES = ("/static/",)
FORBIDDEN_TAGS = {"iframe", "object", "embed", "math", "base", "frame", "frameset", "applet"}


def payload(n: int, limit: int = 80) -> str:
    return PAYLOADS[n % len(PAYLOADS)][:limit]


def what_is_live(html: str) -> list[str]:
    parts = live_parts(html)
    found = [f"handler {h}" for h in parts.handlers]
    found += [f"htmx {name}={value!r}" for name, value in parts.htmx
              if "xss" in value or name.startswith(("hx-on", "data-hx-on")) or name.startswith("data-hx")]
    found += [f"inline script {s}" for s in parts.inline_scripts]
    found += [f"script src {s!r}" for s in parts.script_srcs if not s.startswith(SCRIPT_SOURCES)]
    found += [f"url {u}" for u in javascript_urls(parts)]
    found += [f"inline style {s}" for s in parts.inline_styles]
    found += [f"<{tag}>" for tag in FORBIDDEN_TAGS & set(parts.tags)]
    if TEMPLATE_RESULT in html:
        found.append("a template in the payload was evaluated")
    return found


def _catalog_csv(supplier_id: int) -> bytes:
    """Every text column of a Shopify CSV filled with payloads, for the supplier's own products and a new one."""
    rows = db.session.execute(select(Product.handle, Variant.sku).join(Variant).where(Product.supplier_id == supplier_id))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Handle", "Title", "Body (HTML)", "Vendor", "Type", "Tags", "Option1 Name", "Option1 Value",
                     "Variant SKU", "Variant Price", "Variant Inventory Qty", "Image Src", "Image Alt Text"])
    for n, (handle, sku) in enumerate([*rows, (PAYLOADS[0], "XSS-NEW-1")]):
        writer.writerow([handle, payload(n), " ".join(PAYLOADS), payload(n + 1), payload(n + 2), payload(n + 3),
                         payload(n + 4), payload(n + 5), sku, "10.00", "5", "https://img.example.com/x.jpg",
                         payload(n + 6)])
    return out.getvalue().encode()


def _through_the_api(app, world, supplier_client) -> None:
    """A key named with a payload (through its form), then the supplier's products rewritten through the JSON API."""
    page = supplier_client.post("/supplier/api-keys", data={"name": payload(3)}).get_data(as_text=True)
    secret = re.search(r"\b(" + re.escape(KEY_PREFIX) + r"[\w-]+)", page)[1]
    rows = db.session.execute(select(Product.handle, Variant.sku).join(Variant)
                              .where(Product.supplier_id == world["suppliers"]["Y"]["id"])).all()
    items = [{"handle": handle, "title": payload(n + 1), "body_html": " ".join(PAYLOADS), "vendor": payload(n),
              "product_type": payload(n + 2), "tags": payload(n + 3), "options": [payload(n + 4)],
              "variants": [{"sku": sku, "price": "10.00", "inventory_quantity": 5, "option1": payload(n + 5)}],
              "images": [{"src": "https://img.example.com/y.jpg", "alt": payload(n + 6)}]}
             for n, (handle, sku) in enumerate(rows)]
    answer = app.test_client().post("/api/v1/products", json={"products": items},
                                    headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200 and not answer.json["errors"], answer.json


def fill_every_field(app, world, clients) -> list[str]:
    """Type the payloads into the forms of each kind of user; returns extra URLs that show what was typed."""
    reseller, supplier, customer = clients["A"], clients["X"], clients["customer"]
    assert reseller.post("/my/settings", data={"name": payload(0), "tagline": " ".join(PAYLOADS)[:160],
                                               "colour": "#0f766e"}).status_code == 302
    assert app.test_client().post("/open", data={"name": payload(6), "email": "xss-open@example.com",
                                                  "password": "long enough pass 9"}).status_code == 302
    assert app.test_client().post("/suppliers/join", data={"name": payload(1), "email": "xss-join@example.com",
                                                           "password": "long enough pass 9"}).status_code == 302
    supplier_id = world["suppliers"]["X"]["id"]
    imported = supplier.post("/supplier/import", content_type="multipart/form-data",
                             data={"file": (io.BytesIO(_catalog_csv(supplier_id)), payload(2) + ".csv")})
    assert imported.status_code == 302
    address = {"customer_name": payload(0), "email": "xss@example.com", "phone": "+44 20 7946 0000",
               "address1": payload(1), "address2": payload(4), "city": payload(6), "region": payload(8),
               "postcode": payload(5, 20), "country": "GB"}
    checkout = customer.post(f"/s/{world['stores']['A']['slug']}/checkout", data=address)
    assert checkout.status_code == 302, checkout.text
    order = db.session.scalar(select(Order).order_by(Order.id.desc()))
    assert customer.post(f"/pay/demo/{order.token}").status_code == 302
    token = world["suppliers"]["X"]["pos"][0]
    assert supplier.post(f"/supplier/orders/{token}/ship",
                         data={"carrier": payload(2), "tracking_number": payload(7)}).status_code in (200, 302)
    _through_the_api(app, world, clients["Y"])
    return [f"/o/{order.token}", f"/catalog?q={payload(0)}", f"/catalog?q={payload(3)}",
            f"/login?next={payload(5)}", f"/s/{world['stores']['A']['slug']}?via={payload(0)}"]


def test_nothing_typed_into_a_form_comes_back_live(app, client, login, make_user, make_supplier, make_product,
                                                   make_store, make_pick, make_paid_order):  # noqa: F811
    world, clients = build_world(make_user, make_supplier, make_product, make_store, make_pick, make_paid_order,
                                 login, client)
    extra = fill_every_field(app, world, clients)
    failures, pages, shown = [], 0, 0
    for actor, endpoint, url, response in own_pages(app, world, clients):
        if response.mimetype != "text/html":
            continue
        pages += 1
        html = response.get_data(as_text=True)
        shown += "onload=alert" in html or "&lt;script&gt;" in html  # escaped text is expected, live markup not
        failures += [f"{actor} {url}: {problem}" for problem in what_is_live(html)]
    for actor in ("customer", "A", "X", "admin"):
        for url in extra:
            html = clients[actor].get(url).get_data(as_text=True)
            failures += [f"{actor} {url}: {problem}" for problem in what_is_live(html)]
    assert pages > 40 and shown > 10, (pages, shown)  # the crawl really saw the payloads
    assert not failures, "\n".join(failures)


def test_the_checker_finds_live_markup():
    """The crawl's parser is the test's eyes: it must see each kind of live payload."""
    for html in ('<svg onload=alert(1)>', '<div hx-get="/xss">', '<p hx-on:click="x">', "<script>x</script>",
                 '<a href=" jAvAsCrIpT:alert(1)">', '<p style="x">', "<iframe>", f"<p>{TEMPLATE_RESULT}</p>",
                 '<script src="https://evil.example/x.js"></script>'):
        assert what_is_live(html), html
    assert not what_is_live('<a href="/s/x" hx-get="/s/x" hx-target="#cart">&lt;script&gt;</a>')
