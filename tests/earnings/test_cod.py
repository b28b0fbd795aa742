"""Cash on delivery: offered when the operator switches it on, reconciled when the supplier marks it delivered."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from shop.earnings.ledger import check_ledger
from shop.earnings.lifecycle import Payee, balances, release_due, set_rule
from shop.earnings.models import Delivery
from shop.extensions import db
from shop.fulfillment.services import ship_purchase_order
from shop.orders.models import Order, OrderStatus
from shop.util import now_utc
from tests.orders.conftest import add, address, shop_with  # noqa: F401


def test_without_the_switch_cash_on_delivery_is_neither_offered_nor_taken(client, shop_with, add, address):  # noqa: F811
    store, (mug,) = shop_with((1000, 5), price=1500)
    add(store, mug.variants[0], 1)
    assert 'value="cod"' not in client.get(f"/s/{store.slug}/checkout").text
    client.post(f"/s/{store.slug}/checkout", data={**address, "payment_method": "cod"})
    order = db.session.scalar(select(Order))
    assert order.payment_provider == "demo" and order.status is OrderStatus.pending_payment


@pytest.fixture
def cod_order(client, shop_with, add, address):  # noqa: F811
    set_rule("cod_enabled", 1)
    db.session.commit()
    store, (mug,) = shop_with((1000, 5), price=1500)
    add(store, mug.variants[0], 2)
    assert 'value="cod"' in client.get(f"/s/{store.slug}/checkout").text
    response = client.post(f"/s/{store.slug}/checkout", data={**address, "payment_method": "cod"})
    order = db.session.scalar(select(Order))
    assert response.headers["Location"] == f"/o/{order.token}"
    return order


def test_a_cash_on_delivery_order_goes_to_the_supplier_at_once(cod_order):
    assert cod_order.payment_provider == "cod" and cod_order.status is OrderStatus.paid
    assert cod_order.lines[0].purchase_order is not None
    assert check_ledger() == []


def test_the_supplier_marks_it_delivered_and_paid_and_owes_the_platform_the_rest(cod_order, login, make_supplier):
    line = cod_order.lines[0]
    po = line.purchase_order
    ship_purchase_order(po, "DHL", "T1")
    db.session.commit()
    supplier = po.supplier
    page = login(supplier.user).get("/supplier/money").text
    assert f'id="parcel-{po.id}"' in page and "$30.00 cash collected" in page
    assert login(make_supplier().user).post("/supplier/money/delivered", data={"token": po.token}).status_code == 404
    login(supplier.user).post("/supplier/money/delivered", data={"token": po.token})
    login(supplier.user).post("/supplier/money/delivered", data={"token": po.token})  # twice: once
    delivery = db.session.scalar(select(Delivery))
    assert delivery.cash_collected_minor == 3000
    release_due(now_utc() + timedelta(days=8))
    db.session.commit()
    # The supplier keeps the cash: it owes everything above its wholesale price.
    assert balances(Payee("supplier", supplier.id))["available"] == -(line.total - line.wholesale_total)
    assert balances(Payee("store", cod_order.store_id))["available"] == line.commission_total
    assert check_ledger() == []
