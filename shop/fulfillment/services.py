"""Splitting paid orders into purchase orders, and the supplier's shipping and cancelling."""
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import joinedload, selectinload

from shop.extensions import db
from shop.orders.models import LineStatus, Order, OrderLine, OrderStatus
from shop.util import now_utc

from . import webhooks
from .models import POStatus, PurchaseOrder, Shipment


def create_purchase_orders(order: Order) -> list[PurchaseOrder]:
    """One purchase order per supplier in a paid order."""
    by_supplier: dict[int, PurchaseOrder] = {}
    for line in order.lines:
        po = by_supplier.get(line.supplier_id)
        if po is None:
            po = by_supplier[line.supplier_id] = PurchaseOrder(order_id=order.id, supplier_id=line.supplier_id)
            db.session.add(po)
        line.purchase_order = po
    db.session.flush()
    for po in by_supplier.values():
        # In the payment's transaction: the event exists exactly when the purchase order does (an outbox).
        webhooks.record_event(po, webhooks.CREATED)
    return list(by_supplier.values())


def settle_order_status(order: Order) -> None:
    """Move the order on once none of its lines is still open."""
    # Read from the database, not from order.lines: those may have been loaded before another supplier's
    # parcel of the same order was committed, and the order would then stay "paid" for good.
    statuses = set(db.session.scalars(select(OrderLine.status).where(OrderLine.order_id == order.id)))
    if LineStatus.open in statuses:
        return
    if statuses == {LineStatus.cancelled}:
        if order.status is not OrderStatus.refunded:
            order.apply("cancel_all")
    elif order.status is OrderStatus.paid:
        order.apply("ship_all")


class LinesNotOpen(Exception):
    """The lines asked for were shipped or cancelled meanwhile (a double submit, another tab, the API)."""


def lock_purchase_order(po: PurchaseOrder) -> None:
    """Hold the purchase order until commit and reload its lines: a twin request waits, then sees the outcome."""
    db.session.flush()  # reloading below must not drop changes the caller made
    if db.session.get_bind().dialect.name != "postgresql":
        # SQLite has no row locks and pysqlite begins a transaction only at the first write: write now, so the
        # database's single write lock is ours before anything is read.
        db.session.execute(
            update(PurchaseOrder).where(PurchaseOrder.id == po.id).values(id=PurchaseOrder.id)
            .execution_options(synchronize_session=False)
        )
    db.session.scalars(
        select(PurchaseOrder).where(PurchaseOrder.id == po.id).options(selectinload(PurchaseOrder.lines))
        .with_for_update(of=PurchaseOrder).execution_options(populate_existing=True)
    ).one()


def ship_purchase_order(po: PurchaseOrder, carrier: str, tracking_number: str,
                        lines: list[OrderLine] | None = None) -> Shipment:
    """The supplier has handed a parcel to a carrier: the given open lines (default all) ship in one shipment.

    Raises LinesNotOpen, having changed nothing, when a line is no longer open or none is left; the caller rolls
    back, which lets go of the lock.
    """
    lock_purchase_order(po)
    still_open = open_lines(po)
    lines = still_open if lines is None else lines
    if not lines or any(line not in still_open for line in lines):
        raise LinesNotOpen
    shipment = Shipment(purchase_order=po, carrier=carrier, tracking_number=tracking_number, created_at=now_utc())
    db.session.add(shipment)
    for line in lines:
        line.status = LineStatus.shipped
        line.shipment = shipment
    # The purchase order's own fields name the latest parcel, so older readers of them keep working.
    po.carrier, po.tracking_number = carrier, tracking_number
    if not open_lines(po):
        # Shipped only once every line has gone: the earnings hold counts from the parcel that completed it.
        po.status = POStatus.shipped
        po.shipped_at = po.shipped_at or shipment.created_at
    settle_order_status(po.order)
    webhooks.record_event(po, webhooks.UPDATED)
    db.session.flush()
    return shipment


def close_if_cancelled(po: PurchaseOrder) -> None:
    """After lines were cancelled: close the purchase order when none is left, and tell the supplier's webhook."""
    if all(line.status is LineStatus.cancelled for line in po.lines):
        po.status = POStatus.cancelled
        webhooks.record_event(po, webhooks.CANCELLED)
        return
    if po.status is POStatus.open and not open_lines(po):
        # Part went in earlier shipments and the rest is cancelled: shipped, the hold counting from now.
        po.status = POStatus.shipped
        po.shipped_at = po.shipped_at or now_utc()
    webhooks.record_event(po, webhooks.UPDATED)


def cancel_supplier_lines(po: PurchaseOrder, lines: list[OrderLine], reason: str):
    """The supplier cancels open lines: refunded at the supplier's cost, ledger reversed, order settled; flushes.

    Returns the Refund (None if nothing was paid); raises PaymentError when the refund fails, and LinesNotOpen,
    having changed nothing, when a line shipped or was cancelled meanwhile (a parcel is never refunded).
    """
    import shop.payments.services as payment_services  # payments imports fulfillment: look it up at call time

    lock_purchase_order(po)  # the same lock as shipping: a cancel and a shipment of one line never both win
    if not lines or any(line.status is not LineStatus.open for line in lines):
        raise LinesNotOpen
    refund = payment_services.refund_lines(po.order, lines, reason, supplier_fault=True)
    close_if_cancelled(po)
    db.session.flush()
    return refund


TABS = {
    "open": (POStatus.open, (PurchaseOrder.created_at.asc(), PurchaseOrder.id.asc())),
    "shipped": (POStatus.shipped, (PurchaseOrder.shipped_at.desc(), PurchaseOrder.id.desc())),
    "cancelled": (POStatus.cancelled, (PurchaseOrder.created_at.desc(), PurchaseOrder.id.desc())),
}


def supplier_purchase_orders(supplier_id: int, tab: str) -> Select:
    """One supplier's purchase orders in a tab, with what the list shows loaded up front."""
    status, order_by = TABS[tab]
    return (
        select(PurchaseOrder)
        .where(PurchaseOrder.supplier_id == supplier_id, PurchaseOrder.status == status)
        .options(joinedload(PurchaseOrder.order), selectinload(PurchaseOrder.lines))
        .order_by(*order_by)
    )


def load_purchase_order(supplier_id: int, token: str) -> PurchaseOrder | None:
    """A purchase order by its token, only when it belongs to this supplier."""
    return db.session.scalar(
        select(PurchaseOrder)
        .where(PurchaseOrder.token == token, PurchaseOrder.supplier_id == supplier_id)
        .options(joinedload(PurchaseOrder.order), selectinload(PurchaseOrder.lines),
                 selectinload(PurchaseOrder.shipments).selectinload(Shipment.lines))
    )


def open_lines(po: PurchaseOrder, line_ids=None) -> list[OrderLine]:
    """The purchase order's lines still to ship, optionally only those with the given ids."""
    wanted = set(line_ids) if line_ids is not None else None
    return [
        line for line in po.lines
        if line.status is LineStatus.open and (wanted is None or line.id in wanted)
    ]


def tab_counts(supplier_id: int) -> dict[str, int]:
    """How many of the supplier's purchase orders sit in each tab."""
    rows = db.session.execute(
        select(PurchaseOrder.status, func.count())
        .where(PurchaseOrder.supplier_id == supplier_id)
        .group_by(PurchaseOrder.status)
    )
    counts = dict.fromkeys(TABS, 0)
    counts.update({status.value: n for status, n in rows})
    return counts
