"""The cart: only what the store sells, htmx fragments, quantities, dropped lines, a fixed query count."""
import threading

import pytest
from flask_babel import refresh
from sqlalchemy import delete, select

from shop.extensions import db
from shop.orders import services
from shop.orders.models import Cart, CartLine
from shop.stores.models import Pick, Store


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


def test_the_added_fragment_is_reused_only_for_the_same_store_count_and_language(app, shop_with):
    """The fragment is rendered once per store, count and language: each of those still shows its own."""
    (store, (mug,)), (other, (cup,)) = shop_with((1000, 50)), shop_with((1000, 50))

    def tap(customer, shop, variant, language="en"):
        return customer.post(f"/s/{shop.slug}/cart/add", data={"variant_id": variant.id, "quantity": 1},
                             headers={"HX-Request": "true", "Accept-Language": language}).text

    first, second = app.test_client(), app.test_client()
    assert f'/s/{store.slug}/cart">View cart (1)' in tap(first, store, mug)
    assert f'/s/{store.slug}/cart">View cart (1)' in tap(second, store, mug)  # the same fragment, reused
    assert f'/s/{store.slug}/cart">View cart (2)' in tap(first, store, mug)
    assert f'/s/{other.slug}/cart">View cart (1)' in tap(first, other, cup)
    refresh()  # the test's app context outlives each request, and Flask-Babel keeps the locale on it
    chinese = tap(app.test_client(), store, mug, "zh-CN,zh;q=0.9")
    refresh()
    assert "查看购物车 (1)" in chinese and "View cart" not in chinese


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


def _htmx_add(client, slug, variant_id, quantity=1):
    # Plain values, not the test's objects: the view's commit expires those, and loading them again would count.
    return client.post(
        f"/s/{slug}/cart/add", data={"variant_id": variant_id, "quantity": quantity}, headers={"HX-Request": "true"}
    )


def test_adding_to_a_line_stops_at_the_cap_and_a_full_line_is_not_written(client, shop_with, add,
                                                                          sql_statements):
    store, (mug,) = shop_with((1000, 500))
    slug, variant_id = store.slug, mug.variants[0].id
    add(store, mug.variants[0], 60)
    response = _htmx_add(client, slug, variant_id, 60)
    assert "(99)" in response.text and [line.quantity for line in _lines()] == [99]
    with sql_statements() as seen:
        response = _htmx_add(client, slug, variant_id, 5)
    assert response.status_code == 200 and "(99)" in response.text
    assert [line.quantity for line in _lines()] == [99]
    assert len(seen) == 2 and all(s.lstrip().upper().startswith("SELECT") for s in seen)  # the store, the cart


def test_a_huge_quantity_fills_a_line_to_the_cap(client, shop_with, add):
    store, (mug,) = shop_with((1000, 500))
    add(store, mug.variants[0], 2)
    assert add(store, mug.variants[0], 10**12).status_code == 302  # past PostgreSQL's integer, not past the cap
    assert [line.quantity for line in _lines()] == [99]


def test_the_count_is_every_unit_in_the_cart(client, shop_with, add):
    store, (mug, lamp) = shop_with((1000, 50), (2000, 50))
    slug, mug_id, lamp_id = store.slug, mug.variants[0].id, lamp.variants[0].id
    add(store, mug.variants[0], 3)
    assert "(7)" in _htmx_add(client, slug, lamp_id, 4).text  # a new line beside the first
    assert "(9)" in _htmx_add(client, slug, mug_id, 2).text  # more of the first
    assert sorted(line.quantity for line in _lines()) == [4, 5]


def test_a_tap_costs_three_statements_and_a_first_tap_four(client, shop_with, add, count_queries):
    store, (mug, lamp) = shop_with((1000, 50), (2000, 50))
    slug, mug_id, lamp_id = store.slug, mug.variants[0].id, lamp.variants[0].id
    with count_queries() as first:
        _htmx_add(client, slug, mug_id)  # the store, the read, the new cart and its line
    with count_queries() as new_line:
        _htmx_add(client, slug, lamp_id)
    with count_queries() as more:
        _htmx_add(client, slug, lamp_id)
    assert (first(), new_line(), more()) == (4, 3, 3)
    assert sorted(line.quantity for line in _lines()) == [1, 2]


def test_a_variant_of_another_stores_product_leaves_the_cart_as_it_was(client, shop_with, add):
    store, (mug,) = shop_with((1000, 5))
    _other, (elsewhere,) = shop_with((1000, 5))
    add(store, mug.variants[0], 2)
    assert _htmx_add(client, store.slug, elsewhere.variants[0].id).status_code == 404
    assert [(line.variant_id, line.quantity) for line in _lines()] == [(mug.variants[0].id, 2)]
    assert len(db.session.scalars(select(Cart)).all()) == 1


def test_a_refused_quantity_flashes_and_creates_no_cart(client, shop_with):
    store, (mug,) = shop_with((1000, 5))
    response = client.post(f"/s/{store.slug}/cart/add", data={"variant_id": mug.variants[0].id, "quantity": 0})
    assert response.status_code == 302 and response.headers["Location"] == f"/s/{store.slug}/cart"
    assert "Choose at least one." in client.get(f"/s/{store.slug}/cart").text
    assert db.session.scalars(select(Cart)).all() == []


def test_two_taps_racing_on_one_line_both_count(app, shop_with, add, client, monkeypatch):
    store, (mug,) = shop_with((1000, 50))
    add(store, mug.variants[0])
    cart = db.session.scalar(select(Cart))
    store_id, token, variant_id = store.id, cart.token, mug.variants[0].id
    db.session.commit()
    # Both read the line (one unit) before either writes: each then adds its unit to what the other left.
    barrier, increment = threading.Barrier(2), services._more_of_line

    def after_both_read():
        barrier.wait(timeout=30)
        return increment()

    monkeypatch.setattr(services, "_more_of_line", after_both_read)
    results: list = []

    def tap():
        with app.app_context():
            try:
                added = services.add_to_cart(db.session.get(Store, store_id), token, variant_id, 1)
                db.session.commit()
                results.append(added.count)
            except Exception as exc:  # reported to the main thread, which fails the test
                db.session.rollback()
                results.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=tap) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(isinstance(r, Exception) for r in results), results
    assert sorted(results) == [2, 3]
    db.session.expire_all()
    assert [line.quantity for line in _lines()] == [3]


def test_a_line_removed_since_the_read_is_started_again(shop_with, add, monkeypatch):
    store, (mug,) = shop_with((1000, 50))
    add(store, mug.variants[0], 4)
    token = db.session.scalar(select(Cart.token))
    increment = services._more_of_line

    def removed_in_another_tab():
        db.session.execute(delete(CartLine))
        return increment()

    monkeypatch.setattr(services, "_more_of_line", removed_in_another_tab)
    added = services.add_to_cart(store, token, mug.variants[0].id, 2)
    db.session.commit()
    assert (added.token, added.count) == (token, 2)
    assert [line.quantity for line in _lines()] == [2]
