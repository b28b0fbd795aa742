"""The process dies between the payment's commit and enqueueing the forwarding: the periodic sweep finds the order."""
from datetime import datetime

from sqlalchemy import select

from shop.extensions import db, huey
from shop.fulfillment.models import DeliveryStatus, PurchaseOrder, WebhookDelivery
from shop.fulfillment.tasks import every_minute, forward_due, sweep
from tests.faults.worker import wait_for


def test_the_sweep_forwards_a_paid_order_that_was_never_enqueued(make_paid_order, outbox):
    # make_paid_order commits the payment and enqueues nothing, as if the process died right after the commit.
    order = make_paid_order()
    assert outbox() == []
    assert sweep()["orders"] == [order.id]
    [mail] = outbox()
    assert f"New order #{order.id}" in mail["Subject"]
    assert sweep() == {"deliveries": [], "orders": []} and len(outbox()) == 1
    assert db.session.scalar(select(PurchaseOrder.forwarded_at)) is not None


def test_the_sweep_sends_a_webhook_event_left_in_the_outbox(webhook_supplier, make_product, make_paid_order,
                                                           fake_supplier):
    make_paid_order(items=[(make_product(webhook_supplier()).variants[0], 1)])
    assert forward_due() == []  # the event is queued with the payment: the delivery sweep owns it
    [delivery_id] = sweep()["deliveries"]
    assert db.session.get(WebhookDelivery, delivery_id).status is DeliveryStatus.delivered
    assert sweep() == {"deliveries": [], "orders": []}
    assert len(fake_supplier.processed) == 1


def test_the_sweep_runs_every_minute_and_from_the_command_line(app, make_paid_order, outbox):
    due = {task.name for task in huey.read_periodic(datetime(2026, 11, 23, 14, 1))}
    assert every_minute.task_class.__name__ in due
    order = make_paid_order()
    result = app.test_cli_runner().invoke(args=["pipeline", "sweep"])
    assert result.exit_code == 0, result.output
    assert "orders enqueued: 1" in result.output
    assert [m["Subject"] for m in outbox()] == [f"New order #{order.id} to ship"]


def test_the_worker_sweep_forwards_what_was_paid_while_nothing_was_enqueued(make_paid_order, outbox, worker):
    order_id = make_paid_order().id  # committed, never enqueued: the process died here
    mails = wait_for(outbox)
    assert mails, worker.log()
    wait_for(lambda: False, timeout=1.5)  # later sweeps find nothing more to do
    assert [m["Subject"] for m in outbox()] == [f"New order #{order_id} to ship"]
    db.session.rollback()
    assert db.session.scalar(select(PurchaseOrder.forwarded_at)) is not None


def test_a_restarted_worker_forwards_at_start_up_what_was_paid_while_it_was_down(make_paid_order, outbox,
                                                                                own_worker):
    order_id = make_paid_order().id
    db.session.remove()
    own_worker.pause()  # no periodic sweep: the one a worker runs as it starts finds the order
    own_worker.start()
    assert wait_for(outbox), own_worker.log()
    assert [m["Subject"] for m in outbox()] == [f"New order #{order_id} to ship"]
