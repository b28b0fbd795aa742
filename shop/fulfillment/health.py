"""Supplier health: how often they ship on time, and how long payment to tracking takes."""
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from shop.extensions import db
from shop.orders.models import Order
from shop.util import now_utc

from .models import POStatus, PurchaseOrder

WINDOW = timedelta(days=90)


@dataclass
class Health:
    shipped: int = 0
    on_time: int = 0
    overdue: int = 0  # still open past the promise: counted as late already
    hours_total: float = 0.0

    @property
    def on_time_percent(self) -> int | None:
        judged = self.shipped + self.overdue
        return round(100 * self.on_time / judged) if judged else None

    @property
    def average_hours(self) -> float | None:
        return round(self.hours_total / self.shipped, 1) if self.shipped else None


def supplier_health(supplier_ids: list[int] | None = None) -> dict[int, Health]:
    """Health per supplier over the last 90 days of paid purchase orders (shipped or still open)."""
    now = now_utc()
    promise = timedelta(hours=current_app.config["SHIP_ON_TIME_HOURS"])
    query = (
        select(PurchaseOrder.supplier_id, PurchaseOrder.status, Order.paid_at, PurchaseOrder.shipped_at)
        .join(Order, Order.id == PurchaseOrder.order_id)
        .where(Order.paid_at >= now - WINDOW, PurchaseOrder.status != POStatus.cancelled)
    )
    if supplier_ids is not None:
        query = query.where(PurchaseOrder.supplier_id.in_(supplier_ids))
    health: dict[int, Health] = defaultdict(Health)
    # Differences are taken in Python: SQLite and PostgreSQL subtract timestamps differently.
    for supplier_id, status, paid_at, shipped_at in db.session.execute(query):
        row = health[supplier_id]
        if status is POStatus.shipped and shipped_at is not None:
            took = shipped_at - paid_at
            row.shipped += 1
            row.on_time += took <= promise
            row.hours_total += took.total_seconds() / 3600
        elif now - paid_at > promise:
            row.overdue += 1
    return dict(health)
