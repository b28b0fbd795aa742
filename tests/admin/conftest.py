from tests.fulfillment.conftest import make_paid_order  # noqa: F401
