"""The share panel and the QR codes of a reseller's links."""
from urllib.parse import quote

from sqlalchemy import select

from shop.extensions import db
from shop.stores.models import ShareLink


def _link(store, product, channel):
    """The short link of one channel, as the share panel hands it out."""
    row = db.session.scalar(
        select(ShareLink).where(
            ShareLink.store_id == store.id, ShareLink.channel == channel,
            ShareLink.product_id.is_(None) if product is None else ShareLink.product_id == product.id,
        )
    )
    return f"http://localhost/r/{row.code}"


def test_store_share_panel_has_the_link_copy_share_chat_links_and_an_svg(shop_owner):
    store, client = shop_owner(slug="lily")
    page = client.get("/my/share").text
    link = _link(store, None, "copy")
    assert f'value="{link}"' in page and "readonly" in page
    assert f'data-copy="{link}"' in page and f'data-share-url="{_link(store, None, "share")}"' in page
    assert "https://wa.me/?text=" in page and quote(_link(store, None, "whatsapp"), safe="") in page
    assert "https://t.me/share/url?url=" + quote(_link(store, None, "telegram"), safe="") in page
    assert "sms:?&amp;body=" in page and quote(_link(store, None, "sms"), safe="") in page
    assert "<svg" in page and "<?xml" not in page
    assert 'href="/my/share/qr.png"' in page


def test_pick_share_panel_links_to_the_product_page(shop_owner, client, make_product, make_pick):
    store, owner = shop_owner(slug="lily")
    pick = make_pick(store, make_product())
    page = owner.get(f"/my/share/{pick.id}").text
    link = _link(store, pick.product, "copy")
    assert f'value="{link}"' in page
    assert client.get(link).location == f"/s/lily/p/{pick.product.slug}?via={link.rsplit('/', 1)[1]}"
    assert "<svg" in page and f'href="/my/share/qr.png?pick={pick.id}"' in page


def test_qr_png_for_the_store_and_for_a_pick(shop_owner, make_product, make_pick):
    store, client = shop_owner(slug="lily")
    pick = make_pick(store, make_product())
    for url in ("/my/share/qr.png", f"/my/share/qr.png?pick={pick.id}"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "image/png"
        assert response.data.startswith(b"\x89PNG\r\n\x1a\n")
        assert "attachment" in response.headers["Content-Disposition"]


def test_qr_png_never_draws_a_url_from_the_query_string(shop_owner):
    _store, client = shop_owner()
    assert client.get("/my/share/qr.png?pick=abc").status_code == 404
    assert client.get("/my/share/qr.png?pick=99999").status_code == 404
    plain = client.get("/my/share/qr.png").data
    assert client.get("/my/share/qr.png?url=https://evil.example.com").data == plain
