"""The supplier's webhook endpoint is down for a while: the event is delivered after it comes back, once."""
from datetime import timedelta

from sqlalchemy import select

from shop.extensions import db
from shop.fulfillment import webhooks
from shop.fulfillment.models import DeliveryStatus, PurchaseOrder, WebhookDelivery
from shop.fulfillment.tasks import forward_order, sweep
from shop.util import now_utc


def test_an_endpoint_down_for_three_hours_gets_the_order_once_it_is_back(
        webhook_supplier, make_product, make_paid_order, fake_supplier, monkeypatch):
    now = [now_utc()]
    monkeypatch.setattr(webhooks, "now_utc", lambda: now[0])
    fake_supplier.default = "fail"
    order = make_paid_order(items=[(make_product(webhook_supplier()).variants[0], 1)])
    forward_order(order.id)  # the enqueue after payment: the first attempt fails

    # The periodic sweep runs every minute for three hours; only due attempts go out (1m, 5m, 30m, 2h ...).
    for _minute in range(180):
        now[0] += timedelta(minutes=1)
        sweep()
    failed = len(fake_supplier.received)
    assert 4 <= failed <= 5 and fake_supplier.processed == []
    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.status is DeliveryStatus.pending and "503" in delivery.last_error

    fake_supplier.default = "accept"  # back up
    for _minute in range(8 * 60):
        now[0] += timedelta(minutes=1)
        sweep()
    db.session.expire_all()
    assert delivery.status is DeliveryStatus.delivered and delivery.last_error == ""
    assert len(fake_supplier.received) == failed + 1
    assert fake_supplier.processed == [delivery.event_id]
    assert db.session.scalar(select(PurchaseOrder.forwarded_at)) is not None
