"""The customer fixtures from tests/orders, and the fake Stripe plugged into the app."""
import pytest

from tests.orders.conftest import add, address, shop_with  # noqa: F401
from tests.payments.fake_stripe import FakeStripe

WEBHOOK_SECRET = "whsec_test_secret"


@pytest.fixture
def stripe_fake(app):
    """Stripe switched on, talking to a FakeStripe instead of the network."""
    fake = FakeStripe()
    app.config.update(STRIPE_SECRET_KEY="sk_test_fake", STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    app.extensions["stripe_http_client"] = fake
    yield fake
    app.extensions.pop("stripe_http_client", None)
