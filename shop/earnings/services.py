"""Ledger postings for sales and refunds, and the balances read from them."""
from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from shop.extensions import db
from shop.orders.models import LineStatus, Order, OrderLine, OrderStatus
from shop.stores.models import Click, Pick

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


SOLD = (OrderStatus.paid, OrderStatus.shipped, OrderStatus.refunded)  # paid, or later
PERIODS = ("today", "week", "month")


def period_starts(now: datetime) -> dict[str, datetime]:
    """Where each dashboard period begins: midnight today (UTC), 7 and 30 days ago."""
    return {
        "today": now.replace(hour=0, minute=0, second=0, microsecond=0),
        "week": now - timedelta(days=7),
        "month": now - timedelta(days=30),
    }


def _per_period(column, starts: dict[str, datetime], value=1, measure: str = "n") -> list:
    """One sum of `value` per period, counting rows whose `column` falls inside it."""
    return [
        func.coalesce(func.sum(case((column >= start, value), else_=0)), 0).label(f"{measure}_{name}")
        for name, start in starts.items()
    ]


def _live(value):
    """A line amount that counts only while the line is not cancelled."""
    return case((OrderLine.status != LineStatus.cancelled, value), else_=0)


def _commission():
    return (OrderLine.unit_price_minor - OrderLine.unit_wholesale_minor - OrderLine.unit_fee_minor) * OrderLine.quantity


def store_stats(store_id: int, now: datetime) -> dict[str, dict[str, int]]:
    """Clicks, orders, sales and earnings of a store for each period, in three aggregate queries."""
    starts = period_starts(now)
    since = min(starts.values())
    clicks = db.session.execute(
        select(*_per_period(Click.created_at, starts)).where(Click.store_id == store_id, Click.created_at >= since)
    ).one()
    sold = (Order.store_id == store_id, Order.status.in_(SOLD), Order.paid_at >= since)
    orders = db.session.execute(select(*_per_period(Order.paid_at, starts)).where(*sold)).one()
    line_rows = db.session.execute(
        select(
            *_per_period(Order.paid_at, starts, _live(OrderLine.unit_price_minor * OrderLine.quantity), "sales"),
            *_per_period(Order.paid_at, starts, _live(_commission()), "earnings"),
        )
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(*sold)
    ).one()
    n = len(PERIODS)
    return {
        name: {
            "clicks": int(clicks[i]),
            "orders": int(orders[i]),
            "sales": int(line_rows[i]),
            "earnings": int(line_rows[n + i]),
        }
        for i, name in enumerate(PERIODS)
    }


def recent_orders(store_id: int, limit: int = 10) -> list[tuple[Order, int]]:
    """The store's latest paid orders, each with the reseller's earning on its lines still standing."""
    earning = func.coalesce(func.sum(_live(_commission())), 0)
    rows = db.session.execute(
        select(Order, earning)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.store_id == store_id, Order.status.in_(SOLD))
        .group_by(Order.id)
        .order_by(Order.paid_at.desc(), Order.id.desc())
        .limit(limit)
    )
    return [(order, int(amount)) for order, amount in rows]


def has_picks(store_id: int) -> bool:
    return db.session.scalar(select(Pick.id).where(Pick.store_id == store_id).limit(1)) is not None
