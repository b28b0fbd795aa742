"""The shared catalog: suppliers (fulfilment partners), their products, variants and images."""
import enum
import json
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import db
from shop.util import new_token, now_utc


class SupplierStatus(enum.Enum):
    pending = "pending"
    approved = "approved"
    suspended = "suspended"


class Supplier(db.Model):
    __tablename__ = "suppliers"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    status: Mapped[SupplierStatus] = mapped_column(
        Enum(SupplierStatus, native_enum=False, length=16), default=SupplierStatus.pending
    )
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    user = relationship("User")
    products: Mapped[list["Product"]] = relationship(back_populates="supplier")

    @property
    def is_approved(self) -> bool:
        return self.status is SupplierStatus.approved


class Product(db.Model):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("supplier_id", "handle"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    handle: Mapped[str] = mapped_column(String(255))
    slug: Mapped[str] = mapped_column(String(300), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    body_html: Mapped[str] = mapped_column(Text, default="")  # sanitised with nh3 before it is stored
    vendor: Mapped[str] = mapped_column(String(255), default="")
    category: Mapped[str] = mapped_column(String(255), default="", index=True)
    tags: Mapped[str] = mapped_column(Text, default="")
    option1_name: Mapped[str] = mapped_column(String(255), default="")
    option2_name: Mapped[str] = mapped_column(String(255), default="")
    option3_name: Mapped[str] = mapped_column(String(255), default="")
    published: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)

    supplier: Mapped[Supplier] = relationship(back_populates="products")
    variants: Mapped[list["Variant"]] = relationship(
        back_populates="product", order_by="Variant.position", cascade="all, delete-orphan"
    )
    images: Mapped[list["ProductImage"]] = relationship(
        back_populates="product", order_by="ProductImage.position", cascade="all, delete-orphan"
    )

    @property
    def option_names(self) -> list[str]:
        return [n for n in (self.option1_name, self.option2_name, self.option3_name) if n]

    @property
    def image_src(self) -> str | None:
        return self.images[0].src if self.images else None

    @property
    def min_wholesale(self) -> int:
        return min((v.wholesale_minor for v in self.variants), default=0)

    @property
    def suggested_retail(self) -> int | None:
        base = min(self.variants, key=lambda v: v.wholesale_minor, default=None)
        return base.retail_minor if base else None

    @property
    def stock(self) -> int:
        return sum(v.stock for v in self.variants)


class Variant(db.Model):
    __tablename__ = "variants"
    __table_args__ = (
        UniqueConstraint("supplier_id", "sku"),
        CheckConstraint("wholesale_minor > 0", name="wholesale_positive"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    sku: Mapped[str] = mapped_column(String(255))
    option1: Mapped[str] = mapped_column(String(255), default="")
    option2: Mapped[str] = mapped_column(String(255), default="")
    option3: Mapped[str] = mapped_column(String(255), default="")
    wholesale_minor: Mapped[int]
    retail_minor: Mapped[int | None]  # the supplier's suggested retail (Compare At Price)
    stock: Mapped[int] = mapped_column(default=0)
    image_src: Mapped[str] = mapped_column(String(2048), default="")
    position: Mapped[int] = mapped_column(default=1)

    product: Mapped[Product] = relationship(back_populates="variants")

    @property
    def title(self) -> str:
        return " / ".join(o for o in (self.option1, self.option2, self.option3) if o)

    @property
    def photo_src(self) -> str | None:
        """The variant's picture as served: the product's /media copy of it once fetched, else the product's own."""
        # A CSV names a variant's picture by the supplier's address, which is also one of the product's images.
        for image in self.product.images:
            if self.image_src and self.image_src in (image.src, image.remote_src):
                return image.src
        return self.product.image_src


# A host that is down gets a few more chances (one per sweep); a file that is not a picture gets none.
MAX_FETCH_ATTEMPTS = 3


class ProductImage(db.Model):
    __tablename__ = "product_images"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    src: Mapped[str] = mapped_column(String(2048))  # a supplier's URL, kept as a reference, or /media/...
    position: Mapped[int] = mapped_column(default=1)
    alt: Mapped[str] = mapped_column(String(512), default="")
    # The outside address a /media copy was made from: a re-import naming it again keeps the copy.
    remote_src: Mapped[str | None] = mapped_column(String(2048))
    fetch_attempts: Mapped[int] = mapped_column(default=0)
    fetch_error: Mapped[str] = mapped_column(String(500), default="")
    # A worker's claim on the fetch: others leave the photo alone until then, so a dead worker's claim runs out.
    fetch_lease_until: Mapped[datetime | None]

    product: Mapped[Product] = relationship(back_populates="images")

    @property
    def is_local(self) -> bool:
        return self.src.startswith("/media/")


class ImportStatus(enum.Enum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class ImportJob(db.Model):
    __tablename__ = "import_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True, default=new_token)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    path: Mapped[str] = mapped_column(String(1024))
    status: Mapped[ImportStatus] = mapped_column(
        Enum(ImportStatus, native_enum=False, length=16), default=ImportStatus.queued
    )
    total_rows: Mapped[int] = mapped_column(default=0)
    processed_rows: Mapped[int] = mapped_column(default=0)
    report_json: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    finished_at: Mapped[datetime | None]

    @property
    def report(self) -> dict:
        return json.loads(self.report_json) if self.report_json else {}

    @property
    def percent(self) -> int:
        if self.status is ImportStatus.done:
            return 100
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0


Index("ix_products_title", Product.title)
