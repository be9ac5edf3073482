"""The year-end outlook's tables (:mod:`budget.reports.outlook_pack`) as both renderers lay them
out: per AB on 31 December, the cash plan, the credit needs of the foreign-currency calls, the
timeliness of the year's calls.

No arithmetic: columns, labels, rows and the totals rows picked from
:class:`budget.reports.outlook_pack.PackOutlook`.
"""

from __future__ import annotations

from typing import Any

from budget.money import fmt_rate
from budget.reports import i18n
from budget.reports.i18n import month_name, t
from budget.reports.layout import Column, Section, fx_legend, selection
from budget.reports.monthly import Highlight, MonthlyReport
from budget.reports.outlook_pack import PackOutlook


def outlook_sections(report: MonthlyReport, lang: str = "en", *, pdf: bool = False) -> list[Section]:
    """The outlook's tables in reading order (keys in :data:`layout.SECTION_KEYS`); ``pdf``: the
    credit needs hold the largest adjustments and a line for the others (the workbook: all)."""
    o = report.outlook
    if o is None:
        return []
    top = report.highlights.credit_needs if pdf else None
    return [by_ab(o, lang), cash_plan(o, report.header.year, lang), credit_needs(o, lang, top),
            timeliness(o, lang)]


def _unavailable(o: PackOutlook, lang: str) -> tuple[str, ...]:
    return () if o.available else (t("ol_unavailable", lang, date=i18n.date(o.as_of, lang)),)


def rates_note(o: PackOutlook, lang: str) -> str:
    """"Foreign currencies at USD 1.0800 (ECB 2026-10-30); ± 5 % on the rates ..."."""
    style = "en" if lang == "en" else "be"
    rates = ", ".join(f"{r.currency} {fmt_rate(r.rate, style)} ({r.source})" for r in o.rates)
    return t("ol_note_rates", lang, rates=rates or t("ol_no_rates", lang), pct=i18n.integer(int(o.sensitivity * 100),
                                                                                             lang))


def by_ab(o: PackOutlook, lang: str) -> Section:
    """Per AB on 31 December: actual + expected against the credits, lapse or shortfall."""
    L = lambda key: t(key, lang)  # noqa: E731
    pct = i18n.integer(int(o.sensitivity * 100), lang)
    cols = (Column("ab", L("allocation"), "code", 18),
            Column("commitment_credits", L("commitment_credits"), "amount", 15, "sum"),
            Column("committed", L("committed_eur_col"), "amount", 15, "sum", pdf=False),
            Column("expected_commitments", L("ol_expected_commitments"), "amount", 15, "sum", pdf=False),
            Column("projected_committed", L("ol_projected_committed"), "amount", 15, "sum"),
            Column("commitment_balance", L("ol_commitment_balance"), "amount", 16, "sum"),
            Column("payment_credits", L("payment_credits"), "amount", 15, "sum"),
            Column("paid_in_year", L("paid_in_year"), "amount", 15, "sum"),
            Column("expected_payments", L("ol_expected_payments"), "amount", 15, "sum"),
            Column("projected_paid", L("ol_projected_paid"), "amount", 15, "sum"),
            Column("payment_balance", L("ol_payment_balance"), "amount", 16, "sum"),
            Column("payments_weak", t("ol_payments_weak", lang, pct=pct), "amount", 16, "sum", pdf=False),
            Column("payments_strong", t("ol_payments_strong", lang, pct=pct), "amount", 16, "sum", pdf=False))

    def line(r: Any) -> tuple[Any, ...]:
        return (r.key, r.commitment_credits, r.committed, r.expected_commitments, r.projected_committed,
                r.commitment_balance, r.payment_credits, r.paid_in_year, r.expected_payments, r.projected_paid,
                r.payment_balance, r.expected_payments_weak, r.expected_payments_strong)

    totals = None if o.total is None else dict(zip((c.key for c in cols), line(o.total), strict=True))
    if totals is not None:
        totals.pop("ab")
    notes = _unavailable(o, lang) or (L("ol_note_basis"), rates_note(o, lang))
    return Section("outlook", L("sec_outlook"), L("sh_outlook"), cols, [line(r) for r in o.rows], totals,
                   notes=notes)


def cash_plan(o: PackOutlook, year: int, lang: str) -> Section:
    L = lambda key: t(key, lang)  # noqa: E731
    cols = (Column("month", L("month"), "code", 12),
            Column("paid", L("paid_month"), "amount", 15, "sum"),
            Column("expected_payments", L("ol_expected_payments"), "amount", 15, "sum"),
            Column("cumulative_paid", L("ol_cumulative_paid"), "amount", 17),
            Column("committed", L("committed_month"), "amount", 15, "sum"),
            Column("expected_commitments", L("ol_expected_commitments"), "amount", 15, "sum"),
            Column("cumulative_committed", L("ol_cumulative_committed"), "amount", 17))
    rows = [(f"{month_name(m.month, lang)} {year}", m.paid, m.expected_payments, m.cumulative_paid, m.committed,
             m.expected_commitments, m.cumulative_committed) for m in o.cash_plan]
    return Section("cash_plan", L("sec_cash_plan"), L("sh_cash_plan"), cols, rows,
                   dict(o.cash_plan_total) if o.available else None, notes=_unavailable(o, lang))


def credit_needs(o: PackOutlook, lang: str, top: Highlight | None = None) -> Section:
    """Each open foreign-currency call re-estimated at the day's rate; the adjustment is a
    loss (more EUR) when positive. With ``top`` (the PDF), the largest adjustments only."""
    L = lambda key: t(key, lang)  # noqa: E731
    cols = (Column("organisation", L("organisation"), "code", 11),
            Column("reference", L("reference"), "code", 16),
            Column("source", L("ol_source"), "code", 18),
            Column("currency", L("currency"), "code", 6, short=L("cur_short")),
            Column("open", L("open_cur"), "amount_cur", 15),
            Column("committed_eur", L("committed_eur"), "amount", 15, "sum"),
            Column("rate", L("rate"), "rate", 8),
            Column("needed_eur", L("ol_needed_eur"), "amount", 15, "sum"),
            Column("adjustment", L("ol_adjustment"), "amount", 16, "sum", fx="loss"))
    lines, others, top_note = selection(top, o.credit_needs, L("sh_credit_needs"), L("ol_adjustment"), lang)
    rows = [(n.organisation, n.reference, L(f"ol_source_{n.source}"), n.currency, n.open, n.committed_eur, n.rate,
             n.needed_eur, n.adjustment) for n in lines]
    notes = _unavailable(o, lang) or (L("ol_needs_note"), *top_note, fx_legend(lang))
    return Section("credit_needs", L("sec_credit_needs"), L("sh_credit_needs"), cols, rows,
                   dict(o.credit_needs_total), others=others, notes=notes)


def timeliness(o: PackOutlook, lang: str) -> Section:
    L = lambda key: t(key, lang)  # noqa: E731

    def flag(value: bool | None) -> str:
        return L("tl_open") if value is None else L("tl_yes" if value else "tl_no")

    cols = (Column("key", L("organisation"), "code", 11),
            Column("count", L("tl_count"), "int", 8, "sum"),
            Column("eur", L("assessed_eur"), "amount", 15, "sum"),
            Column("median_days_to_full", L("tl_median_days"), "mixed", 12),
            Column("median_delay", L("tl_median_delay"), "mixed", 12),
            Column("share_by_due_count", L("tl_by_due_count"), "percent", 11),
            Column("share_by_due_eur", L("tl_by_due_eur"), "percent", 11),
            Column("honour_roll", t("tl_honour", lang, days=o.within_days), "code", 14))
    rows = [(g.key, g.count, g.eur, g.median_days_to_full, g.median_delay, g.share_by_due_count, g.share_by_due_eur,
             flag(g.honour_roll)) for g in o.timeliness]
    totals = dict(o.timeliness_total)
    return Section("timeliness", L("sec_timeliness"), L("sh_timeliness"), cols, rows,
                   {"count": totals["count"], "eur": totals["eur"]},
                   notes=(t("tl_note", lang, days=o.within_days),))
