"""Money in integer minor units: parsing, display, fees and price floors."""
import functools
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision


def precision(currency: str) -> int:
    return get_currency_precision(currency)


def to_minor(text, currency: str = "USD") -> int | None:
    """Parse a typed or spreadsheet amount ("12.5", "1,234.00", "$3", "1.2E+01") into minor units."""
    if text is None:
        return None
    cleaned = re.sub(r"[^\d.,eE+\-]", "", str(text).strip())
    if not cleaned:
        return None
    if "," in cleaned and "." not in cleaned and re.fullmatch(r"-?\d+,\d{1,2}", cleaned):
        cleaned = cleaned.replace(",", ".")  # decimal comma, e.g. "12,50"
    cleaned = cleaned.replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    # Beyond 1e20 no amount is real, and quantize raises past the context's 28 digits ("1.8e308" from a
    # spreadsheet). adjusted() reads the exponent without arithmetic: abs() overflows past 1e999999999 (atheris).
    if not value.is_finite() or (value and value.adjusted() >= 20):
        return None
    scaled = (value * (10 ** precision(currency))).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(scaled)


def from_minor(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-precision(currency))


def plain(amount: int, currency: str) -> str:
    """The amount as a bare number for an input field, e.g. 1250 -> "12.50"."""
    return f"{from_minor(amount, currency):.{precision(currency)}f}"


@functools.lru_cache(maxsize=4096)  # Babel's formatting is slow, and a page shows the same prices again and again
def display(amount: int, currency: str, locale: str = "en") -> str:
    """The amount formatted for the reader's locale, e.g. "$12.50" or "US$12.50"."""
    return format_currency(from_minor(amount, currency), currency, locale=locale)


def fee_for(retail: int, fee_bp: int) -> int:
    """Platform fee on a retail amount, in basis points, rounded half up."""
    return (retail * fee_bp + 5000) // 10000


def price_floor(wholesale: int, fee_bp: int) -> int:
    """The lowest retail price that covers the wholesale price and the platform fee."""
    if fee_bp >= 10000:
        raise ValueError("fee must be below 100%")
    retail = -(-wholesale * 10000 // (10000 - fee_bp))
    while retail - wholesale - fee_for(retail, fee_bp) < 0:
        retail += 1
    while retail > 0 and retail - 1 - wholesale - fee_for(retail - 1, fee_bp) >= 0:
        retail -= 1
    return retail
