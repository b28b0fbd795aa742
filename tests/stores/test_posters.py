"""Share cards: posters (size, QR code, Chinese text, cache), the share panel's channels, and link previews."""
import io
import re
from html import unescape
from pathlib import Path
from urllib.parse import quote

import pytest
import zxingcpp
from flask_babel import refresh
from fontTools.ttLib import TTFont
from PIL import Image
from sqlalchemy import select

from shop.accounts.models import Role
from shop.catalog.models import ProductImage
from shop.extensions import db
from shop.images import save_image
from shop.stores.models import ShareLink
from shop.stores.posters import FONT_PATH, HEIGHT, WIDTH, Poster, draw

OUTSIDE_FONT = "\U0002a6a5"  # a rare CJK character that is not in the subset font


def png(response) -> Image.Image:
    assert response.status_code == 200 and response.mimetype == "image/png"
    return Image.open(io.BytesIO(response.data))


def decoded(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image.convert("L"))]


def meta(page: str, key: str) -> str:
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)">', page)
    assert found, f"no {key} tag"
    return unescape(found.group(1))


def poster_files(app) -> list[Path]:
    return sorted((Path(app.config["UPLOAD_FOLDER"]) / "posters").glob("*.png"))


@pytest.fixture
def local_photo():
    """A red picture saved like an upload, so it is one of our own /media/ files."""
    return lambda colour="red": save_image(Image.new("RGB", (800, 600), colour))


def test_store_poster_is_1080_by_1350_and_its_qr_code_opens_the_store(shop_owner, client):
    store, owner = shop_owner(slug="lily")
    image = png(owner.get("/my/share/poster.png?download=1"))
    assert image.size == (WIDTH, HEIGHT) == (1080, 1350)
    [url] = decoded(image)
    link = db.session.scalar(select(ShareLink).where(ShareLink.store_id == store.id, ShareLink.channel == "poster"))
    assert url == f"http://localhost/r/{link.code}" and link.product_id is None
    assert client.get(url).location == f"/s/lily?via={link.code}"
    hashed = owner.get("/my/share/poster.png").location
    assert re.fullmatch(r"/my/share/poster.png\?v=[0-9a-f]{32}", hashed)
    assert png(owner.get(hashed)).tobytes() == image.tobytes()


def test_product_poster_qr_code_finds_the_resellers_product_link(shop_owner, client, make_product, make_pick):
    store, owner = shop_owner(slug="lily")
    pick = make_pick(store, make_product(title="Enamel mug"), price=2500)
    response = owner.get(f"/my/share/{pick.id}/poster.png?download=1")
    assert f'filename=lily-{pick.product.slug}-poster.png' in response.headers["Content-Disposition"]
    [url] = decoded(png(response))
    assert re.fullmatch(r"http://localhost/r/[\w-]+", url)
    assert client.get(url).location.startswith(f"/s/lily/p/{pick.product.slug}?via=")
    link = db.session.scalar(select(ShareLink).where(ShareLink.code == url.rsplit("/", 1)[1]))
    assert (link.store_id, link.product_id, link.channel) == (store.id, pick.product_id, "poster")


def test_the_font_has_the_chinese_glyphs_and_is_shipped_with_its_licence():
    font = TTFont(FONT_PATH)
    cmap = font.getBestCmap()
    assert all(ord(c) in cmap for c in "茶扫码购物的店¥€$0123456789Aa…")
    assert ord(OUTSIDE_FONT) not in cmap
    assert FONT_PATH.stat().st_size < 2 * 1024 * 1024
    licence = (FONT_PATH.parent / "OFL.txt").read_text()
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence and "Google" in licence


def _title_crop(app, title: str) -> Image.Image:
    poster = Poster(
        title=title, price="", tagline="", photo="", logo="", store_name="Lily", colour="#0f766e",
        link="http://localhost/r/x", caption="Scan to shop", locale="zh",
    )
    with app.test_request_context():
        return draw(poster).crop((60, 840, 660, 910)).convert("L")


def test_a_chinese_title_draws_real_glyphs_and_unknown_characters_do_not_crash(app):
    tea, unknown, blank = _title_crop(app, "茶"), _title_crop(app, OUTSIDE_FONT), _title_crop(app, " ")
    assert tea.getextrema()[0] < 100  # dark ink where the title is
    # The character outside the font is drawn as some other shape (a box), not as the glyph of 茶.
    assert list(tea.getdata()) != list(unknown.getdata())
    assert list(tea.getdata()) != list(blank.getdata())


def test_posters_are_cached_by_content_and_a_price_change_draws_a_new_one(app, shop_owner, make_product, make_pick):
    store, owner = shop_owner()
    pick = make_pick(store, make_product(), price=2000)
    before = set(poster_files(app))
    first = owner.get(f"/my/share/{pick.id}/poster.png")
    assert first.status_code == 302
    digest = re.search(r"v=([0-9a-f]{32})", first.location).group(1)
    hashed = owner.get(first.location)
    assert png(hashed).size == (1080, 1350)
    assert "immutable" in hashed.headers["Cache-Control"] and "max-age=31536000" in hashed.headers["Cache-Control"]
    assert owner.get(f"/my/share/{pick.id}/poster.png?download=1").data == hashed.data
    assert [p.stem for p in set(poster_files(app)) - before] == [digest]  # a cache hit: the same file

    pick.price_minor = 2600
    db.session.commit()
    moved = owner.get(f"/my/share/{pick.id}/poster.png")
    assert moved.status_code == 302 and digest not in moved.location
    assert owner.get(moved.location).data != hashed.data
    assert len(set(poster_files(app)) - before) == 2


def test_the_readers_locale_is_part_of_the_poster(shop_owner, make_product, make_pick):
    store, owner = shop_owner()
    pick = make_pick(store, make_product(), price=2000)
    english = owner.get(f"/my/share/{pick.id}/poster.png").location
    refresh()  # the tests' requests share one app context, where Flask-Babel keeps the locale it chose
    chinese = owner.get(f"/my/share/{pick.id}/poster.png?lang=zh").location
    assert english != chinese


def test_a_local_photo_fills_the_top_and_an_outside_url_is_never_fetched(
    shop_owner, make_product, make_pick, local_photo
):
    store, owner = shop_owner()
    with_photo = make_product(image=False)
    with_photo.images.append(ProductImage(src=local_photo("red"), position=1))
    db.session.commit()
    red = make_pick(store, with_photo)
    outside = make_pick(store, make_product())  # https://img.example.com/...: drawn without it
    top = png(owner.get(f"/my/share/{red.id}/poster.png?download=1")).convert("RGB").getpixel((540, 300))
    assert top[0] > 200 and top[1] < 60 and top[2] < 60
    colour = png(owner.get(f"/my/share/{outside.id}/poster.png?download=1")).convert("RGB").getpixel((540, 700))
    assert colour == (0x0F, 0x76, 0x6E)  # the store colour block


@pytest.mark.parametrize("path", [
    "/my/share/{pick}/poster.png", "/my/share/{pick}/poster.png?download=1", "/my/share/{pick}",
    "/my/share/qr?pick={pick}", "/my/share/qr.png?pick={pick}",
])
def test_another_resellers_pick_is_not_found(shop_owner, make_product, make_pick, path):
    other, _ = shop_owner()
    pick = make_pick(other, make_product())
    _mine, me = shop_owner()
    assert me.get(path.format(pick=pick.id)).status_code == 404


@pytest.mark.parametrize("path", ["/my/share/poster.png", "/my/share/qr"])
def test_only_resellers_have_posters(client, login, make_user, path):
    assert client.get(path).status_code == 302  # to the login page
    assert login(make_user(Role.supplier)).get(path).status_code == 404


def test_share_panel_gives_each_button_its_own_channel_link(shop_owner, make_product, make_pick):
    store, owner = shop_owner()
    pick = make_pick(store, make_product())
    page = owner.get(f"/my/share/{pick.id}").text
    links = {
        link.channel: f"http://localhost/r/{link.code}"
        for link in db.session.scalars(select(ShareLink).where(ShareLink.store_id == store.id))
    }
    assert set(links) >= {"copy", "share", "whatsapp", "telegram", "line", "sms", "wechat", "qr", "poster"}
    assert len(set(links.values())) == len(links)
    assert "https://line.me/R/msg/text/?" in page and quote(links["line"], safe="") in page
    assert quote(links["whatsapp"], safe="") in page and quote(links["telegram"], safe="") in page
    assert f'data-copy="{links["wechat"]}"' in page and "open WeChat and paste" in page
    assert f'href="/my/share/{pick.id}/poster.png?download=1"' in page
    assert f'href="/my/share/qr?pick={pick.id}"' in page
    preview = re.search(r'<img src="(/my/share/\d+/poster.png\?v=[0-9a-f]{32})"[^>]*>', page)
    assert preview and 'width="216" height="270" loading="lazy"' in preview.group(0)
    assert owner.get(f"/my/share/{pick.id}").text == page  # links are made once, then reused


def test_qr_full_screen_page_works_without_javascript(shop_owner, make_product, make_pick):
    store, owner = shop_owner()
    pick = make_pick(store, make_product(title="Big mug"))
    page = owner.get(f"/my/share/qr?pick={pick.id}").text
    qr = db.session.scalar(select(ShareLink).where(ShareLink.store_id == store.id, ShareLink.channel == "qr"))
    assert "<svg" in page and f"/r/{qr.code}" in page and "Big mug" in page
    assert 'class="top"' not in page  # no header: only the code on a plain background
    wechat = owner.get(f"/my/share/qr?pick={pick.id}&channel=wechat").text
    link = db.session.scalar(select(ShareLink).where(ShareLink.store_id == store.id, ShareLink.channel == "wechat"))
    assert f"/r/{link.code}" in wechat


def test_product_page_has_escaped_open_graph_tags_and_a_public_poster(
    client, make_store, make_product, make_pick
):
    store = make_store(slug="lily", name="Lily & Co")
    product = make_product(title='Tea "><script>alert(1)</script>', image=False)
    product.body_html = "<p>Green <b>tea</b> from <i>Hangzhou</i>.</p>"
    db.session.commit()
    make_pick(store, product, price=2000)
    page = client.get(f"/s/lily/p/{product.slug}").text
    assert '"><script>alert(1)' not in page
    assert 'content="Tea &#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page
    assert meta(page, "og:title") == 'Tea "><script>alert(1)</script>'
    assert meta(page, "og:description") == "Green tea from Hangzhou."
    assert meta(page, "og:url") == f"http://localhost/s/lily/p/{product.slug}"
    assert meta(page, "og:type") == "product" and meta(page, "twitter:card") == "summary_large_image"
    image = meta(page, "og:image")
    assert re.fullmatch(rf"http://localhost/posters/en/lily/p/{product.slug}/[0-9a-f]{{32}}\.png", image)

    poster = client.get(image.removeprefix("http://localhost"))  # no login: chat apps fetch it
    assert png(poster).size == (1080, 1350)
    assert "public" in poster.headers["Cache-Control"] and "immutable" in poster.headers["Cache-Control"]
    stale = client.get(f"/posters/en/lily/p/{product.slug}/{'0' * 32}.png")
    assert stale.status_code == 302 and stale.location == image
    assert client.get(f"/posters/xx/lily/p/{product.slug}/{'0' * 32}.png").status_code == 404
    assert client.get(f"/posters/en/lily/p/nothing/{'0' * 32}.png").status_code == 404


def test_preview_image_is_our_copy_of_the_photo_or_the_suppliers_own(
    client, make_store, make_product, make_pick, local_photo
):
    store = make_store(slug="lily")
    local = make_product(image=False)
    local.images.append(ProductImage(src=local_photo(), position=1))
    db.session.commit()
    outside = make_product()
    make_pick(store, local)
    make_pick(store, outside)
    src = meta(client.get(f"/s/lily/p/{local.slug}").text, "og:image")
    assert re.fullmatch(r"http://localhost/media/[0-9a-f]+-640\.jpg", src)
    assert meta(client.get(f"/s/lily/p/{outside.slug}").text, "og:image") == outside.image_src


def test_store_page_has_open_graph_tags(client, make_store):
    store = make_store(slug="lily", name='Lily "Best" <Shop>')
    store.tagline = "Teas & cups"
    db.session.commit()
    page = client.get("/s/lily").text
    assert meta(page, "og:title") == 'Lily "Best" <Shop>' and "<Shop>" not in page.split("</head>")[0]
    assert meta(page, "og:description") == "Teas & cups"
    assert meta(page, "og:url") == "http://localhost/s/lily" and meta(page, "og:type") == "website"
    assert re.fullmatch(r"http://localhost/posters/en/lily/[0-9a-f]{32}\.png", meta(page, "og:image"))
    assert meta(page, "twitter:card") == "summary_large_image"
