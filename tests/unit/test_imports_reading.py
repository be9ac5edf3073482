"""Reading what people really send: the messy corpus (golden results), bad and hostile files.

Pure: no database. The golden results live in tests/fixtures/imports/*.json; regenerate
them after a deliberate change with ``IMPORTS_UPDATE_GOLDEN=1 pytest tests/unit/test_imports_reading.py``
and read the diff.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import imports_samples as S
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imports.ecb import read_rates
from imports.extract import choose_sheet, extract
from imports.pipeline import identify_kind
from imports.reader import CFB_MAGIC, UnreadableFileError, detect_format, open_source, read_sheets
from imports.specs import SPECS

GOLDEN = Path(__file__).resolve().parent.parent / "fixtures" / "imports"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def parsed(data: bytes, name: str, kind: str, **options: Any) -> dict[str, Any]:
    raw = open_source(data, name)
    sheets = read_sheets(raw, options.get("sheet"))
    header, problems = choose_sheet(sheets, SPECS[kind])
    assert header is not None, problems
    rows, problems = extract(header, SPECS[kind], options.get("decimal_mark"))
    return {
        "kind": kind,
        "sheet": header.sheet.name,
        "header_row": header.row_index + 1,
        "rows": [{"row": r.row, **{k: _plain(v) for k, v in sorted(r.values.items())}} for r in rows],
        "problems": [pr.as_dict() for pr in problems],
    }


CORPUS = {
    "messy_assessments_fr": (S.messy_assessments_fr, "appels-2025.xlsx", "assessments"),
    "messy_commitments_nl": (S.messy_commitments_nl, "vastleggingen.xlsx", "commitments"),
    "messy_payments_en_csv": (S.messy_payments_en_csv, "payments.csv", "payments"),
    "messy_budget_csv": (S.messy_budget_csv, "budget.csv", "budget"),
    "organisations_en": (S.organisations_en, "organisations.xlsx", "organisations"),
    "openpyxl_merged_title": (S.openpyxl_merged_title, "orgs-openpyxl.xlsx", "organisations"),
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_each_messy_workbook_parses_to_its_golden_result(name):
    build, filename, kind = CORPUS[name]
    got = parsed(build(), filename, kind)
    path = GOLDEN / f"{name}.json"
    if os.environ.get("IMPORTS_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n")
    assert got == json.loads(path.read_text())


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_each_messy_workbook_is_recognised_by_its_columns(name):
    build, filename, kind = CORPUS[name]
    assert identify_kind(build(), filename) == kind


def test_the_header_is_found_under_title_rows_and_the_data_sheet_is_chosen_over_notes():
    got = parsed(S.messy_assessments_fr(), "a.xlsx", "assessments")
    assert got["sheet"] == "Appels 2025"
    assert got["header_row"] == 4
    # blank row 7 and the "Totaux" row 11 are skipped; the merged organisation cell fills row 6
    assert [r["row"] for r in got["rows"]] == [5, 6, 8, 9, 10]
    assert got["rows"][1]["organisation"] == "UN-RB"


def test_a_sheet_can_be_named_and_an_unknown_sheet_is_a_clear_error():
    got = parsed(S.messy_assessments_fr(), "a.xlsx", "assessments", sheet="appels 2025")
    assert got["sheet"] == "Appels 2025"
    with pytest.raises(UnreadableFileError, match="no sheet named 'Budget'"):
        read_sheets(open_source(S.messy_assessments_fr(), "a.xlsx"), "Budget")


def test_missing_required_columns_are_named_with_the_headers_accepted():
    data = S.xlsx({"P": [["reference", "date", "commitment", "amount"], ["P1", "2025-01-01", "E1", 5]]})
    header, problems = choose_sheet(read_sheets(open_source(data, "p.xlsx")), SPECS["payments"])
    assert header is None
    assert problems[0].column == "currency" and problems[0].row == 1
    assert "devise" in problems[0].message


def test_ambiguous_text_amounts_are_reported_at_their_cell_and_settled_by_the_option():
    data = S.payments_xlsx([["P1", "05/03/2025", "E1", "1.234", "EUR", None]])
    got = parsed(data, "p.xlsx", "payments")
    assert got["problems"] == [{"sheet": "payments", "row": 2, "column": "amount", "value": "1.234",
                                "message": "amount is ambiguous: is '.' a thousands separator or the "
                                "decimal mark? Load again with --decimal-comma or --decimal-point"}]
    assert parsed(data, "p.xlsx", "payments", decimal_mark="comma")["rows"][0]["amount"] == "1234"


def test_csv_in_windows_1252_with_semicolons_and_utf8_bom_with_commas_are_read():
    cp = S.csv_bytes([["Code", "Nom", "Direction"], ["OIF", "Francophonie – Sommet", "M2"]], ";", "cp1252")
    got = parsed(cp, "orgs.csv", "organisations")
    assert got["rows"][0]["name"] == "Francophonie – Sommet"
    bom = S.csv_bytes([["Code", "Nom", "Direction"], ["OIF", "Élysée", "M2"]], ",", "utf-8-sig")
    assert parsed(bom, "orgs.csv", "organisations")["rows"][0]["name"] == "Élysée"


def test_a_semicolon_csv_whose_amounts_carry_commas_is_split_on_semicolons():
    rows = [["Payments"], ["reference", "date", "commitment", "amount", "currency"],
            ["P1", "01/03/2025", "E1", "1,234,567.89", "EUR"], ["P2", "02/03/2025", "E1", "2,000.00", "EUR"]]
    got = parsed(S.csv_bytes(rows, ";"), "p.csv", "payments")
    assert [r["amount"] for r in got["rows"]] == ["1234567.89", "2000.00"]


def test_an_xlsm_workbook_is_read_like_an_xlsx():
    assert parsed(S.organisations_en(), "orgs.xlsm", "organisations")["rows"][0]["code"] == "UN-RB"


def test_an_ods_spreadsheet_is_read():
    data = S.ods([["Organisations"], ["Code", "Nom", "Direction"], ["OIF", "Francophonie", "M2"]])
    got = parsed(data, "orgs.ods", "organisations")
    assert got["header_row"] == 2
    assert got["rows"] == [{"row": 3, "code": "OIF", "directorate": "M2", "name": "Francophonie"}]


# --------------------------------------------------------------------------- hostile files


def test_a_zip_bomb_is_refused_before_any_reader_opens_it():
    bomb = S.zip_bomb_xlsx()
    assert len(bomb) < 200_000
    with pytest.raises(UnreadableFileError, match="zip bomb"):
        read_sheets(open_source(bomb, "bomb.xlsx"))


def test_a_file_above_the_size_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("BUDGET_IMPORT_MAX_BYTES", "1000")
    path = tmp_path / "big.csv"
    path.write_bytes(b"a;b\n" * 1000)
    with pytest.raises(UnreadableFileError, match=r"above the \d+ MB limit"):
        open_source(path)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04" + b"\x00" * 100, "corrupt"),
        (S.xlsx({"S": [["a"]]})[:600], "corrupt"),
        (CFB_MAGIC + b"\x00" * 512 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 512, "encrypted"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "not a spreadsheet"),
        (b"", "empty"),
        (b"<html><body>not a workbook</body></html>", "XML file that is not a workbook"),
    ],
    ids=["truncated-zip", "truncated-xlsx", "encrypted-ooxml", "png", "empty", "html"],
)
def test_corrupt_encrypted_or_non_spreadsheet_files_get_one_clear_line(data, message):
    with pytest.raises(UnreadableFileError, match=message) as info:
        read_sheets(open_source(data, "file.xlsx"))
    assert "\n" not in str(info.value)


def test_a_corrupt_legacy_xls_is_refused_clearly():
    with pytest.raises(UnreadableFileError, match="corrupt or unreadable"):
        read_sheets(open_source(CFB_MAGIC + b"\x00" * 2000, "old.xls"))


def test_formulas_are_never_evaluated_the_cached_value_is_read():
    out = io.BytesIO()
    import xlsxwriter

    book = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = book.add_worksheet("payments")
    ws.write_row(0, 0, ["reference", "date", "commitment", "amount", "currency"])
    ws.write_row(1, 0, ["P1", "2025-03-05", "E1"])
    ws.write_formula(1, 3, '=WEBSERVICE("http://example.invalid")', None, 125.5)
    ws.write(1, 4, "EUR")
    book.close()
    got = parsed(out.getvalue(), "f.xlsx", "payments")
    assert got["rows"][0]["amount"] == "125.50"


def test_a_renamed_file_is_read_for_what_it_is():
    assert detect_format(open_source(S.messy_payments_en_csv(), "payments.xlsx")) == "csv"
    assert detect_format(open_source(S.organisations_en(), "orgs.csv")) == "xlsx"


def test_defusedxml_is_what_openpyxl_uses():
    import openpyxl

    assert openpyxl.DEFUSEDXML is True


# --------------------------------------------------------------------------- ECB files


@pytest.mark.parametrize(
    ("data", "name", "count"),
    [
        (S.ECB_HIST_CSV.encode(), "eurofxref-hist.csv", 6),
        (S.ecb_zip(), "eurofxref-hist.zip", 6),
        (S.ECB_DAILY_CSV.encode(), "eurofxref.csv", 3),
        (S.ECB_DAILY_XML.encode(), "eurofxref-daily.xml", 2),
        (S.ECB_HIST_XML.encode(), "eurofxref-hist.xml", 4),
    ],
)
def test_every_ecb_file_shape_is_read_by_header_name(data, name, count):
    raw = open_source(data, name)
    assert identify_kind(raw) == "fx"
    rates, problems, _ = read_rates(raw)
    assert problems == []
    assert len(rates) == count
    assert all(r[2] > 0 for r in rates)


def test_ecb_na_values_are_missing_and_the_daily_date_form_is_read():
    rates, _, _ = read_rates(open_source(S.ECB_DAILY_CSV.encode(), "eurofxref.csv"))
    assert ("USD", dt.date(2024, 10, 11), Decimal("1.0938"), 2) in rates
    hist, _, _ = read_rates(open_source(S.ECB_HIST_CSV.encode(), "eurofxref-hist.csv"))
    assert not any(c == "CYP" for c, *_ in hist)


def test_ecb_columns_are_found_by_name_whatever_their_order():
    swapped = "Date,CHF,USD,\n2025-01-03,0.9391,1.0299,\n"
    rates, _, _ = read_rates(open_source(swapped.encode(), "eurofxref-hist.csv"))
    assert ("USD", dt.date(2025, 1, 3), Decimal("1.0299"), 2) in rates


def test_an_ecb_zip_bomb_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("eurofxref-hist.csv", "Date,USD,\n" + " " * (20 * 1024 * 1024))
    with pytest.raises(UnreadableFileError, match="zip bomb"):
        read_rates(open_source(out.getvalue(), "eurofxref-hist.zip"))


# --------------------------------------------------------------------------- fuzzing

cell = st.one_of(
    st.none(), st.text(max_size=12), st.integers(-10**12, 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.sampled_from(["1.234", "1,234.50", "(12,00)", "31/02/2026", "USD", "Total", "N/A", "€"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(sorted(SPECS)),
    rows=st.lists(st.lists(cell, min_size=0, max_size=8), max_size=6),
    title=st.booleans(),
)
def test_any_small_workbook_is_read_into_rows_and_problems_never_an_exception(kind, rows, title):
    header = [c.name for c in SPECS[kind].columns]
    sheet = ([["A title"]] if title else []) + [header] + rows
    data = S.xlsx({"Data": [[v if not isinstance(v, float) else float(v) for v in r] for r in sheet]})
    raw = open_source(data, "fuzz.xlsx")
    found, problems = choose_sheet(read_sheets(raw), SPECS[kind])
    assert found is not None, problems
    _rows, problems = extract(found, SPECS[kind])
    for pr in problems:
        assert pr.sheet == "Data" and pr.row is not None and pr.message
