"""The analyses' tables (:mod:`budget.reports.brief`) as both renderers lay them out.

No arithmetic beyond what the report data holds: columns, labels, rows and totals picked
from :class:`budget.reports.brief.Brief`.
"""

from __future__ import annotations

from typing import Any

from budget.money import ZERO
from budget.reports.brief import STAGES, Brief
from budget.reports.i18n import t
from budget.reports.layout import Column, Section
from budget.reports.monthly import MonthlyReport


def _sum(rows: list[tuple[Any, ...]], index: int) -> Any:
    values = [r[index] for r in rows]
    if any(v is None for v in values):
        return None
    return sum(values, ZERO)


def _totals(rows: list[tuple[Any, ...]], columns: tuple[Column, ...]) -> dict[str, Any]:
    return {c.key: _sum(rows, i) for i, c in enumerate(columns) if c.total == "sum"}


def _section(key: str, columns: tuple[Column, ...], rows: list[tuple[Any, ...]], lang: str,
             notes: tuple[str, ...] = (), totals: bool = True) -> Section:
    return Section(key, t(f"sec_{key}", lang), t(f"sh_{key}", lang), columns, rows,
                   _totals(rows, columns) if totals else None, notes=notes)


def analysis_sections(report: MonthlyReport, lang: str = "en") -> list[Section]:
    """The analyses' tables in reading order (keys in :data:`layout.SECTION_KEYS`)."""
    b = report.brief
    if b is None:
        return []
    return [credits_make_up(b, "commitment", lang), credits_make_up(b, "payment", lang),
            month_by_ab(b, lang), not_committed(b, lang),
            due_soon(b, lang), arrears_compared(b, lang), sensitivity(b, lang)]


def credits_make_up(b: Brief, credit_type: str, lang: str) -> Section:
    """The commitment (or payment) credits of each AB as the sum of their stages."""
    L = lambda key: t(key, lang)  # noqa: E731
    cols = (Column("ab", L("allocation"), "code", 18),
            *(Column(s, L(f"stage_{s}"), "amount", 15, "sum") for s in STAGES),
            Column("total", L(f"{credit_type}_credits") + " EUR", "amount", 16, "sum"))
    rows = [(c.ab, *c.stages, c.total) for c in b.credits_make_up if c.credit_type == credit_type]
    return _section(f"credits_{credit_type}", cols, rows, lang)


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
    return _section("month_by_ab", cols, rows, lang)


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
    return _section("not_committed", cols, rows, lang, notes=(L("not_committed_note"),))


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
    return _section("due_soon", cols, rows, lang)


def arrears_compared(b: Brief, lang: str) -> Section:
    L = lambda key: t(key, lang)  # noqa: E731
    cols = (Column("bucket", L("ageing"), "code", 14),
            Column("current", L("overdue_now"), "amount", 16, "sum"),
            Column("previous", L("overdue_last_year"), "amount", 16, "sum"),
            Column("change", L("change_eur"), "amount", 15, "sum"))
    rows = [(a.bucket, a.current, a.previous, a.change) for a in b.arrears_compared]
    return _section("arrears_compared", cols, rows, lang)


def sensitivity(b: Brief, lang: str) -> Section:
    L = lambda key: t(key, lang)  # noqa: E731
    cols = (Column("currency", L("currency"), "code", 8),
            Column("open", L("open_cur"), "amount_cur", 16),
            Column("eur_at_rate", L("open_now_eur"), "amount", 18, "sum"),
            Column("up", L("impact_up"), "amount", 16, "sum"),
            Column("down", L("impact_down"), "amount", 16, "sum"))
    rows = [(s.currency, s.open, s.eur_at_rate, s.impact, None if s.impact is None else -s.impact)
            for s in b.sensitivity]
    return _section("sensitivity", cols, rows, lang, notes=(L("sensitivity_note"),))
