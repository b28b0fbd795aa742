"""The operator's view of the order pipeline: what waits, what is being sent, what failed, what gave up."""
from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload

from shop.catalog.models import Supplier
from shop.extensions import db
from shop.orders.models import Order, OrderStatus

from .models import DeliveryStatus, POStatus, PurchaseOrder, WebhookDelivery

LIMIT = 50


def _delivery_query(*conditions):
    return (
        select(WebhookDelivery)
        .where(*conditions)
        .options(joinedload(WebhookDelivery.purchase_order), joinedload(WebhookDelivery.supplier))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
    )


def pipeline_stages() -> dict[str, tuple[int, list]]:
    """Each stage's size and its oldest rows: waiting purchase orders, in-flight, failed and dead deliveries."""
    attempted = exists().where(WebhookDelivery.purchase_order_id == PurchaseOrder.id, WebhookDelivery.attempts > 0)
    waiting = (
        select(PurchaseOrder)
        .join(Order, Order.id == PurchaseOrder.order_id)
        .where(Order.status == OrderStatus.paid, PurchaseOrder.status == POStatus.open,
               PurchaseOrder.forwarded_at.is_(None), ~attempted)
        .options(joinedload(PurchaseOrder.supplier))
        .order_by(PurchaseOrder.created_at, PurchaseOrder.id)
    )
    pending = WebhookDelivery.status == DeliveryStatus.pending
    queries = {
        "waiting": waiting,
        "in_flight": _delivery_query(pending, WebhookDelivery.attempts > 0, WebhookDelivery.last_error == ""),
        "failed": _delivery_query(pending, WebhookDelivery.last_error != ""),
        "dead": _delivery_query(WebhookDelivery.status == DeliveryStatus.dead),
    }
    stages = {}
    for name, query in queries.items():
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        stages[name] = (total, list(db.session.scalars(query.limit(LIMIT)).unique()))
    return stages


def suppliers_by_id(ids) -> dict[int, Supplier]:
    return {s.id: s for s in db.session.scalars(select(Supplier).where(Supplier.id.in_(list(ids))))}


def purchase_order_by_token(token: str) -> PurchaseOrder | None:
    return db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.token == token))
