"""Every key page of every role, as tours that stop at each page and after each htmx swap.

The a11y, screenshot and page-weight tests walk the same tours: `tour(tab, world, at)` calls `at(name)` on
every page it reaches. Actions use URLs and structural selectors, never button text, so the same tours run in
English and in Simplified Chinese.
"""
import re
from types import SimpleNamespace

import pytest
from PIL import Image
from sqlalchemy import select

from shop.accounts.models import Role
from shop.catalog.models import ProductImage, SupplierStatus
from shop.extensions import db
from shop.fulfillment.models import PurchaseOrder
from shop.fulfillment.services import ship_purchase_order
from shop.images import save_image

expect = pytest.importorskip("playwright.sync_api").expect

PASSWORD = "correct horse 9"  # the builders' default
IMPORT_CSV = (
    "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Inventory Qty,Variant Price,Status\r\n"
    "linen-apron,Linen apron with two deep pockets,Colour,Natural,APRON-NAT,12,11.00,active\r\n"
    "linen-apron,,,Charcoal,APRON-CHA,8,11.00,\r\n"
    "broken-row,Broken row,,,BROKEN-1,lots,not a price,active\r\n"
)


@pytest.fixture
def phone_world(make_user, make_supplier, make_product, make_store, make_pick, make_paid_order):
    """A small marketplace: a supplier with photos, a store with picks, a shipped and a paid order, an admin."""
    photo = save_image(Image.new("RGB", (900, 700), "#5eead4"))
    supplier = make_supplier(name="Harbour Home Goods", email="orders@harbour.example.com")
    make_supplier(name="Northern Ceramics", status=SupplierStatus.pending, email="hello@northern.example.org")
    tee = make_product(supplier, title="Organic cotton T-shirt", variants=((850, 25), (900, 0), (950, 4)),
                       category="Shirts")
    tee.body_html = "<p>Soft organic cotton, pre-washed so it keeps its shape.</p>"
    tee.images.append(ProductImage(src=photo, position=2))
    mug = make_product(supplier, title="Enamel camping mug", variants=((420, 1),), category="Kitchen", image=False)
    lamp = make_product(supplier, title="Rattan pendant lamp shade", variants=((2600, 3),), category="Home")
    bowl = make_product(supplier, title="Stoneware serving bowl", variants=((1800, 6),), category="Kitchen")
    for product in (tee, lamp, bowl):  # our own picture: outside URLs are blocked in the browser
        product.images[0].src = photo
    reseller = make_user(Role.reseller, email="mei@example.com")
    store = make_store(user=reseller, name="Mei's Picks", slug="meis-picks")
    store.tagline, store.featured = "Small things for a calm home", True
    for product in (tee, mug, lamp):
        make_pick(store, product)
    db.session.commit()
    shipped = make_paid_order(store=store, items=[(tee.variants[0], 2), (lamp.variants[0], 1)],
                              customer_name="Ada Lovelace", city="London")
    po = db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.order_id == shipped.id))
    ship_purchase_order(po, "Royal Mail", "RM123456789GB")
    db.session.commit()
    paid = make_paid_order(store=store, items=[(tee.variants[2], 1)])
    open_po = db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.order_id == paid.id))
    admin = make_user(Role.admin, email="operator@example.com")
    return SimpleNamespace(supplier=supplier, store=store, tee=tee, bowl=bowl, reseller=reseller, admin=admin,
                           shipped=shipped, paid=paid, open_po=open_po, pick=store.picks[0])


def visit(tab, path: str, status: int = 200):
    """Open a path and check the answer's status."""
    response = tab.goto(path)
    assert response.status == status, f"{path} answered {response.status}"


def htmx_swap(tab, trigger, url_part: str):
    """Click something that htmx answers with a fragment; wait for the fragment and htmx's settling."""
    with tab.expect_response(lambda r: url_part in r.url and r.request.headers.get("hx-request")) as swapped:
        trigger.click()
    assert swapped.value.status == 200, f"{url_part} answered {swapped.value.status}"
    tab.wait_for_timeout(50)  # htmx settles 20 ms after the swap


def tour_customer(tab, world, at, tmp_path=None):
    """A guest: public pages, the product, the cart (and an htmx quantity change), checkout, payment, orders."""
    store, tee = world.store, world.tee
    for path, name in (("/", "home"), ("/open", "open-store"), ("/login", "login"),
                       ("/suppliers/join", "supplier-signup"), ("/terms/referrals", "referral-terms"),
                       (f"/s/{store.slug}", "storefront"), (f"/s/{store.slug}/p/{tee.slug}", "product")):
        visit(tab, path)
        at(name)
    tab.locator("form[action$='/cart/add'] button").click()
    expect(tab).to_have_url(re.compile(r"/cart$"))
    at("cart")
    htmx_swap(tab, tab.locator("#cart form.qty button[name=quantity]").nth(1), "/cart/lines/")
    expect(tab.locator(".qty-n")).to_have_text("2")
    at("cart-after-swap")
    visit(tab, f"/s/{store.slug}/checkout")
    at("checkout")
    tab.locator("main form[method=post] button").click()  # empty: every field says what is wrong
    expect(tab.locator(".field.has-error").first).to_be_visible()
    at("checkout-errors")
    for field, value in (("customer_name", "Ada Lovelace"), ("email", "ada@example.com"),
                         ("phone", "+44 20 7946 0000"), ("address1", "12 St James's Square"),
                         ("city", "London"), ("postcode", "SW1Y 4JH")):
        tab.locator(f"#{field}").fill(value)
    tab.locator("#country").select_option("GB")
    tab.locator("main form[method=post] button").click()
    expect(tab).to_have_url(re.compile(r"/pay/demo/"))
    at("demo-pay")
    visit(tab, f"/o/{world.shipped.token}")
    at("order-shipped")
    visit(tab, f"/o/{world.paid.token}")
    at("order-paid")
    visit(tab, "/no-such-page", status=404)
    at("not-found")


def tour_reseller(tab, world, at, tmp_path=None):
    """A reseller: dashboard, numbers, catalog (htmx search and pick), store (htmx move), settings, share, invite."""
    for path, name in (("/my/", "dashboard"), ("/my/numbers", "numbers"), ("/catalog", "catalog")):
        visit(tab, path)
        at(name)
    tab.locator("#q").fill("bowl")
    expect(tab.locator("#results li.tile")).to_have_count(1)
    tab.wait_for_timeout(50)
    at("catalog-search")
    visit(tab, "/catalog?q=bowl")  # leaving the search box would search again, racing the pick below
    htmx_swap(tab, tab.locator("#results form[action$='/add'] button").first, "/add")
    expect(tab.locator("#results .pick-action a").first).to_be_visible()
    at("catalog-picked")
    visit(tab, "/my/store")
    at("my-store")
    htmx_swap(tab, tab.locator("li.pick form[action$='/move'] button").first, "/move")
    at("my-store-moved")
    for path, name in (("/my/settings", "settings"), ("/my/share", "share-store"),
                       (f"/my/share/{world.pick.id}", "share-product"), ("/my/share/qr", "share-qr"),
                       ("/my/invite", "invite"), ("/my/money", "money"), ("/account", "account"),
                       ("/my/data", "your-data")):
        visit(tab, path)
        at(name)


def tour_supplier(tab, world, at, tmp_path=None):
    """A supplier: products, a product (htmx variant save, then an error), import with its report, orders."""
    visit(tab, "/supplier/products")
    at("products")
    visit(tab, f"/supplier/products/{world.tee.id}")
    at("product")
    row = tab.locator(".variant-row").first
    row.locator("input[name=stock]").fill("30")
    htmx_swap(tab, row.locator("button"), "/supplier/variants/")
    second = tab.locator(".variant-row").nth(1)
    second.locator("input[name=wholesale]").fill("nine")
    htmx_swap(tab, second.locator("button"), "/supplier/variants/")
    expect(tab.locator(".variant-row").nth(1).get_by_role("alert")).to_be_visible()
    at("product-variant-swaps")
    visit(tab, "/supplier/import")
    at("upload")
    if tmp_path is not None:
        csv_file = tmp_path / "spring-catalogue.csv"
        csv_file.write_text(IMPORT_CSV, encoding="utf-8")
        tab.locator("input[type=file]").set_input_files(str(csv_file))
        tab.locator("main form[enctype] button").click()
        expect(tab.locator("#import-progress .stat").first).to_be_visible()
        at("import-report")
    visit(tab, "/supplier/orders")
    at("orders")
    htmx_swap(tab, tab.locator("a[href*='tab=shipped']").first, "tab=shipped")
    expect(tab.locator("#po-list")).to_contain_text("RM123456789GB")
    at("orders-shipped")
    visit(tab, f"/supplier/orders/{world.open_po.token}")
    at("purchase-order")
    for path, name in (("/supplier/money", "money"), ("/supplier/channel", "channel"),
                       ("/supplier/api-keys", "api-keys")):
        visit(tab, path)
        at(name)


def tour_admin(tab, world, at, tmp_path=None):
    """The operator: every admin page."""
    for path, name in (("/admin/", "index"), ("/admin/suppliers", "suppliers"), ("/admin/stores", "stores"),
                       ("/admin/orders", "orders"), (f"/admin/orders/{world.shipped.id}", "order"),
                       ("/admin/fee", "fee"), ("/admin/numbers", "numbers"), ("/admin/referrals", "referrals"),
                       (f"/admin/numbers/stores/{world.store.id}", "store-numbers"), ("/admin/money", "money"),
                       ("/admin/pipeline", "pipeline"), ("/admin/privacy", "privacy")):
        visit(tab, path)
        at(name)


TOURS = {"customer": tour_customer, "reseller": tour_reseller, "supplier": tour_supplier, "admin": tour_admin}


def email_of(world, role: str) -> str | None:
    """Who signs in for a role's tour (None: a guest)."""
    return {"reseller": world.reseller.email, "supplier": world.supplier.email, "admin": world.admin.email}.get(role)


def start_tab(new_tab, sign_in, live_server, world, role: str, lang: str, **options):
    """A tab of its own for a role, signed in through the form, speaking `lang` (the switcher's cookie)."""
    tab = new_tab(**options)
    if email := email_of(world, role):
        sign_in(tab, email, PASSWORD)
    tab.context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
    return tab
