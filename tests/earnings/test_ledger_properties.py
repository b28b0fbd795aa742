"""Random sequences of sales, refunds, returns, supplier cancellations, shipments, hold expiries, payouts, invites
and passing time never break the ledger's invariants."""
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import func, select

from shop import money
from shop.catalog.models import Variant
from shop.earnings.ledger import check_ledger
from shop.earnings.lifecycle import Payee, balances, release_due, set_rule
from shop.earnings.models import Account, BankAccount, LedgerEntry, LedgerTransaction, Payout, PayoutStatus
from shop.earnings.payouts import PayoutError, decide_payout, request_payout
from shop.earnings.services import store_earnings, unbalanced_transactions
from shop.extensions import db
from shop.fulfillment.models import POStatus, PurchaseOrder
from shop.fulfillment.services import LinesNotOpen, ship_purchase_order
from shop.orders.models import Cart, CartLine, LineStatus, Order, OrderLine, OrderStatus
from shop.orders.services import CheckoutError, place_order
from shop.payments.services import complete_payment, refund_lines
from shop.referrals.services import line_overrides, override_chain
from shop.settings import set_int, set_platform_fee_bp
from shop.stores.models import Pick, Store
from shop.util import now_utc
from tests.fulfillment.conftest import CUSTOMER

HOLD_DAYS = 7
FEES_BP = (1000, 2500, 250, 0)  # Hypothesis favours the first: a fee, so overrides are earned
RUNS = settings(
    max_examples=30, stateful_step_count=15, derandomize=True, database=None, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
wholesale = st.integers(min_value=1, max_value=5000)
variants = st.lists(st.tuples(wholesale, st.integers(min_value=1, max_value=20)), min_size=1, max_size=2)


def _wipe() -> None:
    """Empty every table, as conftest does between tests, so each example starts from nothing."""
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    db.session.expunge_all()  # ids are reused once the tables are empty: forget the last example's rows


def _pay(order: Order) -> None:
    order.payment_provider = "demo"
    complete_payment(order, f"pi_{order.token}")


class Market(RuleBasedStateMachine):
    """Suppliers' products, stores that pick them all, and customers, refunds and parcels in any order."""

    builders: dict = {}

    def __init__(self):
        super().__init__()
        _wipe()
        self.clock = timedelta()  # how far the story has moved past the real clock
        self.initial_stock: dict[int, int] = {}
        self.store_ids: list[int] = []
        self.charged_lines: set[int] = set()  # cancelled by their supplier: the reseller keeps the margin

    @initialize(
        products=st.lists(variants, min_size=1, max_size=3),
        margins=st.lists(st.integers(0, 3000), min_size=3, max_size=3),
        chain=st.integers(1, 3).map(lambda n: 4 - n),
    )
    def open_market(self, products, margins, chain):
        """Products of one supplier, and `chain` stores each invited by the one before (overrides, two levels)."""
        supplier = self.builders["supplier"]()
        made = [self.builders["product"](supplier=supplier, variants=tuple(v)) for v in products]
        self.initial_stock = {v.id: v.stock for p in made for v in p.variants}
        # Above the floor at the highest fee for every variant: dearer variants keep the cheapest one's margin.
        self.prices = [
            money.price_floor(max(v.wholesale_minor for v in p.variants), max(FEES_BP)) + margins[i % len(margins)]
            for i, p in enumerate(made)
        ]
        self.product_ids = [p.id for p in made]
        inviter = None
        for _ in range(chain):
            inviter = self._open_store(inviter).id

    def _open_store(self, inviter_id: int | None) -> Store:
        store = self.builders["store"]()
        store.invited_by_id = inviter_id
        for product_id, price in zip(self.product_ids, self.prices):
            db.session.add(Pick(store_id=store.id, product_id=product_id, price_minor=price))
        db.session.commit()
        self.store_ids.append(store.id)
        return store

    def _place(self, store: Store, items, own: bool = False) -> Order | None:
        cart = Cart(store_id=store.id, lines=[CartLine(variant_id=v, quantity=q) for v, q in items])
        db.session.add(cart)
        db.session.flush()
        customer = {**CUSTOMER, "email": store.user.email} if own else CUSTOMER
        try:
            return place_order(store, cart, customer, "en", "USD")
        except CheckoutError:  # not enough stock left to take the order at all
            db.session.rollback()
            return None

    @rule(data=st.data(), fee=st.sampled_from(FEES_BP), own=st.integers(0, 3), keep_margin=st.booleans(),
          pay=st.integers(0, 3))
    def sell(self, data, fee, own, keep_margin, pay):
        set_platform_fee_bp(fee)
        set_int("self_purchase_margin", int(keep_margin))
        store = db.session.get(Store, data.draw(st.sampled_from(self.store_ids[::-1])))  # invitees first
        ids = sorted(self.initial_stock)
        chosen = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True))
        items = [(v, data.draw(st.integers(1, 3))) for v in chosen]
        order = self._place(store, items, own=own == 3)  # one order in four is the reseller's own
        if order is not None and pay != 3:  # one order in four is never paid
            _pay(order)
        db.session.commit()

    @rule(data=st.data())
    def race_for_the_last_units(self, data):
        """Two customers each order all the units left; the second payment finds them gone and is refunded."""
        in_stock = db.session.scalars(select(Variant.id).where(Variant.stock > 0).order_by(Variant.id)).all()
        if not in_stock:
            return
        variant = db.session.get(Variant, data.draw(st.sampled_from(in_stock)))
        store = db.session.get(Store, data.draw(st.sampled_from(self.store_ids)))
        first, second = (self._place(store, [(variant.id, variant.stock)]) for _ in range(2))
        _pay(first)
        _pay(second)
        db.session.commit()
        assert (first.status, second.status) == (OrderStatus.paid, OrderStatus.failed)
        assert second.refunded_minor == second.total_minor

    @rule(data=st.data())
    def refund_some_lines(self, data):
        open_lines = db.session.scalars(
            select(OrderLine).join(Order, Order.id == OrderLine.order_id)
            .where(OrderLine.status == LineStatus.open, Order.paid_at.is_not(None)).order_by(OrderLine.id)
        ).all()
        if not open_lines:
            return
        chosen = data.draw(st.lists(st.sampled_from(open_lines), min_size=1, max_size=3, unique_by=lambda x: x.id))
        order = chosen[0].order
        refund_lines(order, [line for line in chosen if line.order_id == order.id], "property test")
        db.session.commit()

    @rule(data=st.data())
    def ship_a_parcel(self, data):
        waiting = db.session.scalars(
            select(PurchaseOrder).where(PurchaseOrder.status == POStatus.open).order_by(PurchaseOrder.id)
        ).all()
        if not waiting:
            return
        if self._ship(data.draw(st.sampled_from(waiting)), "JD0001"):
            db.session.commit()

    def _ship(self, po, tracking) -> bool:
        """Ship what is open; one whose lines were all refunded is refused, as an empty parcel, changing nothing."""
        nothing_open = all(line.status is not LineStatus.open for line in po.lines)
        try:
            ship_purchase_order(po, "DHL", tracking)
        except LinesNotOpen:
            db.session.rollback()
            assert nothing_open
            return False
        assert not nothing_open
        return True

    @rule(data=st.data())
    def supplier_cancels(self, data):
        """The supplier cannot ship: it is charged the reseller's margin, which the reseller keeps."""
        lines = self._lines(LineStatus.open)
        if not lines:
            return
        line = data.draw(st.sampled_from(lines))
        refund_lines(line.order, [line], "Out of stock", supplier_fault=True)
        self.charged_lines.add(line.id)
        db.session.commit()

    @rule(data=st.data())
    def customer_returns(self, data):
        """A shipped line comes back and is refunded, maybe after its earnings were paid out."""
        lines = self._lines(LineStatus.shipped)
        if not lines:
            return
        line = data.draw(st.sampled_from(lines))
        refund_lines(line.order, [line], "returned", returned=True)
        db.session.commit()

    @rule(data=st.data(), pay=st.booleans())
    def hold_expires(self, data, pay):
        """A parcel (shipped now if it was not) is past its hold, the release runs, and maybe its payees are paid."""
        # One rule for the whole way, so that short random runs reach payouts often.
        parcels = db.session.scalars(
            select(PurchaseOrder).where(PurchaseOrder.status.in_((POStatus.open, POStatus.shipped)))
            .order_by(PurchaseOrder.id)
        ).all()
        if not parcels:
            return
        po = data.draw(st.sampled_from(parcels))
        if po.status is POStatus.open and not self._ship(po, "JD0002"):
            return
        po.shipped_at = min(po.shipped_at, now_utc() - timedelta(days=HOLD_DAYS + 1))
        db.session.commit()
        release_due(now_utc())
        db.session.commit()
        if pay:
            self._pay_out(Payee("supplier", po.supplier_id))
            self._pay_out(Payee("store", po.order.store_id))

    @rule(data=st.data())
    def pay_out(self, data):
        """A store asks for what is available; the operator approves and pays it."""
        self._pay_out(Payee("store", data.draw(st.sampled_from(self.store_ids))))

    def _pay_out(self, payee: Payee) -> None:
        set_rule("payout_minimum_minor", 1)
        if db.session.scalar(select(BankAccount.id).filter_by(**payee.fields())) is None:
            db.session.add(BankAccount(holder="Payee", iban="GB33BUKB20201555555555", **payee.fields()))
        try:
            payout = request_payout(payee, "USD", now_utc())
        except PayoutError:
            db.session.rollback()
            return
        decide_payout(payout, "approve", now_utc())
        decide_payout(payout, "mark_paid", now_utc())
        db.session.commit()
        assert balances(payee)["available"] == 0

    def _lines(self, status: LineStatus) -> list[OrderLine]:
        return db.session.scalars(
            select(OrderLine).join(Order, Order.id == OrderLine.order_id)
            .where(OrderLine.status == status, Order.paid_at.is_not(None)).order_by(OrderLine.id)
        ).all()

    @rule(days=st.integers(1, 10))
    def time_passes(self, days):
        self.clock += timedelta(days=days)

    @precondition(lambda self: len(self.store_ids) < 5)
    @rule(data=st.data())
    def invite_a_store(self, data):
        self._open_store(data.draw(st.sampled_from(self.store_ids)))

    @invariant()
    def ledger_holds(self):
        assert check_ledger() == []
        assert unbalanced_transactions() == []

    @invariant()
    def stock_adds_up(self):
        # Refunds do not restock: every unit of a paid, not failed, order left the shelf for good.
        sold = dict(db.session.execute(
            select(OrderLine.variant_id, func.sum(OrderLine.quantity))
            .join(Order, Order.id == OrderLine.order_id)
            .where(Order.paid_at.is_not(None), Order.status != OrderStatus.failed)
            .group_by(OrderLine.variant_id)
        ).tuples().all())
        for variant_id, stock in db.session.execute(select(Variant.id, Variant.stock)):
            assert stock >= 0
            assert stock + sold.get(variant_id, 0) == self.initial_stock[variant_id]

    @invariant()
    def earnings_are_what_stands(self):
        """Each store's pending plus available is the commission and overrides of its lines still standing."""
        if not self.store_ids:
            return
        now = now_utc() + self.clock
        release = now - timedelta(days=HOLD_DAYS)
        expected = {store_id: {"pending": 0, "available": 0} for store_id in self.store_ids}
        lines = db.session.scalars(
            select(OrderLine).join(Order, Order.id == OrderLine.order_id)
            .where(Order.paid_at.is_not(None), OrderLine.status != LineStatus.cancelled)
        )
        for line in db.session.scalars(select(OrderLine).where(OrderLine.id.in_(self.charged_lines))):
            expected[line.order.store_id]["pending"] += line.commission_total
        for line in lines:
            order = line.order
            po = line.purchase_order
            state = "available" if line.status is LineStatus.shipped and po.shipped_at <= release else "pending"
            expected[order.store_id][state] += line.commission_total
            for store_id, amount in line_overrides(line.fee_total, override_chain(order.store, order.paid_at,
                                                                                    order.self_purchase)):
                expected[store_id][state] += amount
        for store_id in self.store_ids:
            assert store_earnings(store_id, now, HOLD_DAYS) == expected[store_id]

    @invariant()
    def every_payee_is_paid_what_the_ledger_says(self):
        """Money sent out, less what came back, is what the payouts account holds, and each payee's states add up."""
        sent = db.session.scalar(select(func.coalesce(func.sum(Payout.amount_minor - Payout.reversed_minor), 0))
                                 .where(Payout.status == PayoutStatus.paid))
        booked = db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0))
                                   .where(LedgerEntry.account == Account.payouts))
        assert sent == -booked
        for store_id in self.store_ids:
            figures = balances(Payee("store", store_id))
            earned = -db.session.scalar(
                select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0))
                .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
                .where(LedgerEntry.store_id == store_id, LedgerTransaction.kind.not_in(("payout", "reversal")))
            )
            states = figures["pending"] + figures["held"] + figures["frozen"] + figures["available"]
            assert states + figures["paid_out"] == earned

    @invariant()
    def overrides_never_exceed_the_fee(self):
        paid_out = -(db.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0))
            .where(LedgerEntry.account == Account.referral_overrides)
        ))
        assert paid_out >= 0


def test_random_markets_keep_the_ledger_sound(app, make_supplier, make_product, make_store):
    Market.builders = {"supplier": make_supplier, "product": make_product, "store": make_store}
    run_state_machine_as_test(Market, settings=RUNS)
