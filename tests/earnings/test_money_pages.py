"""The Money pages of resellers and suppliers, and the operator's money page."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from shop.accounts.sessions import now_seconds
from shop.earnings.lifecycle import Payee, release_due, set_rule
from shop.earnings.models import BankAccount, Payout, PayoutStatus
from shop.extensions import db
from shop.fulfillment.services import ship_purchase_order
from shop.payments.services import refund_lines
from shop.util import now_utc


@pytest.fixture
def world(make_store, make_product, make_paid_order):
    store = make_store(name="Mei's Picks")
    lamp = make_product(variants=((1000, 20),))
    order = make_paid_order(store, [(lamp.variants[0], 2)])
    set_rule("payout_minimum_minor", 100)
    db.session.commit()
    return {"store": store, "order": order, "line": order.lines[0], "supplier": order.lines[0].purchase_order.supplier,
            "lamp": lamp}


def _released(order):
    po = order.lines[0].purchase_order
    ship_purchase_order(po, "DHL", "T1")
    po.shipped_at -= timedelta(days=8)
    db.session.commit()
    release_due(now_utc())
    db.session.commit()


def _typed_password(client, minutes_ago: int):
    """When the client last typed its password (payout details need it typed recently)."""
    with client.session_transaction() as session:
        session["auth_at"] = now_seconds() - minutes_ago * 60
    return client


def test_the_reseller_sees_pending_then_available_and_the_statement(world, login):
    client = login(world["store"].user)
    page = client.get("/my/money").text
    line = world["line"]
    commission = f"${line.commission_total / 100:.2f}"
    assert 'id="pending">' + commission in page and f'id="order-{world["order"].id}"' in page
    assert "Pending" in page and "Add a bank account for payouts" in page
    _released(world["order"])
    page = client.get("/my/money").text
    assert 'id="available">' + commission in page and "Available" in page
    assert 'class="chart"' in page


def test_the_statement_downloads_as_csv_and_pdf_and_the_year_as_csv(world, login):
    client = login(world["store"].user)
    month = f"{now_utc():%Y-%m}"
    csv = client.get(f"/my/money/statement.csv?month={month}")
    assert csv.mimetype == "text/csv" and f"#{world['order'].id}" in csv.text and "Margin" in csv.text
    pdf = client.get(f"/my/money/statement.pdf?month={month}")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    year = client.get(f"/my/money/year.csv?year={now_utc().year}")
    assert f"{now_utc():%Y-%m}" in year.text


def test_the_supplier_sees_its_wholesale(world, login):
    page = login(world["supplier"].user).get("/supplier/money").text
    assert f'id="pending">${world["line"].wholesale_total / 100:.2f}' in page


def test_bank_details_need_a_recent_password_then_a_payout_is_requested(world, login):
    client = _typed_password(login(world["store"].user), 60)
    form = {"holder": "Mei Chen", "iban": "GB33 BUKB 2020 1555 5555 55", "bic": "BUKBGB22"}
    response = client.post("/my/money/bank", data=form)
    assert response.status_code == 302 and "confirm" in response.headers["Location"]
    assert db.session.scalar(select(BankAccount)) is None
    _typed_password(client, 0)
    assert client.post("/my/money/bank", data={**form, "iban": "no!"}).status_code == 200  # refused, shown again
    assert client.post("/my/money/bank", data=form).status_code == 302
    assert db.session.scalar(select(BankAccount.iban)) == "GB33BUKB20201555555555"
    client.post("/my/money/payout")
    assert db.session.scalar(select(Payout)) is None  # nothing available yet
    _released(world["order"])
    client.post("/my/money/payout")
    payout = db.session.scalar(select(Payout))
    assert payout.amount_minor == world["line"].commission_total and payout.store_id == world["store"].id
    assert "waiting for the operator" in client.get("/my/money").text


def test_the_operator_approves_exports_and_marks_a_payout_paid(world, login, make_user):
    from shop.accounts.models import Role

    store = world["store"]
    db.session.add(BankAccount(store_id=store.id, holder="Mei Chen", iban="GB33BUKB20201555555555"))
    db.session.commit()
    _released(world["order"])
    login(store.user).post("/my/money/payout")
    payout = db.session.scalar(select(Payout))
    admin = login(make_user(Role.admin))
    page = admin.get("/admin/money").text
    assert f'id="payout-{payout.id}"' in page and "Mei&#39;s Picks" in page and 'id="ledger-ok"' in page
    admin.post("/admin/money/payouts", data={"payout_id": payout.id, "action": "approve"})
    export = admin.get("/admin/money/payouts.csv").text
    assert f"SHARESTALL-{payout.id}" in export and "GB33BUKB20201555555555" in export
    admin.post("/admin/money/payouts", data={"payout_id": payout.id, "action": "mark_paid"})
    db.session.expire_all()
    assert payout.status is PayoutStatus.paid and payout.paid_at is not None
    assert 'id="paid-out">' in login(store.user).get("/my/money").text


def test_the_operator_sees_negative_balances_and_sets_the_rules(world, login, make_user):
    from shop.accounts.models import Role

    refund_lines(world["order"], [world["line"]], "Out of stock", supplier_fault=True)
    db.session.commit()
    admin = login(make_user(Role.admin))
    page = admin.get("/admin/money").text
    assert 'id="negative-balances"' in page and world["supplier"].name in page
    response = admin.post("/admin/money/rules", data={"hold_after_shipping_days": "3", "return_window_days": "5",
                                                      "payout_minimum": "20.00", "cod_enabled": "y"})
    assert response.status_code == 302
    from shop.earnings.lifecycle import rule

    assert (rule("hold_after_shipping_days"), rule("return_window_days"), rule("payout_minimum_minor"),
            rule("cod_enabled")) == (3, 5, 2000, 1)


def test_others_cannot_see_the_money_pages(world, login, make_store, client):
    other = login(make_store().user)
    assert other.get("/supplier/money").status_code == 404
    assert login(world["supplier"].user).get("/my/money").status_code == 404
    assert other.get("/admin/money").status_code == 404
    assert client.get("/my/money").status_code == 302
    page = other.get("/my/money").text
    assert f'id="order-{world["order"].id}"' not in page


def test_the_money_page_costs_the_same_queries_for_more_orders(world, login, make_paid_order, count_queries):
    client = login(world["store"].user)
    client.get("/my/money")
    with count_queries() as few:
        client.get("/my/money")
    for _ in range(4):
        make_paid_order(world["store"], [(world["lamp"].variants[0], 1)])
    with count_queries() as many:
        client.get("/my/money")
    assert many() == few()


def test_payee_names_a_store_or_a_supplier():
    assert str(Payee("store", 3)) == "store-3" and Payee("supplier", 4).fields() == {"supplier_id": 4}


def test_the_operator_refunds_a_shipped_line_from_the_order_page(world, login, make_user):
    from shop.accounts.models import Role
    from shop.orders.models import LineStatus

    order, line = world["order"], world["line"]
    ship_purchase_order(line.purchase_order, "DHL", "T1")
    db.session.commit()
    admin = login(make_user(Role.admin))
    page = admin.get(f"/admin/orders/{order.id}").text
    assert 'id="refund-h"' in page and f'value="{line.id}"' in page
    admin.post("/admin/money/refund", data={"order_id": order.id, "line_ids": [line.id], "reason": "returned"})
    db.session.expire_all()
    assert line.status is LineStatus.cancelled and order.refunded_minor == line.total
    assert "Refunds to customers" in admin.get(f"/admin/orders/{order.id}").text
