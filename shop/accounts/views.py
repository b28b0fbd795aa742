"""Log in (password, then a second factor), log out, supplier sign-up."""
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login.utils import login_url

from shop.extensions import db, limiter, login as login_manager

from . import limits
from .forms import EmptyForm, LoginForm, SecondFactorForm, SupplierSignupForm
from .models import Role, User
from .services import SignupError, authenticate, create_supplier
from .sessions import end_session, pending_user, start_password_step, start_session, touch_session
from .totp import verify_second_factor

bp = Blueprint("accounts", __name__)


def home_for(user: User) -> str:
    if user.role is Role.supplier:
        return url_for("catalog.products")
    if user.role is Role.admin:
        return url_for("admin.index")
    return url_for("earnings.dashboard")


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: browsers read "//host" and "/\\host" as another site."""
    return target if target and target.startswith("/") and target[1:2] not in ("/", "\\") else None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(limits.LOGIN_PER_ADDRESS, key_func=limits.by_address, methods=["POST"], deduct_when=limits.failed)
@limiter.limit(limits.LOGIN_PER_ACCOUNT, key_func=limits.by_account, methods=["POST"], deduct_when=limits.failed)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            return _after_password(user, _safe_next(request.args.get("next")))
        form.form_errors.append(_("Email or password is wrong."))
    return render_template("accounts/login.html", form=form)


def _after_password(user: User, next_url: str | None):
    if user.needs_second_factor:
        start_password_step(user, next_url)
        return redirect(url_for(".second_factor" if user.totp_secret else "accounts.set_up_two_factor"))
    start_session(user)
    db.session.commit()
    return redirect(next_url or home_for(user))


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(limits.SECOND_FACTOR, key_func=limits.by_pending_user, methods=["POST"], deduct_when=limits.failed)
def second_factor():
    user = pending_user()
    if user is None:
        return redirect(url_for(".login"))
    if user.totp_secret is None:
        return redirect(url_for("accounts.set_up_two_factor"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        if verify_second_factor(user, form.code.data):
            next_url = session.get("next")
            start_session(user, auth_at=session["auth_at"])
            db.session.commit()
            return redirect(next_url or home_for(user))
        form.code.errors.append(_("That code is wrong, or it was used already."))
    return render_template("accounts/second_factor.html", form=form)


@bp.post("/logout")
def logout():
    if EmptyForm().validate_on_submit():
        end_session()
        db.session.commit()
    return redirect(url_for("stores.home"))


@bp.route("/suppliers/join", methods=["GET", "POST"])
@limiter.limit(limits.SIGNUP, key_func=limits.by_address, methods=["POST"])
def supplier_signup():
    form = SupplierSignupForm()
    if form.validate_on_submit():
        try:
            supplier = create_supplier(form.name.data.strip(), form.email.data, form.password.data)
        except SignupError as exc:
            form.email.errors.append(str(exc))
        else:
            # Suppliers sign in with two factors: setting up the app is the next step, then the catalog.
            start_password_step(supplier.user, url_for("catalog.products"))
            db.session.commit()
            flash(_("Welcome! Upload your catalog; it goes live once an operator approves your account."))
            return redirect(url_for("accounts.set_up_two_factor"))
    return render_template("accounts/supplier_signup.html", form=form)


@login_manager.unauthorized_handler
def unauthorized():
    """Halfway through signing in, every private page leads to the second step; otherwise to the login."""
    if pending_user() is not None:
        return redirect(url_for("accounts.second_factor"))
    flash(_("Please log in to see this page."), "info")
    return redirect(login_url("accounts.login", next_url=request.url))


@bp.after_app_request
def keep_session_alive(response):
    return touch_session(response)


@bp.app_context_processor
def inject_user():
    return {"current_user": current_user}


from . import security  # noqa: E402,F401  (account settings register on this blueprint)
