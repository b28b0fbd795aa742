"""Two customers pay at the same moment for the last unit: one order is paid, the other refunded."""
import threading

from sqlalchemy import select

from shop.catalog.models import Variant
from shop.earnings.services import unbalanced_transactions
from shop.extensions import db
from shop.orders.models import Order, OrderStatus
from shop.payments import services
from shop.payments.models import Refund


def _pay_in_thread(app, order_id, barrier, results):
    with app.app_context():
        try:
            order = db.session.get(Order, order_id)
            barrier.wait(timeout=30)
            status = services.confirm_payment("demo", f"pay-{order.token}", "demo.pay", order)
            db.session.commit()
            services.after_payment(order)
            results[order_id] = status
        except Exception as exc:  # reported to the main thread, which fails the test
            db.session.rollback()
            results[order_id] = exc
        finally:
            db.session.remove()


def test_two_payments_race_for_the_last_unit(app, shop_with, add, address, outbox):
    store, (mug,) = shop_with((1000, 1))
    tokens = []
    for _ in range(2):
        customer = app.test_client()
        add(store, mug.variants[0], the_client=customer)
        response = customer.post(f"/s/{store.slug}/checkout", data=address)
        tokens.append(response.headers["Location"].rsplit("/", 1)[1])
    order_ids = [db.session.scalar(select(Order.id).where(Order.token == t)) for t in tokens]
    db.session.commit()

    barrier = threading.Barrier(2)
    results: dict = {}
    threads = [threading.Thread(target=_pay_in_thread, args=(app, oid, barrier, results)) for oid in order_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert not any(isinstance(r, Exception) for r in results.values()), results
    assert sorted(r.value for r in results.values()) == ["failed", "paid"]
    db.session.expire_all()
    orders = {o.status: o for o in db.session.scalars(select(Order))}
    assert set(orders) == {OrderStatus.paid, OrderStatus.failed}
    assert db.session.get(Variant, mug.variants[0].id).stock == 0

    failed = orders[OrderStatus.failed]
    [refund] = db.session.scalars(select(Refund)).all()
    assert refund.order_id == failed.id and refund.amount_minor == failed.total_minor
    assert refund.provider_ref.startswith("demo_refund_") and refund.reason == "out_of_stock"
    assert failed.refunded_minor == failed.total_minor
    assert unbalanced_transactions() == []

    page = app.test_client().get(f"/o/{failed.token}").text
    assert "sold out just before your payment went through" in page and "refunded in full" in page
    subjects = sorted(m["Subject"] for m in outbox() if m["To"] == address["email"])
    assert len(subjects) == 2 and any("sold out" in s for s in subjects) and any("confirmed" in s for s in subjects)
