"""Forms for the supplier's catalog pages."""
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, StringField
from wtforms.validators import ValidationError

from .importer import parse_price, parse_stock


class VariantForm(FlaskForm):
    """Inline edit of one variant's stock and wholesale price; keeps what was typed when it is wrong."""

    stock = StringField(_l("Stock"))
    wholesale = StringField(_l("Wholesale price"))
    next = HiddenField()

    def validate_stock(self, field):
        try:
            value = parse_stock(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        if value is None:
            raise ValidationError(_l("Enter how many you have in stock."))
        self.stock_value = value

    def validate_wholesale(self, field):
        value = parse_price(field.data or "", current_app.config["CURRENCY"])
        if value is None:
            raise ValidationError(_l("Enter a price above zero, like 12.50."))
        self.wholesale_minor = value


class PhotoForm(FlaskForm):
    photo = FileField(_l("Photo"), validators=[FileRequired(_l("Choose a photo."))])


class ImportForm(FlaskForm):
    file = FileField(_l("Shopify product CSV"), validators=[FileRequired(_l("Choose a CSV file."))])
