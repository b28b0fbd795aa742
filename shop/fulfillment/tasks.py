"""Jobs: forward paid orders to suppliers on their channel, sweep what is due, poll feeds, mail customers."""
from flask import current_app
from flask_babel import force_locale
from huey import crontab
from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from shop import money
from shop.catalog.models import Supplier
from shop.extensions import SWEEP_SLICE, db, enqueue_slice, huey, job
from shop.mail import render_mail, send_mail
from shop.orders.models import Order, OrderLine, OrderStatus
from shop.payments.models import Refund
from shop.settings import platform_fee_bp
from shop.stores.models import Pick
from shop.util import insert_once, now_utc

from . import digest, feeds, webhooks
from .links import link_token
from .models import Notice, OrderChannel, POStatus, PurchaseOrder, Shipment, SupplierChannel, WebhookDelivery


def _send_then_commit(to: str, subject: str, body: str) -> None:
    """Send inside the transaction that recorded the mail, so a failed send is retried, not lost."""
    try:
        send_mail(to, subject, body)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()


def _claim_notice(key: str) -> bool:
    """Record that the mail `key` goes out now; False when it went out before."""
    return insert_once(Notice, ["key"], key=key, sent_at=now_utc())


@job()
def forward_order(order_id: int) -> None:
    """Tell every supplier of a paid order about its purchase order, once each, the way the supplier chose."""
    rows = db.session.execute(
        select(PurchaseOrder.id, SupplierChannel)
        .outerjoin(SupplierChannel, SupplierChannel.supplier_id == PurchaseOrder.supplier_id)
        .where(
            PurchaseOrder.order_id == order_id,
            PurchaseOrder.status == POStatus.open,
            PurchaseOrder.forwarded_at.is_(None),
        )
    ).all()
    for po_id, channel in rows:
        chosen = channel.effective if channel else OrderChannel.email
        if chosen is OrderChannel.webhook:
            _forward_by_webhook(po_id)
        elif chosen is OrderChannel.portal:
            _claim_forwarding(po_id)
            db.session.commit()
        elif chosen is OrderChannel.email:
            _forward(po_id)
        # OrderChannel.csv: the daily file of open orders carries it.


def _forward_by_webhook(po_id: int) -> None:
    # The event is normally recorded with the payment; this covers a supplier who switched to webhooks since.
    webhooks.record_event(db.session.get(PurchaseOrder, po_id), webhooks.CREATED)
    db.session.commit()
    for delivery_id in webhooks.due_deliveries(po_id):
        webhooks.attempt_delivery(delivery_id)


def _claim_forwarding(po_id: int) -> bool:
    # The conditional UPDATE claims the purchase order: a second run (or a racing one) finds it taken.
    claimed = db.session.execute(
        update(PurchaseOrder)
        .where(PurchaseOrder.id == po_id, PurchaseOrder.forwarded_at.is_(None))
        .values(forwarded_at=now_utc())
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1


def _forward(po_id: int) -> None:
    if not _claim_forwarding(po_id):
        db.session.rollback()
        return
    po = db.session.scalar(
        select(PurchaseOrder)
        .where(PurchaseOrder.id == po_id)
        .options(joinedload(PurchaseOrder.order), joinedload(PurchaseOrder.supplier), selectinload(PurchaseOrder.lines))
    )
    supplier = po.supplier
    locale = (supplier.user.locale if supplier.user else None) or "en"
    subject, body = render_mail(
        "purchase_order", locale, po=po, order=po.order, supplier=supplier, link_token=link_token(po)
    )
    _send_then_commit(supplier.email, subject, body)


@job()
def send_shipped_email(shipment_id: int) -> None:
    """Tell the customer a parcel is on its way: its items, carrier and tracking number; once per shipment."""
    shipment = db.session.get(Shipment, shipment_id)
    if shipment is None or not _claim_notice(f"shipment-{shipment_id}"):
        return
    order = shipment.purchase_order.order
    subject, body = render_mail("shipped", order.locale, shipment=shipment, order=order)
    _send_then_commit(order.email, subject, body)


@job()
def send_lines_cancelled_email(refund_id: int, line_ids: list[int]) -> None:
    """Tell the customer which items a supplier cancelled and that they were refunded."""
    refund = db.session.get(Refund, refund_id)
    if refund is None or not _claim_notice(f"refund-{refund_id}"):
        return
    order = db.session.get(Order, refund.order_id)
    lines = db.session.scalars(
        select(OrderLine).where(OrderLine.order_id == order.id, OrderLine.id.in_(line_ids)).order_by(OrderLine.id)
    ).all()
    subject, body = render_mail("lines_cancelled", order.locale, order=order, lines=lines, refund=refund)
    _send_then_commit(order.email, subject, body)


def forward_due() -> list[int]:
    """Enqueue forwarding, a slice at a time, for every paid order with a purchase order not sent; their ids."""
    # Purchase orders waiting for the daily CSV, or whose webhook event is already queued, are not due here.
    event_queued = exists().where(
        WebhookDelivery.purchase_order_id == PurchaseOrder.id, WebhookDelivery.event_type == webhooks.CREATED
    )
    order_ids = db.session.scalars(
        select(PurchaseOrder.order_id)
        .join(Order, Order.id == PurchaseOrder.order_id)
        .outerjoin(SupplierChannel, SupplierChannel.supplier_id == PurchaseOrder.supplier_id)
        .where(
            Order.status == OrderStatus.paid,
            PurchaseOrder.status == POStatus.open,
            PurchaseOrder.forwarded_at.is_(None),
            or_(SupplierChannel.id.is_(None), SupplierChannel.channel != OrderChannel.csv),
            ~event_queued,
        )
        .distinct()
        .order_by(PurchaseOrder.order_id)
    ).all()
    _forward_slice(list(order_ids))
    if order_ids:
        current_app.logger.info("forwarding %d orders", len(order_ids))
    return list(order_ids)


# Forwarding a backlog a slice at a time keeps new payments from waiting behind it (see SWEEP_SLICE).
FORWARD_SLICE = SWEEP_SLICE


def _forward_slice(order_ids: list[int]) -> None:
    enqueue_slice(order_ids, FORWARD_SLICE, forward_order, forward_rest)


@job()
def forward_rest(order_ids: list[int]) -> None:
    """Queue the next slice of a sweep's orders: it runs after the jobs that were queued since the last one."""
    _forward_slice(order_ids)


@job()
def send_delivery(delivery_id: int) -> None:
    """Send one webhook delivery if it is due; a delivery not due (or already sent) is left alone."""
    webhooks.attempt_delivery(delivery_id)


@job()
def send_po_deliveries(po_id: int) -> None:
    """Send a purchase order's due webhook deliveries, right after the change that queued them."""
    for delivery_id in webhooks.due_deliveries(po_id):
        webhooks.attempt_delivery(delivery_id)


# A backlog of deliveries (a supplier's server down for hours) is queued a slice at a time, like orders.
DELIVERY_SLICE = SWEEP_SLICE


def _deliver_slice(delivery_ids: list[int]) -> None:
    enqueue_slice(delivery_ids, DELIVERY_SLICE, send_delivery, deliver_rest)


@job()
def deliver_rest(delivery_ids: list[int]) -> None:
    """Queue the next slice of a sweep's deliveries: it runs after the jobs that were queued since the last one."""
    _deliver_slice(delivery_ids)


def sweep() -> dict[str, list[int]]:
    """Enqueue, a slice at a time, every due webhook delivery and every paid order not yet forwarded; their ids."""
    deliveries = webhooks.due_deliveries()
    _deliver_slice(deliveries)
    return {"deliveries": deliveries, "orders": forward_due()}


@job()
def sweep_pipeline() -> None:
    sweep()


@huey.periodic_task(crontab(minute="*"), name="shop.fulfillment.tasks.every_minute")
def every_minute():
    # Periodic tasks run outside the app; this only enqueues the job, which runs inside it.
    sweep_pipeline()


@huey.on_startup(name="shop.fulfillment.tasks.catch_up")
def catch_up():
    # A worker that starts (or restarts after a crash) sends what is due at once, not at the next minute.
    sweep_pipeline()


@job(retries=2, retry_delay=300)
def poll_feed(supplier_id: int) -> None:
    """Import one supplier's catalog feed, then tell resellers whose price fell below the new floor."""
    report = feeds.refresh_feed(supplier_id)
    db.session.commit()
    if report and "error" not in report:
        for pick in feeds.picks_below_floor(supplier_id):
            tell_price_below_floor(pick.id)


@job()
def poll_feeds() -> None:
    for supplier_id in db.session.scalars(select(SupplierChannel.supplier_id).where(SupplierChannel.feed_url != "")):
        poll_feed(supplier_id)


@job()
def tell_price_below_floor(pick_id: int) -> None:
    """Mail a reseller once per new floor that their price no longer covers wholesale plus the fee."""
    pick = db.session.get(Pick, pick_id)
    if pick is None:
        return
    floor = money.price_floor(pick.product.min_wholesale, platform_fee_bp())
    if pick.price_minor >= floor or not _claim_notice(f"floor-{pick.id}-{floor}"):
        db.session.rollback()
        return
    user = pick.store.user
    subject, body = render_mail("price_below_floor", user.locale or "en", pick=pick, floor=floor,
                                currency=current_app.config["CURRENCY"])
    _send_then_commit(user.email, subject, body)


@job()
def send_open_orders_csv(supplier_id: int, day: str) -> None:
    """The daily CSV of open orders, once per supplier and day; what it lists counts as forwarded."""
    supplier = db.session.get(Supplier, supplier_id)
    pos = digest.open_purchase_orders(supplier_id)
    if supplier is None or not pos or not _claim_notice(f"csv-{supplier_id}-{day}"):
        db.session.rollback()
        return
    for po in pos:
        _claim_forwarding(po.id)
    locale = (supplier.user.locale if supplier.user else None) or "en"
    with force_locale(locale):
        data = digest.open_orders_csv(pos)
    subject, body = render_mail("open_orders_csv", locale, supplier=supplier, count=len(pos), day=day)
    try:
        send_mail(supplier.email, subject, body, attachment=(f"open-orders-{day}.csv", data))
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()


@job()
def send_open_orders_csvs() -> None:
    day = f"{now_utc():%Y-%m-%d}"
    chosen = select(SupplierChannel.supplier_id).where(SupplierChannel.channel == OrderChannel.csv)
    for supplier_id in db.session.scalars(chosen):
        send_open_orders_csv(supplier_id, day)


@huey.periodic_task(crontab(minute="7"), name="shop.fulfillment.tasks.hourly")
def hourly():
    poll_feeds()


@huey.periodic_task(crontab(hour="6", minute="0"), name="shop.fulfillment.tasks.daily")
def daily():
    send_open_orders_csvs()
