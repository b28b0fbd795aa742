"""Every key page, per role, on a 360 px phone: no sideways scroll, tap targets of 44 px, no JavaScript errors."""
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

from .conftest import SCREENSHOTS

expect = pytest.importorskip("playwright.sync_api").expect

WIDTH = 360
SMALL_PHONE = {"viewport": {"width": WIDTH, "height": 740}, "device_scale_factor": 1}
OUT = SCREENSHOTS / "360"
PASSWORD = "correct horse 9"  # the builders' default
LONG_EMAIL = "bartholomew.featherstonehaugh@example.co.uk"
IMPORT_CSV = (
    "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Inventory Qty,Variant Price,Status\r\n"
    "linen-apron,Linen apron with two deep pockets,Colour,Natural,APRON-NAT,12,11.00,active\r\n"
    "linen-apron,,,Charcoal,APRON-CHA,8,11.00,\r\n"
    "broken-row,Broken row,,,BROKEN-1,lots,not a price,active\r\n"
)
# Visible buttons and button-like links shorter than a fingertip, and whatever sticks out past the right edge.
SMALL_TARGETS_JS = """() => [...document.querySelectorAll('.button, button')]
  .filter(el => { const r = el.getBoundingClientRect();
                  return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden'; })
  .filter(el => el.getBoundingClientRect().height < 44)
  .map(el => `${el.textContent.trim().slice(0, 40)} (${Math.round(el.getBoundingClientRect().height)}px)`)"""
TOO_WIDE_JS = """(width) => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > width + 0.5 ||
                (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible'))
  .filter(el => { for (let up = el.parentElement; up; up = up.parentElement) {
                    if (getComputedStyle(up).overflowX !== 'visible') return false; } return true; })
  .filter((el, i, all) => !all.some(other => other !== el && el.contains(other)))
  .slice(0, 5).map(el => `<${el.tagName.toLowerCase()} class="${el.className}">` +
                         ` ${el.textContent.trim().slice(0, 50)}`)"""


class Sweep:
    """Visits pages in one 360 px tab and collects every page that does not fit, to report them all at once."""

    def __init__(self, tab, role: str):
        self.tab, self.role, self.problems = tab, role, []

    def visit(self, path: str, name: str, status: int = 200):
        response = self.tab.goto(path)
        assert response.status == status, f"{path} answered {response.status}"
        self.check(name)

    def check(self, name: str):
        tab = self.tab
        tab.wait_for_function("() => window.htmx !== undefined")
        width = tab.evaluate("document.documentElement.scrollWidth")
        if width > WIDTH:
            self.problems.append(f"{name} ({tab.url}) is {width}px wide: {tab.evaluate(TOO_WIDE_JS, WIDTH)}")
        small = tab.evaluate(SMALL_TARGETS_JS)
        if small:
            self.problems.append(f"{name} ({tab.url}) has tap targets under 44px: {small}")
        OUT.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(OUT / f"{self.role}-{name}.png"), full_page=True)

    def assert_all_fit(self):
        assert self.problems == [], "\n".join(self.problems)


@pytest.fixture
def sweep(new_tab, sign_in):
    """sweep(role, email=None): a 360 px tab in a context of its own, signed in through the form when given."""

    def start(role: str, email: str | None = None) -> Sweep:
        tab = new_tab(**SMALL_PHONE)
        if email:
            sign_in(tab, email, PASSWORD)
        return Sweep(tab, role)

    return start


@pytest.fixture
def world(app, make_user, make_supplier, make_product, make_store, make_pick, make_paid_order):
    """A marketplace with realistic, longish names: two suppliers, a featured store with picks, orders."""
    photo = save_image(Image.new("RGB", (900, 700), "#5eead4"))
    supplier = make_supplier(name="Harbour Home Goods Trading Company", email="orders@harbour-home-goods.example.com")
    make_supplier(name="Northern Ceramics Cooperative", status=SupplierStatus.pending,
                  email="hello@northern-ceramics-cooperative.example.org")
    tee = make_product(supplier, title="Organic cotton T-shirt with a relaxed fit",
                       variants=((850, 25), (900, 0), (950, 4)), category="Shirts")
    tee.body_html = "<p>Soft organic cotton, pre-washed so it keeps its shape.</p>"
    tee.images.append(ProductImage(src=photo, position=2))
    mug = make_product(supplier, title="Enamel camping mug", variants=((420, 1),), category="Kitchen", image=False)
    lamp = make_product(supplier, title="Rattan pendant lamp shade", variants=((2600, 3),), category="Home")
    bowl = make_product(supplier, title="Stoneware serving bowl, hand glazed", variants=((1800, 6),), category="Kitchen")
    for product in (tee, lamp, bowl):  # our own picture: the builders' outside URLs are blocked in the browser
        product.images[0].src = photo
    reseller = make_user(Role.reseller, email="mei.lin.shares.good.things@example.com")
    store = make_store(user=reseller, name="Mei's Picks for a Slow Home", slug="meis-picks-for-a-slow-home")
    store.tagline, store.featured = "Small things for a calm, good-looking home", True
    for product in (tee, mug, lamp):
        make_pick(store, product)
    db.session.commit()
    shipped = make_paid_order(store=store, items=[(tee.variants[0], 2), (lamp.variants[0], 1)],
                              customer_name="Bartholomew Featherstonehaugh", city="Llanfairpwllgwyngyll",
                              email=LONG_EMAIL)
    po = db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.order_id == shipped.id))
    # Two parcels, so the pages listing shipments show more than one, the latest being Royal Mail's.
    ship_purchase_order(po, "DPD Predict next-day", "15501234567890123456789", [po.lines[-1]])
    ship_purchase_order(po, "Royal Mail Tracked 48", "RM123456789GB")
    db.session.commit()
    paid = make_paid_order(store=store, items=[(tee.variants[2], 1)])
    open_po = db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.order_id == paid.id))
    admin = make_user(Role.admin, email="operator@sharestall.example.com")
    return SimpleNamespace(supplier=supplier, store=store, tee=tee, reseller=reseller, admin=admin,
                           shipped=shipped, paid=paid, open_po=open_po, pick=store.picks[0])


def test_public_and_customer_pages_fit_360(sweep, world):
    s = sweep("customer")
    store, tee = world.store, world.tee
    s.visit("/", "home")
    s.visit("/open", "open-store")
    s.visit("/login", "login")
    s.visit("/suppliers/join", "supplier-signup")
    s.visit(f"/s/{store.slug}", "storefront")
    s.visit(f"/s/{store.slug}/p/{tee.slug}", "product")

    tab = s.tab
    tab.get_by_role("button", name="Add to cart").click()
    expect(tab.get_by_role("heading", name="Your cart")).to_be_visible()
    s.check("cart")
    with tab.expect_response(lambda r: "/cart/lines/" in r.url) as more:  # an htmx quantity change
        tab.get_by_role("button", name=re.compile("One more")).click()
    assert more.value.status == 200
    expect(tab.locator(".qty-n")).to_have_text("2")
    s.check("cart-two")

    tab.get_by_role("link", name="Checkout").click()
    expect(tab.get_by_role("heading", name="Checkout", exact=True)).to_be_visible()
    s.check("checkout")
    tab.get_by_role("button", name="Continue to payment").click()  # empty: the errors must fit too
    expect(tab.locator(".field.has-error").first).to_be_visible()
    s.check("checkout-errors")
    tab.get_by_label("Full name").fill("Bartholomew Featherstonehaugh")
    tab.get_by_label("Email").fill(LONG_EMAIL)
    tab.get_by_label("Phone").fill("+44 20 7946 0000")
    tab.get_by_label("Address", exact=True).fill("Flat 4, 12 St James's Square")
    tab.get_by_label("City").fill("London")
    tab.get_by_label("Postcode").fill("SW1Y 4JH")
    tab.get_by_label("Country").select_option("GB")
    tab.get_by_role("button", name="Continue to payment").click()
    expect(tab.get_by_role("note")).to_contain_text("Demo payment")
    s.check("demo-pay")
    tab.get_by_role("link", name="View the order").click()
    expect(tab.locator("#order-status")).to_contain_text("Waiting for payment")
    s.check("order-pending")

    s.visit(f"/o/{world.shipped.token}", "order-shipped")
    expect(tab.get_by_text("tracking number RM123456789GB")).to_be_visible()
    s.visit(f"/o/{world.paid.token}", "order-paid")
    s.visit("/no-such-page", "not-found", status=404)
    s.assert_all_fit()


def test_reseller_pages_fit_360(sweep, world):
    s = sweep("reseller", world.reseller.email)
    s.visit("/my/", "dashboard")
    expect(s.tab.get_by_role("row", name=re.compile("Bartholomew"))).to_be_visible()
    s.visit("/catalog", "catalog")
    s.tab.get_by_label("Search").fill("bowl")  # htmx filters as one types
    expect(s.tab.locator("#results")).to_contain_text("1 product")
    s.check("catalog-search")
    s.visit("/catalog?q=zzzz", "catalog-empty")
    s.visit("/my/store", "my-store")
    first = s.tab.locator("li.pick").first
    title = first.get_by_role("heading").text_content()
    with s.tab.expect_response(lambda r: r.url.endswith("/move")) as moved:  # htmx swaps the list
        first.get_by_role("button", name=re.compile("Move down")).click()
    assert moved.value.status == 200
    expect(s.tab.locator("li.pick").nth(1).get_by_role("heading")).to_have_text(title)
    s.check("my-store-moved")
    s.visit("/my/settings", "settings")
    s.visit("/my/share", "share-store")
    s.visit(f"/my/share/{world.pick.id}", "share-product")
    s.visit(f"/s/{world.store.slug}", "own-storefront")
    s.assert_all_fit()


def test_supplier_pages_fit_360(sweep, world, tmp_path):
    s = sweep("supplier", world.supplier.email)
    s.visit("/supplier/products", "products")
    s.visit(f"/supplier/products/{world.tee.id}", "product")
    row = s.tab.locator(".variant-row").first
    row.get_by_label("Stock").fill("30")
    row.get_by_role("button", name="Save").click()  # htmx swaps the row in place
    expect(s.tab.locator(".variant-row").first.get_by_role("status")).to_have_text("Saved")
    s.tab.locator(".variant-row").nth(1).get_by_label("Wholesale").fill("nine")
    s.tab.locator(".variant-row").nth(1).get_by_role("button", name="Save").click()
    expect(s.tab.locator(".variant-row").nth(1).get_by_role("alert")).to_be_visible()
    s.check("product-variant-saved")
    s.visit("/supplier/import", "upload")
    csv_file = tmp_path / "harbour-home-goods-spring-catalogue-2025.csv"
    csv_file.write_text(IMPORT_CSV, encoding="utf-8")
    s.tab.get_by_label("Shopify product CSV").set_input_files(str(csv_file))
    s.tab.get_by_role("button", name="Upload and import").click()
    expect(s.tab.locator("#import-progress")).to_contain_text("Done")
    s.check("import-report")
    s.visit("/supplier/orders", "orders")
    s.tab.get_by_role("link", name=re.compile("Shipped")).click()  # an htmx tab
    expect(s.tab.locator("#po-list")).to_contain_text("RM123456789GB")
    s.check("orders-shipped")
    s.visit(f"/supplier/orders/{world.open_po.token}", "purchase-order")
    s.assert_all_fit()


def test_admin_pages_fit_360(sweep, world):
    s = sweep("admin", world.admin.email)
    s.visit("/admin/", "index")
    s.visit("/admin/suppliers", "suppliers")
    s.visit("/admin/stores", "stores")
    s.visit("/admin/orders", "orders")
    s.tab.get_by_label("Status").select_option("shipped")
    s.tab.get_by_role("button", name="Filter").click()
    expect(s.tab.locator("#orders tbody tr")).to_have_count(1)
    s.check("orders-shipped")
    s.visit(f"/admin/orders/{world.shipped.id}", "order")
    s.visit("/admin/fee", "fee")
    s.assert_all_fit()
