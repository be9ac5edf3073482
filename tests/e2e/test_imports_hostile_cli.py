"""Hostile files through the real ``budget import KIND FILE`` in a subprocess capped at 1.5 GB.

Before the limits, the sparse workbook aborted the process (exit 134 and a Rust backtrace)
and the bombs took gigabytes. Each must now be one clear line on stderr, exit 2, within
seconds, and leave the ledger as it was. SQLite only: the refusal comes before the database.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import hostile_samples as H
import imports_samples as S
import pytest
from conftest import Ledger
from sqlalchemy.engine import Engine

from budget.ledger.db import make_engine, make_session_factory

MEMORY_CAP = 1536 * 1024 * 1024


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def budget_import(db: str, kind: str, path: Path, env: dict[str, str] | None = None,
                  *extra: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """``budget --db DB import KIND PATH`` in a child capped at 1.5 GB; the run and its seconds."""
    script = Path(sys.executable).parent / "budget"
    full_env = {**os.environ, "BUDGET_USER": "e2e", **(env or {})}
    full_env.pop("BUDGET_DATABASE_URL", None)
    start = time.perf_counter()
    proc = subprocess.run([str(script), "--db", db, "import", kind, str(path), *extra], capture_output=True,
                          text=True, timeout=120, env=full_env, preexec_fn=_cap_memory, check=False)
    return proc, time.perf_counter() - start


@pytest.fixture()
def sqlite_ledger(tmp_path: Path, sqlite_template: Path) -> Ledger:
    path = tmp_path / "ledger.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine: Engine = make_engine(url)
    return Ledger("sqlite", url, engine, make_session_factory(engine))


# name -> (kind, file name, builder, settings); every file is refused with these settings.
CORPUS: dict[str, tuple[str, str, Callable[[], bytes], dict[str, str]]] = {
    "sparse-a1-xfd1048576": ("payments", "sparse.xlsx", lambda: H.sparse(1_048_576, 16_384), {}),
    "sparse-one-column-over": ("payments", "sparse.xlsx", lambda: H.sparse(100, 11),
                               {"BUDGET_IMPORT_MAX_CELLS": "1000"}),
    "declared-dimension-over": ("payments", "dim.xlsx", lambda: H.sparse(2, 2, "A1:J101"),
                                {"BUDGET_IMPORT_MAX_CELLS": "1000"}),
    "shared-string-900kb-x3000": ("payments", "strings.xlsx", lambda: H.shared_string_bomb(900_000, 3000), {}),
    "shared-string-one-char-over": ("payments", "strings.xlsx", lambda: H.shared_string_bomb(101, 3),
                                    {"BUDGET_IMPORT_MAX_STRING_CHARS": "100"}),
    "shared-text-one-cell-over": ("payments", "text.xlsx", lambda: H.shared_string_bomb(50, 201),
                                  {"BUDGET_IMPORT_MAX_TEXT_BYTES": "10000"}),
    "thousand-sheets": ("payments", "sheets.xlsx", lambda: H.many_sheets(1000), {}),
    "one-sheet-over": ("payments", "sheets.xlsx", lambda: H.many_sheets(6), {"BUDGET_IMPORT_MAX_SHEETS": "5"}),
    "member-one-byte-over": ("payments", "member.xlsx",
                             lambda: H.xlsx({"payments": H.sheet_xml(H.payments_table())},
                                            extra={"docProps/custom.xml": b" " * 100_001}),
                             {"BUDGET_IMPORT_MAX_MEMBER_BYTES": "100000"}),
    "forged-member-size": ("payments", "forged.xlsx",
                           lambda: H.forged_size(H.xlsx({"payments": H.sheet_xml(H.payments_table(50))}),
                                                 "xl/worksheets/sheet1.xml", 500), {}),
    "fx-zip-csv-over": ("fx", "eurofxref-hist.zip", lambda: H.ecb_zip(2000),
                        {"BUDGET_IMPORT_MAX_MEMBER_BYTES": "20000"}),
    "fx-zip-forged-csv": ("fx", "eurofxref-hist.zip",
                          lambda: H.forged_size(H.ecb_zip(2000), "eurofxref-hist.csv", 1000), {}),
    "csv-fields-over": ("payments", "payments.csv",
                        lambda: S.csv_bytes([["reference", "date", "commitment", "amount", "currency"]] * 40, ";"),
                        {"BUDGET_IMPORT_MAX_CELLS": "100"}),
}


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_a_hostile_file_is_one_clear_refusal_within_seconds_and_the_ledger_is_unchanged(
        sqlite_ledger, tmp_path, case):
    kind, name, build, env = CORPUS[case]
    path = tmp_path / name
    path.write_bytes(build())
    before = sqlite_ledger.snapshot()
    proc, seconds = budget_import(sqlite_ledger.url, kind, path, env)
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"error: {name}: "), proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr + proc.stdout and "panicked" not in proc.stderr
    assert seconds < 30  # a few seconds on a shared machine; the sparse file used to abort
    assert sqlite_ledger.snapshot() == before
    sqlite_ledger.engine.dispose()


def test_just_under_the_limits_the_same_shapes_are_read_and_checked_row_by_row(sqlite_ledger, tmp_path):
    path = tmp_path / "sparse.xlsx"
    path.write_bytes(H.xlsx({"payments": H.sheet_xml([*H.payments_table(), (100, 10, H.number(1))])}))
    proc, _ = budget_import(sqlite_ledger.url, "payments", path, {"BUDGET_IMPORT_MAX_CELLS": "1000"},
                            "--dry-run")
    # Read: the rows reach the ledger checks (the commitment does not exist: exit 1, not 2).
    assert proc.returncode == 1, proc.stderr
    assert "No commitment 'ENG-1' is recorded" in proc.stderr and "Traceback" not in proc.stderr
    sqlite_ledger.engine.dispose()


def test_a_400_digit_date_is_a_located_row_problem_from_the_command_line(sqlite_ledger, tmp_path):
    path = tmp_path / "dates.xlsx"
    path.write_bytes(S.payments_xlsx([["P1", "1" * 400, "ENG-X", 10.0, "EUR", None]]))
    proc, _ = budget_import(sqlite_ledger.url, "payments", path)
    assert proc.returncode == 1, proc.stderr
    assert "sheet payments, row 2, column date:" in proc.stderr
    assert "too many digits" in proc.stderr and "unexpected" not in proc.stderr
    sqlite_ledger.engine.dispose()


def test_a_hidden_sheet_is_named_in_a_warning_of_the_command(sqlite_ledger, tmp_path):
    path = tmp_path / "hidden.xlsx"
    path.write_bytes(H.xlsx({"payments": H.sheet_xml(H.payments_table()),
                             "old": H.sheet_xml(H.payments_table())}, hidden=["old"]))
    proc, _ = budget_import(sqlite_ledger.url, "payments", path, None, "--dry-run")
    assert "warning: sheet 'old' is hidden and was not read" in proc.stdout, proc.stdout + proc.stderr
    sqlite_ledger.engine.dispose()
