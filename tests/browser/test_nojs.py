"""JavaScript off (a locked-down phone, a chat app's browser): the whole loop still works as plain HTML forms."""
import re

import pytest

from .key_pages import IMPORT_CSV, PASSWORD, phone_world  # noqa: F401  (phone_world is a fixture)
from .conftest import fill_address

expect = pytest.importorskip("playwright.sync_api").expect

NO_JS = {"java_script_enabled": False, "viewport": {"width": 360, "height": 740}}


def test_the_whole_loop_without_javascript(new_tab, sign_in, phone_world, tmp_path):  # noqa: F811
    world = phone_world
    # A supplier uploads a catalog and changes a variant's stock.
    supplier = new_tab(**NO_JS)
    sign_in(supplier, world.supplier.email, PASSWORD)
    assert supplier.evaluate("typeof window.htmx") == "undefined"
    supplier.goto("/supplier/import")
    csv_file = tmp_path / "catalogue.csv"
    csv_file.write_text(IMPORT_CSV, encoding="utf-8")
    supplier.get_by_label("Shopify product CSV").set_input_files(str(csv_file))
    supplier.get_by_role("button", name="Upload and import").click()
    expect(supplier.locator("#import-progress")).to_contain_text("Done")
    expect(supplier.locator("#import-progress .stat", has_text="products created")).to_contain_text("1")
    supplier.goto(f"/supplier/products/{world.bowl.id}")
    row = supplier.locator(".variant-row").first
    row.get_by_label("Stock").fill("40")
    row.get_by_role("button", name="Save").click()
    expect(supplier.locator(".variant-row").first.get_by_label("Stock")).to_have_value("40")

    # The reseller searches the catalog, picks the bowl and prices it.
    reseller = new_tab(**NO_JS)
    sign_in(reseller, world.reseller.email, PASSWORD)
    reseller.goto("/catalog")
    reseller.get_by_label("Search").fill("bowl")
    reseller.get_by_role("button", name="Show products").click()
    expect(reseller.locator("#results li.tile")).to_have_count(1)
    reseller.get_by_role("button", name="Add to my store").click()
    expect(reseller.locator("#results").get_by_role("link", name="In your store ✓")).to_be_visible()
    reseller.goto("/my/store")
    bowl = reseller.locator("li.pick", has_text="Stoneware serving bowl")
    bowl.get_by_label("Your price").fill("39.00")
    bowl.get_by_role("button", name="Save price").click()
    expect(reseller.locator("li.pick", has_text="Stoneware serving bowl")).to_contain_text("$39.00")
    first = reseller.locator("li.pick").first.get_by_role("heading").text_content()
    reseller.locator("li.pick").first.get_by_role("button", name=re.compile("Move down")).click()
    expect(reseller.locator("li.pick").nth(1).get_by_role("heading")).to_have_text(first)

    # A customer buys the bowl as a guest.
    customer = new_tab(**NO_JS)
    customer.goto(f"/s/{world.store.slug}")
    customer.get_by_role("link", name=re.compile("Stoneware serving bowl")).first.click()
    customer.get_by_role("button", name="Add to cart").click()
    expect(customer.get_by_role("heading", name="Your cart")).to_be_visible()
    customer.get_by_role("button", name=re.compile("One more")).click()
    expect(customer.locator(".qty-n")).to_have_text("2")
    customer.get_by_role("link", name="Checkout").click()
    fill_address(customer)
    customer.get_by_role("button", name="Continue to payment").click()
    expect(customer.locator(".price")).to_have_text("$78.00")
    customer.get_by_role("button", name="Pay now (demo)").click()
    expect(customer.locator("#order-status")).to_contain_text("Paid")
    heading = customer.get_by_role("heading", name=re.compile(r"Order #\d+")).text_content()

    # The supplier ships it; the customer sees the tracking number.
    supplier.goto("/supplier/orders")
    supplier.get_by_role("link", name=re.compile(re.escape(heading))).click()
    supplier.get_by_label("Carrier").fill("Royal Mail")
    supplier.get_by_label("Tracking number").fill("RM987654321GB")
    supplier.get_by_role("button", name="Mark shipped and email the customer").click()
    expect(supplier.locator(".flash")).to_contain_text("Marked as shipped")
    customer.reload()
    expect(customer.locator("#order-status")).to_contain_text("Shipped")
    expect(customer.get_by_text("RM987654321GB")).to_be_visible()


def test_share_links_need_no_script_popup_or_third_party_cookie(new_tab, sign_in, phone_world):  # noqa: F811
    """In-app browsers: share buttons are plain links (no window.open, no target=_blank), and a shared link works
    in a browser that refuses cookies altogether."""
    reseller = new_tab(**NO_JS)
    sign_in(reseller, phone_world.reseller.email, PASSWORD)
    reseller.goto(f"/my/share/{phone_world.pick.id}")
    link = reseller.get_by_label("Link").input_value()
    assert reseller.locator("a[target=_blank], [onclick]").count() == 0
    assert reseller.get_by_role("link", name="Send on WhatsApp").get_attribute("href").startswith("https://")
    chat_app = new_tab(**NO_JS)
    chat_app.route("**/*", lambda route: route.continue_(headers={k: v for k, v in route.request.headers.items()
                                                                  if k.lower() != "cookie"}))
    chat_app.goto(link)
    expect(chat_app.get_by_role("heading", name=phone_world.tee.title)).to_be_visible()
    expect(chat_app.locator("form[action$='/cart/add'] input[name=via]")).to_have_count(1)
