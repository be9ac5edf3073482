"""The ``budget`` command end to end, on SQLite and PostgreSQL.

The demo is loaded once per backend and module (it takes seconds): on SQLite through the
real console script ``.venv/bin/budget`` in a subprocess, on PostgreSQL through Click's
``CliRunner``. Refusals are checked on the ``ledger`` fixture: exit 1, one clear line on
stderr, nothing written. Usage errors exit 2.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, func, select, text

from budget.cli import cli
from budget.ledger.models import Base
from budget.money import fmt, fmt_percent, ratio
from budget.services import (
    OrganisationInput,
    commit,
    record_credit,
    record_payment,
    record_rates,
    register_allocation,
    register_organisation,
)

D = Decimal
AMOUNT = re.compile(r"^-?\d+\.\d{2}$")
THIS_YEAR = dt.date.today().year
PG_URL = os.environ.get("BUDGET_TEST_POSTGRES_URL", "")
PG_SKIP_REASON = "PostgreSQL half skipped: BUDGET_TEST_POSTGRES_URL is not set"
TOTAL_KEYS = {"commitment_credits", "payment_credits", "committed", "paid", "open", "available", "paid_in_year"}


def budget_executable() -> str:
    """The console script installed next to the running interpreter (the virtualenv's)."""
    candidate = Path(sys.executable).parent / "budget"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("budget")
    if found is None:
        pytest.fail("the `budget` console script is not installed (pip install -e .)")
    return found


def run_budget(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BUDGET_USER": "e2e"}
    env.pop("BUDGET_DATABASE_URL", None)
    return subprocess.run([budget_executable(), *args], capture_output=True, text=True, timeout=300, env=env,
                          check=False)


def invoke(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", url, *args], catch_exceptions=False)


def row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1)
                           if url.startswith("postgresql://") else url)
    try:
        with engine.connect() as conn:
            return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                    for t in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- the demo ledgers


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def demo_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A ledger holding the demo: SQLite via the real console script, PostgreSQL via CliRunner."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'budget.db'}"
        upgraded = run_budget("--db", url, "db", "upgrade")
        assert upgraded.returncode == 0, upgraded.stderr
        assert "revision" in upgraded.stdout
        loaded = run_budget("--db", url, "demo")
        assert loaded.returncode == 0, loaded.stderr
        assert "Demo loaded" in loaded.stdout
        yield url
        return
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    base = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1) if PG_URL.startswith("postgresql://") \
        else PG_URL
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"budget_cli_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        assert invoke(url, "db", "upgrade").exit_code == 0
        loaded = invoke(url, "demo")
        assert loaded.exit_code == 0, loaded.output
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_demo_twice_changes_nothing(demo_url):
    before = row_counts(demo_url)
    again = invoke(demo_url, "demo")
    assert again.exit_code == 0, again.output
    assert row_counts(demo_url) == before
    assert before["organisation"] >= 40 and before["payment"] > 0 and before["exchange_rate"] > 0


def assert_amount(value: Any, where: str) -> Decimal:
    assert isinstance(value, str), f"{where}: amount {value!r} is not a string"
    assert AMOUNT.match(value), f"{where}: amount {value!r} does not carry two decimals"
    return Decimal(value)


@pytest.mark.parametrize("by", ["directorate", "organisation", "ab"])
def test_summary_rows_add_up_to_the_totals_to_the_cent(demo_url, by):
    result = invoke(demo_url, "summary", "--year", str(THIS_YEAR), "--by", by, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["year"] == THIS_YEAR and data["by"] == by
    assert set(data["totals"]) >= TOTAL_KEYS
    totals = {k: assert_amount(data["totals"][k], f"totals.{k}") for k in TOTAL_KEYS}
    rows = data["rows"]
    assert rows, "no rows"
    for row in rows:
        assert {"key", "name", "committed", "paid", "open"} <= set(row)
        committed, paid, opened = (assert_amount(row[k], f"{row['key']}.{k}") for k in ("committed", "paid", "open"))
        assert opened == committed - paid
        if by == "organisation":
            assert row["directorate"]
        if by == "ab":
            for k in ("commitment_credits", "payment_credits", "available"):
                assert_amount(row[k], f"{row['key']}.{k}")
            assert D(row["available"]) == D(row["commitment_credits"]) - committed
    for k in ("committed", "paid", "open", "paid_in_year"):
        assert sum((D(r[k]) for r in rows), D("0.00")) == totals[k], f"rows of {k} do not add up"
    assert totals["open"] == totals["committed"] - totals["paid"]
    assert totals["available"] == totals["commitment_credits"] - totals["committed"]
    assert totals["committed"] > 0 and totals["paid"] > 0 and totals["paid_in_year"] > 0
    if by == "ab":
        for k in ("commitment_credits", "payment_credits", "available"):
            assert sum((D(r[k]) for r in rows), D("0.00")) == totals[k], f"rows of {k} do not add up"


def test_summary_totals_are_the_same_whatever_the_grouping(demo_url):
    totals = [json.loads(invoke(demo_url, "summary", "--year", str(THIS_YEAR), "--by", by, "--json").stdout)["totals"]
              for by in ("directorate", "organisation", "ab", "currency")]
    assert all(t == totals[0] for t in totals)


def test_summary_as_text_prints_a_total_line(demo_url):
    result = invoke(demo_url, "summary", "--year", str(THIS_YEAR), "--by", "directorate")
    assert result.exit_code == 0
    assert "TOTAL" in result.stdout and "M2" in result.stdout
    # The commitment rate is the percentage every page and report shows (money.fmt_percent).
    totals = json.loads(invoke(demo_url, "summary", "--year", str(THIS_YEAR), "--json").stdout)["totals"]
    rate = fmt_percent(ratio(D(totals["committed"]), D(totals["commitment_credits"])))
    assert f"committed EUR {fmt(D(totals['committed']))} ({rate})" in result.stdout


def test_arrears_json_buckets_add_up_to_the_total(demo_url):
    result = invoke(demo_url, "arrears", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    total = assert_amount(data["total_eur"], "total_eur")
    assert set(data["buckets"]) == {"0-30", "31-90", "91-365", "> 365"}
    assert sum((assert_amount(v, f"bucket {k}") for k, v in data["buckets"].items()), D("0.00")) == total
    assert data["overdue"], "the demo has overdue assessments"
    assert sum((assert_amount(x["outstanding_eur"], x["reference"]) for x in data["overdue"]), D("0.00")) == total
    for x in data["overdue"]:
        assert x["days_overdue"] > 0 and x["bucket"] in data["buckets"]


def test_fx_rate_gives_the_rate_in_force_and_its_publication_date(demo_url):
    day = dt.date(THIS_YEAR, 3, 15).isoformat()
    result = invoke(demo_url, "fx", "rate", "usd", day, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"currency", "date", "rate", "published"}
    assert data["currency"] == "USD" and data["date"] == day
    assert data["published"] <= day
    assert D(data["rate"]) > 0


def test_fx_rate_without_any_published_rate_exits_1_with_one_line(demo_url):
    result = invoke(demo_url, "fx", "rate", "USD", "1990-01-02", "--json")
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "No USD exchange rate" in lines[0]


# --------------------------------------------------------------------------- refusals


def seed(ledger: Any) -> None:
    with ledger.uow() as uow:
        register_allocation(uow, "14.54.11.35.40.01", "UN", "M2", control_mode="block")
        register_organisation(uow, OrganisationInput("UN-RB", "United Nations regular budget", "M2", "USD",
                                                     "14.54.11.35.40.01"))
        record_credit(uow, "14.54.11.35.40.01", 2025, "commitment", "1000.00", entry_date=dt.date(2025, 1, 1))
        record_rates(uow, [("USD", dt.date(2025, 1, 2), D("1.0000"))])
        commit(uow, "ENG-1", "UN-RB", entry_date=dt.date(2025, 1, 15), currency="USD", amount="500.00")
        record_payment(uow, "PAY-1", "ENG-1", entry_date=dt.date(2025, 2, 1), amount="100.00")
        uow.commit()


REFUSED = {
    "unknown organisation": (["commit", "ENG-2", "UN-BR", "--date", "2025-02-01", "--amount-eur", "5"],
                             "Did you mean UN-RB"),
    "over-payment": (["pay", "PAY-2", "ENG-1", "400.01", "--date", "2025-02-02"], "exceeds the USD 400.00 open"),
    "over-commitment": (["commit", "ENG-2", "UN-RB", "--date", "2025-02-01", "--currency", "USD",
                         "--amount", "500.01"], "exceeds"),
    "duplicate payment": (["pay", "PAY-1", "ENG-1", "1.00", "--date", "2025-02-02"], "already recorded"),
    "unknown currency": (["commit", "ENG-2", "UN-RB", "--date", "2025-02-01", "--currency", "USX",
                          "--amount", "5"], "Unknown currency"),
    "missing rate": (["commit", "ENG-2", "UN-RB", "--date", "2025-01-01", "--currency", "USD",
                      "--amount", "5"], "exchange rate"),
    "non-positive amount": (["pay", "PAY-2", "ENG-1", "0.00", "--date", "2025-02-02"], "above zero"),
    "negative amount": (["pay", "PAY-2", "ENG-1", "--date", "2025-02-02", "--", "-5"], "above zero"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_input_exits_1_with_one_clear_line_and_writes_nothing(ledger, case):
    seed(ledger)
    args, words = REFUSED[case]
    before = ledger.snapshot()
    result = invoke(ledger.url, *args)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and words in lines[0], lines[0]
    assert "Traceback" not in result.output
    assert ledger.snapshot() == before


@pytest.mark.parametrize(
    "args",
    [
        ["summary", "--year", "2025", "--by", "galaxy"],
        ["summary", "--by", "ab"],
        ["fx", "rate", "USD", "28/11/2026"],
        ["no-such-command"],
        ["pay", "PAY-2", "ENG-1"],
    ],
    ids=["bad choice", "missing option", "bad date", "unknown command", "missing argument"],
)
def test_usage_errors_exit_2(ledger, args):
    before = ledger.snapshot()
    result = invoke(ledger.url, *args)
    assert result.exit_code == 2, result.output
    assert "Usage" in result.stderr or "Error" in result.stderr
    assert ledger.snapshot() == before


def test_the_installed_console_script_refuses_with_exit_1_and_no_traceback(ledger):
    seed(ledger)
    before = ledger.snapshot()
    result = run_budget("--db", ledger.url, "pay", "PAY-2", "ENG-1", "400.01", "--date", "2025-02-02")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "error: Payment PAY-2 of USD 400.01 exceeds the USD 400.00 open on commitment ENG-1."
    ]
    assert ledger.snapshot() == before
    usage = run_budget("--db", ledger.url, "summary", "--by", "nowhere")
    assert usage.returncode == 2


def test_the_console_script_pays_and_summarises_on_the_ledger(ledger):
    seed(ledger)
    paid = run_budget("--db", ledger.url, "pay", "PAY-2", "ENG-1", "400.00", "--date", "2025-02-02")
    assert paid.returncode == 0, paid.stderr
    summary = run_budget("--db", ledger.url, "summary", "--year", "2025", "--by", "ab", "--json")
    assert summary.returncode == 0, summary.stderr
    totals = json.loads(summary.stdout)["totals"]
    assert (totals["committed"], totals["paid"], totals["open"]) == ("500.00", "500.00", "0.00")


def test_check_balances_finds_drifted_open_items_and_rebuild_repairs_them(demo_url):
    """`budget db check-balances` compares the open items with the entries; a damaged
    projection (e.g. a restore of part of the tables) exits 1 naming the items, and
    `budget db rebuild-balances` derives them again."""
    assert invoke(demo_url, "db", "check-balances").exit_code == 0
    engine = create_engine(demo_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.begin() as conn:
            removed = conn.execute(text(
                "DELETE FROM open_commitment_item WHERE commitment_id = "
                "(SELECT MIN(commitment_id) FROM open_commitment_item)")).rowcount
        assert removed == 1
        with engine.begin() as conn:  # and a total a cent off
            conn.execute(text("UPDATE ledger_total SET amount_eur = amount_eur + 1 WHERE kind = 'paid' "
                              "AND entry_month = (SELECT MAX(entry_month) FROM ledger_total WHERE kind = 'paid')"))
        damaged = CliRunner().invoke(cli, ["--db", demo_url, "db", "check-balances"])
        assert damaged.exit_code == 1
        assert "open_commitment_item" in damaged.output and "rebuild-balances" in damaged.output
        assert "ledger_total" in damaged.output
        rebuilt = invoke(demo_url, "db", "rebuild-balances")
        assert rebuilt.exit_code == 0 and "rebuilt" in rebuilt.output
        assert invoke(demo_url, "db", "check-balances").exit_code == 0
    finally:
        engine.dispose()
