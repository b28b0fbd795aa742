"""The guest checkout form and its country list."""
from functools import lru_cache

from babel import Locale
from babel.core import get_global
from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

# CLDR territories that are not countries one can ship to.
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}


def country_choices(locale: str) -> list[tuple[str, str]]:
    """ISO 3166 alpha-2 codes with their names in the reader's language, sorted by name."""
    return list(_countries(locale))


# CLDR data never changes while the app runs; parsing a locale scans Babel's whole list of them (~1 ms).
@lru_cache(maxsize=64)
def _countries(locale: str) -> tuple[tuple[str, str], ...]:
    names = Locale.parse(locale).territories
    codes = (c for c in names if len(c) == 2 and c.isalpha() and c not in _NOT_COUNTRIES)
    return tuple(sorted(((c, names[c]) for c in codes), key=lambda item: item[1]))


def default_country(locale: str) -> str:
    """The region of the browser's first language that names one, else the locale's likely country."""
    for language, _quality in request.accept_languages:
        region = language.replace("_", "-").split("-")[-1]
        if "-" in language.replace("_", "-") and len(region) == 2 and region.isalpha():
            return region.upper()
    return _likely_country(locale)


@lru_cache(maxsize=64)
def _likely_country(locale: str) -> str:
    likely = get_global("likely_subtags").get(locale, locale)
    return Locale.parse(likely).territory or "US"


class CheckoutForm(FlaskForm):
    customer_name = StringField(
        _l("Full name"), validators=[DataRequired(), Length(max=120)], render_kw={"autocomplete": "name"}
    )
    email = EmailField(
        _l("Email"), validators=[DataRequired(), Email(), Length(max=254)], render_kw={"autocomplete": "email"}
    )
    phone = TelField(
        _l("Phone"),
        validators=[
            DataRequired(),
            Length(max=40),
            Regexp(r"^\+?[\d\s().-]{5,}$", message=_l("Enter a phone number, digits only.")),
        ],
        render_kw={"autocomplete": "tel"},
    )
    address1 = StringField(
        _l("Address"), validators=[DataRequired(), Length(max=200)], render_kw={"autocomplete": "address-line1"}
    )
    address2 = StringField(
        _l("Apartment, suite, etc. (optional)"),
        validators=[Optional(), Length(max=200)],
        render_kw={"autocomplete": "address-line2"},
    )
    city = StringField(
        _l("City"), validators=[DataRequired(), Length(max=100)], render_kw={"autocomplete": "address-level2"}
    )
    region = StringField(
        _l("State / province (optional)"),
        validators=[Optional(), Length(max=100)],
        render_kw={"autocomplete": "address-level1"},
    )
    postcode = StringField(
        _l("Postcode"), validators=[DataRequired(), Length(max=20)], render_kw={"autocomplete": "postal-code"}
    )
    country = SelectField(_l("Country"), validators=[DataRequired()], render_kw={"autocomplete": "country"})
    # Offered only when the operator switched cash on delivery on; the view ignores "cod" otherwise.
    payment_method = RadioField(
        _l("How you pay"), choices=[("card", _l("Card, now")), ("cod", _l("Cash on delivery"))], default="card",
        validators=[Optional()],
    )

    def customer(self) -> dict:
        """The fields as Order columns, trimmed."""
        names = ("customer_name", "email", "phone", "address1", "address2", "city", "region", "postcode", "country")
        return {name: (getattr(self, name).data or "").strip() for name in names}
