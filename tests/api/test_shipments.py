"""Shipments through the API: some open lines at a time, each a parcel with its own tracking number."""
from sqlalchemy import func, select

from shop.api import services as api_services
from shop.extensions import db
from shop.fulfillment.models import POStatus, Shipment
from shop.orders.models import LineStatus, OrderStatus
from tests.fulfillment.conftest import purchase_order_of, twin_ships_first


def _ship(api, po, tracking, line_ids=None):
    body = {"carrier": "DHL", "tracking_number": tracking}
    if line_ids is not None:
        body["line_ids"] = line_ids
    return api.post(f"/api/v1/purchase-orders/{po.token}/shipments", body)


def test_a_shipment_of_some_lines_returns_it_and_leaves_the_rest_open(two_suppliers, api_for, outbox):
    north, order = two_suppliers["north"], two_suppliers["order"]
    po = purchase_order_of(order, north)
    first_line, second_line = po.lines
    api = api_for(north)

    first = _ship(api, po, "JD1", [first_line.id])
    assert first.status_code == 201
    assert first.json["status"] == "open" and first.json["shipped_at"] is None
    shipment = first.json["shipment"]
    assert shipment["tracking_number"] == "JD1" and shipment["line_ids"] == [first_line.id]
    assert first.json["shipments"] == [shipment]
    assert [(line["status"], line["shipment_id"]) for line in first.json["lines"]] == [
        ("shipped", shipment["id"]), ("open", None)]

    second = _ship(api, po, "JD2")
    assert second.status_code == 201 and second.json["status"] == "shipped" and second.json["shipped_at"]
    assert [s["tracking_number"] for s in second.json["shipments"]] == ["JD1", "JD2"]
    assert second.json["shipment"]["line_ids"] == [second_line.id]
    db.session.expire_all()
    assert second_line.status is LineStatus.shipped and order.status is OrderStatus.paid  # South still to ship
    assert len(outbox()) == 2  # one mail per parcel
    read = api.get(f"/api/v1/purchase-orders/{po.token}").json
    assert "shipment" not in read and len(read["shipments"]) == 2


def test_a_shipped_cancelled_or_foreign_line_is_a_422(two_suppliers, api_for):
    north, south, order = two_suppliers["north"], two_suppliers["south"], two_suppliers["order"]
    po = purchase_order_of(order, north)
    first_line, second_line = po.lines
    mug_line = purchase_order_of(order, south).lines[0]
    api = api_for(north)
    assert _ship(api, po, "JD1", [first_line.id]).status_code == 201
    api.post(f"/api/v1/purchase-orders/{po.token}/cancellations",
             {"line_ids": [second_line.id], "reason": "Out of stock"})
    db.session.expire_all()
    assert po.status is POStatus.shipped  # nothing left open: the shipped line made it shipped, not cancelled

    api = api_for(north)
    for line_id in (first_line.id, second_line.id, mug_line.id):
        answer = _ship(api, po, "JD9", [line_id])
        assert answer.status_code in (409, 422)
    open_po = purchase_order_of(order, south)
    south_api = api_for(south)
    for line_id in (first_line.id, 10**6):
        answer = _ship(south_api, open_po, "SF1", [line_id])
        assert answer.status_code == 422 and answer.json["error"]["code"] == "lines_not_open"
        assert answer.json["error"]["details"] == [{"field": "line_ids", "code": "not_open", "line_id": line_id}]
    db.session.expire_all()
    assert mug_line.status is LineStatus.open


def test_a_line_shipped_already_cannot_ship_again(two_suppliers, api_for):
    north, order = two_suppliers["north"], two_suppliers["order"]
    po = purchase_order_of(order, north)
    first_line = po.lines[0]
    api = api_for(north)
    assert _ship(api, po, "JD1", [first_line.id]).status_code == 201
    again = _ship(api, po, "JD2", [first_line.id])
    assert again.status_code == 422 and again.json["error"]["code"] == "lines_not_open"
    assert again.json["error"]["details"][0]["line_id"] == first_line.id


def test_the_same_parcel_sent_twice_ships_once(two_suppliers, api_for, outbox):
    north, order = two_suppliers["north"], two_suppliers["order"]
    po = purchase_order_of(order, north)
    api = api_for(north)
    assert _ship(api, po, "JD1").status_code == 201
    again = _ship(api, po, "JD1")  # no Idempotency-Key: a double tap in the supplier's system
    assert again.status_code == 409 and again.json["error"]["code"] == "nothing_to_ship"
    assert db.session.scalar(select(func.count()).select_from(Shipment)) == 1 and len(outbox()) == 1


def test_a_call_that_loses_a_race_is_a_409_and_records_nothing(app, two_suppliers, api_for, outbox, monkeypatch):
    north, order = two_suppliers["north"], two_suppliers["order"]
    po = purchase_order_of(order, north)
    # Another request (the portal, another worker) ships every line after this one loaded the purchase order.
    twin_ships_first(app, monkeypatch, api_services, "lock_purchase_order", po, None)
    response = _ship(api_for(north), po, "1Z9")
    assert response.status_code == 409
    assert response.json["error"] == {"code": "nothing_to_ship", "details": [],
                                      "message": "Nothing is left to ship on this purchase order."}
    db.session.expire_all()
    [shipment] = db.session.scalars(select(Shipment)).all()
    assert shipment.tracking_number == "twin" and outbox() == []
