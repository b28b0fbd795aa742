"""Statements: every order of a payee in a month, how its money was split and where it stands; a yearly summary."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from shop import money
from shop.extensions import db
from shop.orders.models import LineStatus, Order, OrderLine

from .lifecycle import Payee, State, order_states
from .models import Account, LedgerEntry, LedgerTransaction, Payout, PayoutStatus
from .payouts import PAYOUT_KINDS


@dataclass
class Row:
    """One order as the payee sees it; amounts in minor units, cancelled lines left out of the split."""

    order: Order
    retail: int = 0
    wholesale: int = 0
    fee: int = 0
    processor_fee: int = 0
    margin: int = 0
    override: int = 0
    refunded: int = 0
    yours: int = 0
    state: State = State.pending
    items: list[str] = field(default_factory=list)


def month_bounds(month: str | None, today: date) -> tuple[datetime, datetime, str]:
    """The first instant of the month ("2026-11", default this month) and of the next one."""
    try:
        year, number = (int(part) for part in (month or "").split("-"))
        start = date(year, number, 1)
    except ValueError:
        start = today.replace(day=1)
    end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return datetime.combine(start, datetime.min.time()), datetime.combine(end, datetime.min.time()), f"{start:%Y-%m}"


def _payee_lines(payee: Payee):
    if payee.kind == "supplier":
        return OrderLine.supplier_id == payee.id
    overrides = select(LedgerEntry.order_line_id).where(LedgerEntry.account == Account.referral_overrides,
                                                        LedgerEntry.store_id == payee.id)
    return or_(Order.store_id == payee.id, OrderLine.id.in_(overrides))


def statement(payee: Payee, start: datetime, end: datetime) -> list[Row]:
    """The payee's orders paid in [start, end), each split into retail, wholesale, fees, margin and override."""
    orders = db.session.scalars(
        select(Order).join(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.paid_at >= start, Order.paid_at < end, _payee_lines(payee))
        .options(selectinload(Order.lines)).distinct().order_by(Order.paid_at, Order.id)
    ).all()
    ids = [o.id for o in orders]
    yours, overrides, processor = _ledger_sums(payee, ids)
    states = order_states(payee)
    rows = []
    for order in orders:
        mine = [line for line in order.lines if payee.kind == "store" or line.supplier_id == payee.id]
        row = Row(order=order, processor_fee=processor.get(order.id, 0), yours=yours.get(order.id, 0),
                  override=overrides.get(order.id, 0), state=states.get(order.id, State.pending))
        for line in mine:
            row.items.append(f"{line.quantity} × {line.title}")
            if line.status is LineStatus.cancelled:
                row.refunded += line.total
                continue
            row.retail += line.total
            row.wholesale += line.wholesale_total
            row.fee += line.fee_total
            row.margin += line.commission_total
        rows.append(row)
    return rows


def _ledger_sums(payee: Payee, order_ids: list[int]) -> tuple[dict, dict, dict]:
    """Per order: the payee's net earning, the overrides it earned, and the processor's fee."""
    tied = (LedgerTransaction.order_id.in_(order_ids), LedgerTransaction.kind.not_in(PAYOUT_KINDS))
    base = (select(LedgerTransaction.order_id, LedgerEntry.account, func.sum(LedgerEntry.amount_minor))
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id))
    yours: dict[int, int] = defaultdict(int)
    overrides: dict[int, int] = defaultdict(int)
    for order_id, account, total in db.session.execute(
        base.where(*tied, payee.column == payee.id, LedgerEntry.account.in_(payee.accounts))
        .group_by(LedgerTransaction.order_id, LedgerEntry.account)
    ):
        yours[order_id] -= int(total)
        if account is Account.referral_overrides:
            overrides[order_id] -= int(total)
    processor = {order_id: int(total) for order_id, _account, total in db.session.execute(
        base.where(*tied, LedgerEntry.account == Account.processor_fees)
        .group_by(LedgerTransaction.order_id, LedgerEntry.account)
    )}
    return yours, overrides, processor


def totals(rows: list[Row]) -> dict[str, int]:
    names = ("retail", "wholesale", "fee", "processor_fee", "margin", "override", "refunded", "yours")
    return {name: sum(getattr(row, name) for row in rows) for name in names}


STATE_LABELS = {"pending": _l("Pending"), "held": _l("Held"), "frozen": _l("Frozen (dispute)"),
                "available": _l("Available"), "paid_out": _l("Paid out")}


def state_label(state: State) -> str:
    return str(STATE_LABELS[state.value])


def csv_rows(rows: list[Row], currency: str) -> list[list]:
    header = [_("Date"), _("Order"), _("Items"), _("Retail"), _("Wholesale"), _("Platform fee"), _("Processor fee"),
              _("Margin"), _("Override"), _("Refunded"), _("Yours"), _("State"), _("Currency")]
    out = [header]
    for r in rows:
        amounts = (r.retail, r.wholesale, r.fee, r.processor_fee, r.margin, r.override, r.refunded, r.yours)
        out.append([r.order.paid_at.strftime("%Y-%m-%d"), f"#{r.order.id}", "; ".join(r.items),
                    *(money.from_minor(a, currency) for a in amounts), state_label(r.state), currency])
    return out


def yearly_summary(payee: Payee, year: int) -> dict:
    """Per month of a year: what the payee earned (net of refunds) and what was paid out, for tax."""
    start, end = datetime(year, 1, 1), datetime(year + 1, 1, 1)
    earned = [0] * 12
    for created_at, amount in db.session.execute(
        select(LedgerTransaction.created_at, LedgerEntry.amount_minor)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(payee.column == payee.id, LedgerEntry.account.in_(payee.accounts),
               LedgerTransaction.kind.not_in(PAYOUT_KINDS), LedgerTransaction.created_at >= start,
               LedgerTransaction.created_at < end)
    ):
        earned[created_at.month - 1] -= amount
    paid = [0] * 12
    for paid_at, amount, reversed_ in db.session.execute(
        select(Payout.paid_at, Payout.amount_minor, Payout.reversed_minor)
        .where(getattr(Payout, f"{payee.kind}_id") == payee.id, Payout.status == PayoutStatus.paid,
               Payout.paid_at >= start, Payout.paid_at < end)
    ):
        paid[paid_at.month - 1] += amount - reversed_
    months = [{"month": f"{year}-{m + 1:02d}", "earned": earned[m], "paid": paid[m]} for m in range(12)]
    return {"year": year, "months": months, "earned": sum(earned), "paid": sum(paid)}


def daily_earned(payee: Payee, today: date, days: int) -> list[tuple[date, int]]:
    """What the payee earned (net of refunds) on each of the last `days` days, for the chart."""
    first = today - timedelta(days=days - 1)
    per_day: dict[date, int] = defaultdict(int)
    for created_at, amount in db.session.execute(
        select(LedgerTransaction.created_at, LedgerEntry.amount_minor)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(payee.column == payee.id, LedgerEntry.account.in_(payee.accounts),
               LedgerTransaction.kind.not_in(PAYOUT_KINDS),
               LedgerTransaction.created_at >= datetime.combine(first, datetime.min.time()))
    ):
        per_day[created_at.date()] -= amount
    return [(first + timedelta(days=i), per_day[first + timedelta(days=i)]) for i in range(days)]
