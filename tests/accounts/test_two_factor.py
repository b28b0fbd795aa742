"""Two-factor sign-in: required for suppliers and the operator, offered to resellers, codes used once."""
import re

import pyotp
import pytest
from flask import url_for
from werkzeug.routing import BuildError

from shop.accounts.models import RecoveryCode, Role
from shop.extensions import db

from .conftest import password_step


def _private_pages(app, prefixes):
    """Every GET page under these prefixes, its URL filled with made-up ids (the sign-in check comes first)."""
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" in rule.methods and rule.rule.startswith(prefixes):
                try:
                    yield url_for(rule.endpoint, **{name: 1 for name in rule.arguments - set(rule.defaults or {})})
                except BuildError:
                    yield url_for(rule.endpoint, **{name: "approve" for name in rule.arguments})


@pytest.mark.parametrize("role", [Role.supplier, Role.admin])
def test_staff_halfway_signed_in_are_sent_to_the_code_step_from_every_private_page(app, client, with_app, role):
    user, _totp = with_app(role)
    response = password_step(client, user)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/code")
    pages = list(_private_pages(app, ("/supplier/", "/admin/", "/my/", "/account")))
    assert len(pages) > 15
    for page in pages:
        response = client.get(page)
        assert response.status_code == 302 and response.headers["Location"].endswith("/login/code"), page


def test_staff_sign_in_with_password_then_code(client, with_app, make_supplier):
    user, totp = with_app(Role.admin)
    password_step(client, user, next_url="/admin/stores")
    assert "authenticator app" in client.get("/login/code").text
    wrong = client.post("/login/code", data={"code": "000000" if totp.now() != "000000" else "111111"})
    assert wrong.status_code == 200 and "wrong, or it was used already" in wrong.text
    response = client.post("/login/code", data={"code": totp.now()})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/stores")
    assert client.get("/admin/").status_code == 200


def test_a_code_works_once(make_app, client, with_app):
    user, totp = with_app(Role.admin)
    code = totp.now()
    password_step(client, user)
    assert client.post("/login/code", data={"code": code}).status_code == 302
    other = make_app().test_client()
    password_step(other, user)
    replayed = other.post("/login/code", data={"code": code})
    assert replayed.status_code == 200 and "used already" in replayed.text


def test_codes_from_the_neighbouring_steps_count_for_clock_drift_but_not_older(with_app):
    from shop.accounts.totp import matching_step

    _user, totp = with_app(Role.admin)
    now = 1_800_000_000
    step = now // 30
    assert matching_step(totp.secret, totp.at(now - 30), at=now) == step - 1
    assert matching_step(totp.secret, totp.at(now + 30), at=now) == step + 1
    assert matching_step(totp.secret, totp.at(now - 90), at=now) is None
    assert matching_step(totp.secret, "12345", at=now) is None and matching_step(totp.secret, "abcdef", at=now) is None


def test_new_staff_must_set_up_the_app_before_any_page(client, make_supplier):
    supplier = make_supplier()
    response = password_step(client, supplier.user)
    assert response.headers["Location"].endswith("/account/two-factor")
    assert client.get("/supplier/products").headers["Location"].endswith("/login/code")
    assert client.get("/login/code").headers["Location"].endswith("/account/two-factor")
    page = client.get("/account/two-factor")
    assert "<svg" in page.text
    secret = re.search(r'id="totp-secret"[^>]*>([A-Z2-7]+)<', page.text).group(1)
    assert client.get("/account/two-factor").text.count(secret) == 1  # a reload shows the same key
    done = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", done.text)
    assert len(set(codes)) == 10
    assert client.get("/supplier/products").status_code == 200
    db.session.expire_all()
    assert supplier.user.totp_secret == secret
    stored = db.session.scalars(db.select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)  # kept hashed only


def test_a_password_alone_cannot_replace_the_app(client, with_app):
    user, _totp = with_app(Role.supplier)
    password_step(client, user)
    response = client.get("/account/two-factor")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/code")
    assert client.post("/account/two-factor", data={"code": "123456"}).status_code == 302


def test_recovery_codes_each_sign_in_once(make_app, client, with_app, login):
    user, _totp = with_app(Role.supplier)
    page = login(user).post("/account/two-factor/recovery-codes")
    first, second = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", page.text)[:2]
    password_step(client, user)
    assert client.post("/login/code", data={"code": first.upper()}).status_code == 302
    again = make_app().test_client()
    password_step(again, user)
    assert again.post("/login/code", data={"code": first}).status_code == 200
    assert again.post("/login/code", data={"code": second}).status_code == 302
    assert "8 recovery codes left" in again.get("/account").text


def test_resellers_may_turn_it_on_and_off_staff_may_not_turn_it_off(client, make_store, with_app, login):
    store = make_store()
    reseller = login(store.user)
    page = reseller.get("/account/two-factor")
    secret = re.search(r'id="totp-secret"[^>]*>([A-Z2-7]+)<', page.text).group(1)
    reseller.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    response = password_step(client, store.user)
    assert response.headers["Location"].endswith("/login/code")  # now the reseller's sign-in asks too
    reseller.post("/account/two-factor/off")
    db.session.expire_all()
    assert store.user.totp_secret is None
    staff, _totp = with_app(Role.supplier)
    login(staff).post("/account/two-factor/off")
    db.session.expire_all()
    assert staff.totp_secret is not None


def test_the_code_step_goes_stale(clock, client, with_app):
    user, totp = with_app(Role.admin)
    password_step(client, user)
    clock.advance(11 * 60)
    response = client.post("/login/code", data={"code": totp.now()})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
