"""One definition per figure and status: the CLI's JSON, the dashboard (AppTest) and the report
workbook give the same committed, paid and status for every organisation, on the demo, at
three month ends (last December, June, and the last month end before today)."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import DEMO_TODAY, demo_copy
from streamlit.testing.v1 import AppTest

from budget.cli import cli
from budget.ledger.db import make_engine, make_session_factory
from budget.reports import generate
from budget.reports.i18n import t as report_text
from budget.services.status import STATUSES
from dashboards.common import CurrentUser

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")
TODAY = DEMO_TODAY  # the pages' today too (fixed_today)
LAST_MONTH_END = TODAY.replace(day=1) - dt.timedelta(days=1)
DATES = (dt.date(TODAY.year - 1, 12, 31), dt.date(TODAY.year, 6, 30), LAST_MONTH_END)
CENT = Decimal("0.01")


pytestmark = pytest.mark.usefixtures("fixed_today")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> str:
    return demo_copy(demo_template, tmp_path_factory.mktemp("agree"))


def from_cli(url: str, day: dt.date) -> dict[str, tuple[Decimal, Decimal, str]]:
    result = CliRunner().invoke(cli, ["--db", url, "organisations", "--year", str(day.year), "--as-of",
                                      day.isoformat(), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return {o["code"]: (Decimal(o["committed"]), Decimal(o["paid"]), o["status"])
            for o in json.loads(result.stdout)["organisations"]}


def from_dashboard(monkeypatch: pytest.MonkeyPatch, url: str, day: dt.date) -> dict[str, tuple[Decimal, Decimal, str]]:
    monkeypatch.setenv("BUDGET_DATABASE_URL", url)
    monkeypatch.delenv("BUDGET_DEMO", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user"] = CurrentUser("officer1", "officer", None)
    at.run()
    at.switch_page("screens/organisations.py").run()
    at.selectbox(key="org_year").set_value(day.year).run()
    at.date_input(key=f"org_as_of-{day.year}").set_value(day).run()
    assert not at.exception and not at.error
    en = json.loads((Path(APP).parent / "i18n" / "en.json").read_text())
    status_of = {en[f"status.{s}"]: s for s in STATUSES}
    df = next(d.value for d in at.dataframe if {"Code", "Status"} <= set(d.value.columns))
    df = df[df["Code"] != en["common.total"]]  # the totals row (checked in test_dashboard_readable)
    return {row["Code"]: (Decimal(str(row["Committed EUR"])).quantize(CENT),
                          Decimal(str(row["Paid EUR"])).quantize(CENT), status_of[row["Status"]])
            for _, row in df.iterrows()}


def from_workbook(url: str, day: dt.date) -> dict[str, tuple[Decimal, Decimal, str]]:
    engine = make_engine(url)
    try:
        data = generate(make_session_factory(engine), f"{day:%Y-%m}", formats=("xlsx",))["xlsx"]
    finally:
        engine.dispose()
    ws = openpyxl.load_workbook(io.BytesIO(data))["By organisation"]
    headers = [c.value for c in ws[1]]
    code, committed, paid, status = (headers.index(h) for h in ("Code", "Committed EUR", "Paid EUR", "Status"))
    status_of = {report_text(f"st_{s}", "en"): s for s in STATUSES}
    out = {}
    for row in ws.iter_rows(min_row=2, values_only=True):
        if row[code] and row[status] in status_of:  # the totals row has no status
            out[row[code]] = (Decimal(str(row[committed])).quantize(CENT), Decimal(str(row[paid])).quantize(CENT),
                              status_of[row[status]])
    return out


@pytest.mark.slow
@pytest.mark.parametrize("day", DATES, ids=[d.isoformat() for d in DATES])
def test_the_cli_the_dashboard_and_the_workbook_agree_on_every_organisation(monkeypatch, demo, day):
    cli_view = from_cli(demo, day)
    assert len({s for *_, s in cli_view.values()}) >= 3, "the demo should show several statuses"
    assert from_dashboard(monkeypatch, demo, day) == cli_view
    assert from_workbook(demo, day) == cli_view
