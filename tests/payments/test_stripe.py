"""Stripe Checkout through the fake API: sessions priced from the database, signed webhooks, refunds."""
import json

import pytest
from sqlalchemy import func, select

from shop.catalog.models import Variant
from shop.earnings.models import LedgerEntry
from shop.earnings.services import unbalanced_transactions
from shop.extensions import db
from shop.fulfillment.models import PurchaseOrder
from shop.orders.models import Order, OrderStatus
from shop.payments.models import PaymentEvent, Refund
from shop.payments.providers import PaymentError, get_provider
from tests.payments.conftest import WEBHOOK_SECRET
from tests.payments.fake_stripe import sign

WEBHOOK = "/payments/stripe/webhook"


@pytest.fixture
def checked_out(client, shop_with, add, address, stripe_fake):
    """A customer who checked out two units at the reseller's price of $15.00 and was sent to Stripe."""
    store, (mug,) = shop_with((1000, 5), price=1500)
    add(store, mug.variants[0], 2)
    tampered = {**address, "total_minor": "1", "unit_amount": "1", "price": "0.01"}
    response = client.post(f"/s/{store.slug}/checkout", data=tampered)
    order = db.session.scalar(select(Order))
    [session] = stripe_fake.sessions.values()
    return response, order, session, mug.variants[0]


def _deliver(client, stripe_fake, type_, session, secret=WEBHOOK_SECRET):
    payload, headers = stripe_fake.event(type_, session, secret)
    return client.post(WEBHOOK, data=payload, headers={**headers, "Content-Type": "application/json"}), payload


def test_checkout_creates_a_session_with_database_prices(checked_out, stripe_fake):
    response, order, session, _variant = checked_out
    assert response.status_code == 302 and response.headers["Location"] == session["url"]
    [item] = session["line_items"]
    assert item["price_data"]["unit_amount"] == "1500" and item["quantity"] == "2"
    assert item["price_data"]["currency"] == "usd"
    assert session["amount_total"] == 3000 == order.total_minor
    assert session["client_reference_id"] == order.token
    assert session["metadata"] == {"order_token": order.token}
    assert session["success_url"] == f"http://localhost/o/{order.token}"
    assert order.payment_provider == "stripe" and order.payment_ref == session["id"]
    assert order.status is OrderStatus.pending_payment
    [(method, path, _params)] = stripe_fake.requests
    assert (method, path) == ("POST", "/v1/checkout/sessions")


def test_starting_a_checkout_twice_replays_the_same_session(app, checked_out, stripe_fake):
    _response, order, session, _variant = checked_out
    with app.test_request_context():
        assert get_provider().start_checkout(order) == session["url"]
    assert len(stripe_fake.sessions) == 1 and len(stripe_fake.requests) == 2


def test_a_bad_signature_is_refused(client, checked_out, stripe_fake):
    _response, order, session, variant = checked_out
    stripe_fake.pay(session["id"])
    response, _ = _deliver(client, stripe_fake, "checkout.session.completed", session, secret="whsec_wrong")
    assert response.status_code == 400
    payload, _headers = stripe_fake.event("checkout.session.completed", session, WEBHOOK_SECRET)
    assert client.post(WEBHOOK, data=payload).status_code == 400  # no header at all
    forged = json.dumps({**json.loads(payload), "id": "evt_forged"})
    assert client.post(WEBHOOK, data=forged, headers={"Stripe-Signature": sign(payload, WEBHOOK_SECRET)}).status_code == 400
    stale = sign(payload, WEBHOOK_SECRET, timestamp=1_000_000)
    assert client.post(WEBHOOK, data=payload, headers={"Stripe-Signature": stale}).status_code == 400
    db.session.expire_all()
    assert order.status is OrderStatus.pending_payment and order.paid_at is None
    assert db.session.get(Variant, variant.id).stock == 5


def test_the_order_page_waits_for_the_webhook(client, checked_out, stripe_fake):
    _response, order, session, _variant = checked_out
    stripe_fake.pay(session["id"])
    # Coming back from Stripe proves nothing: only the signed webhook does.
    page = client.get(f"/o/{order.token}?session_id={session['id']}&paid=1")
    assert "Waiting for payment confirmation" in page.text


def test_a_paid_session_pays_the_order_once(client, checked_out, stripe_fake, outbox):
    _response, order, session, variant = checked_out
    stripe_fake.pay(session["id"])
    response, payload = _deliver(client, stripe_fake, "checkout.session.completed", session)
    assert response.status_code == 200
    db.session.expire_all()
    assert order.status is OrderStatus.paid and order.payment_intent == session["payment_intent"]
    assert db.session.get(Variant, variant.id).stock == 3
    assert len(db.session.scalars(select(PurchaseOrder)).all()) == 1
    assert unbalanced_transactions() == []
    entries = db.session.scalar(select(func.count(LedgerEntry.id)))
    assert entries == 4 + 2  # the sale's four legs, and the processor's fee (asked of Stripe) against the cash

    again = client.post(WEBHOOK, data=payload, headers={"Stripe-Signature": sign(payload, WEBHOOK_SECRET)})
    assert again.status_code == 200
    db.session.expire_all()
    assert db.session.get(Variant, variant.id).stock == 3
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == entries
    assert db.session.scalar(select(func.count(PaymentEvent.id))) == 1
    assert len([m for m in outbox() if m["To"] == "ada@example.com"]) == 1
    assert "Paid" in client.get(f"/o/{order.token}").text


def test_an_unpaid_completed_session_does_not_pay(client, checked_out, stripe_fake):
    _response, order, session, variant = checked_out
    stripe_fake.pay(session["id"], payment_status="unpaid")
    response, _ = _deliver(client, stripe_fake, "checkout.session.completed", session)
    assert response.status_code == 200
    db.session.expire_all()
    assert order.status is OrderStatus.pending_payment
    assert db.session.get(Variant, variant.id).stock == 5

    stripe_fake.pay(session["id"])  # the bank transfer arrived later
    _deliver(client, stripe_fake, "checkout.session.async_payment_succeeded", session)
    db.session.expire_all()
    assert order.status is OrderStatus.paid
    assert db.session.get(Variant, variant.id).stock == 3


def test_an_expired_session_cancels_the_order(client, checked_out, stripe_fake):
    _response, order, session, variant = checked_out
    response, _ = _deliver(client, stripe_fake, "checkout.session.expired", stripe_fake.expire(session["id"]))
    assert response.status_code == 200
    db.session.expire_all()
    assert order.status is OrderStatus.cancelled
    assert db.session.get(Variant, variant.id).stock == 5
    assert "was cancelled" in client.get(f"/o/{order.token}").text


def test_expiry_after_payment_changes_nothing(client, checked_out, stripe_fake):
    _response, order, session, _variant = checked_out
    _deliver(client, stripe_fake, "checkout.session.completed", stripe_fake.pay(session["id"]))
    _deliver(client, stripe_fake, "checkout.session.expired", session)
    db.session.expire_all()
    assert order.status is OrderStatus.paid


def test_events_for_unknown_orders_and_other_types_are_acknowledged(client, checked_out, stripe_fake):
    _response, order, session, _variant = checked_out
    stranger = {**stripe_fake.pay(session["id"]), "client_reference_id": "nope", "metadata": {}}
    assert _deliver(client, stripe_fake, "checkout.session.completed", stranger)[0].status_code == 200
    assert _deliver(client, stripe_fake, "payment_intent.created", session)[0].status_code == 200
    db.session.expire_all()
    assert order.status is OrderStatus.pending_payment


def test_a_session_for_another_amount_does_not_pay(client, checked_out, stripe_fake):
    _response, order, session, _variant = checked_out
    cheap = {**stripe_fake.pay(session["id"]), "amount_total": 1}
    _deliver(client, stripe_fake, "checkout.session.completed", cheap)
    db.session.expire_all()
    assert order.status is OrderStatus.pending_payment


def test_sold_out_before_the_webhook_is_refunded_through_stripe(client, checked_out, stripe_fake, outbox):
    _response, order, session, variant = checked_out
    db.session.get(Variant, variant.id).stock = 1
    db.session.commit()
    _deliver(client, stripe_fake, "checkout.session.completed", stripe_fake.pay(session["id"]))
    db.session.expire_all()
    assert order.status is OrderStatus.failed and order.refunded_minor == 3000
    [refund] = stripe_fake.refunds
    assert refund["amount"] == 3000 and refund["payment_intent"] == session["payment_intent"]
    assert db.session.scalar(select(Refund)).provider_ref == refund["id"]
    assert db.session.get(Variant, variant.id).stock == 1
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 0
    page = client.get(f"/o/{order.token}").text
    assert "sold out" in page and "refunded in full" in page
    [mail] = [m for m in outbox() if m["To"] == "ada@example.com"]
    assert "sold out" in mail["Subject"]


def test_the_fake_refuses_a_refund_above_the_charge(app, checked_out, stripe_fake):
    _response, order, session, _variant = checked_out
    stripe_fake.pay(session["id"])
    order.payment_intent = session["payment_intent"]
    with pytest.raises(PaymentError):
        get_provider("stripe").refund(order, 3001, "too-much")
    assert get_provider("stripe").refund(order, 1000, "part") == stripe_fake.refunds[0]["id"]
    assert get_provider("stripe").refund(order, 1000, "part") == stripe_fake.refunds[0]["id"]  # replayed
    with pytest.raises(PaymentError):
        get_provider("stripe").refund(order, 2001, "rest-and-more")


def test_no_webhook_secret_no_webhook(app, client):
    app.config["STRIPE_WEBHOOK_SECRET"] = ""
    assert client.post(WEBHOOK, data="{}").status_code == 404


def test_only_the_webhook_skips_csrf(app, client, checked_out, stripe_fake, shop_with, add, address):
    _response, order, session, _variant = checked_out
    app.config["WTF_CSRF_ENABLED"] = True
    store, (mug,) = shop_with((1000, 5))
    assert client.post(f"/s/{store.slug}/cart/add", data={"variant_id": mug.variants[0].id}).status_code == 400
    assert client.post(f"/s/{order.store.slug}/checkout", data=address).status_code == 400
    response, _ = _deliver(client, stripe_fake, "checkout.session.completed", stripe_fake.pay(session["id"]))
    assert response.status_code == 200
    db.session.expire_all()
    assert order.status is OrderStatus.paid
