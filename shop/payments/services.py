"""What happens when money moves: an order is paid, or lines are refunded."""
import logging

from sqlalchemy import update

from shop.earnings.services import post_refund, post_sale
from shop.extensions import db
from shop.fulfillment.services import create_purchase_orders, settle_order_status
from shop.orders.models import LineStatus, Order, OrderLine, OrderStatus
from shop.orders.services import take_stock
from shop.util import now_utc

from .models import PaymentEvent, Refund
from .providers import get_provider

log = logging.getLogger(__name__)


def record_event(provider: str, event_id: str, type_: str) -> bool:
    """Store a provider event id; False when it was handled before (the caller then does nothing)."""
    savepoint = db.session.begin_nested()
    try:
        db.session.add(PaymentEvent(provider=provider, event_id=event_id, type=type_))
        db.session.flush()
    except Exception:  # the unique constraint: a duplicate delivery
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def complete_payment(order: Order, payment_intent: str = "") -> OrderStatus | None:
    """Mark an order paid: take its stock, split it per supplier, post the ledger.

    Returns the new status, or None when the payment was already handled. Flushes; the caller commits.
    """
    claimed = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.paid_at.is_(None), Order.status == OrderStatus.pending_payment)
        .values(paid_at=now_utc(), payment_intent=payment_intent or order.payment_intent)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return None
    db.session.refresh(order)
    if not take_stock(order):
        order.apply("out_of_stock")
        _refund(order, order.total_minor, f"oos-{order.token}", "out_of_stock")
        for line in order.lines:
            line.status = LineStatus.cancelled
        return order.status
    order.apply("pay")
    db.session.flush()
    create_purchase_orders(order)
    post_sale(order)
    db.session.flush()
    return order.status


def _refund(order: Order, amount: int, key: str, reason: str) -> Refund:
    ref = get_provider(order.payment_provider).refund(order, amount, key)
    refund = Refund(order_id=order.id, amount_minor=amount, currency=order.currency, reason=reason, provider_ref=ref)
    order.refunded_minor += amount
    db.session.add(refund)
    return refund


def refund_lines(order: Order, lines: list[OrderLine], reason: str) -> Refund | None:
    """Refund open lines through the provider, reverse their ledger entries, and settle the order."""
    lines = [line for line in lines if line.status is LineStatus.open]
    if not lines:
        return None
    key = f"refund-{order.token}-" + "-".join(str(line.id) for line in sorted(lines, key=lambda x: x.id))
    refund = _refund(order, sum(line.total for line in lines), key, reason)
    for line in lines:
        line.status = LineStatus.cancelled
    post_refund(order, lines, reason)
    settle_order_status(order)
    db.session.flush()
    return refund
