"""budget.money: exact amounts, currencies, EUR conversion (ECB convention), formatting."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budget.errors import BudgetError, NonPositiveAmountError, UnknownCurrencyError, ValidationError
from budget.ledger.types import Money
from budget.money import (
    D,
    fmt,
    is_currency,
    json_amount,
    money,
    money_column,
    normalise_currency,
    positive,
    rate,
    ratio,
    sum_by_currency,
    to_eur,
)

# Every amount one entry may hold: below BUDGET_MAX_AMOUNT (EUR 10^12 by default).
cents = st.integers(min_value=-(10**14) + 1, max_value=10**14 - 1).map(lambda c: Decimal(c).scaleb(-2))
# Amounts whose EUR equivalent at any rate tested stays below it too.
small_cents = st.integers(min_value=-(10**13), max_value=10**13).map(lambda c: Decimal(c).scaleb(-2))


# --------------------------------------------------------------------------- D and money


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.1, "0.1"), (1234.56, "1234.56"), ("  12.30 ", "12.30"), (7, "7"), (Decimal("1.005"), "1.005")],
)
def test_d_converts_exactly_and_floats_through_their_shortest_text(value, expected):
    assert D(value) == Decimal(expected)
    assert str(D(value)) == expected


@pytest.mark.parametrize("value", ["abc", "", "1,5", True, None])
def test_d_refuses_what_is_not_an_amount(value):
    with pytest.raises(ValidationError, match="is not an amount"):
        D(value)


def test_money_quantizes_to_the_cent_and_refuses_more_decimals():
    assert str(money("12.3")) == "12.30"
    assert str(money(5)) == "5.00"
    assert money(0.1) + money(0.2) == money("0.30")  # floats via their text, never binary
    with pytest.raises(ValidationError, match="at most 2 decimals"):
        money("1.005")
    with pytest.raises(ValidationError, match="at most 0 decimals"):
        money("10.5", "JPY")
    assert money("10", "JPY") == Decimal("10.00")
    for bad in ("NaN", "Infinity"):
        with pytest.raises(ValidationError):
            money(bad)


_COLUMN_VALUES = st.one_of(
    cents, st.sampled_from([Decimal("1.005"), Decimal("NaN"), Decimal("Infinity"), Decimal("1E+40"), Decimal("-0.00"),
                            Decimal("7"), "12.30", " 5 ", "x", 3, True, None, 0.1]))


def _outcome(result: object) -> object:
    return (type(result).__name__, str(result)) if isinstance(result, BudgetError) else (result, str(result))


@given(st.lists(st.tuples(_COLUMN_VALUES, st.sampled_from(["EUR", "USD", "JPY", "XXX"])), max_size=8))
def test_a_column_of_amounts_gets_what_each_amount_gets_alone(rows):
    """money_column is the rule of money over many values: each row's result (amount, or the
    refusal and its message) is the one money gives that value alone."""
    values, currencies = [v for v, _ in rows], [c for _, c in rows]
    alone = []
    for v, c in rows:
        try:
            alone.append(_outcome(money(v, c)))
        except BudgetError as exc:
            alone.append(_outcome(exc))
    assert [_outcome(r) for r in money_column(values, currencies)] == alone


@given(st.lists(st.one_of(cents, st.none(), st.integers(-10**6, 10**6)), max_size=8))
def test_money_columns_are_stored_in_hundredths_alike_one_by_one_and_as_a_column(values):
    money_type = Money()
    assert money_type.bind_column(values) == [money_type.process_bind_param(v, None) for v in values]


def test_a_money_column_refuses_floats_and_more_than_two_decimals():
    with pytest.raises(TypeError):
        Money().bind_column([Decimal("1.00"), 0.5])
    with pytest.raises(ValueError, match="more than two decimals"):
        Money().bind_column([Decimal("1.00"), Decimal("1.005")])


def test_positive_refuses_zero_and_negative_amounts_with_the_amount_in_the_message():
    assert positive(Decimal("0.01")) == Decimal("0.01")
    with pytest.raises(NonPositiveAmountError, match=r"above zero \(got -1,234.50\)"):
        positive(Decimal("-1234.50"))
    with pytest.raises(NonPositiveAmountError):
        positive(Decimal("0.00"))


# --------------------------------------------------------------------------- currencies


@pytest.mark.parametrize(("code", "expected"), [("usd", "USD"), (" chf ", "CHF"), ("EUR", "EUR"), ("gbp", "GBP")])
def test_normalise_currency_upper_cases_iso_codes(code, expected):
    assert normalise_currency(code) == expected
    assert is_currency(code)


@pytest.mark.parametrize("code", ["", None, "US", "EURO", "XYZ", "$"])
def test_unknown_currencies_are_refused_with_a_hint(code):
    with pytest.raises(UnknownCurrencyError, match="ISO 4217"):
        normalise_currency(code)
    assert not is_currency(code)


def test_three_decimal_currencies_are_refused_explicitly():
    with pytest.raises(UnknownCurrencyError, match="three decimals"):
        normalise_currency("KWD")


# --------------------------------------------------------------------------- conversion


@pytest.mark.parametrize(
    ("amount", "rate_", "expected"),
    [
        ("414000.00", "1.0350", "400000.00"),
        ("1.00", "1.1", "0.91"),  # 0.909090... → 0.91
        ("0.05", "2", "0.03"),  # 0.025 → half up → 0.03 (banker's rounding would give 0.02)
        ("0.15", "2", "0.08"),  # 0.075 → 0.08
        ("-0.05", "2", "-0.03"),  # half away from zero for credits returned
        ("204000.00", "1.1000", "185454.55"),
    ],
)
def test_to_eur_divides_by_the_ecb_rate_and_rounds_half_up_to_the_cent(amount, rate_, expected):
    assert to_eur(Decimal(amount), "USD", Decimal(rate_)) == Decimal(expected)


def test_to_eur_keeps_euros_and_needs_a_rate_otherwise():
    assert to_eur(Decimal("12.34"), "EUR", None) == Decimal("12.34")
    with pytest.raises(ValidationError, match="rate is needed"):
        to_eur(Decimal("12.34"), "USD", None)


@pytest.mark.parametrize("value", ["0", "-1.2", "abc", "NaN"])
def test_rates_must_be_positive_numbers(value):
    with pytest.raises(ValidationError):
        rate(value)


def test_rates_keep_every_digit():
    assert str(rate("1.08345")) == "1.08345"
    assert rate(1.1) == Decimal("1.1")


@given(small_cents.filter(lambda v: v != 0), st.integers(5000, 20000).map(lambda r: Decimal(r).scaleb(-4)))
def test_to_eur_is_within_half_a_cent_of_the_exact_quotient(amount, units_per_eur):
    eur = to_eur(amount, "USD", units_per_eur)
    assert eur == eur.quantize(Decimal("0.01"))
    assert abs(eur - amount / units_per_eur) <= Decimal("0.005")


# --------------------------------------------------------------------------- totals and ratios


def test_sums_over_mixed_currencies_stay_a_mapping():
    assert sum_by_currency([("USD", Decimal("1.10")), ("EUR", Decimal("2.00")), ("USD", Decimal("0.90"))]) == {
        "EUR": Decimal("2.00"),
        "USD": Decimal("2.00"),
    }


def test_ratio_is_a_four_decimal_fraction_or_none_for_a_zero_whole():
    assert ratio(Decimal("1"), Decimal("3")) == Decimal("0.3333")
    assert ratio(Decimal("2"), Decimal("3")) == Decimal("0.6667")
    assert ratio(Decimal("5"), Decimal("0")) is None
    assert ratio(Decimal("0"), Decimal("7")) == Decimal("0.0000")


# --------------------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("amount", "en", "be"),
    [
        ("1234567.89", "1,234,567.89", "1.234.567,89"),
        ("0.5", "0.50", "0,50"),
        ("-1000", "-1,000.00", "-1.000,00"),
        ("999.999", "1,000.00", "1.000,00"),
    ],
)
def test_fmt_in_english_and_belgian_styles(amount, en, be):
    assert fmt(Decimal(amount)) == en
    assert fmt(Decimal(amount), "be") == be


def test_fmt_of_nothing_is_empty_and_json_amounts_carry_two_decimals():
    assert fmt(None) == ""
    assert json_amount(Decimal("5")) == "5.00"
    assert json_amount(Decimal("-0.1")) == "-0.10"


def parse_en(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def parse_be(text: str) -> Decimal:
    return Decimal(text.replace(".", "").replace(",", "."))


@given(cents)
def test_formatted_amounts_read_back_to_the_same_amount_in_both_styles(amount):
    assert parse_en(fmt(amount)) == amount
    assert parse_be(fmt(amount, "be")) == amount
    assert Decimal(json_amount(amount)) == amount


@given(cents)
def test_money_accepts_every_cent_amount_and_its_text_unchanged(amount):
    assert money(amount) == amount
    assert money(str(amount)) == amount
    assert money(json_amount(amount)) == amount


def test_a_rate_is_written_as_published_in_either_style():
    from budget.money import fmt_rate

    assert [fmt_rate(Decimal(v)) for v in ("1.0800", "161.77", "0.84230", "150")] == ["1.08", "161.77", "0.8423", "150"]
    assert fmt_rate(Decimal("1.0729"), "be") == "1,0729"
