"""The supplier's forms on a purchase order: ship it, or cancel lines that cannot ship."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ShipForm(FlaskForm):
    carrier = StringField(_l("Carrier"), filters=[_strip], validators=[DataRequired(), Length(max=80)])
    tracking_number = StringField(
        _l("Tracking number"), filters=[_strip], validators=[DataRequired(), Length(max=120)]
    )


class CancelLinesForm(FlaskForm):
    # Choices are the purchase order's open lines, set by the view.
    line_ids = SelectMultipleField(
        _l("Items you cannot ship"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    reason = StringField(
        _l("Reason (the customer sees it)"), filters=[_strip], validators=[DataRequired(), Length(max=80)]
    )

    def validate_line_ids(self, field):
        # Not DataRequired: its `required` flag would make the browser demand every checkbox.
        if not field.data:
            raise ValidationError(_l("Choose at least one item."))
