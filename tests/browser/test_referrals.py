"""Share to earn at 360 px in Chromium: the referral pages fit; a short-link visit ends in an attributed order."""
import re

import pytest
from sqlalchemy import select

from shop.accounts.models import Role
from shop.extensions import db
from shop.orders.models import Order
from shop.referrals import services
from shop.stores.models import Channel

from .conftest import SCREENSHOTS, fill_address

expect = pytest.importorskip("playwright.sync_api").expect
SMALL_PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 1}
PASSWORD = "correct horse 9"  # the builders' default
PHONE_UA = "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"
SMALL_TARGETS_JS = """() => [...document.querySelectorAll('.button, button')]
  .filter(el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.height < 44; })
  .map(el => el.textContent.trim().slice(0, 40))"""


def _fits(tab, path, name):
    response = tab.goto(path)
    assert response.status == 200, f"{path} answered {response.status}"
    assert tab.evaluate("document.documentElement.scrollWidth") <= 360, f"{path} scrolls sideways"
    assert tab.evaluate(SMALL_TARGETS_JS) == [], f"{path} has small tap targets"
    (SCREENSHOTS / "360").mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / "360" / f"referrals-{name}.png"), full_page=True)


def test_referral_pages_fit_a_small_phone(new_tab, sign_in, make_store, make_user):
    reseller = make_user(Role.reseller, email="mei.lin.shares.good.things@example.com")
    store = make_store(user=reseller, name="Mei's Picks for a Slow Home")
    invitee = make_store(name="Bartholomew's Very Long Store Name For Testing")
    invitee.invited_by_id = store.id
    admin = make_user(Role.admin)
    db.session.commit()
    visitor = new_tab(**SMALL_PHONE)
    _fits(visitor, "/terms/referrals", "terms")
    _fits(visitor, f"/join/{store.invite_code}", "join")
    owner = new_tab(**SMALL_PHONE)
    sign_in(owner, reseller.email, PASSWORD)
    _fits(owner, "/my/invite", "invite")
    operator = new_tab(**SMALL_PHONE)
    sign_in(operator, admin.email, PASSWORD)
    _fits(operator, "/admin/referrals", "admin")


def test_a_short_link_visit_ends_in_an_order_with_the_link_and_channel(new_tab, live_server, sign_in, make_store,
                                                                        make_product, make_pick):
    store, mug = make_store(), make_product(variants=((1000, 5),))
    make_pick(store, mug)
    link = services.share_link(store, mug, Channel.whatsapp)
    db.session.commit()
    # A phone's browser: headless Chromium's own user agent is rightly not counted as a visitor.
    tab = new_tab(**SMALL_PHONE, user_agent=PHONE_UA)
    tab.goto(f"/r/{link.code}")
    assert f"via={link.code}" in tab.url
    tab.get_by_role("button", name="Add to cart").click()
    expect(tab.get_by_role("heading", name="Your cart")).to_be_visible()
    tab.get_by_role("link", name="Checkout").click()
    fill_address(tab)
    tab.get_by_role("button", name="Continue to payment").click()
    tab.wait_for_url("**/pay/demo/**")
    db.session.expire_all()
    order = db.session.scalar(select(Order))
    assert (order.link_id, order.channel) == (link.id, "whatsapp")

    # The customer pays; the reseller's funnel then shows the click, the cart and the order on that channel.
    tab.get_by_role("button", name=re.compile("Pay now")).click()
    expect(tab.get_by_text("Paid", exact=False).first).to_be_visible()
    owner = new_tab(**SMALL_PHONE)
    sign_in(owner, store.user.email, PASSWORD)
    owner.goto("/my/numbers")
    row = owner.locator('#by-channel tr[data-row="channel-whatsapp"] td')
    expect(row.nth(0)).to_have_text("1")  # clicks
    expect(row.nth(2)).to_have_text("1")  # carts
    expect(row.nth(3)).to_have_text("1")  # orders
    assert owner.evaluate("document.documentElement.scrollWidth") <= 360
    owner.screenshot(path=str(SCREENSHOTS / "360" / "referrals-funnel.png"), full_page=True)
