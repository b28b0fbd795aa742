"""flask ledger check: exit 0 with a summary on a sound ledger, non-zero naming the rows of a broken one."""
import json

import pytest
from sqlalchemy import delete, select

from shop.earnings.ledger import check_ledger
from shop.earnings.models import Account, LedgerEntry, LedgerTransaction
from shop.extensions import db
from shop.fulfillment.services import ship_purchase_order
from shop.orders.models import Cart, CartLine, OrderStatus
from shop.orders.services import place_order
from shop.payments.models import Refund
from shop.payments.services import complete_payment, refund_lines
from tests.fulfillment.conftest import CUSTOMER


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(args=["ledger", "check", *args], input="")

    return invoke


@pytest.fixture
def world(make_store, make_product, make_paid_order):
    """Paid orders in an invited store (overrides), one partly refunded, one shipped, and one that sold out."""
    inviter = make_store()
    store = make_store()
    store.invited_by_id = inviter.id
    db.session.commit()
    lamp = make_product(variants=((1000, 5), (1500, 5)))
    mug = make_product(variants=((300, 1),))
    refunded = make_paid_order(store, [(lamp.variants[0], 2), (lamp.variants[1], 1)])
    refund_lines(refunded, [refunded.lines[1]], "damaged")
    shipped = make_paid_order(store, [(mug.variants[0], 1)])
    ship_purchase_order(shipped.lines[0].purchase_order, "DHL", "T1")
    db.session.commit()
    failed = _sold_out_while_paying(store, lamp.variants[0])
    return {"refunded": refunded, "shipped": shipped, "failed": failed, "store": store}


def _sold_out_while_paying(store, variant):
    """An order placed while the variant had stock, paid after the last units went elsewhere."""
    cart = Cart(store_id=store.id, lines=[CartLine(variant_id=variant.id, quantity=variant.stock)])
    db.session.add(cart)
    db.session.flush()
    order = place_order(store, cart, CUSTOMER, "en", "USD")
    order.payment_provider = "demo"
    variant.stock = 0
    complete_payment(order, "pi_late")
    db.session.commit()
    return order


def _sale(order) -> LedgerTransaction:
    return db.session.scalar(
        select(LedgerTransaction).where(LedgerTransaction.order_id == order.id, LedgerTransaction.kind == "sale")
    )


def _entry(order, account) -> LedgerEntry:
    return db.session.scalar(
        select(LedgerEntry).where(LedgerEntry.transaction_id == _sale(order).id, LedgerEntry.account == account)
        .order_by(LedgerEntry.id).limit(1)
    )


def test_a_sound_ledger_passes_with_a_summary(run, world):
    result = run()
    assert result.exit_code == 0, result.output
    # Two sales and a refund, 4 legs and an override pair per line: (2 + 1) lines sold, 1 line reversed.
    assert result.output.strip().splitlines() == [
        "ledger ok: 3 transactions, 24 entries, 3 paid orders checked"
    ]


def test_json_lists_no_findings_on_a_sound_ledger(run, world):
    result = run("--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] is True and report["findings"] == [] and report["paid_orders"] == 3


def test_an_empty_ledger_passes(run):
    result = run()
    assert result.exit_code == 0 and "ledger ok: 0 transactions" in result.output


def test_a_tampered_amount_names_its_transaction_and_line(run, world):
    entry = _entry(world["shipped"], Account.reseller_earnings)
    entry.amount_minor -= 100
    db.session.commit()

    result = run()
    assert result.exit_code == 1
    assert f"unbalanced: ledger_transactions {entry.transaction_id}: USD entries sum to -100" in result.output
    assert f"sale_line: order_lines {entry.order_line_id}: order {world['shipped'].id}: reseller_earnings" in result.output
    assert "ledger broken: 2 findings" in result.output


def test_a_paid_order_without_its_sale_is_named(run, world):
    order = world["shipped"]
    sale = _sale(order)
    db.session.execute(delete(LedgerEntry).where(LedgerEntry.transaction_id == sale.id))
    db.session.delete(sale)
    db.session.commit()

    result = run("--json")
    assert result.exit_code == 1
    findings = json.loads(result.output)["findings"]
    assert {"check": "missing_sale", "table": "orders", "ids": [order.id],
            "detail": "paid order has 0 sale transactions"} in findings


def test_an_unbalanced_transaction_is_named(run, world):
    sale = _sale(world["refunded"])
    db.session.add(LedgerEntry(transaction_id=sale.id, account=Account.platform_fees, amount_minor=7, currency="USD"))
    db.session.commit()

    result = run("--json")
    assert result.exit_code == 1
    checks = {(f["check"], tuple(f["ids"])) for f in json.loads(result.output)["findings"]}
    assert ("unbalanced", (sale.id,)) in checks


def test_a_balanced_but_wrong_split_is_caught_line_by_line(world):
    order = world["refunded"]
    fee = _entry(order, Account.platform_fees)
    earnings = _entry(order, Account.reseller_earnings)
    fee.amount_minor -= 50  # the platform takes 0.50 more of the line, the reseller 0.50 less: still balanced
    earnings.amount_minor += 50
    db.session.commit()

    found = {(f.check, f.ids) for f in check_ledger()}
    assert ("sale_line", (order.lines[0].id,)) in found
    assert not any(check == "unbalanced" for check, _ids in found)


def test_overrides_larger_than_the_fee_are_caught(world):
    order = world["shipped"]
    override = _entry(order, Account.referral_overrides)
    fee = db.session.scalar(
        select(LedgerEntry).where(LedgerEntry.transaction_id == override.transaction_id,
                                  LedgerEntry.account == Account.platform_fees, LedgerEntry.amount_minor > 0)
    )
    extra = order.lines[0].fee_total
    override.amount_minor -= extra
    fee.amount_minor += extra
    db.session.commit()

    [finding] = check_ledger()
    assert finding.check == "sale_line" and finding.ids == (order.lines[0].id,)
    assert "exceed the fee" in finding.detail


def test_a_refund_without_its_reversal_is_caught(world):
    order = world["shipped"]
    db.session.add(Refund(order_id=order.id, amount_minor=500, currency="USD", reason="goodwill"))
    db.session.commit()

    [finding] = check_ledger()
    assert (finding.check, finding.ids) == ("refunds", (order.id,))
    assert finding.detail == "refunds of 500 (order says 0) against 0 reversed"


def test_a_cancelled_line_that_still_earns_is_caught(world):
    order = world["refunded"]
    cancelled = order.lines[1]
    refund = db.session.scalar(
        select(LedgerTransaction).where(LedgerTransaction.order_id == order.id, LedgerTransaction.kind == "refund")
    )
    db.session.execute(delete(LedgerEntry).where(LedgerEntry.transaction_id == refund.id))
    db.session.delete(refund)
    db.session.commit()

    found = {(f.check, f.ids) for f in check_ledger()}
    assert ("cancelled_line", (cancelled.id,)) in found
    assert ("refunds", (order.id,)) in found


def test_an_entry_on_another_orders_line_is_caught(world):
    entry = _entry(world["shipped"], Account.customer_payments)
    entry.order_line_id = world["refunded"].lines[0].id
    db.session.commit()

    found = {(f.check, f.ids) for f in check_ledger()}
    assert ("foreign_line", (entry.id,)) in found


def test_a_failed_order_posts_nothing_and_is_refunded_in_full(world):
    failed = world["failed"]
    assert failed.status is OrderStatus.failed
    assert check_ledger() == []
    db.session.add(LedgerTransaction(order_id=failed.id, kind="sale", memo="wrongly posted"))
    db.session.commit()

    assert [(f.check, f.ids) for f in check_ledger()] == [("failed_order_posted", (failed.id,))]
