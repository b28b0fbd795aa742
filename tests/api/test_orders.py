"""Purchase orders through the API: list, read, acknowledge, ship, cancel, with the portal's side effects."""
import base64
import json
from datetime import timedelta

from sqlalchemy import func, select

from shop.earnings.models import LedgerEntry
from shop.earnings.services import unbalanced_transactions
from shop.extensions import db
from shop.fulfillment.models import POStatus
from shop.orders.models import LineStatus, OrderStatus
from shop.payments.models import Refund
from tests.fulfillment.conftest import purchase_order_of


def test_list_shows_only_own_purchase_orders_with_ship_to_and_wholesale(two_suppliers, api_for):
    north, order = two_suppliers["north"], two_suppliers["order"]
    answer = api_for(north).get("/api/v1/purchase-orders")
    assert answer.status_code == 200
    [po] = answer.json["data"]
    assert po["id"] == purchase_order_of(order, north).token
    assert po["order_number"] == order.id and po["status"] == "open"
    assert po["wholesale_total_minor"] == 1234 + 2 * 1500 and po["currency"] == "USD"
    assert po["ship_to"]["name"] == "Ada Lovelace" and po["ship_to"]["country"] == "GB"
    assert [line["sku"] for line in po["lines"]] == [line.sku for line in purchase_order_of(order, north).lines]
    assert "email" not in str(po) and order.email not in str(po) and order.token not in str(po)
    assert answer.json["next_cursor"] is None


def test_list_filters_by_status_and_since_and_pages_with_a_cursor(make_supplier, make_product, make_paid_order,
                                                                  api_for):
    supplier = make_supplier()
    product = make_product(supplier=supplier, variants=((1000, 50),))
    orders = [make_paid_order(items=[(product.variants[0], 1)]) for _ in range(5)]
    pos = [purchase_order_of(o, supplier) for o in orders]
    for days, po in zip((5, 4, 3, 2, 1), pos):
        po.created_at -= timedelta(days=days)
    pos[4].status = POStatus.shipped
    db.session.commit()
    api = api_for(supplier)

    seen, url = [], "/api/v1/purchase-orders?status=open&limit=2"
    while url:
        page = api.get(url).json
        seen += [po["id"] for po in page["data"]]
        assert len(page["data"]) <= 2
        url = page["next_cursor"] and f"/api/v1/purchase-orders?status=open&limit=2&cursor={page['next_cursor']}"
    assert seen == [po.token for po in pos[:4]]
    since = (pos[2].created_at - timedelta(seconds=1)).isoformat() + "Z"
    recent = api.get(f"/api/v1/purchase-orders?since={since}").json["data"]
    assert [po["id"] for po in recent] == [pos[2].token, pos[3].token, pos[4].token]
    forged = base64.urlsafe_b64encode(json.dumps(["2026-01-01T00:00:00", 2**70]).encode()).decode()
    for bad in ("status=lost", "since=yesterday", "limit=0", "limit=500", "limit=%C2%B2", "cursor=%%%",
                f"cursor={forged}", "since=0001-01-01T00:00:00%2B14:00"):
        answer = api.get(f"/api/v1/purchase-orders?{bad}")
        assert answer.status_code == 400 and answer.json["error"]["code"] in {"invalid_parameter", "invalid_cursor"}


def test_listing_runs_the_same_queries_for_few_or_many(make_supplier, make_product, make_paid_order, api_for,
                                                       count_queries):
    supplier = make_supplier()
    product = make_product(supplier=supplier, variants=((1000, 50), (1100, 50)))
    api = api_for(supplier)
    api.get("/api/v1/supplier")  # the key's last-used time is written now, not during the counting

    def queries():
        with count_queries() as n:
            assert api.get("/api/v1/purchase-orders").status_code == 200
        return n()

    make_paid_order(items=[(product.variants[0], 1), (product.variants[1], 1)])
    few = queries()
    for _ in range(4):
        make_paid_order(items=[(product.variants[0], 2)])
    assert queries() == few


def test_another_suppliers_purchase_order_is_404_and_unchanged(two_suppliers, api_for, login, make_user):
    north, south, order = two_suppliers["north"], two_suppliers["south"], two_suppliers["order"]
    token = purchase_order_of(order, south).token
    api = api_for(north)
    for method, url, body in (("get", "", None), ("post", "/acknowledge", {}),
                              ("post", "/shipments", {"carrier": "DHL", "tracking_number": "1"}),
                              ("post", "/cancellations", {"line_ids": [1, 2, 3, 4], "reason": "x"})):
        answer = getattr(api, method)(f"/api/v1/purchase-orders/{token}{url}", **({"body": body} if body else {}))
        assert answer.status_code == 404 and answer.json["error"]["code"] == "purchase_order_not_found"
    db.session.expire_all()
    po = purchase_order_of(order, south)
    assert po.status is POStatus.open and po.acknowledged_at is None
    assert all(line.status is LineStatus.open for line in po.lines)


def test_acknowledge_is_recorded_once(two_suppliers, api_for):
    north, order = two_suppliers["north"], two_suppliers["order"]
    po = purchase_order_of(order, north)
    api = api_for(north)
    first = api.post(f"/api/v1/purchase-orders/{po.token}/acknowledge")
    assert first.status_code == 200 and first.json["acknowledged_at"].endswith("Z")
    again = api.post(f"/api/v1/purchase-orders/{po.token}/acknowledge")
    assert again.json["acknowledged_at"] == first.json["acknowledged_at"]


def test_a_shipment_ships_the_order_emails_the_customer_and_the_reseller_sees_it(two_suppliers, api_for, outbox,
                                                                                 login):
    north, south = two_suppliers["north"], two_suppliers["south"]
    order, store = two_suppliers["order"], two_suppliers["store"]
    po = purchase_order_of(order, north)
    shipped = api_for(north).post(f"/api/v1/purchase-orders/{po.token}/shipments",
                                  {"carrier": "SF Express", "tracking_number": "SF123456"})
    assert shipped.status_code == 201, shipped.json
    assert shipped.json["status"] == "shipped" and shipped.json["tracking_number"] == "SF123456"
    assert {line["status"] for line in shipped.json["lines"]} == {"shipped"}
    [mail] = outbox()
    assert mail["To"] == order.email and "SF123456" in mail.get_content()
    db.session.expire_all()
    assert order.status is OrderStatus.paid  # South's mug is still to ship
    again = api_for(north).post(f"/api/v1/purchase-orders/{po.token}/shipments",
                                {"carrier": "SF Express", "tracking_number": "SF123456"})
    assert again.status_code == 409 and again.json["error"]["code"] == "nothing_to_ship"

    mug_po = purchase_order_of(order, south)
    api_for(south).post(f"/api/v1/purchase-orders/{mug_po.token}/shipments",
                        {"carrier": "DHL", "tracking_number": "JD1", "line_ids": [mug_po.lines[0].id]})
    db.session.expire_all()
    assert order.status is OrderStatus.shipped and len(outbox()) == 2
    dashboard = login(store.user).get("/my/").text
    assert "Shipped" in dashboard


def test_a_shipment_names_only_its_own_open_lines_and_needs_carrier_and_tracking(two_suppliers, api_for):
    north, order = two_suppliers["north"], two_suppliers["order"]
    po = purchase_order_of(order, north)
    api = api_for(north)
    foreign = api.post(f"/api/v1/purchase-orders/{po.token}/shipments",
                       {"carrier": "DHL", "tracking_number": "1", "line_ids": [po.lines[0].id, 10**6]})
    assert foreign.status_code == 422 and foreign.json["error"]["details"][0]["line_id"] == 10**6
    blank = api.post(f"/api/v1/purchase-orders/{po.token}/shipments", {"carrier": " ", "tracking_number": "1"})
    assert blank.status_code == 422 and blank.json["error"]["details"] == [{"field": "carrier", "code": "invalid"}]
    db.session.expire_all()
    assert po.status is POStatus.open


def _line_sums(line):
    rows = db.session.execute(
        select(LedgerEntry.account, func.sum(LedgerEntry.amount_minor))
        .where(LedgerEntry.order_line_id == line.id).group_by(LedgerEntry.account)
    )
    return {account.value: total for account, total in rows}


def _legs(line):
    return db.session.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.order_line_id == line.id))


def test_cancelling_a_line_refunds_it_reverses_the_ledger_and_tells_the_customer(two_suppliers, api_for, outbox):
    north, order = two_suppliers["north"], two_suppliers["order"]
    po = purchase_order_of(order, north)
    kettle_line, lid_line = po.lines
    legs_before = _legs(lid_line)
    answer = api_for(north).post(f"/api/v1/purchase-orders/{po.token}/cancellations",
                                 {"line_ids": [lid_line.id], "reason": "Out of stock"})
    assert answer.status_code == 201, answer.json
    assert answer.json["refund"] == {"amount_minor": lid_line.total, "currency": "USD"}
    db.session.expire_all()
    assert lid_line.status is LineStatus.cancelled and kettle_line.status is LineStatus.open
    [refund] = db.session.scalars(select(Refund).where(Refund.order_id == order.id)).all()
    assert refund.amount_minor == lid_line.total and refund.reason == "Out of stock"
    # The exact legs are the portal's (test_the_api_and_the_portal_cancel_alike); here: a reversal was posted.
    assert _legs(lid_line) > legs_before and sum(_line_sums(lid_line).values()) == 0
    assert _line_sums(kettle_line)["supplier_payable"] == -kettle_line.wholesale_total  # untouched
    assert unbalanced_transactions() == []
    [mail] = outbox()
    assert mail["To"] == order.email and "Out of stock" in mail.get_content()

    again = api_for(north).post(f"/api/v1/purchase-orders/{po.token}/cancellations",
                                {"line_ids": [lid_line.id], "reason": "Out of stock"})
    assert again.status_code == 422 and again.json["error"]["code"] == "lines_not_open"
    api_for(north).post(f"/api/v1/purchase-orders/{po.token}/cancellations",
                        {"line_ids": [kettle_line.id], "reason": "Broken"})
    db.session.expire_all()
    assert po.status is POStatus.cancelled and len(outbox()) == 2
    assert unbalanced_transactions() == []


def test_cancelling_the_only_purchase_order_refunds_the_whole_order(make_paid_order, api_for):
    order = make_paid_order()
    po = order.lines[0].purchase_order
    api_for(po.supplier).post(f"/api/v1/purchase-orders/{po.token}/cancellations",
                              {"line_ids": [line.id for line in po.lines], "reason": "Discontinued"})
    db.session.expire_all()
    assert order.status is OrderStatus.refunded and order.refunded_minor == order.total_minor


def test_the_api_and_the_portal_cancel_alike(make_supplier, make_product, make_store, make_pick, make_paid_order,
                                             api_for, login, outbox):
    """Same refund, same ledger entries, same mail, same order state, whichever way the supplier cancels."""
    supplier = make_supplier()
    kettle = make_product(supplier=supplier, title="Kettle", variants=((1234, 9), (1500, 9)))
    store = make_store()
    make_pick(store, kettle, price=3999)
    orders = [make_paid_order(store, items=[(kettle.variants[0], 1), (kettle.variants[1], 2)]) for _ in range(2)]
    by_portal, by_api = (purchase_order_of(order, supplier) for order in orders)
    login(supplier.user).post(f"/supplier/orders/{by_portal.token}/cancel",
                              data={"line_ids": [str(by_portal.lines[1].id)], "reason": "Out of stock"})
    api_for(supplier).post(f"/api/v1/purchase-orders/{by_api.token}/cancellations",
                           {"line_ids": [by_api.lines[1].id], "reason": "Out of stock"})
    db.session.expire_all()
    assert [_line_sums(line) for line in by_portal.lines] == [_line_sums(line) for line in by_api.lines]
    assert [o.refunded_minor for o in orders] == [by_api.lines[1].total] * 2
    assert orders[0].status is orders[1].status is OrderStatus.paid
    assert by_portal.status is by_api.status is POStatus.open
    mails = {mail["Subject"]: mail for mail in outbox()}
    # Lines are wrapped (a token may break at a hyphen): compare without whitespace.
    texts = ["".join(mails[subject].get_content().split()).replace(order.token, "T").replace(f"#{order.id}", "#N")
             for order in orders for subject in mails if subject.endswith(f"#{order.id}")]
    assert len(texts) == 2 and texts[0] == texts[1] and "Kettle(S2)×2" in texts[1]
    assert unbalanced_transactions() == []
