"""Erasure: pseudonymise the person, keep order totals and a balanced ledger; wait while data is still needed."""
from sqlalchemy import select

from shop.accounts.models import Role, User
from shop.catalog.models import SupplierStatus
from shop.extensions import db
from shop.orders.models import Order
from shop.privacy import links
from shop.privacy.erasure import carry_out, request_erasure
from shop.privacy.models import ErasureRequest, RequestKind, RequestStatus
from shop.stores.models import Pick, Store

from .conftest import make_paid_order  # noqa: F401



def test_customer_asks_by_link_and_the_operator_erases(app, client, login, make_user, make_paid_order,  # noqa: F811
                                                       ship):
    order = ship(make_paid_order(email="ada@example.com", customer_name="Ada Lovelace"))
    other = ship(make_paid_order(email="bob@example.com", customer_name="Bob Builder"))
    total, lines = order.total_minor, len(order.lines)
    key = links.make_key("ada@example.com")
    assert client.post("/privacy/erase", data={"key": key, "confirm": "y"}).status_code == 302
    assert client.post("/privacy/erase", data={"key": key, "confirm": "y"}).status_code == 302  # asked twice: one
    [request] = db.session.scalars(select(ErasureRequest)).all()
    assert request.kind is RequestKind.customer and request.status is RequestStatus.requested

    operator = login(make_user(Role.admin))
    listing = operator.get("/admin/privacy")
    assert listing.status_code == 200 and "ada@example.com" in listing.text
    assert operator.post("/admin/privacy/erase", data={"request_id": request.id}).status_code == 302
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.customer_name == "Erased" and order.email == f"erased-{order.id}@erased.invalid"
    assert (order.phone, order.address2, order.postcode, order.region) == ("", "", "", "")
    assert order.address1 == order.city == "Erased" and order.country == "GB"
    assert order.total_minor == total and len(order.lines) == lines
    assert db.session.get(Order, other.id).customer_name == "Bob Builder"
    assert request.status is RequestStatus.done and request.email.endswith("@erased.invalid")
    assert "ada@example.com" not in operator.get("/admin/privacy").text
    result = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output
    # The old link now finds nothing under the address.
    assert client.get(f"/privacy/data.json?key={key}").json["orders"] == []


def test_an_order_on_its_way_keeps_the_address_until_shipped(app, make_paid_order, ship):  # noqa: F811
    order = make_paid_order(email="ada@example.com")
    request = request_erasure(RequestKind.customer, "ada@example.com")
    reasons = carry_out(request)
    db.session.commit()
    assert reasons and request.status is RequestStatus.waiting and "not shipped" in request.note
    assert db.session.get(Order, order.id).email == "ada@example.com"
    ship(order)
    assert carry_out(request) == []
    db.session.commit()
    assert request.status is RequestStatus.done and db.session.get(Order, order.id).customer_name == "Erased"


def test_account_holder_asks_with_their_password(login, make_user, make_store):
    user = make_user(Role.reseller, password="correct horse 9")
    make_store(user=user)
    client = login(user)
    page = client.get("/my/data")
    assert page.status_code == 200 and "/my/data/export.zip" in page.text
    wrong = client.post("/my/data/erase", data={"password": "wrong", "confirm": "y"})
    assert wrong.status_code == 200 and "That password is not right." in wrong.text
    assert db.session.scalar(select(ErasureRequest)) is None
    assert client.post("/my/data/erase", data={"password": "correct horse 9", "confirm": "y"}).status_code == 302
    request = db.session.scalar(select(ErasureRequest))
    assert request.kind is RequestKind.account and request.user_id == user.id


def test_erasing_a_reseller_closes_the_store_and_ends_sign_in(app, login, make_user, make_store, make_product,
                                                              make_pick):
    user = make_user(Role.reseller, email="mei@example.com", name="Mei Chen")
    store = make_store(user=user, name="Mei's Picks", slug="meis-picks")
    make_pick(store, make_product())
    browser = login(user)
    assert browser.get("/my/data").status_code == 200
    request = request_erasure(RequestKind.account, user.email, user.id)
    assert carry_out(request) == []
    db.session.commit()
    user, store = db.session.get(User, user.id), db.session.get(Store, store.id)
    assert user.email == f"erased-{user.id}@erased.invalid" and user.name == ""
    assert not user.check_password("correct horse 9")
    assert (store.name, store.slug, store.tagline) == ("Erased", f"erased-{store.id}", "")
    assert db.session.scalars(select(Pick).where(Pick.store_id == store.id)).all() == []
    assert app.test_client().get("/s/meis-picks").status_code == 404
    assert "/login" in browser.get("/my/data").headers["Location"]  # its sessions ended with it


def test_money_due_keeps_the_account_until_settled(app, login, make_paid_order, make_store, make_user):  # noqa: F811
    reseller = make_user(Role.reseller)
    store = make_store(user=reseller)
    order = make_paid_order(store)
    supplier_user = order.lines[0].purchase_order.supplier.user
    for user in (reseller, supplier_user):
        request = request_erasure(RequestKind.account, user.email, user.id)
        reasons = carry_out(request)
        db.session.commit()
        assert request.status is RequestStatus.waiting and any("Money is still due" in r for r in reasons)
        assert db.session.get(User, user.id).email == request.email  # nothing erased yet
    page = login(reseller).get("/my/data").text
    assert "Money is still due" in page
    assert db.session.get(Store, store.id).picks  # the store still sells


def test_erasing_a_supplier_takes_the_catalog_offline(make_supplier, make_product):
    supplier = make_supplier(name="Harbour Home Goods", email="harbour@example.com")
    make_product(supplier)
    request = request_erasure(RequestKind.account, supplier.email, supplier.user_id)
    assert carry_out(request) == []
    db.session.commit()
    db.session.refresh(supplier)
    assert supplier.status is SupplierStatus.suspended and supplier.name == "Erased"
    assert supplier.email == f"erased-{supplier.id}@erased.invalid"


def test_the_operator_page_is_the_operators(login, make_user, make_store):
    reseller = make_user(Role.reseller)
    assert login(reseller).get("/admin/privacy").status_code == 404
    assert login(reseller).post("/admin/privacy/erase", data={"request_id": 1}).status_code == 404


def test_password_guesses_on_the_erase_form_are_limited(make_app, make_user):
    app = make_app(RATELIMIT_ENABLED=True)
    with app.app_context():
        user = make_user(Role.reseller)
        client = app.test_client(user=user)
        codes = [client.post("/my/data/erase", data={"password": "guess", "confirm": "y"}).status_code
                 for _ in range(6)]
    assert codes == [200] * 5 + [429]


def test_the_nightly_sweep_erases_what_no_longer_has_to_wait(make_paid_order, ship):  # noqa: F811
    from shop.privacy.tasks import erase_waiting

    order = make_paid_order(email="ada@example.com")
    request = request_erasure(RequestKind.customer, "ada@example.com")
    untouched = request_erasure(RequestKind.customer, "bob@example.com")  # not approved by the operator yet
    carry_out(request)
    db.session.commit()
    assert erase_waiting.call_local() == []
    ship(order)
    assert erase_waiting.call_local() == [request.id]
    assert db.session.get(Order, order.id).customer_name == "Erased"
    assert untouched.status is RequestStatus.requested


def test_once_settled_the_account_is_erased(make_paid_order, make_store, make_user, ship):  # noqa: F811
    from shop.earnings.models import Account, LedgerEntry, LedgerTransaction
    from shop.privacy.erasure import balance_due
    from shop.privacy.subjects import Subject

    reseller = make_user(Role.reseller)
    order = ship(make_paid_order(make_store(user=reseller)))
    subject = Subject.account(reseller)
    owed = balance_due(subject)
    assert owed == {"USD": -order.lines[0].commission_total}
    # A payout as the ledger records it: the reseller's earnings debited, money out of the platform credited.
    payout = LedgerTransaction(kind="payout", memo="paid")
    payout.entries = [
        LedgerEntry(account=Account.reseller_earnings, amount_minor=-owed["USD"], currency="USD",
                    store_id=subject.store_ids[0]),
        LedgerEntry(account=Account.payouts, amount_minor=owed["USD"], currency="USD"),
    ]
    db.session.add(payout)
    db.session.commit()
    request = request_erasure(RequestKind.account, reseller.email, reseller.id)
    assert carry_out(request) == [] and request.status is RequestStatus.done
