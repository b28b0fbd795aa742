"""The Money pages on a 360 px phone: the reseller's, the supplier's and the operator's fit and can be tapped."""
import pytest

from shop.earnings.lifecycle import release_due
from shop.extensions import db
from shop.util import now_utc

from .test_pages_fit import sweep, world  # noqa: F401

expect = pytest.importorskip("playwright.sync_api").expect


def test_money_pages_fit_360(sweep, world):  # noqa: F811
    world.shipped.lines[0].purchase_order.shipped_at = now_utc().replace(year=2000)
    db.session.commit()
    release_due(now_utc())
    db.session.commit()
    reseller = sweep("reseller", world.reseller.email)
    reseller.visit("/my/money", "money")
    expect(reseller.tab.locator("#statement-h")).to_be_visible()
    reseller.tab.get_by_role("link", name="Add a bank account for payouts").click()
    expect(reseller.tab.get_by_role("heading", name="Bank account for payouts")).to_be_visible()
    reseller.check("money-bank")
    reseller.assert_all_fit()

    supplier = sweep("supplier", world.supplier.email)
    supplier.visit("/supplier/money", "money")
    supplier.assert_all_fit()

    admin = sweep("admin", world.admin.email)
    admin.visit("/admin/money", "money")
    expect(admin.tab.locator("#ledger-ok")).to_be_visible()
    admin.assert_all_fit()
