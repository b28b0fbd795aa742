"""Payouts: bank payouts requested, approved, exported and marked paid; every one an append-only ledger posting."""
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from shop import money
from shop.catalog.models import Supplier
from shop.extensions import db
from shop.stores.models import Store
from shop.util import new_token

from .lifecycle import Payee, balances, rule
from .models import Account, BankAccount, LedgerEntry, LedgerTransaction, Payout, PayoutMethod, PayoutStatus

# Ledger kinds that give a payee's money back to the platform, not to a customer.
PAYOUT_KINDS = ("payout", "reversal")


class PayoutError(Exception):
    """A payout that may not happen; the message is for the user."""


def _payee_entries(payout: Payout, amount: int) -> list[LedgerEntry]:
    """Debit the payee (what we owe them shrinks) and credit the money sent; a negative amount reverses."""
    payee = Payee.of(payout)
    account = Account.reseller_earnings if payee.kind == "store" else Account.supplier_payable
    return [
        LedgerEntry(account=account, amount_minor=amount, currency=payout.currency, **payee.fields()),
        LedgerEntry(account=Account.payouts, amount_minor=-amount, currency=payout.currency),
    ]


def post_payout(payout: Payout, when: datetime) -> LedgerTransaction:
    """The money left: one balanced transaction, dated when it was sent."""
    txn = LedgerTransaction(order_id=payout.order_id, kind="payout", memo=f"payout {payout.id}", created_at=when)
    txn.entries.extend(_payee_entries(payout, payout.amount_minor))
    db.session.add(txn)
    return txn


def post_reversal(payout: Payout, amount: int, when: datetime, memo: str) -> LedgerTransaction:
    """Part of a transfer came back to the platform (a refund after payout): the payee is owed it again."""
    payout.reversed_minor += amount
    txn = LedgerTransaction(order_id=payout.order_id, kind="reversal", memo=memo, created_at=when)
    txn.entries.extend(_payee_entries(payout, -amount))
    db.session.add(txn)
    return txn


def payouts_of(payee: Payee, limit: int = 20) -> list[Payout]:
    return db.session.scalars(
        select(Payout).where(getattr(Payout, f"{payee.kind}_id") == payee.id)
        .order_by(Payout.created_at.desc(), Payout.id.desc()).limit(limit)
    ).all()


def bank_account(payee: Payee) -> BankAccount | None:
    return db.session.scalar(select(BankAccount).where(getattr(BankAccount, f"{payee.kind}_id") == payee.id))


def save_bank_account(payee: Payee, holder: str, iban: str, bic: str, now: datetime) -> BankAccount:
    row = bank_account(payee) or BankAccount(**payee.fields())
    row.holder, row.iban, row.bic, row.updated_at = holder.strip(), iban.replace(" ", "").upper(), bic.strip().upper(), now
    db.session.add(row)
    return row


def request_payout(payee: Payee, currency: str, now: datetime) -> Payout:
    """Ask for everything available (net of what is already requested), if it reaches the operator's minimum."""
    if bank_account(payee) is None:
        raise PayoutError(_("Add your bank account first."))
    figures = balances(payee)
    amount = figures["available"] - figures["requested"]
    minimum = rule("payout_minimum_minor")
    if amount < max(minimum, 1):
        raise PayoutError(_("You can ask for a payout once %(amount)s is available.",
                            amount=money.display(max(minimum, 1), currency)))
    payout = Payout(method=PayoutMethod.bank, status=PayoutStatus.requested, amount_minor=amount, currency=currency,
                    key=f"bank-{payee}-{new_token()}", created_at=now, **payee.fields())
    db.session.add(payout)
    db.session.flush()
    return payout


def decide_payout(payout: Payout, event: str, now: datetime) -> None:
    """The operator approves, rejects or marks a bank payout paid; paying posts the ledger. Flushes."""
    if payout.method is not PayoutMethod.bank:
        raise PayoutError(_("Stripe transfers are not decided by hand."))
    try:
        status = payout.status
        payout.apply(event)
    except ValueError:
        raise PayoutError(_("This payout is already %(status)s.", status=payout.status.value)) from None
    payout.decided_at = now
    if event == "mark_paid":
        figures = balances(Payee.of(payout))
        # The request reserved this amount; a refund since then may have eaten into it.
        if payout.amount_minor > figures["available"]:
            payout.status = status
            raise PayoutError(_("Only %(amount)s is available now: reject this payout and let the payee ask again.",
                                amount=money.display(figures["available"], payout.currency)))
        payout.paid_at = now
        post_payout(payout, now)
    db.session.flush()


def payouts_waiting() -> list[Payout]:
    """Bank payouts the operator still has to approve or pay, oldest first."""
    return db.session.scalars(
        select(Payout).where(Payout.method == PayoutMethod.bank,
                             Payout.status.in_((PayoutStatus.requested, PayoutStatus.approved)))
        .order_by(Payout.created_at, Payout.id)
    ).all()


def payee_names(payees) -> dict[str, str]:
    """Display names of these payees (or of the payees of these payouts), in two queries."""
    payees = [p if isinstance(p, Payee) else Payee.of(p) for p in payees]
    store_ids = {p.id for p in payees if p.kind == "store"}
    supplier_ids = {p.id for p in payees if p.kind == "supplier"}
    names = {f"store-{i}": n for i, n in db.session.execute(select(Store.id, Store.name).where(Store.id.in_(store_ids)))}
    names |= {f"supplier-{i}": n for i, n in
              db.session.execute(select(Supplier.id, Supplier.name).where(Supplier.id.in_(supplier_ids)))}
    return names


def bank_export_rows() -> list[list]:
    """Approved bank payouts as rows for the operator's bank: payee, account, amount, reference."""
    approved = [p for p in payouts_waiting() if p.status is PayoutStatus.approved]
    names = payee_names(approved)
    accounts = {str(Payee.of(a)): a for a in db.session.scalars(select(BankAccount))}
    rows = [[_("Reference"), _("Payee"), _("Account holder"), _("IBAN"), _("BIC"), _("Amount"), _("Currency")]]
    for payout in approved:
        key = str(Payee.of(payout))
        account = accounts.get(key)
        rows.append([f"SHARESTALL-{payout.id}", names.get(key, key), account.holder if account else "",
                     account.iban if account else "", account.bic if account else "",
                     money.from_minor(payout.amount_minor, payout.currency), payout.currency])
    return rows


def negative_balances() -> list[tuple[Payee, str, int]]:
    """Payees who owe the platform (refunds after payout, supplier charges, cash collected), with what they owe."""
    parties = db.session.execute(
        select(LedgerEntry.store_id, LedgerEntry.supplier_id).where(LedgerEntry.account.in_(
            (Account.reseller_earnings, Account.referral_overrides, Account.supplier_payable))).distinct()
    ).all()
    payees = sorted({Payee("store", s) if s else Payee("supplier", p) for s, p in parties if s or p}, key=str)
    # One balance per payee: this page is the operator's, and only payees with entries are looked at.
    owing = [(payee, amount) for payee in payees if (amount := balances(payee)["available"]) < 0]
    names = payee_names([payee for payee, _amount in owing])
    return [(payee, names.get(str(payee), str(payee)), -amount) for payee, amount in owing]
