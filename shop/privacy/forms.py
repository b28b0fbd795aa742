"""Asking for a data link, asking to be erased, and the operator's erase button."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, IntegerField, PasswordField
from wtforms.validators import DataRequired, Email, InputRequired, Length


class DataLinkForm(FlaskForm):
    email = EmailField(_l("Email used for your orders"), validators=[DataRequired(), Email(), Length(max=254)])


class CustomerEraseForm(FlaskForm):
    key = HiddenField(validators=[DataRequired()])
    confirm = BooleanField(_l("I understand that my name, address, email and phone will be removed from my orders"),
                           validators=[DataRequired()])


class AccountEraseForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=128)])
    confirm = BooleanField(_l("I understand that my account will be closed and my details removed"),
                           validators=[DataRequired()])


class CarryOutForm(FlaskForm):
    request_id = IntegerField(validators=[InputRequired()])
