"""The supplier's forms: ship a purchase order, cancel lines that cannot ship, choose how orders arrive."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectMultipleField, StringField, URLField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ShipForm(FlaskForm):
    carrier = StringField(_l("Carrier"), filters=[_strip], validators=[DataRequired(), Length(max=80)])
    tracking_number = StringField(
        _l("Tracking number"), filters=[_strip], validators=[DataRequired(), Length(max=120)]
    )


class ShipLinesForm(ShipForm):
    # Choices are the purchase order's open lines, set by the view; all are ticked to begin with.
    line_ids = SelectMultipleField(
        _l("Items in this parcel"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    # Sent by the page that shows the checkboxes; a post without it (an older page, a script) ships every open line.
    choosing = BooleanField(widget=HiddenInput(), default=True)

    def validate_line_ids(self, field):
        if self.choosing.data and not field.data:
            raise ValidationError(_l("Choose at least one item."))

    def chosen_ids(self) -> list[int] | None:
        """The ticked lines, or None for every open line."""
        return self.line_ids.data if self.choosing.data else None


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


def _url_allowed(form, field):
    from .outbound import url_problem

    if field.data and (problem := url_problem(field.data)):
        raise ValidationError(problem)


class ChannelForm(FlaskForm):
    channel = RadioField(
        _l("How new orders reach you"),
        choices=[
            ("portal", _l("Only here in the portal")),
            ("email", _l("Email with the purchase order and a one-click link to enter tracking")),
            ("webhook", _l("Webhook: a signed JSON event to your server")),
            ("csv", _l("A daily email with a CSV file of open orders")),
        ],
        default="email",
    )
    webhook_url = URLField(
        _l("Webhook address"), filters=[_strip], validators=[Optional(), Length(max=2048), _url_allowed]
    )
    feed_url = URLField(
        _l("Catalog feed (a CSV address we check every hour)"), filters=[_strip],
        validators=[Optional(), Length(max=2048), _url_allowed],
    )

    def validate(self, extra_validators=None) -> bool:
        # Not an inline validator: Optional() ends the field's chain before one could see the empty address.
        if not super().validate(extra_validators):
            return False
        if self.channel.data == "webhook" and not self.webhook_url.data:
            self.webhook_url.errors.append(_l("Enter the address that receives the webhook."))
            return False
        return True
