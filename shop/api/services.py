"""Use cases behind the supplier API: keys, stock and prices in bulk, acknowledging, shipping, cancelling."""
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from shop.catalog.importer import parse_price, parse_stock
from shop.catalog.models import Supplier, Variant
from shop.extensions import db
from shop.fulfillment.feeds import picks_below_floor
from shop.fulfillment.models import POStatus, PurchaseOrder, Shipment
from shop.fulfillment.services import (
    cancel_supplier_lines, lock_purchase_order, open_lines, ship_purchase_order,
)
from shop.fulfillment.tasks import tell_price_below_floor
from shop.util import now_utc

from .errors import ApiError
from .models import ApiKey, hash_key, new_secret

TOUCH_EVERY = timedelta(minutes=1)


def create_api_key(supplier: Supplier, name: str) -> tuple[ApiKey, str]:
    """A new key for the supplier and its secret, which is never stored and cannot be shown again."""
    secret = new_secret()
    key = ApiKey(supplier_id=supplier.id, name=name.strip()[:80], prefix=secret[:15], key_hash=hash_key(secret))
    db.session.add(key)
    db.session.flush()
    return key, secret


def supplier_keys(supplier_id: int) -> list[ApiKey]:
    """The supplier's keys, live ones first, newest first."""
    return list(db.session.scalars(
        select(ApiKey).where(ApiKey.supplier_id == supplier_id)
        .order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc(), ApiKey.id.desc())
    ))


def revoke_api_key(key: ApiKey) -> None:
    key.revoked_at = key.revoked_at or now_utc()
    db.session.flush()


def key_for_secret(secret: str) -> ApiKey | None:
    # populate_existing: a revocation must count even if this session saw the key before.
    return db.session.scalar(
        select(ApiKey).where(ApiKey.key_hash == hash_key(secret)).options(joinedload(ApiKey.supplier))
        .execution_options(populate_existing=True)
    )


def touch_api_key(key: ApiKey, now: datetime | None = None) -> bool:
    """Record when the key was last used, at most once a minute so reads stay reads; True when written."""
    now = now or now_utc()
    written = db.session.execute(
        update(ApiKey)
        .where(ApiKey.id == key.id, or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - TOUCH_EVERY))
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    return written.rowcount == 1


def set_inventory(supplier_id: int, items: list, currency: str) -> tuple[int, list[dict]]:
    """Set stock and/or wholesale price for many SKUs; (variants updated, per-item errors). Flushes."""
    skus = [_sku(item) for item in items]
    variants = {v.sku: v for v in db.session.scalars(
        select(Variant).where(Variant.supplier_id == supplier_id, Variant.sku.in_({s for s in skus if s}))
    )}
    errors, updated = [], 0
    for index, (item, sku) in enumerate(zip(items, skus)):
        changes, problems = _inventory_changes(item, currency)
        variant = variants.get(sku)
        if not problems and variant is None:
            problems = [("unknown_sku", _("No variant of yours has this SKU."))]
        if problems:
            errors += [{"item": index, "sku": sku, "code": code, "message": message} for code, message in problems]
            continue
        for name, value in changes.items():
            setattr(variant, name, value)
        updated += 1
    db.session.flush()
    return updated, errors


def warn_resellers_below_floor(supplier_id: int) -> None:
    """After committed price changes: tell resellers whose price no longer covers wholesale plus the fee."""
    for pick in picks_below_floor(supplier_id):
        tell_price_below_floor(pick.id)  # once per pick and floor: the job keeps a notice


def _sku(item) -> str | None:
    sku = item.get("sku") if isinstance(item, dict) else None
    return sku if isinstance(sku, str) else None


def _inventory_changes(item, currency: str) -> tuple[dict, list[tuple[str, str]]]:
    """What one inventory item asks to change, checked with the CSV importer's rules."""
    if not isinstance(item, dict) or not isinstance(item.get("sku"), str) or not item["sku"]:
        return {}, [("invalid_item", _("Each item needs a sku."))]
    changes, problems = {}, []
    if "stock" in item:
        stock = item["stock"]
        try:
            value = parse_stock(str(stock)) if isinstance(stock, int) and not isinstance(stock, bool) else None
            if value is None:
                raise ValueError(_("Stock must be a whole number of 0 or more."))
            changes["stock"] = value
        except ValueError as exc:
            problems.append(("invalid_stock", str(exc)))
    if "price" in item:
        price = item["price"]
        valid = isinstance(price, (str, int, float)) and not isinstance(price, bool)
        value = parse_price(str(price), currency) if valid else None
        if value is None:
            problems.append(("invalid_price", _("Price must be a positive number, like 12.50.")))
        else:
            changes["wholesale_minor"] = value
    if not changes and not problems:
        problems.append(("invalid_item", _("Give stock, price or both.")))
    return changes, problems


# What the JSON of a purchase order shows, loaded up front.
PO_LOADS = (joinedload(PurchaseOrder.order), selectinload(PurchaseOrder.lines),
            selectinload(PurchaseOrder.shipments).selectinload(Shipment.lines))


def list_purchase_orders(supplier_id: int, limit: int, status: POStatus | None = None,
                         since: datetime | None = None, after: tuple[datetime, int] | None = None):
    """A page of the supplier's purchase orders, oldest first, and whether more follow."""
    stmt = (
        select(PurchaseOrder).where(PurchaseOrder.supplier_id == supplier_id)
        .options(*PO_LOADS)
        .order_by(PurchaseOrder.created_at, PurchaseOrder.id).limit(limit + 1)
    )
    if status is not None:
        stmt = stmt.where(PurchaseOrder.status == status)
    if since is not None:
        stmt = stmt.where(PurchaseOrder.created_at >= since)
    if after is not None:
        # Keyset paging on (created_at, id): stable while new orders arrive, unlike an offset.
        created, po_id = after
        stmt = stmt.where(or_(PurchaseOrder.created_at > created,
                              and_(PurchaseOrder.created_at == created, PurchaseOrder.id > po_id)))
    page = list(db.session.scalars(stmt).unique())
    return page[:limit], len(page) > limit


def load_supplier_po(supplier_id: int, token: str) -> PurchaseOrder:
    """The supplier's purchase order by token, or a 404 error: another supplier's looks the same as none."""
    # A NUL can come in through %00 in the URL; PostgreSQL refuses to even compare it.
    po = None if "\x00" in token else db.session.scalar(
        select(PurchaseOrder).where(PurchaseOrder.token == token, PurchaseOrder.supplier_id == supplier_id)
        .options(*PO_LOADS)
    )
    if po is None:
        raise ApiError(404, "purchase_order_not_found", _("No purchase order of yours has this id."))
    return po


def acknowledge_purchase_order(po: PurchaseOrder) -> None:
    """The supplier's system has taken the order in; a second call changes nothing."""
    if po.status is POStatus.cancelled:
        raise ApiError(409, "purchase_order_cancelled", _("This purchase order was cancelled."))
    po.acknowledged_at = po.acknowledged_at or now_utc()
    db.session.flush()


def _chosen_lines(po: PurchaseOrder, line_ids) -> list:
    """The open lines named by id; ids that are not open lines of this purchase order are errors."""
    if not isinstance(line_ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in line_ids):
        raise ApiError(422, "validation_failed", _("line_ids must be a list of line ids."),
                       [{"field": "line_ids", "code": "invalid"}])
    open_ids = {line.id for line in open_lines(po)}
    unknown = [i for i in line_ids if i not in open_ids]
    if unknown or not line_ids:
        raise ApiError(422, "lines_not_open", _("Name only lines of this purchase order that are still open."),
                       [{"field": "line_ids", "code": "not_open", "line_id": i} for i in unknown])
    return open_lines(po, line_ids)


def ship_by_api(po: PurchaseOrder, carrier: str, tracking_number: str, line_ids=None) -> Shipment:
    """Ship the named open lines (all of them without line_ids) as one parcel, as the portal does."""
    # Locked before the checks: a call racing another (the portal, a second worker) gets the answer a later
    # call would, not a second shipment.
    lock_purchase_order(po)
    if not open_lines(po):
        raise ApiError(409, "nothing_to_ship", _("Nothing is left to ship on this purchase order."))
    lines = None if line_ids is None else _chosen_lines(po, line_ids)
    return ship_purchase_order(po, carrier, tracking_number, lines)


def cancel_by_api(po: PurchaseOrder, line_ids, reason: str):
    """Cancel the named open lines as the portal does; the Refund (None if nothing was paid) and the lines."""
    lock_purchase_order(po)  # before the checks, as for shipping: a racing call gets the answer a later one would
    lines = _chosen_lines(po, line_ids)
    return cancel_supplier_lines(po, lines, reason), lines
