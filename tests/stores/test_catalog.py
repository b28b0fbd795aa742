"""The shared catalog: what a reseller sees, filters, pages, and adding products to a store."""
import pytest
from sqlalchemy import select

from shop import money
from shop.accounts.models import Role
from shop.catalog.models import SupplierStatus
from shop.extensions import db
from shop.settings import set_platform_fee_bp
from shop.stores.models import Pick

HX = {"HX-Request": "true"}


def test_catalog_needs_a_login(client):
    assert client.get("/catalog").status_code == 302


def test_catalog_is_for_resellers_only(login, make_user):
    assert login(make_user(Role.supplier)).get("/catalog").status_code == 404


def test_catalog_shows_only_published_products_of_approved_suppliers(shop_owner, make_supplier, make_product):
    _store, client = shop_owner()
    make_product(title="Approved Mug", retail=2500)
    make_product(title="Pending Lamp", supplier=make_supplier(status=SupplierStatus.pending))
    make_product(title="Suspended Rug", supplier=make_supplier(status=SupplierStatus.suspended))
    hidden = make_product(title="Draft Vase")
    hidden.published = False
    db.session.commit()
    page = client.get("/catalog").text
    assert "Approved Mug" in page
    assert "Pending Lamp" not in page and "Suspended Rug" not in page and "Draft Vase" not in page


def test_tile_shows_image_supplier_prices_stock_and_the_add_button(shop_owner, make_supplier, make_product):
    _store, client = shop_owner()
    product = make_product(title="Tea Set", supplier=make_supplier(name="Kiln & Co"), variants=((1200, 7),),
                           retail=2900)
    page = client.get("/catalog").text
    assert 'src="https://img.example.com/' in page and 'width="320"' in page
    assert 'loading="lazy"' not in page  # the first row of tiles loads at once (lazy below it)
    assert "Kiln &amp; Co" in page and "$12.00" in page and "$29.00" in page and "7 in stock" in page
    assert f'action="/catalog/{product.id}/add"' in page and "Add to my store" in page


def test_search_and_filters(shop_owner, make_supplier, make_product):
    _store, client = shop_owner()
    acme, zen = make_supplier(name="Acme"), make_supplier(name="Zen")
    make_product(title="Blue Mug", supplier=acme, category="Kitchen", variants=((500, 3),), retail=900)
    make_product(title="Red Mug", supplier=zen, category="Kitchen", variants=((1500, 3),), retail=3000)
    make_product(title="Blue Rug", supplier=zen, category="Home", variants=((4000, 3),), retail=8000)

    def titles(**params):
        text = client.get("/catalog", query_string=params).text
        return {t for t in ("Blue Mug", "Red Mug", "Blue Rug") if t in text}

    assert titles(q="blue") == {"Blue Mug", "Blue Rug"}
    assert titles(q="%") == set()
    assert titles(category="Kitchen") == {"Blue Mug", "Red Mug"}
    assert titles(supplier=str(zen.id)) == {"Red Mug", "Blue Rug"}
    assert titles(low="10", high="$20.00") == {"Red Mug"}
    assert titles(basis="suggested", low="25") == {"Red Mug", "Blue Rug"}
    assert titles(basis="suggested", high="10") == {"Blue Mug"}
    assert titles(q="mug", supplier=str(acme.id)) == {"Blue Mug"}
    bad = client.get("/catalog", query_string={"low": "cheap"})
    assert bad.status_code == 200 and "Enter an amount" in bad.text


def test_catalog_paginates_with_plain_links_and_htmx_fragments(shop_owner, make_supplier, make_product):
    _store, client = shop_owner()
    supplier = make_supplier()
    for i in range(30):
        make_product(supplier=supplier, title=f"Item {i:02d}", category="Toys")
    first = client.get("/catalog?category=Toys").text
    assert first.count('class="tile"') == 24 and "30 products" in first
    assert 'href="/catalog?page=2&amp;category=Toys"' in first
    second = client.get("/catalog?page=2&category=Toys", headers=HX)
    assert "<html" not in second.text and 'id="results"' in second.text
    assert second.text.count('class="tile"') == 6 and "Item 00" in second.text
    assert "HX-Request" in second.headers["Vary"]
    assert "Previous page" in second.text
    assert client.get("/catalog?page=99").status_code == 200


def test_filter_form_is_wired_for_htmx(shop_owner):
    _store, client = shop_owner()
    page = client.get("/catalog").text
    assert 'hx-get="/catalog"' in page and 'hx-target="#results"' in page and 'hx-push-url="true"' in page


def test_catalog_query_count_does_not_grow_with_products(shop_owner, make_supplier, make_product, count_queries):
    store, client = shop_owner()
    supplier = make_supplier()

    def queries():
        with count_queries() as n:
            assert client.get("/catalog").status_code == 200
        return n()

    make_product(supplier=supplier, variants=((1000, 1), (1200, 2)))
    few = queries()
    for _ in range(20):
        make_product(supplier=make_supplier(), variants=((1000, 1), (1200, 2)))
    assert queries() == few


def test_add_to_store_with_htmx_swaps_only_the_button(shop_owner, make_product):
    store, client = shop_owner()
    product = make_product(variants=((1000, 5),), retail=2500)
    response = client.post(f"/catalog/{product.id}/add", headers=HX)
    assert response.status_code == 200 and "<html" not in response.text
    assert "In your store ✓" in response.text and f'id="add-{product.id}"' in response.text
    assert 'class="tile"' not in response.text
    pick = db.session.scalar(select(Pick).where(Pick.store_id == store.id))
    assert pick.product_id == product.id and pick.price_minor == 2500
    assert "In your store ✓" in client.get("/catalog").text


def test_add_to_store_without_js_redirects_back(shop_owner, make_product):
    store, client = shop_owner()
    product = make_product()
    response = client.post(f"/catalog/{product.id}/add", data={"next": "/catalog?page=1&q=x"})
    assert response.status_code == 302 and response.headers["Location"] == "/catalog?page=1&q=x"
    evil = client.post(f"/catalog/{product.id}/add", data={"next": "//evil.example.com"})
    assert evil.headers["Location"] == "/catalog"
    assert len(db.session.scalars(select(Pick).where(Pick.store_id == store.id)).all()) == 1


def test_added_picks_go_last(shop_owner, make_product, make_pick):
    store, client = shop_owner()
    make_pick(store, make_product())
    product = make_product()
    client.post(f"/catalog/{product.id}/add")
    picks = db.session.scalars(select(Pick).where(Pick.store_id == store.id).order_by(Pick.position)).all()
    assert [p.product_id for p in picks][-1] == product.id


@pytest.mark.parametrize(
    ("retail", "fee_bp", "expected"),
    [
        (2500, 1000, 2500),  # the supplier's suggested retail
        (None, 1000, 1500),  # wholesale + 50% default markup
        (1050, 1000, money.price_floor(1000, 1000)),  # suggested retail below the floor: raised to it
        (None, 4000, money.price_floor(1000, 4000)),  # a fee the default markup would not cover
    ],
)
def test_starting_price(shop_owner, make_product, retail, fee_bp, expected):
    store, client = shop_owner()
    set_platform_fee_bp(fee_bp)
    db.session.commit()
    product = make_product(variants=((1000, 5),), retail=retail)
    client.post(f"/catalog/{product.id}/add")
    assert db.session.scalar(select(Pick.price_minor).where(Pick.store_id == store.id)) == expected


def test_hidden_or_unknown_products_cannot_be_added(shop_owner, make_supplier, make_product):
    _store, client = shop_owner()
    pending = make_product(supplier=make_supplier(status=SupplierStatus.pending))
    assert client.post(f"/catalog/{pending.id}/add").status_code == 404
    assert client.post("/catalog/999999/add").status_code == 404
    assert db.session.scalar(select(Pick)) is None
