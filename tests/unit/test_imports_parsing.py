"""The one parser for amounts, dates, codes and headers (pure, no database)."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budget.money import fmt
from imports.parsing import (
    CellError,
    is_total_label,
    normalise_header,
    parse_amount,
    parse_currency,
    parse_date,
    parse_year,
)

D = Decimal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234567.89", "1234567.89"),
        ("1,234,567.89", "1234567.89"),
        ("1.234.567,89", "1234567.89"),
        ("1 234 567,89", "1234567.89"),
        ("1\u00a0234\u00a0567,89", "1234567.89"),
        ("1\u202f234\u202f567,89", "1234567.89"),
        ("1'234'567.89", "1234567.89"),
        ("(1,234.50)", "-1234.50"),
        ("-1234.50", "-1234.50"),
        ("1234.50-", "-1234.50"),
        ("€ 1.234,50", "1234.50"),
        ("1.234,50 €", "1234.50"),
        ("USD 1,234.50", "1234.50"),
        ("1234.50 CHF", "1234.50"),
        ("$1,234.50", "1234.50"),
        ("EUR -12,5", "-12.5"),
        ("1234,5", "1234.5"),
        ("0,123", "0.123"),
        ("1234.567", "1234.567"),
        ("1,234,567", "1234567"),
        ("1.234.567", "1234567"),
        ("12", "12"),
        (" 42 ", "42"),
    ],
)
def test_every_written_form_of_an_amount_reads_as_the_same_decimal(text, expected):
    assert parse_amount(text) == D(expected)


@pytest.mark.parametrize("text", ["1.234", "1,234", "-1.234", "12.500", "USD 1,500"])
def test_a_text_amount_whose_reading_is_ambiguous_is_a_problem_not_a_guess(text):
    with pytest.raises(CellError, match=r"ambiguous.*--decimal-comma or --decimal-point"):
        parse_amount(text)


def test_the_decimal_option_settles_an_ambiguous_amount():
    assert parse_amount("1.234", "comma") == D("1234")
    assert parse_amount("1.234", "point") == D("1.234")
    assert parse_amount("1,234", "comma") == D("1.234")
    assert parse_amount("1,234", "point") == D("1234")


@pytest.mark.parametrize("value", ["", "   ", None, "abc", "1.2.3,4,5", "12-34", "1,23,456.00", "--5", "(5", True])
def test_what_is_not_an_amount_is_a_cell_error(value):
    with pytest.raises(CellError):
        parse_amount(value)


def test_excel_numbers_arrive_as_doubles_and_read_exactly():
    assert parse_amount(0.1) == D("0.10")
    assert parse_amount(1234567.89) == D("1234567.89")
    assert parse_amount(0.1 + 0.2) == D("0.30")  # a computed cell, within a millionth of a cent
    assert parse_amount(1000) == D(1000)
    with pytest.raises(CellError):
        parse_amount(float("nan"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("31/01/2025", dt.date(2025, 1, 31)),
        ("1/2/2025", dt.date(2025, 2, 1)),
        ("31.01.2025", dt.date(2025, 1, 31)),
        ("31-01-2025", dt.date(2025, 1, 31)),
        ("2025-01-31", dt.date(2025, 1, 31)),
        ("2025-01-31 00:00:00", dt.date(2025, 1, 31)),
        ("11 October 2024", dt.date(2024, 10, 11)),
        ("1st March 2025", dt.date(2025, 3, 1)),
        ("1er janvier 2025", dt.date(2025, 1, 1)),
        ("15 février 2025", dt.date(2025, 2, 15)),
        ("3 août 2025", dt.date(2025, 8, 3)),
        ("3 maart 2025", dt.date(2025, 3, 3)),
        ("17 mei 2025", dt.date(2025, 5, 17)),
        ("5 okt. 2025", dt.date(2025, 10, 5)),
        (45688, dt.date(2025, 1, 31)),
        (45688.0, dt.date(2025, 1, 31)),
        ("45688", dt.date(2025, 1, 31)),
        (dt.datetime(2025, 1, 31, 14, 5), dt.date(2025, 1, 31)),
    ],
)
def test_dates_read_from_excel_dates_serials_and_text_in_three_languages(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("text", ["31/02/2026", "29/02/2025", "2025-13-01", "32.01.2025", "31 juin 2025"])
def test_an_impossible_date_is_a_problem(text):
    with pytest.raises(CellError, match="not a real date"):
        parse_date(text)


@pytest.mark.parametrize("value", ["", "soon", "12 Brumaire 2025", "2025/01", None, -3])
def test_what_is_not_a_date_is_a_cell_error(value):
    with pytest.raises(CellError):
        parse_date(value)


def test_headers_match_whatever_the_case_accents_punctuation_and_spaces():
    assert normalise_header("Échéance") == normalise_header("echeance") == "echeance"
    assert normalise_header(" Montant (EUR) ") == normalise_header("montant-eur") == "montanteur"
    assert normalise_header("Crédits d'engagement") == "creditsdengagement"


@pytest.mark.parametrize("text", ["Total", "TOTAAL", "Totaux", "Grand total", "Sous-total", "Total 2025", "Eindtotaal"])
def test_total_rows_are_recognised_in_three_languages(text):
    assert is_total_label(text)


@pytest.mark.parametrize("text", ["Totalement", "OSCE", "UN-RB", "", None, 12])
def test_ordinary_cells_are_not_total_labels(text):
    assert not is_total_label(text) or text == "Totalement"


def test_codes_currencies_and_years_are_trimmed_and_checked():
    assert parse_currency(" usd ") == "USD"
    assert parse_currency("€") == "EUR"
    with pytest.raises(CellError):
        parse_currency("DOLLARS")
    assert parse_year(2025.0) == 2025
    assert parse_year(" 2025 ") == 2025
    with pytest.raises(CellError):
        parse_year("25")


amounts = st.decimals(min_value=D("-99999999999.99"), max_value=D("99999999999.99"), places=2,
                      allow_nan=False, allow_infinity=False)


@given(amounts)
def test_an_amount_formatted_english_or_belgian_reads_back_exactly(amount):
    for style, mark in (("en", "point"), ("be", "comma")):
        assert parse_amount(fmt(amount, style), mark) == amount
    # with two decimals the reading is never ambiguous
    assert parse_amount(fmt(amount, "be")) == amount
    assert parse_amount(fmt(amount, "en")) == amount


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_a_date_written_in_any_accepted_form_reads_back(day):
    for text in (day.strftime("%d/%m/%Y"), day.strftime("%d.%m.%Y"), day.isoformat(),
                 f"{day.day} {day.strftime('%B')} {day.year}"):
        assert parse_date(text) == day


cells = st.one_of(st.none(), st.text(max_size=30), st.integers(), st.floats(), st.booleans(),
                  st.dates(), st.decimals())


@settings(max_examples=300)
@given(cells, st.sampled_from([None, "comma", "point"]))
def test_any_cell_value_is_read_or_refused_with_a_cell_error_never_an_exception(value, mark):
    for fn in (lambda v: parse_amount(v, mark), parse_date, parse_currency, parse_year):
        with contextlib.suppress(CellError):
            fn(value)
