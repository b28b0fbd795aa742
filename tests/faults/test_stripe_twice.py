"""Stripe sends the same webhook twice, or out of order: one order, the right state, and the worker forwards it
to the supplier once."""
import copy

from sqlalchemy import func, select

from shop.earnings.models import LedgerEntry
from shop.earnings.services import unbalanced_transactions
from shop.extensions import db
from shop.fulfillment.channels import save_channel
from shop.fulfillment.models import PurchaseOrder, WebhookDelivery
from shop.orders.models import Order, OrderStatus
from tests.faults.worker import wait_for
from tests.payments.conftest import WEBHOOK_SECRET

WEBHOOK = "/payments/stripe/webhook"


def _checkout(client, shop_with, add, address, stripe_fake, fake_supplier):
    store, (mug,) = shop_with((1000, 5), price=1500)
    fake_supplier.secret = save_channel(mug.supplier_id, "webhook", fake_supplier.url, "").webhook_secret
    db.session.commit()
    add(store, mug.variants[0], 1)
    client.post(f"/s/{store.slug}/checkout", data=address)
    [session] = stripe_fake.sessions.values()
    return db.session.scalar(select(Order)), session


def _post(client, stripe_fake, type_, session):
    payload, headers = stripe_fake.event(type_, session, WEBHOOK_SECRET)
    response = client.post(WEBHOOK, data=payload, headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 200
    return payload, headers


def _forwarded_once(worker, fake_supplier, outbox, order) -> None:
    """The worker sends the one created event and the one confirmation, and later sweeps add nothing."""
    assert wait_for(lambda: fake_supplier.processed and [m for m in outbox() if m["To"] == order.email]), worker.log()
    wait_for(lambda: False, timeout=1.5)
    assert worker.drain()
    assert [r["type"] for r in fake_supplier.received] == ["purchase_order.created"]
    assert len(fake_supplier.processed) == 1
    assert len([m for m in outbox() if m["To"] == order.email]) == 1
    db.session.rollback()
    assert db.session.scalar(select(PurchaseOrder.forwarded_at)) is not None


def _counts():
    return tuple(db.session.scalar(select(func.count(model.id))) for model in (PurchaseOrder, WebhookDelivery,
                                                                                LedgerEntry))


def test_the_same_event_twice_makes_one_order_and_one_supplier_event(
        client, shop_with, add, address, stripe_fake, fake_supplier, worker, outbox):
    order, session = _checkout(client, shop_with, add, address, stripe_fake, fake_supplier)
    payload, headers = _post(client, stripe_fake, "checkout.session.completed", stripe_fake.pay(session["id"]))
    first = _counts()
    for _again in range(2):  # Stripe retries a delivery it thinks failed, byte for byte
        assert client.post(WEBHOOK, data=payload, headers={**headers, "Content-Type": "application/json"}
                           ).status_code == 200
    db.session.expire_all()
    assert order.status is OrderStatus.paid
    assert _counts() == first and first[:2] == (1, 1)
    assert unbalanced_transactions() == []
    _forwarded_once(worker, fake_supplier, outbox, order)


def test_events_out_of_order_leave_the_right_state(client, shop_with, add, address, stripe_fake, fake_supplier,
                                                   worker, outbox):
    order, session = _checkout(client, shop_with, add, address, stripe_fake, fake_supplier)
    unpaid = copy.deepcopy(stripe_fake.pay(session["id"], payment_status="unpaid"))
    paid = copy.deepcopy(stripe_fake.pay(session["id"]))
    # The async success overtakes the earlier "completed, unpaid"; an expiry straggles in last.
    _post(client, stripe_fake, "checkout.session.async_payment_succeeded", paid)
    _post(client, stripe_fake, "checkout.session.completed", unpaid)
    _post(client, stripe_fake, "checkout.session.completed", paid)
    _post(client, stripe_fake, "checkout.session.expired", {**paid, "status": "expired"})
    db.session.expire_all()
    assert order.status is OrderStatus.paid
    first = _counts()
    _post(client, stripe_fake, "checkout.session.async_payment_succeeded", paid)
    assert _counts() == first and first[:2] == (1, 1)
    assert unbalanced_transactions() == []
    _forwarded_once(worker, fake_supplier, outbox, order)
