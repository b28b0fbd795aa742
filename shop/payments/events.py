"""Stripe events about money after the sale: refunds made at Stripe, disputes, Connect accounts and transfers."""
import logging
from datetime import datetime, timezone

from sqlalchemy import func, select

from shop.earnings.models import Dispute, DisputeStatus
from shop.earnings.services import post_refund
from shop.extensions import db
from shop.fulfillment.services import settle_order_status
from shop.orders.models import LineStatus, Order
from shop.util import insert_once, now_utc

from . import connect
from .models import Refund

log = logging.getLogger(__name__)

OUTSIDE = "refunded at Stripe"
DISPUTE_CLOSED = {"won": DisputeStatus.won, "warning_closed": DisputeStatus.won, "lost": DisputeStatus.lost}


def _order_for_intent(payment_intent: str | None) -> Order | None:
    if not payment_intent:
        return None
    return db.session.scalar(select(Order).where(Order.payment_intent == payment_intent,
                                                 Order.payment_provider == "stripe"))


def reverse_standing(order: Order, reason: str, kind: str, provider_ref: str) -> Refund | None:
    """The customer got the money back outside the app (a chargeback, a refund at Stripe): book it for every
    line still standing, without asking the provider to refund again."""
    lines = [line for line in order.lines if line.status is not LineStatus.cancelled]
    if not lines:
        return None
    amount = sum(line.total for line in lines)
    refund = Refund(order_id=order.id, amount_minor=amount, currency=order.currency, reason=reason,
                    provider_ref=provider_ref)
    order.refunded_minor += amount
    db.session.add(refund)
    for line in lines:
        line.status = LineStatus.cancelled
    post_refund(order, lines, reason, kind=kind)
    connect.reverse_transfers(order, lines)
    settle_order_status(order)
    db.session.flush()
    return refund


def dispute_changed(kind: str, dispute: dict) -> Dispute | None:
    """Open a dispute (its order's earnings freeze), or close it: won thaws them, lost takes the money back."""
    order = _order_for_intent(dispute.get("payment_intent"))
    if order is None:
        log.warning("dispute %s names no order of ours", dispute.get("id"))
        return None
    insert_once(Dispute, ["provider_ref"], provider_ref=dispute["id"], order_id=order.id,
                amount_minor=int(dispute.get("amount") or 0), currency=order.currency,
                reason=str(dispute.get("reason") or "")[:80], status=DisputeStatus.open, created_at=now_utc())
    row = db.session.scalar(select(Dispute).where(Dispute.provider_ref == dispute["id"]))
    closed = DISPUTE_CLOSED.get(dispute.get("status")) if kind == "charge.dispute.closed" else None
    if closed is not None and row.status is DisputeStatus.open:
        row.status, row.closed_at = closed, now_utc()
        if closed is DisputeStatus.lost:
            reverse_standing(order, "chargeback", "chargeback", dispute["id"])
    return row


def charge_refunded(charge: dict) -> Refund | None:
    """Refunds made in Stripe's dashboard: a full one is booked on every standing line; a partial one cannot be
    matched to lines and is left to the operator (logged). Our own refunds are tagged and skipped."""
    order = _order_for_intent(charge.get("payment_intent"))
    if order is None:
        return None
    # Asked of Stripe rather than read from the order: our own refund may be in flight, not yet committed.
    outside = connect.refunds_made_outside(order.payment_intent)
    booked = db.session.scalar(select(func.coalesce(func.sum(Refund.amount_minor), 0))
                               .where(Refund.order_id == order.id, Refund.reason == OUTSIDE))
    if outside <= booked:
        return None
    standing = sum(line.total for line in order.lines if line.status is not LineStatus.cancelled)
    if outside - booked >= standing:
        return reverse_standing(order, OUTSIDE, "refund", charge.get("id") or "")
    log.error("order %s: %s refunded in Stripe's dashboard, not matched to lines; refund them in the app",
              order.id, outside - booked)
    return None


def handle_money_event(event: dict) -> bool:
    """Apply one verified event of the kinds above; the caller recorded its id in this same transaction."""
    kind, obj, now = event["type"], (event.get("data") or {}).get("object") or {}, now_utc()
    if kind.startswith("charge.dispute."):
        return dispute_changed(kind, obj) is not None
    if kind == "charge.refunded":
        return charge_refunded(obj) is not None
    if kind == "account.updated":
        sent = datetime.fromtimestamp(int(event.get("created") or 0), timezone.utc).replace(tzinfo=None)
        return connect.account_updated(obj, sent) is not None
    if kind == "transfer.reversed":
        return connect.transfer_reversed(obj, now) is not None
    if kind == "payout.failed":
        return connect.payout_failed(event.get("account"), now) is not None
    return False


MONEY_EVENTS = ("charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed",
                "charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated", "charge.refunded",
                "account.updated", "transfer.reversed", "payout.failed")
