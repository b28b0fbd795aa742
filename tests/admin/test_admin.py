"""The operator's pages: access, suppliers, stores, orders and the platform fee."""
import pytest
from sqlalchemy import select

from shop.accounts.models import Role
from shop.catalog.models import SupplierStatus
from shop.extensions import db
from shop.fulfillment.models import PurchaseOrder
from shop.fulfillment.services import ship_purchase_order
from shop.orders.models import OrderStatus
from shop.payments.services import refund_lines
from shop.settings import Setting, platform_fee_bp

GETS = ["/admin/", "/admin/suppliers", "/admin/stores", "/admin/orders", "/admin/orders/{order}", "/admin/fee"]
POSTS = [
    "/admin/suppliers/{supplier}/approve",
    "/admin/suppliers/{supplier}/suspend",
    "/admin/stores/{store}/featured",
    "/admin/fee",
]


@pytest.fixture
def admin(make_user, login):
    return login(make_user(Role.admin))


@pytest.fixture
def ids(make_supplier, make_paid_order):
    order = make_paid_order()
    return {"order": order.id, "store": order.store_id, "supplier": make_supplier(status=SupplierStatus.pending).id}


@pytest.mark.parametrize("role", [Role.reseller, Role.supplier])
@pytest.mark.parametrize("method, url", [("get", u) for u in GETS] + [("post", u) for u in POSTS])
def test_everyone_but_the_operator_gets_404(role, method, url, ids, make_user, login):
    client = login(make_user(role))
    response = getattr(client, method)(url.format(**ids), data={"percent": "20"})
    assert response.status_code == 404
    db.session.expire_all()
    assert platform_fee_bp() == 1000
    assert db.session.get(Setting, "platform_fee_bp") is None


@pytest.mark.parametrize("url", GETS)
def test_anonymous_visitors_are_sent_to_log_in(url, ids, client):
    response = client.get(url.format(**ids))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("url", GETS)
def test_every_admin_page_renders(url, ids, admin):
    assert admin.get(url.format(**ids)).status_code == 200


def test_index_counts(admin, make_supplier, make_paid_order):
    make_supplier(status=SupplierStatus.pending)
    make_paid_order()
    make_paid_order()
    text = admin.get("/admin/").text
    assert '<strong id="pending-suppliers">1</strong>' in text and '<strong id="paid-orders">2</strong>' in text
    assert "10%" in text


def test_suppliers_list_pending_first_and_approve_then_suspend(admin, make_supplier):
    approved = make_supplier(name="Old Hand")
    waiting = make_supplier(name="Newcomer", status=SupplierStatus.pending)
    text = admin.get("/admin/suppliers").text
    assert text.index("Newcomer") < text.index("Old Hand")

    response = admin.post(f"/admin/suppliers/{waiting.id}/approve")
    assert response.status_code == 302
    db.session.expire_all()
    assert waiting.status is SupplierStatus.approved
    assert "Newcomer is now approved." in admin.get("/admin/suppliers").text

    admin.post(f"/admin/suppliers/{approved.id}/suspend")
    db.session.expire_all()
    assert approved.status is SupplierStatus.suspended
    again = admin.post(f"/admin/suppliers/{approved.id}/suspend", follow_redirects=True)
    assert "Old Hand is already suspended." in again.text
    assert admin.post("/admin/suppliers/999999/approve").status_code == 404


def test_status_buttons_need_the_csrf_token(make_app, make_supplier, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    supplier = make_supplier(status=SupplierStatus.pending)
    client = app.test_client(user=make_user(Role.admin))
    assert client.post(f"/admin/suppliers/{supplier.id}/approve").status_code == 400
    db.session.expire_all()
    assert supplier.status is SupplierStatus.pending


def test_stores_show_owner_counts_and_toggle_featured(admin, make_store, make_paid_order):
    store = make_store(name="Corner Shop")
    make_paid_order(store)
    make_paid_order(store)
    text = admin.get("/admin/stores").text
    assert "Corner Shop" in text and store.user.email in text and "2 products" in text and "2 orders" in text

    admin.post(f"/admin/stores/{store.id}/featured")
    db.session.expire_all()
    assert store.featured is True
    admin.post(f"/admin/stores/{store.id}/featured")
    db.session.expire_all()
    assert store.featured is False


def test_orders_filter_by_status_and_fragment(admin, make_paid_order):
    kept, refunded = make_paid_order(), make_paid_order()
    refund_lines(refunded, list(refunded.lines), "test")
    db.session.commit()
    assert refunded.status is OrderStatus.refunded

    everything = admin.get("/admin/orders").text
    assert f">#{kept.id}<" in everything and f">#{refunded.id}<" in everything
    only = admin.get("/admin/orders?status=refunded", headers={"HX-Request": "true"})
    assert "<html" not in only.text and 'id="orders"' in only.text
    assert f">#{refunded.id}<" in only.text and f">#{kept.id}<" not in only.text
    assert f">#{kept.id}<" in admin.get("/admin/orders?status=nonsense").text


def test_order_detail_shows_lines_purchase_orders_refunds_and_a_balanced_ledger(admin, make_paid_order):
    order = make_paid_order()
    refund_lines(order, list(order.lines), "Out of stock")
    db.session.commit()
    text = admin.get(f"/admin/orders/{order.id}").text
    assert order.lines[0].sku in text and "Out of stock" in text
    assert "Balanced" in text and "Unbalanced" not in text
    assert "Owed to the reseller" in text and "Refund · Out of stock" in text
    assert admin.get("/admin/orders/999999").status_code == 404


def test_order_detail_lists_every_shipment_with_its_lines(
    admin, make_supplier, make_product, make_paid_order, count_queries
):
    north, south = make_supplier(name="North Co"), make_supplier(name="South Co")
    kettle = make_product(supplier=north, title="Kettle", variants=((1234, 9), (1500, 9)))
    mug = make_product(supplier=south, title="Mug", variants=((450, 9),))
    order = make_paid_order(items=[(kettle.variants[0], 1), (kettle.variants[1], 2), (mug.variants[0], 1)])
    by_supplier = {po.supplier_id: po for po in db.session.scalars(select(PurchaseOrder))}
    north_po, south_po = by_supplier[north.id], by_supplier[south.id]
    first_kettle, lids = north_po.lines
    ship_purchase_order(north_po, "DHL", "JD1", [first_kettle])
    db.session.commit()
    with count_queries() as one:
        assert admin.get(f"/admin/orders/{order.id}").status_code == 200

    ship_purchase_order(north_po, "UPS", "1Z2")
    ship_purchase_order(south_po, "GLS", "G3")
    db.session.commit()
    with count_queries() as three:
        text = admin.get(f"/admin/orders/{order.id}").text
    assert three() == one()  # shipments and their lines are loaded up front, not per purchase order
    assert "with DHL, JD1" in text and "with UPS, 1Z2" in text and "with GLS, G3" in text
    dhl, ups = text.split("with DHL, JD1")[1].split("with UPS, 1Z2")
    assert f"{first_kettle.sku} · Kettle ({first_kettle.variant_title}) × 1" in dhl and lids.sku not in dhl
    assert f"{lids.sku} · Kettle ({lids.variant_title}) × 2" in ups.split("with GLS, G3")[0]
    assert 'style="' not in text


@pytest.mark.parametrize("typed, bp", [("12.5", 1250), ("0", 0), ("49.99", 4999), ("7.25", 725)])
def test_fee_is_saved_in_basis_points(typed, bp, admin):
    response = admin.post("/admin/fee", data={"percent": typed}, follow_redirects=True)
    assert "applies to new orders only" in response.text
    assert platform_fee_bp() == bp


@pytest.mark.parametrize("typed, error", [
    ("50", "below 50%"), ("73", "below 50%"), ("-1", "cannot be negative"), ("12.345", "at most two decimals"),
    ("", "This field is required."), ("abc", "Not a valid decimal value"), ("NaN", "Enter a number"),
])
def test_fee_rejects_bad_values(typed, error, admin):
    response = admin.post("/admin/fee", data={"percent": typed})
    assert response.status_code == 200 and error in response.text
    assert platform_fee_bp() == 1000


def test_a_new_fee_applies_to_new_orders_only(admin, make_store, make_product, make_pick, make_paid_order):
    store = make_store()
    product = make_product(variants=((1000, 50),))
    make_pick(store, product, price=3000)
    before = make_paid_order(store, items=[(product.variants[0], 1)])
    admin.post("/admin/fee", data={"percent": "20"})
    after = make_paid_order(store, items=[(product.variants[0], 1)])
    db.session.expire_all()
    assert before.lines[0].unit_fee_minor == 300 and after.lines[0].unit_fee_minor == 600


def test_lists_run_the_same_queries_for_few_or_many_rows(admin, make_supplier, make_paid_order, count_queries):
    def queries():
        counts = []
        for url in ("/admin/suppliers", "/admin/stores", "/admin/orders", "/admin/"):
            with count_queries() as n:
                assert admin.get(url).status_code == 200
            counts.append(n())
        return counts

    make_paid_order()
    few = queries()
    for _ in range(4):
        make_supplier(status=SupplierStatus.pending)
        make_paid_order()
    assert queries() == few


def test_lists_are_paginated(app, admin, make_supplier):
    app.config["PER_PAGE"] = 2
    for _ in range(3):
        make_supplier()
    first = admin.get("/admin/suppliers").text
    assert first.count('class="card" id="supplier-') == 2 and "Page 1 of 2" in first
    assert admin.get("/admin/suppliers?page=2").text.count('class="card" id="supplier-') == 1


def test_fee_setting_row(admin):
    admin.post("/admin/fee", data={"percent": "15"})
    assert db.session.scalar(select(Setting.value).where(Setting.key == "platform_fee_bp")) == "1500"
