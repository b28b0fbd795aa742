"""Fixtures for share-to-earn: customers' carts, paid orders, and chains of invited stores."""
import pytest
from sqlalchemy import select

from shop.earnings.models import Account, LedgerEntry
from shop.extensions import db
from tests.fulfillment.conftest import make_paid_order  # noqa: F401
from tests.orders.conftest import add, address, shop_with  # noqa: F401

BROWSER = {"User-Agent": "Mozilla/5.0 (Linux; Android 14) Mobile Safari"}


@pytest.fixture
def chain(make_store):
    """n stores, each invited by the one before: chain(4) -> [a, b, c, d], d invited by c, c by b, b by a."""

    def build(n):
        stores = []
        for _ in range(n):
            store = make_store()
            if stores:
                store.invited_by_id = stores[-1].id
            stores.append(store)
        db.session.commit()
        return stores

    return build


@pytest.fixture
def overrides():
    """The override entries: {store_id: total earned}, optionally for one order line."""

    def read(line_id=None):
        query = select(LedgerEntry).where(LedgerEntry.account == Account.referral_overrides)
        if line_id is not None:
            query = query.where(LedgerEntry.order_line_id == line_id)
        totals = {}
        for entry in db.session.scalars(query):
            totals[entry.store_id] = totals.get(entry.store_id, 0) - entry.amount_minor
        return totals

    return read
