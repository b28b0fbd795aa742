"""Locale choice and locale-aware filters for money and dates."""
from flask import current_app, g, has_request_context, request
from flask_babel import format_datetime, get_locale
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from shop import money


def select_locale() -> str:
    """The ?lang= switcher, then the cookie it set, then the browser's languages."""
    if not has_request_context():  # CLI commands and jobs: force_locale() picks theirs
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    if request.args.get("lang") in languages:
        g.set_lang_cookie = request.args["lang"]
    return choose_locale(request.args.get("lang") or request.cookies.get("lang"),
                         request.headers.get("Accept-Language", ""), languages)


def choose_locale(chosen: str | None, accept_language: str, languages) -> str:
    """The language switched to (?lang= or its cookie) if offered, else the browser's best match, else English.

    Also shop.edge's choice of a page copy, so both always agree."""
    if chosen in languages:
        return chosen
    return parse_accept_header(accept_language, LanguageAccept).best_match(tuple(languages)) or "en"


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
