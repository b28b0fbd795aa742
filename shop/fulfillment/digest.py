"""The daily CSV of open orders for suppliers who chose it."""
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from shop import money
from shop.csvsafe import write_rows
from shop.extensions import db
from shop.orders.models import LineStatus

from .models import POStatus, PurchaseOrder


def _header() -> tuple[str, ...]:
    return (
        _("Order"), _("Purchase order"), _("Paid at"), _("SKU"), _("Product"), _("Variant"), _("Quantity"),
        _("Wholesale each"), _("Currency"), _("Name"), _("Phone"), _("Address 1"), _("Address 2"), _("City"),
        _("Region"), _("Postcode"), _("Country"),
    )


def open_purchase_orders(supplier_id: int) -> list[PurchaseOrder]:
    return list(db.session.scalars(
        select(PurchaseOrder)
        .where(PurchaseOrder.supplier_id == supplier_id, PurchaseOrder.status == POStatus.open)
        .options(joinedload(PurchaseOrder.order), selectinload(PurchaseOrder.lines))
        .order_by(PurchaseOrder.created_at, PurchaseOrder.id)
    ))


def open_orders_csv(pos: list[PurchaseOrder]) -> bytes:
    """One row per open line; customer text is escaped so a spreadsheet never runs it as a formula."""
    rows = [_header()]
    for po in pos:
        order = po.order
        for line in po.lines:
            if line.status is not LineStatus.open:
                continue
            rows.append((
                order.id, po.token, f"{order.paid_at:%Y-%m-%d %H:%M}" if order.paid_at else "", line.sku, line.title,
                line.variant_title, line.quantity, str(money.from_minor(line.unit_wholesale_minor, order.currency)),
                order.currency, order.customer_name, order.phone, order.address1, order.address2, order.city,
                order.region, order.postcode, order.country,
            ))
    return write_rows(rows)
