"""The worker is killed (SIGKILL) while it forwards an order: after a restart the order is delivered, once."""
import time

from sqlalchemy import select

from shop.extensions import db
from shop.fulfillment.models import DeliveryStatus, PurchaseOrder, WebhookDelivery
from tests.faults.worker import wait_for


def _delivery() -> WebhookDelivery:
    db.session.rollback()  # a fresh read: the worker process writes these rows
    return db.session.scalar(select(WebhookDelivery))


def test_a_worker_killed_mid_forward_delivers_after_restart_once(webhook_supplier, make_product, make_paid_order,
                                                                 fake_supplier, own_worker):
    worker = own_worker  # its lease is one second: the attempt the killed worker held is due again a second later
    fake_supplier.modes = ["hang"]  # the supplier takes the first request and never answers
    order_id = make_paid_order(items=[(make_product(webhook_supplier()).variants[0], 1)]).id
    db.session.remove()

    worker.start(PIPELINE_HTTP_TIMEOUT="20")  # its start-up sweep finds the paid order's queued event
    assert fake_supplier.hanging.wait(20), worker.log()
    worker.kill()
    fake_supplier.release.set()
    held = _delivery()
    assert held.status is DeliveryStatus.pending and held.attempts == 1 and held.delivered_at is None

    time.sleep(1.1)  # the dead worker's lease runs out
    worker.start()
    done = wait_for(lambda: (d := _delivery()).status is DeliveryStatus.delivered and d)
    assert done, worker.log()
    assert done.attempts == 2
    assert [r["id"] for r in fake_supplier.received] == [done.event_id, done.event_id]
    assert all(r["valid"] for r in fake_supplier.received)
    assert fake_supplier.processed == [done.event_id]  # the supplier dedupes on the event id: one order
    po = db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.order_id == order_id))
    assert po.forwarded_at is not None
    assert db.session.scalar(select(db.func.count(WebhookDelivery.id))) == 1
