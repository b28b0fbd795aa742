"""Catalog tiles come from one narrow query and are rendered once per process, yet always show the current data."""
import re

from flask import g
from sqlalchemy import update

from shop.accounts.models import Role
from shop.catalog.models import ProductImage, Supplier, Variant
from shop.extensions import db
from shop.stores import fragments, services, views

HX = {"HX-Request": "true"}


def _tile(page: str, product_id: int) -> str:
    """The HTML of one product's tile on a catalog page."""
    start = page.index(f'id="add-{product_id}"')
    return page[page.rindex('<li class="tile">', 0, start):page.index("</li>", start)]


def _token(page: str) -> str:
    return re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)


def test_tiles_show_each_product_and_whether_it_is_in_the_store(shop_owner, make_supplier, make_product, make_pick):
    store, client = shop_owner()
    kiln = make_supplier(name="Kiln & Co")
    mug = make_product(title="Mug", supplier=kiln, variants=((1500, 2), (900, 5)), retail=2400)
    bowl = make_product(title="Bowl", variants=((700, 0),), image=False)
    make_pick(store, mug)
    page = client.get("/catalog?q=").text
    mine, other = _tile(page, mug.id), _tile(page, bowl.id)
    assert "Mug" in mine and "Kiln &amp; Co" in mine and "$9.00" in mine and "$24.00" in mine
    assert "7 in stock" in mine and 'src="https://img.example.com/' in mine
    assert "In your store ✓" in mine and "<form" not in mine
    assert "Bowl" in other and "$7.00" in other and "0 in stock" in other and "Suggested" not in other
    assert 'class="ph"' in other and "<img" not in other
    assert f'action="/catalog/{bowl.id}/add"' in other and "Add to my store" in other
    assert f'value="{_token(page)}"' in other and 'name="next" value="/catalog?q="' in other


def test_the_first_row_loads_its_photos_at_once_and_the_rest_lazily(shop_owner, make_product):
    _store, client = shop_owner()
    products = [make_product() for _ in range(3)]
    page = client.get("/catalog").text
    newest_first = [_tile(page, p.id) for p in reversed(products)]
    assert ['loading="lazy"' in tile for tile in newest_first] == [False, False, True]


def test_titles_names_and_the_address_are_escaped(shop_owner, make_supplier, make_product):
    _store, client = shop_owner()
    product = make_product(title="<script>alert('x')</script> \"Big\" & small",
                           supplier=make_supplier(name='Bad "<b>" Co'))
    for _ in range(2):  # rendered, then reused
        # As a client that does not percent-encode would send it.
        page = client.get("/catalog", environ_overrides={"QUERY_STRING": 'q=big&x="><i>x'}).text
        tile = _tile(page, product.id)
        assert "<script>alert" not in page and "<i>" not in page and "<b>" not in page
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &#34;Big&#34; &amp; small" in tile
        assert "Bad &#34;&lt;b&gt;&#34; Co" in tile
        assert 'name="next" value="/catalog?q=big&amp;x=&#34;&gt;&lt;i&gt;x"' in tile


def test_each_reseller_gets_their_own_form_token_in_a_shared_tile(shop_owner, make_product, monkeypatch):
    product = make_product(title="Lamp")
    renders = []
    original = fragments._pieces
    monkeypatch.setattr(fragments, "_pieces", lambda tile, lazy: renders.append(tile) or original(tile, lazy))
    tokens = []
    for _ in range(2):
        _store, client = shop_owner()
        g.pop("csrf_token", None)  # the tests' requests share one app context, where Flask-WTF keeps the token
        page = client.get("/catalog").text
        tokens.append(_token(page))
        assert f'name="csrf_token" value="{tokens[-1]}"' in _tile(page, product.id)
    assert len(renders) == 1 and tokens[0] != tokens[1]


def test_a_changed_product_shows_on_the_next_request(shop_owner, make_supplier, make_product):
    _store, client = shop_owner()
    supplier = make_supplier(name="Acme")
    product = make_product(title="Tea set", supplier=supplier, variants=((1200, 7),), retail=2900)

    def tile():
        return _tile(client.get("/catalog").text, product.id)

    assert "Tea set" in tile() and "$12.00" in tile()
    product.title = "Tea set for two"
    db.session.execute(update(Variant).where(Variant.product_id == product.id)
                       .values(wholesale_minor=1300, retail_minor=3100, stock=4))
    db.session.execute(update(ProductImage).where(ProductImage.product_id == product.id)
                       .values(src="https://img.example.com/new.jpg"))
    db.session.execute(update(Supplier).where(Supplier.id == supplier.id).values(name="Acme Pottery"))
    db.session.commit()
    now = tile()
    assert "Tea set for two" in now and "$13.00" in now and "$31.00" in now and "4 in stock" in now
    assert "new.jpg" in now and "Acme Pottery" in now
    assert "$12.00" not in now and "$29.00" not in now and "7 in stock" not in now


def test_adding_a_product_shows_it_as_picked_on_the_next_request(shop_owner, make_product):
    _store, client = shop_owner()
    product = make_product()
    assert "Add to my store" in _tile(client.get("/catalog", headers=HX).text, product.id)
    client.post(f"/catalog/{product.id}/add", headers=HX)
    assert "In your store ✓" in _tile(client.get("/catalog", headers=HX).text, product.id)


def test_statements_do_not_grow_with_the_results(app, shop_owner, make_supplier, make_product, make_pick,
                                                  count_queries):
    store, client = shop_owner()

    def statements(path):
        with count_queries() as n:
            assert client.get(path).status_code == 200
        return n()

    make_product(title="Mug 0", variants=((1000, 1), (1200, 2)))
    one = statements("/catalog?q=mug")
    for n in range(1, 30):
        product = make_product(title=f"Mug {n}", supplier=make_supplier(), variants=((1000, 1), (1200, 2)))
        if n % 3 == 0:
            make_pick(store, product)
    assert statements("/catalog?q=mug") == one
    assert statements("/catalog?q=mug&page=2") == one
    assert statements("/catalog") == one
    # The filter menus, read once per CATALOG_MENU_SECONDS: two statements fewer for the pages in between.
    app.config["CATALOG_MENU_SECONDS"] = 30
    statements("/catalog?q=mug")
    assert statements("/catalog?q=mug") == one - 2


def test_filter_menus_are_read_again_after_their_time(app, shop_owner, make_supplier, make_product, monkeypatch):
    app.config["CATALOG_MENU_SECONDS"] = 30
    _store, client = shop_owner()
    make_product(category="Kitchen")
    assert "Kitchen" in client.get("/catalog").text
    make_product(title="Garden hose", category="Garden", supplier=make_supplier(name="Hoses"))
    page = client.get("/catalog").text
    assert "Garden hose" in page and '<option value="Garden">' not in page  # listed at once, offered soon
    later = services.time.monotonic() + 31
    monkeypatch.setattr(services.time, "monotonic", lambda: later)
    page = client.get("/catalog").text
    assert '<option value="Garden">Garden</option>' in page and ">Hoses</option>" in page


def test_the_filters_keep_what_was_typed(shop_owner, make_product):
    _store, client = shop_owner()
    make_product(category="Kitchen")
    assert 'value="mug"' in client.get("/catalog?q=mug").text
    page = client.get("/catalog?q=lamp&category=Kitchen&low=cheap").text
    assert 'value="lamp"' in page and 'value="mug"' not in page
    assert '<option selected value="Kitchen">' in page and "Enter an amount" in page
    assert "Enter an amount" not in client.get("/catalog?q=lamp&category=Kitchen").text


def test_pages_past_the_count_cap_are_full(app, shop_owner, make_product, monkeypatch):
    _store, client = shop_owner()
    products = [make_product(title=f"Linen {n}") for n in range(5)]
    monkeypatch.setattr(views, "COUNT_CAP", 2)
    app.config["PER_PAGE"] = 1
    page = client.get("/catalog?q=linen&page=4").text
    assert "More than 2 products" in page and "Page 4</span>" in page
    assert page.count('class="tile"') == 1 and f'id="add-{products[1].id}"' in page


def test_a_page_past_the_end_still_counts_the_matches(app, shop_owner, make_product):
    _store, client = shop_owner()
    for n in range(3):
        make_product(title=f"Oak {n}")
    app.config["PER_PAGE"] = 2
    page = client.get("/catalog?q=oak&page=5").text
    assert "3 products" in page and "Nothing matches" in page and "Previous page" in page


def test_the_add_form_of_a_reused_tile_carries_a_token_that_works(app, make_app, make_user, make_store, make_product):
    shop_app = make_app(WTF_CSRF_ENABLED=True)
    product = make_product(title="Vase")
    resellers = []
    for _ in range(2):
        user = make_user(Role.reseller)
        make_store(user=user)
        resellers.append(shop_app.test_client(user=user))
    tokens = []
    for client in resellers:
        tile = _tile(client.get("/catalog?q=vase").text, product.id)
        tokens.append(re.search(r'name="csrf_token" value="([^"]+)"', tile).group(1))
    assert tokens[0] != tokens[1]
    # Another reseller's token is refused; one's own is accepted, and the form leads back to the search.
    assert resellers[1].post(f"/catalog/{product.id}/add", data={"csrf_token": tokens[0]}).status_code == 400
    done = resellers[1].post(f"/catalog/{product.id}/add", data={"csrf_token": tokens[1], "next": "/catalog?q=vase"})
    assert done.status_code == 302 and done.headers["Location"] == "/catalog?q=vase"
    assert "In your store ✓" in _tile(resellers[1].get("/catalog?q=vase").text, product.id)
    assert "Add to my store" in _tile(resellers[0].get("/catalog?q=vase").text, product.id)


def test_a_title_carrying_a_marker_is_shown_as_it_is(shop_owner, make_product):
    _store, client = shop_owner()
    product = make_product(title=f"Odd {fragments.CSRF_MARK} {fragments.NEXT_MARK}")
    for _ in range(2):
        page = client.get("/catalog").text
        tile = _tile(page, product.id)
        assert f"Odd {fragments.CSRF_MARK} {fragments.NEXT_MARK}" in tile
        assert f'name="csrf_token" value="{_token(page)}"' in tile and 'name="next" value="/catalog?"' in tile
