"""flask demo load: a whole marketplace to click through, loaded once, through the real services."""
from datetime import timedelta

from sqlalchemy import func, select

from shop.accounts.models import Role, User
from shop.catalog.models import Product, Supplier, SupplierStatus, Variant
from shop.demo import PASSWORD
from shop.earnings.services import store_earnings, unbalanced_transactions
from shop.extensions import db
from shop.fulfillment.models import POStatus, PurchaseOrder
from shop.orders.models import Order, OrderStatus
from shop.stores.models import Click, Store
from shop.util import now_utc


def _row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def test_loading_twice_changes_nothing_the_second_time(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    counts = _row_counts()
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert "demo already loaded" in second.output
    assert _row_counts() == counts
    for output in (first.output, second.output):
        assert PASSWORD in output
        for email in ("admin@demo.sharestall", "mei@demo.sharestall", "harbour@demo.sharestall"):
            assert email in output
    assert 28 <= counts["products"] <= 34
    assert counts["clicks"] > 100


def test_the_demo_has_every_party_and_every_kind_of_order(app):
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    db.session.expire_all()

    roles = dict(db.session.execute(select(User.email, User.role).where(User.email.like("%@demo.sharestall"))).all())
    assert roles["admin@demo.sharestall"] is Role.admin
    assert roles["mei@demo.sharestall"] is roles["second@demo.sharestall"] is Role.reseller
    mei = db.session.scalar(select(User).where(User.email == "mei@demo.sharestall"))
    assert mei.check_password(PASSWORD)

    suppliers = {s.name: s for s in db.session.scalars(select(Supplier))}
    assert suppliers["Harbour Home Goods"].status is SupplierStatus.approved
    assert suppliers["杭州优品供应链"].status is SupplierStatus.approved
    assert any(s.status is SupplierStatus.pending for s in suppliers.values())
    chinese = db.session.scalars(select(Product).where(Product.supplier_id == suppliers["杭州优品供应链"].id)).all()
    assert chinese and all(any("\u4e00" <= ch <= "\u9fff" for ch in p.title + p.body_html) for p in chinese)

    products = db.session.scalars(select(Product)).all()
    assert all(p.image_src and p.image_src.startswith("/media/") for p in products)
    assert sum(len(p.variants) > 1 for p in products) > len(products) / 2
    assert any(p.stock == 0 for p in products)
    assert db.session.scalar(select(func.count()).where(Variant.stock.between(1, 3))) >= 2
    image = app.test_client().get(products[0].image_src)
    assert image.status_code == 200 and image.mimetype == "image/jpeg"

    stores = {s.slug: s for s in db.session.scalars(select(Store))}
    assert stores["meis-picks"].name == "Mei's Picks" and stores["meis-picks"].featured
    assert len(stores) == 2 and all(8 <= len(s.picks) <= 12 for s in stores.values())
    assert all(p.margin(app.config["PLATFORM_FEE_BP"]) > 0 for s in stores.values() for p in s.picks)

    statuses = db.session.scalars(select(Order.status)).all()
    for status in (OrderStatus.paid, OrderStatus.shipped, OrderStatus.refunded, OrderStatus.pending_payment):
        assert status in statuses
    hold = timedelta(days=app.config["EARNINGS_HOLD_DAYS"])
    assert db.session.scalar(select(func.count()).where(
        PurchaseOrder.status == POStatus.shipped, PurchaseOrder.shipped_at < now_utc() - hold))
    earnings = store_earnings(stores["meis-picks"].id, now_utc(), app.config["EARNINGS_HOLD_DAYS"])
    assert earnings["available"] > 0 and earnings["pending"] > 0
    assert unbalanced_transactions() == []

    oldest = db.session.scalar(select(func.min(Click.created_at)))
    assert now_utc() - timedelta(days=31) < oldest < now_utc() - timedelta(days=7)
