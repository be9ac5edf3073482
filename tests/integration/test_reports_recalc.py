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


# The same CSV, but each cell as LibreOffice shows it (its number format applied).
CSV_AS_SHOWN = 'csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,true,false,false,-1'


def test_a_spreadsheet_shows_the_workbooks_percentages_as_the_pdf_writes_them(tmp_path):
    """The workbook writes a share as its fraction under ``0.0%`` and a change of a rate as
    points under the points format; a spreadsheet program rounds them for display itself.
    It must show the digits of ``budget.money.percent``, which the PDF and the dashboard
    write (a tie: 0.0165 is 1.7 %, never 1.6 %)."""
    import xlsxwriter

    from budget.money import percent
    from budget.reports.xlsx import PERCENT_FORMAT, POINTS_FORMAT, shown_share

    # Ties of the rule, and 0.0045: a float just below the tie, which a spreadsheet given the
    # fraction itself showed as 0.4 %.
    fractions = [Decimal(v) for v in ("0.0165", "-0.0165", "0.0285", "0.0005", "0.1234", "0.9995", "0.0045")]
    source = tmp_path / "shares.xlsx"
    book = xlsxwriter.Workbook(str(source))
    sheet = book.add_worksheet("shares")
    share = book.add_format({"num_format": PERCENT_FORMAT})
    points = book.add_format({"num_format": POINTS_FORMAT.format(pts="pts")})
    for row, fraction in enumerate(fractions):
        sheet.write_number(row, 0, shown_share(fraction), share)   # as xlsx.py writes a Pct
        sheet.write_number(row, 1, percent(fraction), points)      # and a change in points
        sheet.write_number(row, 2, fraction * 10_000)              # the total's formula: part
        sheet.write_number(row, 3, 10_000)                         # and whole
        sheet.write_formula(row, 4, f"=ROUND(ROUND(C{row + 1}/D{row + 1},4),3)", share)
    book.close()
    openpyxl.load_workbook(source).save(source)  # no cached value: LibreOffice computes the formula
    subprocess.run([SOFFICE, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", CSV_AS_SHOWN, "--outdir", str(tmp_path / "out"), str(source)],
                   check=True, capture_output=True, timeout=180)
    shown = list(csv.reader((tmp_path / "out" / "shares-shares.csv").read_text(encoding="utf-8").splitlines()))
    for fraction, (as_share, as_points, _, _, as_total) in zip(fractions, shown, strict=True):
        digits = str(percent(fraction))
        assert as_share == as_total == f"{digits}%", (fraction, as_share, as_total)
        assert as_points.replace("+", "") == f"{digits} pts", (fraction, as_points)
