"""A supplier replies with garbage or a 10 MB body: the worker refuses it with a clear error, nothing of it stored."""
from pytest_httpserver import HTTPServer
from sqlalchemy import select

from shop.catalog.models import Product
from shop.extensions import db
from shop.fulfillment import webhooks
from shop.fulfillment.channels import save_channel
from shop.fulfillment.models import DeliveryStatus, SupplierChannel, WebhookDelivery
from shop.fulfillment.tasks import forward_order, poll_feeds
from tests.faults.worker import wait_for


def test_a_ten_megabyte_answer_to_a_webhook_is_refused_and_retried(webhook_supplier, make_product, make_paid_order,
                                                                   fake_supplier, worker):
    fake_supplier.default = "huge"
    forward_order(make_paid_order(items=[(make_product(webhook_supplier()).variants[0], 1)]).id)
    assert wait_for(lambda: fake_supplier.received), worker.log()
    assert worker.drain()
    db.session.rollback()
    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.status is DeliveryStatus.pending and delivery.attempts == 1
    assert delivery.last_error == "The answer was larger than 64 KB and was refused."
    assert "xxxx" not in delivery.payload


def test_an_endless_answer_without_a_length_is_cut_at_64_kb(app, webhook_supplier, make_product, make_paid_order,
                                                            fake_supplier):
    from werkzeug import Response

    def stream(_request):
        return Response((b"x" * 65536 for _ in range(160)), status=200, direct_passthrough=True)

    app.config["PIPELINE_HTTP_TIMEOUT"] = 20  # a loaded CI machine must not turn "too large" into "too slow"
    fake_supplier.server.clear()
    fake_supplier.server.expect_request("/hook", method="POST").respond_with_handler(stream)
    make_paid_order(items=[(make_product(webhook_supplier()).variants[0], 1)])
    [delivery_id] = webhooks.due_deliveries()
    webhooks.attempt_delivery(delivery_id)
    assert "larger than 64 KB" in db.session.get(WebhookDelivery, delivery_id).last_error


def _feed_error(expected: str) -> str:
    db.session.rollback()  # a fresh read: the worker writes it
    error = db.session.scalar(select(SupplierChannel.feed_error))
    return expected in error and error


def test_a_feed_of_garbage_or_ten_megabytes_changes_no_product(app, make_supplier, make_product, worker):
    app.config["PIPELINE_ALLOW_PRIVATE_URLS"] = True
    supplier = make_supplier()
    product_id = make_product(supplier).id
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        save_channel(supplier.id, "email", "", server.url_for("/feed.csv"))
        db.session.commit()
        db.session.remove()
        for body, error in ((b"<html><body>502 Bad Gateway</body></html>", "no Handle column"),
                            (b"Handle,Title\r\n" + b"a" * (10 * 1024 * 1024), "larger than")):
            server.clear()
            server.expect_request("/feed.csv").respond_with_data(body)
            poll_feeds()  # the hourly job, run by the worker
            assert wait_for(lambda: _feed_error(error)), worker.log()
            assert db.session.get(Product, product_id).published is True
            assert db.session.scalar(select(db.func.count(Product.id))) == 1
    finally:
        server.clear()
        server.stop()
