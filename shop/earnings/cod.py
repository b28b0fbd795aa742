"""Deliveries marked by the supplier: they start the return window, and settle the cash of cash-on-delivery orders."""
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload, selectinload

from shop.extensions import db
from shop.orders.models import LineStatus
from shop.util import insert_once

from .models import Account, Delivery, LedgerEntry, LedgerTransaction, Release


def parcels_to_settle(supplier_id: int, limit: int = 20):
    """The supplier's shipped parcels not yet marked delivered nor released, newest first."""
    # Late: fulfillment's package imports payments, which builds on earnings.
    from shop.fulfillment.models import POStatus, PurchaseOrder

    return db.session.scalars(
        select(PurchaseOrder)
        .where(PurchaseOrder.supplier_id == supplier_id, PurchaseOrder.status == POStatus.shipped,
               ~exists().where(Delivery.purchase_order_id == PurchaseOrder.id),
               ~exists().where(Release.purchase_order_id == PurchaseOrder.id))
        .options(joinedload(PurchaseOrder.order), selectinload(PurchaseOrder.lines))
        .order_by(PurchaseOrder.shipped_at.desc(), PurchaseOrder.id.desc()).limit(limit)
    ).all()


def mark_delivered(po, now: datetime) -> Delivery | None:
    """The parcel arrived (and, cash on delivery, the courier collected the money); None if marked before. Flushes."""
    order = po.order
    lines = [line for line in po.lines if line.status is LineStatus.shipped]
    cash = sum(line.total for line in lines) if order.payment_provider == "cod" else 0
    if not insert_once(Delivery, ["purchase_order_id"], purchase_order_id=po.id, delivered_at=now,
                       cash_collected_minor=cash):
        return None
    if cash:
        # The supplier holds the customer's cash: what the customer owed is settled, and the supplier now owes
        # the platform everything above its wholesale price (fee and margins), netted against its earnings.
        txn = LedgerTransaction(order_id=order.id, kind="cod_collected", memo=f"cash collected, parcel {po.id}",
                                created_at=now)
        for line in lines:
            txn.entries.extend([
                LedgerEntry(account=Account.supplier_payable, amount_minor=line.total, currency=order.currency,
                            order_line_id=line.id, supplier_id=line.supplier_id),
                LedgerEntry(account=Account.customer_payments, amount_minor=-line.total, currency=order.currency,
                            order_line_id=line.id),
            ])
        db.session.add(txn)
    db.session.flush()
    return db.session.scalar(select(Delivery).where(Delivery.purchase_order_id == po.id))
