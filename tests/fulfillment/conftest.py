"""Builders for paid orders, made through the real order and payment services."""
import threading

import pytest
from sqlalchemy import select

from shop.extensions import db
from shop.orders.models import Cart, CartLine
from shop.orders.services import place_order
from shop.payments.services import complete_payment
from shop.fulfillment.models import PurchaseOrder
from shop.fulfillment.services import open_lines, ship_purchase_order

CUSTOMER = {
    "customer_name": "Ada Lovelace",
    "email": "ada@example.com",
    "phone": "+44 20 7946 0000",
    "address1": "12 Analytical Row",
    "city": "London",
    "postcode": "N1 9GU",
    "country": "GB",
}


@pytest.fixture
def make_paid_order(app, make_store, make_product, make_pick):
    def build(store=None, items=None, **customer):
        """items: (variant, quantity) pairs; products the store has not picked are picked at the default price."""
        store = store or make_store()
        if items is None:
            items = [(make_product().variants[0], 1)]
        picked = {pick.product_id for pick in store.picks}
        cart = Cart(store_id=store.id)
        for variant, quantity in items:
            if variant.product_id not in picked:
                make_pick(store, variant.product)
                picked.add(variant.product_id)
            cart.lines.append(CartLine(variant_id=variant.id, quantity=quantity))
        db.session.add(cart)
        db.session.flush()
        order = place_order(store, cart, {**CUSTOMER, **customer}, "en", "USD")
        order.payment_provider = "demo"
        complete_payment(order, payment_intent=f"pi_{order.token}")
        db.session.commit()
        return order

    return build


def ship_in_thread(app, po_id, line_ids, tracking, ready, results):
    """Load the purchase order as a request would, wait for the twin to have loaded it too, then ship."""
    with app.app_context():
        try:
            po = db.session.get(PurchaseOrder, po_id)
            lines = open_lines(po, line_ids)
            ready.wait(timeout=30)  # both requests now believe these lines are open
            shipment = ship_purchase_order(po, "DHL", tracking, lines)
            db.session.commit()
            results[tracking] = shipment.id
        except Exception as exc:  # reported to the main thread, which checks it
            db.session.rollback()
            results[tracking] = exc
        finally:
            db.session.remove()


def twin_ships_first(app, monkeypatch, target, name, po, line_ids):
    """Make `target.name` let a twin request ship `line_ids` and commit first, on its own connection."""
    real = getattr(target, name)

    def interleaved(*args, **kwargs):
        results = {}
        twin = threading.Thread(target=ship_in_thread,
                                args=(app, po.id, line_ids, "twin", threading.Barrier(1), results))
        twin.start()
        twin.join(timeout=60)
        assert isinstance(results["twin"], int), results
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, interleaved)


def verify_signature(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """What a supplier's server does with Sharestall-Signature (the README's snippet, kept true here)."""
    import hashlib
    import hmac
    import time

    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    timestamp, given = parts.get("t", ""), parts.get("v1", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given)


class FakeSupplier:
    """A supplier's webhook endpoint: accepts, fails, hangs or answers too much, and dedupes on the event id."""

    def __init__(self, server):
        import threading

        self.server = server
        self.secret = ""
        self.modes: list[str] = []  # one per coming request; then `default`
        self.default = "accept"
        self.received: list[dict] = []  # every request: event id, type, signature valid
        self.processed: list[str] = []  # event ids acted on, once each
        self.release = threading.Event()
        self.hanging = threading.Event()
        server.expect_request("/hook", method="POST").respond_with_handler(self._handle)

    @property
    def url(self) -> str:
        return self.server.url_for("/hook")

    def _handle(self, request):
        import json

        from werkzeug import Response

        body = request.get_data()
        valid = verify_signature(self.secret, request.headers.get("Sharestall-Signature", ""), body)
        event = json.loads(body)
        self.received.append({"id": event["id"], "type": event["type"], "valid": valid})
        mode = self.modes.pop(0) if self.modes else self.default
        if not valid:
            return Response("bad signature", status=400)
        if mode == "fail":
            return Response("down for maintenance", status=503)
        if event["id"] not in self.processed:
            self.processed.append(event["id"])
        if mode == "hang":
            self.hanging.set()
            self.release.wait(30)
        if mode == "huge":
            return Response(b"x" * (10 * 1024 * 1024), status=200)
        return Response("ok", status=200)


@pytest.fixture
def fake_supplier(app):
    """A live HTTP server in the test process that plays a supplier's webhook endpoint."""
    from pytest_httpserver import HTTPServer

    app.config["PIPELINE_ALLOW_PRIVATE_URLS"] = True  # the fake listens on loopback
    app.config["PIPELINE_HTTP_TIMEOUT"] = 2
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    fake = FakeSupplier(server)
    yield fake
    fake.release.set()
    server.clear()
    server.stop()


@pytest.fixture
def webhook_supplier(make_supplier, fake_supplier):
    """A supplier whose orders go to the fake's webhook."""
    from shop.fulfillment.channels import save_channel

    def build(**kwargs):
        supplier = make_supplier(**kwargs)
        channel = save_channel(supplier.id, "webhook", fake_supplier.url, "")
        db.session.commit()
        fake_supplier.secret = channel.webhook_secret
        return supplier

    return build


def purchase_order_of(order, supplier) -> PurchaseOrder:
    return db.session.scalar(select(PurchaseOrder).filter_by(order_id=order.id, supplier_id=supplier.id))


@pytest.fixture
def two_suppliers(make_supplier, make_product, make_store, make_pick, make_paid_order):
    """An order with two lines from North (one kettle, two lids) and one from South; the store sells dear."""
    north, south = make_supplier(name="North Co"), make_supplier(name="South Co")
    kettle = make_product(supplier=north, title="Kettle", variants=((1234, 9), (1500, 9)))
    mug = make_product(supplier=south, title="Mug", variants=((450, 9),))
    store = make_store(name="Ada's Corner")
    make_pick(store, kettle, price=3999)
    make_pick(store, mug, price=1299)
    order = make_paid_order(store, items=[(kettle.variants[0], 1), (kettle.variants[1], 2), (mug.variants[0], 1)])
    return {"north": north, "south": south, "order": order, "store": store, "kettle": kettle, "mug": mug}
