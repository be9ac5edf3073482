"""Pure parts of the reports: month parsing, label catalogue, number formats, formula guard."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from budget.errors import ValidationError
from budget.reports import check_formats
from budget.reports.i18n import LABELS, amount, check_lang, percent, period_label
from budget.reports.monthly import Totals, highlight, month_end, parse_month
from budget.reports.xlsx import needs_quote


def test_a_month_is_read_as_year_and_month_and_ends_on_its_last_day():
    assert parse_month("2026-10") == (2026, 10)
    assert parse_month(dt.date(2024, 2, 5)) == (2024, 2)
    assert month_end(2024, 2) == dt.date(2024, 2, 29)
    assert month_end(2025, 12) == dt.date(2025, 12, 31)


@pytest.mark.parametrize("bad", ["2026-13", "2026/10", "10-2026", "", "2026-00"])
def test_a_malformed_month_is_refused_with_the_expected_form(bad):
    with pytest.raises(ValidationError, match="YYYY-MM"):
        parse_month(bad)


def test_every_label_exists_in_english_french_and_dutch():
    for key, texts in LABELS.items():
        assert len(texts) == 3 and all(texts), key
    assert period_label(2026, 10, "fr") == "octobre 2026"
    assert period_label(2026, 10, "nl") == "oktober 2026"


def test_amounts_and_percentages_follow_the_language():
    value = Decimal("1234567.89")
    assert amount(value, "en") == "1,234,567.89"
    assert amount(value, "fr") == "1.234.567,89"
    assert amount(Decimal("-0.05"), "nl") == "-0,05"
    assert percent(Decimal("0.1234"), "en") == "12.3\u00a0%"
    assert percent(Decimal("0.1234"), "fr") == "12,3\u00a0%"
    assert percent(None) == "–"


def test_formats_and_languages_are_checked():
    assert check_formats("xlsx,pdf") == ("pdf", "xlsx")
    assert check_formats(["PDF"]) == ("pdf",)
    with pytest.raises(ValidationError):
        check_formats("docx")
    with pytest.raises(ValidationError):
        check_formats("")
    with pytest.raises(ValidationError):
        check_lang("de")


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "+32 2 501", "-1", "@SUM(A1)", "\t=1"])
def test_text_that_a_spreadsheet_would_read_as_a_formula_is_flagged(text):
    assert needs_quote(text)


def test_ordinary_text_is_not_flagged():
    assert not needs_quote("United Nations regular budget")
    assert not needs_quote("14.54.11.35.40.01")


@dataclass(frozen=True)
class _Line:
    ref: str
    eur: Decimal
    other_eur: Decimal


_LINES = [_Line("a", Decimal("10.00"), Decimal("1.00")), _Line("b", Decimal("-50.00"), Decimal("2.00")),
          _Line("c", Decimal("30.00"), Decimal("3.00")), _Line("d", Decimal("30.00"), Decimal("4.00")),
          _Line("e", Decimal("0.01"), Decimal("5.00"))]


def _total(lines):
    return Totals((("eur", sum((x.eur for x in lines), Decimal(0))),
                   ("other_eur", sum((x.other_eur for x in lines), Decimal(0)))))


def test_a_capped_list_keeps_its_largest_lines_and_sums_the_others_to_the_total():
    capped = highlight(_LINES, _total(_LINES), "eur", 3)
    # Largest absolute amount first (a negative line counts by its size), ties in list order.
    assert [x.ref for x in capped.lines] == ["b", "c", "d"]
    assert (capped.count, capped.more, capped.ranked_by) == (5, 2, "eur")
    assert capped.others["eur"] == Decimal("10.01") and capped.others["other_eur"] == Decimal("6.00")
    for key in ("eur", "other_eur"):
        shown = sum((getattr(x, key) for x in capped.lines), Decimal(0))
        assert shown + capped.others[key] == _total(_LINES)[key]


def test_a_list_within_the_cap_is_shown_whole_in_its_own_order():
    short = _LINES[:3]
    whole = highlight(short, _total(short), "eur", 3)
    assert [x.ref for x in whole.lines] == ["a", "b", "c"]
    assert whole.more == 0 and whole.others["eur"] == 0


def test_rendering_pauses_the_garbage_collector_and_leaves_it_as_it_was():
    import gc

    from budget.reports import _collector_paused

    was = gc.isenabled()
    try:
        gc.enable()
        with _collector_paused():
            assert not gc.isenabled()
        assert gc.isenabled()
        gc.disable()
        with _collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled(), "a collector paused by someone else stays paused"
    finally:
        (gc.enable if was else gc.disable)()


CELL_SAMPLES = {
    "amount": [Decimal("1234567.89"), Decimal("-0.01"), Decimal("0.00"), None],
    "amount_cur": [Decimal("99.5"), None],
    "percent": [Decimal("0.125"), None],
    "rate": [Decimal("1.0823"), None],
    "int": [42, Decimal("7"), None],
    "year": [2026, None],
    "date": [dt.date(2026, 10, 31), dt.date(1999, 1, 1), None],
    "text": ["Organisation", '=HYPERLINK("http://x","y")', "+32 2 501", "-minus", "@at", "", None],
    "code": ["M2", "=1+1", None],
}


def test_the_per_column_cell_writers_write_exactly_what_the_general_writer_writes(tmp_path):
    """Each column's writer is chosen once for speed; every cell must read back the same
    (value, number format, quote prefix) as one written by the general per-cell path."""
    import openpyxl
    import xlsxwriter

    from budget.reports.xlsx import BASE_FORMAT, _column_writer, _Formats, _write_value

    path = tmp_path / "cells.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False,
                                         "default_format_properties": dict(BASE_FORMAT)})
    f = _Formats(wb)
    fast, slow = wb.add_worksheet("fast"), wb.add_worksheet("slow")
    for col, (kind, values) in enumerate(CELL_SAMPLES.items()):
        write = _column_writer(fast, kind, f)
        for row, value in enumerate(values):
            write(row, col, value)
            _write_value(slow, row, col, value, kind, f)
    wb.close()

    book = openpyxl.load_workbook(path)
    for col, (kind, values) in enumerate(CELL_SAMPLES.items(), start=1):
        for row in range(1, len(values) + 1):
            a, b = book["fast"].cell(row, col), book["slow"].cell(row, col)
            assert (a.value, a.number_format, a.quotePrefix, a.data_type) == \
                (b.value, b.number_format, b.quotePrefix, b.data_type), (kind, values[row - 1])
    # And the formula-like text stayed text, with the quote prefix.
    cell = book["fast"].cell(2, 8)
    assert cell.value == '=HYPERLINK("http://x","y")' and cell.data_type == "s" and cell.quotePrefix


def test_pdf_text_cells_are_plain_strings_when_they_fit_and_escaped_paragraphs_when_they_wrap():
    """Laying out a Paragraph costs twenty times a string: only text that needs wrapping is
    one, and markup in data stays literal either way."""
    from reportlab.platypus import Paragraph

    from budget.reports.layout import Column, Section
    from budget.reports.pdf import _register_fonts, _styles, _table

    section = Section(
        key="orgs", title="Organisations", sheet="Organisations",
        columns=(Column("code", "Code", "code", 6), Column("name", "Organisation", "text", 30),
                 Column("paid", "Paid", "amount", 12)),
        rows=[("A", "UNICEF", Decimal("1.00")),
              ("B", "<b>bold</b> & co", Decimal("2.00")),
              ("C", "The Organisation for the Prohibition of Chemical Weapons " * 4, Decimal("3.00"))],
    )
    _register_fonts()
    table = _table(section, _styles(), "en", 300)
    names = [row[1] for row in table._cellvalues[1:]]
    assert names[0] == "UNICEF" and names[1] == "<b>bold</b> & co"  # drawn as they are
    assert isinstance(names[2], Paragraph)
    assert "&lt;" not in names[1]


@pytest.mark.parametrize(("top", "lang", "expected"), [
    (4, "en", "… and 1 more line, EUR 0.01,"),
    (3, "en", "… and 2 more lines, EUR 10.01,"),
    (4, "fr", "… et 1 autre ligne, 0,01 EUR,"),
    (4, "nl", "… en 1 andere regel, EUR 0,01,"),
])
def test_the_pdf_line_for_the_others_counts_them_in_the_singular_or_the_plural(top, lang, expected):
    from budget.reports.layout import selection

    capped = highlight(_LINES, _total(_LINES), "eur", top)
    _, others, _ = selection(capped, _LINES, "Sheet", "EUR", lang)
    assert others is not None and others.label.startswith(expected), others.label


def test_the_sensitivity_note_states_what_the_rate_move_does():
    """The note's "about 5.3 % more, 4.8 % less" is what moving the rate by the pack's 5 % gives."""
    from budget.money import percent as shown
    from budget.reports.brief import SENSITIVITY
    from budget.reports.i18n import t

    more, less = shown(1 / (1 - SENSITIVITY) - 1), shown(1 - 1 / (1 + SENSITIVITY))
    assert (more, less) == (Decimal("5.3"), Decimal("4.8"))
    assert f"{more} %" in t("sensitivity_note", "en") and f"{less} %" in t("sensitivity_note", "en")
    for lang in ("fr", "nl"):
        note = t("sensitivity_note", lang)
        assert f"{more}".replace(".", ",") + " %" in note and f"{less}".replace(".", ",") + " %" in note
    assert f"{SENSITIVITY * 100:.0f} %" in t("impact_up", "en")
