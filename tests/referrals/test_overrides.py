"""Overrides: the inviter's share of the platform fee, two levels at most, reversed on refund."""
from datetime import datetime, timedelta

from sqlalchemy import func, select

from shop.accounts.models import Role
from shop.earnings.models import Account, LedgerEntry
from shop.earnings.services import override_earnings, store_earnings, unbalanced_transactions
from shop.extensions import db
from shop.fulfillment.services import ship_purchase_order
from shop.orders.models import Order
from shop.payments.services import refund_lines
from shop.referrals import services
from shop.settings import set_int
from shop.stores.models import Pick
from shop.util import now_utc


def _fee_balance() -> int:
    """What the platform keeps, as a positive amount."""
    return -db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(LedgerEntry.account == Account.platform_fees)
    )


def test_a_sale_pays_the_inviter_and_the_inviters_inviter_out_of_the_fee(chain, make_paid_order, overrides):
    top, inviter, invitee = chain(3)
    order = make_paid_order(store=invitee)  # one item at $20.00: fee $2.00
    assert order.lines[0].fee_total == 200
    assert overrides() == {inviter.id: 20, top.id: 10}  # 10% and 5% of the fee
    assert _fee_balance() == 200 - 30
    assert unbalanced_transactions() == []
    entries = db.session.scalars(select(LedgerEntry).where(LedgerEntry.account == Account.referral_overrides)).all()
    assert {e.order_line_id for e in entries} == {order.lines[0].id}
    assert {e.transaction.kind for e in entries} == {"sale"}


def test_the_invitees_own_commission_is_untouched(chain, make_paid_order):
    _inviter, invitee = chain(2)
    make_paid_order(store=invitee)
    earned = db.session.scalar(
        select(func.sum(LedgerEntry.amount_minor)).where(
            LedgerEntry.account == Account.reseller_earnings, LedgerEntry.store_id == invitee.id
        )
    )
    assert -earned == 2000 - 1000 - 200


def test_a_chain_of_four_pays_two_levels_only(chain, make_paid_order, overrides, make_product):
    first, second, third, fourth = chain(4)
    set_int("override_level1_bp", 5000)
    set_int("override_level2_bp", 5000)
    db.session.commit()
    order = make_paid_order(store=fourth, items=[(make_product().variants[0], 3)])
    paid = overrides()
    assert set(paid) == {third.id, second.id}  # the first store, three levels up, earns nothing
    assert paid[third.id] + paid[second.id] <= order.lines[0].fee_total
    make_paid_order(store=third)
    assert first.id in overrides() and len(overrides()) == 3  # the first store earns from its own two levels
    assert unbalanced_transactions() == []


def test_the_chain_walk_never_goes_past_two_hops_whatever_the_settings(chain, app):
    stores = chain(5)
    set_int("override_level1_bp", 1000)
    set_int("override_level2_bp", 1000)
    walked = services.override_chain(stores[-1], now_utc(), self_purchase=False)
    assert [store_id for store_id, _bp in walked] == [stores[3].id, stores[2].id]


def test_overrides_per_line_never_exceed_the_fee():
    assert services.line_overrides(200, [(1, 8000), (2, 8000)]) == [(1, 160), (2, 40)]
    assert services.line_overrides(200, [(1, 10000), (2, 5000)]) == [(1, 200)]
    assert services.line_overrides(0, [(1, 1000)]) == []
    assert services.line_overrides(200, [(1, 1000), (2, 500), (3, 500)]) == [(1, 20), (2, 10)]


def test_no_override_after_the_period(chain, make_paid_order, overrides):
    _inviter, invitee = chain(2)
    invitee.created_at = now_utc() - timedelta(days=400)  # more than 12 months ago
    db.session.commit()
    make_paid_order(store=invitee)
    assert overrides() == {}
    assert unbalanced_transactions() == []


def test_the_period_follows_the_operators_months(chain, make_paid_order, overrides):
    _inviter, invitee = chain(2)
    invitee.created_at = now_utc() - timedelta(days=400)
    set_int("override_months", 24)
    db.session.commit()
    make_paid_order(store=invitee)
    assert overrides() != {}
    set_int("override_months", 0)  # switched off
    db.session.commit()
    before = overrides()
    make_paid_order(store=invitee)
    assert overrides() == before


def test_add_months_clamps_to_the_end_of_the_month():
    assert services.add_months(datetime(2025, 1, 31), 1) == datetime(2025, 2, 28)
    assert services.add_months(datetime(2025, 11, 15), 14) == datetime(2027, 1, 15)


def test_a_refund_reverses_the_overrides_of_its_lines(chain, make_paid_order, make_product, overrides):
    top, inviter, invitee = chain(3)
    order = make_paid_order(store=invitee, items=[(make_product().variants[0], 1), (make_product().variants[0], 2)])
    kept, refunded = order.lines
    refund_lines(order, [refunded], "supplier_cancelled")
    db.session.commit()
    assert overrides(refunded.id) == {inviter.id: 0, top.id: 0}
    assert overrides(kept.id) == {inviter.id: 20, top.id: 10}
    assert unbalanced_transactions() == []
    refund_lines(order, [kept], "supplier_cancelled")
    db.session.commit()
    assert set(overrides().values()) == {0}
    assert _fee_balance() == 0
    assert unbalanced_transactions() == []


def test_a_refund_reverses_what_was_posted_even_after_the_rules_change(chain, make_paid_order, overrides):
    _inviter, invitee = chain(2)
    order = make_paid_order(store=invitee)
    set_int("override_level1_bp", 3000)
    db.session.commit()
    refund_lines(order, list(order.lines), "test")
    db.session.commit()
    assert set(overrides().values()) == {0}


def test_self_purchase_keeps_the_margin_but_pays_no_override(chain, make_paid_order, overrides):
    _inviter, invitee = chain(2)
    order = make_paid_order(store=invitee, email=invitee.user.email.upper())
    assert order.self_purchase is True
    assert overrides() == {}
    earned = -db.session.scalar(
        select(func.sum(LedgerEntry.amount_minor)).where(LedgerEntry.account == Account.reseller_earnings)
    )
    assert earned == 2000 - 1000 - 200  # buy to save
    assert unbalanced_transactions() == []


def test_self_purchase_without_margin_when_the_operator_says_so(chain, make_paid_order, overrides):
    _inviter, invitee = chain(2)
    set_int("self_purchase_margin", 0)
    db.session.commit()
    order = make_paid_order(store=invitee, email=invitee.user.email)
    line = order.lines[0]
    assert line.commission_total == 0 and line.fee_total == 1000
    assert overrides() == {}
    assert unbalanced_transactions() == []


def test_a_signed_in_reseller_buying_in_their_own_store_is_a_self_purchase(login, chain, shop_with, address):
    _inviter, invitee = chain(2)
    _other, (mug,) = shop_with((1000, 5))
    db.session.add(Pick(store_id=invitee.id, product_id=mug.id, price_minor=2000))
    db.session.commit()
    reseller = login(invitee.user)
    reseller.post(f"/s/{invitee.slug}/cart/add", data={"variant_id": mug.variants[0].id, "quantity": 1})
    assert reseller.post(f"/s/{invitee.slug}/checkout", data=address).status_code == 302
    order = db.session.scalar(select(Order))
    assert order.self_purchase is True and order.email == address["email"]


def test_a_guest_with_another_email_is_not_a_self_purchase(chain, make_paid_order, make_user):
    _inviter, invitee = chain(2)
    stranger = make_user(Role.reseller)
    assert make_paid_order(store=invitee, email=stranger.email).self_purchase is False


def test_overrides_show_in_the_inviters_earnings(chain, make_paid_order, make_store):
    top, inviter, invitee = chain(3)
    sibling = make_store(name="Aaron's")
    sibling.invited_by_id = inviter.id
    db.session.commit()
    order = make_paid_order(store=invitee)
    make_paid_order(store=sibling)
    make_paid_order(store=sibling)
    summary = override_earnings(inviter.id)
    assert summary["total"] == 60
    assert summary["by_invitee"] == [
        {"store_id": sibling.id, "name": "Aaron's", "amount": 40},
        {"store_id": invitee.id, "name": invitee.name, "amount": 20},
    ]
    assert override_earnings(top.id) == {
        "total": 30,
        "by_invitee": sorted(
            [{"store_id": sibling.id, "name": "Aaron's", "amount": 20},
             {"store_id": invitee.id, "name": invitee.name, "amount": 10}],
            key=lambda row: row["name"],
        ),
    }
    now = now_utc()
    assert store_earnings(top.id, now, 7) == {"pending": 30, "available": 0}
    ship_purchase_order(order.lines[0].purchase_order, "DHL", "123")
    db.session.commit()
    assert store_earnings(top.id, now + timedelta(days=8), 7) == {"pending": 20, "available": 10}
