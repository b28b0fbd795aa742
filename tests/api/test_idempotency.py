"""Idempotency-Key on every POST: a retry returns the first answer and does nothing twice."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from shop.api.models import IdempotentRequest
from shop.api.tasks import prune_idempotent_requests
from shop.extensions import db
from shop.fulfillment.models import PurchaseOrder
from shop.payments.models import Refund
from shop.util import now_utc


def test_a_retried_cancellation_refunds_and_mails_once(make_paid_order, api_for, outbox):
    order = make_paid_order()
    po = order.lines[0].purchase_order
    api = api_for(po.supplier)
    body = {"line_ids": [po.lines[0].id], "reason": "Out of stock"}
    url = f"/api/v1/purchase-orders/{po.token}/cancellations"
    first = api.post(url, body, key="cancel-7")
    again = api.post(url, body, key="cancel-7")
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 1 and len(outbox()) == 1


def test_the_same_key_with_another_body_is_refused(make_supplier, make_product, api_for):
    supplier = make_supplier()
    sku = make_product(supplier=supplier).variants[0].sku
    api = api_for(supplier)
    assert api.post("/api/v1/inventory", {"items": [{"sku": sku, "stock": 1}]}, key="k1").status_code == 200
    reused = api.post("/api/v1/inventory", {"items": [{"sku": sku, "stock": 2}]}, key="k1")
    assert reused.status_code == 422 and reused.json["error"]["code"] == "idempotency_key_reused"
    elsewhere = api.post("/api/v1/products", {"items": [{"sku": sku, "stock": 1}]}, key="k1")
    assert elsewhere.status_code == 422 and elsewhere.json["error"]["code"] == "idempotency_key_reused"


def test_keys_belong_to_one_api_key_and_a_failed_request_can_be_retried(make_supplier, make_product, api_for):
    supplier = make_supplier()
    sku = make_product(supplier=supplier).variants[0].sku
    one, two = api_for(supplier), api_for(supplier)
    assert one.post("/api/v1/inventory", {"items": []}, key="same").status_code == 422
    assert one.post("/api/v1/inventory", {"items": [{"sku": sku, "stock": 4}]}, key="same").status_code == 200
    assert two.post("/api/v1/inventory", {"items": [{"sku": sku, "stock": 5}]}, key="same").json["updated"] == 1
    assert db.session.scalar(select(func.count()).select_from(IdempotentRequest)) == 2
    too_long = one.post("/api/v1/inventory", {"items": [{"sku": sku, "stock": 4}]}, key="x" * 256)
    assert too_long.status_code == 400 and too_long.json["error"]["code"] == "invalid_idempotency_key"


@pytest.mark.parametrize("runs", [4])
def test_racing_twins_ship_once(app, make_paid_order, api_for, outbox, runs):
    """Requests with one key at the same moment: one does the work, the others replay its answer."""
    order = make_paid_order()
    po = order.lines[0].purchase_order
    api = api_for(po.supplier)
    url = f"/api/v1/purchase-orders/{po.token}/shipments"
    answers, start = [], threading.Barrier(runs)

    def call():
        with app.app_context():
            client = app.test_client()
            start.wait()
            answers.append(client.post(url, json={"carrier": "DHL", "tracking_number": "T1"},
                                       headers=api.headers({"Idempotency-Key": "ship-once"})))
            db.session.remove()

    threads = [threading.Thread(target=call) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [201] * runs
    assert sum(1 for a in answers if a.headers.get("Idempotent-Replayed")) == runs - 1
    assert len(outbox()) == 1
    db.session.expire_all()
    assert db.session.get(PurchaseOrder, po.id).tracking_number == "T1"


def test_stored_answers_are_forgotten_after_a_week(make_supplier, make_product, api_for):
    supplier = make_supplier()
    sku = make_product(supplier=supplier).variants[0].sku
    api = api_for(supplier)
    api.post("/api/v1/inventory", {"items": [{"sku": sku, "stock": 1}]}, key="old")
    api.post("/api/v1/inventory", {"items": [{"sku": sku, "stock": 1}]}, key="new")
    db.session.execute(update(IdempotentRequest).where(IdempotentRequest.key == "old")
                       .values(created_at=now_utc() - timedelta(days=8)))
    assert prune_idempotent_requests() == 1
    db.session.commit()
    assert db.session.scalars(select(IdempotentRequest.key)).all() == ["new"]
