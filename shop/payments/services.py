"""What happens when money moves: an order is paid, or lines are refunded."""
import logging

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from shop.earnings.services import post_refund, post_sale, post_supplier_charge
from shop.extensions import db
from shop.fulfillment.services import create_purchase_orders, settle_order_status
from shop.orders.models import LineStatus, Order, OrderLine, OrderStatus, next_status
from shop.orders.services import empty_cart, take_stock
from shop.orders.tasks import send_order_confirmation, send_order_failed
from shop.util import insert_once, now_utc

from .connect import record_processor_fee, reverse_transfers
from .events import MONEY_EVENTS, handle_money_event
from .models import PaymentEvent, Refund
from .providers import get_provider

log = logging.getLogger(__name__)


def record_event(provider: str, event_id: str, type_: str) -> bool:
    """Store a provider event id; False when it was handled before (the caller then does nothing)."""
    return insert_once(
        PaymentEvent, ["provider", "event_id"], provider=provider, event_id=event_id, type=type_, created_at=now_utc()
    )


def confirm_payment(provider: str, event_id: str, type_: str, order: Order, payment_intent: str = ""):
    """Record the provider's event and complete the payment, once; None when already handled. Flushes."""
    if not record_event(provider, event_id, type_):
        return None
    return complete_payment(order, payment_intent)


def expire_checkout(provider: str, event_id: str, order: Order) -> OrderStatus | None:
    """The customer never paid and the provider gave up: cancel the order if it still awaits payment."""
    if not record_event(provider, event_id, "expired"):
        return None
    cancelled = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.paid_at.is_(None), Order.status == OrderStatus.pending_payment)
        .values(status=next_status(OrderStatus.pending_payment, "expire"))
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(order)
    return order.status if cancelled.rowcount == 1 else None


def order_for_reference(token: str | None) -> Order | None:
    if not token:
        return None
    return db.session.scalar(select(Order).where(Order.token == token))


# The customer's bank said no to a delayed payment, or the session ran out: the order is cancelled.
GIVING_UP = ("checkout.session.expired", "checkout.session.async_payment_failed")


def handle_stripe_event(event: dict) -> Order | None:
    """Apply a verified Stripe event; the order it changed, or None when there was nothing to do."""
    kind = event.get("type")
    if not event.get("id"):
        return None
    if kind in MONEY_EVENTS:
        if record_event("stripe", event["id"], kind):
            handle_money_event(event)
        return None
    session = (event.get("data") or {}).get("object") or {}
    paying = kind == "checkout.session.async_payment_succeeded" or (
        kind == "checkout.session.completed" and session.get("payment_status") == "paid"
    )
    if not paying and kind not in GIVING_UP:
        return None
    reference = session.get("client_reference_id") or (session.get("metadata") or {}).get("order_token")
    order = order_for_reference(reference)
    if order is None or order.payment_provider != "stripe":
        log.warning("stripe event %s names no order of ours (%s)", event.get("id"), reference)
        return None
    if kind in GIVING_UP:
        return order if expire_checkout("stripe", event["id"], order) else None
    if session.get("amount_total") != order.total_minor or (session.get("currency") or "").upper() != order.currency:
        log.error("stripe event %s: amount does not match order %s", event.get("id"), order.id)
        return None
    status = confirm_payment("stripe", event["id"], kind, order, session.get("payment_intent") or "")
    if status is OrderStatus.paid:
        record_processor_fee(order)
    return order if status else None


def after_payment(order: Order) -> None:
    """Enqueue what follows a committed payment: the customer's mail and the suppliers' purchase orders."""
    after_payment_of(order.id, order.status)


def after_payment_of(order_id: int, status: OrderStatus | None) -> None:
    """after_payment with the order's id and status read before the commit (reading them after it loads the
    order again, with everything the caller loaded with it)."""
    if status is OrderStatus.failed:
        send_order_failed(order_id)
    elif status is OrderStatus.paid:
        send_order_confirmation(order_id)
        _forward_order(order_id)


def _forward_order(order_id: int) -> None:
    # Fulfillment's job is imported late: that package is built beside this one and may not have it yet.
    try:
        from shop.fulfillment.tasks import forward_order
    except ImportError as exc:  # the module, or the job in it, is not there yet
        if exc.name != "shop.fulfillment.tasks":
            raise
        log.warning("shop.fulfillment.tasks.forward_order is missing; order %s was not forwarded", order_id)
        return
    forward_order(order_id)


def complete_payment(order: Order, payment_intent: str = "") -> OrderStatus | None:
    """Mark an order paid: take its stock, split it per supplier, post the ledger.

    Returns the new status, or None when the payment was already handled. Flushes; the caller commits.
    """
    paid_at, intent = now_utc(), payment_intent or order.payment_intent
    pending = OrderStatus.pending_payment
    # The claim marks the order paid at once (one statement fewer); running out of stock below changes that.
    claimed = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.paid_at.is_(None), Order.status == pending)
        .values(paid_at=paid_at, payment_intent=intent, status=next_status(pending, "pay"))
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return None
    # The claim succeeded, so the row is as loaded but for these (an unpaid order changes no other way):
    # set them as committed rather than load the order and its lines again.
    set_committed_value(order, "paid_at", paid_at)
    set_committed_value(order, "payment_intent", intent)
    set_committed_value(order, "status", next_status(pending, "pay"))
    if not take_stock(order):
        order.status = next_status(pending, "out_of_stock")
        _refund(order, order.total_minor, f"oos-{order.token}", "out_of_stock")
        for line in order.lines:
            line.status = LineStatus.cancelled
        return order.status
    empty_cart(order.cart_id)
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


def refund_lines(order: Order, lines: list[OrderLine], reason: str, supplier_fault: bool = False,
                 returned: bool = False) -> Refund | None:
    """Refund open lines (or shipped ones the customer sent back) through the provider, reverse their ledger
    entries, take back what was transferred for them, and settle the order.

    When the supplier caused the cancellation it is charged instead of the reseller, who keeps the margin.
    """
    # Only money that was taken can be given back; an unpaid order has nothing to refund.
    if order.paid_at is None:
        return None
    refundable = (LineStatus.open, LineStatus.shipped) if returned else (LineStatus.open,)
    lines = [line for line in lines if line.status in refundable]
    if not lines:
        return None
    key = f"refund-{order.token}-" + "-".join(str(line.id) for line in sorted(lines, key=lambda x: x.id))
    refund = _refund(order, sum(line.total for line in lines), key, reason)
    for line in lines:
        line.status = LineStatus.cancelled
    (post_supplier_charge if supplier_fault else post_refund)(order, lines, reason)
    reverse_transfers(order, lines)
    settle_order_status(order)
    db.session.flush()
    return refund
