"""``budget import`` from the command line: exit codes, --json shape, history, undo, template."""

from __future__ import annotations

import json
from pathlib import Path

import imports_samples as S
import openpyxl
import pytest
from click.testing import CliRunner

from budget.cli import cli
from imports.pipeline import identify_kind


def budget(ledger, *args: str):
    runner = CliRunner()
    return runner.invoke(cli, ["--db", ledger.url, *args], catch_exceptions=False)


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, data in {
        "calls.xlsx": S.messy_assessments_fr(),
        "commitments.xlsx": S.messy_commitments_nl(),
        "payments.csv": S.messy_payments_en_csv(),
        "bad.xlsx": S.payments_xlsx([["P9", "31/02/2025", "ENG-X", "1.234", "EUR", None]]),
        "bomb.xlsx": S.zip_bomb_xlsx(),
        "not-a-sheet.xlsx": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
        "eurofxref-hist.zip": S.ecb_zip(),
    }.items():
        (tmp_path / name).write_bytes(data)
        out[name] = tmp_path / name
    return out


def test_a_load_prints_the_json_result_and_exits_0_then_a_reload_writes_nothing(ledger, files):
    S.seed(ledger)
    first = budget(ledger, "import", "assessments", str(files["calls.xlsx"]), "--json")
    assert first.exit_code == 0, first.output
    data = json.loads(first.output)
    assert list(data) == ["kind", "file", "sha256", "dry_run", "batch", "rows_read", "rows_new",
                          "rows_unchanged", "rows_conflict", "errors", "totals"]
    assert data["kind"] == "assessments" and data["file"] == "calls.xlsx" and len(data["sha256"]) == 64
    assert data["rows_new"] == 5 and data["errors"] == [] and data["batch"] >= 1
    assert data["totals"] == {"CHF": "234567.89", "EUR": "1832654.83", "USD": "1234567.89"}
    before = ledger.snapshot()
    again = budget(ledger, "import", "assessments", str(files["calls.xlsx"]))
    assert again.exit_code == 0
    assert "already loaded" in again.output
    assert ledger.snapshot() == before


def test_a_refused_file_exits_1_with_every_problem_located(ledger, files):
    S.seed(ledger)
    before = ledger.snapshot()
    result = budget(ledger, "import", "payments", str(files["bad.xlsx"]), "--json")
    assert result.exit_code == 1
    errors = json.loads(result.output)["errors"]
    assert {(e["row"], e["column"]) for e in errors} == {(2, "date"), (2, "amount")}
    assert all(e["sheet"] == "payments" and e["message"] for e in errors)
    human = budget(ledger, "import", "payments", str(files["bad.xlsx"]))
    assert human.exit_code == 1
    assert "sheet payments, row 2, column amount: value '1.234': amount is ambiguous" in human.output
    assert ledger.snapshot() == before


def test_the_decimal_option_settles_an_ambiguous_amount_from_the_command_line(ledger, tmp_path):
    S.seed(ledger)
    path = tmp_path / "c.xlsx"
    path.write_bytes(S.commitments_xlsx([["E1", "2025-02-01", S.AB_SEC, "OSCE", "1.234", None, None, None]]))
    assert budget(ledger, "import", "commitments", str(path)).exit_code == 1
    ok = budget(ledger, "import", "commitments", str(path), "--decimal-comma", "--json")
    assert ok.exit_code == 0 and json.loads(ok.output)["totals"] == {"EUR": "1234.00"}


@pytest.mark.parametrize("name", ["bomb.xlsx", "not-a-sheet.xlsx"])
def test_an_unreadable_file_exits_2_with_one_clear_line(ledger, files, name):
    result = budget(ledger, "import", "payments", str(files[name]))
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "Traceback" not in result.output


def test_a_missing_file_or_an_unknown_kind_is_a_usage_error(ledger, tmp_path):
    assert budget(ledger, "import", "payments", str(tmp_path / "nope.xlsx")).exit_code == 2
    assert budget(ledger, "import", "salaries", str(tmp_path / "nope.xlsx")).exit_code == 2


def test_dry_run_history_and_undo_from_the_command_line(ledger, files):
    S.seed(ledger)
    dry = budget(ledger, "import", "assessments", str(files["calls.xlsx"]), "--dry-run", "--json")
    assert dry.exit_code == 0 and json.loads(dry.output)["dry_run"] is True
    assert json.loads(dry.output)["batch"] is None
    assert budget(ledger, "import", "assessments", str(files["calls.xlsx"])).exit_code == 0
    assert budget(ledger, "import", "commitments", str(files["commitments.xlsx"])).exit_code == 0
    history = json.loads(budget(ledger, "import", "history", "--json").output)
    assert [h["kind"] for h in history] == ["commitments", "assessments"]
    refused = budget(ledger, "import", "undo", str(history[1]["batch"]))
    assert refused.exit_code == 1
    assert "commitment ENG-2025-001" in refused.output
    undo = budget(ledger, "import", "undo", str(history[0]["batch"]))
    assert undo.exit_code == 0 and "3 commitment(s) reversed" in undo.output
    assert budget(ledger, "import", "undo", str(history[1]["batch"])).exit_code == 0
    text = budget(ledger, "import", "history").output
    assert "undo of batch" in text and "undone by batch" in text


def test_ecb_rates_load_from_the_zip_as_downloaded(ledger, files):
    result = budget(ledger, "import", "fx", str(files["eurofxref-hist.zip"]), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rows_new"] == 6


@pytest.mark.parametrize("kind", ["organisations", "budget", "assessments", "commitments", "payments"])
def test_a_template_has_the_columns_an_example_row_and_notes_and_is_recognised(kind, tmp_path):
    out = tmp_path / f"{kind}.xlsx"
    result = CliRunner().invoke(cli, ["import", "template", kind, "--out", str(out)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [kind, "Notes"]
    rows = list(book[kind].iter_rows(values_only=True))
    assert len(rows) == 2 and all(rows[0])
    notes = [r[0] for r in book["Notes"].iter_rows(values_only=True) if r[0]]
    assert set(rows[0]) <= set(notes)
    assert identify_kind(out.read_bytes(), out.name) == kind
