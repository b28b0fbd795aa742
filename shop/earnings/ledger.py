"""The ledger's invariants, each a function that returns what breaks it (an empty list when it holds)."""
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from shop.extensions import db
from shop.orders.models import LineStatus, Order, OrderLine, OrderStatus

from .models import Account, LedgerEntry, LedgerTransaction, Payout

# Kinds that reverse a sale's lines for the customer (the money goes back to them).
REVERSING_KINDS = ("refund", "chargeback", "supplier_charge")
# The customer's money: taken on customer_payments, given back on refunds.
CASH = (Account.customer_payments, Account.refunds)
# Kinds that need not name an order: money paid to or taken back from a payee's balance.
UNTIED_KINDS = ("payout", "reversal")


@dataclass(frozen=True)
class Finding:
    """One broken invariant: which check, which table, the offending row ids, and what is wrong."""

    check: str
    table: str
    ids: tuple[int, ...]
    detail: str

    def as_dict(self) -> dict:
        return {"check": self.check, "table": self.table, "ids": list(self.ids), "detail": self.detail}

    def __str__(self) -> str:
        return f"{self.check}: {self.table} {', '.join(map(str, self.ids))}: {self.detail}"


def unbalanced() -> list[Finding]:
    """Every transaction's entries sum to zero in each currency."""
    rows = db.session.execute(
        select(LedgerEntry.transaction_id, LedgerEntry.currency, func.sum(LedgerEntry.amount_minor))
        .group_by(LedgerEntry.transaction_id, LedgerEntry.currency)
        .having(func.sum(LedgerEntry.amount_minor) != 0)
        .order_by(LedgerEntry.transaction_id)
    )
    return [
        Finding("unbalanced", "ledger_transactions", (txn_id,), f"{currency} entries sum to {int(total)}")
        for txn_id, currency, total in rows
    ]


def _sale_legs() -> dict[int, dict[int, dict[tuple, list[int]]]]:
    """Per sale transaction and order line: (account, supplier, store, currency) -> [sum, count] of its entries."""
    rows = db.session.execute(
        select(
            LedgerEntry.transaction_id, LedgerEntry.order_line_id, LedgerEntry.account, LedgerEntry.supplier_id,
            LedgerEntry.store_id, LedgerEntry.currency, func.sum(LedgerEntry.amount_minor), func.count(),
        )
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerTransaction.kind == "sale")
        .group_by(
            LedgerEntry.transaction_id, LedgerEntry.order_line_id, LedgerEntry.account, LedgerEntry.supplier_id,
            LedgerEntry.store_id, LedgerEntry.currency,
        )
    )
    legs: dict = defaultdict(lambda: defaultdict(dict))
    for txn_id, line_id, account, supplier_id, store_id, currency, total, n in rows:
        legs[txn_id][line_id][(account, supplier_id, store_id, currency)] = [int(total), int(n)]
    return legs


def _line_problems(order: Order, line: OrderLine, legs: dict[tuple, list[int]]) -> list[str]:
    """What is wrong with one line's legs in its order's sale transaction."""
    cur = order.currency
    problems = []
    if min(line.wholesale_total, line.fee_total, line.commission_total) < 0:
        problems.append("sold below wholesale plus fee")
    fixed = {
        (Account.customer_payments, None, None, cur): line.total,
        (Account.supplier_payable, line.supplier_id, None, cur): -line.wholesale_total,
        (Account.reseller_earnings, None, order.store_id, cur): -line.commission_total,
    }
    for key, expected in fixed.items():
        if legs.get(key) != [expected, 1]:
            problems.append(f"{key[0].value} is {legs.get(key, [0, 0])[0]} (expected {expected})")
    overrides = {key: value for key, value in legs.items() if key[0] is Account.referral_overrides}
    paid_over = -sum(total for total, _n in overrides.values())
    if any(total > 0 or key[2] in (None, order.store_id) or key[3] != cur for key, (total, _n) in overrides.items()):
        problems.append("an override leg is a debit, in another currency, or owed to no other store")
    if not 0 <= paid_over <= line.fee_total:
        problems.append(f"overrides of {paid_over} exceed the fee of {line.fee_total}")
    fee_key = (Account.platform_fees, None, None, cur)
    n_overrides = sum(n for _total, n in overrides.values())
    if legs.get(fee_key) != [-line.fee_total + paid_over, 1 + n_overrides]:
        problems.append(f"platform_fees is {legs.get(fee_key, [0, 0])[0]} (expected {-line.fee_total + paid_over})")
    if set(legs) - set(fixed) - set(overrides) - {fee_key}:
        problems.append("legs on unexpected accounts or parties")
    return problems


def paid_orders_posted() -> list[Finding]:
    """Every order ever paid has one sale transaction whose entries are exactly its lines as snapshotted.

    An order that failed (sold out while paying) was refunded in full and posts nothing.
    """
    posted: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for txn_id, order_id, kind in db.session.execute(
        select(LedgerTransaction.id, LedgerTransaction.order_id, LedgerTransaction.kind)
        .where(LedgerTransaction.order_id.is_not(None) | LedgerTransaction.kind.not_in(UNTIED_KINDS))
        .order_by(LedgerTransaction.id)
    ):
        posted[order_id].append((txn_id, kind))
    legs = _sale_legs()
    findings = []
    orders = db.session.scalars(
        select(Order).where(Order.paid_at.is_not(None)).options(selectinload(Order.lines)).order_by(Order.id)
    )
    for order in orders:
        txns = posted.pop(order.id, [])
        sales = [txn_id for txn_id, kind in txns if kind == "sale"]
        if order.status is OrderStatus.failed:
            if txns:
                findings.append(Finding("failed_order_posted", "orders", (order.id,), "a failed order has entries"))
            continue
        if order.total_minor != sum(line.total for line in order.lines):
            findings.append(Finding("order_total", "orders", (order.id,), "the total is not the sum of its lines"))
        if len(sales) != 1:
            findings.append(Finding(
                "missing_sale" if not sales else "duplicate_sale", "orders", (order.id,),
                f"paid order has {len(sales)} sale transactions",
            ))
            continue
        by_line = legs.get(sales[0], {})
        for line in order.lines:
            for problem in _line_problems(order, line, by_line.get(line.id, {})):
                findings.append(Finding("sale_line", "order_lines", (line.id,), f"order {order.id}: {problem}"))
        if extra := set(by_line) - {line.id for line in order.lines}:
            findings.append(Finding(
                "sale_line", "ledger_transactions", (sales[0],), f"entries for lines {sorted(extra, key=str)}"
            ))
    for order_id, txns in sorted(posted.items(), key=lambda item: item[0] or 0):
        findings.append(Finding(
            "unpaid_order_posted", "ledger_transactions", tuple(t for t, _k in txns),
            f"entries for order {order_id}, which was never paid",
        ))
    return findings


def cancelled_lines_netted() -> list[Finding]:
    """A cancelled line's entries net to zero on every account; a line still standing was never reversed.

    When the supplier caused the cancellation it is charged the reseller's commission, which the reseller
    keeps: on such a line the two parties' accounts net to zero together.
    """
    key = (LedgerEntry.order_line_id, LedgerEntry.account, LedgerEntry.supplier_id, LedgerEntry.store_id,
           LedgerEntry.currency)
    rows = db.session.execute(
        select(LedgerEntry.order_line_id, LedgerEntry.account, func.sum(LedgerEntry.amount_minor))
        .join(OrderLine, OrderLine.id == LedgerEntry.order_line_id)
        .where(OrderLine.status == LineStatus.cancelled)
        .group_by(*key)
        .having(func.sum(LedgerEntry.amount_minor) != 0)
        .order_by(LedgerEntry.order_line_id)
    )
    charged = set(db.session.scalars(
        select(LedgerEntry.order_line_id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerTransaction.kind == "supplier_charge")
    ))
    nets: dict[tuple, int] = defaultdict(int)
    for line_id, account, total in rows:
        if line_id in charged and account in (Account.reseller_earnings, Account.supplier_payable):
            bucket = "reseller and supplier"
        elif account in CASH:
            bucket = "customer payments and refunds"  # paid in on one, given back on the other
        else:
            bucket = account.value
        nets[(line_id, bucket)] += int(total)
    findings = [
        Finding("cancelled_line", "order_lines", (line_id,), f"{account} nets to {total}, not 0")
        for (line_id, account), total in nets.items() if total
    ]
    reversed_standing = db.session.scalars(
        select(OrderLine.id)
        .join(LedgerEntry, LedgerEntry.order_line_id == OrderLine.id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(OrderLine.status != LineStatus.cancelled, LedgerTransaction.kind.in_(REVERSING_KINDS))
        .distinct()
        .order_by(OrderLine.id)
    )
    findings += [
        Finding("standing_line_reversed", "order_lines", (line_id,), "refund entries on a line not cancelled")
        for line_id in reversed_standing
    ]
    return findings


def refunds_match() -> list[Finding]:
    """The refunds paid per order equal the customer payments reversed, plus a failed order's whole total."""
    # Refunds belong to payments, which imports earnings; this reconciliation is the one place that reads back.
    from shop.payments.models import Refund

    refunded = dict(
        db.session.execute(select(Refund.order_id, func.sum(Refund.amount_minor)).group_by(Refund.order_id)).tuples().all()
    )
    reversed_ = dict(db.session.execute(
        select(LedgerTransaction.order_id, -func.sum(LedgerEntry.amount_minor))
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(LedgerTransaction.kind.in_(REVERSING_KINDS), LedgerEntry.account.in_(CASH))
        .group_by(LedgerTransaction.order_id)
    ).tuples().all())
    orders = db.session.execute(
        select(Order.id, Order.status, Order.total_minor, Order.refunded_minor)
        .where((Order.refunded_minor != 0) | Order.id.in_(set(refunded) | set(reversed_)))
        .order_by(Order.id)
    )
    findings = []
    for order_id, status, total, on_order in orders:
        paid_back = int(refunded.get(order_id) or 0)
        expected = int(reversed_.get(order_id) or 0) + (total if status is OrderStatus.failed else 0)
        if paid_back != expected or on_order != paid_back:
            findings.append(Finding(
                "refunds", "orders", (order_id,),
                f"refunds of {paid_back} (order says {on_order}) against {expected} reversed",
            ))
    return findings


def foreign_lines() -> list[Finding]:
    """No entry names a line of an order other than its transaction's."""
    rows = db.session.execute(
        select(LedgerEntry.id, LedgerTransaction.order_id, OrderLine.order_id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(OrderLine, OrderLine.id == LedgerEntry.order_line_id)
        .where((LedgerTransaction.order_id.is_(None)) | (LedgerTransaction.order_id != OrderLine.order_id))
        .order_by(LedgerEntry.id)
    )
    return [
        Finding("foreign_line", "ledger_entries", (entry_id,), f"transaction of order {txn_order}, line of {line_order}")
        for entry_id, txn_order, line_order in rows
    ]


def balances_agree() -> list[Finding]:
    """Each account's balance per party is the same summed entry by entry and transaction by transaction."""
    party = (LedgerEntry.account, LedgerEntry.currency, LedgerEntry.supplier_id, LedgerEntry.store_id)
    direct = {
        tuple(row[:4]): int(row[4])
        for row in db.session.execute(select(*party, func.sum(LedgerEntry.amount_minor)).group_by(*party))
    }
    via_transactions: dict[tuple, int] = defaultdict(int)
    for row in db.session.execute(
        select(LedgerEntry.transaction_id, *party, func.sum(LedgerEntry.amount_minor))
        .group_by(LedgerEntry.transaction_id, *party)
    ):
        via_transactions[tuple(row[1:5])] += int(row[5])
    return [
        Finding("balance", "accounts", (), f"{key[0].value} {key[1]} supplier {key[2]} store {key[3]}: "
                f"{direct.get(key, 0)} by entries, {via_transactions.get(key, 0)} by transactions")
        for key in sorted(set(direct) | set(via_transactions), key=str)
        if direct.get(key, 0) != via_transactions.get(key, 0)
    ]


def payouts_within_available() -> list[Finding]:
    """No payout exceeds what its payee had available (released, not frozen, net of earlier payouts) when it left."""
    from .lifecycle import Payee, State, entry_rows, state_of

    findings = []
    for payout in db.session.scalars(select(Payout).where(Payout.paid_at.is_not(None)).order_by(Payout.id)):
        available = 0
        own = f"payout {payout.id}"
        for amount, _order, status, released, disputed, kind, *_rest, memo in entry_rows(Payee.of(payout),
                                                                                         payout.paid_at):
            state = state_of(status, released, disputed, kind, payout.paid_at)
            if state in (State.available, State.paid_out) and memo != own:
                available -= amount
        if payout.amount_minor > available:
            findings.append(Finding("payout_exceeds_available", "payouts", (payout.id,),
                                    f"paid {payout.amount_minor} with {available} available"))
    return findings


CHECKS = (
    unbalanced, paid_orders_posted, cancelled_lines_netted, refunds_match, foreign_lines, balances_agree,
    payouts_within_available,
)


def check_ledger() -> list[Finding]:
    """Every invariant's findings, in the order of CHECKS."""
    return [finding for check in CHECKS for finding in check()]


def ledger_counts() -> dict[str, int]:
    """How much was checked, for the summary line."""
    return {
        "transactions": db.session.scalar(select(func.count()).select_from(LedgerTransaction)),
        "entries": db.session.scalar(select(func.count()).select_from(LedgerEntry)),
        "paid_orders": db.session.scalar(select(func.count()).select_from(Order).where(Order.paid_at.is_not(None))),
    }
