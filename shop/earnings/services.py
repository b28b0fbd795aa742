"""Ledger postings for sales and refunds, and the balances read from them."""
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from shop.extensions import db
from shop.orders.models import LineStatus, Order, OrderLine, OrderStatus
from shop.referrals.services import line_overrides, override_chain
from shop.stores.models import Click, Pick, Store
from shop.util import now_utc

from .models import Account, LedgerEntry, LedgerTransaction


def _line_entries(order: Order, line: OrderLine, sign: int) -> list[LedgerEntry]:
    """The four legs of one line: cash in (or refunded), owed to the supplier, the fee, the reseller's commission."""
    cur = order.currency
    legs = [
        # A reversal pays the customer back from the refunds account, so gross sales and refunds both show.
        (Account.customer_payments if sign > 0 else Account.refunds, line.total, {}),
        (Account.supplier_payable, -line.wholesale_total, {"supplier_id": line.supplier_id}),
        (Account.platform_fees, -line.fee_total, {}),
        (Account.reseller_earnings, -line.commission_total, {"store_id": order.store_id}),
    ]
    return [
        LedgerEntry(account=acc, amount_minor=sign * amount, currency=cur, order_line_id=line.id, **party)
        for acc, amount, party in legs
    ]


def _post(order: Order, kind: str, lines: list[OrderLine], sign: int, memo: str, extra=()) -> LedgerTransaction:
    txn = LedgerTransaction(order_id=order.id, kind=kind, memo=memo)
    for line in lines:
        txn.entries.extend(_line_entries(order, line, sign))
    txn.entries.extend(extra)
    assert sum(e.amount_minor for e in txn.entries) == 0, "unbalanced ledger transaction"
    db.session.add(txn)
    return txn


def post_sale(order: Order) -> LedgerTransaction:
    """The sale of every line, with the inviters' overrides paid out of its platform fee."""
    return _post(order, "sale", list(order.lines), 1, f"order {order.id} paid", _override_entries(order))


def post_refund(order: Order, lines: list[OrderLine], reason: str, kind: str = "refund") -> LedgerTransaction:
    """Reverse the sale entries of refunded (or charged back) lines, overrides included."""
    return _post(order, kind, lines, -1, reason, _reversed_overrides(lines))


def post_supplier_charge(order: Order, lines: list[OrderLine], reason: str) -> LedgerTransaction:
    """The supplier cancelled: the customer is refunded and the supplier pays the reseller's commission too."""
    # The fee and overrides are reversed as in a refund; only the reseller's leg moves to the supplier.
    charges = []
    for line in lines:
        reversed_ = _line_entries(order, line, -1)
        charges += [e for e in reversed_ if e.account not in (Account.supplier_payable, Account.reseller_earnings)]
        charges.append(LedgerEntry(
            account=Account.supplier_payable, amount_minor=line.wholesale_total + line.commission_total,
            currency=order.currency, order_line_id=line.id, supplier_id=line.supplier_id,
        ))
    return _post(order, "supplier_charge", [], 1, reason, charges + _reversed_overrides(lines))


def _override_pair(line_id: int, store_id: int, amount: int, currency: str) -> list[LedgerEntry]:
    """Move `amount` of a line's fee from the platform to an inviting store (negative amount: back)."""
    return [
        LedgerEntry(account=Account.platform_fees, amount_minor=amount, currency=currency, order_line_id=line_id),
        LedgerEntry(
            account=Account.referral_overrides, amount_minor=-amount, currency=currency,
            order_line_id=line_id, store_id=store_id,
        ),
    ]


def _override_entries(order: Order) -> list[LedgerEntry]:
    chain = override_chain(order.store, order.paid_at or now_utc(), order.self_purchase)
    entries = []
    for line in order.lines if chain else ():
        for store_id, amount in line_overrides(line.fee_total, chain):
            entries.extend(_override_pair(line.id, store_id, amount, order.currency))
    return entries


def _reversed_overrides(lines: list[OrderLine]) -> list[LedgerEntry]:
    """Entries that bring each line's overrides, as they were posted, back to zero."""
    keys = (LedgerEntry.order_line_id, LedgerEntry.store_id, LedgerEntry.currency)
    rows = db.session.execute(
        select(*keys, func.sum(LedgerEntry.amount_minor))
        .where(LedgerEntry.account == Account.referral_overrides, LedgerEntry.order_line_id.in_([x.id for x in lines]))
        .group_by(*keys)
    )
    entries = []
    for line_id, store_id, currency, credited in rows:
        if credited:
            entries.extend(_override_pair(line_id, store_id, int(credited), currency))
    return entries


def override_earnings(store_id: int) -> dict:
    """What a store earned from the stores it invited (two levels): the total and each invitee's sum."""
    rows = db.session.execute(
        select(Store.id, Store.name, func.sum(LedgerEntry.amount_minor))
        .join(OrderLine, OrderLine.id == LedgerEntry.order_line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .join(Store, Store.id == Order.store_id)
        .where(LedgerEntry.store_id == store_id, LedgerEntry.account == Account.referral_overrides)
        .group_by(Store.id, Store.name)
        .order_by(Store.name, Store.id)
    )
    by_invitee = [{"store_id": sid, "name": name, "amount": -int(total)} for sid, name, total in rows]
    return {"total": sum(row["amount"] for row in by_invitee), "by_invitee": by_invitee}


def unbalanced_transactions() -> list[int]:
    """Ids of ledger transactions whose entries do not sum to zero."""
    rows = db.session.execute(
        select(LedgerEntry.transaction_id)
        .group_by(LedgerEntry.transaction_id)
        .having(func.sum(LedgerEntry.amount_minor) != 0)
    )
    return [r[0] for r in rows]


def store_earnings(store_id: int, now: datetime, hold_days: int) -> dict:
    """A reseller's earnings (commission and overrides) split into pending (not yet shipped + hold) and available."""
    from shop.fulfillment.models import PurchaseOrder

    release = now - timedelta(days=hold_days)
    rows = db.session.execute(
        select(LedgerEntry.amount_minor, PurchaseOrder.shipped_at, OrderLine.status)
        .join(OrderLine, OrderLine.id == LedgerEntry.order_line_id)
        .outerjoin(PurchaseOrder, PurchaseOrder.id == OrderLine.purchase_order_id)
        .where(
            LedgerEntry.store_id == store_id,
            LedgerEntry.account.in_((Account.reseller_earnings, Account.referral_overrides)),
        )
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
        .options(selectinload(Order.lines))  # the list tells partly shipped orders apart
    )
    return [(order, int(amount)) for order, amount in rows]


def has_picks(store_id: int) -> bool:
    return db.session.scalar(select(Pick.id).where(Pick.store_id == store_id).limit(1)) is not None
