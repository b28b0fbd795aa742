"""Signed webhooks to suppliers: events kept in an outbox, delivered with backoff, then dead-lettered."""
import hashlib
import hmac
import json
import time
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, true, update
from sqlalchemy.orm import joinedload

from shop.extensions import db
from shop.util import insert_once, new_token, now_utc

from .models import DeliveryStatus, OrderChannel, PurchaseOrder, SupplierChannel, WebhookDelivery, new_event_id
from .outbound import OutboundError, call

CREATED, UPDATED, CANCELLED = "purchase_order.created", "purchase_order.updated", "purchase_order.cancelled"
# Waits after each failed attempt; they add up to 44.6 hours, then the delivery is dead-lettered.
BACKOFF = (
    timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
    timedelta(hours=6), timedelta(hours=12), timedelta(hours=24),
)
MAX_ANSWER = 64 * 1024
SIGNATURE_HEADER = "Sharestall-Signature"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header: t=<unix>,v1=<HMAC-SHA256 of "t.body">, as Stripe signs its webhooks."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def channel_of(supplier_id: int) -> SupplierChannel | None:
    return db.session.scalar(select(SupplierChannel).where(SupplierChannel.supplier_id == supplier_id))


def event_body(po: PurchaseOrder, event_type: str, event_id: str) -> dict:
    """The JSON event: what the purchase order is now, with everything a supplier needs to ship it."""
    order = po.order
    return {
        "id": event_id,
        "type": event_type,
        "created": int(time.time()),
        "data": {"purchase_order": {
            "token": po.token, "order_number": order.id, "status": po.status.value, "currency": order.currency,
            "wholesale_total_minor": po.wholesale_total, "carrier": po.carrier,
            "tracking_number": po.tracking_number,
            "ship_to": {
                "name": order.customer_name, "phone": order.phone, "address1": order.address1,
                "address2": order.address2, "city": order.city, "region": order.region,
                "postcode": order.postcode, "country": order.country,
            },
            "lines": [
                {"id": line.id, "sku": line.sku, "title": line.title, "variant_title": line.variant_title,
                 "quantity": line.quantity, "unit_wholesale_minor": line.unit_wholesale_minor,
                 "status": line.status.value, "shipment_id": line.shipment_id}
                for line in po.lines
            ],
        }},
    }


def record_event(po: PurchaseOrder, event_type: str) -> bool:
    """Queue an event for the supplier's webhook, in the caller's transaction; False when none is due. Flushes."""
    channel = channel_of(po.supplier_id)
    if channel is None or channel.channel is not OrderChannel.webhook or not channel.webhook_url:
        return False
    db.session.flush()
    # Created and cancelled happen once per purchase order; every update is an event of its own.
    key = f"{po.id}:{event_type}" + (f":{new_token()}" if event_type == UPDATED else "")
    event_id = new_event_id()
    payload = json.dumps(event_body(po, event_type, event_id), ensure_ascii=False, separators=(",", ":"))
    return insert_once(
        WebhookDelivery, ["key"], key=key, event_id=event_id, supplier_id=po.supplier_id,
        purchase_order_id=po.id, event_type=event_type, payload=payload, status=DeliveryStatus.pending,
        attempts=0, next_attempt_at=now_utc(), last_error="", created_at=now_utc(),
    )


def due_deliveries(po_id: int | None = None) -> list[int]:
    """Ids of pending deliveries whose next attempt is due (for one purchase order, or all)."""
    query = select(WebhookDelivery.id).where(
        WebhookDelivery.status == DeliveryStatus.pending, WebhookDelivery.next_attempt_at <= now_utc()
    )
    if po_id is not None:
        query = query.where(WebhookDelivery.purchase_order_id == po_id)
    return list(db.session.scalars(query.order_by(WebhookDelivery.id)))


def attempt_delivery(delivery_id: int) -> DeliveryStatus | None:
    """Send one due delivery and record the outcome; None when it was not due. Commits (it talks to the world)."""
    now = now_utc()
    lease = timedelta(seconds=current_app.config["PIPELINE_LEASE_SECONDS"])
    # The claim is committed before the request: a worker killed mid-send leaves it due again once the lease ends.
    claimed = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == DeliveryStatus.pending,
               WebhookDelivery.next_attempt_at <= now)
        .values(attempts=WebhookDelivery.attempts + 1, next_attempt_at=now + lease)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return None
    delivery = db.session.get(WebhookDelivery, delivery_id)
    db.session.refresh(delivery)
    channel = channel_of(delivery.supplier_id)
    error = None
    if channel is None or not channel.webhook_url:
        error = _("No webhook address is set.")
    else:
        body = delivery.payload.encode()
        headers = {
            "Content-Type": "application/json", "Sharestall-Event-Id": delivery.event_id,
            SIGNATURE_HEADER: sign(channel.webhook_secret, int(time.time()), body),
        }
        try:
            call(channel.webhook_url, MAX_ANSWER, data=body, headers=headers)
        except OutboundError as exc:
            error = str(exc)
    _settle(delivery, error)
    db.session.commit()
    return delivery.status


def _settle(delivery: WebhookDelivery, error: str | None) -> None:
    now = now_utc()
    if error is None:
        delivery.status, delivery.delivered_at, delivery.last_error = DeliveryStatus.delivered, now, ""
        if delivery.event_type == CREATED:
            db.session.execute(
                update(PurchaseOrder)
                .where(PurchaseOrder.id == delivery.purchase_order_id, PurchaseOrder.forwarded_at.is_(None))
                .values(forwarded_at=now)
                .execution_options(synchronize_session=False)
            )
        return
    delivery.last_error = error[:500]
    if delivery.attempts > len(BACKOFF):
        delivery.status = DeliveryStatus.dead
        current_app.logger.warning("webhook %s dead after %d attempts: %s", delivery.event_id, delivery.attempts, error)
    else:
        delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]


def send_again(po_id: int, waiting_too: bool = False) -> int:
    """Put a purchase order's dead-lettered deliveries (and, for the operator, those waiting out a backoff)
    back in the queue, due now; how many. Flushes."""
    revived = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.purchase_order_id == po_id, WebhookDelivery.status == DeliveryStatus.dead)
        .values(status=DeliveryStatus.pending, attempts=0, next_attempt_at=now_utc())
        .execution_options(synchronize_session=False)
    ).rowcount
    if waiting_too:
        revived += db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.purchase_order_id == po_id, WebhookDelivery.status == DeliveryStatus.pending)
            .values(next_attempt_at=now_utc())
            .execution_options(synchronize_session=False)
        ).rowcount
    db.session.flush()
    return revived


def supplier_deliveries(supplier_id: int, status: DeliveryStatus, limit: int = 50) -> list[WebhookDelivery]:
    """A supplier's dead, or pending but failing, deliveries, newest first, with their purchase orders."""
    failing = WebhookDelivery.last_error != "" if status is DeliveryStatus.pending else true()
    return list(db.session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.supplier_id == supplier_id, WebhookDelivery.status == status, failing)
        .options(joinedload(WebhookDelivery.purchase_order).selectinload(PurchaseOrder.lines))
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    ))
