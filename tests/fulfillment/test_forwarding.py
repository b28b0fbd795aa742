"""Forwarding paid orders to suppliers, and the customer mails about shipping."""
from shop.extensions import db
from shop.fulfillment.models import POStatus, PurchaseOrder
from shop.fulfillment.services import ship_purchase_order
from shop.fulfillment import tasks
from shop.fulfillment.tasks import forward_due, forward_order, send_shipped_email


def test_forwarding_emails_each_supplier_its_own_lines_once(
    make_supplier, make_product, make_store, make_pick, make_paid_order, outbox
):
    north, south = make_supplier(name="North Co"), make_supplier(name="South Co")
    kettle = make_product(supplier=north, title="Kettle", variants=((1234, 5),))
    mug = make_product(supplier=south, title="Mug", variants=((450, 5),))
    store = make_store()
    make_pick(store, kettle, price=3999)
    order = make_paid_order(store, items=[(kettle.variants[0], 2), (mug.variants[0], 1)])

    forward_order.call_local(order.id)
    forward_order.call_local(order.id)

    mails = {m["To"]: m for m in outbox()}
    assert sorted(mails) == sorted([north.email, south.email])
    body = mails[north.email].get_content()
    assert mails[north.email]["Subject"] == f"New order #{order.id} to ship"
    assert kettle.variants[0].sku in body and "Kettle" in body
    assert "Quantity: 2" in body and "$12.34 each, $24.68" in body
    assert mug.variants[0].sku not in body and "Mug" not in body
    assert "12 Analytical Row" in body and "Ada Lovelace" in body and "+44 20 7946 0000" in body
    po = db.session.scalar(db.select(PurchaseOrder).filter_by(order_id=order.id, supplier_id=north.id))
    assert f"http://localhost/supplier/orders/{po.token}" in body
    assert "$39.99" not in body and "$79.98" not in body and store.name not in body
    assert all(p.forwarded_at is not None for p in db.session.scalars(db.select(PurchaseOrder)))


def test_forward_due_enqueues_only_orders_with_unforwarded_purchase_orders(make_paid_order, outbox):
    done, due = make_paid_order(), make_paid_order()
    forward_order.call_local(done.id)
    assert len(outbox()) == 1

    assert forward_due() == [due.id]
    assert len(outbox()) == 2  # immediate mode ran the job
    assert forward_due() == []


def test_a_sweep_queues_a_slice_of_orders_and_leaves_the_rest_to_a_later_job(make_paid_order, monkeypatch):
    # A backlog queued all at once made every order paid meanwhile wait behind it.
    orders = sorted(make_paid_order().id for _ in range(5))
    queued = []
    monkeypatch.setattr(tasks, "FORWARD_SLICE", 2)
    monkeypatch.setattr(tasks, "forward_order", lambda order_id: queued.append(("forward", order_id)))
    monkeypatch.setattr(tasks, "forward_rest", lambda order_ids: queued.append(("rest", order_ids)))

    assert forward_due() == orders
    assert queued == [("forward", orders[0]), ("forward", orders[1]), ("rest", orders[2:])]


def test_every_order_of_a_sweep_is_forwarded_slice_by_slice(make_paid_order, outbox, monkeypatch):
    monkeypatch.setattr(tasks, "FORWARD_SLICE", 2)
    orders = sorted(make_paid_order().id for _ in range(5))

    assert forward_due() == orders
    subjects = sorted(m["Subject"] for m in outbox())  # immediate mode ran every job
    assert subjects == sorted(f"New order #{order_id} to ship" for order_id in orders)
    assert forward_due() == []


def test_a_purchase_order_shipped_or_cancelled_before_forwarding_is_not_emailed(make_paid_order, outbox):
    order = make_paid_order()
    po = db.session.scalar(db.select(PurchaseOrder).filter_by(order_id=order.id))
    po.status = POStatus.cancelled
    db.session.commit()
    forward_order.call_local(order.id)
    assert outbox() == []


def test_shipped_email_goes_to_the_customer_once(make_paid_order, outbox):
    order = make_paid_order()
    po = db.session.scalar(db.select(PurchaseOrder).filter_by(order_id=order.id))
    shipment = ship_purchase_order(po, "Royal Mail", "RM123456789GB")
    db.session.commit()

    send_shipped_email.call_local(shipment.id)
    send_shipped_email.call_local(shipment.id)

    [mail] = outbox()
    assert mail["To"] == "ada@example.com"
    body = mail.get_content()
    assert "Royal Mail" in body and "RM123456789GB" in body
    assert f"http://localhost/o/{order.token}" in body


def test_shipped_email_needs_a_shipment(make_paid_order, outbox):
    make_paid_order()
    send_shipped_email.call_local(10**6)  # the mail is per shipment: none exists before the supplier ships
    assert outbox() == []
