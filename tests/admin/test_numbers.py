"""The operator's numbers: funnels across stores, top stores, and the suspicious patterns list."""
from datetime import timedelta

import pytest

from shop.accounts.models import Role
from shop.earnings import stats
from shop.extensions import db
from shop.stores.models import Click, ShareLink
from shop.util import now_utc


@pytest.fixture
def admin(make_user, login):
    return login(make_user(Role.admin))


@pytest.fixture
def market(make_user, make_store, make_product, make_paid_order):
    """A normal store, a store that buys from itself to one address, and one with a click bot."""
    now = now_utc()
    product = make_product(variants=((1000, 999),))
    lamp = product.variants[0]

    normal = make_store(name="Honest Stall")
    link = ShareLink(store_id=normal.id, channel="whatsapp")
    db.session.add(link)
    db.session.flush()
    for i in range(4):
        order = make_paid_order(normal, items=[(lamp, 1)], customer_name=f"Buyer {i}", email=f"b{i}@example.com")
        order.link_id, order.channel = link.id, "whatsapp"
    # Many clicks from one visitor, but spread out: a fan, not a bot.
    db.session.add_all(Click(store_id=normal.id, visitor="fan", link_id=link.id, channel="whatsapp",
                             created_at=now - timedelta(hours=2 * i)) for i in range(40))

    looper_user = make_user(Role.reseller, email="Loop.Owner@example.com")
    looper = make_store(user=looper_user, name="Loop Stall")
    for _ in range(3):
        make_paid_order(looper, items=[(lamp, 1)], email="loop.owner@EXAMPLE.com", address1="1 Loop Street ",
                        city="Leeds")
    make_paid_order(looper, items=[(lamp, 1)], customer_name="Real Customer", email="real@example.com")

    # Two own orders to one address stay below the threshold of three.
    few_user = make_user(Role.reseller, email="few@example.com")
    few = make_store(user=few_user, name="Buy To Save")
    for _ in range(2):
        make_paid_order(few, items=[(lamp, 1)], email="few@example.com")
    for i in range(3):
        make_paid_order(few, items=[(lamp, 1)], email=f"c{i}@example.com")

    clicky = make_store(name="Bot Stall")
    start = now - timedelta(hours=3)
    db.session.add_all(Click(store_id=clicky.id, visitor="bot", created_at=start + timedelta(seconds=15 * i))
                       for i in range(30))  # 30 clicks in 7.25 minutes
    db.session.add_all(Click(store_id=clicky.id, visitor="almost", created_at=start + timedelta(seconds=10 * i))
                       for i in range(29))  # one short of a burst
    db.session.commit()
    return {"normal": normal, "looper": looper, "few": few, "clicky": clicky, "now": now}


def test_suspicious_patterns_catch_the_planted_ones_only(market):
    since = stats.period_start(market["now"], 30)
    loops = stats.self_purchase_loops(since)
    assert [(r.id, r.orders) for r in loops] == [(market["looper"].id, 3)]
    assert loops[0].address1.strip() == "1 Loop Street" and loops[0].city == "Leeds"
    bursts = stats.click_bursts(since)
    assert [(r.id, r.visitor, r.clicks) for r in bursts] == [(market["clicky"].id, "bot", 30)]
    assert [(r.id, r.own, r.orders) for r in stats.mostly_self_purchases(since)] == [(market["looper"].id, 3, 4)]


def test_the_flag_set_at_checkout_also_counts_as_a_self_purchase(market, make_paid_order):
    normal = market["normal"]
    for _ in range(5):
        order = make_paid_order(normal, items=[(normal.picks[0].product.variants[0], 1)], email="x@example.com")
        order.self_purchase = True
    db.session.commit()
    since = stats.period_start(market["now"], 30)
    assert normal.id in {r.id for r in stats.mostly_self_purchases(since)}
    assert normal.id in {r.id for r in stats.self_purchase_loops(since)}


def test_funnel_across_all_stores_and_top_stores(market):
    numbers = stats.operator_numbers(market["now"], 30)
    channels = dict(numbers["funnel"].by_channel)
    assert channels["whatsapp"].clicks == 40 and channels["whatsapp"].visitors == 1
    assert channels["whatsapp"].orders == 4
    assert channels["direct"].clicks == 59 and channels["direct"].visitors == 2
    assert channels["direct"].orders == 9
    assert numbers["funnel"].total.orders == 13 and numbers["funnel"].by_link == []
    top = [r.id for r in numbers["top_stores"]]
    assert top[:1] == [market["few"].id] and market["clicky"].id not in top  # 5 orders first; no sales, no row


def test_the_operator_page_lists_patterns_with_links_to_the_store(market, admin):
    response = admin.get("/admin/numbers")
    assert response.status_code == 200
    text = response.text
    looper, clicky = market["looper"], market["clicky"]
    watch = text[text.index('id="suspicious"'):]
    assert "Loop Stall" in watch and "Bot Stall" in watch and "1 Loop Street" in watch
    assert "Honest Stall" not in watch and "Buy To Save" not in watch
    assert f"/admin/numbers/stores/{looper.id}" in watch and f"/admin/numbers/stores/{clicky.id}" in watch
    assert 'data-row="channel-whatsapp"' in text and "Honest Stall" in text  # in the top stores


def test_the_operator_sees_one_stores_numbers(market, admin):
    normal = market["normal"]
    text = admin.get(f"/admin/numbers/stores/{normal.id}").text
    assert "Honest Stall" in text and '<strong id="total-clicks">40</strong>' in text
    assert '<strong id="total-orders">4</strong>' in text
    assert admin.get("/admin/numbers/stores/999999").status_code == 404


def test_the_period_switch_swaps_only_the_numbers(market, admin):
    response = admin.get("/admin/numbers?days=7", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in response.text
    assert response.text.lstrip().startswith('<div id="numbers"')


def test_nothing_to_report_on_a_quiet_platform(admin):
    text = admin.get("/admin/numbers").text
    assert 'id="no-loops"' in text and 'id="no-bursts"' in text and 'id="no-self-heavy"' in text


@pytest.mark.parametrize("url", ["/admin/numbers", "/admin/numbers/stores/{store}"])
@pytest.mark.parametrize("role", [Role.reseller, Role.supplier])
def test_the_operator_numbers_are_404_for_everyone_else(url, role, make_store, make_user, login):
    store = make_store()
    assert login(make_user(role)).get(url.format(store=store.id)).status_code == 404
    assert login(store.user).get(url.format(store=store.id)).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/admin/numbers")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_operator_page_runs_the_same_queries_for_few_or_many_stores(
    market, admin, make_store, make_paid_order, count_queries
):
    def queries():
        db.session.expire_all()
        with count_queries() as n:
            assert admin.get("/admin/numbers").status_code == 200
        return n()

    few = queries()
    lamp = market["normal"].picks[0].product.variants[0]
    for _ in range(4):
        make_paid_order(make_store(), items=[(lamp, 1)])
    assert queries() == few
