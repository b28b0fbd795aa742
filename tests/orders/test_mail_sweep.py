"""The quarter-hourly sweep of customer mail that never went out: queued a slice at a time."""
from datetime import timedelta

from shop.extensions import db
from shop.orders import tasks
from shop.orders.models import OrderStatus
from shop.orders.tasks import mail_due
from tests.fulfillment.conftest import make_paid_order  # noqa: F401


def _unmailed(make_paid_order, count, failed=()):  # noqa: F811
    """`count` paid orders whose mail never went out, the ones at the positions in `failed` failed instead."""
    orders = [make_paid_order() for _ in range(count)]
    for position in failed:
        orders[position].status = OrderStatus.failed
    db.session.commit()
    return sorted(order.id for order in orders)


def test_a_sweep_queues_a_slice_of_mail_and_leaves_the_rest_to_a_later_job(make_paid_order, monkeypatch):  # noqa: F811
    # A backlog queued all at once (4,303 mails on the bench data) made every new payment's jobs wait behind it.
    orders = _unmailed(make_paid_order, 5, failed=[1])
    queued = []
    monkeypatch.setattr(tasks, "MAIL_SLICE", 2)
    monkeypatch.setattr(tasks, "send_order_confirmation", lambda order_id: queued.append(("confirm", order_id)))
    monkeypatch.setattr(tasks, "send_order_failed", lambda order_id: queued.append(("failed", order_id)))
    monkeypatch.setattr(tasks, "mail_rest", lambda due: queued.append(("rest", due)))

    assert mail_due(older_than=timedelta(0)) == orders
    rest = [(order_id, False) for order_id in orders[2:]]
    assert queued == [("confirm", orders[0]), ("failed", orders[1]), ("rest", rest)]


def test_every_mail_of_a_sweep_goes_out_slice_by_slice(make_paid_order, outbox, monkeypatch):  # noqa: F811
    monkeypatch.setattr(tasks, "MAIL_SLICE", 2)
    orders = _unmailed(make_paid_order, 5, failed=[3])

    assert mail_due(older_than=timedelta(0)) == orders
    # Immediate mode ran every job, the later slices from the `mail_rest` jobs.
    sent = sorted((int(m["Subject"].split("#")[1].split()[0]), m["Subject"].endswith("is confirmed")) for m in outbox())
    assert sent == [(order_id, order_id != orders[3]) for order_id in orders]
    assert mail_due(older_than=timedelta(0)) == []
