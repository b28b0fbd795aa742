"""Erasure reaches the ship-to address copied into a webhook supplier's events, and the export shows it."""
import json

from sqlalchemy import select

from shop.extensions import db
from shop.fulfillment import webhooks
from shop.fulfillment.models import DeliveryStatus, PurchaseOrder, WebhookDelivery
from shop.privacy.erasure import carry_out, request_erasure
from shop.privacy.exports import customer_export
from shop.privacy.models import RequestKind

from .conftest import make_paid_order  # noqa: F401

ADA = {"email": "ada@example.com", "customer_name": "Ada Lovelace", "phone": "+44 20 7946 0000",
       "address1": "12 Analytical Row", "address2": "Flat 2", "city": "London", "region": "Islington",
       "postcode": "N1 9GU"}


def _documents(order) -> dict[int, dict]:
    deliveries = db.session.scalars(select(WebhookDelivery).join(PurchaseOrder)
                                    .where(PurchaseOrder.order_id == order.id))
    return {delivery.id: json.loads(delivery.payload) for delivery in deliveries}


def _erase(email: str) -> None:
    assert carry_out(request_erasure(RequestKind.customer, email)) == []
    db.session.commit()
    db.session.expire_all()


def test_erasing_a_customer_redacts_their_webhook_events(app, webhook_order, ship):
    order = ship(webhook_order(**ADA))
    other = ship(webhook_order(email="bob@example.com", customer_name="Bob Builder"))
    before, others = _documents(order), _documents(other)
    assert {d["type"] for d in before.values()} == {webhooks.CREATED, webhooks.UPDATED}
    assert "Ada Lovelace" in json.dumps(before)

    _erase("ada@example.com")

    after = _documents(order)
    assert after.keys() == before.keys()
    for delivery_id, document in after.items():
        text = db.session.get(WebhookDelivery, delivery_id).payload
        assert not [value for value in ADA.values() if value in text], text
        ship_to = document["data"]["purchase_order"].pop("ship_to")
        assert ship_to == {"name": "Erased", "phone": "", "address1": "Erased", "address2": "", "city": "Erased",
                           "region": "", "postcode": "", "country": "GB"}
        # Everything else the supplier was sent stays: event and order ids, lines, amounts.
        original = before[delivery_id]
        del original["data"]["purchase_order"]["ship_to"]
        assert document == original
    assert _documents(other) == others
    result = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output


def test_a_delivery_still_pending_sends_the_redacted_event(webhook_order, ship, monkeypatch):
    order = ship(webhook_order(**ADA))
    pending = [i for i, d in _documents(order).items()
               if db.session.get(WebhookDelivery, i).status is DeliveryStatus.pending]
    assert pending
    sent = []
    monkeypatch.setattr(webhooks, "call", lambda url, limit, data, headers: sent.append(data))

    _erase("ada@example.com")
    for delivery_id in pending:
        assert webhooks.attempt_delivery(delivery_id) is DeliveryStatus.delivered

    assert len(sent) == len(pending)
    for body in sent:
        event = json.loads(body)
        assert event["data"]["purchase_order"]["ship_to"]["name"] == "Erased"
        assert event["data"]["purchase_order"]["order_number"] == order.id
        assert not [value for value in ADA.values() if value.encode() in body]


def test_the_export_shows_the_address_a_webhook_supplier_was_sent(webhook_order):
    order = webhook_order(**ADA)
    [delivery_id] = _documents(order)

    rows = [row for row in customer_export("ada@example.com")["personal_data"]
            if row["table"] == "webhook_deliveries"]

    assert rows == [{"table": "webhook_deliveries", "id": delivery_id,
                     "payload.data.purchase_order.ship_to.name": "Ada Lovelace",
                     "payload.data.purchase_order.ship_to.phone": ADA["phone"],
                     "payload.data.purchase_order.ship_to.address1": ADA["address1"],
                     "payload.data.purchase_order.ship_to.address2": ADA["address2"],
                     "payload.data.purchase_order.ship_to.city": ADA["city"],
                     "payload.data.purchase_order.ship_to.region": ADA["region"],
                     "payload.data.purchase_order.ship_to.postcode": ADA["postcode"]}]
