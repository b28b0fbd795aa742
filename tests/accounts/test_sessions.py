"""Password sign-in, the session it starts, timeouts, logging out on the server."""
import pytest
from sqlalchemy import func, select

from shop.accounts.models import Role, UserSession
from shop.extensions import db

from .conftest import PASSWORD, password_step


def _sessions(user) -> int:
    return db.session.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id))


def test_a_reseller_signs_in_with_the_password_alone(client, make_user):
    user = make_user(Role.reseller)
    response = password_step(client, user)
    assert response.status_code == 302 and response.headers["Location"].endswith("/my/")
    assert client.get("/account").status_code == 200
    assert _sessions(user) == 1


@pytest.mark.parametrize("email, password", [("known", "wrong password"), ("nobody@example.com", PASSWORD)])
def test_a_failed_sign_in_says_the_same_whatever_was_wrong(client, make_user, email, password):
    user = make_user(Role.reseller)
    response = client.post("/login", data={"email": user.email if email == "known" else email, "password": password})
    assert response.status_code == 200 and "Email or password is wrong." in response.text
    assert 'value="' + (user.email if email == "known" else email) + '"' in response.text  # kept what was typed


def test_signing_in_starts_a_new_session(client, make_user):
    """Nothing planted in the cookie before sign-in survives it (session fixation), the cart does."""
    user = make_user(Role.reseller)
    with client.session_transaction() as session:
        session.update(planted="x", carts={"1": "cart-token"}, csrf_token="old")
    password_step(client, user)
    with client.session_transaction() as session:
        assert "planted" not in session and session.get("csrf_token") != "old"
        assert session["carts"] == {"1": "cart-token"} and session["sid"]


def test_logout_ends_the_session_on_the_server_too(client, make_user):
    user = make_user(Role.reseller)
    password_step(client, user)
    with client.session_transaction() as session:
        copied = dict(session)
    client.post("/logout")
    assert _sessions(user) == 0
    with client.session_transaction() as session:
        session.update(copied)  # someone kept a copy of the cookie
    assert client.get("/account").status_code == 302


def test_sign_out_everywhere_ends_every_browser(app, make_user, login):
    user = make_user(Role.reseller)
    phone, laptop = login(user), login(user)
    assert phone.get("/account").status_code == 200
    response = laptop.post("/account/sign-out-everywhere")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert _sessions(user) == 0
    assert phone.get("/account").status_code == 302 and laptop.get("/account").status_code == 302


@pytest.mark.parametrize("role, idle_minutes", [(Role.reseller, 120), (Role.supplier, 30), (Role.admin, 30)])
def test_idle_sessions_end_sooner_for_staff(clock, make_user, login, role, idle_minutes):
    client = login(make_user(role))
    page = "/account"
    clock.advance(idle_minutes * 60 - 30)
    assert client.get(page).status_code == 200  # and the visit moves the idle clock on
    clock.advance(idle_minutes * 60 - 30)
    assert client.get(page).status_code == 200
    clock.advance(idle_minutes * 60 + 1)
    response = client.get(page)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role, hours, idle", [(Role.reseller, 7 * 24, 120), (Role.supplier, 12, 30)])
def test_sessions_end_after_the_absolute_timeout_however_busy(clock, make_user, login, role, hours, idle):
    client = login(make_user(role))
    visits = hours * 60 // (idle - 5)
    for _ in range(visits):
        clock.advance((idle - 5) * 60)
        assert client.get("/account").status_code == 200
    clock.advance(hours * 3600 - visits * (idle - 5) * 60 + 1)
    assert client.get("/account").status_code == 302


def test_the_session_cookie_is_locked_down(make_app, make_user):
    app = make_app(BASE_URL="https://shop.example", SESSION_COOKIE_SECURE=True, SESSION_COOKIE_NAME="__Host-session")
    with app.app_context():
        user = make_user(Role.reseller)
        client = app.test_client()
        response = client.post("/login", data={"email": user.email, "password": PASSWORD},
                               base_url="https://shop.example")
        cookie = response.headers["Set-Cookie"]
        assert cookie.startswith("__Host-session=") and "; Secure" in cookie and "; HttpOnly" in cookie
        assert "SameSite=Lax" in cookie and "Path=/" in cookie and "Domain" not in cookie


def test_https_base_url_names_the_cookie_host_only(monkeypatch, tmp_path):
    from shop.config import from_environment

    monkeypatch.setenv("BASE_URL", "https://shop.example")
    assert from_environment(str(tmp_path))["SESSION_COOKIE_NAME"] == "__Host-session"
    monkeypatch.setenv("BASE_URL", "http://127.0.0.1:5000")
    assert from_environment(str(tmp_path))["SESSION_COOKIE_NAME"] == "session"  # __Host- needs Secure


@pytest.mark.parametrize("target, lands", [("/account", "/account"), ("//evil.example", "/my/"),
                                           ("/\\evil.example", "/my/"), ("https://evil.example", "/my/")])
def test_after_sign_in_only_a_path_on_this_site_is_followed(client, make_user, target, lands):
    response = password_step(client, make_user(Role.reseller), next_url=target)
    assert response.headers["Location"] == lands


def test_signing_in_drops_the_users_expired_session_rows(client, make_user):
    from datetime import timedelta

    from shop.util import now_utc

    user = make_user(Role.reseller)
    db.session.add(UserSession(user_id=user.id, token_hash="0" * 64, created_at=now_utc() - timedelta(days=8)))
    db.session.add(UserSession(user_id=user.id, token_hash="1" * 64, created_at=now_utc() - timedelta(days=6)))
    db.session.commit()
    password_step(client, user)
    hashes = set(db.session.scalars(select(UserSession.token_hash).where(UserSession.user_id == user.id)))
    assert "0" * 64 not in hashes and "1" * 64 in hashes and len(hashes) == 2


def test_signing_in_again_on_the_same_browser_replaces_its_session(client, make_user):
    first, second = make_user(Role.reseller), make_user(Role.reseller)
    password_step(client, first)
    password_step(client, second)
    assert _sessions(first) == 0 and _sessions(second) == 1
