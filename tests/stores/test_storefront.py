"""The public storefront and product pages, and counting visits."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from shop.catalog.models import SupplierStatus
from shop.extensions import db
from shop.stores.models import Click
from shop.util import now_utc

BROWSER = {"User-Agent": "Mozilla/5.0 (Linux; Android 14) Mobile Safari"}


def _clicks() -> int:
    return db.session.scalar(select(func.count(Click.id)))


def test_storefront_shows_branding_and_picks_at_the_resellers_price(
    client, make_store, make_supplier, make_product, make_pick
):
    store = make_store(name="Lily's", slug="lily")
    store.tagline, store.colour = "Small joys", "#aa3300"
    supplier = make_supplier(name="Secret Wholesale Ltd")
    make_pick(store, make_product(supplier=supplier, title="Mug", variants=((1000, 5),)), price=2500)
    make_pick(store, make_product(supplier=supplier, title="Bowl", variants=((1300, 0),)), price=3000)
    page = client.get("/s/lily", headers=BROWSER).text
    assert "Lily&#39;s" in page and "Small joys" in page and "store-colour c0-a c1-a c2-3 c3-3 c4-0 c5-0" in page
    assert "Mug" in page and "$25.00" in page and "Bowl" in page and "Sold out" in page
    assert "$10.00" not in page and "$13.00" not in page and "Secret Wholesale" not in page
    # The first row loads at once (see tests/test_pages_small.py); the tiles are sized for phones.
    assert 'width="320" height="320"' in page and 'href="/s/lily/cart"' in page


def test_storefront_hides_products_of_unapproved_suppliers_and_unpublished_ones(
    client, make_store, make_supplier, make_product, make_pick
):
    store = make_store(slug="lily")
    make_pick(store, make_product(title="Visible"))
    make_pick(store, make_product(title="Pending", supplier=make_supplier(status=SupplierStatus.pending)))
    draft = make_product(title="Draft")
    draft.published = False
    make_pick(store, draft)
    page = client.get("/s/lily").text
    assert "Visible" in page and "Pending" not in page and "Draft" not in page


def test_unknown_store_is_404(client):
    assert client.get("/s/nobody").status_code == 404


def test_product_page_has_variants_prices_stock_and_add_to_cart(client, make_store, make_product, make_pick):
    store = make_store(slug="lily")
    product = make_product(title="Shirt", variants=((1000, 4), (1500, 0), (1800, 2)))
    product.body_html = "<p>Soft <strong>cotton</strong></p>"
    pick = make_pick(store, product, price=2000)
    page = client.get(f"/s/lily/p/{product.slug}", headers=BROWSER).text
    assert "<strong>cotton</strong>" in page
    small, medium, large = product.variants
    assert "$20.00" in page and "$25.00" in page and "$28.00" in page  # same margin on dearer variants
    assert pick.price_for(large) == 2800
    assert 'action="/s/lily/cart/add"' in page and 'name="quantity"' in page
    assert f'name="variant_id" value="{small.id}" required\n                 checked' in page
    assert f'name="variant_id" value="{medium.id}" required\n                 disabled' in page
    assert "S1" in page and "4 in stock" in page and "Sold out" in page
    assert "$10.00" not in page and "$15.00" not in page and product.supplier.name not in page
    assert 'href="/s/lily/cart"' in page


def test_sold_out_product_cannot_be_added(client, make_store, make_product, make_pick):
    store = make_store(slug="lily")
    product = make_product(variants=((1000, 0),))
    make_pick(store, product)
    page = client.get(f"/s/lily/p/{product.slug}").text
    assert "Sold out" in page and "Add to cart" not in page


@pytest.mark.parametrize("case", ["not picked", "unpublished", "pending supplier", "other store"])
def test_product_page_is_404_unless_picked_published_and_approved(
    client, make_store, make_supplier, make_product, make_pick, case
):
    store, other = make_store(slug="lily"), make_store(slug="other")
    product = make_product(supplier=make_supplier(status=SupplierStatus.pending) if case == "pending supplier" else None)
    if case != "not picked":
        make_pick(other if case == "other store" else store, product)
    if case == "unpublished":
        product.published = False
        db.session.commit()
    assert client.get(f"/s/lily/p/{product.slug}").status_code == 404


def test_a_visit_is_counted_once_per_visitor_within_30_minutes(client, make_store, make_product, make_pick):
    store = make_store(slug="lily")
    product = make_product()
    make_pick(store, product)
    first = client.get("/s/lily", headers=BROWSER)
    assert "visitor=" in first.headers["Set-Cookie"] and "HttpOnly" in first.headers["Set-Cookie"]
    client.get("/s/lily", headers=BROWSER)
    client.get("/s/lily", headers=BROWSER)
    assert _clicks() == 1
    client.get(f"/s/lily/p/{product.slug}", headers=BROWSER)
    client.get(f"/s/lily/p/{product.slug}", headers=BROWSER)
    assert _clicks() == 2
    for click in db.session.scalars(select(Click)):
        click.created_at = now_utc() - timedelta(minutes=31)
    db.session.commit()
    client.get("/s/lily", headers=BROWSER)
    assert _clicks() == 3
    visitors = set(db.session.scalars(select(Click.visitor)))
    assert len(visitors) == 1


def test_another_visitor_is_counted_too(app, make_store):
    make_store(slug="lily")
    app.test_client().get("/s/lily", headers=BROWSER)
    app.test_client().get("/s/lily", headers=BROWSER)
    assert _clicks() == 2


@pytest.mark.parametrize("agent", ["Googlebot/2.1", "facebookexternalhit/1.1", "curl/8.0", ""])
def test_bots_are_not_counted(client, make_store, agent):
    make_store(slug="lily")
    assert client.get("/s/lily", headers={"User-Agent": agent}).status_code == 200
    assert _clicks() == 0


def test_the_owner_is_not_counted(shop_owner):
    store, client = shop_owner(slug="lily")
    client.get("/s/lily", headers=BROWSER)
    assert _clicks() == 0


def test_a_forged_visitor_cookie_is_replaced(client, make_store):
    make_store(slug="lily")
    client.set_cookie("visitor", "<script>")
    response = client.get("/s/lily", headers=BROWSER)
    assert "visitor=" in response.headers["Set-Cookie"]
    assert db.session.scalar(select(Click.visitor)) != "<script>"


@pytest.mark.parametrize("path", ["", "/p/{slug}"])
def test_storefront_queries_do_not_grow_with_picks(
    client, make_store, make_supplier, make_product, make_pick, count_queries, path
):
    def measure(n_picks):
        store = make_store()
        products = [make_product(variants=((1000, 3), (1200, 1))) for _ in range(n_picks)]
        for product in products:
            make_pick(store, product)
        url = f"/s/{store.slug}" + path.format(slug=products[0].slug)
        with count_queries() as n:
            assert client.get(url, headers=BROWSER).status_code == 200
        return n()

    assert measure(5) == measure(25)
