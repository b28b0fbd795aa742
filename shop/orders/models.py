"""Carts, customer orders and their lines, with explicit status transitions."""
import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import db
from shop.util import new_token, now_utc


class OrderStatus(enum.Enum):
    pending_payment = "pending_payment"
    paid = "paid"
    shipped = "shipped"
    cancelled = "cancelled"  # never paid
    failed = "failed"  # paid, but stock ran out first: refunded
    refunded = "refunded"  # every line cancelled after payment


TRANSITIONS = {
    (OrderStatus.pending_payment, "pay"): OrderStatus.paid,
    (OrderStatus.pending_payment, "out_of_stock"): OrderStatus.failed,
    (OrderStatus.pending_payment, "expire"): OrderStatus.cancelled,
    (OrderStatus.paid, "ship_all"): OrderStatus.shipped,
    (OrderStatus.paid, "cancel_all"): OrderStatus.refunded,
    (OrderStatus.shipped, "cancel_all"): OrderStatus.refunded,
}


class InvalidTransition(Exception):
    pass


def next_status(current: OrderStatus, event: str) -> OrderStatus:
    """The status an order moves to on an event, or InvalidTransition."""
    try:
        return TRANSITIONS[(current, event)]
    except KeyError:
        raise InvalidTransition(f"{event} is not allowed when {current.value}") from None


class LineStatus(enum.Enum):
    open = "open"
    shipped = "shipped"
    cancelled = "cancelled"


def _enum(e):
    return Enum(e, native_enum=False, length=20)


class Cart(db.Model):
    __tablename__ = "carts"
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True, default=new_token)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    link_id: Mapped[int | None] = mapped_column(ForeignKey("share_links.id"))  # the link that brought it
    channel: Mapped[str] = mapped_column(String(16), default="direct")
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    lines: Mapped[list["CartLine"]] = relationship(
        back_populates="cart", order_by="CartLine.id", cascade="all, delete-orphan"
    )


class CartLine(db.Model):
    __tablename__ = "cart_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id"), index=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id"))
    quantity: Mapped[int] = mapped_column(default=1)

    cart: Mapped[Cart] = relationship(back_populates="lines")
    variant = relationship("Variant")


class Order(db.Model):
    __tablename__ = "orders"
    __table_args__ = (CheckConstraint("total_minor >= 0", name="total_not_negative"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True, default=new_token)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus), default=OrderStatus.pending_payment)
    customer_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(40))
    address1: Mapped[str] = mapped_column(String(200))
    address2: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100))
    region: Mapped[str] = mapped_column(String(100), default="")
    postcode: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int]
    refunded_minor: Mapped[int] = mapped_column(default=0)
    payment_provider: Mapped[str] = mapped_column(String(20), default="")
    payment_ref: Mapped[str] = mapped_column(String(255), default="", index=True)
    payment_intent: Mapped[str] = mapped_column(String(255), default="")
    locale: Mapped[str] = mapped_column(String(8), default="en")
    # The cart this order was placed from, emptied once the order is paid. Indexed: deleting the cart
    # looks up the orders to set NULL, which without it reads every order (90 ms at 100,000).
    cart_id: Mapped[int | None] = mapped_column(ForeignKey("carts.id", ondelete="SET NULL"), index=True)
    # Attribution: the reseller's share link and channel that brought the customer ("direct" without one).
    link_id: Mapped[int | None] = mapped_column(ForeignKey("share_links.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16), default="direct")
    # The buyer was the store's own reseller (buy to save): no override goes up the chain.
    self_purchase: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=now_utc, index=True)
    paid_at: Mapped[datetime | None]
    # Set by the confirmation (or sold-out) mail job, so running it twice sends one mail.
    customer_mailed_at: Mapped[datetime | None]

    store = relationship("Store")
    lines: Mapped[list["OrderLine"]] = relationship(
        back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan"
    )
    refunds = relationship("Refund", order_by="Refund.id", viewonly=True)

    @property
    def first_name(self) -> str:
        return (self.customer_name.split() or [""])[0]

    def apply(self, event: str) -> None:
        self.status = next_status(self.status, event)

    @property
    def parcels(self) -> list[tuple[object, list["OrderLine"]]]:
        """The lines grouped by purchase order (one parcel per supplier), in line order."""
        groups: dict[int | None, tuple[object, list[OrderLine]]] = {}
        for line in self.lines:
            groups.setdefault(line.purchase_order_id, (line.purchase_order, []))[1].append(line)
        return list(groups.values())


class OrderLine(db.Model):
    """A line as it was sold: SKU, title, supplier and prices are snapshots."""

    __tablename__ = "order_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    # Indexed for what sold of a variant (stock checks, the benchmark's stock audit) and its foreign key.
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    purchase_order_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"), index=True)
    sku: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255))
    variant_title: Mapped[str] = mapped_column(String(255), default="")
    quantity: Mapped[int]
    unit_price_minor: Mapped[int]
    unit_wholesale_minor: Mapped[int]
    unit_fee_minor: Mapped[int]
    status: Mapped[LineStatus] = mapped_column(_enum(LineStatus), default=LineStatus.open)

    order: Mapped[Order] = relationship(back_populates="lines")
    purchase_order = relationship("PurchaseOrder", back_populates="lines")
    shipment = relationship("Shipment", back_populates="lines")

    @property
    def total(self) -> int:
        return self.unit_price_minor * self.quantity

    @property
    def wholesale_total(self) -> int:
        return self.unit_wholesale_minor * self.quantity

    @property
    def fee_total(self) -> int:
        return self.unit_fee_minor * self.quantity

    @property
    def commission_total(self) -> int:
        return self.total - self.wholesale_total - self.fee_total
