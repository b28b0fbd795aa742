"""Home page, opening a store in one step, and store slugs."""
from sqlalchemy import select

from shop.accounts.models import Role, User
from shop.extensions import db
from shop.stores import services
from shop.stores.models import Store


def _open(client, name="Lily's Corner", email="lily@example.com", password="long enough"):
    return client.post("/open", data={"name": name, "email": email, "password": password})


def test_home_speaks_to_each_kind_of_user_and_offers_the_one_step_form(client):
    page = client.get("/").text
    assert "Resellers" in page and "Suppliers" in page and "Customers" in page
    assert 'action="/open"' in page and 'name="password"' in page
    assert 'href="/suppliers/join"' in page


def test_home_shows_featured_stores_first_then_newest_with_products(
    client, make_store, make_product, make_pick, count_queries
):
    empty = make_store(name="Empty Shelf")
    for i in range(4):
        make_pick(make_store(name=f"Seller {i}"), make_product())
    star = make_store(name="Star Shop")
    star.featured = True
    make_pick(star, make_product())
    page = client.get("/").text
    assert empty.name not in page
    assert page.index("Star Shop") < page.index("Seller 3") < page.index("Seller 0")
    with count_queries() as n:
        client.get("/")
    assert n() <= 2


def test_opening_a_store_creates_reseller_and_store_and_lands_in_the_catalog(client):
    response = _open(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/catalog")
    user = db.session.scalar(select(User).where(User.email == "lily@example.com"))
    assert user.role is Role.reseller
    store = db.session.scalar(select(Store).where(Store.user_id == user.id))
    assert store.slug == "lily-s-corner" and store.name == "Lily's Corner"
    catalog = client.get("/catalog")
    assert catalog.status_code == 200 and "Welcome" in catalog.text
    assert client.get(f"/s/{store.slug}").status_code == 200


def test_open_store_page_renders(client):
    page = client.get("/open")
    assert page.status_code == 200 and "Store name" in page.text


def test_bad_input_keeps_what_was_typed_but_not_the_password(client):
    response = _open(client, name="My Shop", email="not-an-email", password="short")
    assert response.status_code == 200
    assert 'value="My Shop"' in response.text and 'value="not-an-email"' in response.text
    assert "short" not in response.text.replace("shortly", "")
    assert 'id="email-error"' in response.text and 'id="password-error"' in response.text
    assert db.session.scalar(select(Store)) is None


def test_an_existing_email_says_log_in_instead(client, make_user):
    make_user(email="taken@example.com")
    response = _open(client, email="Taken@Example.com")
    assert "Log in instead" in response.text and 'href="/login"' in response.text
    assert 'value="Lily&#39;s Corner"' in response.text
    assert db.session.scalar(select(Store)) is None


def test_a_signed_in_reseller_going_to_open_lands_in_the_catalog(shop_owner):
    _store, client = shop_owner()
    assert client.get("/open").headers["Location"].endswith("/catalog")


def test_slugs_fold_to_ascii():
    assert services.slugify("Café Crème  Déjà-Vu!") == "cafe-creme-deja-vu"
    assert services.slugify("   ") == ""
    assert services.slugify("小店") == ""
    assert len(services.slugify("a" * 200)) <= services.SLUG_MAX


def test_chinese_or_empty_names_get_a_short_random_slug(client):
    _open(client, name="莉莉的小店", email="li@example.com")
    store = db.session.scalar(select(Store))
    assert store.slug.startswith("s-") and len(store.slug) == 8
    assert client.get(f"/s/{store.slug}").status_code == 200
    assert "莉莉的小店" in client.get(f"/s/{store.slug}").text


def test_colliding_slugs_get_a_suffix(app, make_store):
    make_store(slug="corner")
    make_store(slug="corner-2")
    make_store(slug="cornerstone")
    assert services.unique_slug("Corner") == "corner-3"
    assert services.unique_slug("Nook") == "nook"


def test_two_stores_with_one_name_both_open(client):
    _open(client, name="Twin", email="a@example.com")
    services.open_store("Twin", "b@example.com", "long enough")
    assert sorted(db.session.scalars(select(Store.slug))) == ["twin", "twin-2"]


def test_forms_carry_a_working_csrf_token(make_app, app, make_product):
    """With CSRF on, as in production: the pages' tokens are accepted and a POST without one is refused."""
    import re

    product = make_product()
    secure = make_app(WTF_CSRF_ENABLED=True)
    with secure.app_context():
        client = secure.test_client()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/").text).group(1)
        response = client.post("/open", data={"name": "Safe", "email": "safe@example.com",
                                              "password": "long enough", "csrf_token": token})
        assert response.status_code == 302
        catalog = client.get("/catalog").text
        button_token = re.search(r'name="csrf_token" value="([^"]+)"', catalog).group(1)
        assert client.post(f"/catalog/{product.id}/add").status_code == 400
        added = client.post(f"/catalog/{product.id}/add", data={"csrf_token": button_token})
        assert added.status_code == 302
