"""The language chooses how numbers, dates and months are written (dashboards/formats.py),
and a totals row adds up to the cent (dashboards/tables.py ``with_totals``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from budget.errors import ValidationError
from dashboards.formats import (
    DASH,
    amount_text,
    axis_amount_expr,
    date_text,
    month_name,
    pct_text,
    rate_text,
    rate_value,
    style_for,
)
from dashboards.tables import with_totals


def test_french_and_dutch_write_belgian_amounts_unless_a_style_is_chosen():
    assert style_for("en") == "en"
    assert style_for("fr") == style_for("nl") == "be"
    assert style_for("fr", "en") == "en" and style_for("en", "be") == "be"
    assert style_for("fr", "auto") == "be"
    assert amount_text(Decimal("1234567.89"), style_for("fr"), "EUR") == "EUR 1.234.567,89"


def test_an_undefined_value_shows_a_dash_never_none():
    assert pct_text(None, "en") == amount_text(None, "be") == date_text(None, "fr") == DASH
    assert pct_text(87.5, "be") == "87,5\u00a0%"


def test_dates_and_months_follow_the_language():
    day = dt.date(2026, 3, 31)
    assert date_text(day, "en") == "31 Mar 2026"
    assert date_text(day, "fr") == "31/03/2026"
    assert date_text(day, "nl") == "31-03-2026"
    assert month_name(8, "fr") == "août" and month_name(3, "nl") == "mrt"


def test_a_rate_is_written_and_read_as_the_reader_writes_numbers():
    assert (rate_text(Decimal("1.07180"), "en"), rate_text(Decimal("1.07180"), "be")) == ("1.0718", "1,0718")
    assert rate_text(Decimal("150"), "be") == "150" and rate_text(None, "be") == "–"
    assert rate_value(" 1,0718 ") == rate_value("1.0718") == Decimal("1.0718")
    for bad in ("1.234,5", "abc", "-1", "0", "1e400", "1" * 400):
        with pytest.raises(ValidationError):
            rate_value(bad)


def test_chart_axes_write_millions_in_the_chosen_style():
    assert "' M'" in axis_amount_expr("en", "en") and "regexp" not in axis_amount_expr("en", "en")
    be = axis_amount_expr("be", "nl")
    assert "regexp" in be and "' mln'" in be


def test_a_totals_row_adds_up_to_the_cent_and_works_out_its_percentage_from_the_totals():
    df = pd.DataFrame({
        "Code": ["A", "B", "C"], "Year": [2025, 2026, 2026], "Count": [1, 2, 3],
        "Committed": [Decimal("0.10"), Decimal("0.20"), Decimal("1000000.05")],
        "Paid": [Decimal("0.05"), Decimal("0.20"), Decimal("0.00")],
        "%": [50.0, 100.0, 0.0],
    })
    out = with_totals(df, ["Committed", "Paid"], {"%": ("Paid", "Committed")}, label="Total", counts=["Count"])
    last = out.iloc[-1]
    assert last["Code"] == "Total" and len(out) == 4
    assert last["Committed"] == Decimal("1000000.35") and last["Paid"] == Decimal("0.25")
    assert last["Count"] == 6 and last["Year"] == ""
    # The ratio of the totals (money.ratio), shown as every percentage is: 0.0000 -> 0.0 %.
    assert last["%"] == 0.0
    nothing = with_totals(df.assign(Committed=[Decimal(0)] * 3), ["Committed"], {"%": ("Paid", "Committed")},
                          label="Total")
    assert nothing.iloc[-1]["%"] is None
    assert with_totals(df.iloc[0:0], ["Committed"], label="Total").empty
