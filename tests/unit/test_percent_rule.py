"""One rule writes a percentage everywhere (``budget.money.percent``): one decimal, ties away
from zero, as a spreadsheet's ``0.0%`` shows the same fraction. The report's text, the
dashboard's sentences, its table cells and its grid all write the digits it gives, so a
budget officer never reads 1.6 % in the PDF and 1.7 % on the page or in the workbook."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budget.money import fmt_percent, percent, ratio
from budget.reports import i18n
from dashboards import common
from dashboards.formats import pct_text, pct_value
from dashboards.tables import with_totals

# Fractions as the figures give them (money.ratio: four decimals), ties included.
FRACTIONS = st.integers(min_value=-200_000, max_value=200_000).map(lambda n: Decimal(n).scaleb(-4))

HALF_CASES = {
    "0.0165": ("1.7", "1,7"),    # a tie: away from zero (half-even wrote 1.6 in the PDF)
    "-0.0165": ("-1.7", "-1,7"),
    "0.0285": ("2.9", "2,9"),    # 2.85 is 2.8499... as a float: the float path wrote 2.8
    "0.0005": ("0.1", "0,1"),
    "0.0004": ("0.0", "0,0"),
    "-0.0004": ("0.0", "0,0"),   # never -0.0
    "1.2345": ("123.5", "123,5"),
}


@pytest.mark.parametrize("fraction", sorted(HALF_CASES))
def test_ties_round_away_from_zero_in_every_language(fraction: str) -> None:
    en, be = HALF_CASES[fraction]
    value = Decimal(fraction)
    assert str(percent(value)) == en
    assert i18n.percent(value, "en") == fmt_percent(value, "en") == f"{en}\u00a0%"
    assert i18n.percent(value, "fr") == i18n.percent(value, "nl") == fmt_percent(value, "be") == f"{be}\u00a0%"


@given(FRACTIONS, st.sampled_from(["en", "be"]))
def test_report_page_and_table_write_the_same_percentage(fraction: Decimal, style: str) -> None:
    report = i18n.percent(fraction, "en" if style == "en" else "fr")
    assert report == fmt_percent(fraction, style)
    # A table column holds the shown percentage; its cell text and the grid's printf
    # ``%.1f`` of the float both write the same digits.
    shown = pct_value(fraction)
    assert shown is not None
    assert pct_text(shown, style) == report
    assert f"{shown:.1f}" == str(percent(fraction))


def test_a_dashboard_sentence_writes_the_report_text(monkeypatch: pytest.MonkeyPatch) -> None:
    for style in ("en", "be"):
        monkeypatch.setattr(common, "amount_style", lambda style=style: style)
        for fraction in HALF_CASES:
            assert common.fmt_pct(Decimal(fraction)) == fmt_percent(Decimal(fraction), style)
    assert common.fmt_pct(None) == pct_text(None, "en") == i18n.percent(None) == "–"


def test_a_totals_row_percentage_is_the_ratio_of_its_totals_rounded_once() -> None:
    import pandas as pd

    df = pd.DataFrame({"Code": ["A", "B"], "Paid": [Decimal("16.50"), Decimal("0.00")],
                       "Committed": [Decimal("600.00"), Decimal("400.00")], "%": [2.8, 0.0]})
    total = with_totals(df, ["Paid", "Committed"], {"%": ("Paid", "Committed")}, label="Total").iloc[-1]
    # 16.50 / 1,000.00 = 0.0165: 1.7 %, as the report writes the same ratio.
    assert total["%"] == pct_value(ratio(Decimal("16.50"), Decimal("1000.00"))) == 1.7
