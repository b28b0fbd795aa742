"""The operator's use cases and the figures behind the admin pages."""
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import joinedload, selectinload

from shop.catalog.models import Product, Supplier, SupplierStatus
from shop.earnings.models import LedgerTransaction
from shop.extensions import db
from shop.fulfillment.models import POStatus, PurchaseOrder, Shipment
from shop.orders.models import Order, OrderStatus
from shop.payments.models import Refund
from shop.stores.models import Pick, Store

SOLD = (OrderStatus.paid, OrderStatus.shipped, OrderStatus.refunded)


class NotAllowed(Exception):
    """A status change the supplier's current status does not allow."""


def approve_supplier(supplier: Supplier) -> None:
    if supplier.status is SupplierStatus.approved:
        raise NotAllowed
    supplier.status = SupplierStatus.approved


def suspend_supplier(supplier: Supplier) -> None:
    if supplier.status is SupplierStatus.suspended:
        raise NotAllowed
    supplier.status = SupplierStatus.suspended


def toggle_featured(store: Store) -> None:
    store.featured = not store.featured


def _count(model, *where):
    return select(func.count()).select_from(model).where(*where).scalar_subquery()


def overview() -> dict[str, int]:
    """The counts on the admin home page, in one query."""
    row = db.session.execute(
        select(
            _count(Supplier, Supplier.status == SupplierStatus.pending).label("pending_suppliers"),
            _count(Supplier).label("suppliers"),
            _count(Product).label("products"),
            _count(Store).label("stores"),
            _count(Order, Order.status.in_(SOLD)).label("orders"),
            _count(PurchaseOrder, PurchaseOrder.status == POStatus.open).label("to_ship"),
            _count(Refund).label("refunds"),
        )
    ).one()
    return dict(row._mapping)


def suppliers_query() -> Select:
    """Every supplier, those awaiting approval first, newest next."""
    pending_first = case((Supplier.status == SupplierStatus.pending, 0), else_=1)
    return select(Supplier).order_by(pending_first, Supplier.created_at.desc(), Supplier.id.desc())


def product_counts(supplier_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(Product.supplier_id, func.count()).where(Product.supplier_id.in_(supplier_ids)).group_by(Product.supplier_id)
    )
    return dict(rows.all())


def stores_query() -> Select:
    return select(Store).options(joinedload(Store.user)).order_by(Store.created_at.desc(), Store.id.desc())


def store_counts(store_ids: list[int]) -> dict[int, dict[str, int]]:
    """Products picked and orders paid, per store."""
    picks = dict(
        db.session.execute(
            select(Pick.store_id, func.count()).where(Pick.store_id.in_(store_ids)).group_by(Pick.store_id)
        ).all()
    )
    orders = dict(
        db.session.execute(
            select(Order.store_id, func.count())
            .where(Order.store_id.in_(store_ids), Order.status.in_(SOLD))
            .group_by(Order.store_id)
        ).all()
    )
    return {i: {"products": picks.get(i, 0), "orders": orders.get(i, 0)} for i in store_ids}


def orders_query(status: OrderStatus | None) -> Select:
    query = select(Order).options(joinedload(Order.store)).order_by(Order.created_at.desc(), Order.id.desc())
    return query.where(Order.status == status) if status else query


def order_detail(order_id: int) -> dict | None:
    """An order with its lines, purchase orders, refunds and ledger, and whether the ledger balances."""
    order = db.session.scalar(
        select(Order).where(Order.id == order_id).options(joinedload(Order.store), selectinload(Order.lines))
    )
    if order is None:
        return None
    pos = db.session.scalars(
        select(PurchaseOrder)
        .where(PurchaseOrder.order_id == order.id)
        .options(joinedload(PurchaseOrder.supplier),
                 selectinload(PurchaseOrder.shipments).selectinload(Shipment.lines))
        .order_by(PurchaseOrder.id)
    ).all()
    refunds = db.session.scalars(select(Refund).where(Refund.order_id == order.id).order_by(Refund.id)).all()
    transactions = db.session.scalars(
        select(LedgerTransaction)
        .where(LedgerTransaction.order_id == order.id)
        .options(selectinload(LedgerTransaction.entries))
        .order_by(LedgerTransaction.id)
    ).all()
    balances: dict[str, int] = {}
    for txn in transactions:
        for entry in txn.entries:
            balances[entry.account.value] = balances.get(entry.account.value, 0) + entry.amount_minor
    return {
        "order": order,
        "purchase_orders": pos,
        "refunds": refunds,
        "transactions": [(txn, sum(e.amount_minor for e in txn.entries)) for txn in transactions],
        "balances": balances,
        "balanced": all(sum(e.amount_minor for e in txn.entries) == 0 for txn in transactions),
    }

