"""Use cases on a supplier's catalog: find products, change stock and prices, add photos, start an import."""
import os
from pathlib import Path

from flask import current_app
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from shop.extensions import db

from .importer import check_csv_header
from .models import ImportJob, Product, ProductImage, Supplier, Variant


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def supplier_products(supplier: Supplier, query: str = "") -> Select:
    """The supplier's products, newest first, with what the list shows loaded up front."""
    stmt = (
        select(Product)
        .where(Product.supplier_id == supplier.id)
        .options(selectinload(Product.variants), selectinload(Product.images))
        .order_by(Product.id.desc())
    )
    query = query.strip()
    if query:
        pattern = _like(query)
        by_sku = select(Variant.product_id).where(Variant.supplier_id == supplier.id,
                                                  Variant.sku.ilike(pattern, escape="\\"))
        stmt = stmt.where(or_(Product.title.ilike(pattern, escape="\\"), Product.id.in_(by_sku)))
    return stmt


def set_stock_and_price(variant: Variant, stock: int, wholesale_minor: int) -> None:
    variant.stock = stock
    variant.wholesale_minor = wholesale_minor
    db.session.flush()


def add_photo(product: Product, src: str) -> ProductImage:
    """Add an uploaded photo after the product's other images."""
    position = max((image.position for image in product.images), default=0) + 1
    image = ProductImage(src=src, position=position, alt=product.title[:512])
    product.images.append(image)
    db.session.flush()
    return image


def start_import(supplier: Supplier, upload) -> ImportJob:
    """Keep an uploaded CSV under UPLOAD_FOLDER/imports and record the job; ImportFileError if unusable."""
    job = ImportJob(supplier_id=supplier.id, filename=os.path.basename(upload.filename or "catalog.csv")[:255],
                    path="")
    db.session.add(job)
    db.session.flush()
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{job.token}.csv"
    upload.save(str(path))
    try:
        with open(path, "rb") as stream:
            check_csv_header(stream)
    except Exception:
        path.unlink(missing_ok=True)
        raise
    job.path = str(path)
    return job
