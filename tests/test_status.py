import pytest

from shop.orders.models import TRANSITIONS, InvalidTransition, OrderStatus, next_status

S = OrderStatus
TABLE = [
    (S.pending_payment, "pay", S.paid),
    (S.pending_payment, "out_of_stock", S.failed),
    (S.pending_payment, "expire", S.cancelled),
    (S.paid, "ship_all", S.shipped),
    (S.paid, "cancel_all", S.refunded),
    (S.shipped, "cancel_all", S.refunded),
]


@pytest.mark.parametrize("current, event, expected", TABLE)
def test_allowed_transitions(current, event, expected):
    assert next_status(current, event) is expected


EVENTS = sorted({event for _, event in TRANSITIONS})


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("event", EVENTS)
def test_every_other_transition_is_refused(current, event):
    if (current, event) in TRANSITIONS:
        return
    with pytest.raises(InvalidTransition):
        next_status(current, event)


def test_the_table_is_exactly_the_documented_one():
    assert {(c, e): n for c, e, n in TABLE} == TRANSITIONS
