"""Catalog through the API: products upserted with the CSV importer's rules, stock and prices in bulk."""
import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shop.catalog.models import Product, Variant
from shop.extensions import db
from shop.orders.models import Cart, CartLine
from shop.orders.services import CheckoutError, place_order
from tests.fulfillment.conftest import CUSTOMER

KETTLE = {
    "handle": "steel-kettle", "title": "Steel kettle", "body_html": "<p>Boils <script>x()</script>fast</p>",
    "vendor": "North", "product_type": "Kitchen", "tags": ["tea", "steel"], "options": ["Size"],
    "variants": [{"sku": "KET-1", "price": "12.50", "compare_at_price": "25", "inventory_quantity": 7,
                  "option1": "1 L"},
                 {"sku": "KET-2", "price": 15, "inventory_quantity": 3, "option1": "2 L"}],
    "images": [{"src": "https://img.example.com/kettle.jpg", "alt": "A kettle"}],
}


def _product(supplier, handle):
    return db.session.scalar(select(Product).where(Product.supplier_id == supplier.id, Product.handle == handle)
                             .options(selectinload(Product.variants), selectinload(Product.images)))


def test_products_are_created_then_updated_by_handle_and_sku(make_supplier, api_for):
    supplier = make_supplier()
    api = api_for(supplier)
    made = api.post("/api/v1/products", {"products": [KETTLE]})
    assert made.status_code == 200
    assert made.json == {"products_created": 1, "products_updated": 0, "variants_created": 2,
                         "variants_updated": 0, "errors": []}
    product = _product(supplier, "steel-kettle")
    assert product.title == "Steel kettle" and "<script>" not in product.body_html
    assert [(v.sku, v.wholesale_minor, v.retail_minor, v.stock) for v in product.variants] == [
        ("KET-1", 1250, 2500, 7), ("KET-2", 1500, None, 3)]
    assert product.images[0].src == "https://img.example.com/kettle.jpg" and product.category == "Kitchen"

    changed = {**KETTLE, "title": "Steel kettle II", "variants": [{**KETTLE["variants"][0], "price": "13.00"}]}
    updated = api.post("/api/v1/products", {"products": [changed]})
    assert updated.json["products_updated"] == 1 and updated.json["variants_updated"] == 1
    db.session.expire_all()
    product = _product(supplier, "steel-kettle")
    assert product.title == "Steel kettle II" and product.variants[0].wholesale_minor == 1300
    assert db.session.scalar(select(Product.id).where(Product.handle == "steel-kettle").offset(1)) is None


def test_bad_items_are_refused_whole_and_named_by_index(make_supplier, make_product, api_for):
    supplier = make_supplier()
    other = make_product(supplier=supplier)
    bad_price = {**KETTLE, "handle": "bad", "variants": [{"sku": "B-1", "price": "free"}, {"sku": "B-2",
                                                                                        "price": 1.8e308}]}
    taken_sku = {**KETTLE, "handle": "dup", "variants": [{"sku": other.variants[0].sku, "price": "1"}]}
    odd_shapes = [{**KETTLE, "handle": "odd", "variants": 5}, {**KETTLE, "handle": "odd2", "images": "x.jpg"}]
    answer = api_for(supplier).post("/api/v1/products", {"products": [bad_price, KETTLE, taken_sku, "nope",
                                                                     *odd_shapes]})
    assert answer.status_code == 200
    assert answer.json["products_created"] == 1
    assert [(e["item"], e["code"]) for e in answer.json["errors"]] == [
        (0, "invalid_product"), (0, "invalid_product"), (2, "invalid_product"), (3, "invalid_product"),
        (4, "invalid_product"), (5, "invalid_product")]
    assert "Price must be a positive number" in answer.json["errors"][0]["message"]
    assert _product(supplier, "bad") is None and _product(supplier, "dup") is None


def test_the_body_must_be_a_json_object_with_a_list(make_supplier, api_for):
    api = api_for(make_supplier())
    cases = (({"products": []}, 422, "validation_failed"), ({"products": "x"}, 422, "validation_failed"),
             ({"products": [{}] * 501}, 422, "validation_failed"), ([1, 2], 400, "invalid_json"))
    for body, status, code in cases:
        answer = api.post("/api/v1/products", body)
        assert (answer.status_code, answer.json["error"]["code"]) == (status, code)
    not_json = api.client.post("/api/v1/products", data="products=1", headers=api.headers())
    assert not_json.status_code == 415 and not_json.json["error"]["code"] == "unsupported_media_type"


def test_stock_and_prices_for_many_skus_with_errors_per_item(make_supplier, make_product, api_for):
    supplier = make_supplier()
    product = make_product(supplier=supplier, variants=((1000, 5), (1200, 5)))
    theirs = make_product()
    one, two = product.variants
    items = [{"sku": one.sku, "stock": 0}, {"sku": two.sku, "stock": 40, "price": "11.00"},
             {"sku": theirs.variants[0].sku, "stock": 1}, {"sku": one.sku, "stock": -1},
             {"sku": two.sku, "price": "0"}, {"sku": two.sku}, {"stock": 3}, {"sku": [one.sku], "stock": 1}, 7,
             {"sku": one.sku, "stock": True}]
    answer = api_for(supplier).post("/api/v1/inventory", {"items": items})
    assert answer.status_code == 200
    assert answer.json["updated"] == 2
    assert [(e["item"], e["code"]) for e in answer.json["errors"]] == [
        (2, "unknown_sku"), (3, "invalid_stock"), (4, "invalid_price"), (5, "invalid_item"), (6, "invalid_item"),
        (7, "invalid_item"), (8, "invalid_item"), (9, "invalid_stock")]
    db.session.expire_all()
    assert (one.stock, one.wholesale_minor) == (0, 1000) and (two.stock, two.wholesale_minor) == (40, 1100)
    assert db.session.get(Variant, theirs.variants[0].id).stock == 10


def test_stock_set_to_zero_stops_sales_in_the_store(make_supplier, make_product, make_store, make_pick, api_for):
    supplier = make_supplier()
    product = make_product(supplier=supplier, variants=((1000, 5),))
    store = make_store()
    make_pick(store, product)
    api_for(supplier).post("/api/v1/inventory", {"items": [{"sku": product.variants[0].sku, "stock": 0}]})
    db.session.expire_all()
    cart = Cart(store_id=store.id, lines=[CartLine(variant_id=product.variants[0].id, quantity=1)])
    db.session.add(cart)
    db.session.flush()
    with pytest.raises(CheckoutError, match="Only 0 left"):
        place_order(store, cart, dict(CUSTOMER), "en", "USD")


def test_text_that_no_database_can_keep_is_refused_before_it_is_used(make_supplier, api_for):
    api = api_for(make_supplier())
    for bad in ('{"items": [{"sku": "A\\u0000", "stock": 1}]}', '{"items": [{"sku": "\\ud800", "stock": 1}]}'):
        answer = api.client.post("/api/v1/inventory", data=bad, headers=api.headers(),
                                 content_type="application/json")
        assert answer.status_code == 400 and answer.json["error"]["code"] == "invalid_json"
    assert api.get("/api/v1/purchase-orders/abc%00def").status_code == 404


def test_a_dearer_wholesale_tells_resellers_priced_below_the_new_floor(make_supplier, make_product, make_store,
                                                                        make_pick, api_for, outbox):
    supplier = make_supplier()
    product = make_product(supplier=supplier, variants=((1000, 5),))
    store = make_store()
    make_pick(store, product, price=1500)
    api = api_for(supplier)
    api.post("/api/v1/inventory", {"items": [{"sku": product.variants[0].sku, "stock": 9}]})
    assert outbox() == []
    api.post("/api/v1/inventory", {"items": [{"sku": product.variants[0].sku, "price": "20.00"}]})
    [mail] = outbox()
    assert mail["To"] == store.user.email
    api.post("/api/v1/inventory", {"items": [{"sku": product.variants[0].sku, "price": "20.00"}]})
    assert len(outbox()) == 1
