"""Creating accounts, checking passwords, changing sign-in details."""
import functools
import secrets

from flask_babel import gettext as _
from sqlalchemy import func, select

from shop.catalog.models import Supplier
from shop.extensions import db

from .models import Role, User
from .passwords import hash_password, verify_password
from .sessions import end_other_sessions


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


def authenticate(email: str, password: str) -> User | None:
    """The user with this email and password, else None; as slow for an unknown email as for a known one."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        verify_password(_decoy_hash(), password)
        return None
    return user if user.check_password(password) else None


@functools.cache
def _decoy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def change_email(user: User, email: str) -> None:
    email = email.strip().lower()
    taken = db.session.scalar(select(User.id).where(func.lower(User.email) == email, User.id != user.id))
    if taken:
        raise SignupError(_("An account with this email already exists."))
    old, user.email = user.email, email
    # A supplier's contact address follows the sign-in address unless they had set another one.
    supplier = db.session.scalar(select(Supplier).where(Supplier.user_id == user.id, Supplier.email == old))
    if supplier is not None:
        supplier.email = email
    db.session.flush()


def change_password(user: User, password: str) -> None:
    """Set a new password and sign out every other browser, which may know the old one; flushes."""
    user.set_password(password)
    end_other_sessions(user)
    db.session.flush()
