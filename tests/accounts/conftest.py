"""Accounts test helpers: staff with an authenticator app, a clock the sessions read, codes for now."""
import pyotp
import pytest

from shop.accounts import sessions
from shop.accounts.models import Role
from shop.extensions import db

PASSWORD = "correct horse 9"


@pytest.fixture
def clock(monkeypatch):
    """The sessions' clock, moved on with clock.advance(seconds)."""

    class Clock:
        now = sessions.now_seconds()

        def advance(self, seconds: int) -> None:
            self.now += seconds

    moving = Clock()
    monkeypatch.setattr(sessions, "now_seconds", lambda: moving.now)
    return moving


@pytest.fixture
def with_app(make_user):
    """A user of this role whose two-factor sign-in is on: with_app(role) -> (user, pyotp.TOTP)."""

    def build(role=Role.supplier, **kwargs):
        user = make_user(role, **kwargs)
        user.totp_secret = pyotp.random_base32()
        db.session.commit()
        return user, pyotp.TOTP(user.totp_secret)

    return build


def password_step(client, user, password=PASSWORD, next_url=None):
    """POST the login form; returns the response."""
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": user.email, "password": password})
