"""Periods on the pages (AppTest, demo ledger): the period selector's every kind, the figures
of the period and the year-over-year tables equal the service's to the cent and add up to
their totals rows, the monthly payments chart, the exchange-rate history and what-if, in
English and in French."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from conftest import demo_copy
from streamlit.testing.v1 import AppTest

from budget.ledger.db import make_engine, make_session_factory
from budget.money import fmt, fmt_percent, ratio
from budget.services import exchange, periods, views
from budget.services.periods import period_of
from budget.uow import UnitOfWork
from dashboards.common import CurrentUser
from dashboards.formats import pct_value

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")
TODAY = dt.date.today()
YEAR = TODAY.year
OFFICER = CurrentUser("officer1", "officer", None)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory, demo_template_today: Path) -> str:
    return demo_copy(demo_template_today, tmp_path_factory.mktemp("periods"))


def read(url: str, fn, *args, **kwargs):
    engine = make_engine(url)
    try:
        with UnitOfWork(make_session_factory(engine), user="t", channel="test", write=False) as uow:
            return fn(uow, *args, **kwargs)
    finally:
        engine.dispose()


def open_page(monkeypatch: pytest.MonkeyPatch, url: str, page: str, lang: str | None = None) -> AppTest:
    monkeypatch.setenv("BUDGET_DATABASE_URL", url)
    monkeypatch.delenv("BUDGET_DEMO", raising=False)
    if lang:
        monkeypatch.setenv("BUDGET_LANG", lang)
    else:
        monkeypatch.delenv("BUDGET_LANG", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user"] = OFFICER
    at.run()
    return at.switch_page(f"screens/{page}.py").run()


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def shown(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


def metric(at: AppTest, label: str):
    found = [m for m in at.metric if shown(m.label) == label]
    assert found, f"no metric {label!r} in {[m.label for m in at.metric]}"
    return found[0]


def dec(value: object) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def yoy_table(at: AppTest, key_label: str, year: int = YEAR) -> pd.DataFrame:
    found = [df.value for df in at.dataframe
             if {key_label, str(year), str(year - 1)} <= set(df.value.columns)]
    assert len(found) == 1, [list(df.value.columns) for df in at.dataframe]
    return found[0]


def assert_adds_up(df: pd.DataFrame, columns: list[str]) -> pd.Series:
    last = df.iloc[-1]
    for col in columns:
        assert sum((dec(v) for v in df[col].iloc[:-1]), Decimal(0)) == dec(last[col]), col
    return last


def choose(at: AppTest, prefix: str, kind: str, lang: str = "en", **detail: object) -> AppTest:
    """Choose a period as the reader does (the translated choices are one widget per language)."""
    at.selectbox(key=f"{prefix}_period~{lang}").set_value(kind).run()
    for name, value in detail.items():
        if name in ("from", "to", "as_of"):
            at.date_input(key=f"{prefix}_{name}-{YEAR}").set_value(value).run()
        else:
            at.selectbox(key=f"{prefix}_{name}-{YEAR}~{lang}").set_value(value).run()
    return at


# --------------------------------------------------------------------------- overview


def test_the_overview_shows_the_periods_figures_against_last_year_for_every_kind(monkeypatch, demo_db):
    at = open_page(monkeypatch, demo_db, "overview")
    no_errors(at)
    assert at.selectbox(key="ov_period~en").value == "ytd"
    cases = [
        ("ytd", {}, period_of("ytd", YEAR, as_of=TODAY)),
        ("quarter", {"quarter": 1}, period_of("quarter", YEAR, quarter=1)),
        ("month", {"month": 2}, period_of("month", YEAR, month=2)),
        ("year", {}, period_of("year", YEAR)),
        ("custom", {"from": dt.date(YEAR, 2, 1), "to": dt.date(YEAR, 3, 15)},
         period_of("custom", YEAR, start=dt.date(YEAR, 2, 1), end=dt.date(YEAR, 3, 15))),
    ]
    for kind, detail, expected in cases:
        choose(at, "ov", kind, **detail)
        no_errors(at)
        yoy = read(demo_db, periods.year_over_year, expected, "directorate")
        assert metric(at, "Committed in the period").value == f"EUR {fmt(yoy.totals.committed.this)}", kind
        assert metric(at, "Paid in the period").value == f"EUR {fmt(yoy.totals.paid_in_year.this)}", kind
        paid = metric(at, "Paid on the year's commitments in the period")
        assert paid.value == f"EUR {fmt(yoy.totals.paid.this)}"
        assert f"vs {YEAR - 1}" in shown(paid.delta)
        # Balances stay as of the period's end: the headline open amount is the year's then.
        ex = read(demo_db, views.execution, YEAR, "directorate", as_of=expected.end)
        assert metric(at, "Open (committed − paid)").value == f"EUR {fmt(ex.totals.open)}", kind
        assert any(f"Payments per month, {YEAR} against {YEAR - 1}" in s.value for s in at.subheader)


def test_year_to_date_in_the_period_equals_the_yearly_figures(monkeypatch, demo_db):
    at = open_page(monkeypatch, demo_db, "overview")
    ex = read(demo_db, views.execution, YEAR, "directorate", as_of=TODAY)
    assert metric(at, "Committed in the period").value == metric(at, "Committed").value \
        == f"EUR {fmt(ex.totals.committed)}"
    assert metric(at, "Paid in the period").value == f"EUR {fmt(ex.totals.paid_in_year)}"


def test_a_custom_range_whose_start_follows_its_end_gets_a_message_not_a_traceback(monkeypatch, demo_db):
    at = open_page(monkeypatch, demo_db, "overview")
    choose(at, "ov", "custom", **{"from": dt.date(YEAR, 3, 1), "to": dt.date(YEAR, 2, 1)})
    assert not at.exception
    assert [e.value for e in at.error] and "after its end" in shown(at.error[0].value)


# --------------------------------------------------------------------------- year over year


@pytest.mark.parametrize(("page", "prefix", "by", "key_label"), [
    ("directorates", "dir", "directorate", "Directorate"), ("budget_lines", "ab", "ab", "AB"),
    ("organisations", "org", "organisation", "Organisation")])
def test_the_year_over_year_table_adds_up_to_its_totals_and_to_the_yearly_figure(
        monkeypatch, demo_db, page, prefix, by, key_label):
    at = open_page(monkeypatch, demo_db, page)
    no_errors(at)
    if page == "organisations":  # folded there, below the organisations' table
        assert not [r for r in at.radio if r.key == "org_yoy_figure~en"]
        at.session_state["org_yoy_open"] = True
        at.run()
    yearly = read(demo_db, views.execution, YEAR, by, as_of=TODAY).totals
    last_year = read(demo_db, views.execution, YEAR - 1, by,
                     as_of=periods.same_day_a_year_earlier(TODAY)).totals
    for figure, this, last in (("committed", yearly.committed, last_year.committed),
                               ("paid_in_year", yearly.paid_in_year, last_year.paid_in_year)):
        at.radio(key=f"{prefix}_yoy_figure~en").set_value(figure).run()
        no_errors(at)
        df = yoy_table(at, key_label)
        total = assert_adds_up(df, [str(YEAR), str(YEAR - 1), "Difference EUR"])
        assert total[key_label] == "Total"
        assert (dec(total[str(YEAR)]), dec(total[str(YEAR - 1)])) == (this, last)
        assert dec(total["Difference EUR"]) == this - last
        # The change of the totals, rounded once as every percentage shown (money.percent).
        rate = ratio(this - last, last) if last else None
        change = total["Change %"]
        if isinstance(change, str):  # a column with gaps goes as display text ("–" in the gaps)
            assert change == fmt_percent(rate, "en"), change
        else:
            assert change == pct_value(rate) if rate is not None else change is None
    # Another period: the table follows it.
    choose(at, prefix, "quarter", quarter=1)
    no_errors(at)
    q1 = read(demo_db, periods.year_over_year, period_of("quarter", YEAR, quarter=1), by)
    df = yoy_table(at, key_label)
    total = assert_adds_up(df, [str(YEAR), str(YEAR - 1), "Difference EUR"])
    assert dec(total[str(YEAR)]) == q1.totals.paid_in_year.this


# --------------------------------------------------------------------------- exchange rates


def test_the_exchange_page_draws_the_rate_history_and_moves_the_exposure(monkeypatch, demo_db):
    at = open_page(monkeypatch, demo_db, "exchange_rates")
    no_errors(at)
    assert any(s.value == "Rate history" for s in at.subheader)
    exp = read(demo_db, views.exposure, as_of=TODAY)
    assert exp, "the demo holds open foreign-currency commitments"
    cur = exp[0].currency
    assert not at.number_input  # the what-if runs once unfolded
    at.session_state["fx_what_if_open"] = True
    at.run()
    at.number_input(key=f"fx_move_{cur}").set_value(10).run()
    no_errors(at)
    w = exchange.exposure_what_if(exp, {cur: Decimal(10)})
    df = next(d.value for d in at.dataframe if "EUR at the moved rate" in d.value.columns)
    total = assert_adds_up(df, ["EUR at the moved rate", "Difference EUR", "Change vs the day's rate"])
    assert (dec(total["EUR at the moved rate"]), dec(total["Difference EUR"])) == (w.eur_at_shock, w.difference)
    assert dec(total["Change vs the day's rate"]) == w.change
    row = df[df["Currency"] == cur].iloc[0]
    assert dec(row["EUR at the moved rate"]) == w.rows[0].eur_at_shock
    assert metric(at, "Open EUR at the moved rates").value == f"EUR {fmt(w.eur_at_shock)}"


# --------------------------------------------------------------------------- French


def test_in_french_the_periods_speak_french_and_write_belgian_numbers(monkeypatch, demo_db):
    at = open_page(monkeypatch, demo_db, "overview", lang="fr")
    no_errors(at)
    kinds = at.selectbox(key="ov_period~fr")
    assert kinds.label == "Période" and "Cumul de l'année" in kinds.options
    choose(at, "ov", "quarter", lang="fr", quarter=2)
    m = metric(at, "Payé sur la période")
    assert re.fullmatch(r"EUR \d{1,3}(\.\d{3})*,\d{2}", m.value), m.value
    assert f"par rapport à {YEAR - 1}" in shown(m.delta)
    assert any(f"01/04/{YEAR}" in shown(cap.value) for cap in at.caption)
    at = open_page(monkeypatch, demo_db, "directorates", lang="fr")
    assert at.radio(key="dir_yoy_figure~fr").options == ["Engagé", "Payé sur la période"]
    assert any("D'une année à l'autre" in s.value for s in at.subheader)


def test_a_period_chosen_survives_a_change_of_language(monkeypatch, demo_db):
    monkeypatch.delenv("BUDGET_LANG", raising=False)
    at = open_page(monkeypatch, demo_db, "overview")
    choose(at, "ov", "quarter", quarter=1)
    at.selectbox(key="lang").set_value("fr").run()
    no_errors(at)
    assert at.selectbox(key="ov_period~fr").value == "quarter"
    assert at.selectbox(key=f"ov_quarter-{YEAR}~fr").value == 1
    assert any(f"01/01/{YEAR}" in shown(cap.value) for cap in at.caption)


def test_a_viewer_limited_to_m2_sees_only_m2_in_the_period_figures(monkeypatch, demo_db):
    monkeypatch.setenv("BUDGET_DATABASE_URL", demo_db)
    monkeypatch.delenv("BUDGET_DEMO", raising=False)
    monkeypatch.delenv("BUDGET_LANG", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user"] = CurrentUser("victor", "viewer", ("M2",))
    at.run()
    at.switch_page("screens/directorates.py").run()
    no_errors(at)
    df = yoy_table(at, "Directorate")
    assert list(df["Directorate"]) == ["M2", "Total"]
    mine = read(demo_db, periods.year_over_year, period_of("ytd", YEAR, as_of=TODAY), "directorate",
                directorates=("M2",))
    assert dec(df.iloc[-1][str(YEAR)]) == mine.totals.committed.this
    at.switch_page("screens/overview.py").run()
    assert metric(at, "Committed in the period").value == f"EUR {fmt(mine.totals.committed.this)}"
