"""A reseller or supplier downloads everything of theirs as a zip of JSON and CSV files."""
import io
import json
import zipfile

from shop.accounts.models import Role
from shop.extensions import db
from shop.stores.models import Channel, ShareLink

from .conftest import make_paid_order  # noqa: F401


def _unzip(response) -> dict[str, bytes]:
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "no-store" in response.headers["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    return {name: archive.read(name) for name in archive.namelist()}


def test_reseller_export_has_store_picks_links_visits_orders_and_earnings(app, login, make_user, make_store,
                                                                         make_paid_order):  # noqa: F811
    user = make_user(Role.reseller, email="mei@example.com", name="Mei Chen")
    store = make_store(user=user, name="Mei's Picks")
    order = make_paid_order(store, customer_name="Ada Lovelace", email="ada@example.com")
    db.session.add(ShareLink(store_id=store.id, channel=Channel.whatsapp.value))
    db.session.commit()
    app.test_client().get(f"/s/{store.slug}")  # one visit
    files = _unzip(login(user).get("/my/data/export.zip"))
    data = json.loads(files["export.json"])
    assert data["account"][0]["email"] == "mei@example.com"
    assert data["stores"][0]["name"] == "Mei's Picks"
    assert data["picks"][0]["price_minor"] > 0 and data["share_links"][0]["channel"] == "whatsapp"
    assert sum(row["visits"] for row in data["visits_by_day"]) == 1
    assert [row["Order"] for row in data["orders"]] == [f"#{order.id}"]
    assert data["earnings"]
    # The reseller's side of an order: a first name, never the customer's email or full address.
    text = files["export.json"].decode()
    assert "Ada" in text and "ada@example.com" not in text and "Analytical Row" not in text
    assert {"account.csv", "stores.csv", "picks.csv", "orders.csv", "earnings.csv"} <= files.keys()
    assert "Mei's Picks" in files["stores.csv"].decode("utf-8-sig")


def test_supplier_export_has_catalog_purchase_orders_and_ledger(login, make_paid_order):  # noqa: F811
    order = make_paid_order(customer_name="Ada Lovelace", email="ada@example.com")
    supplier = order.lines[0].purchase_order.supplier
    files = _unzip(login(supplier.user).get("/supplier/data/export.zip"))
    data = json.loads(files["export.json"])
    assert data["supplier"][0]["email"] == supplier.email
    assert data["catalog"][0]["sku"] == order.lines[0].sku
    assert data["purchase_orders"][0]["order"] == order.id
    assert sum(row["amount_minor"] for row in data["ledger"]) == -order.lines[0].wholesale_total
    assert "ada@example.com" not in files["export.json"].decode()


def test_each_role_downloads_only_its_own(login, make_user, make_supplier, make_store):
    reseller, supplier = make_user(Role.reseller), make_supplier()
    make_store(user=reseller)
    assert login(reseller).get("/supplier/data/export.zip").status_code == 404
    assert login(supplier.user).get("/my/data/export.zip").status_code == 404
    assert login(supplier.user).get("/supplier/data").status_code == 200


def test_account_settings_link_to_the_data_page(login, make_user, make_supplier):
    assert 'href="/my/data"' in login(make_user(Role.reseller)).get("/account").text
    assert 'href="/supplier/data"' in login(make_supplier().user).get("/account").text
