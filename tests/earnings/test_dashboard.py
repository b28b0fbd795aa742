"""The reseller's dashboard: figures per period, pending and available earnings, recent orders."""
from datetime import datetime, timedelta

import pytest

from shop.accounts.models import Role
from shop.earnings.services import recent_orders, store_earnings, store_stats
from shop.extensions import db
from shop.fulfillment.services import ship_purchase_order
from shop.orders.models import Cart, CartLine
from shop.orders.services import place_order
from shop.payments.services import refund_lines
from shop.stores.models import Click
from shop.util import now_utc

NOW = datetime(2030, 6, 15, 12, 0)


@pytest.fixture
def shop_floor(make_supplier, make_product, make_store, make_pick, make_paid_order):
    """Two products (commission 12.50 and 8.50 a unit) and a store with a known history, relative to `now`."""

    def build(now=NOW):
        supplier = make_supplier()
        lamp = make_product(supplier=supplier, title="Lamp", variants=((1000, 99),))
        vase = make_product(supplier=supplier, title="Vase", variants=((500, 99),))
        store = make_store()
        make_pick(store, lamp, price=2500)  # fee 2.50, commission 12.50
        make_pick(store, vase, price=1500)  # fee 1.50, commission 8.50
        lamp_v, vase_v = lamp.variants[0], vase.variants[0]

        def order(ago, items, shipped_ago=None, **customer):
            o = make_paid_order(store, items=items, **customer)
            o.paid_at = now - ago
            if shipped_ago is not None:
                po = o.lines[0].purchase_order
                ship_purchase_order(po, "DHL", "1")
                po.shipped_at = now - shipped_ago
            db.session.commit()
            return o

        today = order(timedelta(hours=1), [(lamp_v, 2)], customer_name="Grace Hopper", city="Arlington")
        mixed = order(timedelta(days=3), [(lamp_v, 1), (vase_v, 1)])
        refund_lines(mixed, [mixed.lines[1]], "Out of stock")
        db.session.commit()
        order(timedelta(days=20), [(vase_v, 2)], shipped_ago=timedelta(days=15))
        order(timedelta(days=40), [(lamp_v, 1)], shipped_ago=timedelta(days=35))
        cart = Cart(store_id=store.id, lines=[CartLine(variant_id=lamp_v.id, quantity=5)])
        db.session.add(cart)
        db.session.flush()
        place_order(store, cart, {"customer_name": "Un Paid", "email": "u@example.com", "phone": "1",
                                  "address1": "x", "city": "Nowhere", "country": "GB"}, "en", "USD")
        for ago in (timedelta(hours=2), timedelta(minutes=5), timedelta(days=5), timedelta(days=25), timedelta(days=40)):
            db.session.add(Click(store_id=store.id, visitor="v", created_at=now - ago))
        other = make_store()
        make_paid_order(other, items=[(lamp_v, 3)], customer_name="Someone Else")
        db.session.add(Click(store_id=other.id, visitor="v", created_at=now))
        db.session.commit()
        return store, today

    return build


def test_figures_for_each_period_are_exact(shop_floor):
    store, _ = shop_floor()
    assert store_stats(store.id, NOW) == {
        "today": {"clicks": 2, "orders": 1, "sales": 5000, "earnings": 2500},
        "week": {"clicks": 3, "orders": 2, "sales": 7500, "earnings": 3750},
        "month": {"clicks": 4, "orders": 3, "sales": 10500, "earnings": 5450},
    }


def test_earnings_are_available_once_shipped_and_held(shop_floor):
    store, _ = shop_floor()
    # Shipped 15 and 35 days ago: available. Not shipped yet (the cancelled vase nets to nothing): pending.
    assert store_earnings(store.id, NOW, 7) == {"available": 1700 + 1250, "pending": 2500 + 1250}
    assert store_earnings(store.id, NOW, 30) == {"available": 1250, "pending": 2500 + 1250 + 1700}


def test_recent_orders_carry_the_standing_earning(shop_floor):
    store, today = shop_floor()
    rows = recent_orders(store.id)
    assert [earning for _, earning in rows] == [2500, 1250, 1700, 1250]
    assert rows[0][0].id == today.id


def test_the_dashboard_page_shows_the_figures_and_only_first_names(shop_floor, login):
    store, _ = shop_floor(now=now_utc())
    page = login(store.user).get("/my/")
    assert page.status_code == 200
    text = page.text
    assert '<td id="month-sales">$105.00</td>' in text and '<td id="month-earnings">$54.50</td>' in text
    assert '<td id="month-orders">3</td>' in text and '<td id="month-clicks">4</td>' in text
    assert '<strong id="available">$29.50</strong>' in text and '<strong id="pending">$37.50</strong>' in text
    assert "Grace" in text and "Arlington" in text
    assert "Hopper" not in text and "Lovelace" not in text and "12 Analytical Row" not in text and "ada@example.com" not in text
    assert "Someone" not in text  # another store's customer
    assert "Add your first product" not in text
    assert f"/s/{store.slug}" in text and "/catalog" in text and "/my/share" in text


def test_an_empty_store_is_invited_to_add_its_first_product(make_store, login):
    store = make_store()
    text = login(store.user).get("/my/").text
    assert "Add your first product" in text and "No orders yet." in text


def test_a_reseller_without_a_store_is_sent_to_open_one(make_user, login):
    response = login(make_user(Role.reseller)).get("/my/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/open")


@pytest.mark.parametrize("role", [Role.supplier, Role.admin])
def test_only_resellers_have_a_dashboard(role, make_user, login):
    assert login(make_user(role)).get("/my/").status_code == 404


def test_the_dashboard_runs_the_same_queries_for_few_or_many_orders(
    make_store, make_product, make_paid_order, login, count_queries
):
    store = make_store()
    product = make_product(variants=((1000, 99),))
    client = login(store.user)

    def queries():
        with count_queries() as n:
            assert client.get("/my/").status_code == 200
        return n()

    make_paid_order(store, items=[(product.variants[0], 1)])
    few = queries()
    for _ in range(6):
        make_paid_order(store, items=[(product.variants[0], 2)])
    assert queries() == few
