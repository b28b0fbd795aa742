"""Role checks for views, and the signed-in user's own supplier or store."""
import functools
from urllib.parse import urlsplit

from flask import abort, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import bindparam, select
from sqlalchemy.sql import Select

from shop.extensions import db

from .models import Role
from .sessions import signed_in_recently


def role_required(role: Role):
    """Only signed-in users of this role; anyone else gets 404, so nothing leaks."""

    def decorate(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role is not role:
                abort(404)
            return view(*args, **kwargs)

        return wrapped

    return decorate


@functools.cache
def _owned(model, user_id_column) -> Select:
    # Built once per model: most signed-in pages run one.
    column = user_id_column if user_id_column is not None else model.user_id
    return select(model).where(column == bindparam("user_id"))


def own(model, user_id_column=None):
    """The row of `model` that belongs to the signed-in user, or 404."""
    row = db.session.scalar(_owned(model, user_id_column), {"user_id": current_user.id})
    if row is None:
        abort(404)
    return row


def recent_login_required(view):
    """Signed-in users who typed their password within REAUTH_MINUTES; others confirm it first."""

    @functools.wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not signed_in_recently():
            # A POST can't be replayed after the detour: come back to the page the form was on.
            target = request.full_path if request.method == "GET" else _path_of(request.referrer)
            return redirect(url_for("accounts.confirm_password", next=target))
        return view(*args, **kwargs)

    return wrapped


def _path_of(url: str | None) -> str:
    parts = urlsplit(url or "/")
    return parts.path + (f"?{parts.query}" if parts.query else "")
