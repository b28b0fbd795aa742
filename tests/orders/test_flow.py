"""The whole customer flow with the demo provider: cart, checkout, demo payment, order page, mail, ledger."""
from sqlalchemy import func, select

from shop.catalog.models import Variant
from shop.earnings.models import Account, LedgerEntry
from shop.earnings.services import unbalanced_transactions
from shop.extensions import db
from shop.fulfillment.models import PurchaseOrder
from shop.orders.models import Cart, Order, OrderStatus
from shop.payments.models import PaymentEvent


def _checkout(client, store, address):
    response = client.post(f"/s/{store.slug}/checkout", data=address)
    assert response.status_code == 302
    return response.headers["Location"]


def test_customer_buys_from_two_suppliers_with_the_demo_provider(client, shop_with, add, address, outbox):
    store, (mug, lamp) = shop_with((1000, 5), (2500, 3))
    mug_v, lamp_v = mug.variants[0], lamp.variants[0]
    assert add(store, mug_v, 2).headers["Location"].endswith(f"/s/{store.slug}/cart")
    add(store, lamp_v)

    cart = client.get(f"/s/{store.slug}/cart")
    assert cart.status_code == 200
    assert mug.title in cart.text and lamp.title in cart.text
    assert "$40.00" in cart.text and "$50.00" in cart.text and "$90.00" in cart.text
    assert "Checkout" in cart.text

    page = client.get(f"/s/{store.slug}/checkout")
    assert page.status_code == 200 and "Continue to payment" in page.text

    pay_url = _checkout(client, store, address)
    order = db.session.scalar(select(Order))
    assert pay_url == f"/pay/demo/{order.token}"
    assert order.status is OrderStatus.pending_payment and order.total_minor == 9000
    assert db.session.scalar(select(func.count(Cart.id))) == 1  # kept until the order is paid

    demo = client.get(pay_url)
    assert "Demo payment — no money moves" in demo.text and "demo-banner" in demo.text
    assert "$90.00" in demo.text and "Pay now (demo)" in demo.text

    done = client.post(pay_url)
    assert done.headers["Location"] == f"/o/{order.token}"

    db.session.expire_all()
    assert order.status is OrderStatus.paid and order.paid_at is not None
    assert db.session.get(Variant, mug_v.id).stock == 3
    assert db.session.get(Variant, lamp_v.id).stock == 2
    assert len(db.session.scalars(select(PurchaseOrder)).all()) == 2

    entries = db.session.scalars(select(LedgerEntry)).all()
    by_account = {acc: sum(e.amount_minor for e in entries if e.account is acc) for acc in Account}
    wholesale = 2 * 1000 + 2500
    fee = 900  # 10% of 9000
    assert by_account[Account.customer_payments] == 9000
    assert by_account[Account.supplier_payable] == -wholesale
    assert by_account[Account.platform_fees] == -fee
    assert by_account[Account.reseller_earnings] == -(9000 - wholesale - fee)
    assert sum(by_account.values()) == 0 and unbalanced_transactions() == []

    shown = client.get(f"/o/{order.token}")
    assert shown.status_code == 200 and "Paid" in shown.text
    assert "Ada Lovelace" in shown.text and "SW1Y 4JH" in shown.text and "$90.00" in shown.text
    assert mug.supplier.name not in shown.text and lamp.supplier.name not in shown.text
    assert "$10.00" not in shown.text and "$25.00" not in shown.text  # no wholesale prices
    assert "hx-trigger" not in shown.text  # nothing left to poll for

    mails = outbox()
    customer = [m for m in mails if m["To"] == "ada@example.com"]
    assert len(customer) == 1
    assert "confirmed" in customer[0]["Subject"]
    assert f"http://localhost/o/{order.token}" in customer[0].get_content()
    assert {m["To"] for m in mails} >= {mug.supplier.email, lamp.supplier.email}

    assert db.session.scalar(select(func.count(Cart.id))) == 0
    assert "Your cart is empty" in client.get(f"/s/{store.slug}/cart").text


def test_paying_twice_has_one_effect(client, shop_with, add, address, outbox):
    store, (mug,) = shop_with((1000, 5))
    add(store, mug.variants[0])
    pay_url = _checkout(client, store, address)
    client.post(pay_url)
    client.post(pay_url)
    assert db.session.get(Variant, mug.variants[0].id).stock == 4
    assert db.session.scalar(select(func.count(PaymentEvent.id))) == 1
    assert len([m for m in outbox() if m["To"] == "ada@example.com"]) == 1


def test_demo_page_is_gone_when_stripe_is_configured(app, client, shop_with, add, address):
    store, (mug,) = shop_with((1000, 5))
    add(store, mug.variants[0])
    pay_url = _checkout(client, store, address)
    app.config["STRIPE_SECRET_KEY"] = "sk_test_x"
    assert client.get(pay_url).status_code == 404
    assert client.post(pay_url).status_code == 404


def test_unknown_order_is_404(client):
    assert client.get("/o/nope").status_code == 404
    assert client.get("/pay/demo/nope").status_code == 404


def test_pending_order_page_polls_and_refreshes_without_js(client, shop_with, add, address):
    store, (mug,) = shop_with((1000, 5))
    add(store, mug.variants[0])
    _checkout(client, store, address)
    order = db.session.scalar(select(Order))
    page = client.get(f"/o/{order.token}")
    assert "Waiting for payment confirmation" in page.text
    assert 'hx-trigger="every 2s"' in page.text
    assert '<meta http-equiv="refresh"' in page.text
    assert page.headers["Cache-Control"] == "private, no-store"

    fragment = client.get(f"/o/{order.token}", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and 'id="order-status"' in fragment.text
    assert "Waiting for payment confirmation" in fragment.text


def test_the_demo_button_needs_its_csrf_token(app, client, shop_with, add, address):
    store, (mug,) = shop_with((1000, 5))
    add(store, mug.variants[0])
    pay_url = _checkout(client, store, address)
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get(pay_url)
    assert 'name="csrf_token"' in page.text
    assert client.post(pay_url).status_code == 400
    token = page.text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert client.post(pay_url, data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Order)).status is OrderStatus.paid
