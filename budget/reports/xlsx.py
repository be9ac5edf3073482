"""The monthly report as an Excel workbook for the analysts (XlsxWriter).

One sheet per section plus a "Read me" sheet. Numbers are real numbers with number formats,
header rows are frozen and filtered, totals are ``SUM`` formulas written with their cached
values (they show without recalculation). Text from the data is written with
``write_string`` (``strings_to_formulas`` is off as well), and text starting with ``=``,
``+``, ``-`` or ``@`` also gets Excel's quote prefix, so editing the cell keeps it text:
an imported string never becomes a formula.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.workbook import Format, Workbook
from xlsxwriter.worksheet import Worksheet

from budget.money import percent
from budget.reports.i18n import date as fmt_date
from budget.reports.i18n import period_label, t
from budget.reports.layout import (
    SECTION_KEYS,
    Column,
    Length,
    Pct,
    Section,
    head_sections,
    list_sections,
    scope_label,
    sheet_name,
    tail_sections,
)
from budget.reports.layout_brief import analysis_sections
from budget.reports.monthly import MonthlyReport

#: Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

AMOUNT_FORMAT = "#,##0.00;[Red]-#,##0.00"
#: FX columns (Column.fx): red a loss against the EUR booked, green (Excel's colour 10) a gain.
FX_LOSS_FORMAT = "[Red]#,##0.00;[Color10]-#,##0.00;0.00"
FX_GAIN_FORMAT = "[Color10]#,##0.00;[Red]-#,##0.00;0.00"
RATE_FORMAT = "0.0000##"
PERCENT_FORMAT = "0.0%"
#: A change of a rate, in percentage points (the value written is the points: 1.3 for 1.3 pts).
POINTS_FORMAT = '+0.0" {pts}";[Red]-0.0" {pts}";0.0" {pts}"'
#: Widest a column grows to fit its text (characters); longer text wraps.
MAX_WIDTH = 80
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"


#: The workbook's default cell format (set when the workbook is created).
BASE_FORMAT = {"font_name": "Arial", "font_size": 10, "valign": "top"}


def shown_share(fraction: Decimal) -> Decimal:
    """What a percentage cell holds: the fraction :func:`budget.money.percent` shows (0.0165
    is 0.017, 1.7 %). A spreadsheet then only writes it: given 0.0045 itself, LibreOffice
    showed 0.4 % (the float is 0.00449999...) where the PDF writes 0.5 %."""
    return percent(fraction) / 100


class _Formats:
    """The workbook's cell formats, created once."""

    def __init__(self, wb: Workbook) -> None:
        base = BASE_FORMAT
        self.title = wb.add_format({**base, "bold": True, "font_size": 14, "font_color": "#1F3864"})
        self.subtitle = wb.add_format({**base, "font_size": 11, "font_color": "#404040"})
        self.bold = wb.add_format({**base, "bold": True})
        self.header = wb.add_format({**base, "bold": True, "bg_color": "#1F3864", "font_color": "#FFFFFF",
                                     "text_wrap": True, "border": 1, "border_color": "#8EA9DB"})
        self.header_num = wb.add_format({**base, "bold": True, "bg_color": "#1F3864",
                                         "font_color": "#FFFFFF", "text_wrap": True, "align": "right",
                                         "border": 1, "border_color": "#8EA9DB"})
        #: Plain text takes the workbook's default format (``BASE_FORMAT``): a cell without
        #: a style of its own is a third cheaper to write, and the long lists are half text.
        self.text: Format | None = None
        self.text_quoted = wb.add_format({**base, "quote_prefix": True})
        self.wrap = wb.add_format({**base, "text_wrap": True})
        self.amount = wb.add_format({**base, "num_format": AMOUNT_FORMAT})
        #: FX columns coloured by meaning, as in the PDF: red a loss, green a gain (Column.fx).
        self.fx = {"loss": wb.add_format({**base, "num_format": FX_LOSS_FORMAT}),
                   "gain": wb.add_format({**base, "num_format": FX_GAIN_FORMAT})}
        self.rate = wb.add_format({**base, "num_format": RATE_FORMAT})
        self.percent = wb.add_format({**base, "num_format": PERCENT_FORMAT})
        self.int = wb.add_format({**base, "num_format": "#,##0"})
        self.points = {lang: wb.add_format({**base, "num_format": POINTS_FORMAT.format(pts=t("points", lang))})
                       for lang in ("en", "fr", "nl")}
        self.date = wb.add_format({**base, "num_format": DATE_FORMAT, "align": "left"})
        self.datetime = wb.add_format({**base, "num_format": DATETIME_FORMAT, "align": "left"})
        tot = {**base, "bold": True, "top": 1, "bottom": 6, "bg_color": "#D9E1F2"}
        self.total_label = wb.add_format(tot)
        self.total_amount = wb.add_format({**tot, "num_format": AMOUNT_FORMAT})
        self.total_percent = wb.add_format({**tot, "num_format": PERCENT_FORMAT})
        self.total_int = wb.add_format({**tot, "num_format": "#,##0"})


def needs_quote(text: str) -> bool:
    """True when ``text`` would read as a formula if typed into a cell."""
    return text.startswith(FORMULA_TRIGGERS)


def write_text(ws: Worksheet, row: int, col: int, value: str, f: _Formats, fmt: Format | None = None) -> None:
    """Write data text as a string cell; formula-like text gets the quote prefix too."""
    ws.write_string(row, col, value, f.text_quoted if needs_quote(value) else (fmt or f.text))


def _write_value(ws: Worksheet, row: int, col: int, value: Any, kind: str, f: _Formats) -> None:
    """Write one value of a column of ``kind`` (any kind, any value: the general case)."""
    if value is None:
        ws.write_blank(row, col, None, f.text)
        return
    if isinstance(value, Pct):
        if value.value is None:
            ws.write_blank(row, col, None, f.text)
        else:
            ws.write_number(row, col, shown_share(value.value), f.percent)
        return
    if kind in ("text", "code"):
        write_text(ws, row, col, str(value), f)
    elif kind in ("amount", "amount_cur") or (kind == "mixed" and isinstance(value, Decimal)):
        ws.write_number(row, col, value, f.amount)
    elif kind == "percent":
        ws.write_number(row, col, shown_share(value), f.percent)
    elif kind == "rate":
        ws.write_number(row, col, value, f.rate)
    elif kind == "int":
        ws.write_number(row, col, int(value), f.int)
    elif kind == "year":
        ws.write_number(row, col, int(value), f.text)
    elif kind == "date":
        ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), f.date)
    else:  # pragma: no cover - every kind is handled above
        write_text(ws, row, col, str(value), f)


Writer = Callable[[int, int, Any], None]


def _number_writer(number: Callable[..., Any], general: Writer, kind: str, f: _Formats, fx: str | None) -> Writer:
    """:func:`_column_writer` of a column of amounts, rates or percentages."""
    if kind == "percent":
        def write_share(row: int, col: int, value: Any) -> None:
            if value is None or isinstance(value, Pct):
                general(row, col, value)
            else:
                number(row, col, shown_share(value), f.percent)
        return write_share
    fmt = f.rate if kind == "rate" else (f.fx[fx] if fx else f.amount)

    def write_number(row: int, col: int, value: Any) -> None:
        if value is None or isinstance(value, Pct):
            general(row, col, value)
        else:
            number(row, col, value, fmt)
    return write_number


def _column_writer(ws: Worksheet, kind: str, f: _Formats, fx: str | None = None) -> Writer:
    """A function writing one cell of a column of ``kind``, chosen once per column.

    The long lists of a large ledger are 180,000 cells: deciding the kind, the format and
    the method once per column instead of once per cell, and calling XlsxWriter's cell
    methods past their A1-notation wrapper (their arguments are already numbers), takes a
    quarter off writing them. Anything unusual (an empty cell, a percentage object, a
    formula-like text, a column of mixed kinds) goes the general way, :func:`_write_value`.
    """
    # ``_write_number``, ``_write_string`` and ``_write_datetime`` are what the public
    # methods call once they have row and column numbers; the public ones if they go away.
    number = getattr(ws, "_write_number", ws.write_number)
    string = getattr(ws, "_write_string", ws.write_string)

    def general(row: int, col: int, value: Any) -> None:
        _write_value(ws, row, col, value, kind, f)

    if kind in ("amount", "amount_cur", "percent", "rate"):
        return _number_writer(number, general, kind, f, fx)
    if kind in ("int", "year"):
        whole = f.int if kind == "int" else f.text

        def write_whole(row: int, col: int, value: Any) -> None:
            if value is None or isinstance(value, Pct):
                general(row, col, value)
            else:
                number(row, col, int(value), whole)
        return write_whole
    if kind == "date":
        # XlsxWriter takes a date as it is (a day count with the date format).
        day = getattr(ws, "_write_datetime", ws.write_datetime)

        def write_date(row: int, col: int, value: Any) -> None:
            if value is None:
                general(row, col, value)
            else:
                day(row, col, value, f.date)
        return write_date
    if kind in ("text", "code"):
        def write_string(row: int, col: int, value: Any) -> None:
            if value is None or not isinstance(value, str) or value.startswith(FORMULA_TRIGGERS):
                general(row, col, value)
            else:
                string(row, col, value, f.text)
        return write_string
    return general


def column_width(col: Column, section: Section, index: int, lang: str) -> Length:
    """Characters: the column's own width, widened to its header's longest word (headers
    wrap between words) and to the longest text of a text column (up to :data:`MAX_WIDTH`),
    so the French and Dutch labels and names are never cut off."""
    numeric = col.kind in ("amount", "amount_cur", "percent", "rate", "int", "year", "mixed")
    width = max(col.width + (2 if numeric else 0), max(len(w) for w in col.label.split()) + 2)
    if col.kind in ("text", "code") and section.rows:
        longest = max(len(str(r[index] or "")) for r in section.rows)
        width = max(width, min(MAX_WIDTH, longest + 2))
    if index == 0 and section.totals is not None:
        width = max(width, len(t("total", lang)) + 2)
    return width


def print_setup(ws: Worksheet, title: str, lang: str) -> None:
    """Landscape A4, fit to the page's width, with the report's title in the header and the
    page number ("Page 2 / 5") in the footer of every printed page."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    safe = title.replace("&", "&&")
    ws.set_header(f"&L&8{safe}&R&8M0.0 · DGM")
    ws.set_footer(f"&L&8&A&R&8{t('page', lang).replace('&', '&&')} &P / &N")


def _write_section(ws: Worksheet, section: Section, f: _Formats, lang: str) -> None:
    columns = [c for c in section.columns if c.xlsx]
    keep = [i for i, c in enumerate(section.columns) if c.xlsx]
    for j, col in enumerate(columns):
        numeric = col.kind in ("amount", "amount_cur", "percent", "rate", "int", "year", "mixed")
        ws.write_string(0, j, col.label, f.header_num if numeric else f.header)
        ws.set_column(j, j, column_width(col, section, keep[j], lang))
    ws.set_row(0, 30)
    cells = [(j, k, _column_writer(ws, columns[j].kind, f, columns[j].fx)) for j, k in enumerate(keep)]
    points = section.key == "summary"
    for i, row in enumerate(section.rows, start=1):
        for j, k, write in cells:
            value = row[k]
            if points and columns[j].key == "change" and isinstance(value, Pct) and value.value is not None:
                # A change of a rate is in percentage points, as the PDF writes it.
                ws.write_number(i, j, percent(value.value), f.points[lang])
            else:
                write(i, j, value)
    last = len(section.rows)  # last data row (0-based), the header being row 0
    ws.freeze_panes(1, 0)
    if section.rows:
        ws.autofilter(0, 0, last, len(columns) - 1)
    if section.totals is not None:
        _write_totals(ws, columns, section, last + 1, f, t("total", lang))
    ws.repeat_rows(0)


def _write_totals(
    ws: Worksheet, columns: list[Column], section: Section, row: int, f: _Formats, label: str
) -> None:
    """A totals row of ``SUM`` formulas with the report's totals as their cached values."""
    assert section.totals is not None
    first, last = 2, row  # Excel rows of the data (1-based): 2 .. row
    letters = {c.key: xl_col_to_name(j) for j, c in enumerate(columns)}
    ws.write_string(row, 0, label, f.total_label)
    for j, col in enumerate(columns):
        if j == 0:
            continue
        value = section.totals.get(col.key)
        if col.total == "sum":
            fmt = f.total_int if col.kind == "int" else f.total_amount
            if last < first:
                ws.write_number(row, j, value or 0, fmt)
            elif value is None:
                # A total that cannot be known (e.g. a currency without a rate): no figure.
                ws.write_blank(row, j, None, f.total_label)
            else:
                ws.write_formula(row, j, f"=SUM({letters[col.key]}{first}:{letters[col.key]}{last})",
                                 fmt, value)
        elif isinstance(col.total, tuple):
            _, part, whole = col.total
            if value is None or part not in letters or whole not in letters:
                ws.write_blank(row, j, None, f.total_label)
            else:
                p = xl_rowcol_to_cell(row, columns.index(_col(columns, part)))
                w = xl_rowcol_to_cell(row, columns.index(_col(columns, whole)))
                # Rounded as money.ratio (4 decimals), then as money.percent shows it (3 as a
                # fraction): the cell holds what the PDF writes, whatever the spreadsheet.
                ws.write_formula(row, j, f'=IF({w}=0,"",ROUND(ROUND({p}/{w},4),3))', f.total_percent,
                                 shown_share(value))
        else:
            ws.write_blank(row, j, None, f.total_label)


def _col(columns: list[Column], key: str) -> Column:
    return next(c for c in columns if c.key == key)


#: Width of the "Read me" sheet's text column (characters).
README_WIDTH = 100


def wrapped_height(text: str, width: int) -> float:
    """Row height (points) for ``text`` wrapped in a column ``width`` characters wide (Arial 10)."""
    lines = sum(max(1, -(-len(part) // int(width * 0.95))) for part in text.split("\n"))
    return 13.0 * lines + 2


def _write_readme(ws: Worksheet, report: MonthlyReport, sheets: list[tuple[str, str]], lang: str,
                  f: _Formats) -> None:
    """The "Read me" sheet: the report's header, how to read it, and its sheets
    (``sheets``: sheet name and title of each table)."""
    h = report.header
    labels = [t(k, lang) for k in ("period", "situation_on", "scope", "generated", "fingerprint",
                                   "last_batches", "readme_sheets")]
    ws.set_column(0, 0, max(30, *(len(x) + 2 for x in labels), *(len(n) + 2 for n, _ in sheets)))
    ws.set_column(1, 1, README_WIDTH)
    ws.write_string(0, 0, t("title", lang), f.title)
    ws.write_string(1, 0, f"{t('subtitle', lang)} – {period_label(h.year, h.month, lang)}", f.subtitle)
    ws.write_string(2, 0, t("ministry", lang), f.subtitle)
    row = 4
    items: list[tuple[str, Any]] = [
        (t("period", lang), f"{fmt_date(h.start, lang)} – {fmt_date(h.end, lang)}"),
        (t("situation_on", lang), h.end),
        (t("scope", lang), scope_label(report, lang)),
        (t("generated", lang), h.generated_at),
        (t("fingerprint", lang), report.fingerprint),
    ]
    for label, value in items:
        ws.write_string(row, 0, label, f.bold)
        if isinstance(value, dt.datetime):
            ws.write_datetime(row, 1, value, f.datetime)
        elif isinstance(value, dt.date):
            ws.write_datetime(row, 1, dt.datetime.combine(value, dt.time()), f.date)
        else:
            write_text(ws, row, 1, str(value), f)
        row += 1
    row += 1
    for key in ("readme_intro", "readme_clocks", "readme_fx", "readme_totals", "readme_fingerprint",
                "amounts_in_eur"):
        ws.write_string(row, 0, "", f.text)
        ws.write_string(row, 1, t(key, lang), f.wrap)
        # XlsxWriter cannot fit a row to wrapped text: the height is set from the text's
        # length, so the notes neither overlap nor get cut when printed.
        ws.set_row(row, wrapped_height(t(key, lang), README_WIDTH))
        row += 1
    row += 1
    ws.write_string(row, 0, t("last_batches", lang), f.bold)
    row += 1
    if not h.batches:
        ws.write_string(row, 1, t("no_batches", lang), f.wrap)
        row += 1
    else:
        for j, key in enumerate(("batch", "kind", "file", "loaded_on", "loaded_by", "rows")):
            ws.write_string(row, j, t(key, lang), f.header)
        row += 1
        for b in h.batches:
            ws.write_number(row, 0, b.id, f.int)
            write_text(ws, row, 1, b.kind, f)
            write_text(ws, row, 2, b.file_name, f)
            ws.write_datetime(row, 3, b.created_at, f.datetime)
            write_text(ws, row, 4, b.created_by, f)
            ws.write_number(row, 5, b.rows_read, f.int)
            row += 1
        ws.set_column(2, 2, 40)
        ws.set_column(3, 5, 18)
    row += 1
    ws.write_string(row, 0, t("readme_sheets", lang), f.bold)
    row += 1
    for sheet, title in sheets:
        ws.write_string(row, 0, sheet, f.text)
        ws.write_string(row, 1, title, f.text)
        row += 1


class WorkbookWriter:
    """The workbook of one report. The sheets are made at the start, in reading order (an
    XlsxWriter workbook keeps its sheets in the order they were added), then filled."""

    def __init__(self, lang: str = "en") -> None:
        self.lang = lang
        self._buffer = io.BytesIO()
        self._wb = xlsxwriter.Workbook(self._buffer, {
            "in_memory": True,
            # Data text must never become a formula, a link or a number behind our back.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
            "default_format_properties": dict(BASE_FORMAT),
        })
        self._f = _Formats(self._wb)
        self._readme = self._wb.add_worksheet(t("sec_readme", lang)[:31])
        self._sheets = {key: self._wb.add_worksheet(sheet_name(key, lang)) for key in SECTION_KEYS}
        #: Title of each table written (the "Read me" sheet lists them).
        self._titles: dict[str, str] = {}

    def _write(self, secs: list[Section]) -> None:
        for s in secs:
            _write_section(self._sheets[s.key], s, self._f, self.lang)
            self._titles[s.key] = s.title

    def finish(self, report: MonthlyReport) -> bytes:
        """Write every table of ``report`` and the "Read me" sheet; return the workbook's bytes."""
        lang = self.lang
        self._write(list_sections(report.lists, None, lang) + head_sections(report, lang)
                    + analysis_sections(report, lang) + tail_sections(report, lang))
        title = f"{t('subtitle', lang)} – {period_label(report.header.year, report.header.month, lang)}"
        for ws in (self._readme, *self._sheets.values()):
            print_setup(ws, title, lang)
        self._wb.set_properties({
            "title": f"{t('subtitle', lang)} – {report.period}",
            "subject": t("title", lang),
            "author": "M0.0",
            "company": "FPS Foreign Affairs",
            "comments": f"sha256 {report.fingerprint}",
        })
        _write_readme(self._readme, report, [(self._sheets[k].name, self._titles[k]) for k in SECTION_KEYS],
                      lang, self._f)
        self._wb.close()
        return self._buffer.getvalue()


def render_xlsx(report: MonthlyReport, lang: str = "en") -> bytes:
    """The workbook's bytes."""
    return WorkbookWriter(lang).finish(report)
