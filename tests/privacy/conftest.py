"""Fixtures for data rights: paid orders (from tests/fulfillment) and a way to read the link out of a mail."""
import re

import pytest

from shop.extensions import db
from shop.fulfillment.services import ship_purchase_order
from tests.fulfillment.conftest import make_paid_order  # noqa: F401


@pytest.fixture
def link_from():
    """The path and query of the data link in a mail."""

    def find(mail) -> str:
        match = re.search(r"http://localhost(/privacy/data\?key=\S+)", mail.get_content())
        assert match, mail.get_content()
        return match.group(1)

    return find


@pytest.fixture
def ship():
    """Ship every purchase order of an order, so nothing still needs the customer's address."""

    def run(order):
        for po in {line.purchase_order for line in order.lines}:
            ship_purchase_order(po, "DHL", "TRACK1")
        db.session.commit()
        return order

    return run


@pytest.fixture
def webhook_order(make_supplier, make_product, make_paid_order):  # noqa: F811
    """A paid order from a supplier who takes orders by webhook: paying records the event (nothing is sent)."""
    from shop.fulfillment.channels import save_channel

    def build(**customer):
        supplier = make_supplier()
        save_channel(supplier.id, "webhook", "https://hooks.example.com/sharestall", "")
        db.session.commit()
        return make_paid_order(items=[(make_product(supplier=supplier).variants[0], 1)], **customer)

    return build
