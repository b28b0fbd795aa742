"""The customer's order page after payment: parcels, tracking, refunds; and the customer mail jobs."""
from sqlalchemy import select

from shop.extensions import db
from shop.fulfillment.models import PurchaseOrder
from shop.fulfillment.services import ship_purchase_order
from shop.orders.models import Order
from shop.orders.tasks import send_order_confirmation, send_order_failed
from shop.payments.services import refund_lines


def _paid_order(client, store, address):
    pay_url = client.post(f"/s/{store.slug}/checkout", data=address).headers["Location"]
    client.post(pay_url)
    return db.session.scalar(select(Order))


def test_shipped_parcels_show_carrier_and_tracking_but_no_supplier(client, shop_with, add, address):
    store, (mug, lamp) = shop_with((1000, 5), (2000, 5))
    add(store, mug.variants[0])
    add(store, lamp.variants[0])
    order = _paid_order(client, store, address)
    mug_po = db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.supplier_id == mug.supplier_id))
    ship_purchase_order(mug_po, "Royal Mail", "RM123456789GB")
    db.session.commit()

    page = client.get(f"/o/{order.token}").text
    assert "Parcel 1" in page and "Parcel 2" in page
    assert "Shipped with Royal Mail, tracking number RM123456789GB" in page
    assert page.count("tracking number") == 1
    assert mug.supplier.name not in page and lamp.supplier.name not in page


def test_cancelled_lines_and_refunds_are_listed(client, shop_with, add, address):
    store, (mug, lamp) = shop_with((1000, 5), (2000, 5))
    add(store, mug.variants[0])
    add(store, lamp.variants[0])
    order = _paid_order(client, store, address)
    lamp_line = next(line for line in order.lines if line.product_id == lamp.id)
    refund_lines(order, [lamp_line], "supplier_cancelled")
    db.session.commit()

    page = client.get(f"/o/{order.token}").text
    assert "Cancelled, refunded" in page and "Refunds" in page and "$40.00" in page


def test_mail_jobs_send_once_and_only_in_their_status(client, shop_with, add, address, outbox):
    store, (mug,) = shop_with((1000, 5))
    add(store, mug.variants[0])
    order = _paid_order(client, store, address)
    send_order_confirmation(order.id)
    send_order_failed(order.id)
    mails = [m for m in outbox() if m["To"] == "ada@example.com"]
    assert len(mails) == 1
    body = mails[0].get_content()
    assert mails[0]["Subject"] == f"Your order #{order.id} at {store.name} is confirmed"
    assert "Hello Ada," in body and "SW1Y 4JH" in body and "$20.00" in body
    assert "$10.00" not in body  # no wholesale price


def test_the_mail_is_written_in_the_orders_locale(client, shop_with, add, address, outbox):
    store, (mug,) = shop_with((1000, 5))
    add(store, mug.variants[0])
    pay_url = client.post(
        f"/s/{store.slug}/checkout", data=address, headers={"Accept-Language": "zh-CN"}
    ).headers["Location"]
    order = db.session.scalar(select(Order))
    assert order.locale == "zh"
    client.post(pay_url)
    [mail] = [m for m in outbox() if m["To"] == "ada@example.com"]
    assert "US$20.00" in mail.get_content()  # formatted for zh, not "$20.00"


def test_the_sweep_sends_mail_that_was_never_sent(client, shop_with, add, address, outbox):
    from datetime import timedelta

    from shop.orders.tasks import mail_due

    store, (mug,) = shop_with((1000, 5))
    add(store, mug.variants[0])
    order = _paid_order(client, store, address)
    order.customer_mailed_at = None  # as if the worker had died before sending
    db.session.commit()
    before = len(outbox())
    assert mail_due() == []  # too recent: the first job may still be on its way
    assert mail_due(older_than=timedelta(0)) == [order.id]
    assert len(outbox()) == before + 1
    assert mail_due(older_than=timedelta(0)) == []
