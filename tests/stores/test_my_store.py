"""The reseller's own store: prices, order, removal, settings, and the walls between resellers."""
import io

import pytest
from PIL import Image
from sqlalchemy import select

from shop.extensions import db
from shop.stores.models import Pick, Store

HX = {"HX-Request": "true"}


def _positions(store):
    db.session.expire_all()
    return list(db.session.scalars(select(Pick.id).where(Pick.store_id == store.id).order_by(Pick.position)))


def test_my_store_lists_picks_with_wholesale_price_and_margin(shop_owner, make_product, make_pick):
    store, client = shop_owner()
    product = make_product(title="Lamp", variants=((1000, 3),))
    make_pick(store, product, price=2000)
    page = client.get("/my/store").text
    assert "Lamp" in page and "$10.00" in page and 'value="20.00"' in page
    assert "$8.00" in page  # 20.00 - 10.00 - 10% fee
    assert 'loading="lazy"' in page


def test_empty_store_points_to_the_catalog(shop_owner):
    _store, client = shop_owner()
    assert 'href="/catalog"' in client.get("/my/store").text


def test_edit_price_with_htmx_swaps_the_row(shop_owner, make_product, make_pick):
    store, client = shop_owner()
    pick = make_pick(store, make_product(variants=((1000, 3),)), price=2000)
    response = client.post(f"/my/store/{pick.id}/price", data={"price": "24.50"}, headers=HX)
    assert response.status_code == 200 and "<html" not in response.text
    assert f'id="pick-{pick.id}"' in response.text and 'value="24.50"' in response.text
    assert "Price saved." in response.text
    db.session.refresh(pick)
    assert pick.price_minor == 2450


def test_edit_price_without_js_redirects(shop_owner, make_product, make_pick):
    store, client = shop_owner()
    pick = make_pick(store, make_product(variants=((1000, 3),)), price=2000)
    response = client.post(f"/my/store/{pick.id}/price", data={"price": "$30"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/my/store")
    db.session.refresh(pick)
    assert pick.price_minor == 3000


@pytest.mark.parametrize("headers", [HX, {}])
def test_price_below_the_floor_is_refused_naming_the_lowest_price(shop_owner, make_product, make_pick, headers):
    store, client = shop_owner()
    pick = make_pick(store, make_product(variants=((1000, 3),)), price=2000)
    response = client.post(f"/my/store/{pick.id}/price", data={"price": "10.50"}, headers=headers)
    assert response.status_code == 200
    assert "The lowest price you can set is $11.11" in response.text
    assert 'value="10.50"' in response.text and 'aria-invalid="true"' in response.text
    assert ("<html" in response.text) is (not headers)
    db.session.refresh(pick)
    assert pick.price_minor == 2000
    client.post(f"/my/store/{pick.id}/price", data={"price": "11.11"}, headers=headers)
    db.session.refresh(pick)
    assert pick.price_minor == 1111


def test_price_that_is_not_an_amount_is_refused(shop_owner, make_product, make_pick):
    store, client = shop_owner()
    pick = make_pick(store, make_product(), price=2000)
    response = client.post(f"/my/store/{pick.id}/price", data={"price": "lots"}, headers=HX)
    assert "Enter a price" in response.text and 'value="lots"' in response.text


def test_reorder_with_plain_posts_and_htmx(shop_owner, make_product, make_pick):
    store, client = shop_owner()
    a, b, c = (make_pick(store, make_product()) for _ in range(3))
    assert client.post(f"/my/store/{c.id}/move", data={"direction": "up"}).status_code == 302
    assert _positions(store) == [a.id, c.id, b.id]
    response = client.post(f"/my/store/{a.id}/move", data={"direction": "down"}, headers=HX)
    assert "<html" not in response.text and 'id="picks"' in response.text
    assert _positions(store) == [c.id, a.id, b.id]
    assert response.text.index(f'id="pick-{c.id}"') < response.text.index(f'id="pick-{a.id}"')
    client.post(f"/my/store/{c.id}/move", data={"direction": "up"})  # already first
    assert _positions(store) == [c.id, a.id, b.id]
    assert client.post(f"/my/store/{c.id}/move", data={"direction": "sideways"}).status_code == 400


def test_remove_with_htmx_and_without(shop_owner, make_product, make_pick):
    store, client = shop_owner()
    a, b = make_pick(store, make_product()), make_pick(store, make_product())
    response = client.post(f"/my/store/{a.id}/remove", headers=HX)
    assert "<html" not in response.text and f'id="pick-{a.id}"' not in response.text
    assert client.post(f"/my/store/{b.id}/remove").status_code == 302
    assert _positions(store) == []


def test_a_hidden_product_is_flagged_in_my_store(shop_owner, make_product, make_pick):
    store, client = shop_owner()
    product = make_product()
    make_pick(store, product)
    product.published = False
    db.session.commit()
    assert "customers do not see it" in client.get("/my/store").text


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("post", "/my/store/{id}/price", {"price": "99"}),
        ("post", "/my/store/{id}/move", {"direction": "up"}),
        ("post", "/my/store/{id}/remove", {}),
        ("get", "/my/share/{id}", None),
        ("get", "/my/share/qr.png?pick={id}", None),
    ],
)
def test_a_reseller_cannot_touch_another_resellers_pick(shop_owner, make_store, make_product, make_pick,
                                                        method, url, data):
    _mine, client = shop_owner()
    theirs = make_pick(make_store(), make_product(), price=5000)
    response = getattr(client, method)(url.format(id=theirs.id), data=data)
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Pick, theirs.id).price_minor == 5000


@pytest.mark.parametrize("url", ["/my/store", "/my/settings", "/my/share", "/catalog"])
def test_store_admin_is_for_the_reseller_only(login, make_user, make_store, url):
    from shop.accounts.models import Role

    make_store()
    assert login(make_user(Role.supplier)).get(url).status_code == 404


def _png() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 30, 30)).save(out, "PNG")
    out.seek(0)
    return out


def test_settings_save_name_tagline_colour_and_logo(shop_owner):
    store, client = shop_owner()
    page = client.get("/my/settings").text
    assert 'type="color"' in page and 'enctype="multipart/form-data"' in page
    response = client.post("/my/settings", data={
        "name": "New Name", "tagline": "Good things", "colour": "#AA3300", "logo": (_png(), "logo.png"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.refresh(store)
    assert (store.name, store.tagline, store.colour) == ("New Name", "Good things", "#aa3300")
    assert store.logo_src.startswith("/media/")
    assert client.get(store.logo_src.replace("-640.jpg", "-160.jpg")).status_code == 200


def test_settings_refuse_a_file_that_is_not_an_image_and_keep_the_input(shop_owner):
    store, client = shop_owner()
    response = client.post("/my/settings", data={
        "name": "Kept", "tagline": "", "colour": "#112233", "logo": (io.BytesIO(b"%PDF-1.4 nope"), "logo.png"),
    }, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "not a picture" in response.text and 'value="Kept"' in response.text
    db.session.refresh(store)
    assert store.logo_src == "" and store.name != "Kept"


@pytest.mark.parametrize("colour", ["red", "#12345", "#1234567", "#12345g", "url(x)"])
def test_settings_refuse_a_colour_that_is_not_rrggbb(shop_owner, colour):
    store, client = shop_owner()
    response = client.post("/my/settings", data={"name": "Shop", "colour": colour})
    assert response.status_code == 200 and "Choose a colour" in response.text
    db.session.refresh(store)
    assert store.colour == "#0f766e"


def test_safe_colour_never_lets_anything_else_into_a_style(app):
    assert Store(colour="#abcdef").safe_colour == "#abcdef"
    assert Store(colour="red;}").safe_colour == "#0f766e"
