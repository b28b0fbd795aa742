"""Account settings: the password again before sensitive changes, then change email or password."""
import pytest
from flask import Blueprint

from shop.accounts.access import recent_login_required
from shop.accounts.models import Role
from shop.extensions import db

from .conftest import PASSWORD, password_step

SENSITIVE = ["/account/email", "/account/password", "/account/two-factor"]


@pytest.mark.parametrize("url", SENSITIVE)
def test_sensitive_pages_ask_for_the_password_again_after_ten_minutes(clock, make_store, login, url):
    client = login(make_store().user)
    assert client.get(url).status_code == 200  # the fixture's sign-in is recent
    clock.advance(11 * 60)
    response = client.get(url)
    assert response.status_code == 302 and "/account/confirm?next=" in response.headers["Location"]
    wrong = client.post(f"/account/confirm?next={url}", data={"password": "not it at all"})
    assert wrong.status_code == 200 and "That password is wrong." in wrong.text
    right = client.post(f"/account/confirm?next={url}", data={"password": PASSWORD})
    assert right.status_code == 302 and right.headers["Location"].endswith(url)
    assert client.get(url).status_code == 200


def test_a_stale_post_returns_to_the_form_after_confirming(clock, make_store, login):
    client = login(make_store().user)
    clock.advance(11 * 60)
    response = client.post("/account/password", data={"password": "a brand new secret 7", "confirm": "a brand new secret 7"},
                           headers={"Referer": "http://localhost/account/password"})
    assert response.headers["Location"].endswith("/account/confirm?next=/account/password")


def test_recent_login_required_guards_any_view(app, clock, make_user, login):
    """The decorator other packages use (payout details): signed out → login, stale → confirm, fresh → view."""
    bp = Blueprint("probe", __name__)
    bp.add_url_rule("/probe", "probe", recent_login_required(lambda: "secret page"))
    app.register_blueprint(bp)
    assert app.test_client().get("/probe").headers["Location"].startswith("/login")
    client = login(make_user(Role.reseller))
    assert client.get("/probe").text == "secret page"
    clock.advance(11 * 60)
    assert "/account/confirm" in client.get("/probe").headers["Location"]


def test_change_email(make_supplier, make_user, login):
    taken = make_user(Role.reseller, email="taken@example.com")
    supplier = make_supplier(email="old@example.com")
    client = login(supplier.user)
    refused = client.post("/account/email", data={"email": "TAKEN@example.com"})
    assert refused.status_code == 200 and "already exists" in refused.text and taken.email == "taken@example.com"
    assert client.post("/account/email", data={"email": "New@Example.com"}).status_code == 302
    db.session.expire_all()
    assert supplier.user.email == "new@example.com" and supplier.email == "new@example.com"


def test_change_password_signs_out_other_browsers(app, make_store, login):
    user = make_store().user
    here, elsewhere = login(user), login(user)
    mismatch = here.post("/account/password", data={"password": "a brand new secret 7", "confirm": "another one 7"})
    assert "The two passwords differ." in mismatch.text
    response = here.post("/account/password", data={"password": "a brand new secret 7", "confirm": "a brand new secret 7"})
    assert response.status_code == 302
    assert here.get("/account").status_code == 200 and elsewhere.get("/account").status_code == 302
    fresh = app.test_client()
    assert password_step(fresh, user, password="a brand new secret 7").status_code == 302
    assert password_step(app.test_client(), user).status_code == 200  # the old one no longer works


def test_the_security_page_shows_the_state_and_the_way_in(make_store, with_app, login):
    reseller = login(make_store().user).get("/account").text
    assert "Turn on two-factor sign-in" in reseller and "Sign out everywhere" in reseller
    staff, _totp = with_app(Role.supplier)
    page = login(staff).get("/account").text
    assert "Move to a new phone" in page and "Turn off" not in page
