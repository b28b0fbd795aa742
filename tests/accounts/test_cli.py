"""flask users totp / reset-2fa, and the demo's staff accounts staying usable with two factors."""
import pyotp

from shop.accounts.models import Role
from shop.demo import ADMIN, DEMO_TOTP_SECRET, PASSWORD
from shop.extensions import db


def test_demo_staff_sign_in_with_the_printed_code(app, client):
    runner = app.test_cli_runner()
    loaded = runner.invoke(args=["demo", "load"])
    assert "users totp EMAIL" in loaded.output and DEMO_TOTP_SECRET in loaded.output
    printed = runner.invoke(args=["users", "totp", ADMIN])
    assert printed.exit_code == 0 and printed.output.strip() == pyotp.TOTP(DEMO_TOTP_SECRET).now()
    assert client.post("/login", data={"email": ADMIN, "password": PASSWORD}).headers["Location"].endswith("/login/code")
    assert client.post("/login/code", data={"code": printed.output.strip()}).headers["Location"].endswith("/admin/")
    reseller = app.test_client()
    assert reseller.post("/login", data={"email": "mei@demo.sharestall", "password": PASSWORD}).status_code == 302
    assert runner.invoke(args=["users", "totp", "mei@demo.sharestall"]).exit_code == 1  # resellers: not set up


def test_reset_2fa_turns_it_off_and_signs_out(app, login, with_app):
    user, _totp = with_app(Role.supplier)
    client = login(user)
    result = app.test_cli_runner().invoke(args=["users", "reset-2fa", user.email.upper()])
    assert result.exit_code == 0 and "set it up again" in result.output
    db.session.expire_all()
    assert user.totp_secret is None and client.get("/account").status_code == 302
    assert app.test_cli_runner().invoke(args=["users", "totp", "nobody@example.com"]).exit_code == 1
