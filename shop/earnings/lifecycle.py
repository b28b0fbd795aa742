"""The earnings life cycle: pending (paid) → held (shipped) → available (hold over) → paid out; frozen by disputes."""
import enum
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import DateTime, and_, exists, literal, or_, select

from shop.extensions import db
from shop.orders.models import LineStatus, OrderLine
from shop.settings import Setting
from shop.util import insert_skipping_conflicts

from .models import Account, Delivery, Dispute, DisputeStatus, LedgerEntry, LedgerTransaction, Payout, PayoutMethod
from .models import PayoutStatus, Release

RULE_DEFAULTS = {
    "return_window_days": 7,  # after the supplier marks a parcel delivered
    "payout_minimum_minor": 1000,  # the smallest bank payout a payee may request
    "cod_enabled": 0,  # cash on delivery offered at checkout (1) or not (0)
}


def rule(key: str) -> int:
    """An operator-set money rule; the hold after shipping defaults to EARNINGS_HOLD_DAYS."""
    row = db.session.get(Setting, key)
    if row is not None:
        return int(row.value)
    if key == "hold_after_shipping_days":
        return current_app.config["EARNINGS_HOLD_DAYS"]
    return RULE_DEFAULTS[key]


def set_rule(key: str, value: int) -> None:
    row = db.session.get(Setting, key) or Setting(key=key)
    row.value = str(int(value))
    db.session.add(row)


@dataclass(frozen=True)
class Payee:
    """Who is owed: a store (commission and overrides) or a supplier (wholesale)."""

    kind: str  # "store" or "supplier"
    id: int

    @property
    def accounts(self) -> tuple[Account, ...]:
        if self.kind == "store":
            return (Account.reseller_earnings, Account.referral_overrides)
        return (Account.supplier_payable,)

    @property
    def column(self):
        return LedgerEntry.store_id if self.kind == "store" else LedgerEntry.supplier_id

    def owns(self, row) -> bool:
        return getattr(row, f"{self.kind}_id") == self.id

    def fields(self) -> dict:
        return {f"{self.kind}_id": self.id}

    @classmethod
    def of(cls, row) -> "Payee":
        return cls("store", row.store_id) if row.store_id else cls("supplier", row.supplier_id)

    def __str__(self) -> str:
        return f"{self.kind}-{self.id}"


class State(enum.Enum):
    pending = "pending"
    held = "held"
    frozen = "frozen"
    available = "available"
    paid_out = "paid_out"


def open_dispute(order_id_column):
    return exists().where(Dispute.order_id == order_id_column, Dispute.status == DisputeStatus.open)


def release_due(now: datetime) -> list[int]:
    """Make the earnings of every parcel whose hold is over available; returns the purchase order ids. Flushes."""
    # Late: fulfillment's package imports payments, which builds on earnings.
    from shop.fulfillment.models import POStatus, PurchaseOrder

    window = timedelta(days=rule("return_window_days"))
    hold = timedelta(days=rule("hold_after_shipping_days"))
    delivered = select(Delivery.delivered_at).where(Delivery.purchase_order_id == PurchaseOrder.id).scalar_subquery()
    # A parcel sent in several shipments is released whole: its hold counts from the shipment that completed it
    # (PurchaseOrder.shipped_at), so lines shipped early stay held rather than being released line by line.
    due = select(PurchaseOrder.id, literal(now, DateTime())).where(
        PurchaseOrder.status == POStatus.shipped,
        ~exists().where(Release.purchase_order_id == PurchaseOrder.id),
        ~open_dispute(PurchaseOrder.order_id),
        or_(PurchaseOrder.shipped_at <= now - hold, and_(delivered.is_not(None), delivered <= now - window)),
    )
    # One INSERT .. SELECT, not a statement per parcel (113,000 due took 39 s in one job and held up the queue).
    # ON CONFLICT skips a parcel a concurrent run released first; RETURNING names only the rows inserted here.
    released = db.session.scalars(
        insert_skipping_conflicts(Release)
        .from_select(["purchase_order_id", "released_at"], due)
        .on_conflict_do_nothing(index_elements=["purchase_order_id"])
        .returning(Release.purchase_order_id)
    )
    return sorted(released)


def entry_rows(payee: Payee, until: datetime | None = None):
    """The payee's entries with what decides their state: (amount, order, line status, released at, disputed, kind)."""
    query = (
        select(
            LedgerEntry.amount_minor, LedgerTransaction.order_id, OrderLine.status, Release.released_at,
            open_dispute(LedgerTransaction.order_id).label("disputed"), LedgerTransaction.kind,
            LedgerTransaction.created_at, LedgerEntry.currency, LedgerTransaction.id, LedgerTransaction.memo,
        )
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .outerjoin(OrderLine, OrderLine.id == LedgerEntry.order_line_id)
        .outerjoin(Release, Release.purchase_order_id == OrderLine.purchase_order_id)
        .where(payee.column == payee.id, LedgerEntry.account.in_(payee.accounts))
        .order_by(LedgerTransaction.created_at, LedgerEntry.id)
    )
    if until is not None:
        query = query.where(LedgerTransaction.created_at <= until)
    return db.session.execute(query).all()


def state_of(line_status, released_at, disputed: bool, kind: str, until: datetime | None = None) -> State:
    """Where one ledger entry of a payee stands."""
    if kind in ("payout", "reversal"):
        return State.paid_out
    if disputed:
        return State.frozen
    released = released_at is not None and (until is None or released_at <= until)
    if released or line_status is LineStatus.cancelled or line_status is None:
        return State.available  # a cancelled line is settled: its entries net out, or the supplier was charged
    if line_status is LineStatus.shipped:
        return State.held
    return State.pending


def balances(payee: Payee, until: datetime | None = None) -> dict[str, int]:
    """What the payee is owed in each state, positive; `available` is net of payouts and may be negative."""
    totals = dict.fromkeys([s.value for s in State], 0)
    for amount, _order, status, released_at, disputed, kind, *_rest in entry_rows(payee, until):
        totals[state_of(status, released_at, disputed, kind, until).value] -= amount
    # Payouts are debits on the payee's account: they took money out of what was available.
    totals["paid_out"] = -totals["paid_out"]
    totals["available"] -= totals["paid_out"]
    totals["requested"] = requested_total(payee)
    return totals


def requested_total(payee: Payee) -> int:
    """Bank payouts asked for and not yet paid or rejected: reserved out of the available balance."""
    rows = db.session.scalars(
        select(Payout.amount_minor).where(
            getattr(Payout, f"{payee.kind}_id") == payee.id, Payout.method == PayoutMethod.bank,
            Payout.status.in_((PayoutStatus.requested, PayoutStatus.approved)),
        )
    )
    return sum(rows)


def order_states(payee: Payee) -> dict[int, State]:
    """Per order, the least advanced state of the payee's earnings on it (paid out when payouts cover it)."""
    rank = [State.pending, State.held, State.frozen, State.available]
    per_order: dict[int, State] = {}
    earned: dict[int, int] = defaultdict(int)
    paid_out = 0
    for amount, order_id, status, released_at, disputed, kind, *_rest in entry_rows(payee):
        state = state_of(status, released_at, disputed, kind)
        if state is State.paid_out:
            paid_out += amount
            continue
        earned[order_id] -= amount
        current = per_order.get(order_id, State.available)
        per_order[order_id] = min(current, state, key=rank.index)
    # Payouts cover available orders oldest first; the first one not wholly covered ends the run.
    for order_id, state in per_order.items():
        if state is not State.available or earned[order_id] <= 0:
            continue
        if earned[order_id] > paid_out:
            break
        per_order[order_id] = State.paid_out
        paid_out -= earned[order_id]
    return per_order
