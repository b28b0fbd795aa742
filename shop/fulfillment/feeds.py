"""Supplier catalog feeds: a CSV address polled on a schedule, imported with the catalog importer."""
import csv
import io

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload

from shop import money
from shop.catalog.importer import ImportFileError, _records, import_csv
from shop.catalog.models import Product
from shop.extensions import db
from shop.settings import platform_fee_bp
from shop.stores.models import Pick, Store
from shop.util import now_utc

from .models import SupplierChannel
from .outbound import OutboundError, call


def _handles(body: bytes) -> set[str]:
    """Every handle the feed names, rows with errors included, so a typo never withdraws a product."""
    records = _records(io.BytesIO(body))
    position = next(records)["handle"]
    return {
        record[position].strip() for _number, record in records
        if not isinstance(record, (Exception, csv.Error)) and len(record) > position and record[position].strip()
    }


def refresh_feed(supplier_id: int) -> dict:
    """Fetch and import one supplier's feed; products missing from it stop selling. Flushes; the job commits."""
    channel = db.session.scalar(select(SupplierChannel).where(SupplierChannel.supplier_id == supplier_id))
    if channel is None or not channel.feed_url:
        return {}
    url = channel.feed_url
    try:
        body = call(url, current_app.config["FEED_MAX_BYTES"])
        if b"\x00" in body[:4096]:
            raise ImportFileError(_("This file is not a CSV file."))
        handles = _handles(body)
        if not handles:
            raise ImportFileError(_("The feed lists no products, so nothing was changed."))
        report = import_csv(supplier_id, io.BytesIO(body))
    except (OutboundError, ImportFileError) as exc:
        db.session.rollback()
        _note(supplier_id, _("The feed at %(url)s was not imported: %(reason)s", url=url, reason=str(exc)))
        return {"error": str(exc)}
    listed = db.session.execute(
        select(Product.id, Product.handle).where(Product.supplier_id == supplier_id, Product.published.is_(True))
    )
    missing = [product_id for product_id, handle in listed if handle not in handles]
    # In slices: a big catalog would pass the database's limit on bound parameters in one statement.
    for start in range(0, len(missing), 500):
        db.session.execute(
            update(Product).where(Product.id.in_(missing[start:start + 500])).values(published=False)
            .execution_options(synchronize_session=False)
        )
    report["products_withdrawn"] = len(missing)
    _note(supplier_id, "")
    db.session.flush()
    return report


def _note(supplier_id: int, error: str) -> None:
    db.session.execute(
        update(SupplierChannel)
        .where(SupplierChannel.supplier_id == supplier_id)
        .values(feed_checked_at=now_utc(), feed_error=error[:500])
        .execution_options(synchronize_session=False)
    )


def picks_below_floor(supplier_id: int) -> list[Pick]:
    """Resellers' picks of this supplier's products priced below wholesale plus the platform fee."""
    fee_bp = platform_fee_bp()
    picks = db.session.scalars(
        select(Pick)
        .join(Product, Product.id == Pick.product_id)
        .where(Product.supplier_id == supplier_id, Product.published.is_(True))
        .options(selectinload(Pick.product).selectinload(Product.variants),
                 joinedload(Pick.store).joinedload(Store.user))
    )
    return [pick for pick in picks if pick.price_minor < money.price_floor(pick.product.min_wholesale, fee_bp)]
