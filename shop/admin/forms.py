"""The operator's forms."""
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField
from wtforms.validators import InputRequired, ValidationError

MAX_FEE_PERCENT = Decimal(50)


class FeeForm(FlaskForm):
    percent = DecimalField(
        _l("Platform fee (% of the retail price)"),
        places=2,
        validators=[InputRequired()],
    )

    def validate_percent(self, field):
        if field.data is None:
            return
        if not field.data.is_finite():
            raise ValidationError(_l("Enter a number, e.g. 10."))
        if field.data < 0:
            raise ValidationError(_l("The fee cannot be negative."))
        if field.data >= MAX_FEE_PERCENT:
            raise ValidationError(_l("The fee must be below 50%."))
        if field.data != field.data.quantize(Decimal("0.01")):
            raise ValidationError(_l("Use at most two decimals, e.g. 12.5 or 12.75."))

    @property
    def basis_points(self) -> int:
        return int(self.data["percent"] * 100)
