"""The form on the supplier's API keys page."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ApiKeyForm(FlaskForm):
    name = StringField(_l("Key name (e.g. the system that uses it)"), filters=[_strip],
                       validators=[DataRequired(), Length(max=80)])
