"""The whole loop in a real browser at phone size: supplier, operator, reseller, customer, shipping, earnings."""
import re
from urllib.parse import urlsplit

import pyotp
import pytest

from shop.accounts.models import Role
from .conftest import fill_address

expect = pytest.importorskip("playwright.sync_api").expect

CATALOG_CSV = (
    "Handle,Title,Body (HTML),Vendor,Type,Tags,Option1 Name,Option1 Value,Variant SKU,Variant Inventory Qty,"
    "Variant Price,Variant Compare At Price,Image Src,Image Position,Image Alt Text,Status\r\n"
    "loop-tee,Loop tee,<p>Soft cotton.</p>,Loop Goods,Shirts,,Size,Small,TEE-S,5,8.00,,,,,active\r\n"
    "loop-tee,,,,,,,Large,TEE-L,5,9.00,,,,,\r\n"
    "loop-mug,Loop mug,<p>Enamel camping mug.</p>,Loop Goods,Kitchen,,,,MUG-1,1,4.20,,,,,active\r\n"
)
SUPPLIER = ("loop-supplier@example.com", "supplier pass 123")
ADMIN = ("operator@example.com", "operator pass 123")
RESELLER = ("mei@example.com", "reseller pass 123")
PRICE, WHOLESALE_SMALL, WHOLESALE_LARGE = 2000, 800, 900  # minor units
FEE_PERCENT = 10


def money(minor: int) -> str:
    return f"${minor // 100}.{minor % 100:02d}"


def log_out(tab):
    nav = tab.get_by_role("navigation", name="Main")
    nav.get_by_role("button", name="Log out").click()
    expect(nav.get_by_role("link", name="Log in")).to_be_visible()


def test_the_whole_loop_through_the_real_ui(page, new_tab, shot, sign_in, make_user, tmp_path, no_horizontal_scroll):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    main_nav = page.get_by_role("navigation", name="Main")

    # a. A supplier signs up and imports a small Shopify CSV.
    page.goto("/suppliers/join")
    page.get_by_label("Company name").fill("Loop Goods")
    page.get_by_label("Email").fill(SUPPLIER[0])
    page.get_by_label("Password").fill(SUPPLIER[1])
    page.get_by_role("button", name="Create supplier account").click()
    # Suppliers sign in with two factors: the authenticator app is set up before the catalog opens.
    page.get_by_label("Code").fill(pyotp.TOTP(page.locator("#totp-secret").inner_text()).now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    page.get_by_role("link", name="I have saved my codes, continue").click()
    expect(page.get_by_text("waiting for approval").first).to_be_visible()
    shot("loop-01-supplier-signed-up")

    csv_file = tmp_path / "loop-catalog.csv"
    csv_file.write_text(CATALOG_CSV, encoding="utf-8")
    page.get_by_role("navigation", name="Catalog").get_by_role("link", name="Import CSV").click()
    page.get_by_label("Shopify product CSV").set_input_files(str(csv_file))
    page.get_by_role("button", name="Upload and import").click()
    report = page.locator("#import-progress")
    expect(report.get_by_text("Done")).to_be_visible()
    expect(report.locator(".stat", has_text="products created")).to_contain_text("2")
    expect(report.locator(".stat", has_text="variants created")).to_contain_text("3")
    expect(report).to_contain_text("Every row was imported.")
    no_horizontal_scroll()
    shot("loop-02-import-report")
    log_out(page)

    # b. The operator approves the supplier.
    make_user(Role.admin, email=ADMIN[0], password=ADMIN[1], name="Operator")
    sign_in(page, *ADMIN)
    expect(page.locator("#pending-suppliers")).to_have_text("1")
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Suppliers").click()
    card = page.locator(".card", has_text="Loop Goods")
    expect(card).to_contain_text("Pending")
    shot("loop-03-admin-suppliers")
    card.get_by_role("button", name="Approve").click()
    expect(page.locator(".flash")).to_contain_text("Loop Goods is now approved")
    expect(page.locator(".card", has_text="Loop Goods")).to_contain_text("Approved")
    shot("loop-04-supplier-approved")
    log_out(page)

    # c. A reseller opens a store from the home page and picks a product.
    page.goto("/")
    opening = page.locator("#open")
    opening.get_by_label("Store name").fill("Mei's Picks")
    opening.get_by_label("Email").fill(RESELLER[0])
    opening.get_by_label("Password").fill(RESELLER[1])
    opening.get_by_role("button", name="Open my store").click()
    expect(page).to_have_url(re.compile(r"/catalog$"))
    expect(page.get_by_role("heading", name="Shared catalog")).to_be_visible()
    tee = page.locator("li.tile", has=page.get_by_role("heading", name="Loop tee"))
    expect(tee).to_contain_text("Loop Goods")
    expect(page.locator("li.tile", has=page.get_by_role("heading", name="Loop mug"))).to_contain_text("1 in stock")
    shot("loop-05-reseller-catalog")

    # A mark outside the tile survives only if htmx swapped the tile alone (no page load, no boosted swap).
    page.get_by_role("heading", name="Shared catalog").evaluate("h => h.dataset.mark = 'still here'")
    with page.expect_response(lambda r: "/add" in r.url and r.request.method == "POST") as added:
        tee.get_by_role("button", name="Add to my store").click()
    assert added.value.status == 200
    assert added.value.request.headers.get("hx-request") == "true"
    expect(tee.get_by_role("link", name="In your store ✓")).to_be_visible()
    expect(page.get_by_role("heading", name="Shared catalog")).to_have_attribute("data-mark", "still here")
    expect(page).to_have_url(re.compile(r"/catalog$"))
    shot("loop-06-picked")

    main_nav.get_by_role("link", name="My store").click()
    pick = page.locator("li.pick", has_text="Loop tee")
    pick.get_by_label("Your price").fill(f"{PRICE / 100:.2f}")
    pick.get_by_role("button", name="Save price").click()
    pick = page.locator("li.pick", has_text="Loop tee")
    expect(pick.get_by_role("status")).to_have_text("Price saved.")
    expect(pick).to_contain_text(f"Your price {money(PRICE)}")
    margin = PRICE - WHOLESALE_SMALL - PRICE * FEE_PERCENT // 100
    expect(pick).to_contain_text(f"You earn {money(margin)} per sale")
    no_horizontal_scroll()
    shot("loop-07-my-store-price")

    pick.get_by_role("link", name="Share", exact=True).click()
    expect(page.get_by_role("heading", name="Share this product")).to_be_visible()
    link = page.get_by_label("Link").input_value()
    site = urlsplit(page.url)
    assert link.startswith(f"{site.scheme}://{site.netloc}/"), link  # a public link to this site
    copy = page.get_by_role("button", name="Copy link")
    copy.click()
    expect(page.get_by_role("button", name="Copied ✓")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link
    no_horizontal_scroll()
    shot("loop-08-share-panel")
    log_out(page)

    # d. A customer, in a browser of their own, buys the large tee as a guest.
    customer = new_tab()
    customer.goto(link)
    expect(customer).to_have_url(re.compile(r"/s/[\w-]+/p/[\w-]+"))
    expect(customer.get_by_role("heading", name="Loop tee")).to_be_visible()
    customer.get_by_role("radio", name=re.compile("Large")).check()
    large_price = PRICE + WHOLESALE_LARGE - WHOLESALE_SMALL
    expect(customer.locator("label.variant", has_text="Large")).to_contain_text(money(large_price))
    shot("loop-09-product-page", customer)
    customer.get_by_role("button", name="Add to cart").click()
    expect(customer.get_by_role("heading", name="Your cart")).to_be_visible()
    expect(customer.locator("#cart")).to_contain_text("Large")
    expect(customer.locator(".cart-total")).to_contain_text(money(large_price))
    shot("loop-10-cart", customer)

    customer.get_by_role("link", name="Checkout").click()
    fill_address(customer)
    shot("loop-11-checkout", customer)
    customer.get_by_role("button", name="Continue to payment").click()

    expect(customer.get_by_role("note")).to_have_text("Demo payment — no money moves.")
    expect(customer.locator(".price")).to_have_text(money(large_price))
    shot("loop-12-demo-pay", customer)
    customer.get_by_role("button", name="Pay now (demo)").click()
    expect(customer).to_have_url(re.compile(r"/o/[\w-]+$"))
    order_url = customer.url
    expect(customer.locator("#order-status")).to_contain_text("Paid")
    expect(customer.get_by_role("heading", name=re.compile(r"Order #\d+"))).to_be_visible()
    order_heading = customer.get_by_role("heading", name=re.compile(r"Order #\d+")).text_content()
    shot("loop-13-order-paid", customer)

    # e. The supplier ships it with a tracking number; the customer's page shows it.
    sign_in(page, *SUPPLIER)
    main_nav.get_by_role("link", name="Orders").click()
    page.get_by_role("link", name=re.compile(re.escape(order_heading))).click()
    expect(page.get_by_role("heading", name=re.compile(re.escape(order_heading)))).to_contain_text("To ship")
    expect(page.get_by_role("table")).to_contain_text("TEE-L")
    shot("loop-14-purchase-order")
    page.get_by_label("Carrier").fill("Royal Mail")
    page.get_by_label("Tracking number").fill("RM123456789GB")
    page.get_by_role("button", name="Mark shipped and email the customer").click()
    expect(page.locator(".flash")).to_contain_text("Marked as shipped")
    expect(page.get_by_role("heading", name=re.compile(re.escape(order_heading)))).to_contain_text("Shipped")
    no_horizontal_scroll()
    shot("loop-15-shipped")

    customer.goto(order_url)
    expect(customer.locator("#order-status")).to_contain_text("Shipped")
    expect(customer.get_by_text("tracking number RM123456789GB")).to_be_visible()
    shot("loop-16-customer-tracking", customer)
    log_out(page)

    # f. The reseller's dashboard shows the order and the pending earning.
    sign_in(page, *RESELLER)
    expect(page).to_have_url(re.compile(r"/my/$"))
    earning = large_price - WHOLESALE_LARGE - large_price * FEE_PERCENT // 100
    row = page.get_by_role("row", name=re.compile("Ada"))
    expect(row).to_contain_text("Shipped")
    expect(row).to_contain_text(money(earning))
    expect(page.locator("#pending")).to_have_text(money(earning))
    expect(page.locator("#available")).to_have_text(money(0))
    expect(page.locator("#today-orders")).to_have_text("1")
    no_horizontal_scroll()
    shot("loop-17-dashboard")
