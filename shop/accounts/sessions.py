"""Sign-in sessions: a server-side row per browser, idle and absolute timeouts, re-authentication."""
import functools
import hashlib
import secrets
import time
from datetime import timedelta

from flask import current_app, g, session
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import bindparam, delete, select
from sqlalchemy.sql import Select

from shop.extensions import db
from shop.util import now_utc

from .models import User, UserSession

# Survive signing in and out: a shopper's carts are not part of who they are.
KEPT_KEYS = ("carts",)


def now_seconds() -> int:
    return int(time.time())


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _fresh_session() -> None:
    """Drop everything in the cookie but the kept keys, so nothing from before sign-in carries over."""
    kept = {key: session[key] for key in KEPT_KEYS if key in session}
    session.clear()
    session.update(kept)
    # The CSRF token goes with the rest; forget the copy Flask-WTF cached so pages rendered next get a new one.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def _drop_current_row() -> None:
    """Signing in again on this browser replaces its session: the old row goes rather than linger."""
    if token := session.get("sid"):
        db.session.execute(delete(UserSession).where(UserSession.token_hash == _hash(token)))


def start_password_step(user: User, next_url: str | None = None) -> None:
    """The password was right but a second factor is due: remember who, not yet signed in."""
    _drop_current_row()
    _fresh_session()
    session.update(pending_user_id=user.id, auth_at=now_seconds(), next=next_url)


def pending_user() -> User | None:
    """The user between password and second factor, if that step is not stale."""
    user_id, auth_at = session.get("pending_user_id"), session.get("auth_at", 0)
    if user_id is None or now_seconds() - auth_at > current_app.config["SECOND_FACTOR_MINUTES"] * 60:
        return None
    return db.session.get(User, user_id)


def new_session_values(user: User, auth_at: int | None = None) -> dict:
    """A server-side row for a new signed-in browser and the cookie values naming it; flushes."""
    token = secrets.token_urlsafe(32)
    # Rows past the absolute timeout can never sign anyone in again: drop this user's on the way.
    longest = current_app.config["SESSION_MAX_HOURS_STAFF" if user.is_staff else "SESSION_MAX_HOURS"]
    db.session.execute(delete(UserSession).where(
        UserSession.user_id == user.id, UserSession.created_at < now_utc() - timedelta(hours=longest)
    ))
    db.session.add(UserSession(user_id=user.id, token_hash=_hash(token)))
    db.session.flush()
    now = now_seconds()
    return {"_user_id": str(user.id), "_fresh": True, "sid": token, "auth_at": auth_at or now,
            "seen_at": now, "started_at": now}


def start_session(user: User, auth_at: int | None = None) -> None:
    """Sign the user in on a new cookie and a new server-side row (no session fixation); flushes."""
    _drop_current_row()
    values = new_session_values(user, auth_at)
    _fresh_session()
    login_user(user)
    session.permanent = True
    session.update(values)
    # Mint the new CSRF token now, in the sign-in response's cookie: pages loaded at once after sign-in (two tabs,
    # a redirect overtaken by a click) then share one token instead of each minting its own and racing the cookie.
    generate_csrf()


@functools.cache
def _signed_in_user() -> Select:
    # Built once: every signed-in request runs it, and building it cost more than running it.
    return (
        select(User).join(UserSession, UserSession.user_id == User.id)
        .where(User.id == bindparam("user_id"), UserSession.token_hash == bindparam("token_hash"))
    )


def load_signed_in_user(user_id: str) -> User | None:
    """Flask-Login's user loader: only while this browser's row exists and the timeouts allow."""
    token = session.get("sid")
    if not token or not user_id.isdigit():
        return None
    user = db.session.scalar(_signed_in_user(), {"user_id": int(user_id), "token_hash": _hash(token)})
    if user is None or _expired(user):
        return None
    return user


def _expired(user: User) -> bool:
    config, now = current_app.config, now_seconds()
    idle, longest = (
        (config["SESSION_IDLE_MINUTES_STAFF"], config["SESSION_MAX_HOURS_STAFF"]) if user.is_staff
        else (config["SESSION_IDLE_MINUTES"], config["SESSION_MAX_HOURS"])
    )
    return now - session.get("seen_at", 0) > idle * 60 or now - session.get("started_at", 0) > longest * 3600


def touch_session(response):
    """Move the idle clock on, at most once a minute so most responses don't set a cookie."""
    # The cheap cookie checks first: loading the user costs a query that static files don't need.
    if "sid" in session and now_seconds() - session.get("seen_at", 0) >= 60 and current_user.is_authenticated:
        session["seen_at"] = now_seconds()
    return response


def signed_in_recently() -> bool:
    minutes = current_app.config["REAUTH_MINUTES"]
    return now_seconds() - session.get("auth_at", 0) <= minutes * 60


def confirm_password_now() -> None:
    session["auth_at"] = now_seconds()


def end_session() -> None:
    """Log out this browser: its row goes, so a copied cookie stops working too; flushes."""
    _drop_current_row()
    logout_user()
    _fresh_session()


def end_other_sessions(user: User) -> int:
    """Sign the user out on every other browser; flushes. Returns how many were ended."""
    keep = _hash(session.get("sid", ""))
    result = db.session.execute(
        delete(UserSession).where(UserSession.user_id == user.id, UserSession.token_hash != keep)
    )
    return result.rowcount


def end_all_sessions(user: User) -> None:
    """Sign the user out on every browser, this one too; flushes."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    logout_user()
    _fresh_session()
