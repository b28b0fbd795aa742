"""The fault cases share the fulfillment fixtures (paid orders, the fake supplier) and the payment ones."""
from tests.fulfillment.conftest import fake_supplier, make_paid_order, webhook_supplier  # noqa: F401
from tests.payments.conftest import add, address, shop_with, stripe_fake  # noqa: F401
