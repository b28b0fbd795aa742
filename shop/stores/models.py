"""Resellers' stores, the products they picked from the catalog, and visits to them."""
import enum
import re
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop import money
from shop.catalog.models import Product, Variant
from shop.extensions import db
from shop.util import new_token, now_utc

DEFAULT_COLOUR = "#0f766e"
COLOUR_RE = re.compile(r"#[0-9a-fA-F]{6}")


class Store(db.Model):
    __tablename__ = "stores"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    tagline: Mapped[str] = mapped_column(String(160), default="")
    logo_src: Mapped[str] = mapped_column(String(1024), default="")
    colour: Mapped[str] = mapped_column(String(7), default=DEFAULT_COLOUR)
    featured: Mapped[bool] = mapped_column(default=False)
    # Reseller invites: this store's own code, and the store whose invite opened it (never changes).
    invite_code: Mapped[str] = mapped_column(String(16), unique=True, default=lambda: new_token()[:10])
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    user = relationship("User")
    invited_by = relationship("Store", remote_side="Store.id")
    picks: Mapped[list["Pick"]] = relationship(
        back_populates="store", order_by="Pick.position", cascade="all, delete-orphan"
    )

    @property
    def safe_colour(self) -> str:
        """The colour for an inline style: only ever a #rrggbb value."""
        return self.colour if COLOUR_RE.fullmatch(self.colour or "") else DEFAULT_COLOUR


class Pick(db.Model):
    """A catalog product a reseller sells, at the reseller's own price."""

    __tablename__ = "picks"
    __table_args__ = (
        UniqueConstraint("store_id", "product_id"),
        CheckConstraint("price_minor > 0", name="price_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    # Price of the product's cheapest variant; dearer variants keep the same margin.
    price_minor: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    store: Mapped[Store] = relationship(back_populates="picks")
    product: Mapped[Product] = relationship()

    def price_for(self, variant: Variant) -> int:
        return self.price_minor + variant.wholesale_minor - self.product.min_wholesale

    def floor(self, fee_bp: int) -> int:
        """The lowest price this pick may have: wholesale plus the platform fee."""
        return money.price_floor(self.product.min_wholesale, fee_bp)

    def margin(self, fee_bp: int) -> int:
        """What the reseller earns on one sale of the cheapest variant."""
        return self.price_minor - self.product.min_wholesale - money.fee_for(self.price_minor, fee_bp)


class Click(db.Model):
    """One visit to a store or product page; a visitor's reloads within 30 minutes are not counted again."""

    __tablename__ = "clicks"
    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    visitor: Mapped[str] = mapped_column(String(32))
    link_id: Mapped[int | None] = mapped_column(ForeignKey("share_links.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16), default="direct")
    created_at: Mapped[datetime] = mapped_column(default=now_utc)


class Channel(enum.Enum):
    """Where a shared link was posted."""

    whatsapp = "whatsapp"
    wechat = "wechat"
    telegram = "telegram"
    line = "line"
    sms = "sms"
    share = "share"  # the phone's own share sheet (Web Share API)
    qr = "qr"
    poster = "poster"
    copy = "copy"
    direct = "direct"


class ShareLink(db.Model):
    """A reseller's link to the store or one product, for one channel; its code makes the short link /r/<code>."""

    __tablename__ = "share_links"
    __table_args__ = (UniqueConstraint("store_id", "product_id", "channel"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True, default=lambda: new_token()[:8])
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    channel: Mapped[str] = mapped_column(String(16), default=Channel.copy.value)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    store: Mapped[Store] = relationship()
    product: Mapped[Product | None] = relationship()


Index("ix_clicks_store_created", Click.store_id, Click.created_at)
Index("ix_clicks_visitor_created", Click.visitor, Click.created_at)
