"""The reseller's numbers: funnels per link and channel, daily charts, top products, invitees, CSV exports."""
import csv
import io
import re
from datetime import timedelta

import pytest

from shop.accounts.models import Role
from shop.csvsafe import safe_cell, write_rows
from shop.earnings import stats
from shop.earnings.models import Account, LedgerEntry, LedgerTransaction
from shop.extensions import db
from shop.fulfillment.services import ship_purchase_order
from shop.orders.models import Cart, CartLine
from shop.orders.services import place_order
from shop.payments.services import refund_lines
from shop.stores.models import Click, ShareLink
from shop.util import now_utc


@pytest.fixture
def shop_floor(make_supplier, make_product, make_store, make_pick, make_paid_order):
    """A store with three links, clicks from two channels plus direct, carts, and paid, refunded and unpaid orders.

    Lamp: price 25.00, commission 12.50 a unit. Vase: price 15.00, commission 8.50 a unit.
    """

    def build(now=None):
        now = now or now_utc()
        supplier = make_supplier()
        lamp = make_product(supplier=supplier, title="Lamp", variants=((1000, 99),))
        vase = make_product(supplier=supplier, title="Vase", variants=((500, 99),))
        store = make_store(name="Ana's Corner")
        make_pick(store, lamp, price=2500)
        make_pick(store, vase, price=1500)
        wa_store = ShareLink(store_id=store.id, channel="whatsapp")
        wa_vase = ShareLink(store_id=store.id, product_id=vase.id, channel="whatsapp")
        tg_lamp = ShareLink(store_id=store.id, product_id=lamp.id, channel="telegram")
        db.session.add_all([wa_store, wa_vase, tg_lamp])
        db.session.flush()

        def click(link, visitor, ago, on=store):
            db.session.add(Click(store_id=on.id, visitor=visitor, link_id=link.id if link else None,
                                 channel=link.channel if link else "direct", created_at=now - ago))

        for link, visitor, ago in [
            (wa_store, "a", timedelta(hours=1)), (wa_store, "a", timedelta(days=1)), (wa_store, "b", timedelta(days=2)),
            (wa_vase, "a", timedelta(days=2)),
            (tg_lamp, "c", timedelta(days=3)), (tg_lamp, "a", timedelta(days=3)),
            (None, "d", timedelta(days=10)),
            (wa_store, "e", timedelta(days=40)),  # before the period
        ]:
            click(link, visitor, ago)
        for link in (wa_store, tg_lamp):  # carts still open (not bought)
            db.session.add(Cart(store_id=store.id, link_id=link.id, channel=link.channel,
                                lines=[CartLine(variant_id=lamp.variants[0].id, quantity=1)]))
        db.session.commit()

        def order(link, ago, items, **customer):
            o = make_paid_order(store, items=items, **customer)
            o.link_id, o.channel, o.paid_at = (link.id, link.channel, now - ago) if link else (None, "direct", now - ago)
            db.session.commit()
            return o

        lamp_v, vase_v = lamp.variants[0], vase.variants[0]
        order(wa_store, timedelta(days=1), [(lamp_v, 2)])
        mixed = order(tg_lamp, timedelta(days=3), [(lamp_v, 1), (vase_v, 1)])
        refund_lines(mixed, [mixed.lines[1]], "Out of stock")
        order(None, timedelta(days=10), [(vase_v, 2)])
        order(wa_store, timedelta(days=40), [(lamp_v, 1)])
        unpaid = Cart(store_id=store.id, lines=[CartLine(variant_id=lamp_v.id, quantity=5)])
        db.session.add(unpaid)
        db.session.flush()
        place_order(store, unpaid, {"customer_name": "Un Paid", "email": "u@example.com", "phone": "1",
                                    "address1": "x", "city": "Nowhere", "country": "GB"}, "en", "USD")
        db.session.commit()

        other = make_store(name="Other Shop")
        other_link = ShareLink(store_id=other.id, product_id=lamp.id, channel="whatsapp")
        db.session.add(other_link)
        db.session.flush()
        click(other_link, "a", timedelta(hours=2), on=other)
        o = make_paid_order(other, items=[(lamp_v, 3)], customer_name="Someone Else")
        o.link_id, o.channel = other_link.id, "whatsapp"
        db.session.commit()
        return store, {"wa_store": wa_store, "wa_vase": wa_vase, "tg_lamp": tg_lamp, "lamp": lamp, "vase": vase}

    return build


def _row(**counts):
    return stats.Funnel(**counts)


def test_the_funnel_per_channel_per_link_and_in_total_is_exact(shop_floor):
    now = now_utc()
    store, x = shop_floor(now)
    report = stats.funnel(stats.period_start(now, 30), store.id)

    assert dict(report.by_channel) == {
        "whatsapp": _row(clicks=4, visitors=2, carts=2, orders=1, sales=5000, earnings=2500),
        "telegram": _row(clicks=2, visitors=2, carts=2, orders=1, sales=2500, earnings=1250),  # vase refunded
        "direct": _row(clicks=1, visitors=1, carts=2, orders=1, sales=3000, earnings=1700),  # one cart unpaid
    }
    by_link = {(link.id if link else None): row for link, row in report.by_link}
    assert by_link == {
        x["wa_store"].id: _row(clicks=3, visitors=2, carts=2, orders=1, sales=5000, earnings=2500),
        x["wa_vase"].id: _row(clicks=1, visitors=1),
        x["tg_lamp"].id: _row(clicks=2, visitors=2, carts=2, orders=1, sales=2500, earnings=1250),
        None: _row(clicks=1, visitors=1, carts=2, orders=1, sales=3000, earnings=1700),
    }
    # Visitors are distinct over the whole store, not a sum of the rows.
    assert report.total == _row(clicks=7, visitors=4, carts=6, orders=3, sales=10500, earnings=5450)
    assert [link.id for link, _ in report.by_link if link][:1] == [x["wa_store"].id]  # busiest first


def test_a_shorter_period_leaves_older_activity_out(shop_floor):
    now = now_utc()
    store, _ = shop_floor(now)
    week = stats.funnel(stats.period_start(now, 7), store.id).total
    assert (week.clicks, week.visitors, week.orders, week.sales, week.earnings) == (6, 3, 2, 7500, 3750)


def test_daily_figures_cover_every_day_with_zeros(shop_floor):
    now = now_utc()
    store, _ = shop_floor(now)
    days = stats.daily(store.id, stats.period_start(now, 7), now)
    assert len(days) == 7 and days[-1].day == now.date() and days[0].day == now.date() - timedelta(days=6)
    by_day = {d.day: d for d in days}
    yesterday = by_day[(now - timedelta(days=1)).date()]
    assert yesterday.orders == 1 and yesterday.earnings == 2500
    assert sum(d.clicks for d in days) == 6 and sum(d.orders for d in days) == 2
    assert sum(d.earnings for d in days) == 3750
    assert by_day[(now - timedelta(days=5)).date()] == stats.Day((now - timedelta(days=5)).date())


def test_the_numbers_page_draws_a_bar_for_every_day(shop_floor, login):
    store, _ = shop_floor()
    text = login(store.user).get("/my/numbers?days=7").text
    charts = re.findall(r'<svg class="chart" id="chart-(\w+)".*?</svg>', text, re.S)
    assert charts == ["clicks", "orders", "earnings"]
    for name in charts:
        svg = re.search(rf'<svg class="chart" id="chart-{name}".*?</svg>', text, re.S).group(0)
        assert svg.count('class="bar"') == 7
        assert 'viewBox="0 0 ' in svg and f'aria-labelledby="chart-{name}-title"' in svg and "<title" in svg
        assert svg.count('data-value="0"') >= 3  # days without activity still have their place
    table = re.search(r'<div class="sr-only"><table id="days-table">.*?</table>', text, re.S).group(0)
    assert table.count('<th scope="row">') == 7
    month = login(store.user).get("/my/numbers").text
    assert re.search(r'id="chart-clicks".*?</svg>', month, re.S).group(0).count('class="bar"') == 30


def test_the_page_shows_the_funnel_rows_and_totals(shop_floor, login):
    store, x = shop_floor()
    text = login(store.user).get("/my/numbers").text
    assert '<strong id="total-clicks">7</strong>' in text and '<strong id="total-visitors">4</strong>' in text
    assert '<strong id="total-earnings">$54.50</strong>' in text
    assert 'data-row="channel-whatsapp"' in text and "WhatsApp" in text and "Telegram" in text
    assert f'data-row="link-{x["tg_lamp"].id}"' in text and 'data-row="direct"' in text
    assert "Whole store" in text and "No link (direct visits)" in text
    assert "Other Shop" not in text and "Someone" not in text


def test_top_products_by_sales_and_by_orders(shop_floor, make_product, make_pick, make_paid_order):
    now = now_utc()
    store, x = shop_floor(now)
    pin = make_product(supplier=x["lamp"].supplier, title="Pin", variants=((100, 99),))
    make_pick(store, pin, price=300)
    for _ in range(3):
        make_paid_order(store, items=[(pin.variants[0], 1)])
    top = stats.top_products(store.id, stats.period_start(now, 30))
    assert [(p.title, p.sales) for p in top["by_sales"]] == [("Lamp", 7500), ("Vase", 3000), ("Pin", 900)]
    assert [(p.title, p.orders) for p in top["by_orders"]] == [("Pin", 3), ("Lamp", 2), ("Vase", 1)]


def test_the_page_lists_top_products_in_order(shop_floor, login):
    store, _ = shop_floor()
    text = login(store.user).get("/my/numbers").text
    ranked = re.search(r'<ol id="top-by-sales">(.*?)</ol>', text, re.S).group(1)
    assert ranked.index("Lamp") < ranked.index("Vase")


@pytest.fixture
def invite_tree(shop_floor, make_store, make_paid_order):
    """Two invitees of the store, one with a sale and an invitee of its own; overrides posted on both sales."""

    def build():
        now = now_utc()
        store, x = shop_floor(now)
        first = make_store(name="First Invitee")
        idle = make_store(name="Idle Invitee")
        grandchild = make_store(name="Second Level")
        first.invited_by_id = idle.invited_by_id = store.id
        grandchild.invited_by_id = first.id
        db.session.commit()
        sale = make_paid_order(first, items=[(x["lamp"].variants[0], 1)], customer_name="Secret Customer",
                               city="Hidden City")
        deep = make_paid_order(grandchild, items=[(x["vase"].variants[0], 1)])
        po = deep.lines[0].purchase_order
        ship_purchase_order(po, "DHL", "1")
        po.shipped_at = now - timedelta(days=20)
        db.session.commit()
        # Part of the platform may already post overrides on a sale: the test adds known ones on top.
        before = stats.overrides(store.id, now, hold_days=7)
        for order, amount in ((sale, 200), (deep, 100)):
            txn = LedgerTransaction(order_id=order.id, kind="sale", memo="override")
            txn.entries = [
                LedgerEntry(account=Account.platform_fees, amount_minor=amount, currency="USD",
                            order_line_id=order.lines[0].id),
                LedgerEntry(account=Account.referral_overrides, amount_minor=-amount, currency="USD",
                            order_line_id=order.lines[0].id, store_id=store.id),
            ]
            db.session.add(txn)
        db.session.commit()
        return store, now, before

    return build


def test_invitees_show_their_own_sales_and_overrides_by_level(invite_tree, login):
    store, now, before = invite_tree()
    rows = stats.invitees(store.id, stats.period_start(now, 30))
    assert [(r.name, r.orders, r.sales) for r in rows] == [("Idle Invitee", 0, 0), ("First Invitee", 1, 2000)]  # picked at the default price
    after = stats.overrides(store.id, now, hold_days=7)
    assert {level: {k: after[level][k] - before[level][k] for k in after[level]} for level in after} == {
        1: {"pending": 200, "available": 0},
        2: {"pending": 0, "available": 100},
    }
    text = login(store.user).get("/my/numbers").text
    assert "First Invitee" in text and "Idle Invitee" in text
    assert "Second Level" not in text  # only the stores this reseller invited
    assert "Secret" not in text and "Hidden City" not in text  # never the invitee's customers
    money = lambda minor: f"${minor / 100:.2f}"  # noqa: E731
    assert f'<strong id="override-1-available">{money(after[1]["available"])}</strong>' in text
    assert f'<span id="override-1-pending">{money(after[1]["pending"])}</span>' in text
    assert f'<strong id="override-2-available">{money(after[2]["available"])}</strong>' in text


def test_csvsafe_escapes_formula_cells_only():
    assert [safe_cell(v) for v in ["=1+1", "+1", "-2", "@x", "\tx", "\rx", "Ann", "a=b", "", None]] == [
        "'=1+1", "'+1", "'-2", "'@x", "'\tx", "'\rx", "Ann", "a=b", "", ""]
    from decimal import Decimal

    assert safe_cell(-5) == -5 and safe_cell(Decimal("-8.50")) == Decimal("-8.50")
    data = write_rows([["名字", "=SUM(A1)"], [Decimal("-8.50"), 3]])
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig") == "名字,'=SUM(A1)\r\n-8.50,3\r\n"


def _csv(response):
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_the_orders_csv_escapes_formulas_keeps_chinese_and_only_this_store(
    make_store, make_product, make_paid_order, login
):
    store = make_store()
    product = make_product(title="Lamp", variants=((1000, 99),))
    lamp = product.variants[0]
    names = ['=HYPERLINK("http://evil.example","x")', "+1 Ann", "-2 Bob", "@x Cy", "张伟 先生"]
    orders = [make_paid_order(store, items=[(lamp, 1)], customer_name=n, city="@Town" if i == 0 else "北京")
              for i, n in enumerate(names)]
    other = make_paid_order(make_store(), items=[(lamp, 1)], customer_name="Elsewhere")
    rows = _csv(login(store.user).get("/my/export/orders.csv"))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Date", "Order", "Status"]
    assert [r[1] for r in body] == [f"#{o.id}" for o in orders]
    assert [r[4] for r in body] == ['\'=HYPERLINK("http://evil.example","x")', "'+1", "'-2", "'@x", "张伟"]
    assert body[0][5] == "'@Town" and body[4][5] == "北京"
    assert body[0][6] == "1 × Lamp" and body[0][3] == "direct" and body[0][2] == "paid"
    price = f"{product.variants[0].wholesale_minor * 2 / 100:.2f}"
    assert body[0][7] == price
    flat = "\n".join(",".join(r) for r in rows)
    assert f"#{other.id}" not in flat and "Elsewhere" not in flat
    assert "ada@example.com" not in flat and "Analytical" not in flat and "+44" not in flat


def test_the_earnings_csv_lists_this_stores_ledger_lines_with_signed_amounts(shop_floor, login):
    store, _ = shop_floor()
    rows = _csv(login(store.user).get("/my/export/earnings.csv"))
    assert rows[0] == ["Date", "Order", "Kind", "Account", "Amount", "Currency"]
    body = rows[1:]
    assert {r[3] for r in body} == {"reseller_earnings"}
    amounts = sorted(r[4] for r in body)
    assert "-8.50" in amounts  # the refunded vase: a number, not escaped text
    assert all(not a.startswith("'") for a in amounts)
    assert sum(float(a) for a in amounts) == pytest.approx(25.00 + 12.50 + 17.00 + 12.50)
    assert len(body) == 6  # 4 orders' lines (5 lines) and one refund


def test_htmx_period_switch_returns_only_the_numbers(shop_floor, login):
    store, _ = shop_floor()
    response = login(store.user).get("/my/numbers?days=90", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in response.text
    assert response.text.lstrip().startswith('<div id="numbers"')
    assert "HX-Request" in response.headers["Vary"]
    assert '<strong id="total-clicks">8</strong>' in response.text  # the 40-day-old click is in
    assert 'aria-current="true">90 days' in response.text


def test_dashboard_links_to_the_numbers(make_store, login):
    store = make_store()
    assert "/my/numbers" in login(store.user).get("/my/").text


def test_another_reseller_sees_only_their_own_numbers(shop_floor, make_store, login):
    store, _ = shop_floor()
    intruder = make_store(name="Intruder")
    text = login(intruder.user).get("/my/numbers").text
    assert '<strong id="total-clicks">0</strong>' in text and "Whole store" not in text
    assert login(intruder.user).get(f"/my/numbers?store={store.id}").text.count("Whole store") == 0
    assert _csv(login(intruder.user).get("/my/export/orders.csv"))[1:] == []
    assert _csv(login(intruder.user).get("/my/export/earnings.csv"))[1:] == []


URLS = ["/my/numbers", "/my/export/orders.csv", "/my/export/earnings.csv"]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("role", [Role.supplier, Role.admin])
def test_only_resellers_have_numbers(url, role, make_user, login):
    assert login(make_user(role)).get(url).status_code == 404


@pytest.mark.parametrize("url", URLS)
def test_anonymous_visitors_are_sent_to_log_in(url, client):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("url", URLS)
def test_a_reseller_without_a_store_gets_404(url, make_user, login):
    assert login(make_user(Role.reseller)).get(url).status_code == 404


def test_the_numbers_page_runs_the_same_queries_for_few_or_many_links_and_orders(
    shop_floor, make_paid_order, login, count_queries
):
    store, x = shop_floor()
    client = login(store.user)

    def queries(url):
        db.session.expire_all()
        with count_queries() as n:
            assert client.get(url).status_code == 200
        return n()

    few = queries("/my/numbers"), queries("/my/export/orders.csv"), queries("/my/export/earnings.csv")
    for i in range(5):
        link = ShareLink(store_id=store.id, channel=("qr", "poster", "copy", "sms", "line")[i])
        db.session.add(link)
        db.session.flush()
        db.session.add(Click(store_id=store.id, visitor=f"v{i}", link_id=link.id, channel=link.channel))
        order = make_paid_order(store, items=[(x["lamp"].variants[0], 1)])
        order.link_id, order.channel = link.id, link.channel
    db.session.commit()
    assert (queries("/my/numbers"), queries("/my/export/orders.csv"), queries("/my/export/earnings.csv")) == few
