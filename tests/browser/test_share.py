"""Share cards in a real browser at phone size: the share panel, the poster download, the QR screen, a visit."""
import re

import pytest
import zxingcpp
from PIL import Image

from shop.accounts.models import Role
from shop.extensions import db

expect = pytest.importorskip("playwright.sync_api").expect

RESELLER = ("lin@example.com", "reseller pass 123")


@pytest.fixture
def reseller_with_a_pick(make_user, make_store, make_product, make_pick):
    user = make_user(Role.reseller, email=RESELLER[0], password=RESELLER[1], name="Lin")
    store = make_store(user=user, name="林的茶铺", slug="lin")
    product = make_product(title="龙井绿茶 Dragon Well tea", image=False)
    product.body_html = "<p>Spring tea from Hangzhou.</p>"
    db.session.commit()
    return store, make_pick(store, product, price=2400)


def test_share_panel_poster_download_and_a_visit_through_the_short_link(
    page, new_tab, sign_in, shot, no_horizontal_scroll, reseller_with_a_pick, tmp_path
):
    store, pick = reseller_with_a_pick
    sign_in(page, *RESELLER)
    page.goto("/my/store")
    page.locator("li.pick", has_text="Dragon Well").get_by_role("link", name="Share", exact=True).click()
    expect(page.get_by_role("heading", name="Share this product")).to_be_visible()
    preview = page.get_by_role("img", name=re.compile("Poster"))
    preview.scroll_into_view_if_needed()
    expect(preview).to_have_js_property("complete", True)
    assert preview.evaluate("img => img.naturalWidth") == 1080
    for name in ("Send on WhatsApp", "Send on Telegram", "Send on LINE", "Send by SMS", "Send on WeChat",
                 "Download poster", "Show QR full screen"):
        box = page.get_by_role("link", name=name).bounding_box()
        assert box["height"] >= 44, name
    no_horizontal_scroll()
    shot("share-01-panel")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download poster").click()
    assert download.value.suggested_filename == f"lin-{pick.product.slug}-poster.png"
    saved = tmp_path / "poster.png"
    download.value.save_as(saved)
    poster = Image.open(saved)
    assert poster.size == (1080, 1350)
    [scanned] = [r.text for r in zxingcpp.read_barcodes(poster.convert("L"))]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/r/[\w-]+", scanned)

    page.get_by_role("link", name="Show QR full screen").click()
    expect(page.locator(".qr-full svg")).to_be_visible()
    expect(page.locator(".qr-full")).to_contain_text("Dragon Well")
    no_horizontal_scroll()
    shot("share-02-qr-full-screen")
    page.get_by_role("link", name="Done").click()
    link = page.get_by_label("Link").input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/r/[\w-]+", link) and link != scanned

    # A friend opens the shared short link in a browser of their own.
    friend = new_tab()
    friend.goto(link)
    expect(friend.get_by_role("heading", name="龙井绿茶 Dragon Well tea")).to_be_visible()
    assert re.search(rf"/s/lin/p/{pick.product.slug}\?via=", friend.url)
    expect(friend.locator('meta[property="og:title"]')).to_have_attribute("content", "龙井绿茶 Dragon Well tea")
    image = friend.locator('meta[property="og:image"]').get_attribute("content")
    assert friend.request.get(image).headers["content-type"] == "image/png"
    shot("share-03-friend-product-page", friend)

    # The friend scanning the poster lands on the same product, through the poster's own link.
    scan = new_tab()
    scan.goto(scanned)
    expect(scan.get_by_role("heading", name="龙井绿茶 Dragon Well tea")).to_be_visible()
