"""The supplier's order pages: lists, the purchase order, shipping and cancelling lines."""
from datetime import timedelta

from sqlalchemy import func, select

from shop.accounts.models import Role
from shop.earnings.models import LedgerEntry
from shop.earnings.services import unbalanced_transactions
from shop.extensions import db
from shop.fulfillment.models import POStatus
from shop.orders.models import LineStatus, OrderStatus
from shop.payments.models import Refund
from tests.fulfillment.conftest import purchase_order_of as _po


def test_po_page_shows_only_this_suppliers_lines_and_never_retail(two_suppliers, login):
    north, order = two_suppliers["north"], two_suppliers["order"]
    po = _po(order, north)
    page = login(north.user).get(f"/supplier/orders/{po.token}")
    assert page.status_code == 200
    text = page.text
    assert "SKU" in text and two_suppliers["kettle"].variants[1].sku in text
    assert "$12.34" in text and "$30.00" in text and "$42.34" in text  # unit, 2 × 15.00, the PO total
    assert "Ada Lovelace" in text and "12 Analytical Row" in text and "+44 20 7946 0000" in text
    assert two_suppliers["mug"].variants[0].sku not in text and "Mug" not in text
    for hidden in ("$39.99", "$42.65", "$12.99", "Ada&#39;s Corner", "Ada's Corner", order.email):
        assert hidden not in text
    assert f"{order.total_minor / 100:.2f}" not in text


def test_other_suppliers_purchase_order_is_404(two_suppliers, login, make_user):
    north, south, order = two_suppliers["north"], two_suppliers["south"], two_suppliers["order"]
    token = _po(order, south).token
    as_north = login(north.user)
    assert as_north.get(f"/supplier/orders/{token}").status_code == 404
    assert as_north.post(f"/supplier/orders/{token}/ship", data={"carrier": "X", "tracking_number": "1"}).status_code == 404
    assert as_north.post(f"/supplier/orders/{token}/cancel", data={"reason": "x"}).status_code == 404
    assert _po(order, south).status is POStatus.open
    assert login(make_user(Role.reseller)).get(f"/supplier/orders/{token}").status_code == 404
    assert login(make_user(Role.admin)).get("/supplier/orders").status_code == 404


def test_orders_need_a_signed_in_supplier(client):
    response = client.get("/supplier/orders")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_tabs_list_open_oldest_first_then_shipped_and_cancelled(make_supplier, make_product, make_paid_order, login):
    supplier = make_supplier()
    product = make_product(supplier=supplier, variants=((1000, 50),))
    orders = [make_paid_order(items=[(product.variants[0], 1)]) for _ in range(4)]
    pos = [_po(o, supplier) for o in orders]
    for days, po in zip((1, 3, 2, 0), pos):
        po.created_at -= timedelta(days=days)
    pos[2].status, pos[3].status = POStatus.shipped, POStatus.cancelled
    db.session.commit()
    other = make_paid_order()

    client = login(supplier.user)
    text = client.get("/supplier/orders").text
    open_numbers = [f"Order #{orders[1].id}<", f"Order #{orders[0].id}<"]
    assert all(n in text for n in open_numbers) and text.index(open_numbers[0]) < text.index(open_numbers[1])
    assert f"Order #{orders[2].id}<" not in text and f"Order #{other.id}<" not in text
    assert f"Order #{orders[2].id}<" in client.get("/supplier/orders?tab=shipped").text
    cancelled = client.get("/supplier/orders?tab=cancelled").text
    assert f"Order #{orders[3].id}<" in cancelled and f"Order #{orders[1].id}<" not in cancelled


def test_tab_switch_by_htmx_returns_the_list_fragment(make_paid_order, login):
    order = make_paid_order()
    supplier = order.lines[0].purchase_order.supplier
    response = login(supplier.user).get("/supplier/orders?tab=open", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="po-list"' in response.text
    assert f"Order #{order.id}<" in response.text
    assert "HX-Request" in response.headers["Vary"]


def test_the_list_is_paginated(app, make_supplier, make_product, make_paid_order, login):
    app.config["PER_PAGE"] = 2
    supplier = make_supplier()
    product = make_product(supplier=supplier, variants=((1000, 50),))
    for _ in range(3):
        make_paid_order(items=[(product.variants[0], 1)])
    client = login(supplier.user)
    first, second = client.get("/supplier/orders").text, client.get("/supplier/orders?page=2").text
    assert first.count('class="po-link"') == 2 and second.count('class="po-link"') == 1
    assert "Page 1 of 2" in first and 'rel="next"' in first


def test_the_list_runs_the_same_queries_for_few_or_many_orders(
    make_supplier, make_product, make_paid_order, login, count_queries
):
    supplier = make_supplier()
    product = make_product(supplier=supplier, variants=((1000, 50), (1100, 50)))
    client = login(supplier.user)

    def queries():
        with count_queries() as n:
            assert client.get("/supplier/orders").status_code == 200
        return n()

    make_paid_order(items=[(product.variants[0], 1), (product.variants[1], 1)])
    few = queries()
    for _ in range(5):
        make_paid_order(items=[(product.variants[0], 1), (product.variants[1], 2)])
    assert queries() == few


def test_ship_requires_carrier_and_tracking_and_keeps_the_input(two_suppliers, login):
    north, order = two_suppliers["north"], two_suppliers["order"]
    po = _po(order, north)
    client = login(north.user)
    response = client.post(f"/supplier/orders/{po.token}/ship", data={"carrier": "DHL Express", "tracking_number": " "})
    assert response.status_code == 200
    assert 'value="DHL Express"' in response.text and "This field is required." in response.text
    fragment = client.post(
        f"/supplier/orders/{po.token}/ship", data={"carrier": "", "tracking_number": "JD0001"},
        headers={"HX-Request": "true"},
    )
    assert "<html" not in fragment.text and 'id="ship-form"' in fragment.text and 'value="JD0001"' in fragment.text
    assert _po(order, north).status is POStatus.open


def test_shipping_every_purchase_order_ships_the_order_and_emails_the_customer(two_suppliers, login, outbox):
    north, south, order = two_suppliers["north"], two_suppliers["south"], two_suppliers["order"]
    po = _po(order, north)
    response = login(north.user).post(
        f"/supplier/orders/{po.token}/ship", data={"carrier": "DHL", "tracking_number": "JD014600003"}
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/supplier/orders/{po.token}"
    db.session.expire_all()
    assert po.status is POStatus.shipped and po.shipped_at is not None
    assert {line.status for line in po.lines} == {LineStatus.shipped}
    assert order.status is OrderStatus.paid  # South has not shipped yet
    [mail] = outbox()
    assert mail["To"] == order.email and "JD014600003" in mail.get_content()

    south_po = _po(order, south)
    htmx = login(south.user).post(
        f"/supplier/orders/{south_po.token}/ship", data={"carrier": "UPS", "tracking_number": "1Z999"},
        headers={"HX-Request": "true"},
    )
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"] == f"/supplier/orders/{south_po.token}"
    db.session.expire_all()
    assert order.status is OrderStatus.shipped
    assert len(outbox()) == 2
    page = login(north.user).get(f"/supplier/orders/{po.token}").text
    assert "JD014600003" in page and 'id="ship-form"' not in page


def _line_sums(line):
    """The line's ledger balance per account."""
    rows = db.session.execute(
        select(LedgerEntry.account, func.sum(LedgerEntry.amount_minor))
        .where(LedgerEntry.order_line_id == line.id)
        .group_by(LedgerEntry.account)
    )
    return {account.value: total for account, total in rows}


def _charged_to_supplier(line):
    """A supplier's cancellation: the customer is refunded, the fee reversed, and the supplier pays the margin
    the reseller keeps."""
    sums = _line_sums(line)
    return (sums["customer_payments"] == -sums["refunds"] == line.total and sums["platform_fees"] == 0
            and sums["reseller_earnings"] == -line.commission_total == -sums["supplier_payable"])


def test_cancelling_lines_refunds_them_and_reverses_the_ledger(two_suppliers, login, outbox):
    north, order = two_suppliers["north"], two_suppliers["order"]
    po = _po(order, north)
    kettle_line, lid_line = po.lines
    client = login(north.user)

    response = client.post(
        f"/supplier/orders/{po.token}/cancel", data={"line_ids": [str(lid_line.id)], "reason": "Out of stock"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert lid_line.status is LineStatus.cancelled and kettle_line.status is LineStatus.open
    assert po.status is POStatus.open and order.status is OrderStatus.paid
    [refund] = db.session.scalars(select(Refund).where(Refund.order_id == order.id)).all()
    assert refund.amount_minor == lid_line.total and refund.reason == "Out of stock"
    assert order.refunded_minor == lid_line.total
    assert _charged_to_supplier(lid_line) and len(_line_sums(lid_line)) == 5
    assert _line_sums(kettle_line)["supplier_payable"] == -kettle_line.wholesale_total
    assert _line_sums(kettle_line)["customer_payments"] == kettle_line.total
    assert unbalanced_transactions() == []
    [mail] = outbox()
    assert mail["To"] == order.email
    body = mail.get_content()
    assert "Kettle (S2) × 2" in body and "Out of stock" in body and f"${lid_line.total / 100:.2f}" in body

    client.post(f"/supplier/orders/{po.token}/cancel", data={"line_ids": [str(kettle_line.id)], "reason": "Broken"})
    db.session.expire_all()
    assert po.status is POStatus.cancelled
    assert order.status is OrderStatus.paid  # South's mug is still to ship
    assert _charged_to_supplier(kettle_line) and unbalanced_transactions() == []
    assert len(outbox()) == 2


def test_cancelling_needs_a_line_and_a_reason_and_only_this_suppliers_lines(two_suppliers, login):
    north, south, order = two_suppliers["north"], two_suppliers["south"], two_suppliers["order"]
    po = _po(order, north)
    mug_line = _po(order, south).lines[0]
    client = login(north.user)

    empty = client.post(f"/supplier/orders/{po.token}/cancel", data={"reason": "Out of stock"})
    assert empty.status_code == 200 and "Choose at least one item." in empty.text
    foreign = client.post(
        f"/supplier/orders/{po.token}/cancel", data={"line_ids": [str(mug_line.id)], "reason": "x"},
        headers={"HX-Request": "true"},
    )
    assert "<html" not in foreign.text and "not a valid choice" in foreign.text
    no_reason = client.post(f"/supplier/orders/{po.token}/cancel", data={"line_ids": [str(po.lines[0].id)]})
    assert "This field is required." in no_reason.text
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Refund.id))) == 0
    assert mug_line.status is LineStatus.open


def test_cancelling_the_only_purchase_order_refunds_the_whole_order(make_paid_order, login, outbox):
    order = make_paid_order()
    po = order.lines[0].purchase_order
    login(po.supplier.user).post(
        f"/supplier/orders/{po.token}/cancel", data={"line_ids": [str(order.lines[0].id)], "reason": "Discontinued"}
    )
    db.session.expire_all()
    assert order.status is OrderStatus.refunded and po.status is POStatus.cancelled
    assert order.refunded_minor == order.total_minor
    page = login(po.supplier.user).get("/supplier/orders?tab=cancelled").text
    assert f"Order #{order.id}<" in page
