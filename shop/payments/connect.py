"""Stripe Connect: Express onboarding, separate charges and transfers per order, reversals after refunds."""
import logging
from datetime import datetime

import stripe
from flask import current_app
from sqlalchemy import func, select

from shop.earnings.lifecycle import Payee, State, balances, order_states
from shop.earnings.models import Account, ConnectAccount, ConnectStatus, LedgerEntry, LedgerTransaction, Payout
from shop.earnings.models import PayoutMethod, PayoutStatus
from shop.earnings.payouts import PAYOUT_KINDS, post_payout, post_reversal
from shop.extensions import db
from shop.orders.models import Order, OrderLine
from shop.util import now_utc

from .providers import PaymentError, StripeProvider

log = logging.getLogger(__name__)


def stripe_client() -> stripe.StripeClient:
    config = current_app.config
    return StripeProvider(config["STRIPE_SECRET_KEY"], current_app.extensions.get("stripe_http_client")).client


def connect_enabled() -> bool:
    return bool(current_app.config["STRIPE_SECRET_KEY"])


def connect_account(payee: Payee) -> ConnectAccount | None:
    return db.session.scalar(select(ConnectAccount).where(getattr(ConnectAccount, f"{payee.kind}_id") == payee.id))


def onboarding_link(payee: Payee, email: str, return_url: str, refresh_url: str) -> str:
    """An Express account for the payee (made once), and a fresh one-time onboarding link to it. Flushes."""
    client = stripe_client()
    account = connect_account(payee)
    try:
        if account is None:
            made = client.v1.accounts.create(
                params={"type": "express", "email": email, "metadata": {"payee": str(payee)},
                        "capabilities": {"transfers": {"requested": True}}},
                options={"idempotency_key": f"connect-account-{payee}"},
            )
            account = ConnectAccount(stripe_account_id=made.id, **payee.fields())
            db.session.add(account)
            db.session.flush()
        link = client.v1.account_links.create(params={
            "account": account.stripe_account_id, "type": "account_onboarding",
            "return_url": return_url, "refresh_url": refresh_url,
        })
    except stripe.StripeError as exc:
        raise PaymentError(str(exc)) from exc
    return link.url


def status_from(account: dict) -> ConnectStatus:
    if account.get("payouts_enabled") and account.get("charges_enabled", True):
        return ConnectStatus.enabled
    if account.get("details_submitted"):
        return ConnectStatus.restricted
    return ConnectStatus.onboarding


def account_updated(account: dict, when: datetime) -> ConnectAccount | None:
    """Keep the account's status from the event; an older event delivered late changes nothing."""
    row = db.session.scalar(select(ConnectAccount).where(ConnectAccount.stripe_account_id == account.get("id")))
    if row is not None and (row.status_at is None or when >= row.status_at):
        row.status, row.status_at = status_from(account), when
    return row


def payout_failed(stripe_account_id: str | None, now: datetime) -> ConnectAccount | None:
    """Stripe could not pay a connected account out to its bank: shown to the payee and the operator."""
    row = db.session.scalar(select(ConnectAccount).where(ConnectAccount.stripe_account_id == stripe_account_id))
    if row is not None:
        row.last_payout_failed_at = now
    return row


def _order_net(order_id: int, payee: Payee) -> int:
    """What the payee earned on one order, sales less refunds (payouts not counted)."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerTransaction.order_id == order_id, LedgerTransaction.kind.not_in(PAYOUT_KINDS),
               payee.column == payee.id, LedgerEntry.account.in_(payee.accounts))
    )
    return -int(total)


def _transfers(order_id: int, payee: Payee) -> list[Payout]:
    return db.session.scalars(
        select(Payout).where(Payout.order_id == order_id, Payout.method == PayoutMethod.stripe,
                             getattr(Payout, f"{payee.kind}_id") == payee.id).order_by(Payout.id)
    ).all()


def _charge_id(client, order: Order) -> str:
    intent = client.v1.payment_intents.retrieve(order.payment_intent)
    charge = intent.get("latest_charge")
    return charge if isinstance(charge, str) else charge["id"]


def transfer_due(now: datetime) -> list[Payout]:
    """Transfer each connected payee's available earnings, order by order, from that order's charge. Flushes."""
    client = stripe_client()
    made = []
    for account in db.session.scalars(select(ConnectAccount).where(ConnectAccount.status == ConnectStatus.enabled)
                                      .order_by(ConnectAccount.id)):
        payee = Payee.of(account)
        figures = balances(payee)
        room = figures["available"] - figures["requested"]
        for order_id, state in order_states(payee).items():
            if room <= 0:
                break
            order = db.session.get(Order, order_id) if state is State.available else None
            if order is None or order.payment_provider != "stripe":
                continue
            sent = _transfers(order_id, payee)
            amount = min(_order_net(order_id, payee) - sum(p.amount_minor - p.reversed_minor for p in sent), room)
            if amount <= 0:
                continue
            made.append(_transfer(client, account, payee, order, amount, len(sent), now))
            room -= amount
    db.session.flush()
    return made


def _transfer(client, account: ConnectAccount, payee: Payee, order: Order, amount: int, n: int, now) -> Payout:
    # The key names the order, the payee and how many transfers came before: a run that died after Stripe
    # answered asks again with the same key and gets the same transfer back, never a second one.
    key = f"transfer-{order.id}-{payee}-{n}"
    try:
        transfer = client.v1.transfers.create(
            params={"amount": amount, "currency": order.currency.lower(), "destination": account.stripe_account_id,
                    "transfer_group": f"order-{order.id}", "source_transaction": _charge_id(client, order),
                    "metadata": {"order_id": str(order.id), "payee": str(payee)}},
            options={"idempotency_key": key},
        )
    except stripe.StripeError as exc:
        raise PaymentError(str(exc)) from exc
    payout = Payout(method=PayoutMethod.stripe, status=PayoutStatus.paid, amount_minor=amount, currency=order.currency,
                    order_id=order.id, key=key, provider_ref=transfer.id, created_at=now, paid_at=now, **payee.fields())
    db.session.add(payout)
    db.session.flush()
    post_payout(payout, now)
    return payout


def reverse_transfers(order: Order, lines: list[OrderLine]) -> None:
    """After a refund, take back from each transfer what the payee no longer earned, where Stripe allows."""
    transfers = db.session.scalars(
        select(Payout).where(Payout.order_id == order.id, Payout.method == PayoutMethod.stripe,
                             Payout.reversed_minor < Payout.amount_minor).order_by(Payout.id)
    ).all()
    if not transfers:
        return
    db.session.flush()
    client = stripe_client()
    for payee in {Payee.of(p) for p in transfers}:
        mine = [p for p in transfers if Payee.of(p) == payee]
        over = sum(p.amount_minor - p.reversed_minor for p in mine) - max(_order_net(order.id, payee), 0)
        for payout in reversed(mine):
            amount = min(over, payout.amount_minor - payout.reversed_minor)
            if amount <= 0:
                break
            key = f"reversal-{payout.id}-{payout.reversed_minor}-{amount}"
            try:
                client.v1.transfers.reversals.create(payout.provider_ref, params={"amount": amount},
                                                     options={"idempotency_key": key})
            except stripe.StripeError as exc:
                # The connected account has spent it: the payee's balance goes negative and the next
                # earnings pay it back.
                log.warning("transfer %s not reversed (%s): left as a negative balance", payout.provider_ref, exc)
                break
            post_reversal(payout, amount, now_utc(), f"reversal of payout {payout.id}")
            over -= amount


def transfer_reversed(transfer: dict, now: datetime) -> Payout | None:
    """A reversal made outside the app (Stripe's dashboard): book what we have not booked yet."""
    payout = db.session.scalar(select(Payout).where(Payout.provider_ref == transfer.get("id")))
    if payout is None:
        return None
    missing = min(int(transfer.get("amount_reversed") or 0), payout.amount_minor) - payout.reversed_minor
    if missing > 0:
        post_reversal(payout, missing, now, f"reversal of payout {payout.id} at Stripe")
    return payout


def post_processor_fee(order: Order, fee: int) -> None:
    """What the processor kept of the charge: an expense of the platform, never of the payees."""
    if fee <= 0:
        return
    txn = LedgerTransaction(order_id=order.id, kind="processor_fee", memo=f"processor fee, order {order.id}")
    txn.entries.extend([
        LedgerEntry(account=Account.processor_fees, amount_minor=fee, currency=order.currency),
        LedgerEntry(account=Account.customer_payments, amount_minor=-fee, currency=order.currency),
    ])
    db.session.add(txn)


def record_processor_fee(order: Order) -> None:
    """Ask Stripe what it kept of the order's charge and post it."""
    try:
        intent = stripe_client().v1.payment_intents.retrieve(
            order.payment_intent, params={"expand": ["latest_charge.balance_transaction"]}
        )
        balance_txn = (intent.get("latest_charge") or {}).get("balance_transaction") or {}
    except stripe.StripeError as exc:
        raise PaymentError(str(exc)) from exc
    post_processor_fee(order, int(balance_txn.get("fee") or 0))


def refunds_made_outside(payment_intent: str) -> int:
    """What was refunded on a payment without our tag: by hand in Stripe's dashboard."""
    try:
        refunds = stripe_client().v1.refunds.list(params={"payment_intent": payment_intent, "limit": 100})
    except stripe.StripeError as exc:
        raise PaymentError(str(exc)) from exc
    return sum(r["amount"] for r in refunds.data if (r.get("metadata") or {}).get("source") != "sharestall")
