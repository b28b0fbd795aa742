"""Builders for paid orders, made through the real order and payment services."""
import pytest

from shop.extensions import db
from shop.orders.models import Cart, CartLine
from shop.orders.services import place_order
from shop.payments.services import complete_payment

CUSTOMER = {
    "customer_name": "Ada Lovelace",
    "email": "ada@example.com",
    "phone": "+44 20 7946 0000",
    "address1": "12 Analytical Row",
    "city": "London",
    "postcode": "N1 9GU",
    "country": "GB",
}


@pytest.fixture
def make_paid_order(app, make_store, make_product, make_pick):
    def build(store=None, items=None, **customer):
        """items: (variant, quantity) pairs; products the store has not picked are picked at the default price."""
        store = store or make_store()
        if items is None:
            items = [(make_product().variants[0], 1)]
        picked = {pick.product_id for pick in store.picks}
        cart = Cart(store_id=store.id)
        for variant, quantity in items:
            if variant.product_id not in picked:
                make_pick(store, variant.product)
                picked.add(variant.product_id)
            cart.lines.append(CartLine(variant_id=variant.id, quantity=quantity))
        db.session.add(cart)
        db.session.flush()
        order = place_order(store, cart, {**CUSTOMER, **customer}, "en", "USD")
        order.payment_provider = "demo"
        complete_payment(order, payment_intent=f"pi_{order.token}")
        db.session.commit()
        return order

    return build
