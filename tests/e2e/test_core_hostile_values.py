"""Hostile values at the ``budget`` command (issue #16), on SQLite and PostgreSQL.

Huge, tiny, negative, non-finite, long and control-character values are refused with exit 1
(or 2 for a usage error) and one line naming the value and the limit; never "unexpected",
never a traceback or an SQL dump, and the ledger's projections still agree with its entries.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import DataError

from budget.cli import cli
from budget.ledger.models import Commitment, Organisation
from budget.services import (
    OrganisationInput,
    record_credit,
    record_rates,
    register_allocation,
    register_organisation,
)

D = Decimal
AB = "14.54.11.35.40.01"
TODAY = dt.date.today()
YEAR = TODAY.year


def invoke(ledger: Any, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", ledger.url, *args])


def seed(ledger: Any) -> None:
    """An AB in warn mode with credits, a USD organisation, a USD rate of 1.1 this year."""
    with ledger.uow() as uow:
        register_allocation(uow, AB, "UN", "M2", control_mode="warn")
        register_organisation(uow, OrganisationInput("UN-RB", "United Nations regular budget", "M2", "USD", AB))
        record_credit(uow, AB, YEAR, "commitment", "1000000.00", entry_date=dt.date(YEAR, 1, 1))
        record_rates(uow, [("USD", dt.date(YEAR, 1, 2), D("1.1"))])
        uow.commit()
    done = invoke(ledger, "commit", "ENG-1", "UN-RB", "--date", f"{YEAR}-01-15", "--currency", "USD",
                  "--amount", "1100.00", "--rate", "1.1")
    assert done.exit_code == 0, done.output


def refused(result: Result, *words: str, code: int = 1) -> str:
    """Exit ``code`` with one line on stderr holding ``words``; no traceback, no "unexpected"."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.stderr.strip().splitlines()
    if code == 1:
        assert len(lines) == 1, result.stderr
    text = " ".join(lines)
    assert "unexpected" not in text and "Traceback" not in text and "[SQL" not in text, text
    for word in words:
        assert word in text, text
    return text


def balances_agree(ledger: Any) -> None:
    result = invoke(ledger, "db", "check-balances")
    assert result.exit_code == 0, result.output


# --------------------------------------------------------------------------- money


def test_two_huge_commitments_are_refused_and_the_balances_still_check(ledger):
    seed(ledger)
    before = ledger.snapshot()
    for ref in ("HUGE-1", "HUGE-2"):
        result = invoke(ledger, "commit", ref, "UN-RB", "--date", f"{YEAR}-02-01", "--amount-eur", "9e16")
        refused(result, "90,000,000,000,000,000.00", "BUDGET_MAX_AMOUNT")
    assert ledger.snapshot() == before
    balances_agree(ledger)


def test_the_largest_amounts_one_entry_holds_add_up_and_reverse_without_overflow(ledger):
    seed(ledger)
    largest = "999999999999.99"
    for ref in ("BIG-1", "BIG-2"):
        done = invoke(ledger, "commit", ref, "UN-RB", "--date", f"{YEAR}-02-01", "--amount-eur", largest,
                      "--currency", "EUR")
        assert done.exit_code == 0, done.output
    balances_agree(ledger)
    assert invoke(ledger, "db", "rebuild-balances").exit_code == 0
    with ledger.uow(write=False) as uow:
        ids = [c.id for c in uow.session.query(Commitment).filter(Commitment.reference.like("BIG-%"))]
    for entry_id in ids:
        assert invoke(ledger, "reverse", "commitment", str(entry_id), "--reason", "test").exit_code == 0
    balances_agree(ledger)


@pytest.mark.parametrize("amount", ["1e308", "-1e308", "1e-300", "NaN", "Infinity", "9" * 5000, "1" * 41])
def test_a_payment_of_an_absurd_amount_is_refused_with_a_reason(ledger, amount):
    seed(ledger)
    before = ledger.snapshot()
    refused(invoke(ledger, "pay", "PAY-9", "ENG-1", "--date", f"{YEAR}-02-01", "--", amount))
    assert ledger.snapshot() == before


# --------------------------------------------------------------------------- rates


@pytest.mark.parametrize("rate", ["0.0000000001", "1e308", "1e-300", "1" * 5000, "1.12345678901234"])
def test_an_implausible_rate_is_refused_naming_the_limit(ledger, rate):
    seed(ledger)
    before = ledger.snapshot()
    text = refused(invoke(ledger, "pay", "PAY-9", "ENG-1", "100", "--date", f"{YEAR}-02-01", "--rate", rate))
    assert "rate" in text
    assert ledger.snapshot() == before


def test_a_rate_outside_the_band_around_the_last_known_rate_needs_force_rate(ledger):
    seed(ledger)
    args = ["pay", "PAY-9", "ENG-1", "100", "--date", f"{YEAR}-02-01", "--rate", "12"]
    refused(invoke(ledger, *args), "USD rate 12", "0.11–11", "BUDGET_RATE_BAND", "--force-rate")
    done = invoke(ledger, *args, "--force-rate")
    assert done.exit_code == 0, done.output
    assert "EUR 8.33" in done.stdout
    balances_agree(ledger)


def test_loaded_rates_outside_the_band_or_absurd_are_refused(ledger):
    from budget.bounds import ImplausibleRateError, OutOfBoundsError

    seed(ledger)
    with ledger.uow() as uow, pytest.raises(ImplausibleRateError, match="BUDGET_RATE_BAND"):
        record_rates(uow, [("USD", dt.date(YEAR, 1, 3), D("1.2")), ("USD", dt.date(YEAR, 1, 6), D("1e3"), 7)],
                     source_sheet="eurofxref")
    for value in (D("1e308"), D("1e-300"), "1e308"):
        with ledger.uow() as uow, pytest.raises(OutOfBoundsError):
            record_rates(uow, [("GBP", dt.date(YEAR, 1, 3), value)])


def test_a_payment_after_the_rates_were_loaded_converts_at_a_sane_rate(ledger):
    seed(ledger)
    done = invoke(ledger, "pay", "PAY-9", "ENG-1", "1000", "--date", f"{YEAR}-01-20")
    assert done.exit_code == 0, done.output
    assert "USD 1,000.00 = EUR 909.09" in done.stdout


# --------------------------------------------------------------------------- dates and ids


@pytest.mark.parametrize("args", [
    ["pay", "PAY-9", "ENG-1", "100", "--date", "9999-12-31", "--rate", "1.1"],
    ["commit", "ENG-9", "UN-RB", "--date", "9999-12-31", "--amount-eur", "5", "--currency", "EUR"],
    ["credit", AB, "--year", str(YEAR), "--type", "payment", "--amount", "5", "--date", "9999-12-31"],
    ["commit", "ENG-9", "UN-RB", "--date", (TODAY + dt.timedelta(days=400)).isoformat(), "--amount-eur", "5",
     "--currency", "EUR", "--year", str(YEAR)],
], ids=["payment", "commitment", "credit", "commitment 400 days ahead"])
def test_an_entry_dated_far_in_the_future_is_refused(ledger, args):
    seed(ledger)
    before = ledger.snapshot()
    refused(invoke(ledger, *args))
    assert ledger.snapshot() == before


def test_a_rate_dated_9999_12_31_is_refused(ledger):
    from budget.bounds import OutOfBoundsError

    seed(ledger)
    with ledger.uow() as uow, pytest.raises(OutOfBoundsError, match="9999-12-31"):
        record_rates(uow, [("USD", dt.date(9999, 12, 31), D("1.1"))])


@pytest.mark.parametrize("args", [
    ["year", "close", "0"],
    ["year", "close", str(2**70)],
    ["credit", AB, "--year", "0", "--type", "payment", "--amount", "5"],
    ["credit", AB, "--year", str(2**70), "--type", "payment", "--amount", "5"],
    ["summary", "--year", str(2**70)],
    ["commitments", "--year", "1989"],
    ["reverse", "payment", str(2**70), "--reason", "x"],
    ["reverse", "payment", "0", "--reason", "x"],
    ["import", "undo", str(2**70)],
    ["import", "history", "--limit", str(2**70)],
])
def test_years_ids_and_batches_out_of_range_are_usage_errors_on_every_command(ledger, args):
    seed(ledger)
    before = ledger.snapshot()
    result = invoke(ledger, *args)
    refused(result, code=2)
    assert ledger.snapshot() == before


def test_a_database_path_that_cannot_exist_is_refused_in_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["--db", "sqlite:////etc/passwd/x.db", "db", "upgrade"])
    refused(result, "/etc/passwd", "not a folder")


# --------------------------------------------------------------------------- texts


@pytest.mark.parametrize("code,name,words", [
    ("EVIL", "\x1b[31mUnited Nations\x1b[0m", ["U+001B"]),
    ("EVIL", "United \u202eNations", ["U+202E"]),
    ("EV\u2066IL", "United Nations", ["U+2066"]),
    ("EVIL", "Bell\x07", ["U+0007"]),
    ("EVIL", "C1\x9bcontrol", ["U+009B"]),
    ("EVIL", "N" * 10_000, ["10000 characters", "at most 300"]),
    ("C" * 10_000, "United Nations", ["10000 characters", "at most 40"]),
], ids=["ANSI", "RLO", "isolate in code", "bell", "C1", "long name", "long code"])
def test_names_and_codes_with_control_bidi_or_too_many_characters_are_refused(ledger, code, name, words):
    before = ledger.snapshot()
    text = refused(invoke(ledger, "org", "add", code, "--name", name, "--directorate", "M2"), *words)
    assert "\x1b" not in text and "\u202e" not in text
    assert ledger.snapshot() == before


def test_a_database_error_reaches_the_officer_as_one_line(ledger, monkeypatch):
    """Validation keeps bad values from the database; should one still get there, the
    CLI edge prints the first line of the database's reason, never the SQL and parameters."""
    import budget.services as services

    def hostile(*_args: Any, **_kwargs: Any) -> None:
        raise DataError("INSERT INTO x VALUES (%s)", ("N" * 10_000,),
                        Exception("value too long for type character varying(300)\nCONTEXT: a second line"))

    monkeypatch.setattr(services, "close_year", hostile)
    text = refused(invoke(ledger, "year", "close", str(YEAR)), "value too long for type character varying(300)")
    assert "INSERT" not in text and "NNNN" not in text


# --------------------------------------------------------------------------- properties

HOSTILE_TEXT = st.one_of(
    st.text(min_size=0, max_size=20),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=290, max_size=320),
    st.sampled_from(["\x1b[2J", "\u202e", "\u2066x\u2069", "\x00", "a\nb", "\x9b", " ", "N" * 10_000]),
)
HOSTILE_NUMBER = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.sampled_from(["1e308", "-1e308", "1e-300", "9e16", "0", "-0", "1e999999", "0x10", "", " ", "1,5",
                     "9" * 5000, "999999999999.99", "1000000000000"]),
    HOSTILE_TEXT,
)

@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    command=st.sampled_from(["pay-amount", "pay-rate", "commit-eur", "credit", "org-name", "org-code", "year"]),
    value=HOSTILE_NUMBER,
)
def test_any_hostile_value_exits_0_1_or_2_with_one_line_and_balances_that_still_check(ledger, command, value):
    with ledger.uow(write=False) as uow:
        seeded = uow.session.query(Organisation).count() > 0
    if not seeded:  # the fixture's ledger lives for all the examples of one backend
        seed(ledger)
    ref = f"H-{abs(hash(value)) % 10**9}"
    argv = {
        "pay-amount": ["pay", ref, "ENG-1", "--date", f"{YEAR}-02-01", "--", value],
        "pay-rate": ["pay", ref, "ENG-1", "1", "--date", f"{YEAR}-02-01", "--rate", value],
        "commit-eur": ["commit", ref, "UN-RB", "--date", f"{YEAR}-02-01", "--currency", "EUR",
                       "--amount-eur", value],
        "credit": ["credit", AB, "--year", str(YEAR), "--type", "payment", "--amount", value],
        "org-name": ["org", "add", "HOSTILE", "--name", value, "--directorate", "M2"],
        "org-code": ["org", "add", value, "--name", "Hostile", "--directorate", "M2"],
        "year": ["year", "close", value],
    }[command]
    result = invoke(ledger, *argv)
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code == 1:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    out = result.output
    assert "unexpected" not in out and "Traceback" not in out and "[SQL" not in out, out
    balances_agree(ledger)


def test_the_installed_script_refuses_absurd_values_in_one_line(ledger):
    """The console script (``main``) too: no "unexpected", no traceback, exit 1."""
    seed(ledger)
    env = {**os.environ, "BUDGET_USER": "e2e"}
    for args in (["pay", "PAY-9", "ENG-1", "1e308", "--date", f"{YEAR}-02-01"],
                 ["--db", "sqlite:////etc/passwd/x.db", "summary", "--year", str(YEAR)]):
        argv = args if args[0] == "--db" else ["--db", ledger.url, *args]
        script = str(Path(sys.executable).parent / "budget")
        done = subprocess.run([script, *argv], capture_output=True, text=True, timeout=120, env=env, check=False)
        assert done.returncode == 1, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "unexpected" not in done.stderr, done.stderr


# --------------------------------------------------------------------------- imports


def test_imports_refuse_hostile_values_naming_the_sheet_row_and_column(ledger, tmp_path):
    """The same bounds on the import path: each problem names where it is; nothing is written."""
    import imports_samples as samples

    samples.seed(ledger, mode="warn")
    before = ledger.snapshot()
    files = {
        "commitments": (samples.commitments_xlsx([
            ["C-1", dt.date(2025, 2, 1), samples.AB_UN, "UN-RB", 5e12, "EUR", None, None],
            ["C-2", dt.date(9999, 12, 31), samples.AB_UN, "UN-RB", 10, "EUR", None, None]]),
            ["row 2, column amount_eur", "BUDGET_MAX_AMOUNT", "row 3, column date", "9999"]),
        "organisations": (samples.xlsx({"Organisations": [
            ["Code", "Name", "Directorate", "Currency", "AB"],
            ["EVIL", "A\x1b[31mB", "M2", "EUR", ""], ["RLO", "United \u202eNations", "M2", "EUR", ""],
            ["LONG", "N" * 400, "M2", "EUR", ""]]}),
            ["row 2", "U+001B", "row 3", "U+202E", "row 4", "400 characters long; at most 300"]),
        "fx": (samples.ecb_zip("Date,USD,CHF,\n2025-01-06,1e308,0.9391,\n"),
               ["row 2, column USD", "not plausible"]),
    }
    for kind, (data, words) in files.items():
        path = tmp_path / f"{kind}.{'zip' if kind == 'fx' else 'xlsx'}"
        path.write_bytes(data)
        result = invoke(ledger, "import", kind, str(path))
        assert result.exit_code == 1, result.output
        assert "unexpected" not in result.output and "Traceback" not in result.output and "[SQL" not in result.output
        for word in words:
            assert word in result.output, result.output
    assert ledger.snapshot() == before
    balances_agree(ledger)


def test_an_ecb_file_with_a_rate_outside_the_band_is_refused_naming_its_row(ledger, tmp_path):
    import imports_samples as samples

    samples.seed(ledger)
    before = ledger.snapshot()
    path = tmp_path / "eurofxref.zip"
    path.write_bytes(samples.ecb_zip("Date,USD,CHF,\n2025-01-07,1.0321,0.9393,\n2025-01-06,50,0.9391,\n"))
    text = refused(invoke(ledger, "import", "fx", str(path)),
                   "row 3, 2025-01-06: the USD rate 50", "BUDGET_RATE_BAND")
    assert "0.1035–10.35" in text
    assert ledger.snapshot() == before


def test_a_payments_import_with_a_date_or_reference_out_of_bounds_names_its_row(ledger, tmp_path):
    """The bulk path (one insert for all rows) is checked before the insert, row by row."""
    import imports_samples as samples

    samples.seed(ledger, mode="warn")
    with ledger.uow() as uow:
        from budget.services import commit

        commit(uow, "C-2", "OSCE", entry_date=dt.date(2025, 1, 5), amount_eur="1000")
        uow.commit()
    before = ledger.snapshot()
    cases = {
        "date": ([["P-1", dt.date(2025, 3, 1), "C-2", 10, "EUR", None],
                  ["P-2", dt.date(9999, 12, 31), "C-2", 10, "EUR", None]], ["row 3", "9999-12-31", "1990–2100"]),
        "ansi": ([["P-3", dt.date(2025, 3, 1), "C-2", 10, "EUR", None],
                  ["P-4\x1b[2J", dt.date(2025, 3, 1), "C-2", 10, "EUR", None]], ["row 3", "U+001B"]),
    }
    for name, (rows, words) in cases.items():
        path = tmp_path / f"{name}.xlsx"
        path.write_bytes(samples.payments_xlsx(rows))
        result = invoke(ledger, "import", "payments", str(path))
        assert result.exit_code == 1, result.output
        assert "unexpected" not in result.output and "[SQL" not in result.output, result.output
        for word in words:
            assert word in result.output, result.output
    assert ledger.snapshot() == before
