"""Locale choice and locale-aware filters for money and dates."""
from flask import current_app, g, has_request_context, request
from flask_babel import format_datetime, get_locale

from shop import money


def select_locale() -> str:
    """The ?lang= switcher, then the cookie it set, then the browser's languages."""
    if not has_request_context():  # CLI commands and jobs: force_locale() picks theirs
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang") or request.cookies.get("lang")
    if chosen in languages:
        g.set_lang_cookie = chosen if request.args.get("lang") else None
        return chosen
    return request.accept_languages.best_match(languages.keys()) or "en"


def locale_code() -> str:
    return str(get_locale() or "en")


def money_filter(amount: int | None, currency: str | None = None) -> str:
    if amount is None:
        return ""
    return money.display(amount, currency or current_app.config["CURRENCY"], locale_code())


def date_filter(value, fmt: str = "medium") -> str:
    return format_datetime(value, fmt) if value else ""


def html_lang() -> str:
    return "zh-Hans" if locale_code().startswith("zh") else locale_code()


def country_name(code: str | None) -> str:
    """A country's name in the reader's language, from its ISO code."""
    if not code:
        return ""
    return get_locale().territories.get(code.upper(), code)
