"""``budget report monthly`` end to end (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import openpyxl
import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from reports_seed import MONTH, seed_report_ledger

from budget.cli import cli


def run(ledger, *args: str):
    return CliRunner().invoke(cli, ["--db", ledger.url, "report", "monthly", *args])


def test_the_cli_writes_the_pdf_and_the_workbook(ledger, tmp_path):
    seed_report_ledger(ledger.factory)
    result = run(ledger, "--month", MONTH, "--out", str(tmp_path / "out"), "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    pdf, xlsx = out["files"]["pdf"], out["files"]["xlsx"]
    assert pdf.endswith("monthly-report-2025-10-en.pdf") and xlsx.endswith("monthly-report-2025-10-en.xlsx")
    assert len(PdfReader(pdf).pages) >= 3
    assert "By organisation" in openpyxl.load_workbook(xlsx).sheetnames
    assert len(out["fingerprint"]) == 64


def test_the_budget_command_writes_both_files_readable_as_any_new_file_of_the_user(ledger, tmp_path):
    """The real console script, in its own process: both files complete, with the
    permissions the user's umask gives, not the owner-only ones of a temporary file."""
    import os
    import stat
    import subprocess

    from test_core_cli import budget_executable

    seed_report_ledger(ledger.factory)
    env = {**os.environ, "BUDGET_USER": "e2e"}
    env.pop("BUDGET_DATABASE_URL", None)
    done = subprocess.run([budget_executable(), "--db", ledger.url, "report", "monthly", "--month", MONTH,
                           "--out", str(tmp_path), "--json"], capture_output=True, text=True, timeout=300,
                          env=env, check=False)
    assert done.returncode == 0, done.stderr
    files = json.loads(done.stdout)["files"]
    umask = os.umask(0)
    os.umask(umask)
    for path in files.values():
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~umask, path
    assert len(PdfReader(files["pdf"]).pages) >= 3
    book = openpyxl.load_workbook(files["xlsx"])
    assert book.sheetnames[0] == "Read me" and "Overdue" in book.sheetnames


def test_the_cli_writes_one_format_for_one_directorate_in_dutch(ledger, tmp_path):
    seed_report_ledger(ledger.factory)
    result = run(ledger, "--month", MONTH, "--directorate", "M2", "--format", "xlsx",
                 "--lang", "nl", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["monthly-report-2025-10-M2-nl.xlsx"]
    assert "Leesmij" in openpyxl.load_workbook(tmp_path / "out" / "monthly-report-2025-10-M2-nl.xlsx").sheetnames


def test_an_unknown_directorate_is_refused_in_one_line_with_exit_1(ledger, tmp_path):
    result = run(ledger, "--month", MONTH, "--directorate", "M22", "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0
    assert result.output.startswith("error: Unknown directorate 'M22'")
    assert not (tmp_path / "out").exists()


def test_a_malformed_month_or_format_is_a_usage_error_with_exit_2(ledger, tmp_path):
    out = str(tmp_path / "out")
    assert run(ledger, "--month", "2025-13", "--out", out).exit_code == 2
    assert run(ledger, "--month", MONTH, "--format", "docx", "--out", out).exit_code == 2
    assert run(ledger, "--month", MONTH, "--lang", "de", "--out", out).exit_code == 2
    assert not (tmp_path / "out").exists()


def test_a_month_of_a_year_the_ledger_does_not_hold_is_written_with_a_warning(ledger, tmp_path):
    """2015 for 2025: the files are written (open items of earlier years may be wanted), and
    stderr says the year's figures are zero, naming the years the ledger holds."""
    seed_report_ledger(ledger.factory)
    result = run(ledger, "--month", "2015-10", "--out", str(tmp_path / "out"), "--json")
    assert result.exit_code == 0, result.output
    assert "warning: the ledger has no credits, assessments or commitments for 2015 (it holds 20" in result.stderr
    out = json.loads(result.stdout)
    assert out["warnings"] and "2015" in out["warnings"][0]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "monthly-report-2015-10-en.pdf", "monthly-report-2015-10-en.xlsx"]
    # A month of a year with data: no warning.
    result = run(ledger, "--month", MONTH, "--out", str(tmp_path / "out"), "--json")
    assert result.stderr == "" and json.loads(result.stdout)["warnings"] == []


@pytest.mark.parametrize("month", ["0000-01", "1925-10", "9999-12", "2101-01"])
def test_a_month_outside_the_fiscal_years_the_ledger_holds_is_a_usage_error(ledger, tmp_path, month):
    result = run(ledger, "--month", month, "--out", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert "1990–2100" in result.output and "unexpected" not in result.output
    assert not (tmp_path / "out").exists()


def test_an_existing_report_file_is_replaced_only_with_force(ledger, tmp_path):
    seed_report_ledger(ledger.factory)
    out = tmp_path / "out"
    assert run(ledger, "--month", MONTH, "--format", "xlsx", "--out", str(out)).exit_code == 0
    target = out / f"monthly-report-{MONTH}-en.xlsx"
    target.write_bytes(b"the analyst's own notes")
    refused = run(ledger, "--month", MONTH, "--format", "xlsx", "--out", str(out))
    assert refused.exit_code == 1
    assert refused.stderr.count("\n") == 1 and "already exists: use --force" in refused.stderr
    assert target.read_bytes() == b"the analyst's own notes"
    forced = run(ledger, "--month", MONTH, "--format", "xlsx", "--out", str(out), "--force")
    assert forced.exit_code == 0, forced.output
    assert target.read_bytes().startswith(b"PK")
