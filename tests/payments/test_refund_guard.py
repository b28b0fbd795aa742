from tests.fulfillment.conftest import make_paid_order  # noqa: F401, F811
from shop.orders.models import LineStatus, OrderStatus
from shop.payments.models import Refund
from shop.payments.services import refund_lines


def test_refund_lines_refuses_an_unpaid_order(app, make_paid_order):  # noqa: F811
    order = make_paid_order()
    order.paid_at = None
    order.status = OrderStatus.pending_payment
    assert refund_lines(order, list(order.lines), "test") is None
    assert all(line.status is LineStatus.open for line in order.lines)
    from shop.extensions import db
    assert db.session.query(Refund).count() == 0
