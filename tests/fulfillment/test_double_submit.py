"""A parcel submitted twice (two tabs, a double tap, the portal and the API at once) ships each line once."""
import re
import threading

import pytest
from sqlalchemy import func, select

from shop.extensions import db
from shop.fulfillment import link_views, views, webhooks
from shop.fulfillment.links import link_token
from shop.fulfillment.models import POStatus, PurchaseOrder, Shipment, WebhookDelivery
from shop.fulfillment.services import LinesNotOpen, ship_purchase_order
from shop.orders.models import LineStatus
from tests.fulfillment.conftest import ship_in_thread, twin_ships_first

NOT_RECORDED = "This parcel was not recorded"


@pytest.fixture
def parcel(webhook_supplier, make_product, make_paid_order):
    """A webhook supplier's purchase order of a kettle and two lids, nothing shipped yet."""
    supplier = webhook_supplier(name="North Co")
    kettle = make_product(supplier=supplier, title="Kettle", variants=((1234, 9), (1500, 9)))
    order = make_paid_order(items=[(kettle.variants[0], 1), (kettle.variants[1], 2)])
    po = db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.order_id == order.id))
    return {"supplier": supplier, "po": po, "kettle": po.lines[0], "lids": po.lines[1]}


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _updates() -> int:
    return _count(WebhookDelivery, WebhookDelivery.event_type == webhooks.UPDATED)


def test_shipping_lines_no_longer_open_changes_nothing(parcel):
    po, kettle = parcel["po"], parcel["kettle"]
    ship_purchase_order(po, "DHL", "JD1", [kettle])
    db.session.commit()
    with pytest.raises(LinesNotOpen):
        ship_purchase_order(po, "DHL", "JD1", [kettle])
    db.session.rollback()
    ship_purchase_order(po, "UPS", "1Z2")
    db.session.commit()
    with pytest.raises(LinesNotOpen):
        ship_purchase_order(po, "UPS", "1Z2")  # nothing left: not an empty parcel
    db.session.rollback()
    assert _count(Shipment) == 2 and _updates() == 2


def _race(app, po, *line_sets):
    ready, results = threading.Barrier(len(line_sets)), {}
    threads = [
        threading.Thread(target=ship_in_thread, args=(app, po.id, ids, f"T{n}", ready, results))
        for n, ids in enumerate(line_sets)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    db.session.expire_all()
    return results


def test_two_submits_of_the_same_parcel_at_once_ship_it_once(app, parcel):
    po = parcel["po"]
    results = _race(app, po, None, None)

    won = [r for r in results.values() if isinstance(r, int)]
    lost = [r for r in results.values() if not isinstance(r, int)]
    assert len(won) == 1 and len(lost) == 1 and isinstance(lost[0], LinesNotOpen), results
    [shipment] = db.session.scalars(select(Shipment)).all()
    assert shipment.id == won[0]
    assert [line.shipment_id for line in po.lines] == [shipment.id, shipment.id]
    assert po.status is POStatus.shipped and _updates() == 1


def test_two_parcels_of_different_lines_at_once_both_ship_and_complete_the_order(app, parcel):
    po, kettle, lids = parcel["po"], parcel["kettle"], parcel["lids"]
    results = _race(app, po, [kettle.id], [lids.id])

    assert all(isinstance(r, int) for r in results.values()), results
    assert _count(Shipment) == 2 and _updates() == 2
    assert {line.status for line in po.lines} == {LineStatus.shipped}
    # Each saw the other's line open when it loaded; the lock makes the later one see it shipped.
    assert po.status is POStatus.shipped and po.shipped_at is not None


def _ticked(html: str) -> dict[int, bool]:
    """The parcel's checkboxes in a ship form: line id -> ticked."""
    tags = re.findall(r'<input[^>]*name="line_ids"[^>]*>', html)
    return {int(re.search(r'value="(\d+)"', tag).group(1)): "checked" in tag for tag in tags}


def test_a_second_portal_submit_ships_nothing_and_says_so(parcel, login, outbox, fake_supplier):
    po, kettle, lids = parcel["po"], parcel["kettle"], parcel["lids"]
    client = login(parcel["supplier"].user)
    url = f"/supplier/orders/{po.token}/ship"
    both = {"choosing": "y", "line_ids": [str(kettle.id), str(lids.id)], "carrier": "DHL", "tracking_number": "JD1"}
    assert client.post(url, data={**both, "line_ids": [str(kettle.id)]}).status_code == 302

    # Another tab, loaded before that, sends both lines: the kettle went already, the lids are still to go.
    again = client.post(url, data=both, headers={"HX-Request": "true"})
    assert again.status_code == 200 and "<html" not in again.text
    assert NOT_RECORDED in again.text and 'value="DHL"' in again.text and 'value="JD1"' in again.text
    assert _ticked(again.text) == {lids.id: True}

    assert client.post(url, data={**both, "line_ids": [str(lids.id)]}).status_code == 302
    finished = client.post(url, data={**both, "line_ids": [str(lids.id)]}, follow_redirects=True)
    assert "Nothing is left to ship on this order." in finished.text
    db.session.expire_all()
    assert _count(Shipment) == 2 and _updates() == 2 and len(outbox()) == 2
    assert kettle.shipment_id != lids.shipment_id
    assert [event["type"] for event in fake_supplier.received].count(webhooks.UPDATED) == 2


def test_a_portal_submit_that_loses_a_race_keeps_the_form(app, parcel, login, outbox, monkeypatch):
    po, kettle, lids = parcel["po"], parcel["kettle"], parcel["lids"]
    twin_ships_first(app, monkeypatch, views, "ship_purchase_order", po, [kettle.id])
    client = login(parcel["supplier"].user)
    page = client.post(f"/supplier/orders/{po.token}/ship", data={
        "choosing": "y", "line_ids": [str(kettle.id), str(lids.id)], "carrier": "UPS", "tracking_number": "1Z9"})

    assert page.status_code == 200 and NOT_RECORDED in page.text
    assert 'value="UPS"' in page.text and 'value="1Z9"' in page.text
    db.session.expire_all()
    [shipment] = db.session.scalars(select(Shipment)).all()
    assert shipment.tracking_number == "twin" and [line.id for line in shipment.lines] == [kettle.id]
    assert lids.status is LineStatus.open and _updates() == 1 and outbox() == []


def test_a_portal_submit_that_loses_a_race_for_every_line_says_so_on_the_page(app, parcel, login, monkeypatch):
    po = parcel["po"]
    twin_ships_first(app, monkeypatch, views, "ship_purchase_order", po, None)
    client = login(parcel["supplier"].user)
    response = client.post(f"/supplier/orders/{po.token}/ship", data={"carrier": "UPS", "tracking_number": "1Z9"})
    assert response.status_code == 302
    assert NOT_RECORDED in client.get(response.headers["Location"]).text
    db.session.expire_all()
    assert _count(Shipment) == 1 and _updates() == 1


def test_the_mailed_link_submitted_twice_at_once_ships_once(app, parcel, client, outbox, monkeypatch):
    po = parcel["po"]
    link = f"/po/{link_token(po)}"
    twin_ships_first(app, monkeypatch, link_views, "ship_purchase_order", po, None)
    page = client.post(link, data={"carrier": "DHL", "tracking_number": "again"})
    assert page.status_code == 200 and "Marked as shipped with DHL, tracking number twin" in page.text
    db.session.expire_all()
    assert _count(Shipment) == 1 and _updates() == 1 and outbox() == []
    assert client.get(link).status_code == 404  # shipped: the link is dead, as before


def test_a_line_that_shipped_is_never_cancelled_and_refunded(parcel):
    from shop.fulfillment.services import cancel_supplier_lines
    from shop.payments.models import Refund

    po, kettle = parcel["po"], parcel["kettle"]
    ship_purchase_order(po, "DHL", "JD1", [kettle])
    db.session.commit()
    with pytest.raises(LinesNotOpen):
        cancel_supplier_lines(po, [kettle], "Out of stock")
    db.session.rollback()
    assert kettle.status is LineStatus.shipped and _count(Refund) == 0


def test_a_cancel_that_loses_a_race_to_a_shipment_refunds_nothing(app, parcel, login, monkeypatch, outbox):
    from shop.payments.models import Refund

    po, kettle = parcel["po"], parcel["kettle"]
    # The supplier's second tab ships the kettle while this request is on its way to cancel it.
    twin_ships_first(app, monkeypatch, views, "cancel_supplier_lines", po, [kettle.id])
    client = login(parcel["supplier"].user)
    response = client.post(f"/supplier/orders/{po.token}/cancel",
                           data={"line_ids": [str(kettle.id)], "reason": "Out of stock"}, follow_redirects=True)
    assert "Nothing was cancelled" in response.text
    db.session.expire_all()
    assert kettle.status is LineStatus.shipped and _count(Refund) == 0 and outbox() == []


def test_the_order_ships_when_two_suppliers_ship_its_last_parcels_one_after_the_other(
        app, webhook_supplier, make_supplier, make_product, make_paid_order, monkeypatch):
    from shop.fulfillment import services
    from shop.orders.models import OrderStatus

    north, south = webhook_supplier(name="North Co"), make_supplier(name="South Co")
    kettle = make_product(supplier=north, title="Kettle")
    rug = make_product(supplier=south, title="Rug")
    order = make_paid_order(items=[(kettle.variants[0], 1), (rug.variants[0], 1)])
    pos = {po.supplier_id: po for po in db.session.scalars(select(PurchaseOrder).where(PurchaseOrder.order_id == order.id))}
    assert {line.status for line in order.lines} == {LineStatus.open}  # loaded now: both lines open
    # North's parcel is committed by another request after this one loaded the order, before it ships South's.
    real_lock, results = services.lock_purchase_order, {}

    def north_first(po):
        monkeypatch.setattr(services, "lock_purchase_order", real_lock)  # once: the twin locks as usual
        twin = threading.Thread(target=ship_in_thread, args=(app, pos[north.id].id, None, "north",
                                                             threading.Barrier(1), results))
        twin.start()
        twin.join(timeout=60)
        return real_lock(po)

    monkeypatch.setattr(services, "lock_purchase_order", north_first)
    ship_purchase_order(pos[south.id], "UPS", "1Z1")
    assert isinstance(results["north"], int), results
    db.session.commit()
    db.session.expire_all()
    assert order.status is OrderStatus.shipped
