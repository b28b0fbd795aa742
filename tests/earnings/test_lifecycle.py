"""Earnings move pending → held → available → paid out; refunds, supplier faults and disputes on the way."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from shop.earnings.ledger import check_ledger
from shop.earnings.lifecycle import Payee, State, balances, order_states, release_due, set_rule
from shop.earnings.models import BankAccount, Delivery, Dispute, DisputeStatus, Payout, PayoutMethod, PayoutStatus
from shop.earnings.models import Release
from shop.earnings.payouts import PayoutError, decide_payout, post_payout, request_payout
from shop.extensions import db
from shop.fulfillment.services import ship_purchase_order
from shop.payments.services import refund_lines
from shop.util import now_utc


@pytest.fixture
def sold(make_store, make_product, make_paid_order):
    """A store's order of two lamps (wholesale $10, sold at the default price) from one supplier."""
    store = make_store()
    lamp = make_product(variants=((1000, 20),))
    order = make_paid_order(store, [(lamp.variants[0], 2)])
    line = order.lines[0]
    return {"store": Payee("store", store.id), "supplier": Payee("supplier", line.supplier_id), "order": order,
            "line": line, "lamp": lamp, "store_row": store}


def _ship(order):
    ship_purchase_order(order.lines[0].purchase_order, "DHL", "T1")
    db.session.commit()


def _bank(payee):
    db.session.add(BankAccount(holder="Mei Chen", iban="GB33BUKB20201555555555", **payee.fields()))
    db.session.commit()


def test_paid_is_pending_shipped_is_held_then_the_release_makes_it_available(sold):
    store, line = sold["store"], sold["line"]
    assert balances(store) == {"pending": line.commission_total, "held": 0, "frozen": 0, "available": 0,
                                    "paid_out": 0, "requested": 0}
    _ship(sold["order"])
    assert balances(store)["held"] == line.commission_total
    assert release_due(now_utc() + timedelta(days=6)) == []
    assert release_due(now_utc() + timedelta(days=7, minutes=1)) == [line.purchase_order_id]
    db.session.commit()
    assert release_due(now_utc() + timedelta(days=30)) == []  # released once
    assert balances(store)["available"] == line.commission_total
    assert balances(sold["supplier"])["available"] == line.wholesale_total
    assert order_states(store) == {sold["order"].id: State.available}


def test_the_return_window_runs_from_delivery_when_the_supplier_marks_it(sold):
    set_rule("hold_after_shipping_days", 30)
    set_rule("return_window_days", 2)
    _ship(sold["order"])
    assert release_due(now_utc() + timedelta(days=5)) == []
    db.session.add(Delivery(purchase_order_id=sold["line"].purchase_order_id, delivered_at=now_utc()))
    db.session.commit()
    assert release_due(now_utc() + timedelta(days=3)) == [sold["line"].purchase_order_id]


def test_a_bank_payout_is_requested_approved_and_paid_through_the_ledger(sold):
    store, line = sold["store"], sold["line"]
    with pytest.raises(PayoutError):
        request_payout(store, "USD", now_utc())  # no bank account yet
    _bank(store)
    with pytest.raises(PayoutError):
        request_payout(store, "USD", now_utc())  # nothing available yet
    _ship(sold["order"])
    later = now_utc() + timedelta(days=8)  # the clock moved: the release and the payout happen then
    release_due(later)
    set_rule("payout_minimum_minor", 1)
    payout = request_payout(store, "USD", later)
    db.session.commit()
    assert payout.amount_minor == line.commission_total and payout.status is PayoutStatus.requested
    assert balances(store)["requested"] == line.commission_total
    with pytest.raises(PayoutError):
        request_payout(store, "USD", later)  # everything is already asked for
    with pytest.raises(PayoutError):
        decide_payout(payout, "mark_paid", later)  # not approved yet
    decide_payout(payout, "approve", later)
    decide_payout(payout, "mark_paid", later)
    db.session.commit()
    figures = balances(store)
    assert (figures["available"], figures["paid_out"], figures["requested"]) == (0, line.commission_total, 0)
    assert order_states(store) == {sold["order"].id: State.paid_out}
    assert check_ledger() == []


def test_the_minimum_holds_a_small_payout_back(sold):
    _bank(sold["store"])
    _ship(sold["order"])
    release_due(now_utc() + timedelta(days=8))
    set_rule("payout_minimum_minor", sold["line"].commission_total + 1)
    with pytest.raises(PayoutError, match="once"):
        request_payout(sold["store"], "USD", now_utc())


def test_a_refund_before_payout_cancels_the_pending_earning(sold):
    refund_lines(sold["order"], [sold["line"]], "customer changed mind")
    db.session.commit()
    assert balances(sold["store"])["pending"] == 0 and balances(sold["store"])["available"] == 0
    assert check_ledger() == []


def test_a_refund_after_payout_leaves_a_negative_balance_netted_against_the_next_sale(sold, make_paid_order):
    store, line = sold["store"], sold["line"]
    _bank(store)
    set_rule("payout_minimum_minor", 1)
    _ship(sold["order"])
    line.purchase_order.shipped_at -= timedelta(days=8)  # shipped long ago: the refund comes after the payout
    release_due(now_utc())
    payout = request_payout(store, "USD", now_utc())
    decide_payout(payout, "approve", now_utc())
    decide_payout(payout, "mark_paid", now_utc())
    db.session.commit()
    # The customer sends it back after the payout: the line is refunded and the reseller owes the margin.
    refund_lines(sold["order"], [line], "returned", returned=True)
    db.session.commit()
    assert balances(store)["available"] == -line.commission_total
    later = make_paid_order(sold["store_row"], [(sold["lamp"].variants[0], 3)])
    ship_purchase_order(later.lines[0].purchase_order, "DHL", "T2")
    later.lines[0].purchase_order.shipped_at -= timedelta(days=8)
    db.session.commit()
    release_due(now_utc())
    assert balances(store)["available"] == later.lines[0].commission_total - line.commission_total
    assert check_ledger() == []


def test_a_supplier_cancellation_charges_the_supplier_not_the_reseller(sold):
    line = sold["line"]
    refund_lines(sold["order"], [line], "Out of stock", supplier_fault=True)
    db.session.commit()
    assert balances(sold["store"])["available"] == line.commission_total  # the reseller keeps the margin
    assert balances(sold["supplier"])["available"] == -line.commission_total  # the supplier pays it
    assert sold["order"].refunded_minor == line.total
    assert check_ledger() == []


def test_an_open_dispute_freezes_the_order_and_stops_its_release(sold):
    _ship(sold["order"])
    dispute = Dispute(order_id=sold["order"].id, provider_ref="dp_1", amount_minor=100, currency="USD",
                      status=DisputeStatus.open)
    db.session.add(dispute)
    db.session.commit()
    assert balances(sold["store"])["frozen"] == sold["line"].commission_total
    assert release_due(now_utc() + timedelta(days=30)) == []
    dispute.status = DisputeStatus.won
    db.session.commit()
    assert release_due(now_utc() + timedelta(days=30)) == [sold["line"].purchase_order_id]


def test_the_ledger_check_names_a_payout_larger_than_what_was_available(sold, app):
    store = sold["store"]
    # Written around decide_payout, which would refuse it: nothing of this order is available yet.
    payout = Payout(method=PayoutMethod.bank, status=PayoutStatus.paid, amount_minor=500, currency="USD",
                    key="forged", paid_at=now_utc(), **store.fields())
    db.session.add(payout)
    db.session.flush()
    post_payout(payout, payout.paid_at)
    db.session.commit()
    [finding] = [f for f in check_ledger() if f.check == "payout_exceeds_available"]
    assert finding.ids == (payout.id,)
    result = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 1 and "payout_exceeds_available" in result.output


def test_the_cli_releases_with_a_moved_clock(sold, app):
    _ship(sold["order"])
    runner = app.test_cli_runner()
    assert "released 0 parcels" in runner.invoke(args=["earnings", "release"]).output
    later = (now_utc() + timedelta(days=8)).isoformat()
    assert "released 1 parcels" in runner.invoke(args=["earnings", "release", "--at", later]).output
    assert db.session.scalar(select(Payout.id)) is None
    assert "made 0 transfers" in runner.invoke(args=["payouts", "run"]).output  # no Stripe key: nothing to do


def test_the_release_is_one_statement_however_many_parcels_are_due(sold, make_paid_order, count_queries):
    # A statement per parcel took 39 s for 113,000 due parcels, holding up the single worker's queue.
    orders = [sold["order"]] + [make_paid_order(sold["store_row"], [(sold["lamp"].variants[0], 1)])
                                for _ in range(3)]
    for order in orders:
        _ship(order)
    po_ids = sorted(order.lines[0].purchase_order_id for order in orders)
    with count_queries() as none_due:
        assert release_due(now_utc() + timedelta(days=6)) == []
    orders[0].lines[0].purchase_order.shipped_at -= timedelta(days=8)
    db.session.commit()
    assert release_due(now_utc()) == [po_ids[0]]
    db.session.commit()

    with count_queries() as many:
        assert release_due(now_utc() + timedelta(days=8)) == po_ids[1:]  # the one released before is skipped
    assert many() == none_due()
    db.session.commit()
    released = db.session.scalars(select(Release).order_by(Release.purchase_order_id)).all()
    assert [r.purchase_order_id for r in released] == po_ids
    assert balances(sold["store"])["available"] == sum(order.lines[0].commission_total for order in orders)
