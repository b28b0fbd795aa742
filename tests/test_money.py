import pytest

from shop import money


@pytest.mark.parametrize(
    "text, minor",
    [
        ("12.50", 1250), ("12.5 ", 1250), ("$12", 1200), ("1,234.50", 123450), ("12,50", 1250),
        ("1.2E+01", 1200), ("0.005", 1), ("", None), ("abc", None), (None, None), ("NaN", None), ("-3", -300),
        # Exponents past the decimal context's limit (atheris found "1e999999999" in a CSV price).
        ("1e999999999", None), ("-9.5e99999999999", None), ("1e30", None), ("0e50", 0),
        ("9" * 29, None), ("1" * 21 + ".5", None),
    ],
)
def test_to_minor_parses_typed_and_spreadsheet_amounts(text, minor):
    assert money.to_minor(text, "USD") == minor


def test_to_minor_respects_currency_precision():
    assert money.to_minor("500", "JPY") == 500
    assert money.to_minor("1.5", "JPY") == 2


def test_fee_rounds_half_up_in_basis_points():
    assert money.fee_for(1000, 1000) == 100
    assert money.fee_for(1005, 1000) == 101  # 100.5 -> 101
    assert money.fee_for(1004, 1000) == 100
    assert money.fee_for(999, 750) == 75


@pytest.mark.parametrize("wholesale", [1, 99, 1000, 1234, 99999])
@pytest.mark.parametrize("fee_bp", [0, 500, 1000, 1250, 3000])
def test_price_floor_is_the_lowest_price_that_covers_wholesale_and_fee(wholesale, fee_bp):
    floor = money.price_floor(wholesale, fee_bp)
    assert floor - wholesale - money.fee_for(floor, fee_bp) >= 0
    assert floor - 1 - wholesale - money.fee_for(floor - 1, fee_bp) < 0


def test_display_follows_locale():
    assert money.display(1250, "USD", "en") == "$12.50"
    assert money.display(1250, "USD", "zh") == "US$12.50"
    assert money.plain(1250, "USD") == "12.50"
