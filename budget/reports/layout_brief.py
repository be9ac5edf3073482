"""The analyses' tables (:mod:`budget.reports.brief`) as both renderers lay them out.

No arithmetic: columns, labels, rows and the totals rows
(:meth:`budget.reports.brief.Brief.totals_of`) picked from :class:`budget.reports.brief.Brief`.
"""

from __future__ import annotations

from typing import Any

from budget.reports.brief import STAGES, Brief
from budget.reports.i18n import t
from budget.reports.layout import Column, Section, fx_legend
from budget.reports.layout_outlook import outlook_sections
from budget.reports.monthly import MonthlyReport


def _section(b: Brief, key: str, columns: tuple[Column, ...], rows: list[tuple[Any, ...]], lang: str,
             notes: tuple[str, ...] = ()) -> Section:
    totals = b.totals_of(key)
    return Section(key, t(f"sec_{key}", lang), t(f"sh_{key}", lang), columns, rows,
                   {c.key: totals.get(c.key) for c in columns if c.total == "sum"}, notes=notes)


def analysis_sections(report: MonthlyReport, lang: str = "en", *, pdf: bool = False) -> list[Section]:
    """The analyses' tables in reading order (keys in :data:`layout.SECTION_KEYS`), then the
    year-end outlook's (:mod:`budget.reports.layout_outlook`; ``pdf``: its long list capped)."""
    b = report.brief
    if b is None:
        return outlook_sections(report, lang, pdf=pdf)
    return [credits_make_up(b, "commitment", lang), credits_make_up(b, "payment", lang),
            month_by_ab(b, lang), not_committed(b, lang),
            due_soon(b, lang), arrears_compared(b, lang), sensitivity(b, lang),
            *outlook_sections(report, lang, pdf=pdf)]


def credits_make_up(b: Brief, credit_type: str, lang: str) -> Section:
    """The commitment (or payment) credits of each AB as the sum of their stages."""
    L = lambda key: t(key, lang)  # noqa: E731
    cols = (Column("ab", L("allocation"), "code", 18),
            *(Column(s, L(f"stage_{s}"), "amount", 15, "sum") for s in STAGES),
            Column("total", L(f"{credit_type}_credits") + " EUR", "amount", 16, "sum"))
    rows = [(c.ab, *c.stages, c.total) for c in b.credits_make_up if c.credit_type == credit_type]
    return _section(b, f"credits_{credit_type}", cols, rows, lang)


def month_by_ab(b: Brief, lang: str) -> Section:
    L = lambda key: t(key, lang)  # noqa: E731
    cols = (Column("ab", L("allocation"), "code", 18),
            Column("committed", L("committed_month"), "amount", 15, "sum"),
            Column("committed_ly", L("committed_month_ly"), "amount", 15, "sum"),
            Column("committed_change", L("change_eur"), "amount", 14, "sum"),
            Column("paid", L("paid_month"), "amount", 15, "sum"),
            Column("paid_ly", L("paid_month_ly"), "amount", 15, "sum"),
            Column("paid_change", L("change_eur"), "amount", 14, "sum"))
    rows = [(m.ab, m.committed, m.committed_last_year, m.committed_change, m.paid_in_year,
             m.paid_last_year, m.paid_change) for m in b.month_by_ab]
    return _section(b, "month_by_ab", cols, rows, lang)


def not_committed(b: Brief, lang: str) -> Section:
    L = lambda key: t(key, lang)  # noqa: E731
    cols = (Column("organisation", L("organisation"), "code", 11),
            Column("name", L("name"), "text", 30),
            Column("directorate", L("directorate"), "code", 7, short=L("dir_short")),
            Column("assessed_eur", L("assessed_eur"), "amount", 16, "sum"),
            Column("committed", L("committed_eur_col"), "amount", 15, "sum"),
            Column("not_committed", L("not_committed_eur"), "amount", 16, "sum"))
    rows = [(x.organisation, x.name, x.directorate, x.assessed_eur, x.committed, x.not_committed)
            for x in b.not_committed]
    return _section(b, "not_committed", cols, rows, lang, notes=(L("not_committed_note"),))


def due_soon(b: Brief, lang: str) -> Section:
    L = lambda key: t(key, lang)  # noqa: E731
    cols = (Column("due_date", L("due_date"), "date", 10),
            Column("organisation", L("organisation"), "code", 11),
            Column("directorate", L("directorate"), "code", 7, short=L("dir_short")),
            Column("reference", L("reference"), "code", 16),
            Column("currency", L("currency"), "code", 6, short=L("cur_short")),
            Column("outstanding", L("outstanding"), "amount_cur", 15),
            Column("outstanding_eur", L("outstanding_eur"), "amount", 15, "sum"))
    rows = [(x.due_date, x.organisation, x.directorate, x.reference, x.currency, x.outstanding,
             x.outstanding_eur) for x in b.due_soon]
    return _section(b, "due_soon", cols, rows, lang)


def arrears_compared(b: Brief, lang: str) -> Section:
    L = lambda key: t(key, lang)  # noqa: E731
    cols = (Column("bucket", L("ageing"), "code", 14),
            Column("current", L("overdue_now"), "amount", 16, "sum"),
            Column("previous", L("overdue_last_year"), "amount", 16, "sum"),
            Column("change", L("change_eur"), "amount", 15, "sum"))
    rows = [(a.bucket, a.current, a.previous, a.change) for a in b.arrears_compared]
    return _section(b, "arrears_compared", cols, rows, lang)


def sensitivity(b: Brief, lang: str) -> Section:
    L = lambda key: t(key, lang)  # noqa: E731
    cols = (Column("currency", L("currency"), "code", 8),
            Column("open", L("open_cur"), "amount_cur", 16),
            Column("eur_at_rate", L("open_now_eur"), "amount", 18, "sum"),
            Column("up", L("impact_up"), "amount", 16, "sum", fx="loss"),
            Column("down", L("impact_down"), "amount", 16, "sum", fx="loss"))
    rows = [(s.currency, s.open, s.eur_at_rate, s.impact, s.impact_down) for s in b.sensitivity]
    return _section(b, "sensitivity", cols, rows, lang, notes=(L("sensitivity_note"), fx_legend(lang)))
