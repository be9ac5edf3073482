"""The pages an officer prefers to a spreadsheet (issue #13), through Streamlit's AppTest.

Every table of amounts ends with a totals row that adds up to the cent and equals the
service layer's totals; French writes 1.234.567,89 without a second switch; Budget lines
name the control modes in words.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from conftest import DEMO_TODAY, demo_copy
from streamlit.testing.v1 import AppTest

from budget.ledger.db import make_engine, make_session_factory
from budget.money import fmt, ratio
from budget.services import views
from budget.uow import UnitOfWork
from dashboards.common import CurrentUser
from dashboards.formats import pct_value

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")
TODAY = DEMO_TODAY  # the pages' today too (fixed_today)
YEAR = TODAY.year
OFFICER = CurrentUser("officer1", "officer", None)


pytestmark = pytest.mark.usefixtures("fixed_today")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> str:
    return demo_copy(demo_template, tmp_path_factory.mktemp("readable"))


@pytest.fixture(scope="module")
def totals(demo_db: str) -> dict[str, views.Totals]:
    engine = make_engine(demo_db)
    try:
        with UnitOfWork(make_session_factory(engine), write=False) as uow:
            return {by: views.execution(uow, YEAR, by, as_of=TODAY).totals for by in ("directorate", "ab")}
    finally:
        engine.dispose()


def app(monkeypatch: pytest.MonkeyPatch, url: str, lang: str | None = None) -> AppTest:
    monkeypatch.setenv("BUDGET_DATABASE_URL", url)
    monkeypatch.delenv("BUDGET_DEMO", raising=False)
    monkeypatch.delenv("BUDGET_AMOUNT_STYLE", raising=False)
    if lang:
        monkeypatch.setenv("BUDGET_LANG", lang)
    else:
        monkeypatch.delenv("BUDGET_LANG", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user"] = OFFICER
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    at.run()
    at.switch_page(f"screens/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def tables_with(at: AppTest, *columns: str) -> list[pd.DataFrame]:
    return [df.value for df in at.dataframe if all(c in df.value.columns for c in columns)]


def dec(value: object) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def assert_totals_row_adds_up(df: pd.DataFrame, amount_cols: list[str], label: str = "Total") -> pd.Series:
    """The last row says Total and each amount is the sum of the rows above, to the cent."""
    last = df.iloc[-1]
    assert any(isinstance(v, str) and v.startswith(label) for v in last), list(last)
    for col in amount_cols:
        assert dec(last[col]) == sum((dec(v) for v in df[col].iloc[:-1] if v is not None and not pd.isna(v)),
                                     Decimal(0)), col
    return last


def test_the_overview_directorate_table_shows_the_amounts_and_a_totals_row_equal_to_the_service(
        monkeypatch, demo_db, totals):
    at = open_page(app(monkeypatch, demo_db), "overview")
    (df,) = tables_with(at, "Directorate", "% paid")
    assert list(df.columns[:5]) == ["Directorate", "Committed EUR", "Paid EUR", "Open EUR", "% paid"]
    last = assert_totals_row_adds_up(df, ["Committed EUR", "Paid EUR", "Open EUR"])
    tot = totals["directorate"]
    assert (dec(last["Committed EUR"]), dec(last["Paid EUR"]), dec(last["Open EUR"])) == (
        tot.committed, tot.paid, tot.open)
    # The service's paid rate, shown as the report shows it (money.percent).
    assert last["% paid"] == pct_value(tot.paid_rate) == pct_value(ratio(tot.paid, tot.committed))
    (top,) = tables_with(at, "Reference", "Open EUR")
    assert list(top.columns[:2]) == ["Organisation", "Open EUR"]
    assert_totals_row_adds_up(top, ["Open EUR"])


def test_the_organisations_and_directorates_tables_end_with_totals_equal_to_the_service(
        monkeypatch, demo_db, totals):
    tot = totals["directorate"]
    at = open_page(app(monkeypatch, demo_db), "organisations")
    (df,) = tables_with(at, "Code", "Status", "Outstanding EUR")
    assert list(df.columns[:5]) == ["Code", "Committed EUR", "Paid EUR", "Open EUR", "% paid"]
    assert {"Outstanding EUR", "Due date", "Status"} <= set(df.columns[:8])
    last = assert_totals_row_adds_up(df, ["Committed EUR", "Paid EUR", "Open EUR", "Outstanding EUR"])
    assert dec(last["Committed EUR"]) == tot.committed and dec(last["Paid EUR"]) == tot.paid

    at.switch_page("screens/directorates.py").run()
    (df,) = tables_with(at, "Organisations", "Overdue EUR")
    # The name second, narrow: a directorate's code alone says little (its full name on hover).
    assert list(df.columns[:7]) == ["Directorate", "Name", "Committed EUR", "Paid EUR", "Open EUR", "% paid",
                                    "Overdue EUR"]
    last = assert_totals_row_adds_up(df, ["Committed EUR", "Paid EUR", "Open EUR", "Overdue EUR",
                                          "Paid in year EUR"])
    assert dec(last["Paid in year EUR"]) == tot.paid_in_year
    assert int(last["Organisations"]) == sum(int(v) for v in df["Organisations"].iloc[:-1])


def test_budget_lines_show_both_credits_with_totals_and_the_control_modes_in_words(monkeypatch, demo_db, totals):
    at = open_page(app(monkeypatch, demo_db), "budget_lines")
    tot = totals["ab"]
    (commit,) = tables_with(at, "Commitment credits EUR", "% committed")
    last = assert_totals_row_adds_up(commit, ["Commitment credits EUR", "Committed EUR", "Available EUR"])
    assert (dec(last["Commitment credits EUR"]), dec(last["Available EUR"])) == (tot.commitment_credits,
                                                                                   tot.available)
    assert set(commit["Control"].iloc[:-1]) <= {"Blocks", "Warns only"}
    (pay,) = tables_with(at, "Payment credits EUR", "Paid in year EUR")
    last = assert_totals_row_adds_up(pay, ["Payment credits EUR", "Paid in year EUR", "Payment credits left EUR"])
    assert dec(last["Payment credits EUR"]) == tot.payment_credits


def test_french_writes_belgian_amounts_and_dates_without_a_second_switch(monkeypatch, demo_db, totals):
    at = open_page(app(monkeypatch, demo_db, lang="fr"), "overview")
    tot = totals["directorate"]
    values = {m.label: m.value for m in at.metric}
    assert values["Engagé"] == f"EUR {fmt(tot.committed, 'be')}"
    assert re.fullmatch(r"EUR \d{1,3}(\.\d{3})*,\d{2}", values["Engagé"])
    pct = next(m.delta for m in at.metric if m.label == "Engagé")
    assert re.search(r"\d,\d\u00a0%", re.sub(r"\\(.)", r"\1", pct)), pct  # unescaped as shown
    # The as-of date is entered the French way.
    assert at.date_input(key=f"ov_as_of-{YEAR}").proto.format == "DD/MM/YYYY"
    # The switch still wins over the language.
    at.radio(key="amount_style").set_value("en").run()
    values = {m.label: m.value for m in at.metric}
    assert values["Engagé"] == f"EUR {fmt(tot.committed, 'en')}"


def test_the_tab_icon_is_a_file_of_the_repository_not_an_icon_font():
    source = Path(APP).read_text(encoding="utf-8")
    assert ":material/" not in source.split("set_page_config", 1)[1].split(")", 1)[0]
    assert (Path(APP).parent / "static" / "icon.png").stat().st_size > 0


def test_an_undefined_percentage_or_date_shows_a_dash_not_none(monkeypatch, demo_db):
    at = open_page(app(monkeypatch, demo_db), "organisations")
    (df,) = tables_with(at, "Code", "Status", "Outstanding EUR")
    not_assessed = df[df["Status"] == "Not yet assessed"]
    assert len(not_assessed) > 0
    assert set(not_assessed["% paid"]) == {"–"} and set(not_assessed["Due date"]) == {"–"}
    assert not df.isna().any().any()
