"""Share links: the short link, binding a visitor to it, and the cart and order that record it."""
from datetime import timedelta
from http.cookies import SimpleCookie

from sqlalchemy import func, select

from shop.extensions import db
from shop.orders.models import Cart, Order
from shop.referrals import services
from shop.settings import set_int
from shop.stores.models import Channel, Click, ShareLink
from shop.util import now_utc
from tests.referrals.conftest import BROWSER


def _via_cookie(response) -> str | None:
    for header in response.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie(header)
        if services.COOKIE in cookie:
            return cookie[services.COOKIE].value
    return None


def _checkout(client, store, address):
    response = client.post(f"/s/{store.slug}/checkout", data=address)
    assert response.status_code == 302, response.text
    return db.session.scalar(select(Order).order_by(Order.id.desc()))


def test_share_link_is_created_once_per_store_product_and_channel(shop_with):
    store, (mug,) = shop_with((1000, 5))
    first = services.share_link(store, mug, Channel.whatsapp)
    assert services.share_link(store, mug, "whatsapp").id == first.id
    assert services.share_link(store, mug, Channel.qr).id != first.id
    store_link = services.share_link(store, None, Channel.copy)
    assert store_link.product_id is None and services.share_link(store).id == store_link.id
    assert services.short_url(first) == f"http://localhost/r/{first.code}"
    assert db.session.scalar(select(func.count(ShareLink.id))) == 3


def test_short_link_redirects_to_the_product_or_store_with_its_code(client, shop_with):
    store, (mug,) = shop_with((1000, 5))
    product_link = services.share_link(store, mug, Channel.telegram)
    store_link = services.share_link(store, None, Channel.poster)
    db.session.commit()
    response = client.get(f"/r/{product_link.code}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/s/{store.slug}/p/{mug.slug}?via={product_link.code}"
    assert client.get(f"/r/{store_link.code}").headers["Location"] == f"/s/{store.slug}?via={store_link.code}"
    assert client.get("/r/nope").status_code == 404
    assert client.get("/r/bad%20code!").status_code == 404


def test_a_link_to_a_product_the_store_dropped_opens_the_store(client, shop_with):
    store, (mug,) = shop_with((1000, 5))
    link = services.share_link(store, mug, Channel.copy)
    db.session.delete(store.picks[0])
    db.session.commit()
    assert client.get(f"/r/{link.code}").headers["Location"] == f"/s/{store.slug}?via={link.code}"


def test_first_visit_records_the_click_with_its_channel_and_binds_the_visitor(client, shop_with):
    store, (mug,) = shop_with((1000, 5))
    link = services.share_link(store, mug, Channel.whatsapp)
    db.session.commit()
    response = client.get(f"/s/{store.slug}/p/{mug.slug}?via={link.code}", headers=BROWSER)
    assert response.status_code == 200
    click = db.session.scalar(select(Click))
    assert (click.link_id, click.channel, click.product_id) == (link.id, "whatsapp", mug.id)
    bound = services.read_binding(_via_cookie(response))
    assert (bound.link_id, bound.store_id, bound.channel) == (link.id, store.id, "whatsapp")
    # The code rides in the add-to-cart form too.
    assert f'name="via" value="{link.code}"' in response.text

    again = client.get(f"/s/{store.slug}/p/{mug.slug}?via={link.code}", headers=BROWSER)
    assert _via_cookie(again) is None  # a reload neither rebinds nor stretches the window
    assert db.session.scalar(select(func.count(Click.id))) == 1


def test_a_visit_without_a_link_is_direct_and_binds_nothing(client, shop_with):
    store, (mug,) = shop_with((1000, 5))
    response = client.get(f"/s/{store.slug}", headers=BROWSER)
    assert _via_cookie(response) is None
    click = db.session.scalar(select(Click))
    assert click.link_id is None and click.channel == "direct"
    assert 'name="via"' not in client.get(f"/s/{store.slug}/p/{mug.slug}", headers=BROWSER).text


def test_bots_are_not_bound_or_counted(client, shop_with):
    store, _ = shop_with((1000, 5))
    link = services.share_link(store, None, Channel.whatsapp)
    db.session.commit()
    response = client.get(f"/s/{store.slug}?via={link.code}", headers={"User-Agent": "WhatsApp/2 facebookexternalhit"})
    assert response.status_code == 200 and _via_cookie(response) is None
    assert db.session.scalar(select(func.count(Click.id))) == 0


def test_another_stores_code_is_ignored(client, shop_with):
    store, _ = shop_with((1000, 5))
    other, _ = shop_with((1000, 5))
    link = services.share_link(other, None, Channel.copy)
    db.session.commit()
    response = client.get(f"/s/{store.slug}?via={link.code}", headers=BROWSER)
    assert _via_cookie(response) is None
    assert db.session.scalar(select(Click)).link_id is None


def test_the_binding_attributes_the_cart_and_the_order(client, shop_with, add, address):
    store, (mug,) = shop_with((1000, 5))
    link = services.share_link(store, None, Channel.wechat)
    db.session.commit()
    client.get(f"/s/{store.slug}?via={link.code}", headers=BROWSER)
    add(store, mug.variants[0])  # no code in the form: the cookie carries it
    cart = db.session.scalar(select(Cart))
    assert (cart.link_id, cart.channel) == (link.id, "wechat")
    order = _checkout(client, store, address)
    assert (order.link_id, order.channel, order.self_purchase) == (link.id, "wechat", False)


def test_an_order_without_a_link_is_direct(client, shop_with, add, address):
    store, (mug,) = shop_with((1000, 5))
    add(store, mug.variants[0])
    order = _checkout(client, store, address)
    assert order.link_id is None and order.channel == "direct"


def test_cookie_less_visit_is_attributed_through_the_path_and_the_hidden_field(client, shop_with, address):
    store, (mug,) = shop_with((1000, 5))
    link = services.share_link(store, mug, Channel.sms)
    db.session.commit()
    page = client.get(f"/s/{store.slug}/p/{mug.slug}?via={link.code}", headers=BROWSER)
    assert _via_cookie(page) is not None
    client.delete_cookie(services.COOKIE)  # the browser refused it
    client.post(f"/s/{store.slug}/cart/add", data={"variant_id": mug.variants[0].id, "quantity": 1, "via": link.code})
    order = _checkout(client, store, address)
    assert (order.link_id, order.channel) == (link.id, "sms")


def test_store_tiles_carry_the_code_to_product_pages(client, shop_with):
    store, (mug,) = shop_with((1000, 5))
    link = services.share_link(store, None, Channel.qr)
    db.session.commit()
    page = client.get(f"/s/{store.slug}?via={link.code}", headers=BROWSER).text
    assert f"/s/{store.slug}/p/{mug.slug}?via={link.code}" in page
    assert f'href="/s/{store.slug}/p/{mug.slug}"' in client.get(f"/s/{store.slug}").text


def test_the_binding_expires_after_the_operators_window(app, shop_with):
    store, _ = shop_with((1000, 5))
    link = services.share_link(store, None, Channel.copy)
    now = now_utc()
    value = services.binding_value(link, now)
    assert services.read_binding(value, now + timedelta(days=29)).link_id == link.id
    assert services.read_binding(value, now + timedelta(days=31)) is None
    set_int("attribution_days", 60)
    assert services.read_binding(value, now + timedelta(days=31)).link_id == link.id
    assert services.read_binding(value[:-2] + "xx", now) is None  # tampered
    assert services.read_binding("garbage", now) is None


def test_an_expired_binding_does_not_attribute_the_cart(client, shop_with, add):
    store, (mug,) = shop_with((1000, 5))
    link = services.share_link(store, None, Channel.copy)
    db.session.commit()
    client.set_cookie(services.COOKIE, services.binding_value(link, now_utc() - timedelta(days=31)))
    add(store, mug.variants[0])
    assert db.session.scalar(select(Cart)).link_id is None


def test_an_expired_binding_is_replaced_by_a_new_click_on_the_same_link(client, shop_with):
    store, _ = shop_with((1000, 5))
    link = services.share_link(store, None, Channel.copy)
    db.session.commit()
    client.set_cookie(services.COOKIE, services.binding_value(link, now_utc() - timedelta(days=31)))
    response = client.get(f"/s/{store.slug}?via={link.code}", headers=BROWSER)
    assert services.read_binding(_via_cookie(response)).link_id == link.id


def test_last_click_wins_across_resellers(client, shop_with, add):
    first, (mug,) = shop_with((1000, 5))
    second, (lamp,) = shop_with((1000, 5))
    first_link = services.share_link(first, None, Channel.whatsapp)
    second_link = services.share_link(second, None, Channel.telegram)
    db.session.commit()
    client.get(f"/s/{first.slug}?via={first_link.code}", headers=BROWSER)
    taken = client.get(f"/s/{second.slug}?via={second_link.code}", headers=BROWSER)
    assert services.read_binding(_via_cookie(taken)).link_id == second_link.id
    add(first, mug.variants[0])
    add(second, lamp.variants[0])
    carts = {cart.store_id: cart for cart in db.session.scalars(select(Cart))}
    assert carts[first.id].link_id is None  # the binding now belongs to the other reseller
    assert (carts[second.id].link_id, carts[second.id].channel) == (second_link.id, "telegram")


def test_last_click_wins_on_a_cart_already_attributed(client, shop_with, add, address):
    store, (mug,) = shop_with((1000, 5))
    whatsapp = services.share_link(store, None, Channel.whatsapp)
    qr = services.share_link(store, None, Channel.qr)
    db.session.commit()
    client.get(f"/s/{store.slug}?via={whatsapp.code}", headers=BROWSER)
    add(store, mug.variants[0])
    client.get(f"/s/{store.slug}?via={qr.code}", headers=BROWSER)
    order = _checkout(client, store, address)
    assert (order.link_id, order.channel) == (qr.id, "qr")


def test_add_to_cart_from_htmx_keeps_the_attribution(client, shop_with):
    store, (mug,) = shop_with((1000, 5))
    link = services.share_link(store, mug, Channel.line)
    db.session.commit()
    response = client.post(
        f"/s/{store.slug}/cart/add", data={"variant_id": mug.variants[0].id, "quantity": 1, "via": link.code},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert db.session.scalar(select(Cart)).channel == "line"


def test_each_add_with_a_link_moves_the_cart_to_it_and_one_without_keeps_it(client, shop_with):
    store, (mug,) = shop_with((1000, 50))
    whatsapp, qr = services.share_link(store, mug, Channel.whatsapp), services.share_link(store, mug, Channel.qr)
    other_store, _ = shop_with((1000, 5))
    elsewhere = services.share_link(other_store, None, Channel.line)
    db.session.commit()
    links = [whatsapp.code, qr.code, None, elsewhere.code]

    def cart_after_add(via):
        data = {"variant_id": mug.variants[0].id, "quantity": 1, **({"via": via} if via else {})}
        assert client.post(f"/s/{store.slug}/cart/add", data=data).status_code == 302
        cart = db.session.scalar(select(Cart))
        return cart.link_id, cart.channel

    whatsapp_id, qr_id = whatsapp.id, qr.id
    seen = [cart_after_add(via) for via in links]
    assert seen == [(whatsapp_id, "whatsapp"), (qr_id, "qr"), (qr_id, "qr"), (qr_id, "qr")]


def test_a_visit_through_a_link_costs_two_reads_and_no_extra_write(app, shop_with, count_queries):
    store, (mug,) = shop_with((1000, 5))
    link = services.share_link(store, mug, Channel.copy)
    page, via = f"/s/{store.slug}/p/{mug.slug}", f"/s/{store.slug}/p/{mug.slug}?via={link.code}"
    db.session.commit()
    with count_queries() as n:
        app.test_client().get(page, headers=BROWSER)
    plain = n()
    with count_queries() as n:
        app.test_client().get(via, headers=BROWSER)
    assert n() - plain <= 2  # the link by its code and the operator's window; the click is still one INSERT
    assert db.session.scalar(select(func.count(Click.id))) == 2
