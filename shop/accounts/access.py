"""Role checks for views, and the signed-in user's own supplier or store."""
import functools

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import select

from shop.extensions import db

from .models import Role


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


def own(model, user_id_column=None):
    """The row of `model` that belongs to the signed-in user, or 404."""
    column = user_id_column if user_id_column is not None else model.user_id
    row = db.session.scalar(select(model).where(column == current_user.id))
    if row is None:
        abort(404)
    return row
