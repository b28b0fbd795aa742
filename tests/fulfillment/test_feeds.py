"""Catalog feeds: a supplier's CSV address, polled; prices and stock flow to stores, missing products stop selling."""
import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select

from shop.catalog.models import Product, Variant
from shop.extensions import db
from shop.fulfillment.channels import save_channel
from shop.fulfillment.models import SupplierChannel
from shop.fulfillment.tasks import poll_feed, poll_feeds

HEADER = "Handle,Title,Variant SKU,Variant Price,Variant Inventory Qty\r\n"


@pytest.fixture
def feed_server(app):
    app.config["PIPELINE_ALLOW_PRIVATE_URLS"] = True
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def fed(make_supplier, make_product, make_store, make_pick, feed_server):
    """A supplier with a kettle and a mug that a store sells at $12.00 and $9.00, and a feed address."""
    supplier = make_supplier()
    kettle = make_product(supplier, title="Kettle", variants=((1000, 5),))
    mug = make_product(supplier, title="Mug", variants=((500, 5),))
    store = make_store()
    kettle_pick, mug_pick = make_pick(store, kettle, price=1200), make_pick(store, mug, price=900)
    save_channel(supplier.id, "email", "", feed_server.url_for("/catalog.csv"))
    db.session.commit()

    def serve(body: bytes | str, **kwargs):
        feed_server.clear()
        feed_server.expect_request("/catalog.csv").respond_with_data(body, **kwargs)

    return {"supplier": supplier, "kettle": kettle, "mug": mug, "store": store, "serve": serve,
            "kettle_pick": kettle_pick, "mug_pick": mug_pick}


def _channel(supplier) -> SupplierChannel:
    return db.session.scalar(select(SupplierChannel).where(SupplierChannel.supplier_id == supplier.id))


def test_price_and_stock_flow_in_and_a_missing_product_stops_selling(fed, client, outbox):
    kettle, mug = fed["kettle"], fed["mug"]
    fed["serve"](HEADER + f"{kettle.handle},Kettle,{kettle.variants[0].sku},11.50,0\r\n")
    poll_feeds()
    variant = db.session.get(Variant, kettle.variants[0].id)
    assert (variant.wholesale_minor, variant.stock) == (1150, 0)
    assert db.session.get(Product, mug.id).published is False  # gone from the feed
    assert db.session.get(Product, kettle.id).published is True
    channel = _channel(fed["supplier"])
    assert channel.feed_checked_at is not None and channel.feed_error == ""

    store = fed["store"]
    page = client.get(f"/s/{store.slug}")
    assert "Mug" not in page.text
    added = client.post(f"/s/{store.slug}/cart/add", data={"variant_id": mug.variants[0].id, "quantity": 1})
    assert added.status_code in (400, 404)

    # $12.00 no longer covers $11.50 wholesale plus the 10 % fee: the reseller is told once.
    [mail] = outbox()
    assert mail["To"] == store.user.email and "Kettle" in mail["Subject"]
    assert "$12.78" in mail.get_content()
    poll_feed.call_local(fed["supplier"].id)
    assert len(outbox()) == 1


def test_the_reseller_sees_the_price_below_the_floor_on_their_store_page(fed, login):
    kettle = fed["kettle"]
    fed["serve"](HEADER + f"{kettle.handle},Kettle,{kettle.variants[0].sku},11.50,3\r\n"
                 f"{fed['mug'].handle},Mug,{fed['mug'].variants[0].sku},5.00,3\r\n")
    poll_feeds()
    page = login(fed["store"].user).get("/my/store")
    assert "your price is below the lowest price" in page.text


@pytest.mark.parametrize("body, error", [
    (b"\x00\x01garbage\xff" * 100, "not a CSV file"),
    (b"this,is,not\r\na,catalog,at all\r\n", "no Handle column"),
    (HEADER.encode(), "lists no products"),
])
def test_a_garbage_feed_changes_nothing_and_says_why(fed, body, error):
    fed["serve"](body, content_type="text/csv")
    poll_feeds()
    assert error in _channel(fed["supplier"]).feed_error
    assert db.session.get(Product, fed["mug"].id).published is True
    assert db.session.get(Variant, fed["kettle"].variants[0].id).wholesale_minor == 1000


def test_a_ten_megabyte_feed_is_refused_unread(app, fed):
    app.config["FEED_MAX_BYTES"] = 8 * 1024 * 1024
    fed["serve"](HEADER + "x,y,z,1.00,1\r\n" * (10 * 1024 * 1024 // 14))
    poll_feeds()
    assert "larger than 8192 KB" in _channel(fed["supplier"]).feed_error
    assert db.session.get(Product, fed["mug"].id).published is True


def test_the_supplier_can_check_the_feed_now(fed, login):
    kettle = fed["kettle"]
    fed["serve"](HEADER + f"{kettle.handle},Kettle,{kettle.variants[0].sku},9.00,7\r\n")
    client = login(fed["supplier"].user)
    assert client.post("/supplier/channel/feed").status_code == 302
    assert db.session.get(Variant, kettle.variants[0].id).stock == 7
    assert "Last checked" in client.get("/supplier/channel").text
