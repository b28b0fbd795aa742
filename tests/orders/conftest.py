"""Fixtures for the customer's side: a store with products, and a client with a filled cart."""
import pytest

ADDRESS = {
    "customer_name": "Ada Lovelace",
    "email": "ada@example.com",
    "phone": "+44 20 7946 0000",
    "address1": "12 St James's Square",
    "address2": "",
    "city": "London",
    "region": "",
    "postcode": "SW1Y 4JH",
    "country": "GB",
}


@pytest.fixture
def address():
    return dict(ADDRESS)


@pytest.fixture
def shop_with(make_store, make_product, make_pick):
    """A store that picked one product per (wholesale, stock) pair, priced at `price` when given."""

    def build(*items, price=None):
        store = make_store()
        products = [make_product(variants=((wholesale, stock),)) for wholesale, stock in items]
        for product in products:
            make_pick(store, product, price=price)
        return store, products

    return build


@pytest.fixture
def add(client):
    """Put a variant in the client's cart for a store."""

    def put(store, variant, quantity=1, the_client=None):
        return (the_client or client).post(
            f"/s/{store.slug}/cart/add", data={"variant_id": variant.id, "quantity": quantity}
        )

    return put
