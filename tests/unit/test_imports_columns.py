"""The column-wise reading of big files gives exactly what reading row by row, cell by cell gives.

Pure: sheets are built in memory. The reference below is the row-by-row reading the importer
used before it parsed column by column (each cell parsed on its own, no memo, no batch path):
every value, every skipped row and every problem (sheet, Excel row, column, value, message,
in the same order) must match.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from imports import parsing as p
from imports.extract import (
    Header,
    Problem,
    _cents_of,
    _repeated_header,
    extract,
    extract_columns,
    find_header,
)
from imports.reader import Sheet
from imports.specs import PARSERS, SPECS, KindSpec


def reference_extract(header: Header, spec: KindSpec, decimal_mark: p.DecimalMark = None):
    """Row by row, cell by cell: the importer's reading before the column-wise one."""
    rows, problems = [], []
    sheet = header.sheet
    cols = [(spec.column(n), idx) for n, idx in header.columns.items()]
    first_header = header.written[cols[0][0].name].strip().lower()
    for i in range(header.row_index + 1, len(sheet.rows)):
        cells = sheet.rows[i]
        if any(p.is_total_label(c) for c in cells[:8]):
            continue
        mapped = [cells[idx] if idx < len(cells) else None for _, idx in cols]
        first = mapped[0]
        if (isinstance(first, str) and first.strip().lower() == first_header
                and _repeated_header([(c, v) for (c, _), v in zip(cols, mapped, strict=True)])):
            continue
        values, row_problems, filled = {}, [], False
        for (col, _), value in zip(cols, mapped, strict=True):
            written = header.written[col.name]
            if p.is_blank(value):
                if col.required:
                    row_problems.append(Problem(sheet.name, i + 1, written, "", f"{col.name} is empty"))
                continue
            filled = True
            try:
                values[col.name] = (p.parse_amount(value, decimal_mark) if col.parser == "amount"
                                    else PARSERS[col.parser](value))
            except p.CellError as exc:
                row_problems.append(Problem(sheet.name, i + 1, written, p.display(value), f"{col.name} {exc}"))
        if filled:
            problems.extend(row_problems)
            rows.append((i + 1, values, dict(zip([c.name for c, _ in cols], mapped, strict=True))))
    return rows, problems


def both(kind: str, grid: list[list[Any]], decimal_mark: p.DecimalMark = None):
    spec = SPECS[kind]
    sheet = Sheet("Data", [[c.name for c in spec.columns], *grid])
    header = find_header(sheet, spec)
    assert header is not None
    expected_rows, expected_problems = reference_extract(header, spec, decimal_mark)
    rows, problems = extract(header, spec, decimal_mark)
    return expected_rows, expected_problems, [(r.row, r.values, r.raw) for r in rows], problems


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same form: Decimal('1.50') is not Decimal('1.5') here."""
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return type(a) is type(b) and str(a) == str(b)
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


def assert_same_reading(expected_rows, expected_problems, rows, problems):
    assert problems == expected_problems
    assert [r[0] for r in rows] == [r[0] for r in expected_rows]
    for (_, values, raw), (_, want_values, want_raw) in zip(rows, expected_rows, strict=True):
        assert values.keys() == want_values.keys()
        assert all(_same(values[k], want_values[k]) for k in values), (values, want_values)
        assert all(_same(raw[k], want_raw[k]) for k in raw)


# Cells as calamine and the CSV reader hand them over, with the awkward ones on purpose:
# equal numbers of different types, -0.0, NaN, texts with odd spaces or a NUL, totals,
# the header repeated, values that repeat (to go through the memo).
cells = st.one_of(
    st.none(),
    st.sampled_from(["", "  ", "\t", "PAY-1", " PAY-1 ", "pay-1", "P  1", "P\u00a01", "P\x00Q", "a\nb",
                     "E1", "e1 ", "EUR", " usd", "€", "CHF", "xyz", "Total", "Sous-total", "Totaal 2025",
                     "reference", " Reference ", "1.234", "1,234.50", "(12,00)", "-5", "0", "31/02/2026",
                     "2025-03-01", "5 mars 2025", "2025", "1.0350", "N/A"]),
    st.integers(-10**6, 10**6),
    st.booleans(),
    st.sampled_from([0.0, -0.0, 1.0, 0.1, 0.3, 0.1 + 0.2, 1234.5, 1234.56, 99.995, 1e13, 1e15, -7.25,
                     float("nan"), float("inf"), 2025.0, 45000.0]),
    st.floats(min_value=-1e14, max_value=1e14, allow_nan=False),
    st.decimals(min_value=-10**6, max_value=10**6, places=2),
    st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1)),
    st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2100, 1, 1)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(SPECS)),
       grid=st.lists(st.lists(cells, min_size=0, max_size=9), max_size=12),
       mark=st.sampled_from([None, "comma", "point"]))
@example(kind="budget", grid=[[None, None, -0.0], [None, None, 0.0]], mark=None)  # one memo key, two signs
@example(kind="budget", grid=[[None, None, 0.0], [None, None, -0.0]], mark=None)
@example(kind="payments", grid=[["P1", "2025-03-01", "E1", 1, "EUR"], ["P2", "2025-03-01", "E1", 1.0, "EUR"],
                                ["P3", "2025-03-01", "E1", True, "EUR"]], mark=None)
def test_any_sheet_reads_column_wise_exactly_as_row_by_row(kind, grid, mark):
    assert_same_reading(*both(kind, grid, mark))


def test_repeated_values_parsed_once_give_each_row_its_own_value_and_problem():
    grid = [
        ["P1", "01/03/2025", "E1", 100.5, "eur", 100.5],
        ["P2", "01/03/2025", "E1", "100,50", "EUR", None],
        ["P3", "31/02/2025", "E1", 100.5, "EUR", "x"],     # 4: impossible date, bad EUR amount
        ["P4", "31/02/2025", "E1", 1, "USD", True],       # 5: the same date again; True is no amount
        ["P5", "01/03/2025", "E1", True, "USD", 1],       # 6: True again, now in "amount"
        [None, None, None, None, None, None],             # blank: skipped
        ["Total", None, None, 302.0, None, None],         # total: skipped
        ["reference", "date", "commitment", "amount", "currency", "amount_eur"],  # header again
        ["P6", "01/03/2025", " E1 ", 1.0, "€", ""],       # 10
    ]
    expected_rows, expected_problems, rows, problems = both("payments", grid)
    assert_same_reading(expected_rows, expected_problems, rows, problems)
    assert [(pr.row, pr.column, pr.value) for pr in problems] == [
        (4, "date", "31/02/2025"), (4, "amount_eur", "x"), (5, "date", "31/02/2025"),
        (5, "amount_eur", "True"), (6, "amount", "True")]
    assert [r[0] for r in rows] == [2, 3, 4, 5, 6, 10]
    assert rows[-1][1] == {"reference": "P6", "date": dt.date(2025, 3, 1), "commitment": "E1",
                           "amount": Decimal("1.00"), "currency": "EUR"}


def test_a_column_mixing_1_and_1_point_0_and_true_parses_each_as_its_own_type():
    spec = SPECS["payments"]
    grid = [["P1", "2025-03-01", "E1", 1, "EUR", None], ["P2", "2025-03-01", "E1", 1.0, "EUR", None],
            ["P3", "2025-03-01", "E1", True, "EUR", None]]
    header = find_header(Sheet("P", [[c.name for c in spec.columns], *grid]), spec)
    assert header is not None
    columns, problems = extract_columns(header, spec)
    assert [str(a) for a in columns.values["amount"][:2]] == ["1", "1.00"]
    assert columns.values["amount"][2] is None and columns.bad == {2} and "amount" in columns.incomplete
    assert [(pr.row, pr.value, pr.message) for pr in problems] == [(4, "True", "amount is not an amount")]


def test_columns_know_their_excel_rows_and_give_rows_back():
    spec = SPECS["payments"]
    sheet = Sheet("Pay", [["Payments export"], [], [c.name for c in spec.columns],
                          ["P1", "2025-03-01", "E1", 5.0, "EUR", None], [],
                          ["P2", "2025-03-02", "E1", "x", "EUR", None]])
    header = find_header(sheet, spec)
    assert header is not None
    columns, problems = extract_columns(header, spec)
    assert columns.rows == [4, 6] and len(columns) == 2
    assert columns.bad == {1} and columns.incomplete == {"amount", "amount_eur", "rate"}
    row = columns.row(1)
    assert (row.sheet, row.row, row.raw["amount"], "amount" in row.values) == ("Pay", 6, "x", False)
    assert problems == [Problem("Pay", 6, "amount", "x", "amount is not an amount")]


def test_progress_is_reported_while_the_columns_are_parsed():
    spec = SPECS["payments"]
    sheet = Sheet("P", [[c.name for c in spec.columns]]
                  + [[f"P{i}", "2025-03-01", "E1", float(i + 1), "EUR", None] for i in range(50)])
    header = find_header(sheet, spec)
    assert header is not None
    seen: list[int] = []
    extract_columns(header, spec, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == len(sheet.rows)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                 st.integers(-10**15, 10**15).map(lambda c: c / 100),
                 st.decimals(min_value=-10**12, max_value=10**12, places=2).map(float)))
def test_the_whole_cents_shortcut_reads_a_number_cell_as_the_amount_parser_does(value):
    fast = _cents_of([value])
    if value in fast:
        assert _same(fast[value], p.parse_amount(value))
    else:  # left to the parser: zero, NaN, infinities, huge or not whole cents
        assert not value or not math.isfinite(value) or abs(value) >= 1e13 or round(value * 100) / 100 != value


@pytest.mark.parametrize("text", ["  PAY-1", "P\u00a01", "a  b", "a\tb", "P\x00Q", "x\n", "ß", "İstanbul"])
def test_texts_and_codes_read_in_a_batch_as_their_parsers_read_them(text):
    for kind, column in (("payments", "reference"), ("organisations", "code")):
        spec = SPECS[kind]
        names = [c.name for c in spec.columns]
        row = ["x"] * len(names)
        grid = [[text if n == column else v for n, v in zip(names, row, strict=True)],
                [f"{text}-2" if n == column else v for n, v in zip(names, row, strict=True)]]
        assert_same_reading(*both(kind, grid))
