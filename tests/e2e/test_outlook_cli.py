"""`budget outlook` (and its back-test) and `budget timeliness` on the demo ledger, SQLite and
PostgreSQL: what they print equals the service layer's figures; bad input is one line."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from click.testing import CliRunner, Result
from conftest import DEMO_TODAY

from budget.cli import cli
from budget.money import fmt
from budget.services import outlook as ol
from budget.services import views

TODAY = dt.date.today()
YEAR = TODAY.year
DEMO_YEAR = DEMO_TODAY.year  # the demo_ledger fixture's year


def invoke(ledger, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", ledger.url, *args])


def test_the_backtest_on_the_demo_prints_each_month_ends_error_against_the_year_paid(demo_ledger):
    result = invoke(demo_ledger, "outlook", "--backtest", str(DEMO_YEAR - 1))
    assert result.exit_code == 0, result.output
    with demo_ledger.uow(write=False) as uow:
        actual = views.execution(uow, DEMO_YEAR - 1, "ab", as_of=dt.date(DEMO_YEAR - 1, 12, 31)).totals.paid_in_year
        months = ol.backtest(uow, DEMO_YEAR - 1)
    lines = [line for line in result.output.splitlines() if line.startswith(f"{DEMO_YEAR - 1}-")]
    assert len(lines) == 12
    for line, m in zip(lines, months, strict=True):
        assert line.split()[:4] == [m.as_of.isoformat(), fmt(m.projected_paid), fmt(actual), fmt(m.error)]
    assert months[-1].error == 0  # on 31 December everything is known
    assert "Largest error:" in result.output
    print(result.output)  # the method's accuracy on the demo, in the test log
    as_json = json.loads(invoke(demo_ledger, "outlook", "--backtest", str(DEMO_YEAR - 1), "--json").output)
    assert [m["error"] for m in as_json["months"]] == [str(m.error) for m in months]


def test_the_outlook_command_prints_the_service_figures_and_takes_given_rates(demo_ledger):
    day = dt.date(DEMO_YEAR, 9, 30)
    result = invoke(demo_ledger, "outlook", "--year", str(DEMO_YEAR), "--as-of", day.isoformat(), "--rate", "USD=1.25",
                    "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    with demo_ledger.uow(write=False) as uow:
        o = ol.outlook(uow, DEMO_YEAR, as_of=day, rates={"USD": Decimal("1.25")})
    assert data["total"] == o.total.to_json()
    assert {"currency": "USD", "rate": "1.25", "source": "given"} in data["rates"]
    assert all(n["rate"] == "1.25" for n in data["credit_needs"] if n["currency"] == "USD")
    assert len(data["cash_plan"]) == 12
    assert data["cash_plan"][-1]["cumulative_paid"] == data["total"]["projected_paid"]
    text = invoke(demo_ledger, "outlook", "--year", str(DEMO_YEAR), "--as-of", day.isoformat(), "--by", "directorate")
    assert text.exit_code == 0 and "Cash plan" in text.output and "Still to come" in text.output


def test_timeliness_prints_every_assessment_and_the_honour_roll(demo_ledger):
    result = invoke(demo_ledger, "timeliness", "--year", str(DEMO_YEAR - 1), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["within_days"] == 30 and data["assessments"] and data["organisations"]
    assert sum(g["count"] for g in data["directorates"]) == len(data["assessments"])
    text = invoke(demo_ledger, "timeliness", "--year", str(DEMO_YEAR - 1), "--within", "45")
    assert text.exit_code == 0 and "within 45 d" in text.output


def test_bad_outlook_input_is_one_line_with_the_usual_exit_codes(ledger):
    assert invoke(ledger, "outlook", "--year", str(YEAR), "--rate", "USD").exit_code == 2
    assert invoke(ledger, "outlook", "--year", str(YEAR), "--rate", "USD=-1").exit_code == 2
    assert invoke(ledger, "outlook").exit_code == 2
    refused = invoke(ledger, "outlook", "--year", str(YEAR), "--as-of", f"{YEAR - 1}-12-31")
    assert refused.exit_code == 1
    assert refused.output.strip().count("\n") == 0 and "as of a day of" in refused.output
    future = invoke(ledger, "outlook", "--backtest", str(YEAR))
    assert future.exit_code == 1 and "not over" in future.output
