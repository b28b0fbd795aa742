"""Purchase orders: the part of a customer order one supplier must ship."""
import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import db
from shop.util import new_token, now_utc


class POStatus(enum.Enum):
    open = "open"
    shipped = "shipped"
    cancelled = "cancelled"


class PurchaseOrder(db.Model):
    __tablename__ = "purchase_orders"
    __table_args__ = (UniqueConstraint("order_id", "supplier_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True, default=new_token)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    status: Mapped[POStatus] = mapped_column(Enum(POStatus, native_enum=False, length=16), default=POStatus.open)
    carrier: Mapped[str] = mapped_column(String(80), default="")
    tracking_number: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    forwarded_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]

    order = relationship("Order")
    supplier = relationship("Supplier")
    lines = relationship("OrderLine", back_populates="purchase_order", order_by="OrderLine.id")

    @property
    def wholesale_total(self) -> int:
        return sum(line.wholesale_total for line in self.lines if line.status.value != "cancelled")


class Notice(db.Model):
    """A customer mail already sent, keyed so that a job run twice sends it once."""

    __tablename__ = "notices"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    sent_at: Mapped[datetime] = mapped_column(default=now_utc)
