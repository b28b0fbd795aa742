"""How API objects look in JSON; shop/api/openapi.py describes the same shapes."""
import base64
import binascii
import json
from datetime import datetime, timezone

from flask_babel import gettext as _

from shop.fulfillment.models import PurchaseOrder, Shipment

from .errors import ApiError


def timestamp(value: datetime | None) -> str | None:
    """A stored (naive UTC) time as RFC 3339 with a Z."""
    return value.isoformat(timespec="seconds") + "Z" if value else None


def parse_timestamp(text: str, name: str) -> datetime:
    """An RFC 3339 time from a query string, as naive UTC like the stored ones."""
    try:
        value = datetime.fromisoformat(text.strip().replace(" ", "+"))
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
    except (ValueError, OverflowError):
        raise ApiError(400, "invalid_parameter", _("%(name)s must be a time like 2026-01-31T09:00:00Z.", name=name),
                       [{"field": name, "code": "invalid"}]) from None
    return value


def purchase_order(po: PurchaseOrder) -> dict:
    order = po.order
    return {
        "id": po.token,
        "order_number": po.order_id,
        "status": po.status.value,
        "currency": order.currency,
        "wholesale_total_minor": po.wholesale_total,
        "created_at": timestamp(po.created_at),
        "acknowledged_at": timestamp(po.acknowledged_at),
        "shipped_at": timestamp(po.shipped_at),
        "carrier": po.carrier,
        "tracking_number": po.tracking_number,
        "ship_to": {
            "name": order.customer_name, "phone": order.phone, "address1": order.address1,
            "address2": order.address2, "city": order.city, "region": order.region, "postcode": order.postcode,
            "country": order.country,
        },
        "lines": [
            {"id": line.id, "sku": line.sku, "title": line.title, "variant_title": line.variant_title,
             "quantity": line.quantity, "unit_wholesale_minor": line.unit_wholesale_minor,
             "status": line.status.value, "shipment_id": line.shipment_id}
            for line in po.lines
        ],
        "shipments": [shipment(s) for s in po.shipments],
    }


def shipment(value: Shipment) -> dict:
    return {"id": value.id, "carrier": value.carrier, "tracking_number": value.tracking_number,
            "created_at": timestamp(value.created_at), "line_ids": [line.id for line in value.lines]}


def encode_cursor(po: PurchaseOrder) -> str:
    raw = json.dumps([po.created_at.isoformat(), po.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (created_at, id) a page ended on; an opaque string to the client."""
    try:
        created, po_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(po_id, int) or isinstance(po_id, bool) or not 0 <= po_id < 2**31:
            raise ValueError
        created = datetime.fromisoformat(created)
        if created.tzinfo is not None:
            raise ValueError
        return created, po_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ApiError(400, "invalid_cursor", _("This cursor is not one we gave out."),
                       [{"field": "cursor", "code": "invalid"}]) from None
