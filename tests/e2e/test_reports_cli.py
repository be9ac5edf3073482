"""``budget report monthly`` end to end (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import openpyxl
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
