"""The import limits: each hostile shape just under its limit is read, just over it is refused.

Pure, in-process: small limits are set through the ``BUDGET_IMPORT_*`` settings so the files
stay a few KB. The same corpus runs through the real CLI under a memory cap in
tests/e2e/test_imports_hostile_cli.py.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import hostile_samples as H
import imports_samples as S
import pytest

from imports.ecb import read_rates
from imports.extract import choose_sheet, extract
from imports.reader import UnreadableFileError, open_source, read_sheets, read_workbook
from imports.specs import SPECS


def read(data: bytes, name: str = "hostile.xlsx", sheet: str | None = None):
    return read_sheets(open_source(data, name), sheet)


def refused(data: bytes, match: str, name: str = "hostile.xlsx") -> str:
    with pytest.raises(UnreadableFileError, match=match) as info:
        read(data, name)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{name}: ")
    return message


# --------------------------------------------------------------------------- extents


def test_the_sparse_a1_and_xfd1048576_workbook_is_refused_in_milliseconds_with_default_limits():
    data = H.sparse(1_048_576, 16_384)
    assert len(data) < 2000
    message = refused(data, "17,179,869,184 cells")
    assert "1,048,576 rows x 16,384 columns" in message and "BUDGET_IMPORT_MAX_CELLS" in message


def test_a_sheet_spanning_exactly_the_cell_limit_is_read_and_one_column_more_is_refused(monkeypatch):
    monkeypatch.setenv("BUDGET_IMPORT_MAX_CELLS", "1000")
    sheets = read(H.sparse(100, 10))
    assert len(sheets[0].rows) == 100 and len(sheets[0].rows[0]) == 10
    refused(H.sparse(100, 11), "1,100 cells")


def test_the_cell_limit_counts_all_sheets_together(monkeypatch):
    monkeypatch.setenv("BUDGET_IMPORT_MAX_CELLS", "1000")
    half = H.sheet_xml([(1, 1, H.text("a")), (50, 10, H.number(1))])
    assert len(read(H.xlsx({"A": half, "B": half}))) == 2
    refused(H.xlsx({"A": half, "B": half, "C": half}), "1,500 cells")


def test_a_declared_dimension_above_the_cell_limit_is_refused_even_when_the_cells_are_few(monkeypatch):
    monkeypatch.setenv("BUDGET_IMPORT_MAX_CELLS", "1000")
    assert read(H.sparse(2, 2, dimension="A1:J100"))
    refused(H.sparse(2, 2, dimension="A1:J101"), "declare 1,010 cells")


def test_a_sheet_in_an_unusual_shape_is_walked_exactly_prefixed_and_without_cell_references(monkeypatch):
    monkeypatch.setenv("BUDGET_IMPORT_MAX_CELLS", "1000")

    def prefixed(last_row: int, cells: int) -> str:
        row = "".join("<x:c><x:v>1</x:v></x:c>" for _ in range(cells))
        return (f'<?xml version="1.0"?><x:worksheet xmlns:x="{H.NS}"><x:sheetData>'
                f'<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c></x:row>'
                f'<x:row r="{last_row}">{row}</x:row></x:sheetData></x:worksheet>')

    sheets = read(H.xlsx({"S": prefixed(100, 10)}))
    assert len(sheets[0].rows) == 100
    refused(H.xlsx({"S": prefixed(100, 11)}), "1,100 cells")
    refused(H.xlsx({"S": prefixed(1_048_576, 16_384)}), "cells")


# --------------------------------------------------------------------------- shared strings


def test_a_shared_string_of_the_longest_length_is_read_and_one_character_more_is_refused(monkeypatch):
    monkeypatch.setenv("BUDGET_IMPORT_MAX_STRING_CHARS", "100")
    assert read(H.shared_string_bomb(100, 3))[0].rows[1][1] == "x" * 100
    refused(H.shared_string_bomb(101, 3), "shared string 1 is 101 characters long")


def test_shared_strings_under_another_part_name_are_checked_too(monkeypatch):
    monkeypatch.setenv("BUDGET_IMPORT_MAX_STRING_CHARS", "100")
    rows = H.sheet_xml([(1, 1, H.text("reference")), (2, 1, "s:0")])
    refused(H.xlsx({"S": rows}, shared=["x" * 101], strings_part="strings/other.xml"), "101 characters long")


def test_the_900_kb_string_shared_by_3000_cells_is_refused_with_default_limits():
    data = H.shared_string_bomb(900_000, 3000)
    assert len(data) < 30_000
    refused(data, "900,000 characters long, above the 32,767 limit")


def test_text_shared_by_many_cells_is_refused_above_the_text_limit_counted_exactly(monkeypatch):
    monkeypatch.setenv("BUDGET_IMPORT_MAX_TEXT_BYTES", "10000")
    assert len(read(H.shared_string_bomb(50, 200))[0].rows) == 201  # 200 x 50 = 10,000
    refused(H.shared_string_bomb(50, 201), "10,050 .*BUDGET_IMPORT_MAX_TEXT_BYTES|0.0 MB")


# --------------------------------------------------------------------------- sheets and members


def test_a_workbook_with_the_most_sheets_is_read_and_one_sheet_more_is_refused(monkeypatch):
    monkeypatch.setenv("BUDGET_IMPORT_MAX_SHEETS", "5")
    assert len(read(H.many_sheets(5))) == 5
    refused(H.many_sheets(6), "more than 5 sheets, the limit")


def test_a_member_at_the_member_limit_is_read_and_one_byte_more_is_refused(monkeypatch):
    sheet = H.sheet_xml(H.payments_table())
    monkeypatch.setenv("BUDGET_IMPORT_MAX_MEMBER_BYTES", str(100_000))
    assert read(H.xlsx({"payments": sheet}, extra={"docProps/custom.xml": b" " * 100_000}))
    refused(H.xlsx({"payments": sheet}, extra={"docProps/custom.xml": b" " * 100_001}),
            "member docProps/custom.xml is 0.1 MB uncompressed")


def test_all_members_together_are_bounded(monkeypatch):
    monkeypatch.setenv("BUDGET_IMPORT_MAX_UNCOMPRESSED", str(300_000))
    extra = {f"docProps/pad{i}.xml": b" " * 100_000 for i in range(3)}
    refused(H.xlsx({"payments": H.sheet_xml(H.payments_table())}, extra=extra), "BUDGET_IMPORT_MAX_UNCOMPRESSED")


def test_a_member_whose_header_understates_its_size_is_refused():
    sheet = H.sheet_xml(H.payments_table(extra=50))
    data = H.xlsx({"payments": sheet})
    forged = H.forged_size(data, "xl/worksheets/sheet1.xml", len(sheet.encode()) // 10)
    refused(forged, "does not inflate to the size its zip header declares")


def test_a_thousand_small_sheets_are_refused_before_any_is_read():
    refused(H.many_sheets(1000), "more than 200 sheets, the limit")


# --------------------------------------------------------------------------- CSV and ECB


def test_a_csv_with_more_fields_than_the_cell_limit_is_refused_before_parsing(monkeypatch):
    monkeypatch.setenv("BUDGET_IMPORT_MAX_CELLS", "100")
    rows = [["reference", "date", "commitment", "amount", "currency"]] + [["P1", "2025-03-05", "E1", "5", "EUR"]] * 18
    assert read(S.csv_bytes(rows, ";"), "p.csv")  # 19 lines x 5 fields: at most 95 + 1
    refused(S.csv_bytes(rows * 2, ";"), "fields, above the 100 limit", "p.csv")


def test_an_ecb_zip_whose_csv_inflates_beyond_the_member_limit_is_refused(monkeypatch):
    small, big = H.ecb_zip(700), H.ecb_zip(701)
    limit = zipfile.ZipFile(io.BytesIO(small)).infolist()[0].file_size
    monkeypatch.setenv("BUDGET_IMPORT_MAX_MEMBER_BYTES", str(limit))
    rates, problems, _ = read_rates(open_source(small, "eurofxref-hist.zip"))
    assert len(rates) == 700 and problems == []
    with pytest.raises(UnreadableFileError, match="BUDGET_IMPORT_MAX_MEMBER_BYTES") as info:
        read_rates(open_source(big, "eurofxref-hist.zip"))
    assert "\n" not in str(info.value)


def test_an_ecb_zip_with_a_forged_member_size_is_refused():
    data = H.ecb_zip(500)
    forged = H.forged_size(data, "eurofxref-hist.csv", 1000)
    with pytest.raises(UnreadableFileError, match="does not inflate to the size"):
        read_rates(open_source(forged, "eurofxref-hist.zip"))


def test_an_absurd_ecb_rate_is_a_problem_on_its_line():
    text = "Date,USD,\n2025-01-03,1e999999,\n2025-01-06,1.03,\n"
    rates, problems, _ = read_rates(open_source(text.encode(), "eurofxref-hist.csv"))
    assert len(rates) == 1
    assert [(pr.row, pr.column) for pr in problems] == [(2, "USD")]


# --------------------------------------------------------------------------- the reading child


def test_an_ods_file_is_refused_cleanly_when_its_reading_child_runs_out_of_memory(monkeypatch):
    data = S.ods([["Code", "Nom", "Direction"], ["OIF", "Francophonie", "M2"]])
    monkeypatch.setenv("BUDGET_IMPORT_READER_MEMORY", str(1024 * 1024))  # not even calamine fits
    refused(data, "BUDGET_IMPORT_READER_MEMORY", "orgs.ods")


# --------------------------------------------------------------------------- what imports ignore


def test_a_hidden_sheet_is_not_read_but_noted_unless_it_is_named():
    data = H.xlsx({"Notes": H.sheet_xml(H.table([["Read me"]])), "payments": H.sheet_xml(H.payments_table())},
                  hidden=["payments"])
    book = read_workbook(open_source(data, "h.xlsx"))
    assert [s.name for s in book.sheets] == ["Notes"]
    assert book.notes == ["sheet 'payments' is hidden and was not read (name it with --sheet to read it)"]
    named = read_workbook(open_source(data, "h.xlsx"), "payments")
    assert [s.name for s in named.sheets] == ["payments"] and named.notes == []
    assert named.sheets[0].rows[1][0] == "P1"


def payments_header(rows: list[list[object]]):
    sheets = read(S.xlsx({"payments": rows}))
    return choose_sheet(sheets, SPECS["payments"])


def test_a_header_named_twice_with_different_values_is_a_problem_at_the_header_row():
    header, problems = payments_header([
        ["reference", "date", "commitment", "amount", "currency", "Montant"],
        ["P1", "2025-03-05", "E1", 100.0, "EUR", 250.0],
    ])
    assert header is None
    assert [(pr.sheet, pr.row, pr.column) for pr in problems] == [("payments", 1, "Montant")]
    assert "columns D 'amount' and F 'Montant'" in problems[0].message
    assert "first at row 2" in problems[0].message


def test_a_header_named_twice_over_identical_columns_is_read_once():
    header, problems = payments_header([
        ["reference", "date", "commitment", "amount", "currency", "amount"],
        ["P1", "2025-03-05", "E1", 100.0, "EUR", 100.0],
        ["P2", "2025-03-06", "E1", None, "EUR", ""],
    ])
    assert problems == [] and header is not None and header.columns["amount"] == 3


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(("text", "reason"), [
    ("1" * 400, "too many digits"),
    ("9999-12-31", "out of range"),
    ("31/12/0202", "out of range"),
    ("1" * 400 + ".0", "too many digits"),
])
def test_an_absurd_date_text_is_a_row_problem_with_its_sheet_row_column_and_value(text, reason):
    header, problems = payments_header([
        ["reference", "date", "commitment", "amount", "currency"],
        ["P1", text, "E1", 100.0, "EUR"],
        ["P2", dt.date(2025, 3, 5), "E1", 100.0, "EUR"],
    ])
    assert header is not None, problems
    rows, problems = extract(header, SPECS["payments"])
    assert [r.row for r in rows if "date" in r.values] == [3]
    assert [(pr.sheet, pr.row, pr.column, pr.value) for pr in problems] == [("payments", 2, "date", text)]
    assert reason in problems[0].message
