"""The database is briefly unreachable: pages answer a friendly 503, jobs fail and are retried, nothing is lost."""
import sqlite3

import psycopg
import pytest
from sqlalchemy import event, select

from shop.extensions import db
from shop.fulfillment.models import DeliveryStatus, PurchaseOrder, WebhookDelivery
from shop.fulfillment.tasks import send_delivery, sweep


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
