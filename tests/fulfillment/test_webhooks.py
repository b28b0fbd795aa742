"""Signed webhooks to suppliers: an outbox row per event, signed delivery, backoff, dead letters, send again."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from shop.extensions import db
from shop.fulfillment import webhooks
from shop.fulfillment.models import DeliveryStatus, POStatus, PurchaseOrder, WebhookDelivery
from shop.fulfillment.services import close_if_cancelled, ship_purchase_order
from shop.fulfillment.tasks import forward_order, sweep
from shop.payments.services import refund_lines
from shop.util import now_utc
from tests.fulfillment.conftest import verify_signature


@pytest.fixture
def clock(monkeypatch):
    """A clock the test moves: the webhook code reads it for claims, backoff and due times."""
    now = [now_utc()]
    monkeypatch.setattr(webhooks, "now_utc", lambda: now[0])

    def move(**delta):
        now[0] += timedelta(**delta)
        return now[0]

    return move


def _po(order) -> PurchaseOrder:
    return db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.order_id == order.id))


def test_the_signature_is_stripe_style_and_verifiable():
    header = webhooks.sign("whsec_abc", 1700000000, b'{"a":1}')
    assert header.startswith("t=1700000000,v1=") and len(header.split("v1=")[1]) == 64
    assert not verify_signature("whsec_abc", header, b'{"a":1}')  # older than the tolerance
    import time

    fresh = webhooks.sign("whsec_abc", int(time.time()), b'{"a":1}')
    assert verify_signature("whsec_abc", fresh, b'{"a":1}')
    assert not verify_signature("whsec_other", fresh, b'{"a":1}')
    assert not verify_signature("whsec_abc", fresh, b'{"a":2}')


def test_paying_records_the_created_event_in_the_same_transaction(webhook_supplier, make_product, make_paid_order,
                                                                   fake_supplier):
    supplier = webhook_supplier()
    order = make_paid_order(items=[(make_product(supplier).variants[0], 2)])
    [delivery] = db.session.scalars(select(WebhookDelivery)).all()
    assert delivery.status is DeliveryStatus.pending and delivery.attempts == 0
    event = json.loads(delivery.payload)
    assert event["id"] == delivery.event_id and event["type"] == "purchase_order.created"
    po = event["data"]["purchase_order"]
    assert po["token"] == _po(order).token and po["order_number"] == order.id
    assert po["lines"][0]["quantity"] == 2 and po["ship_to"]["name"] == "Ada Lovelace"
    assert fake_supplier.received == []  # nothing leaves before the transaction is committed and a job runs


def test_forwarding_delivers_the_signed_event_once(webhook_supplier, make_product, make_paid_order, fake_supplier,
                                                   outbox):
    supplier = webhook_supplier()
    order = make_paid_order(items=[(make_product(supplier).variants[0], 1)])
    forward_order.call_local(order.id)
    forward_order.call_local(order.id)
    assert sweep() == {"deliveries": [], "orders": []}

    [received] = fake_supplier.received
    assert received["valid"] and received["type"] == "purchase_order.created"
    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.status is DeliveryStatus.delivered and delivery.attempts == 1
    assert _po(order).forwarded_at is not None
    assert outbox() == []  # the supplier chose the webhook, not email


def test_a_failing_endpoint_backs_off_for_more_than_a_day_then_dead_letters(
        webhook_supplier, make_product, make_paid_order, fake_supplier, clock):
    fake_supplier.default = "fail"
    order = make_paid_order(items=[(make_product(webhook_supplier()).variants[0], 1)])
    delivery_id = db.session.scalar(select(WebhookDelivery.id))
    waits = []
    for _attempt in range(len(webhooks.BACKOFF) + 1):
        assert webhooks.attempt_delivery(delivery_id) in (DeliveryStatus.pending, DeliveryStatus.dead)
        delivery = db.session.get(WebhookDelivery, delivery_id)
        if delivery.status is DeliveryStatus.pending:
            assert webhooks.attempt_delivery(delivery_id) is None  # not due yet
            wait = delivery.next_attempt_at - clock()
            waits.append(wait)
            clock(seconds=wait.total_seconds())
    assert delivery.status is DeliveryStatus.dead and delivery.attempts == 8
    assert "503" in delivery.last_error
    assert waits == sorted(waits) and sum(waits, timedelta()) >= timedelta(hours=24)
    assert len(fake_supplier.received) == 8 and fake_supplier.processed == []
    assert _po(order).forwarded_at is None

    fake_supplier.default = "accept"
    assert webhooks.send_again(_po(order).id) == 1
    db.session.commit()
    assert webhooks.attempt_delivery(delivery_id) is DeliveryStatus.delivered
    assert fake_supplier.processed == [delivery.event_id]
    assert _po(order).forwarded_at is not None


def test_shipping_and_cancelling_send_updated_and_cancelled_events(
        webhook_supplier, make_product, make_paid_order, fake_supplier):
    supplier = webhook_supplier()
    shipped = make_paid_order(items=[(make_product(supplier).variants[0], 1)])
    cancelled = make_paid_order(items=[(make_product(supplier).variants[0], 1)])
    ship_purchase_order(_po(shipped), "DHL", "JD0001")
    po = _po(cancelled)
    refund_lines(cancelled, list(po.lines), "Out of stock")
    close_if_cancelled(po)
    db.session.commit()
    assert po.status is POStatus.cancelled
    sweep()
    types = sorted(r["type"] for r in fake_supplier.received)
    assert types == ["purchase_order.cancelled", "purchase_order.created", "purchase_order.created",
                     "purchase_order.updated"]
    updated = db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.event_type == webhooks.UPDATED))
    assert json.loads(updated.payload)["data"]["purchase_order"]["tracking_number"] == "JD0001"


def test_a_huge_answer_is_refused_without_reading_it(webhook_supplier, make_product, make_paid_order, fake_supplier):
    fake_supplier.default = "huge"
    make_paid_order(items=[(make_product(webhook_supplier()).variants[0], 1)])
    [delivery_id] = webhooks.due_deliveries()
    assert webhooks.attempt_delivery(delivery_id) is DeliveryStatus.pending
    delivery = db.session.get(WebhookDelivery, delivery_id)
    assert "larger than 64 KB" in delivery.last_error and delivery.delivered_at is None


def test_private_addresses_are_refused_unless_allowed(app, webhook_supplier, make_product, make_paid_order,
                                                      fake_supplier):
    app.config["PIPELINE_ALLOW_PRIVATE_URLS"] = False
    make_paid_order(items=[(make_product(webhook_supplier()).variants[0], 1)])
    [delivery_id] = webhooks.due_deliveries()
    webhooks.attempt_delivery(delivery_id)
    assert "private network" in db.session.get(WebhookDelivery, delivery_id).last_error
    assert fake_supplier.received == []


def test_a_sweep_queues_a_slice_of_deliveries_and_leaves_the_rest_to_a_later_job(
        webhook_supplier, make_product, make_paid_order, monkeypatch):
    # A backlog of deliveries queued all at once made every order paid meanwhile wait behind it.
    from shop.fulfillment import tasks

    supplier = webhook_supplier()
    for _ in range(5):
        make_paid_order(items=[(make_product(supplier).variants[0], 1)])
    due = webhooks.due_deliveries()
    queued = []
    monkeypatch.setattr(tasks, "DELIVERY_SLICE", 2)
    monkeypatch.setattr(tasks, "send_delivery", lambda delivery_id: queued.append(("send", delivery_id)))
    monkeypatch.setattr(tasks, "deliver_rest", lambda delivery_ids: queued.append(("rest", delivery_ids)))
    monkeypatch.setattr(tasks, "forward_order", lambda order_id: None)

    assert len(due) == 5 and sweep()["deliveries"] == due
    assert queued == [("send", due[0]), ("send", due[1]), ("rest", due[2:])]


def test_every_delivery_of_a_sweep_is_sent_slice_by_slice(
        webhook_supplier, make_product, make_paid_order, fake_supplier, monkeypatch):
    from shop.fulfillment import tasks

    monkeypatch.setattr(tasks, "DELIVERY_SLICE", 2)
    supplier = webhook_supplier()
    for _ in range(5):
        make_paid_order(items=[(make_product(supplier).variants[0], 1)])
    due = webhooks.due_deliveries()

    assert len(due) == 5 and sweep()["deliveries"] == due  # immediate mode ran every job
    sent = db.session.scalars(select(WebhookDelivery.status).where(WebhookDelivery.id.in_(due))).all()
    assert sent == [DeliveryStatus.delivered] * 5 and len(fake_supplier.received) == 5
    assert webhooks.due_deliveries() == []
