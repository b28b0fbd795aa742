"""Ledger postings for sales and refunds, and the balances read from them."""
from datetime import datetime, timedelta

from sqlalchemy import func, select

from shop.extensions import db
from shop.orders.models import LineStatus, Order, OrderLine

from .models import Account, LedgerEntry, LedgerTransaction


def _line_entries(order: Order, line: OrderLine, sign: int) -> list[LedgerEntry]:
    """The four legs of one line: cash in, owed to the supplier, the fee, the reseller's commission."""
    cur = order.currency
    legs = [
        (Account.customer_payments, line.total, {}),
        (Account.supplier_payable, -line.wholesale_total, {"supplier_id": line.supplier_id}),
        (Account.platform_fees, -line.fee_total, {}),
        (Account.reseller_earnings, -line.commission_total, {"store_id": order.store_id}),
    ]
    return [
        LedgerEntry(account=acc, amount_minor=sign * amount, currency=cur, order_line_id=line.id, **party)
        for acc, amount, party in legs
    ]


def _post(order: Order, kind: str, lines: list[OrderLine], sign: int, memo: str) -> LedgerTransaction:
    txn = LedgerTransaction(order_id=order.id, kind=kind, memo=memo)
    for line in lines:
        txn.entries.extend(_line_entries(order, line, sign))
    assert sum(e.amount_minor for e in txn.entries) == 0, "unbalanced ledger transaction"
    db.session.add(txn)
    return txn


def post_sale(order: Order) -> LedgerTransaction:
    return _post(order, "sale", list(order.lines), 1, f"order {order.id} paid")


def post_refund(order: Order, lines: list[OrderLine], reason: str) -> LedgerTransaction:
    """Reverse the sale entries of refunded lines."""
    return _post(order, "refund", lines, -1, reason)


def unbalanced_transactions() -> list[int]:
    """Ids of ledger transactions whose entries do not sum to zero."""
    rows = db.session.execute(
        select(LedgerEntry.transaction_id)
        .group_by(LedgerEntry.transaction_id)
        .having(func.sum(LedgerEntry.amount_minor) != 0)
    )
    return [r[0] for r in rows]


def store_earnings(store_id: int, now: datetime, hold_days: int) -> dict:
    """A reseller's earnings split into pending (not yet shipped + hold) and available."""
    from shop.fulfillment.models import PurchaseOrder

    release = now - timedelta(days=hold_days)
    rows = db.session.execute(
        select(LedgerEntry.amount_minor, PurchaseOrder.shipped_at, OrderLine.status)
        .join(OrderLine, OrderLine.id == LedgerEntry.order_line_id)
        .outerjoin(PurchaseOrder, PurchaseOrder.id == OrderLine.purchase_order_id)
        .where(LedgerEntry.store_id == store_id, LedgerEntry.account == Account.reseller_earnings)
    )
    pending = available = 0
    for amount, shipped_at, status in rows:
        earned = -amount
        if status is LineStatus.shipped and shipped_at and shipped_at <= release:
            available += earned
        else:
            pending += earned
    return {"pending": pending, "available": available}
