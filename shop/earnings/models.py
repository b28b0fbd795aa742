"""The append-only, double-entry ledger: every transaction's entries sum to zero."""
import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import db
from shop.util import now_utc


class Account(enum.Enum):
    customer_payments = "customer_payments"  # money received from customers (debit)
    supplier_payable = "supplier_payable"  # owed to a supplier (credit)
    platform_fees = "platform_fees"  # the platform's revenue (credit)
    reseller_earnings = "reseller_earnings"  # owed to a reseller (credit)
    referral_overrides = "referral_overrides"  # owed to an inviting reseller, paid out of the platform fee (credit)
    refunds = "refunds"  # money given back to customers (credit); what they paid stays on customer_payments
    processor_fees = "processor_fees"  # what the payment processor kept of a charge, borne by the platform (debit)
    payouts = "payouts"  # money sent out to resellers and suppliers (credit), back in on a reversal (debit)


class LedgerTransaction(db.Model):
    __tablename__ = "ledger_transactions"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # sale, refund
    memo: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    entries: Mapped[list["LedgerEntry"]] = relationship(back_populates="transaction")


class LedgerEntry(db.Model):
    """Debits are positive, credits negative."""

    __tablename__ = "ledger_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    account: Mapped[Account] = mapped_column(Enum(Account, native_enum=False, length=24))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), index=True)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"), index=True)
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("order_lines.id"), index=True)
    amount_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="entries")


# A payee is one store (its commission and overrides) or one supplier (its wholesale): exactly one is set.
ONE_PAYEE = "(store_id IS NULL) <> (supplier_id IS NULL)"


class PayoutMethod(enum.Enum):
    bank = "bank"  # requested, approved by the operator, sent by bank transfer, marked paid
    stripe = "stripe"  # a Stripe Connect transfer to the payee's Express account


class PayoutStatus(enum.Enum):
    requested = "requested"
    approved = "approved"
    paid = "paid"
    rejected = "rejected"


PAYOUT_TRANSITIONS = {
    (PayoutStatus.requested, "approve"): PayoutStatus.approved,
    (PayoutStatus.requested, "reject"): PayoutStatus.rejected,
    (PayoutStatus.approved, "mark_paid"): PayoutStatus.paid,
    (PayoutStatus.approved, "reject"): PayoutStatus.rejected,
}


def next_payout_status(current: PayoutStatus, event: str) -> PayoutStatus:
    """The status a payout moves to on an event, or ValueError."""
    try:
        return PAYOUT_TRANSITIONS[(current, event)]
    except KeyError:
        raise ValueError(f"{event} is not allowed when {current.value}") from None


class Payout(db.Model):
    """Money sent to a payee; the ledger transaction is posted when it leaves (paid), never before."""

    __tablename__ = "payouts"
    __table_args__ = (
        CheckConstraint(ONE_PAYEE, name="one_payee"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("reversed_minor >= 0 AND reversed_minor <= amount_minor", name="reversed_within"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"), index=True)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), index=True)
    # A Connect transfer pays one order's share; a bank payout pays a balance (no order).
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    method: Mapped[PayoutMethod] = mapped_column(Enum(PayoutMethod, native_enum=False, length=16))
    status: Mapped[PayoutStatus] = mapped_column(Enum(PayoutStatus, native_enum=False, length=16))
    amount_minor: Mapped[int]
    reversed_minor: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3))
    # The idempotency key sent to Stripe (unique: a payout run twice finds the transfer it made).
    key: Mapped[str] = mapped_column(String(120), unique=True)
    provider_ref: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    decided_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]

    def apply(self, event: str) -> None:
        self.status = next_payout_status(self.status, event)


class ConnectStatus(enum.Enum):
    onboarding = "onboarding"  # account made, details not submitted yet
    restricted = "restricted"  # Stripe needs more before it pays out
    enabled = "enabled"  # payouts enabled: transfers go here


class ConnectAccount(db.Model):
    """A payee's Stripe Express account; its status is kept from Stripe's account.updated events."""

    __tablename__ = "connect_accounts"
    __table_args__ = (CheckConstraint(ONE_PAYEE, name="one_payee"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"), unique=True)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), unique=True)
    stripe_account_id: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[ConnectStatus] = mapped_column(
        Enum(ConnectStatus, native_enum=False, length=16), default=ConnectStatus.onboarding
    )
    last_payout_failed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    # When the event the status came from was sent: an older one delivered late is ignored.
    status_at: Mapped[datetime | None]


class Release(db.Model):
    """A parcel's earnings became available: the hold after shipping (or the return window after delivery) ended."""

    __tablename__ = "earning_releases"
    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), unique=True)
    released_at: Mapped[datetime] = mapped_column(default=now_utc)


class Delivery(db.Model):
    """The supplier says a parcel arrived; for cash on delivery, also how much cash it collected."""

    __tablename__ = "deliveries"
    __table_args__ = (CheckConstraint("cash_collected_minor >= 0", name="cash_not_negative"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), unique=True)
    delivered_at: Mapped[datetime] = mapped_column(default=now_utc)
    cash_collected_minor: Mapped[int] = mapped_column(default=0)


class DisputeStatus(enum.Enum):
    open = "open"  # the related earnings are frozen
    won = "won"
    lost = "lost"


class Dispute(db.Model):
    """A chargeback; while open, every earning of its order is frozen."""

    __tablename__ = "disputes"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    provider_ref: Mapped[str] = mapped_column(String(255), unique=True)
    amount_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(80), default="")
    status: Mapped[DisputeStatus] = mapped_column(Enum(DisputeStatus, native_enum=False, length=16))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    closed_at: Mapped[datetime | None]

    order = relationship("Order")


class BankAccount(db.Model):
    """Where a payee without Stripe Connect wants bank payouts sent (exported as CSV for the operator's bank)."""

    __tablename__ = "bank_accounts"
    __table_args__ = (CheckConstraint(ONE_PAYEE, name="one_payee"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"), unique=True)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), unique=True)
    holder: Mapped[str] = mapped_column(String(120))
    iban: Mapped[str] = mapped_column(String(64))
    bic: Mapped[str] = mapped_column(String(16), default="")
    updated_at: Mapped[datetime] = mapped_column(default=now_utc)
