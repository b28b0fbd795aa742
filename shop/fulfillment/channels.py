"""A supplier's order channel settings: choose how orders arrive, rotate the webhook secret."""
from sqlalchemy import select

from shop.extensions import db

from .models import OrderChannel, SupplierChannel, new_webhook_secret


def load_channel(supplier_id: int) -> SupplierChannel | None:
    return db.session.scalar(select(SupplierChannel).where(SupplierChannel.supplier_id == supplier_id))


def _get_or_add(supplier_id: int) -> SupplierChannel:
    channel = load_channel(supplier_id)
    if channel is None:
        channel = SupplierChannel(supplier_id=supplier_id, webhook_secret=new_webhook_secret())
        db.session.add(channel)
    return channel


def save_channel(supplier_id: int, chosen: str, webhook_url: str, feed_url: str) -> SupplierChannel:
    """Store the supplier's choice; a changed feed address is checked afresh. Flushes."""
    channel = _get_or_add(supplier_id)
    channel.channel = OrderChannel(chosen)
    channel.webhook_url = webhook_url or ""
    if (feed_url or "") != channel.feed_url:
        channel.feed_url, channel.feed_error, channel.feed_checked_at = feed_url or "", "", None
    db.session.flush()
    return channel


def rotate_secret(supplier_id: int) -> SupplierChannel:
    """A new webhook secret; events signed from now on use it. Flushes."""
    channel = _get_or_add(supplier_id)
    channel.webhook_secret = new_webhook_secret()
    db.session.flush()
    return channel
