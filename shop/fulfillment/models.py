"""Purchase orders: the part of a customer order one supplier must ship."""
import enum
import secrets
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import db
from shop.util import new_token, now_utc


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_hex(24)


def new_event_id() -> str:
    return "evt_" + secrets.token_hex(16)


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
    # Indexed for the sweep, which looks for the few purchase orders not forwarded among all of them.
    forwarded_at: Mapped[datetime | None] = mapped_column(index=True)
    shipped_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]  # the supplier's system said it has the order (API)

    order = relationship("Order")
    supplier = relationship("Supplier")
    lines = relationship("OrderLine", back_populates="purchase_order", order_by="OrderLine.id")
    shipments = relationship("Shipment", back_populates="purchase_order", order_by="Shipment.id")

    @property
    def wholesale_total(self) -> int:
        return sum(line.wholesale_total for line in self.lines if line.status.value != "cancelled")


class Shipment(db.Model):
    """One parcel a supplier handed to a carrier: some or all of a purchase order's lines."""

    __tablename__ = "shipments"
    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    carrier: Mapped[str] = mapped_column(String(80))
    tracking_number: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    purchase_order = relationship("PurchaseOrder", back_populates="shipments")
    lines = relationship("OrderLine", back_populates="shipment", order_by="OrderLine.id")


class Notice(db.Model):
    """A customer mail already sent, keyed so that a job run twice sends it once."""

    __tablename__ = "notices"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    sent_at: Mapped[datetime] = mapped_column(default=now_utc)


class OrderChannel(enum.Enum):
    """How a supplier hears about a new purchase order."""

    portal = "portal"
    email = "email"
    webhook = "webhook"
    csv = "csv"


class SupplierChannel(db.Model):
    """A supplier's choice of how orders reach them, their webhook and their catalog feed."""

    __tablename__ = "supplier_channels"
    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), unique=True)
    channel: Mapped[OrderChannel] = mapped_column(
        Enum(OrderChannel, native_enum=False, length=16), default=OrderChannel.email
    )
    webhook_url: Mapped[str] = mapped_column(String(2048), default="")
    webhook_secret: Mapped[str] = mapped_column(String(64), default=new_webhook_secret)
    feed_url: Mapped[str] = mapped_column(String(2048), default="")
    feed_checked_at: Mapped[datetime | None]
    feed_error: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)

    supplier = relationship("Supplier")

    @property
    def effective(self) -> OrderChannel:
        """The chosen channel, or email while a webhook has no address to go to."""
        if self.channel is OrderChannel.webhook and not self.webhook_url:
            return OrderChannel.email
        return self.channel


class DeliveryStatus(enum.Enum):
    pending = "pending"
    delivered = "delivered"
    dead = "dead"


class WebhookDelivery(db.Model):
    """One event for one supplier's webhook, written in the transaction that made the change (an outbox)."""

    __tablename__ = "webhook_deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    # The supplier dedupes on event_id; `key` stops us from recording the same change twice.
    event_id: Mapped[str] = mapped_column(String(40), unique=True, default=new_event_id)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    event_type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[DeliveryStatus] = mapped_column(
        Enum(DeliveryStatus, native_enum=False, length=16), default=DeliveryStatus.pending, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=now_utc)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    delivered_at: Mapped[datetime | None]

    purchase_order = relationship("PurchaseOrder")
    supplier = relationship("Supplier")
