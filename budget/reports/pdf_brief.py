"""Page 1 of the monthly PDF: the brief a director reads in two minutes.

The headline figures this year against the same day last year, the key messages, how each
figure is valued, and the bridge from outstanding to overdue and to open commitments; all
from :class:`budget.reports.brief.Brief` (no arithmetic here but signs and layout).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from budget.reports import i18n
from budget.reports.brief import Brief, Headline, Message
from budget.reports.i18n import period_label, t
from budget.reports.layout import SUMMARY_LABELS, Length, fx_legend, scope_label
from budget.reports.monthly import MonthlyReport
from budget.reports.pdf_style import (
    FONT,
    FONT_BOLD,
    FX_GAIN,
    FX_LOSS,
    GREY,
    NAVY,
    RED,
    RULE,
    SIZE_BODY,
    SIZE_TABLE,
    TOTAL_BG,
    ZEBRA,
    para,
)
from budget.services.outlook import LAPSE, year_end

Styles = dict[str, ParagraphStyle]


def signed(value: Decimal | None, lang: str) -> str:
    """``+1,234.00`` / ``−1.234,00``; empty when unknown."""
    if value is None:
        return "–"
    text = i18n.amount(value, lang)
    return "+" + text if value > 0 else text


def headline_label(key: str, lang: str) -> str:
    return t(SUMMARY_LABELS.get(key, key) if key != "open" else "open", lang)


def _headline_table(lines: tuple[Headline, ...], report: MonthlyReport, st: Styles, lang: str,
                    width: Length) -> Table:
    s = report.summary
    head = [para(t("indicator", lang), st["head"]),
            para(f"{t('situation_on', lang)} {i18n.date(s.current.as_of, lang)}", st["head_right"]),
            para(f"{t('situation_on', lang)} {i18n.date(s.previous.as_of, lang)}", st["head_right"]),
            para(t("change_eur", lang), st["head_right"])]
    rows: list[list[Any]] = [head]
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, SIZE_BODY - 0.5),
        ("BACKGROUND", (0, 0), (-1, 0), NAVY),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), ["white", ZEBRA]),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.6),
    ]
    for r, x in enumerate(lines, start=1):
        rows.append([para(headline_label(x.key, lang), st["cell_body"]),
                     i18n.amount(x.current, lang) if x.current is not None else "–",
                     i18n.amount(x.previous, lang) if x.previous is not None else "–",
                     signed(x.change, lang)])
        if x.key == "fx_risk":
            # FX risk by meaning, as every FX figure of the report: red a loss, green a gain.
            for col, value in ((1, x.current), (2, x.previous), (3, x.change)):
                if value:
                    style.append(("TEXTCOLOR", (col, r), (col, r), FX_LOSS if value > 0 else FX_GAIN))
        elif x.change is not None and x.change < 0:
            style.append(("TEXTCOLOR", (3, r), (3, r), RED))
        if x.key in ("overdue_total", "fx_risk"):
            style.append(("FONT", (0, r), (-1, r), FONT_BOLD, SIZE_BODY - 0.5))
    table = Table(rows, colWidths=[width * w for w in (0.37, 0.22, 0.22, 0.19)], hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


def message_text(m: Message, lang: str) -> str:
    """A key message in ``lang``, with the figure it stands on."""
    subject = headline_label(m.subject, lang) if m.key == "msg_largest_variance" else m.subject
    amount = signed(m.amount, lang) if m.key == "msg_largest_variance" else i18n.amount(m.amount, lang)
    return t(m.key, lang, subject=subject, amount=amount,
             share=i18n.percent(m.share, lang) if m.share is not None else "",
             change=signed(m.change, lang))


def _bridge_table(brief: Brief, st: Styles, lang: str, width: Length) -> Table:
    rows = [[para(t(b.key, lang), st["cell_body"]), i18n.amount(b.amount, lang)] for b in brief.bridge]
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, SIZE_TABLE + 0.5),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.4), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.6),
    ]
    for r, b in enumerate(brief.bridge):
        if b.role == "equals":
            style += [("LINEABOVE", (0, r), (-1, r), 0.6, NAVY), ("BACKGROUND", (0, r), (-1, r), TOTAL_BG),
                      ("FONT", (0, r), (-1, r), FONT_BOLD, SIZE_TABLE + 0.5)]
    table = Table(rows, colWidths=[width * 0.72, width * 0.28], hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


def outlook_lines(report: MonthlyReport, lang: str) -> list[str]:
    """Page 1's year-end outlook: where payments and commitments land against the credits on 31
    December (the outlook's total, :mod:`budget.reports.outlook_pack`), and any AB short."""
    o = report.outlook
    if o is None:
        return []
    if not o.available or o.total is None:
        return [t("ol_headline_unavailable", lang)]

    def balance(value: Decimal | None) -> str:
        said = year_end(value)
        if value is None or said is None:
            return "–"
        return t("ol_lapse" if said == LAPSE else "ol_short", lang, amount=i18n.amount(abs(value), lang))

    total = o.total
    out = [t("ol_headline", lang, paid=i18n.amount(total.projected_paid, lang),
             credits=i18n.amount(total.payment_credits, lang), balance=balance(total.payment_balance),
             committed=i18n.amount(total.projected_committed, lang),
             ccredits=i18n.amount(total.commitment_credits, lang), cbalance=balance(total.commitment_balance))]
    if o.shortfalls:
        out.append(t("ol_shortfall_abs", lang, items="; ".join(
            f"{ab} {t('ol_short', lang, amount=i18n.amount(v, lang))}" for ab, v in o.shortfalls[:3])))
    return out


def brief_page(report: MonthlyReport, st: Styles, lang: str, width: Length) -> list[Any]:
    """The flowables of page 1 (one landscape page)."""
    brief = report.brief
    h = report.header
    assert brief is not None
    out: list[Any] = [
        Paragraph(escape(t("ministry", lang)), st["ministry_tight"]),
        Paragraph(escape(f"{t('subtitle', lang)} – {period_label(h.year, h.month, lang)}"), st["title"]),
        Paragraph(escape(f"{t('title', lang)} · {t('situation_on', lang)} {i18n.date(h.end, lang)} · "
                         f"{scope_label(report, lang)} · {t('amounts_in_eur', lang)}"), st["note"]),
        Spacer(1, 3 * mm),
    ]
    left, right = width * 0.56, width * 0.41
    gap = width - left - right
    messages = [Paragraph(escape(t("key_messages", lang)), st["h2_tight"])]
    messages += [Paragraph("• " + escape(message_text(m, lang)), st["message"]) for m in brief.messages]
    outlook = outlook_lines(report, lang)
    if outlook:
        messages.append(Paragraph(escape(t("sh_outlook", lang)), st["h2_tight"]))
        messages += [Paragraph(escape(line), st["message"]) for line in outlook]
    valuation = [Paragraph(escape(t("valuation", lang)), st["h2_tight"])]
    seen: list[str] = []
    for x in brief.headline:
        if x.valuation not in seen:
            seen.append(x.valuation)
            valuation.append(Paragraph(escape(t(x.valuation, lang)), st["valuation"]))
    valuation.append(Paragraph(escape(fx_legend(lang)), st["valuation"]))
    grid = Table([
        [[Paragraph(escape(t("sec_brief", lang)), st["h2_tight"]),
          _headline_table(brief.headline, report, st, lang, left)], "", messages],
        [[Paragraph(escape(t("sec_bridge", lang)), st["h2_tight"]), _bridge_table(brief, st, lang, left)],
         "", valuation],
    ], colWidths=[left, gap, right], hAlign="LEFT")
    grid.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, SIZE_BODY),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 4 * mm),
        ("LINEBEFORE", (2, 0), (2, -1), 0.5, GREY),
        ("LEFTPADDING", (2, 0), (2, -1), 3 * mm),
    ]))
    out.append(grid)
    return out
