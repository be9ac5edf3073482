"""The monthly workbook recalculated by another spreadsheet program: LibreOffice (Debian's
``libreoffice-calc-nogui``, installed by ``.ci/run``) computes every formula again and finds
the values the workbook carries, to the cent, in all three languages."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from reports_seed import MONTH, seed_report_ledger

from budget.reports import render
from budget.reports.monthly import monthly_report

SOFFICE = shutil.which("soffice")
# Comma-separated, UTF-8, raw values (not as shown), every sheet to its own file.
CSV_FILTER = 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1'

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")]


def _formulas(data: bytes) -> dict[tuple[str, str], Decimal]:
    """Each formula cell of the workbook with the value the workbook carries for it (a text
    that only looks like a formula, from the data, is a text cell, not one of them)."""
    with_formulas = openpyxl.load_workbook(io.BytesIO(data))
    values = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    out = {}
    for ws in with_formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    carried = values[ws.title][cell.coordinate].value
                    out[(ws.title, cell.coordinate)] = Decimal(str(carried))
    return out


def _recalculated(data: bytes, tmp_path: Path) -> dict[str, list[list[str]]]:
    """Every sheet as LibreOffice computes it from the formulas alone (the values the
    workbook carries are dropped first, so nothing is read back unrecalculated)."""
    bare = openpyxl.load_workbook(io.BytesIO(data))  # openpyxl saves formulas without values
    source = tmp_path / "pack.xlsx"
    bare.save(source)
    sheets = list(bare.sheetnames)
    subprocess.run([SOFFICE, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", CSV_FILTER, "--outdir", str(tmp_path / "out"), str(source)],
                   check=True, capture_output=True, timeout=180)
    out = {}
    for name in sheets:
        path = tmp_path / "out" / f"pack-{name}.csv"
        out[name] = list(csv.reader(path.read_text(encoding="utf-8").splitlines())) if path.exists() else []
    return out


def _number(text: str) -> Decimal:
    """A value of LibreOffice's CSV: a number, or a percentage (``60.42%``)."""
    if text.endswith("%"):
        return Decimal(text[:-1]) / 100
    return Decimal(text or "0")


@pytest.mark.parametrize("lang", ["en", "fr", "nl"])
def test_libreoffice_recalculates_every_formula_to_the_value_the_workbook_carries(ledger, tmp_path, lang):
    if ledger.backend != "sqlite":
        pytest.skip("the workbook does not depend on the database; one backend is enough")
    seed_report_ledger(ledger.factory)
    data = render(monthly_report(ledger.factory, MONTH, lang=lang), ("xlsx",), lang)["xlsx"]
    formulas = _formulas(data)
    assert len(formulas) >= 20, f"only {len(formulas)} formulas to check"
    sheets = _recalculated(data, tmp_path)
    differ = []
    for (sheet, coordinate), carried in formulas.items():
        cell = openpyxl.utils.cell.coordinate_from_string(coordinate)
        col = openpyxl.utils.column_index_from_string(cell[0]) - 1
        rows = sheets[sheet]
        got = rows[cell[1] - 1][col] if cell[1] - 1 < len(rows) and col < len(rows[cell[1] - 1]) else ""
        try:
            value = _number(got)
        except ArithmeticError:
            differ.append(f"{sheet}!{coordinate}: LibreOffice {got!r}, workbook {carried}")
            continue
        # To the precision the workbook carries, at least the cent (a share: 0.6042).
        step = Decimal(1).scaleb(min(carried.as_tuple().exponent, -2))  # type: ignore[arg-type]
        if value.quantize(step) != carried.quantize(step):
            differ.append(f"{sheet}!{coordinate}: LibreOffice {got}, workbook {carried}")
    assert differ == []
