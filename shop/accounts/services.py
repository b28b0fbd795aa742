"""Creating accounts."""
from flask_babel import gettext as _
from sqlalchemy import func, select

from shop.catalog.models import Supplier
from shop.extensions import db

from .models import Role, User


class SignupError(Exception):
    pass


def create_user(email: str, password: str, role: Role, name: str = "") -> User:
    email = email.strip().lower()
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise SignupError(_("An account with this email already exists. Log in instead."))
    user = User(email=email, role=role, name=name)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def create_supplier(name: str, email: str, password: str) -> Supplier:
    user = create_user(email, password, Role.supplier, name=name)
    supplier = Supplier(user_id=user.id, name=name, email=user.email)
    db.session.add(supplier)
    db.session.flush()
    return supplier
