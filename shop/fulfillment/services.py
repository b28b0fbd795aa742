"""Splitting paid orders into purchase orders, and the supplier's shipping and cancelling."""
from shop.extensions import db
from shop.orders.models import LineStatus, Order, OrderStatus
from shop.util import now_utc

from .models import POStatus, PurchaseOrder


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
    return list(by_supplier.values())


def settle_order_status(order: Order) -> None:
    """Move the order on once none of its lines is still open."""
    statuses = {line.status for line in order.lines}
    if LineStatus.open in statuses:
        return
    if statuses == {LineStatus.cancelled}:
        if order.status is not OrderStatus.refunded:
            order.apply("cancel_all")
    elif order.status is OrderStatus.paid:
        order.apply("ship_all")


def ship_purchase_order(po: PurchaseOrder, carrier: str, tracking_number: str) -> None:
    """The supplier has handed the parcel to a carrier; its open lines are shipped."""
    po.carrier = carrier
    po.tracking_number = tracking_number
    po.shipped_at = po.shipped_at or now_utc()
    po.status = POStatus.shipped
    for line in po.lines:
        if line.status is LineStatus.open:
            line.status = LineStatus.shipped
    settle_order_status(po.order)


def close_if_cancelled(po: PurchaseOrder) -> None:
    if all(line.status is LineStatus.cancelled for line in po.lines):
        po.status = POStatus.cancelled
