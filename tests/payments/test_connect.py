"""Stripe Connect through the fake: onboarding, transfers per order, reversals, disputes and the other events."""
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from shop.earnings.ledger import check_ledger
from shop.earnings.lifecycle import Payee, balances, release_due
from shop.earnings.models import ConnectAccount, ConnectStatus, Dispute, DisputeStatus, LedgerEntry, Payout
from shop.extensions import db
from shop.fulfillment.services import ship_purchase_order
from shop.orders.models import LineStatus, Order, OrderStatus
from shop.payments.models import PaymentEvent, Refund
from shop.payments.services import refund_lines
from shop.payments.tasks import transfer_now
from shop.util import now_utc
from tests.payments.conftest import WEBHOOK_SECRET
from tests.payments.fake_stripe import processing_fee

WEBHOOK = "/payments/stripe/webhook"


def _post(client, fake, type_, obj, **kwargs):
    payload, headers = fake.signed(type_, obj, WEBHOOK_SECRET, **kwargs)
    response = client.post(WEBHOOK, data=payload, headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 200
    return payload, headers


@pytest.fixture
def paid(client, shop_with, add, address, stripe_fake):
    """An order of two mugs paid with Stripe Checkout: wholesale $10, sold at $15 each."""
    store, (mug,) = shop_with((1000, 5), price=1500)
    add(store, mug.variants[0], 2)
    client.post(f"/s/{store.slug}/checkout", data=address)
    order = db.session.scalar(select(Order))
    [session] = stripe_fake.sessions.values()
    stripe_fake.pay(session["id"])
    _post(client, stripe_fake, "checkout.session.completed", session)
    db.session.expire_all()
    return {"order": order, "session": session, "store": store, "line": order.lines[0],
            "supplier": Payee("supplier", order.lines[0].supplier_id), "reseller": Payee("store", store.id)}


def _connect(stripe_fake, client, payee, email="payee@example.com"):
    """The payee's Express account, onboarded, and the account.updated event that says so."""
    from shop.payments.connect import onboarding_link

    with client.application.test_request_context():
        url = onboarding_link(payee, email, "http://localhost/back", "http://localhost/again")
    db.session.commit()
    assert url.startswith("https://connect.stripe.test/setup/")
    account = db.session.scalar(select(ConnectAccount).filter_by(**payee.fields()))
    _post(client, stripe_fake, "account.updated", stripe_fake.onboard(account.stripe_account_id))
    db.session.expire_all()
    return account


def _ship_and_release(order):
    ship_purchase_order(order.lines[0].purchase_order, "DHL", "T1")
    order.lines[0].purchase_order.shipped_at -= timedelta(days=8)
    db.session.commit()
    release_due(now_utc())
    db.session.commit()


def test_the_processor_fee_is_posted_from_the_charge(paid):
    fee = db.session.scalar(select(func.sum(LedgerEntry.amount_minor)).where(
        LedgerEntry.account == LedgerEntry.account.type.enum_class.processor_fees))
    assert fee == processing_fee(3000)
    assert check_ledger() == []


def test_the_checkout_session_carries_the_transfer_group(paid):
    assert paid["session"]["transfer_group"] == f"order-{paid['order'].id}"


def test_onboarding_makes_one_account_and_account_updated_enables_it(client, paid, stripe_fake):
    account = _connect(stripe_fake, client, paid["reseller"])
    assert account.status is ConnectStatus.enabled and len(stripe_fake.accounts) == 1
    # A late, older event (sent before onboarding finished) does not undo it.
    stale = dict(stripe_fake.accounts[account.stripe_account_id], payouts_enabled=False, details_submitted=False)
    _post(client, stripe_fake, "account.updated", stale, created=int(time.time()) - 3600)
    db.session.expire_all()
    assert account.status is ConnectStatus.enabled


def test_available_earnings_are_transferred_once_from_the_orders_charge(client, paid, stripe_fake):
    order = paid["order"]
    _connect(stripe_fake, client, paid["reseller"])
    _connect(stripe_fake, client, paid["supplier"], "north@example.com")
    assert transfer_now() == []  # nothing is available before the parcel ships and the hold ends
    _ship_and_release(order)
    made = transfer_now()
    assert sorted(p.amount_minor for p in made) == sorted([paid["line"].commission_total,
                                                           paid["line"].wholesale_total])
    assert transfer_now() == []  # run twice: nothing more to send
    transfers = list(stripe_fake.transfers.values())
    assert len(transfers) == 2
    assert {t["transfer_group"] for t in transfers} == {f"order-{order.id}"}
    assert {t["source_transaction"] for t in transfers} == {"ch_" + order.payment_intent[3:]}
    assert {p.key for p in made} == {f"transfer-{order.id}-{paid['reseller']}-0",
                                     f"transfer-{order.id}-{paid['supplier']}-0"}
    assert balances(paid["reseller"])["available"] == 0
    assert balances(paid["reseller"])["paid_out"] == paid["line"].commission_total
    assert check_ledger() == []


def test_a_transfer_replayed_with_its_key_is_not_sent_twice(client, paid, stripe_fake):
    _connect(stripe_fake, client, paid["reseller"])
    _ship_and_release(paid["order"])
    [payout] = transfer_now()
    # The run died after Stripe answered: the database forgets, the next run asks again with the same key.
    db.session.delete(db.session.get(Payout, payout.id))
    db.session.execute(LedgerEntry.__table__.delete().where(LedgerEntry.transaction_id.in_(
        select(LedgerEntry.transaction_id).where(LedgerEntry.account == LedgerEntry.account.type.enum_class.payouts)
        .scalar_subquery())))
    db.session.commit()
    [again] = transfer_now()
    assert again.provider_ref == payout.provider_ref and len(stripe_fake.transfers) == 1


def test_a_refund_after_transfer_reverses_it(client, paid, stripe_fake):
    order, line = paid["order"], paid["line"]
    _connect(stripe_fake, client, paid["reseller"])
    _ship_and_release(order)
    [payout] = transfer_now()
    refund_lines(order, [line], "returned", returned=True)
    db.session.commit()
    [transfer] = stripe_fake.transfers.values()
    assert transfer["amount_reversed"] == line.commission_total
    db.session.refresh(payout)
    assert payout.reversed_minor == line.commission_total
    assert balances(paid["reseller"])["available"] == 0
    assert check_ledger() == []


def test_a_refund_after_the_money_was_spent_leaves_a_negative_balance(client, paid, stripe_fake):
    order, line = paid["order"], paid["line"]
    account = _connect(stripe_fake, client, paid["reseller"])
    _ship_and_release(order)
    transfer_now()
    stripe_fake.spend(account.stripe_account_id, line.commission_total)
    refund_lines(order, [line], "returned", returned=True)
    db.session.commit()
    assert balances(paid["reseller"])["available"] == -line.commission_total
    assert check_ledger() == []


def test_a_dispute_freezes_then_a_lost_one_takes_the_money_back(client, paid, stripe_fake):
    order = paid["order"]
    dispute = {"id": "dp_1", "object": "dispute", "amount": 3000, "currency": "usd", "reason": "fraudulent",
               "status": "needs_response", "payment_intent": order.payment_intent}
    payload, headers = _post(client, stripe_fake, "charge.dispute.created", dispute)
    client.post(WEBHOOK, data=payload, headers={**headers, "Content-Type": "application/json"})  # duplicate
    assert db.session.scalar(select(func.count(Dispute.id))) == 1
    assert balances(paid["reseller"])["frozen"] == paid["line"].commission_total
    _post(client, stripe_fake, "charge.dispute.closed", {**dispute, "status": "lost"})
    db.session.expire_all()
    assert db.session.scalar(select(Dispute.status)) is DisputeStatus.lost
    assert paid["line"].status is LineStatus.cancelled and order.status is OrderStatus.refunded
    assert balances(paid["reseller"]) | {"requested": 0} == dict.fromkeys(
        ["pending", "held", "frozen", "available", "paid_out", "requested"], 0)
    assert check_ledger() == []


def test_a_dispute_closed_before_it_was_seen_opening_is_still_booked(client, paid, stripe_fake):
    dispute = {"id": "dp_2", "amount": 3000, "status": "won", "payment_intent": paid["order"].payment_intent}
    _post(client, stripe_fake, "charge.dispute.closed", dispute)
    _post(client, stripe_fake, "charge.dispute.created", {**dispute, "status": "needs_response"})  # late
    assert db.session.scalar(select(Dispute.status)) is DisputeStatus.won
    assert balances(paid["reseller"])["frozen"] == 0


def test_a_full_refund_made_in_stripes_dashboard_is_booked(client, paid, stripe_fake):
    order = paid["order"]
    charge = stripe_fake.refund_in_dashboard(order.payment_intent, 3000)
    _post(client, stripe_fake, "charge.refunded", charge)
    db.session.expire_all()
    assert order.refunded_minor == 3000 and order.status is OrderStatus.refunded
    assert db.session.scalar(select(Refund.reason)) == "refunded at Stripe"
    _post(client, stripe_fake, "charge.refunded", charge)  # a second event for the same refund: nothing more
    assert db.session.scalar(select(func.count(Refund.id))) == 1
    assert check_ledger() == []


def test_our_own_refund_is_not_booked_twice_by_its_webhook(client, paid, stripe_fake):
    order = paid["order"]
    refund_lines(order, list(order.lines), "Out of stock", supplier_fault=True)
    # The webhook for our own refund, even if it overtook our commit, is recognised by its tag.
    charge = stripe_fake._charge(paid["session"])
    db.session.rollback()  # as if our refund were still in flight
    _post(client, stripe_fake, "charge.refunded", charge)
    assert db.session.scalar(select(func.count(Refund.id))) == 0
    assert [r["metadata"] for r in stripe_fake.refunds] == [{"source": "sharestall"}]


def test_a_reversal_made_at_stripe_and_a_failed_payout_are_booked(client, paid, stripe_fake):
    account = _connect(stripe_fake, client, paid["reseller"])
    _ship_and_release(paid["order"])
    [payout] = transfer_now()
    transfer = dict(stripe_fake.transfers[payout.provider_ref], amount_reversed=100)
    _post(client, stripe_fake, "transfer.reversed", transfer)
    _post(client, stripe_fake, "transfer.reversed", transfer)  # the same state again: booked once
    db.session.expire_all()
    assert payout.reversed_minor == 100 and balances(paid["reseller"])["available"] == 100
    _post(client, stripe_fake, "payout.failed", {"id": "po_1", "object": "payout"}, account=account.stripe_account_id)
    db.session.expire_all()
    assert account.last_payout_failed_at is not None
    assert db.session.scalar(select(func.count(PaymentEvent.id))) >= 5
    assert check_ledger() == []


def test_an_async_payment_that_fails_cancels_the_order(client, shop_with, add, address, stripe_fake):
    store, (mug,) = shop_with((1000, 5), price=1500)
    add(store, mug.variants[0], 1)
    client.post(f"/s/{store.slug}/checkout", data=address)
    [session] = stripe_fake.sessions.values()
    _post(client, stripe_fake, "checkout.session.async_payment_failed", session)
    order = db.session.scalar(select(Order))
    assert order.status is OrderStatus.cancelled and order.paid_at is None


def test_the_connect_button_sends_the_payee_to_stripe_and_back(paid, login, stripe_fake):
    client = login(paid["store"].user)
    assert "Get paid with Stripe" in client.get("/my/money").text
    response = client.post("/my/money/connect")
    assert response.status_code == 302 and response.headers["Location"].startswith("https://connect.stripe.test/")
    [link] = stripe_fake.account_links
    assert link["return_url"] == "http://localhost/my/money"
    client.post("/my/money/connect")  # again: a fresh link to the same account
    assert len(stripe_fake.accounts) == 1 and len(stripe_fake.account_links) == 2
    assert "Finish connecting Stripe" in client.get("/my/money").text
    assert login(paid["order"].lines[0].purchase_order.supplier.user).post("/my/money/connect").status_code == 404
