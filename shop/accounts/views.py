"""Log in, log out, supplier sign-up."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select

from shop.extensions import db

from .forms import EmptyForm, LoginForm, SupplierSignupForm
from .models import Role, User
from .services import SignupError, create_supplier

bp = Blueprint("accounts", __name__)


def home_for(user: User) -> str:
    if user.role is Role.supplier:
        return url_for("catalog.products")
    if user.role is Role.admin:
        return url_for("admin.index")
    return url_for("earnings.dashboard")


def _safe_next(target: str | None) -> str | None:
    return target if target and target.startswith("/") and not target.startswith("//") else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user and user.check_password(form.password.data):
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or home_for(user))
        form.form_errors.append(_("Email or password is wrong."))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout():
    if EmptyForm().validate_on_submit():
        logout_user()
    return redirect(url_for("stores.home"))


@bp.route("/suppliers/join", methods=["GET", "POST"])
def supplier_signup():
    form = SupplierSignupForm()
    if form.validate_on_submit():
        try:
            supplier = create_supplier(form.name.data.strip(), form.email.data, form.password.data)
        except SignupError as exc:
            form.email.errors.append(str(exc))
        else:
            db.session.commit()
            login_user(supplier.user)
            flash(_("Welcome! Upload your catalog; it goes live once an operator approves your account."))
            return redirect(url_for("catalog.products"))
    return render_template("accounts/supplier_signup.html", form=form)


@bp.app_context_processor
def inject_user():
    return {"current_user": current_user}
