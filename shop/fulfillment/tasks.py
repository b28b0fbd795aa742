"""Jobs: forward paid orders to suppliers, and tell customers about shipping and cancellations."""
from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload

from shop.extensions import db, job
from shop.mail import render_mail, send_mail
from shop.orders.models import Order, OrderLine, OrderStatus
from shop.payments.models import Refund
from shop.util import insert_once, now_utc

from .models import Notice, POStatus, PurchaseOrder


def _send_then_commit(to: str, subject: str, body: str) -> None:
    """Send inside the transaction that recorded the mail, so a failed send is retried, not lost."""
    try:
        send_mail(to, subject, body)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()


def _claim_notice(key: str) -> bool:
    """Record that the mail `key` goes out now; False when it went out before."""
    return insert_once(Notice, ["key"], key=key, sent_at=now_utc())


@job()
def forward_order(order_id: int) -> None:
    """Email every supplier of a paid order its purchase order, once each."""
    po_ids = db.session.scalars(
        select(PurchaseOrder.id).where(
            PurchaseOrder.order_id == order_id,
            PurchaseOrder.status == POStatus.open,
            PurchaseOrder.forwarded_at.is_(None),
        )
    ).all()
    for po_id in po_ids:
        _forward(po_id)


def _forward(po_id: int) -> None:
    # The conditional UPDATE claims the purchase order: a second run (or a racing one) finds it taken.
    claimed = db.session.execute(
        update(PurchaseOrder)
        .where(PurchaseOrder.id == po_id, PurchaseOrder.forwarded_at.is_(None))
        .values(forwarded_at=now_utc())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        return
    po = db.session.scalar(
        select(PurchaseOrder)
        .where(PurchaseOrder.id == po_id)
        .options(joinedload(PurchaseOrder.order), joinedload(PurchaseOrder.supplier), selectinload(PurchaseOrder.lines))
    )
    supplier = po.supplier
    locale = (supplier.user.locale if supplier.user else None) or "en"
    subject, body = render_mail("purchase_order", locale, po=po, order=po.order, supplier=supplier)
    _send_then_commit(supplier.email, subject, body)


@job()
def send_shipped_email(po_id: int) -> None:
    """Tell the customer a parcel is on its way, with the carrier and tracking number."""
    po = db.session.get(PurchaseOrder, po_id)
    if po is None or po.status is not POStatus.shipped or not _claim_notice(f"shipped-{po_id}"):
        return
    order = po.order
    subject, body = render_mail("shipped", order.locale, po=po, order=order)
    _send_then_commit(order.email, subject, body)


@job()
def send_lines_cancelled_email(refund_id: int, line_ids: list[int]) -> None:
    """Tell the customer which items a supplier cancelled and that they were refunded."""
    refund = db.session.get(Refund, refund_id)
    if refund is None or not _claim_notice(f"refund-{refund_id}"):
        return
    order = db.session.get(Order, refund.order_id)
    lines = db.session.scalars(
        select(OrderLine).where(OrderLine.order_id == order.id, OrderLine.id.in_(line_ids)).order_by(OrderLine.id)
    ).all()
    subject, body = render_mail("lines_cancelled", order.locale, order=order, lines=lines, refund=refund)
    _send_then_commit(order.email, subject, body)


def forward_due() -> list[int]:
    """Enqueue forwarding for every paid order that still has a purchase order not sent; returns their ids."""
    order_ids = db.session.scalars(
        select(PurchaseOrder.order_id)
        .join(Order, Order.id == PurchaseOrder.order_id)
        .where(
            Order.status == OrderStatus.paid,
            PurchaseOrder.status == POStatus.open,
            PurchaseOrder.forwarded_at.is_(None),
        )
        .distinct()
        .order_by(PurchaseOrder.order_id)
    ).all()
    for order_id in order_ids:
        forward_order(order_id)
    if order_ids:
        current_app.logger.info("forwarding %d orders", len(order_ids))
    return list(order_ids)
