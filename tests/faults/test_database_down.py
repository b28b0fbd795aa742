"""The database is briefly unreachable: pages answer a friendly 503, jobs fail and are retried, nothing is lost."""
import socket
import sqlite3
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from sqlalchemy import event, make_url, select

from shop.extensions import db, huey
from shop.fulfillment.models import DeliveryStatus, PurchaseOrder, WebhookDelivery
from shop.fulfillment.tasks import forward_order, send_delivery, sweep
from tests.faults.worker import wait_for


@pytest.fixture
def outage(app):
    """Every new connection fails, as while PostgreSQL restarts; the pool is emptied first."""
    state = {"down": False}

    def refuse(dialect, conn_rec, cargs, cparams):
        if state["down"]:
            error = psycopg.OperationalError if dialect.name == "postgresql" else sqlite3.OperationalError
            raise error("connection refused: the database is restarting")

    event.listen(db.engine, "do_connect", refuse)

    def down(flag=True):
        db.session.remove()
        db.engine.dispose()
        state["down"] = flag

    yield down
    state["down"] = False
    event.remove(db.engine, "do_connect", refuse)


def test_pages_answer_a_friendly_503_while_the_database_is_down(client, make_paid_order, outage):
    token = make_paid_order().token
    outage()
    response = client.get(f"/o/{token}")
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "Back in a moment" in response.text and "Traceback" not in response.text
    outage(False)
    assert client.get(f"/o/{token}").status_code == 200


def test_a_job_fails_during_the_outage_and_delivers_after_it(webhook_supplier, make_product, make_paid_order,
                                                             fake_supplier, outage):
    make_paid_order(items=[(make_product(webhook_supplier()).variants[0], 1)])
    delivery_id = db.session.scalar(select(WebhookDelivery.id))
    outage()
    with pytest.raises(Exception) as failure:
        send_delivery.call_local(delivery_id)  # huey retries a job that raises (retries=5)
    assert "restarting" in str(failure.value)
    assert send_delivery.task_class.default_retries >= 3
    outage(False)
    delivery = db.session.get(WebhookDelivery, delivery_id)
    assert delivery.status is DeliveryStatus.pending and delivery.attempts == 0  # nothing lost, nothing half-done

    sweep()  # the retry (or the next sweep) sends it
    db.session.expire_all()
    assert db.session.get(WebhookDelivery, delivery_id).status is DeliveryStatus.delivered
    assert db.session.scalar(select(PurchaseOrder.forwarded_at)) is not None
    assert len(fake_supplier.processed) == 1


def test_a_signed_in_page_is_a_friendly_503_too(make_supplier, login, outage):
    client = login(make_supplier().user)
    outage()
    response = client.get("/supplier/orders")
    assert response.status_code == 503 and "Back in a moment" in response.text
    outage(False)
    assert client.get("/supplier/orders").status_code == 200


def _unreachable(url: str) -> str:
    """The same database behind a port nobody listens on (for SQLite, in a folder that does not exist)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(database="/nonexistent-sharestall/test.db").render_as_string(hide_password=False)
    with socket.socket() as probe:  # a port that was free a moment ago: nothing answers on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return parsed.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)


def test_the_worker_retries_through_an_outage_and_loses_nothing(
        app, webhook_supplier, make_supplier, make_product, make_paid_order, fake_supplier, outbox, own_worker):
    by_webhook, by_mail = make_product(webhook_supplier()), make_product(make_supplier())
    order_id = make_paid_order(items=[(by_webhook.variants[0], 1), (by_mail.variants[0], 1)]).id
    db.session.remove()
    forward_order(order_id)  # into the worker's queue
    own_worker.pause()  # only the queued job and the start-up sweep: what the retries do shows

    own_worker.start(DATABASE_URL=_unreachable(app.config["SQLALCHEMY_DATABASE_URI"]))
    assert wait_for(lambda: len(huey.scheduled()) >= 2), own_worker.log()  # both jobs failed, retries booked
    own_worker.stop()
    assert "OperationalError" in own_worker.log()
    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.status is DeliveryStatus.pending and delivery.attempts == 0
    assert fake_supplier.received == [] and outbox() == []
    db.session.remove()

    own_worker.start()  # the database is back
    # Move the queue's clock past the retry delay: the retries run now, next to the start-up sweep.
    for task in huey.read_schedule(datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(hours=1)):
        huey.enqueue(task)
    assert wait_for(lambda: fake_supplier.processed and outbox()), own_worker.log()
    wait_for(lambda: False, timeout=1)
    assert own_worker.drain(), own_worker.log()
    assert [r["type"] for r in fake_supplier.received] == ["purchase_order.created"]
    assert [m["Subject"] for m in outbox()] == [f"New order #{order_id} to ship"]
    db.session.rollback()
    assert db.session.get(WebhookDelivery, delivery.id).status is DeliveryStatus.delivered
    assert None not in db.session.scalars(select(PurchaseOrder.forwarded_at)).all()
