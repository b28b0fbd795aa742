"""A reseller's orders and ledger lines as spreadsheet rows (their own store only, no customer contact data)."""
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shop import money
from shop.extensions import db
from shop.orders.models import LineStatus, Order

from .models import LedgerEntry, LedgerTransaction
from .services import SOLD


def _ref(order_id: int | None) -> str:
    """The order's number; never any part of its token, which is the customer's private link."""
    return f"#{order_id}" if order_id else ""


def order_rows(store_id: int) -> list[list]:
    """One row per paid order: date, reference, status, channel, first name and city, items, sales, earning."""
    orders = db.session.scalars(
        select(Order)
        .where(Order.store_id == store_id, Order.status.in_(SOLD))
        .options(selectinload(Order.lines))
        .order_by(Order.paid_at, Order.id)
    )
    rows = [[_("Date"), _("Order"), _("Status"), _("Channel"), _("Customer"), _("City"), _("Items"),
             _("Sales"), _("Earning"), _("Currency")]]
    for order in orders:
        standing = [line for line in order.lines if line.status is not LineStatus.cancelled]
        rows.append([
            order.paid_at.strftime("%Y-%m-%d %H:%M"),
            _ref(order.id),
            order.status.value,
            order.channel,
            order.first_name,
            order.city,
            "; ".join(f"{line.quantity} × {line.title}" for line in order.lines),
            money.from_minor(sum(line.total for line in standing), order.currency),
            money.from_minor(sum(line.commission_total for line in standing), order.currency),
            order.currency,
        ])
    return rows


def ledger_rows(store_id: int) -> list[list]:
    """One row per ledger entry owed to this store: commission and overrides, sales positive, reversals negative."""
    entries = db.session.execute(
        select(LedgerTransaction.created_at, LedgerTransaction.order_id, LedgerTransaction.kind, LedgerEntry.account,
               LedgerEntry.amount_minor, LedgerEntry.currency)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerEntry.store_id == store_id)
        .order_by(LedgerTransaction.created_at, LedgerEntry.id)
    )
    rows = [[_("Date"), _("Order"), _("Kind"), _("Account"), _("Amount"), _("Currency")]]
    for created_at, order_id, kind, account, amount, currency in entries:
        # The ledger stores what is owed to the reseller as a credit (negative); the reseller reads it as income.
        rows.append([created_at.strftime("%Y-%m-%d %H:%M"), _ref(order_id), kind, account.value,
                     money.from_minor(-amount, currency), currency])
    return rows
