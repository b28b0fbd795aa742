"""Forms of resellers: opening a store, filtering the catalog, pricing a pick, store settings."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import EmailField, Form, HiddenField, PasswordField, SearchField, SelectField, StringField
from wtforms.fields import ColorField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from shop import money
from shop.accounts.forms import not_common


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class OpenStoreForm(FlaskForm):
    name = StringField(_l("Store name"), validators=[DataRequired(), Length(max=80)], filters=[_strip])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=8, max=128), not_common])
    invite = HiddenField(validators=[Optional(), Length(max=16)])  # the inviter's code, from /join/<code>


def _amount(form, field):
    if field.data and money.to_minor(field.data) is None:
        raise ValidationError(_l("Enter an amount, like 12.50."))


class CatalogFilterForm(Form):
    """Read from the query string, so it carries no CSRF token."""

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=100)])
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    supplier = SelectField(_l("Supplier"), choices=[], validate_choice=False)
    basis = SelectField(
        _l("Price of"), choices=[("wholesale", _l("Wholesale")), ("suggested", _l("Suggested retail"))],
        default="wholesale", validate_choice=False,
    )
    low = StringField(_l("From"), validators=[Optional(), _amount])
    high = StringField(_l("To"), validators=[Optional(), _amount])


class PriceForm(FlaskForm):
    price = StringField(_l("Your price"), validators=[DataRequired(), Length(max=20)])


class MoveForm(FlaskForm):
    direction = StringField(validators=[DataRequired(), Regexp(r"^(up|down)$")])


class SettingsForm(FlaskForm):
    name = StringField(_l("Store name"), validators=[DataRequired(), Length(max=80)])
    tagline = StringField(_l("Tagline"), validators=[Optional(), Length(max=160)])
    logo = FileField(_l("Logo"))
    colour = ColorField(
        _l("Colour"),
        validators=[DataRequired(), Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("Choose a colour like #0f766e."))],
    )
