"""The supplier's channel page, the signed tracking link, the daily CSV and the operator's pipeline page."""
import re
import time
from datetime import timedelta

from itsdangerous.timed import TimestampSigner
from sqlalchemy import select

from shop.accounts.models import Role
from shop.extensions import db
from shop.fulfillment.models import (
    DeliveryStatus, OrderChannel, POStatus, PurchaseOrder, SupplierChannel, WebhookDelivery,
)
from shop.fulfillment.tasks import forward_order, send_open_orders_csv, send_open_orders_csvs
from shop.orders.models import Order


def _po(order) -> PurchaseOrder:
    return db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.order_id == order.id))


def _link(mail) -> str:
    return re.search(r"http://localhost(/po/\S+)", mail.get_content()).group(1)


def test_a_supplier_chooses_a_channel_and_sees_the_secret(make_supplier, login):
    supplier = make_supplier()
    client = login(supplier.user)
    page = client.get("/supplier/channel")
    assert page.status_code == 200 and "Webhook secret" not in page.text
    response = client.post("/supplier/channel", data={"channel": "webhook", "webhook_url": ""})
    assert response.status_code == 200 and "Enter the address that receives the webhook." in response.text
    response = client.post("/supplier/channel", data={"channel": "webhook", "webhook_url": "ftp://example.com/x"})
    assert "must start with https://" in response.text
    assert db.session.scalar(select(SupplierChannel)) is None

    response = client.post("/supplier/channel", data={"channel": "csv", "webhook_url": "", "feed_url": ""})
    assert response.status_code == 302
    saved = db.session.scalar(select(SupplierChannel))
    assert saved.channel is OrderChannel.csv and saved.webhook_secret.startswith("whsec_")
    old = saved.webhook_secret
    assert old in client.get("/supplier/channel").text
    assert client.post("/supplier/channel/secret").status_code == 302
    db.session.refresh(saved)
    assert saved.webhook_secret != old and old not in client.get("/supplier/channel").text


def test_webhook_addresses_on_private_networks_are_refused(make_supplier, login):
    client = login(make_supplier().user)
    for url in ("http://127.0.0.1:8080/hook", "http://10.0.0.5/hook", "http://[::1]/hook"):
        response = client.post("/supplier/channel", data={"channel": "webhook", "webhook_url": url})
        assert "private network" in response.text, url
    assert db.session.scalar(select(SupplierChannel)) is None


def test_the_mailed_link_lets_the_supplier_enter_tracking_once_without_login(make_paid_order, client, outbox):
    order = make_paid_order()
    forward_order.call_local(order.id)
    [mail] = outbox()
    link = _link(mail)
    page = client.get(link)
    assert page.status_code == 200 and "Ada Lovelace" in page.text and "Enter the tracking number" in page.text
    assert client.post(link, data={"carrier": "", "tracking_number": ""}).status_code == 200
    assert _po(order).status is POStatus.open

    done = client.post(link, data={"carrier": "DHL", "tracking_number": "JD014600006281230704"})
    assert done.status_code == 200 and "JD014600006281230704" in done.text
    po = _po(order)
    assert po.status is POStatus.shipped and po.tracking_number == "JD014600006281230704"
    assert any(m["To"] == "ada@example.com" and "JD014600006281230704" in m.get_content() for m in outbox())
    assert client.get(link).status_code == 404  # the link dies once the order has shipped
    assert client.post(link, data={"carrier": "X", "tracking_number": "Y"}).status_code == 404


def test_a_tampered_expired_or_foreign_link_is_dead(make_paid_order, client, outbox, monkeypatch):
    order = make_paid_order()
    forward_order.call_local(order.id)
    link = _link(outbox()[0])
    assert client.get(link[:-2] + ("aa" if not link.endswith("aa") else "bb")).status_code == 404
    assert client.get(f"/po/{_po(order).token}").status_code == 404  # the bare token is not a link
    later = time.time() + 15 * 86400
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(later))
    assert client.get(link).status_code == 404


def test_the_daily_csv_lists_open_orders_once_a_day(make_supplier, make_product, make_paid_order, outbox):
    supplier = make_supplier(name="Daily Co")
    db.session.add(SupplierChannel(supplier_id=supplier.id, channel=OrderChannel.csv))
    db.session.commit()
    product = make_product(supplier, title="=HYPERLINK(\"http://evil\")")
    order = make_paid_order(items=[(product.variants[0], 3)], customer_name="+Mallory")
    forward_order.call_local(order.id)
    assert outbox() == []  # waits for the daily file
    send_open_orders_csvs()
    send_open_orders_csv.call_local(supplier.id, "2026-11-23")
    [mail] = outbox()
    assert mail["To"] == supplier.email
    [attachment] = list(mail.iter_attachments())
    text = attachment.get_content()
    text = text.decode("utf-8-sig") if isinstance(text, bytes) else text
    assert "'=HYPERLINK" in text and "'+Mallory" in text and _po(order).token in text and ",3," in text
    assert _po(order).forwarded_at is not None


def test_the_supplier_sees_dead_deliveries_and_sends_them_again(webhook_supplier, make_product, make_paid_order,
                                                                 login, fake_supplier):
    supplier = webhook_supplier()
    order = make_paid_order(items=[(make_product(supplier).variants[0], 1)])
    delivery = db.session.scalar(select(WebhookDelivery))
    delivery.status, delivery.attempts, delivery.last_error = DeliveryStatus.dead, 8, "The server answered HTTP 503."
    db.session.commit()
    client = login(supplier.user)
    page = client.get("/supplier/channel")
    assert "Gave up" in page.text and "HTTP 503" in page.text
    assert client.post(f"/supplier/orders/{_po(order).token}/send-again").status_code == 302
    db.session.refresh(delivery)
    assert delivery.status is DeliveryStatus.delivered and len(fake_supplier.processed) == 1
    assert "Gave up" not in client.get("/supplier/channel").text


def test_the_operator_sees_the_pipeline_and_retries(webhook_supplier, make_product, make_paid_order, make_user,
                                                     login, fake_supplier, count_queries):
    supplier = webhook_supplier(name="Hooked Co")
    fake_supplier.default = "fail"
    failing = make_paid_order(items=[(make_product(supplier).variants[0], 1)])
    forward_order.call_local(failing.id)
    waiting = make_paid_order()
    admin = login(make_user(Role.admin))
    with count_queries() as queries:
        page = admin.get("/admin/pipeline")
    assert page.status_code == 200
    assert "Waiting to be sent" in page.text and f"Order #{waiting.id}" in page.text
    assert "Failed, retrying" in page.text and "HTTP 503" in page.text and "Hooked Co" in page.text
    assert "Supplier health" in page.text
    many = queries()
    for _ in range(3):
        make_paid_order()
    with count_queries() as queries:
        admin.get("/admin/pipeline")
    assert queries() == many  # eager loading: more rows, same number of statements

    fake_supplier.default = "accept"
    assert admin.post(f"/admin/pipeline/{_po(failing).token}/retry").status_code == 302
    assert db.session.scalar(select(WebhookDelivery.status)) is DeliveryStatus.delivered
    assert admin.post("/admin/pipeline/nosuchtoken/retry").status_code == 404


def test_health_counts_on_time_shipping_and_hours_to_tracking(make_supplier, make_product, make_paid_order, login):
    from shop.fulfillment.health import supplier_health
    from shop.fulfillment.services import ship_purchase_order

    supplier = make_supplier()
    orders = [make_paid_order(items=[(make_product(supplier).variants[0], 1)]) for _ in range(3)]
    for order, hours in zip(orders[:2], (10, 100), strict=True):
        po = _po(order)
        ship_purchase_order(po, "DHL", f"T{hours}")
        po.shipped_at = order.paid_at + timedelta(hours=hours)
    late = db.session.get(Order, orders[2].id)
    late.paid_at = late.paid_at - timedelta(hours=80)  # still open past the promise
    db.session.commit()
    health = supplier_health([supplier.id])[supplier.id]
    assert (health.shipped, health.on_time, health.overdue) == (2, 1, 1)
    assert health.on_time_percent == 33 and health.average_hours == 55.0
    page = login(supplier.user).get("/supplier/channel")
    assert "Shipped on time: 33%" in page.text and "55.0 hours" in page.text
