"""The supplier cancels a line after payment: that line is refunded, the ledger reversed, and the worker tells the
customer and the supplier's webhook."""
from sqlalchemy import func, select

from shop.earnings.models import LedgerEntry
from shop.earnings.services import unbalanced_transactions
from shop.extensions import db
from shop.fulfillment.models import POStatus, PurchaseOrder, WebhookDelivery
from shop.orders.models import LineStatus, Order
from shop.payments.models import Refund
from tests.faults.worker import wait_for


def test_a_cancelled_line_is_refunded_reversed_told_and_sent_to_the_webhook(
        webhook_supplier, make_product, make_store, make_paid_order, login, outbox, fake_supplier, worker):
    supplier = webhook_supplier()
    kettle, lid = make_product(supplier, title="Kettle"), make_product(supplier, title="Lid")
    order = make_paid_order(items=[(kettle.variants[0], 1), (lid.variants[0], 2)])
    po = db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.order_id == order.id))
    lid_line = next(line for line in po.lines if line.title == "Lid")
    entries = db.session.scalar(select(func.count(LedgerEntry.id)))

    response = login(supplier.user).post(f"/supplier/orders/{po.token}/cancel",
                                         data={"line_ids": [lid_line.id], "reason": "Out of stock"})
    assert response.status_code == 302
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    [refund] = db.session.scalars(select(Refund)).all()
    assert refund.amount_minor == lid_line.total and order.refunded_minor == lid_line.total
    assert {line.title: line.status for line in order.lines} == {"Kettle": LineStatus.open, "Lid": LineStatus.cancelled}
    assert db.session.scalar(select(func.count(LedgerEntry.id))) > entries and unbalanced_transactions() == []
    assert wait_for(lambda: [m for m in outbox() if m["To"] == order.email]), worker.log()
    assert wait_for(lambda: len(fake_supplier.received) == 2), worker.log()
    wait_for(lambda: False, timeout=1.5)  # the sweeps that follow send nothing twice
    assert worker.drain()
    [mail] = [m for m in outbox() if m["To"] == order.email]
    assert "Lid" in mail.get_content() and "Out of stock" in mail.get_content()
    db.session.rollback()
    assert db.session.get(PurchaseOrder, po.id).status is POStatus.open
    types = [d.event_type for d in db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))]
    assert types == ["purchase_order.created", "purchase_order.updated"]
    # Sent by the worker in order: the created event (by the sweep, or still queued), then the update.
    assert [r["type"] for r in fake_supplier.received] == types
