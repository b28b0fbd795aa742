"""Forms of the money pages: bank details for payouts, and the operator's money rules."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, HiddenField, IntegerField, SelectMultipleField, StringField
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError


def iban_like(form, field) -> None:
    """Letters and digits only once spaces are gone: the bank checks the rest."""
    if field.data and not re.fullmatch(r"[A-Za-z0-9]{8,34}", field.data.replace(" ", "")):
        raise ValidationError(_l("Use the account number or IBAN as your bank prints it: 8 to 34 letters and digits."))


class BankAccountForm(FlaskForm):
    holder = StringField(_l("Account holder"), validators=[DataRequired(), Length(max=120)],
                         render_kw={"autocomplete": "name"})
    iban = StringField(_l("IBAN or account number"), validators=[DataRequired(), Length(max=64), iban_like])
    bic = StringField(_l("BIC / SWIFT (optional)"), validators=[Optional(), Length(max=16)])


class PayoutDecisionForm(FlaskForm):
    payout_id = HiddenField(validators=[DataRequired()])


class MoneyRulesForm(FlaskForm):
    hold_after_shipping_days = IntegerField(_l("Hold after shipping (days)"), validators=[NumberRange(0, 365)])
    return_window_days = IntegerField(_l("Return window after delivery (days)"), validators=[NumberRange(0, 365)])
    payout_minimum = DecimalField(_l("Smallest payout"), places=2, validators=[NumberRange(0, 1_000_000)])
    cod_enabled = BooleanField(_l("Offer cash on delivery"))


class RefundLinesForm(FlaskForm):
    """The operator refunds lines of an order, shipped ones included (a return)."""

    order_id = HiddenField(validators=[DataRequired()])
    line_ids = SelectMultipleField(_l("Lines to refund"), coerce=int, validators=[DataRequired()],
                                   widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=80)])
