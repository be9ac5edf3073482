"""The monthly report as a PDF for the hierarchy (ReportLab, charts drawn by matplotlib).

A4 portrait; tables break across pages with their header row repeated; amounts right-aligned
with thousand separators and a totals row; page numbers "x / y"; one type scale. The fonts
are the DejaVu fonts matplotlib ships, so a pip install is all a machine needs (and any
organisation name prints, accents and all). Text from the data is XML-escaped before it
reaches a ``Paragraph``, whose mini-markup would otherwise turn it into bold, links...
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    Image,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from budget.money import percent
from budget.reports import i18n
from budget.reports.i18n import month_short, period_label, t
from budget.reports.layout import Column, Length, Pct, Section, scope_label, sections
from budget.reports.monthly import MonthlyReport
from budget.reports.pdf_brief import brief_page
from budget.reports.pdf_style import (
    FONT,
    FONT_BOLD,
    FX_GAIN,
    FX_LOSS,
    GREY,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    NAVY,
    OTHERS_BG,
    RED,
    RULE,
    SIZE_BODY,
    SIZE_SMALL,
    SIZE_TABLE,
    TOTAL_BG,
    ZEBRA,
    para,
    register_fonts,
    styles,
)

CHART_DPI = 220
KEEP_WHOLE = 30  # rows: tables this short (a capped list among them) are not split across pages
#: Rows a long table keeps together at its start and at its end (with the totals), so no
#: page holds a header or a totals row with fewer lines than this.
MIN_ROWS = 5
CHART_HEIGHT = 2.5  # inches

# The names the unit tests use.
_register_fonts, _styles = register_fonts, styles

# --------------------------------------------------------------------------- page furniture


class _NumberedCanvas(rl_canvas.Canvas):
    """Defers each page so the footer can say "page x / y" once the page count is known."""

    def __init__(self, *args: Any, furniture: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._saved: list[dict[str, Any]] = []
        self._furniture = furniture

    def showPage(self) -> None:  # ReportLab's name
        self._saved.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._saved)
        for state in self._saved:
            self.__dict__.update(state)
            self._furniture(self, self._pageNumber, total)
            super().showPage()
        super().save()


def _furniture_for(report: MonthlyReport, lang: str) -> Any:
    h = report.header
    running = f"{t('subtitle', lang)} · {period_label(h.year, h.month, lang)} · {scope_label(report, lang)}"
    footer_left = (f"{t('generated', lang)} {i18n.date(h.generated_at, lang)} UTC · "
                   f"SHA-256 {report.fingerprint[:16]}…")

    def draw(c: rl_canvas.Canvas, page: int, total: int) -> None:
        width, height = c._pagesize  # portrait, or landscape for the wide tables
        c.saveState()
        if page > 1:
            c.setFont(FONT, SIZE_SMALL)
            c.setFillColor(GREY)
            c.drawString(MARGIN_X, height - 11 * mm, running[:140])
            c.drawRightString(width - MARGIN_X, height - 11 * mm, "M0.0 · DGM")
            c.setStrokeColor(RULE)
            c.setLineWidth(0.5)
            c.line(MARGIN_X, height - 12.5 * mm, width - MARGIN_X, height - 12.5 * mm)
        c.setStrokeColor(RULE)
        c.setLineWidth(0.5)
        c.line(MARGIN_X, 11.5 * mm, width - MARGIN_X, 11.5 * mm)
        c.setFont(FONT, SIZE_SMALL)
        c.setFillColor(GREY)
        c.drawString(MARGIN_X, 8 * mm, footer_left)
        c.drawRightString(width - MARGIN_X, 8 * mm, f"{t('page', lang)} {page} / {total}")
        c.restoreState()

    return draw


# --------------------------------------------------------------------------- tables

NUMERIC = ("amount", "amount_cur", "percent", "rate", "int", "year", "mixed", "figures")
PAD = 2.5  # left and right cell padding (points)


def _cell_text(value: Any, kind: str, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, Pct):
        return i18n.percent(value.value, lang)
    if kind in ("amount", "amount_cur") or (kind == "mixed" and isinstance(value, Decimal)):
        return i18n.amount(value, lang)
    if kind == "percent":
        return i18n.percent(value, lang)
    if kind == "rate":
        text = f"{value:.4f}"
        return text if lang == "en" else text.replace(".", ",")
    if kind == "year":
        return str(int(value))
    if kind == "int":
        return f"{int(value):,}" if lang == "en" else f"{int(value):,}".replace(",", ".")
    if kind == "date":
        return i18n.date(value, lang)
    return str(value)


def _text_width(text: str, font: str = FONT, size: Length = SIZE_TABLE) -> Length:
    return max((pdfmetrics.stringWidth(line, font, size) for line in text.split("\n")), default=0)


def _widths(cols: list[Column], cells: list[list[str]], totals: list[str] | None,
            width: Length) -> list[Length]:
    """Column widths from their content: figures and codes get what they need on one line,
    free-text columns share the rest (and wrap); headers wrap between words."""
    natural, minimum = [], []
    for j, c in enumerate(cols):
        content = max((_text_width(row[j]) for row in cells), default=0)
        if totals is not None and totals[j]:
            content = max(content, _text_width(totals[j], FONT_BOLD))
        longest_word = max((_text_width(w, FONT_BOLD) for w in c.pdf_label.split()), default=0)
        need = max(content, longest_word) + 2 * PAD + 0.5
        natural.append(need)
        if c.kind == "text":
            # Free text wraps between words; only a very long word is split (Paragraph's
            # splitLongWords) rather than squeezing every other column.
            words = min(60.0, max((_text_width(w) for row in cells for w in row[j].split()), default=0))
            minimum.append(max(longest_word, words) + 2 * PAD + 2)
        else:
            minimum.append(need)
    text_cols = [j for j, c in enumerate(cols) if c.kind == "text"]
    fixed = sum(natural[j] for j in range(len(cols)) if j not in text_cols)
    if not text_cols:
        spare = width - fixed
        return [n + spare * n / fixed for n in natural] if spare > 0 else [n * width / fixed for n in natural]
    room = width - fixed
    want = sum(natural[j] for j in text_cols)
    out = list(natural)
    if room >= want:
        # Everything fits: the free-text columns take the spare width.
        for j in text_cols:
            out[j] = natural[j] + (room - want) * natural[j] / want
        return out
    floor = sum(minimum[j] for j in text_cols)
    if room >= floor:
        for j in text_cols:
            out[j] = minimum[j] + (room - floor) * (natural[j] - minimum[j]) / max(want - floor, 1e-9)
        return out
    # Too wide even with wrapped text: scale every column down (rare: very long codes).
    total = fixed + floor
    return [(natural[j] if j not in text_cols else minimum[j]) * width / total for j in range(len(cols))]


def _table(section: Section, st: dict[str, ParagraphStyle], lang: str, width: Length) -> Table:
    cols = [(i, c) for i, c in enumerate(section.columns) if c.pdf]
    body = section.rows
    texts = [[_cell_text(row[i], c.kind, lang) for i, c in cols] for row in body]
    total_line: list[str] | None = None
    if section.totals is not None:
        total_line = [t("total", lang) if j == 0 else
                      (_cell_text(section.totals[c.key], c.kind, lang) if c.key in section.totals else "")
                      for j, (_, c) in enumerate(cols)]
    others_line: list[str] = []
    if section.others is not None:
        # The others' sums can be wider than any line (and than a total of mixed signs).
        others_line = [_cell_text(section.others.values.get(c.key), c.kind, lang)
                       if c.total == "sum" else "" for _, c in cols]
    widths = _widths([c for _, c in cols], texts + ([others_line] if others_line else []),
                     total_line, width)
    head = [para(c.pdf_label, st["head_right"] if c.kind in NUMERIC else st["head"]) for _, c in cols]
    data: list[list[Any]] = [head]
    coloured: list[tuple[int, int, Any]] = []
    # Free text that does not fit its column wraps in an (escaped) Paragraph; the rest is
    # drawn as plain strings, as they are, no markup interpreted. A Paragraph costs twenty
    # times a string to lay out, and most names fit: 300 organisations at 1M entries.
    room = [w - 2 * PAD for w in widths]
    for r, (row, line_texts) in enumerate(zip(body, texts, strict=True), start=1):
        line: list[Any] = []
        for j, (i, c) in enumerate(cols):
            text = line_texts[j]
            wraps = c.kind == "text" and ("\n" in text or pdfmetrics.stringWidth(text, FONT, SIZE_TABLE) > room[j])
            line.append(para(text, st["cell"]) if wraps else text)
            colour = sign_colour(c, row[i])
            if colour is not None:
                coloured.append((j, r, colour))
        data.append(line)
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, SIZE_TABLE),
        ("LEADING", (0, 0), (-1, -1), SIZE_TABLE * 1.25),
        ("BACKGROUND", (0, 0), (-1, 0), NAVY),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.8),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]),
    ]
    for j, (_, c) in enumerate(cols):
        if c.kind in NUMERIC:
            style.append(("ALIGN", (j, 1), (j, -1), "RIGHT"))
    for j, r, colour in coloured:
        style.append(("TEXTCOLOR", (j, r), (j, r), colour))
    if section.others is not None:
        style += _others_row(section, cols, data, st, lang)
    if total_line is not None:
        data.append(total_line)
        style += [
            ("FONT", (0, -1), (-1, -1), FONT_BOLD, SIZE_TABLE),
            ("BACKGROUND", (0, -1), (-1, -1), TOTAL_BG),
            ("LINEABOVE", (0, -1), (-1, -1), 0.8, NAVY),
            ("LINEBELOW", (0, -1), (-1, -1), 0.8, NAVY),
        ]
        for j, (_, c) in enumerate(cols):
            colour = sign_colour(c, (section.totals or {}).get(c.key)) if c.fx is not None else None
            if colour is not None:
                style.append(("TEXTCOLOR", (j, -1), (j, -1), colour))
    # No page holds a header, or a totals row, with fewer than MIN_ROWS lines: the first
    # and the last MIN_ROWS lines stay with them when the table breaks across pages.
    last = len(data) - 1
    if last > 2 * MIN_ROWS:
        style += [("NOSPLIT", (0, 0), (-1, MIN_ROWS)), ("NOSPLIT", (0, last - MIN_ROWS), (-1, last))]
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


def _others_row(section: Section, cols: list[tuple[int, Column]], data: list[list[Any]],
                st: dict[str, ParagraphStyle], lang: str) -> list[tuple[Any, ...]]:
    """Append the line summing the rows a capped list leaves out; return its style.

    Its label spans the columns before the first summed one; the summed columns hold the
    left-out rows' sums, so the rows shown plus this line add up to the totals row.
    """
    assert section.others is not None
    values = section.others.values
    first = next((j for j, (_, c) in enumerate(cols) if c.total == "sum"), len(cols))
    line: list[Any] = [_cell_text(values.get(c.key), c.kind, lang) if c.total == "sum" else ""
                       for _, c in cols]
    line[0] = Paragraph(escape(section.others.label), st["others"])
    data.append(line)
    r = len(data) - 1
    style: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, r), (-1, r), OTHERS_BG),
        ("TEXTCOLOR", (0, r), (-1, r), GREY),
        ("LINEABOVE", (0, r), (-1, r), 0.5, RULE),
        ("VALIGN", (0, r), (-1, r), "MIDDLE"),
    ]
    if first > 1:
        style.append(("SPAN", (0, r), (first - 1, r)))
    for j, (_, c) in enumerate(cols):
        colour = sign_colour(c, values.get(c.key)) if c.total == "sum" else None
        if colour is not None:
            style.append(("TEXTCOLOR", (j, r), (j, r), colour))
    return style


def sign_colour(column: Column, value: Any) -> Any:
    """The colour of a figure: an FX column's by meaning (:attr:`Column.fx`: red a loss against
    the EUR booked, green a gain), any other negative figure red; None: the text's colour."""
    number = value.value if isinstance(value, Pct) else value
    if not isinstance(number, Decimal) or number == 0:
        return None
    if column.fx is not None:
        loss = number > 0 if column.fx == "loss" else number < 0
        return FX_LOSS if loss else FX_GAIN
    return RED if number < 0 else None


def _section_flowables(section: Section, number: int, st: dict[str, ParagraphStyle], lang: str,
                       width: Length) -> list[Any]:
    heading = Paragraph(f"{number}. {escape(section.title)}", st["h1"])
    out: list[Any] = [CondPageBreak(40 * mm)]
    if not section.rows:
        # The notes say why a table is empty when it can (e.g. the outlook without a rate).
        out.append(KeepTogether([heading, *(Paragraph(escape(n), st["note"]) for n in section.notes),
                                 Paragraph(escape(t("none", lang)), st["body"])]))
        return out
    table = _table(section, st, lang, width)
    head: list[Any] = [heading, *(Paragraph(escape(n), st["note"]) for n in section.notes)]
    # A short table moves whole to the next page rather than leave its last lines and
    # totals alone there.
    rows = len(section.rows) + (section.others is not None)
    out += [KeepTogether([*head, table])] if rows <= KEEP_WHOLE else [*head, table]
    return out


# --------------------------------------------------------------------------- charts


def _m(value: Decimal) -> float:
    """EUR to EUR million, as a chart coordinate (floats only ever serve plotting)."""
    return float(value) / 1e6


def _chart_png(fig: Figure) -> io.BytesIO:
    out = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(out, format="png", dpi=CHART_DPI)
    out.seek(0)
    return out


def _style_axes(ax: Any) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.spines[["left", "bottom"]].set_color("#8c8c8c")
    ax.tick_params(labelsize=7, colors="#404040")
    ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
    ax.set_axisbelow(True)


def _axis_titles(ax: Any, x: str, y: str) -> None:
    """Axis titles with their units (the chart's title says what is plotted)."""
    ax.set_xlabel(x, fontsize=7, color="#404040", labelpad=2)
    ax.set_ylabel(y, fontsize=7, color="#404040", labelpad=3)


def _cumulative_chart(report: MonthlyReport, lang: str, width: Length) -> Image:
    fig = Figure(figsize=(width / 72, CHART_HEIGHT), facecolor="white")
    # Fixed margins (a constrained layout costs more time than drawing the chart).
    fig.subplots_adjust(left=0.06, right=0.99, top=0.9, bottom=0.3)
    ax = fig.add_subplot()
    this, last = report.curve_this_year, report.curve_last_year
    months = list(range(1, 13))
    if last.months:
        ax.plot(months[: len(last.months)], [_m(m.cumulative_committed) for m in last.months],
                color="#1F3864", linestyle=":", linewidth=1.1, label=f"{t('committed', lang)} {last.year}")
        ax.plot(months[: len(last.months)], [_m(m.cumulative_paid) for m in last.months],
                color="#C55A11", linestyle=":", linewidth=1.1, label=f"{t('paid', lang)} {last.year}")
    xs = [m.month for m in this.months]
    ax.plot(xs, [_m(m.cumulative_committed) for m in this.months], color="#1F3864",
            linewidth=2, marker="o", markersize=3, label=f"{t('committed', lang)} {this.year}")
    ax.plot(xs, [_m(m.cumulative_paid) for m in this.months], color="#C55A11", linewidth=2,
            marker="o", markersize=3, label=f"{t('paid_in_year', lang)} {this.year}")
    ax.step(xs, [_m(m.commitment_credits) for m in this.months], where="mid", color="#1F3864",
            alpha=0.45, linewidth=1, linestyle="--", label=f"{t('commitment_credits', lang)} {this.year}")
    ax.step(xs, [_m(m.payment_credits) for m in this.months], where="mid", color="#C55A11",
            alpha=0.45, linewidth=1, linestyle="--", label=f"{t('payment_credits', lang)} {this.year}")
    ax.set_xticks(months, [month_short(m, lang) for m in months])
    ax.set_xlim(0.6, 12.4)
    ax.set_ylim(bottom=0)
    _style_axes(ax)
    _axis_titles(ax, t("axis_month", lang), t("axis_eur_m", lang))
    ax.legend(fontsize=6.5, ncols=6, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    ax.set_title(t("chart_cumulative", lang), fontsize=8.5, color="#1F3864", loc="left")
    return Image(_chart_png(fig), width=width, height=CHART_HEIGHT * 72)


def _directorate_chart(report: MonthlyReport, lang: str, width: Length) -> Image:
    rows = [d for d in report.by_directorate if d.committed or d.paid]
    height = CHART_HEIGHT
    fig = Figure(figsize=(width / 72, height), facecolor="white")
    fig.subplots_adjust(left=0.06, right=0.99, top=0.9, bottom=0.16)
    ax = fig.add_subplot()
    xs = range(len(rows))
    ax.bar([x - 0.2 for x in xs], [_m(d.committed) for d in rows], width=0.4, color="#1F3864",
           label=t("committed", lang))
    ax.bar([x + 0.2 for x in xs], [_m(d.paid) for d in rows], width=0.4, color="#C55A11",
           label=t("paid", lang))
    ax.set_xticks(list(xs), [d.code for d in rows])
    # Few directorates (a report limited to one): keep bars narrow and centred.
    pad = max(0.6, (6 - len(rows)) / 2)
    ax.set_xlim(-pad, len(rows) - 1 + pad)
    _style_axes(ax)
    _axis_titles(ax, t("axis_directorate", lang), t("axis_eur_m", lang))
    ax.legend(fontsize=6.5, frameon=False, loc="upper right")
    ax.set_title(t("chart_directorate", lang), fontsize=8.5, color="#1F3864", loc="left")
    return Image(_chart_png(fig), width=width, height=height * 72)


# --------------------------------------------------------------------------- document


def _data_basis(report: MonthlyReport, number: int, st: dict[str, ParagraphStyle], lang: str,
                width: Length) -> list[Any]:
    """The report's facts (period, scope, fingerprint) and the import batches it stands on
    (those created on or before the report's day)."""
    h = report.header
    out: list[Any] = [Paragraph(f"{number}. {escape(t('data_basis', lang))}", st["h1"])]
    facts = [
        (t("period", lang), f"{i18n.date(h.start, lang)} – {i18n.date(h.end, lang)}"),
        (t("situation_on", lang), i18n.date(h.end, lang)),
        (t("scope", lang), scope_label(report, lang)),
        (t("generated", lang), f"{i18n.date(h.generated_at, lang)} UTC"),
        (t("fingerprint", lang), report.fingerprint),
    ]
    table = Table([[Paragraph(escape(k), st["body"]), para(v, st["body"])] for k, v in facts],
                  colWidths=[width * 0.28, width * 0.72], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, SIZE_BODY),
        ("TEXTCOLOR", (0, 0), (0, -1), GREY),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ]))
    out.append(table)
    out.append(Paragraph(escape(t("last_batches", lang)), st["h2"]))
    if h.batches:
        batch_rows = [[para(x, st["head"]) for x in
                       (t("batch", lang), t("kind", lang), t("file", lang), t("loaded_on", lang),
                        t("loaded_by", lang))] + [para(t("rows", lang), st["head_right"])]]
        for b in h.batches:
            batch_rows.append([str(b.id), b.kind, para(b.file_name, st["cell"]),
                               i18n.date(b.created_at, lang), para(b.created_by, st["cell"]),
                               _cell_text(b.rows_read, "int", lang)])
        bt = Table(batch_rows, colWidths=[w * width for w in (0.07, 0.12, 0.42, 0.17, 0.12, 0.10)],
                   repeatRows=1, hAlign="LEFT")
        bt.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, -1), FONT, SIZE_TABLE),
            ("BACKGROUND", (0, 0), (-1, 0), NAVY),
            ("ALIGN", (-1, 1), (-1, -1), "RIGHT"),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 1.6), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.8),
        ]))
        out.append(bt)
    else:
        out.append(Paragraph(escape(t("no_batches", lang)), st["note"]))
    return out


def _summary_table(section: Section, st: dict[str, ParagraphStyle], lang: str, width: Length) -> Table:
    rows: list[list[Any]] = [[para(c.label, st["head"] if i == 0 else st["head_right"])
                              for i, c in enumerate(section.columns)]]
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, SIZE_BODY - 0.5),
        ("BACKGROUND", (0, 0), (-1, 0), NAVY),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.6),
    ]
    for r, row in enumerate(section.rows, start=1):
        cells = [row[0]]
        for j, value in enumerate(row[1:], start=1):
            text = _cell_text(value, "mixed", lang)
            if j == 3 and isinstance(value, Pct) and value.value is not None:
                # A change of a rate is a difference in percentage points, rounded as every
                # percentage (budget.money.percent); signed, as the workbook's format writes it.
                shown = percent(value.value)
                text = (f"{shown:+.1f}" if shown else f"{shown:.1f}").replace(".", "," if lang != "en" else ".")
                text += f" {t('points', lang)}"
            elif j == 3 and isinstance(value, Decimal) and value > 0:
                text = "+" + text
            cells.append(text)
            number = value.value if isinstance(value, Pct) else value
            if j == 3 and isinstance(number, Decimal) and number < 0:
                style.append(("TEXTCOLOR", (j, r), (j, r), RED))
        rows.append(cells)
        if row[0] in (t("committed", lang), t("paid_in_year", lang), t("open", lang)):
            style.append(("FONT", (0, r), (-1, r), FONT_BOLD, SIZE_BODY - 0.5))
    widths = [width * w for w in (0.43, 0.2, 0.2, 0.17)]
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


def render_pdf(report: MonthlyReport, lang: str = "en") -> bytes:
    """The PDF's bytes: A4 landscape throughout, page 1 the brief.

    The long lists print the report's selection of their largest lines and one line summing
    the others (:attr:`MonthlyReport.highlights`); the workbook has every line.
    """
    register_fonts()
    st = styles()
    buffer = io.BytesIO()
    page = landscape(A4)
    width = page[0] - 2 * MARGIN_X
    doc = BaseDocTemplate(
        buffer, pagesize=page, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM, title=f"{t('subtitle', lang)} – {report.period}",
        author="M0.0 – DGM", subject=t("title", lang), creator="budget report monthly",
        keywords=f"sha256:{report.fingerprint}", lang={"en": "en-GB", "fr": "fr-BE", "nl": "nl-BE"}[lang],
        # Each page's first font is the report's: the default, Helvetica, is a base-14 font
        # the PDF would reference without embedding it.
        initialFontName=FONT, initialFontSize=SIZE_BODY,
    )
    frame = Frame(MARGIN_X, MARGIN_BOTTOM, width, page[1] - MARGIN_TOP - MARGIN_BOTTOM, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="landscape", frames=[frame], pagesize=page)])
    secs = {s.key: s for s in sections(report, lang, pdf=True)}

    story: list[Any] = brief_page(report, st, lang, width) if report.brief is not None else []
    story += [PageBreak(), Paragraph(f"1. {escape(secs['summary'].title)}", st["h1"]),
              _summary_table(secs["summary"], st, lang, width * 0.7),
              Paragraph(escape(t("amounts_in_eur", lang)), st["note"])]
    story += [CondPageBreak(CHART_HEIGHT * 72 + 20 * mm),
              KeepTogether([Paragraph(f"2. {escape(t('sec_charts', lang))}", st["h1"]),
                            _cumulative_chart(report, lang, width)]),
              Spacer(1, 3 * mm), _directorate_chart(report, lang, width)]
    number = 3
    for key in ("directorate", "allocation", "credits_commitment", "credits_payment", "month_by_ab", "organisation",
                "not_committed", "payments", "open", "due_soon", "ageing", "arrears_compared",
                "overdue", "fx_month", "fx_year", "exposure", "sensitivity",
                "outlook", "cash_plan", "credit_needs", "timeliness"):
        if key in secs:
            story += _section_flowables(secs[key], number, st, lang, width)
            number += 1
    # The report's facts, the batches it stands on and how to read it: one block.
    notes = [t(k, lang) for k in ("readme_intro", "readme_clocks", "readme_fx", "readme_fingerprint")]
    story.append(KeepTogether([*_data_basis(report, number, st, lang, width), Spacer(1, 4 * mm),
                               *(Paragraph(escape(n), st["note"]) for n in notes)]))

    furniture = _furniture_for(report, lang)
    doc.build(story, canvasmaker=lambda *a, **k: _NumberedCanvas(*a, furniture=furniture, **k))
    return buffer.getvalue()


__all__ = ["Column", "render_pdf"]
