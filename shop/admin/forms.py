"""The operator's forms."""
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, IntegerField
from wtforms.validators import InputRequired, NumberRange, ValidationError

MAX_FEE_PERCENT = Decimal(50)


class FeeForm(FlaskForm):
    percent = DecimalField(
        _l("Platform fee (%(percent)s of the retail price)", percent="%"),
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


class ReferralRulesForm(FlaskForm):
    """The referral and attribution rules; the code still never pays a third level."""

    attribution_days = IntegerField(
        _l("Days a shared link keeps the customer"), validators=[InputRequired(), NumberRange(1, 365)]
    )
    override_level1_bp = IntegerField(
        _l("Inviter's share of the platform fee (basis points)"), validators=[InputRequired(), NumberRange(0, 5000)]
    )
    override_level2_bp = IntegerField(
        _l("Inviter's inviter's share of the platform fee (basis points)"),
        validators=[InputRequired(), NumberRange(0, 5000)],
    )
    override_months = IntegerField(
        _l("Months an invited store earns its inviters overrides"), validators=[InputRequired(), NumberRange(0, 60)]
    )
    self_purchase_margin = BooleanField(_l("Resellers keep their margin when they buy in their own store"))

    def rules(self) -> dict[str, int]:
        return {name: int(field.data or 0) for name, field in self._fields.items() if name != "csrf_token"}
