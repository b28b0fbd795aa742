"""The supplier's webhook endpoint is down for a while: the worker delivers the event after it comes back, once."""
from datetime import timedelta

from sqlalchemy import select, update

from shop.extensions import db
from shop.fulfillment import webhooks
from shop.fulfillment.models import DeliveryStatus, PurchaseOrder, WebhookDelivery
from shop.fulfillment.tasks import forward_order, sweep
from shop.util import now_utc
from tests.faults.worker import wait_for


def _delivery() -> WebhookDelivery:
    db.session.rollback()  # a fresh read: the worker process writes this row
    return db.session.scalar(select(WebhookDelivery))


def _move_clock_to_next_attempt() -> None:
    # The worker's clock cannot be moved, so the wait is taken out of the row instead.
    db.session.execute(update(WebhookDelivery).values(next_attempt_at=now_utc() - timedelta(seconds=1)))
    db.session.commit()


def test_the_worker_delivers_once_after_the_endpoint_comes_back(
        webhook_supplier, make_product, make_paid_order, fake_supplier, worker):
    fake_supplier.default = "fail"
    order_id = make_paid_order(items=[(make_product(webhook_supplier()).variants[0], 1)]).id
    forward_order(order_id)  # the enqueue after payment, into the worker's queue

    for attempt, backoff in enumerate(webhooks.BACKOFF[:4], start=1):
        assert wait_for(lambda: len(fake_supplier.received) == attempt), worker.log()
        assert worker.drain()  # the attempt is settled, not only claimed
        failed = _delivery()
        assert failed.status is DeliveryStatus.pending and failed.attempts == attempt and "503" in failed.last_error
        # The next attempt waits out the backoff (1 min, 5 min, 30 min, 2 h): no attempt before it.
        waited = failed.next_attempt_at.replace(tzinfo=None) - now_utc().replace(tzinfo=None)
        assert backoff - timedelta(seconds=30) < waited <= backoff
        assert len(fake_supplier.received) == attempt
        if attempt < 4:
            _move_clock_to_next_attempt()
    assert fake_supplier.processed == []

    fake_supplier.default = "accept"  # back up
    _move_clock_to_next_attempt()
    done = wait_for(lambda: (d := _delivery()).status is DeliveryStatus.delivered and d)
    assert done, worker.log()
    assert done.last_error == "" and done.attempts == 5
    assert db.session.scalar(select(PurchaseOrder.forwarded_at)) is not None
    wait_for(lambda: False, timeout=1.5)  # more sweeps go by: nothing is sent again
    assert len(fake_supplier.received) == 5 and all(r["valid"] for r in fake_supplier.received)
    assert fake_supplier.processed == [done.event_id]


def test_in_process_three_hours_down_minute_by_minute(
        webhook_supplier, make_product, make_paid_order, fake_supplier, monkeypatch):
    # The same fault with a clock that moves minute by minute: only due attempts go out (1m, 5m, 30m, 2h ...).
    now = [now_utc()]
    monkeypatch.setattr(webhooks, "now_utc", lambda: now[0])
    fake_supplier.default = "fail"
    order = make_paid_order(items=[(make_product(webhook_supplier()).variants[0], 1)])
    forward_order(order.id)
    for _minute in range(180):
        now[0] += timedelta(minutes=1)
        sweep()
    failed = len(fake_supplier.received)
    assert 4 <= failed <= 5 and fake_supplier.processed == []
    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.status is DeliveryStatus.pending and "503" in delivery.last_error

    fake_supplier.default = "accept"
    for _minute in range(8 * 60):
        now[0] += timedelta(minutes=1)
        sweep()
    db.session.expire_all()
    assert delivery.status is DeliveryStatus.delivered and delivery.last_error == ""
    assert len(fake_supplier.received) == failed + 1
    assert fake_supplier.processed == [delivery.event_id]
