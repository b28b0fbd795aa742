"""The cart: only what the store sells, htmx fragments, quantities, dropped lines, a fixed query count."""
import pytest
from sqlalchemy import select

from shop.extensions import db
from shop.orders.models import Cart, CartLine
from shop.stores.models import Pick


def _lines():
    return db.session.scalars(select(CartLine).order_by(CartLine.id)).all()


def test_cannot_add_a_variant_the_store_did_not_pick(client, shop_with, make_product, add):
    store, _ = shop_with((1000, 5))
    other = make_product()
    assert add(store, other.variants[0]).status_code == 404
    assert client.post(f"/s/{store.slug}/cart/add", data={"variant_id": "x"}).status_code == 404
    assert client.post("/s/nowhere/cart/add", data={"variant_id": other.variants[0].id}).status_code == 404
    assert _lines() == []


def test_cannot_add_an_unpublished_product(client, shop_with, add):
    store, (mug,) = shop_with((1000, 5))
    mug.published = False
    db.session.commit()
    assert add(store, mug.variants[0]).status_code == 404


def test_another_stores_pick_is_not_sold_here(client, shop_with, add):
    store, _ = shop_with((1000, 5))
    _other_store, (elsewhere,) = shop_with((1000, 5))
    assert add(store, elsewhere.variants[0]).status_code == 404


def test_htmx_add_returns_a_fragment_and_triggers_cart_updated(client, shop_with, add):
    store, (mug,) = shop_with((1000, 5))
    response = client.post(
        f"/s/{store.slug}/cart/add", data={"variant_id": mug.variants[0].id, "quantity": 2},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Added ✓" in response.text and f"/s/{store.slug}/cart" in response.text and "(2)" in response.text
    assert response.headers["HX-Trigger"] == "cart-updated"
    assert "HX-Request" in response.headers["Vary"]

    badge = client.get(f"/s/{store.slug}/cart/badge", headers={"HX-Request": "true"})
    assert "<html" not in badge.text and '<span class="badge">2</span>' in badge.text


def test_quantities_add_up_and_survive_a_new_request(client, shop_with, add):
    store, (mug,) = shop_with((1000, 5))
    add(store, mug.variants[0], 2)
    add(store, mug.variants[0], 3)
    [line] = _lines()
    assert line.quantity == 5
    assert "$20.00" in client.get(f"/s/{store.slug}/cart").text


def test_one_cart_per_store(client, shop_with, add):
    store_a, (mug,) = shop_with((1000, 5))
    store_b, (lamp,) = shop_with((2000, 5))
    add(store_a, mug.variants[0])
    add(store_b, lamp.variants[0])
    assert len(db.session.scalars(select(Cart)).all()) == 2
    assert lamp.title not in client.get(f"/s/{store_a.slug}/cart").text


def test_a_new_visitor_has_an_empty_cart(app, client, shop_with, add):
    store, (mug,) = shop_with((1000, 5))
    add(store, mug.variants[0])
    stranger = app.test_client()
    assert "Your cart is empty" in stranger.get(f"/s/{store.slug}/cart").text


def test_quantity_controls_with_htmx_swap_the_cart(client, shop_with, add):
    store, (mug,) = shop_with((1000, 5))
    add(store, mug.variants[0])
    [line] = _lines()
    response = client.post(
        f"/s/{store.slug}/cart/lines/{line.id}", data={"quantity": 3}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert 'id="cart"' in response.text and "$60.00" in response.text
    assert response.headers["HX-Trigger"] == "cart-updated"

    removed = client.post(f"/s/{store.slug}/cart/lines/{line.id}", data={"quantity": 0})
    assert removed.status_code == 302 and _lines() == []


def test_quantity_is_capped(client, shop_with, add):
    store, (mug,) = shop_with((1000, 500))
    add(store, mug.variants[0], 500)
    assert _lines()[0].quantity == 99


@pytest.mark.parametrize("quantity", ["0", "-2"])
def test_adding_nothing_is_refused(client, shop_with, quantity):
    store, (mug,) = shop_with((1000, 5))
    response = client.post(f"/s/{store.slug}/cart/add", data={"variant_id": mug.variants[0].id, "quantity": quantity})
    assert response.status_code == 302 and _lines() == []


def test_someone_elses_cart_line_cannot_be_changed(app, client, shop_with, add):
    store, (mug,) = shop_with((1000, 5))
    add(store, mug.variants[0], 2)
    [line] = _lines()
    stranger = app.test_client()
    add(store, mug.variants[0], 1, the_client=stranger)
    stranger.post(f"/s/{store.slug}/cart/lines/{line.id}", data={"quantity": 0})
    assert db.session.get(CartLine, line.id).quantity == 2


def test_a_product_that_left_the_store_is_dropped_with_a_note(client, shop_with, add):
    store, (mug, lamp) = shop_with((1000, 5), (2000, 5))
    add(store, mug.variants[0])
    add(store, lamp.variants[0])
    db.session.delete(db.session.scalar(select(Pick).where(Pick.product_id == lamp.id)))
    db.session.commit()
    page = client.get(f"/s/{store.slug}/cart")
    assert f"{lamp.title} is no longer sold in this store" in page.text
    assert "$20.00" in page.text and "$40.00" not in page.text
    assert len(_lines()) == 1
    assert "no longer sold" not in client.get(f"/s/{store.slug}/cart").text


def test_the_cart_shows_the_stores_current_price(client, shop_with, add):
    store, (mug,) = shop_with((1000, 5))
    add(store, mug.variants[0])
    pick = db.session.scalar(select(Pick))
    pick.price_minor = 1750
    db.session.commit()
    assert "$17.50" in client.get(f"/s/{store.slug}/cart").text


def test_the_cart_page_runs_a_fixed_number_of_queries(client, shop_with, make_product, make_pick, add, count_queries):
    store, (first,) = shop_with((1000, 5))
    add(store, first.variants[0])
    with count_queries() as one_line:
        assert client.get(f"/s/{store.slug}/cart").status_code == 200
    for _ in range(5):
        product = make_product(variants=((800, 5), (900, 5)))
        make_pick(store, product)
        add(store, product.variants[0])
        add(store, product.variants[1])
    with count_queries() as eleven_lines:
        page = client.get(f"/s/{store.slug}/cart")
    assert page.text.count('class="card cart-line"') == 11
    assert eleven_lines() == one_line() <= 9
