"""The storefront's rendered page, shared by first visits and rebuilt as soon as what it shows changes."""
from flask_babel import refresh
from sqlalchemy import update

from shop.catalog.models import Supplier, SupplierStatus, Variant
from shop.extensions import db
from shop.pagecache import PageCache

BROWSER = {"User-Agent": "Mozilla/5.0 (Linux; Android 14) Mobile Safari"}


def _first_visit(app, path="/s/lily"):
    """A new browser each time: no cookies at all."""
    return app.test_client().get(path, headers=BROWSER)


def test_a_first_visit_gets_no_session_and_no_form_token(app, make_store, make_product, make_pick):
    make_pick(make_store(slug="lily"), make_product(title="Mug"))
    response = _first_visit(app)
    assert response.status_code == 200 and "Mug" in response.text
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("visitor=") for c in cookies)
    assert not any(c.startswith(app.config["SESSION_COOKIE_NAME"] + "=") for c in cookies)
    assert "X-CSRFToken" not in response.text


def test_a_visitor_with_a_session_still_gets_the_token(app, client, make_store, make_product, make_pick):
    store = make_store(slug="lily")
    product = make_product(title="Mug")
    make_pick(store, product)
    client.get(f"/s/lily/p/{product.slug}", headers=BROWSER)  # the add-to-cart form starts a session
    assert "X-CSRFToken" in client.get("/s/lily", headers=BROWSER).text


def test_first_visits_share_one_rendering(app, make_store, make_product, make_pick, monkeypatch):
    make_pick(make_store(slug="lily"), make_product(title="Mug"))
    renders = []
    original = PageCache.get_or_render
    monkeypatch.setattr(PageCache, "get_or_render",
                        lambda self, key, render: original(self, key, lambda: renders.append(1) or render()))
    pages = [_first_visit(app).text for _ in range(3)]
    assert len(renders) == 1 and pages[0] == pages[1] == pages[2]


def test_the_page_changes_at_once_when_what_it_shows_changes(app, make_store, make_product, make_pick):
    store = make_store(slug="lily", name="Lily's")
    mug = make_product(title="Mug", variants=((1000, 1),))
    pick = make_pick(store, mug, price=2500)
    bowl = make_product(title="Bowl")
    assert "$25.00" in _first_visit(app).text

    pick.price_minor = 2700
    db.session.commit()
    assert "$27.00" in _first_visit(app).text and "$25.00" not in _first_visit(app).text

    db.session.execute(update(Variant).where(Variant.product_id == mug.id).values(stock=0))
    db.session.commit()
    assert "Sold out" in _first_visit(app).text

    mug.title = "Big mug"
    make_pick(store, bowl)
    db.session.commit()
    page = _first_visit(app).text
    assert "Big mug" in page and "Bowl" in page

    store.name, store.tagline = "Lily's Corner", "Small joys"
    db.session.commit()
    page = _first_visit(app).text
    assert "Lily&#39;s Corner" in page and "Small joys" in page

    db.session.execute(update(Supplier).where(Supplier.id == bowl.supplier_id).values(status=SupplierStatus.suspended))
    db.session.commit()
    assert "Bowl" not in _first_visit(app).text


def test_the_page_follows_the_language_and_the_share_link(app, make_store, make_product, make_pick):
    make_pick(make_store(slug="lily"), make_product(title="Mug"))
    english = _first_visit(app).text
    refresh()  # the tests' app context outlives a request, and Flask-Babel keeps the locale in it
    chinese = _first_visit(app, "/s/lily?lang=zh").text
    refresh()
    assert english != chinese and 'lang="zh-Hans"' in chinese
    assert "via=abc" in _first_visit(app, "/s/lily?via=abc").text and "via=" not in english


def test_a_first_visit_runs_three_statements(app, make_store, make_product, make_pick, count_queries):
    store = make_store(slug="lily")
    for _ in range(3):
        make_pick(store, make_product())
    _first_visit(app)
    with count_queries() as n:
        assert _first_visit(app).status_code == 200
    assert n() == 3  # the store, its tiles, the click


def test_the_cache_keeps_only_the_newest_pages():
    cache = PageCache(size=2)
    for key in "abc":
        cache.get_or_render(key, lambda key=key: key.upper())
    assert cache.get_or_render("a", lambda: "again") == "again"
    assert cache.get_or_render("c", lambda: "not rendered") == "C"
