"""Partial shipments: a purchase order sent in several parcels, each with its tracking number and customer mail."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from shop.earnings.lifecycle import release_due
from shop.extensions import db
from shop.fulfillment import services, webhooks
from shop.fulfillment.models import POStatus, Shipment, WebhookDelivery
from shop.fulfillment.services import ship_purchase_order
from shop.fulfillment.tasks import send_shipped_email
from shop.orders.models import LineStatus, OrderStatus
from shop.util import now_utc
from tests.fulfillment.conftest import purchase_order_of as _po


@pytest.fixture
def split(two_suppliers):
    """North ships a kettle and two lids in one purchase order; South a mug in another."""
    po = _po(two_suppliers["order"], two_suppliers["north"])
    return {**two_suppliers, "po": po, "kettle": po.lines[0], "lids": po.lines[1]}


def test_a_purchase_order_ships_once_every_line_is_in_a_shipment(split):
    po, kettle, lids, order = split["po"], split["kettle"], split["lids"], split["order"]
    first = ship_purchase_order(po, "DHL", "JD1", [kettle])
    db.session.commit()
    assert kettle.status is LineStatus.shipped and kettle.shipment is first and lids.status is LineStatus.open
    assert po.status is POStatus.open and po.shipped_at is None and order.status is OrderStatus.paid
    assert (po.carrier, po.tracking_number) == ("DHL", "JD1")

    second = ship_purchase_order(po, "UPS", "1Z2")
    db.session.commit()
    assert [line.id for line in second.lines] == [lids.id]
    assert po.status is POStatus.shipped and po.shipped_at == second.created_at
    assert (po.carrier, po.tracking_number) == ("UPS", "1Z2")  # the latest parcel, for older readers
    assert [s.tracking_number for s in po.shipments] == ["JD1", "1Z2"]


def test_the_portal_ships_the_ticked_lines(split, login, outbox):
    po, kettle, lids, north = split["po"], split["kettle"], split["lids"], split["north"]
    client = login(north.user)
    page = client.get(f"/supplier/orders/{po.token}").text
    assert page.count('name="line_ids"') == 4  # two to ship (ticked), two to cancel
    assert page.count("checked") == 2

    response = client.post(f"/supplier/orders/{po.token}/ship", data={
        "choosing": "y", "line_ids": [str(lids.id)], "carrier": "DHL", "tracking_number": "JD77"})
    assert response.status_code == 302
    db.session.expire_all()
    assert lids.status is LineStatus.shipped and kettle.status is LineStatus.open and po.status is POStatus.open
    [mail] = outbox()
    body = mail.get_content()
    assert "JD77" in body and f"({lids.variant_title}) × 2" in body and f"({kettle.variant_title})" not in body

    page = client.get(f"/supplier/orders/{po.token}").text
    assert "JD77" in page and 'id="ship-form"' in page
    assert "Partly shipped" in client.get("/supplier/orders").text  # still in the open tab, marked
    assert f'value="{kettle.id}"' in page and page.count('name="line_ids"') == 2


def test_the_portal_asks_for_at_least_one_line(split, login):
    po, north = split["po"], split["north"]
    client = login(north.user)
    plain = client.post(f"/supplier/orders/{po.token}/ship",
                        data={"choosing": "y", "carrier": "DHL", "tracking_number": "JD1"})
    assert plain.status_code == 200 and "Choose at least one item." in plain.text
    fragment = client.post(f"/supplier/orders/{po.token}/ship",
                           data={"choosing": "y", "carrier": "DHL", "tracking_number": "JD1"},
                           headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and 'id="ship-form"' in fragment.text and 'value="JD1"' in fragment.text
    db.session.expire_all()
    assert po.status is POStatus.open and db.session.scalar(select(Shipment)) is None


def test_a_line_of_another_purchase_order_is_not_shipped_from_this_one(split, login):
    po, north, order, south = split["po"], split["north"], split["order"], split["south"]
    mug = _po(order, south).lines[0]
    response = login(north.user).post(f"/supplier/orders/{po.token}/ship", data={
        "choosing": "y", "line_ids": [str(mug.id)], "carrier": "DHL", "tracking_number": "JD1"})
    assert response.status_code == 200 and "has-error" in response.text
    db.session.expire_all()
    assert mug.status is LineStatus.open


def test_one_mail_per_shipment_even_when_the_job_runs_twice(split, outbox):
    po, kettle = split["po"], split["kettle"]
    first = ship_purchase_order(po, "DHL", "JD1", [kettle])
    second = ship_purchase_order(po, "UPS", "1Z2")
    db.session.commit()
    for shipment_id in (first.id, first.id, second.id, second.id):
        send_shipped_email.call_local(shipment_id)
    dhl, ups = sorted((mail.get_content() for mail in outbox()), key=lambda body: "UPS" in body)
    assert "JD1" in dhl and f"({kettle.variant_title}) × 1" in dhl and "1Z2" not in dhl
    assert "1Z2" in ups and f"({kettle.variant_title})" not in ups


def test_the_order_page_lists_each_shipment_with_its_lines(split, client, count_queries):
    po, kettle, lids, order = split["po"], split["kettle"], split["lids"], split["order"]
    ship_purchase_order(po, "DHL", "JD1", [kettle])
    db.session.commit()
    with count_queries() as one:
        client.get(f"/o/{order.token}")
    ship_purchase_order(po, "UPS", "1Z2")
    db.session.commit()
    with count_queries() as two:
        page = client.get(f"/o/{order.token}").text
    assert two() == one()  # shipments come with the lines, not one query each
    assert "Shipped with DHL, tracking number JD1" in page and "Shipped with UPS, tracking number 1Z2" in page
    first, second = page.split("tracking number JD1")[1].split("tracking number 1Z2")
    assert f"({kettle.variant_title}) × 1" in first and f"({lids.variant_title})" not in first
    assert f"({lids.variant_title}) × 2" in second


def test_each_shipment_tells_the_suppliers_webhook(webhook_supplier, make_product, make_paid_order):
    supplier = webhook_supplier()
    product = make_product(supplier, variants=((1000, 9), (1200, 9)))
    order = make_paid_order(items=[(product.variants[0], 1), (product.variants[1], 1)])
    po = _po(order, supplier)
    first = ship_purchase_order(po, "DHL", "JD1", [po.lines[0]])
    ship_purchase_order(po, "DHL", "JD2")
    db.session.commit()
    updates = db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.event_type == webhooks.UPDATED).order_by(WebhookDelivery.id)
    ).all()
    assert len(updates) == 2
    early = json.loads(updates[0].payload)["data"]["purchase_order"]
    assert early["status"] == "open" and early["tracking_number"] == "JD1"
    assert [line["shipment_id"] for line in early["lines"]] == [first.id, None]


def test_earnings_of_a_parcel_are_released_from_the_shipment_that_completed_it(split, monkeypatch):
    po, kettle = split["po"], split["kettle"]
    start = now_utc()
    monkeypatch.setattr(services, "now_utc", lambda: start)
    ship_purchase_order(po, "DHL", "JD1", [kettle])
    db.session.commit()
    assert release_due(start + timedelta(days=365)) == []  # partly shipped: held until the rest goes

    later = start + timedelta(days=30)
    monkeypatch.setattr(services, "now_utc", lambda: later)
    ship_purchase_order(po, "UPS", "1Z2")
    db.session.commit()
    assert release_due(later + timedelta(hours=1)) == []
    assert release_due(later + timedelta(days=365)) == [po.id]


def test_the_reseller_sees_a_partly_shipped_order(split, login):
    ship_purchase_order(split["po"], "DHL", "JD1", [split["kettle"]])
    db.session.commit()
    page = login(split["store"].user).get("/my/").text
    assert "Partly shipped" in page
