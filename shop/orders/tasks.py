"""Jobs: tell the customer their order is confirmed, or that it sold out and was refunded."""
from datetime import timedelta

from huey import crontab
from sqlalchemy import select, update

from shop.extensions import SWEEP_SLICE, db, enqueue_slice, huey, job
from shop.mail import render_mail, send_mail
from shop.util import now_utc

from .models import Order, OrderStatus


@job()
def send_order_confirmation(order_id: int) -> None:
    """Mail the customer the confirmation with the private order link, once."""
    _mail_customer(order_id, "order_confirmation", (OrderStatus.paid, OrderStatus.shipped))


@job()
def send_order_failed(order_id: int) -> None:
    """Mail the customer that the item sold out before the payment went through and was refunded, once."""
    _mail_customer(order_id, "order_failed", (OrderStatus.failed,))


def mail_due(older_than: timedelta = timedelta(minutes=10)) -> list[int]:
    """Enqueue, a slice at a time, the mail of every paid or failed order that still lacks it; their ids."""
    rows = db.session.execute(
        select(Order.id, Order.status)
        .where(
            Order.customer_mailed_at.is_(None),
            Order.paid_at < now_utc() - older_than,
            Order.status.in_((OrderStatus.paid, OrderStatus.shipped, OrderStatus.failed)),
        )
        .order_by(Order.id)
    ).all()
    _mail_slice([(order_id, status is OrderStatus.failed) for order_id, status in rows])
    return [order_id for order_id, _status in rows]


# A backlog of unsent mail (a worker down for a day) is queued a slice at a time, so new payments' jobs
# do not wait behind it (see SWEEP_SLICE).
MAIL_SLICE = SWEEP_SLICE


def _mail_slice(due: list[tuple[int, bool]]) -> None:
    enqueue_slice(due, MAIL_SLICE, _enqueue_mail, mail_rest)


def _enqueue_mail(item: tuple[int, bool]) -> None:
    order_id, failed = item
    (send_order_failed if failed else send_order_confirmation)(order_id)


@job()
def mail_rest(due: list[tuple[int, bool]]) -> None:
    """Queue the next slice of a sweep's mail, (order id, failed) pairs, behind the jobs queued since the last one."""
    _mail_slice(due)


@job()
def sweep_customer_mail() -> None:
    mail_due()


@huey.periodic_task(crontab(minute="*/15"), name="shop.orders.tasks.every_15_minutes")
def every_15_minutes():
    # Periodic tasks run outside the app; this only enqueues the job, which runs inside it.
    sweep_customer_mail()


def _mail_customer(order_id: int, template: str, statuses: tuple[OrderStatus, ...]) -> None:
    # The conditional UPDATE claims the mail, so a second (or racing) run sends nothing; the claim is
    # committed only after the send, so a failed send is retried.
    claimed = db.session.execute(
        update(Order)
        .where(Order.id == order_id, Order.customer_mailed_at.is_(None), Order.status.in_(statuses))
        .values(customer_mailed_at=now_utc())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        return
    order = db.session.get(Order, order_id)
    db.session.refresh(order)
    try:
        subject, body = render_mail(template, order.locale, order=order)
        send_mail(order.email, subject, body)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
