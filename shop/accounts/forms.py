"""Sign-in, sign-up and account security forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from .common_passwords import is_common


def not_common(form, field) -> None:
    """Refuse the passwords attackers try first (a list shipped with the app, no network)."""
    if field.data and is_common(field.data):
        raise ValidationError(_l("This password is one of the most common ones. Choose one that is harder to guess."))


def new_password_field(label=None) -> PasswordField:
    return PasswordField(
        label or _l("Password"),
        validators=[DataRequired(), Length(min=8, max=128), not_common],
        render_kw={"autocomplete": "new-password"},
    )


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()], render_kw={"autocomplete": "username"})
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=128)], render_kw={"autocomplete": "current-password"}
    )


class SupplierSignupForm(FlaskForm):
    name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = new_password_field()


class SecondFactorForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"},
    )


class ConfirmPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=128)], render_kw={"autocomplete": "current-password"}
    )


class ChangeEmailForm(FlaskForm):
    email = EmailField(_l("New email"), validators=[DataRequired(), Email(), Length(max=254)])


class ChangePasswordForm(FlaskForm):
    password = new_password_field(_l("New password"))
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class EmptyForm(FlaskForm):
    """For button-only POSTs: carries the CSRF token."""
