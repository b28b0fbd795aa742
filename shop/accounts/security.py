"""Account settings: email, password, two-factor sign-in, signing out everywhere."""
from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from shop.extensions import db, limiter

from . import limits, services
from .access import recent_login_required
from .forms import ChangeEmailForm, ChangePasswordForm, ConfirmPasswordForm, EmptyForm, SecondFactorForm
from .models import User
from .sessions import (
    confirm_password_now, end_all_sessions, end_other_sessions, pending_user, signed_in_recently, start_session,
)
from .totp import disable_totp, enable_totp, issue_recovery_codes, new_secret, provisioning_uri, qr_svg
from .totp import unused_recovery_codes
from .views import _safe_next, bp, home_for


@bp.get("/account")
@login_required
def security():
    codes_left = unused_recovery_codes(current_user.id) if current_user.totp_secret else 0
    return render_template("accounts/security.html", codes_left=codes_left, form=EmptyForm())


@bp.route("/account/confirm", methods=["GET", "POST"])
@limiter.limit(limits.CONFIRM_PASSWORD, key_func=limits.by_user, methods=["POST"], deduct_when=limits.failed)
@login_required
def confirm_password():
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        if current_user.check_password(form.password.data):
            confirm_password_now()
            return redirect(_safe_next(request.args.get("next")) or url_for(".security"))
        form.password.errors.append(_("That password is wrong."))
    return render_template("accounts/confirm_password.html", form=form)


@bp.route("/account/email", methods=["GET", "POST"])
@recent_login_required
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            services.change_email(current_user, form.email.data)
        except services.SignupError as exc:
            form.email.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Your email is changed. Use the new one to log in."))
            return redirect(url_for(".security"))
    return render_template("accounts/change_email.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@recent_login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        services.change_password(current_user, form.password.data)
        db.session.commit()
        flash(_("Your password is changed, and every other browser is signed out."))
        return redirect(url_for(".security"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/account/two-factor", methods=["GET", "POST"])
def set_up_two_factor():
    """Set up the authenticator app: offered to resellers, and the step after the password for new staff."""
    user = current_user if current_user.is_authenticated else pending_user()
    if user is None:
        return redirect(url_for(".login"))
    if not current_user.is_authenticated and user.totp_secret:
        return redirect(url_for(".second_factor"))  # a password alone must never replace the app
    if current_user.is_authenticated and not signed_in_recently():
        return redirect(url_for(".confirm_password", next=request.path))
    # Kept in the signed cookie until confirmed, so reloading the page shows the same QR code.
    secret = session.setdefault("totp_setup", new_secret())
    form = SecondFactorForm()
    if form.validate_on_submit():
        codes = enable_totp(user, secret, form.code.data)
        if codes is not None:
            return _enrolled(user, codes)
        form.code.errors.append(_("That code is wrong. Check that the time on your phone is right and type the newest code."))
    uri = provisioning_uri(user, secret)
    return render_template("accounts/two_factor_setup.html", form=form, secret=secret, qr=qr_svg(uri))


def _enrolled(user: User, codes: list[str]):
    session.pop("totp_setup", None)
    if current_user.is_authenticated:
        end_other_sessions(user)
        next_url = url_for(".security")
    else:
        next_url = session.get("next") or home_for(user)
        start_session(user, auth_at=session["auth_at"])
    db.session.commit()
    return render_template("accounts/recovery_codes.html", codes=codes, next_url=next_url)


@bp.post("/account/two-factor/recovery-codes")
@recent_login_required
def new_recovery_codes():
    if not EmptyForm().validate_on_submit() or not current_user.totp_secret:
        return redirect(url_for(".security"))
    codes = issue_recovery_codes(current_user)
    db.session.commit()
    return render_template("accounts/recovery_codes.html", codes=codes, next_url=url_for(".security"))


@bp.post("/account/two-factor/off")
@recent_login_required
def turn_off_two_factor():
    if EmptyForm().validate_on_submit():
        if current_user.is_staff:
            flash(_("Suppliers and operators always sign in with two factors."), "warning")
        else:
            disable_totp(current_user)
            db.session.commit()
            flash(_("Two-factor sign-in is off."))
    return redirect(url_for(".security"))


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    if EmptyForm().validate_on_submit():
        end_all_sessions(current_user)
        db.session.commit()
        flash(_("You are signed out on every device, this one too."))
        return redirect(url_for(".login"))
    return redirect(url_for(".security"))
