"""The payment-provider interface: Stripe Checkout when a key is set, otherwise an offline demo."""
import uuid

import stripe
from flask import current_app, url_for

from shop.orders.models import Order


class PaymentError(Exception):
    pass


class DemoProvider:
    """Takes no money: a page with a Pay button stands in for the provider, marked as a demo."""

    name = "demo"

    def start_checkout(self, order: Order) -> str:
        order.payment_provider = self.name
        order.payment_ref = f"demo_{order.token}"
        return url_for("payments.demo_pay", token=order.token)

    def refund(self, order: Order, amount: int, key: str) -> str:
        return f"demo_refund_{uuid.uuid5(uuid.NAMESPACE_URL, key).hex[:16]}"


class StripeProvider:
    """Stripe Checkout; the order is paid only when the signed webhook says so."""

    name = "stripe"

    def __init__(self, api_key: str, http_client=None):
        self.client = stripe.StripeClient(api_key, http_client=http_client, max_network_retries=2)

    def start_checkout(self, order: Order) -> str:
        base = current_app.config["BASE_URL"]
        items = [
            {
                "quantity": line.quantity,
                "price_data": {
                    "currency": order.currency.lower(),
                    "unit_amount": line.unit_price_minor,
                    "product_data": {"name": f"{line.title} {line.variant_title}".strip()},
                },
            }
            for line in order.lines
        ]
        try:
            session = self.client.v1.checkout.sessions.create(
                params={
                    "mode": "payment",
                    "line_items": items,
                    "customer_email": order.email,
                    "client_reference_id": order.token,
                    "metadata": {"order_token": order.token},
                    # Separate charges and transfers: the payees' transfers later name this group.
                    "payment_intent_data": {"metadata": {"order_token": order.token},
                                            "transfer_group": f"order-{order.id}"},
                    "success_url": f"{base}{url_for('orders.show', token=order.token)}",
                    "cancel_url": f"{base}{url_for('orders.cart', slug=order.store.slug)}",
                },
                options={"idempotency_key": f"checkout-{order.token}"},
            )
        except stripe.StripeError as exc:
            raise PaymentError(str(exc)) from exc
        order.payment_provider = self.name
        order.payment_ref = session.id
        return session.url

    def refund(self, order: Order, amount: int, key: str) -> str:
        try:
            refund = self.client.v1.refunds.create(
                # Tagged, so the charge.refunded webhook can tell our refunds from ones made in Stripe's dashboard.
                params={"payment_intent": order.payment_intent, "amount": amount, "metadata": {"source": "sharestall"}},
                options={"idempotency_key": key},
            )
        except stripe.StripeError as exc:
            raise PaymentError(str(exc)) from exc
        return refund.id


class CashOnDelivery:
    """The courier collects the money: confirmed at once, reconciled when the supplier marks it delivered."""

    name = "cod"

    def start_checkout(self, order: Order) -> str:
        # Payments builds on this module; the confirmation is imported late, as its services import providers.
        from .services import complete_payment

        order.payment_provider = self.name
        order.payment_ref = f"cod_{order.token}"
        complete_payment(order)
        # The sweeps mail the customer and forward the order once this commits (orders and fulfillment jobs).
        return url_for("orders.show", token=order.token)

    def refund(self, order: Order, amount: int, key: str) -> str:
        # Nothing was collected yet, or the supplier holds the cash: the refund is a ledger matter.
        return f"cod_refund_{uuid.uuid5(uuid.NAMESPACE_URL, key).hex[:16]}"


def cod_offered() -> bool:
    """The operator switched cash on delivery on."""
    from shop.earnings.lifecycle import rule

    return bool(rule("cod_enabled"))


def get_provider(name: str | None = None):
    """The provider for new checkouts, or the one that took an order's payment."""
    key = current_app.config["STRIPE_SECRET_KEY"]
    if name == "cod":
        return CashOnDelivery()
    if name == "demo" or (name is None and not key):
        return DemoProvider()
    return StripeProvider(key, http_client=current_app.extensions.get("stripe_http_client"))
