"""The append-only, double-entry ledger: every transaction's entries sum to zero."""
import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import db
from shop.util import now_utc


class Account(enum.Enum):
    customer_payments = "customer_payments"  # money received from customers (debit)
    supplier_payable = "supplier_payable"  # owed to a supplier (credit)
    platform_fees = "platform_fees"  # the platform's revenue (credit)
    reseller_earnings = "reseller_earnings"  # owed to a reseller (credit)
    referral_overrides = "referral_overrides"  # owed to an inviting reseller, paid out of the platform fee (credit)


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
