"""The rendered report read back: the workbook with openpyxl, the PDF with pypdf and pdftoppm."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from pypdf import PdfReader
from reports_seed import HYPERLINK, MONTH, seed_report_ledger

from budget.money import fmt, percent
from budget.reports import generate, generate_with_report, render
from budget.reports.monthly import monthly_report
from budget.reports.xlsx import AMOUNT_FORMAT, PERCENT_FORMAT


def _pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_workbook_has_a_sheet_per_section_with_real_numbers_and_frozen_filtered_headers(ledger):
    seed_report_ledger(ledger.factory)
    data = generate(ledger.factory, MONTH, formats=("xlsx",))["xlsx"]
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [
        "Read me", "Summary", "By directorate", "By allocation", "Commitment credits make-up",
        "Payment credits make-up", "Month by allocation", "By organisation", "Not yet committed",
        "Payments of the month", "Open commitments", "Due next 3 months", "Ageing",
        "Arrears vs last year", "Overdue", "FX differences month", "FX differences year",
        "FX exposure", "FX sensitivity", "Year-end outlook", "Cash plan", "Credit needs FX", "Timeliness",
        "Chart data"]
    ws = wb["By organisation"]
    headers = [c.value for c in ws[1]]
    assert headers[:3] == ["Code", "Organisation", "Directorate"]
    assert {"Assessed CHF", "Assessed USD", "Committed EUR", "Paid EUR", "Open EUR", "% paid",
            "Due date", "Status"} <= set(headers)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:M9"
    committed = headers.index("Committed EUR") + 1
    cell = ws.cell(row=2, column=committed)
    assert isinstance(cell.value, float | int) and cell.number_format == AMOUNT_FORMAT
    assert ws.cell(row=2, column=headers.index("% paid") + 1).number_format == PERCENT_FORMAT
    assert ws.cell(row=2, column=headers.index("Due date") + 1).is_date
    # No amount anywhere is a number stored as text.
    for sheet in wb.worksheets[1:]:
        for row in sheet.iter_rows(min_row=2):
            for c in row:
                if isinstance(c.value, str):
                    assert not re.fullmatch(r"-?[\d,]+\.\d\d", c.value), (sheet.title, c.coordinate)
    assert wb["Read me"]["A1"].value == "Compulsory contributions to international organisations"


def test_workbook_totals_are_sum_formulas_with_their_cached_values(ledger):
    seed_report_ledger(ledger.factory)
    report, files = generate_with_report(ledger.factory, MONTH, formats=("xlsx",))
    formulas = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))["By organisation"]
    values = openpyxl.load_workbook(io.BytesIO(files["xlsx"]), data_only=True)["By organisation"]
    headers = [c.value for c in formulas[1]]
    col = headers.index("Committed EUR") + 1
    total_row = formulas.max_row
    assert formulas.cell(total_row, 1).value == "Total"
    letter = openpyxl.utils.get_column_letter(col)
    assert formulas.cell(total_row, col).value == f"=SUM({letter}2:{letter}{total_row - 1})"
    cached = values.cell(total_row, col).value
    assert Decimal(str(cached)) == report.by_organisation_total["committed"] == Decimal("22415939.26")
    rate = headers.index("% paid") + 1
    assert formulas.cell(total_row, rate).value.startswith("=IF(")
    # The share as the PDF shows it (money.percent): the cell holds what it shows.
    assert Decimal(str(values.cell(total_row, rate).value)) == percent(report.by_organisation_total["paid_rate"]) / 100
    # The cached totals equal the sum of the cells above them, to the cent.
    above = sum(Decimal(str(values.cell(r, col).value)) for r in range(2, total_row))
    assert above == Decimal(str(cached))


def test_no_data_string_becomes_a_formula_in_the_workbook(ledger):
    seed_report_ledger(ledger.factory)
    data = generate(ledger.factory, MONTH, formats=("xlsx",))["xlsx"]
    wb = openpyxl.load_workbook(io.BytesIO(data))
    found = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value == HYPERLINK:
                    found.append(c)
                    assert c.data_type == "s"
                    assert c.quotePrefix  # stays text when the analyst edits the cell
    assert found, "the organisation named like a formula is in the workbook"
    # In the file itself, the only formulas are the totals (SUM / IF), none holds HYPERLINK.
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                xml = z.read(name).decode()
                for formula in re.findall(r"<f>(.*?)</f>", xml):
                    assert formula.startswith(("SUM(", "IF(")), formula


def test_pdf_text_holds_the_totals_formatted_with_thousand_separators(ledger):
    seed_report_ledger(ledger.factory)
    data = generate(ledger.factory, MONTH, formats=("pdf",))["pdf"]
    pages = _pdf_pages(data)
    text = " ".join("\n".join(pages).split())  # lines wrapped by the layout joined again
    assert "Compulsory contributions to international organisations" in text
    assert "Monthly budget execution report – October 2025" in text
    assert "22,415,939.26" in text  # committed
    assert "13,544,750.40" in text  # paid in the year
    assert "6,692,898.55" in text   # payments of the month
    # Data text is printed literally: no markup from an organisation's name is interpreted.
    assert "<i>friends</i>" in text and HYPERLINK in text
    reader = PdfReader(io.BytesIO(data))
    assert all("/Annots" not in page for page in reader.pages), "no link from data text"
    for n, page in enumerate(pages, start=1):
        assert f"Page {n} / {len(pages)}" in page


def test_pdf_in_french_writes_amounts_the_belgian_way(ledger):
    seed_report_ledger(ledger.factory)
    pages = _pdf_pages(generate(ledger.factory, MONTH, formats=("pdf",), lang="fr")["pdf"])
    text = " ".join("\n".join(pages).split())
    assert "Rapport mensuel d'exécution budgétaire – octobre 2025" in text
    assert "22.415.939,26" in text
    assert "Crédits d'engagement" in text


def _between(text: str, start: str, end: str) -> str:
    return text[text.index(start):text.index(end, text.index(start))]


def test_a_capped_pdf_list_adds_up_with_its_others_line_and_the_workbook_keeps_every_line(ledger):
    seed_report_ledger(ledger.factory)
    report = monthly_report(ledger.factory, MONTH, top=2)
    files = render(report)
    sel = report.highlights.open_commitments
    assert sel.more > 0
    text = " ".join("\n".join(_pdf_pages(files["pdf"])).split())
    section = _between(text, "11. Open commitments", "12. Falling due in the next three months")
    # The two largest lines, the others line with its sums, then the totals of every line.
    assert f"The 2 largest of {sel.count} lines by “Open EUR”" in section
    assert (f"… and {sel.more} more lines, EUR {fmt(sel.others['open_eur'])}, listed in the Excel "
            f"workbook (sheet “Open commitments”)") in section
    total = report.lists.open_commitments_total
    for key in ("committed_eur", "open_eur"):
        assert fmt(sel.others[key]) in section and fmt(total[key]) in section
        assert sum((getattr(c, key) for c in sel.lines), Decimal(0)) + sel.others[key] == total[key]
    shown = {c.reference for c in sel.lines}
    assert all(ref in section for ref in shown)
    assert not any(c.reference in section for c in report.lists.open_commitments if c.reference not in shown)
    # The workbook lists every line, and its SUM's cached value is the same total.
    ws = openpyxl.load_workbook(io.BytesIO(files["xlsx"]), data_only=True)["Open commitments"]
    refs = [ws.cell(r, 1).value for r in range(2, ws.max_row)]
    assert refs == [c.reference for c in report.lists.open_commitments]
    headers = [c.value for c in ws[1]]
    assert ws.cell(ws.max_row, 1).value == "Total"
    assert Decimal(str(ws.cell(ws.max_row, headers.index("Open EUR") + 1).value)) == total["open_eur"]
    # The others line speaks the report's language.
    fr = " ".join("\n".join(_pdf_pages(render(report, ("pdf",), "fr")["pdf"])).split())
    assert f"… et {sel.more} autres lignes, {fmt(sel.others['open_eur'], 'be')} EUR" in fr


def test_a_long_table_breaks_across_pages_with_its_header_repeated(ledger):
    seed_report_ledger(ledger.factory, many_organisations=90)
    data = generate(ledger.factory, MONTH, formats=("pdf",))["pdf"]
    pages = _pdf_pages(data)
    org_pages = [p for p in pages if "ORG0" in p and "Organisation number" in p]
    assert len(org_pages) >= 3
    for page in org_pages:
        # The header row of the organisation table is on every page the table runs over.
        assert re.search(r"Code\s+Organisation\s+Dir\.\s+Assessed", page), page[:300]
    assert len(pages) >= len(org_pages) + 3  # cover and summary, charts, the other sections
    assert f"Page {len(pages)} / {len(pages)}" in pages[-1]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) not installed")
def test_every_pdf_page_renders_to_png(ledger, tmp_path):
    seed_report_ledger(ledger.factory)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(generate(ledger.factory, MONTH, formats=("pdf",))["pdf"])
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == len(PdfReader(str(pdf)).pages)
    assert all(p.stat().st_size > 2000 for p in pngs)


def _workbook_cells(data: bytes) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return {ws.title: [tuple((c.value, c.number_format) for c in row) for row in ws.iter_rows()]
            for ws in wb.worksheets}


GENERATED_AT = dt.datetime(2025, 11, 3, 9, 30)


def _pinned(monkeypatch) -> None:
    """Every report built from here on carries the same generation time (it is printed)."""
    import budget.reports.monthly as monthly

    real = monthly.build_monthly
    monkeypatch.setattr(monthly, "build_monthly",
                        lambda *a, **k: real(*a, **{**k, "generated_at": GENERATED_AT}))


def test_generate_gives_the_report_and_the_files_rendered_from_it(ledger, monkeypatch):
    """The PDF, then the workbook, from one report: the files equal the report rendered in turn."""
    import budget.reports as reports

    seed_report_ledger(ledger.factory)
    _pinned(monkeypatch)
    report, files = reports.generate_with_report(ledger.factory, MONTH, lang="fr")
    assert report == monthly_report(ledger.factory, MONTH, lang="fr")  # names in the reader's language
    assert list(files) == ["pdf", "xlsx"]
    in_turn = render(report, ("pdf", "xlsx"), "fr")
    assert _workbook_cells(files["xlsx"]) == _workbook_cells(in_turn["xlsx"])
    assert _pdf_pages(files["pdf"]) == _pdf_pages(in_turn["pdf"])


def test_the_workbook_makes_its_sheets_in_the_order_and_with_the_names_of_the_tables(ledger):
    """The workbook makes its sheets before it has the tables (SECTION_KEYS, sheet_name):
    they must be the tables' own keys, order and sheet names, in every language."""
    from budget.reports.layout import SECTION_KEYS, sections, sheet_name

    seed_report_ledger(ledger.factory)
    report = monthly_report(ledger.factory, MONTH)
    for lang in ("en", "fr", "nl"):
        for pdf in (False, True):
            tables = sections(report, lang, pdf=pdf)
            assert tuple(s.key for s in tables) == SECTION_KEYS
            assert [s.sheet for s in tables] == [sheet_name(k, lang) for k in SECTION_KEYS]
        names = openpyxl.load_workbook(io.BytesIO(render(report, ("xlsx",), lang)["xlsx"])).sheetnames
        assert names[1:] == [sheet_name(k, lang) for k in SECTION_KEYS]
