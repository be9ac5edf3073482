"""The bounds of budget/bounds.py, as properties: every value inside passes, every value
outside is refused with one line naming the value and the limit (issue #16)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, MetaData, String, Table

from budget import bounds
from budget.errors import ValidationError
from budget.money import money, rate, to_eur

HIDDEN = [chr(c) for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F),
                           *range(0x2066, 0x206A))]
VISIBLE = st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="".join(HIDDEN))


@given(st.text(VISIBLE, max_size=40).map(str.strip))
def test_a_name_without_hidden_characters_within_its_column_passes_unchanged(name):
    assert bounds.text(name, "The name", 40) == name


@given(st.text(VISIBLE, max_size=20), st.sampled_from(HIDDEN), st.text(VISIBLE, max_size=20))
def test_a_name_holding_a_control_or_bidi_character_is_refused_naming_it(before, hidden, after):
    value = f"x{before}{hidden}{after}x"
    with pytest.raises(bounds.OutOfBoundsError) as refused:
        bounds.text(value, "The name", 300)
    message = str(refused.value)
    assert f"U+{ord(hidden):04X}" in message
    assert not any(unicodedata.category(ch) == "Cc" or ch in HIDDEN for ch in message)


@given(st.integers(min_value=41, max_value=5000))
def test_a_name_longer_than_its_column_is_refused_naming_both_lengths(length):
    with pytest.raises(bounds.OutOfBoundsError, match=f"{length} characters long; at most 40"):
        bounds.text("N" * length, "The code", 40)


@given(st.integers(min_value=-(10**14) + 1, max_value=10**14 - 1))
def test_every_amount_below_the_maximum_passes(cents):
    amount = Decimal(cents).scaleb(-2)
    assert money(amount) == amount


@given(st.one_of(st.integers(min_value=10**12, max_value=10**400).map(Decimal),
                 st.decimals(min_value=Decimal("1E12"), allow_nan=False, allow_infinity=False),
                 st.sampled_from(["1e308", "9e16", "-9e16", "1E999999", "-1E+400"])))
def test_every_amount_at_or_above_the_maximum_is_refused_before_any_rounding(value):
    with pytest.raises(bounds.OutOfBoundsError, match="BUDGET_MAX_AMOUNT"):
        money(value)
    with pytest.raises(bounds.OutOfBoundsError, match="BUDGET_MAX_AMOUNT"):
        money(-Decimal(value))


def test_the_maximum_amount_is_a_setting(monkeypatch):
    monkeypatch.setenv("BUDGET_MAX_AMOUNT", "1000")
    assert money("999.99") == Decimal("999.99")
    with pytest.raises(bounds.OutOfBoundsError, match="less than EUR 1,000 "):
        money("1000")


@given(st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("100000000"), places=4))
def test_every_plausible_rate_passes(value):
    assert rate(value) == value


@given(st.one_of(st.decimals(min_value=Decimal("1E-400"), max_value=Decimal("0.0000999"), places=400),
                 st.decimals(min_value=Decimal("100000000.0001"), max_value=Decimal("1E400")),
                 st.sampled_from(["1e308", "1e-300", "0.0000000001", "1" * 41, "1.12345678901234"])))
def test_every_implausible_rate_is_refused_naming_the_limit(value):
    if isinstance(value, Decimal) and value <= 0:
        return
    with pytest.raises(ValidationError, match="rate"):
        rate(value)


@given(st.decimals(min_value=Decimal("1"), max_value=Decimal("100"), places=4),
       st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("100000000"), places=4))
def test_a_rate_passes_the_band_exactly_when_it_is_within_ten_times_the_known_one(known, value):
    inside = known / 10 <= value <= known * 10
    try:
        bounds.rate_band("USD", value, known)
    except bounds.ImplausibleRateError as exc:
        assert not inside
        assert "BUDGET_RATE_BAND" in str(exc) and "--force-rate" in str(exc)
    else:
        assert inside
    bounds.rate_band("USD", value, known, force=True)
    bounds.rate_band("USD", value, None)


def test_a_conversion_that_would_exceed_the_maximum_is_refused():
    with pytest.raises(bounds.OutOfBoundsError, match="BUDGET_MAX_AMOUNT"):
        to_eur(Decimal("999999999999.99"), "JPY", Decimal("0.5"))


@given(st.integers(min_value=-(2**80), max_value=2**80))
def test_a_fiscal_year_passes_exactly_between_1990_and_2100(year):
    if 1990 <= year <= 2100:
        assert bounds.fiscal_year(year) == year
    else:
        with pytest.raises(bounds.OutOfBoundsError, match="1990–2100"):
            bounds.fiscal_year(year)


def test_an_entry_date_may_lie_at_most_the_set_number_of_days_ahead(monkeypatch):
    today = dt.date(2026, 6, 1)
    assert bounds.entry_date(dt.date(2027, 6, 2), today=today) == dt.date(2027, 6, 2)
    with pytest.raises(bounds.OutOfBoundsError, match="366 days in the future"):
        bounds.entry_date(dt.date(2027, 6, 3), today=today)
    monkeypatch.setenv("BUDGET_MAX_FUTURE_DAYS", "30")
    with pytest.raises(bounds.OutOfBoundsError, match="BUDGET_MAX_FUTURE_DAYS"):
        bounds.entry_date(dt.date(2026, 7, 2), today=today)
    with pytest.raises(bounds.OutOfBoundsError, match="9999-12-31"):
        bounds.entry_date(dt.date(9999, 12, 31), today=today)


def test_the_hidden_characters_are_exactly_the_controls_and_the_bidi_overrides():
    bidi = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
    for code in range(0x110000):
        ch = chr(code)
        assert bounds.has_hidden(f"a{ch}b") == (ch in bidi or unicodedata.category(ch) == "Cc"), hex(code)


def test_the_maximum_read_once_by_a_load_is_the_same_bound(monkeypatch):
    monkeypatch.setenv("BUDGET_MAX_AMOUNT", "1000")
    limit = bounds.max_amount()
    assert money("999.99", limit=limit) == Decimal("999.99")
    with pytest.raises(bounds.OutOfBoundsError, match="less than EUR 1,000 "):
        money("1000", limit=limit)
    with pytest.raises(bounds.OutOfBoundsError, match=r"USD 2,000\.00 at rate 2 makes EUR 1,000\.00"):
        to_eur(Decimal("2000"), "USD", Decimal("2"), limit=limit)


def reference_table() -> Table:
    """A table of one text column of 10 characters (what check_rows reads of a table)."""
    return Table("bounds_rows", MetaData(), Column("reference", String(10)))


@pytest.mark.parametrize("bad", ["PAY-\x1b[31m", "PAY-\u202e1", "PAY-1234567"])
def test_a_bulk_insert_refuses_one_hidden_or_long_text_among_many_naming_its_row(bad):
    table = reference_table()
    rows = [{"reference": f"PAY-{i:05d}", "source_row": i + 2} for i in range(5000)]
    bounds.check_rows(table, rows)  # every text fits and shows: passes
    rows[3000] = {"reference": bad, "source_row": 3002}
    with pytest.raises(bounds.OutOfBoundsError, match="row 3002, column reference"):
        bounds.check_rows(table, rows)
