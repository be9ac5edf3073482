"""The report's tables as both renderers lay them out: columns, labels, rows, totals.

No arithmetic here: this module only picks the report data's fields (and translates labels
and statuses), so the PDF and the workbook show the same columns with the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from budget.reports import i18n_outlook  # noqa: F401 - the outlook's labels join the catalogue
from budget.reports.i18n import amount, integer, month_short, t
from budget.reports.monthly import Highlight, Highlights, MonthLists, MonthlyReport, Totals

Kind = Literal["text", "code", "figures", "amount", "amount_cur", "percent", "date", "int", "year",
               "rate", "mixed"]


@dataclass(frozen=True)
class Pct:
    """A fraction to show as a percentage in a ``mixed`` column."""

    value: Decimal | None


#: Page geometry: column widths (relative in the PDF, characters in Excel), font sizes and
#: widths in PDF points. Never money: amounts stay Decimal from the ledger to the page.
Length = float


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: Kind
    #: Relative width in the PDF; characters in Excel.
    width: Length = 12
    #: "sum": SUM of the column; ("ratio", part, whole): part total / whole total.
    total: str | tuple[str, str, str] | None = None
    pdf: bool = True
    xlsx: bool = True
    #: A shorter header for the PDF's narrow columns.
    short: str | None = None
    #: An FX column's sign: "gain" (positive is a gain against the EUR booked) or "loss"
    #: (positive is a loss: more EUR to pay). The PDF colours its figures by meaning, red a
    #: loss and green a gain (:data:`budget.reports.pdf_style.FX_LOSS`), whatever the sign.
    fx: Literal["gain", "loss"] | None = None

    @property
    def pdf_label(self) -> str:
        return self.short or self.label


@dataclass(frozen=True)
class Others:
    """"… and 4,580 more lines, EUR 199,030,071.06, listed in the Excel workbook"."""

    label: str
    #: The left-out lines' sums keyed by column key (the columns with a "sum" total).
    values: dict[str, Any]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    sheet: str
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]]
    #: Values of the totals row keyed by column key (None: no totals row).
    totals: dict[str, Any] | None = None
    pdf: bool = True
    #: The line that sums the rows left out of a capped list (PDF only), before the totals.
    others: Others | None = None
    #: Small print under the title (e.g. which lines a capped list shows).
    notes: tuple[str, ...] = field(default_factory=tuple)

    def column_index(self, key: str) -> int:
        return [c.key for c in self.columns].index(key)


#: Summary indicators whose label key differs from the figure's name.
SUMMARY_LABELS = {"paid": "paid_on_commitments", "overdue_eur": "overdue_total", "open": "open",
                  "available": "available"}


#: The report's tables in reading order (see :func:`sections`). Each is a sheet of the
#: workbook named by :func:`sheet_name`, so the workbook can make its sheets, in this order,
#: before it has the tables (it writes the long lists first).
SECTION_KEYS: tuple[str, ...] = ("summary", "directorate", "allocation", "credits_commitment",
                                 "credits_payment",
                                 "month_by_ab", "organisation", "not_committed", "payments",
                                 "open", "due_soon", "ageing", "arrears_compared", "overdue",
                                 "fx_month", "fx_year", "exposure", "sensitivity",
                                 # The year-end outlook (budget.reports.layout_outlook).
                                 "outlook", "cash_plan", "credit_needs", "timeliness",
                                 "chart_data")


def sheet_name(key: str, lang: str) -> str:
    """The workbook's sheet for the table ``key`` (Excel allows 31 characters)."""
    return t(f"sh_{key}", lang)[:31]


def _tot(totals: Totals, *keys: str) -> dict[str, Any]:
    values = dict(totals.values)
    return {k: values[k] for k in keys if k in values}


def _status(key: str, lang: str) -> str:
    return t(f"st_{key}", lang)


def selection(
    highlight: Highlight | None, every: Sequence[Any], sheet: str, rank_label: str, lang: str
) -> tuple[Sequence[Any], Others | None, tuple[str, ...]]:
    """The lines a long list shows: all of them in the workbook (no ``highlight``); in the
    PDF the report's selection (the largest), with the line summing the others and a note
    saying so."""
    if highlight is None:
        return every, None, ()
    if not highlight.more:
        return highlight.lines, None, ()
    others = dict(highlight.others.values)
    # ("highlight.more" is never 0 here: French's singular 0 does not arise.)
    label = t("others_line_one" if highlight.more == 1 else "others_line", lang,
              n=integer(highlight.more, lang), amount=amount(others[highlight.ranked_by], lang), sheet=sheet)
    note = t("top_note", lang, shown=integer(len(highlight.lines), lang),
             count=integer(highlight.count, lang), column=rank_label)
    return highlight.lines, Others(label, others), (note,)


def sections(report: MonthlyReport, lang: str = "en", *, pdf: bool = False) -> list[Section]:
    """Every table of the report, in reading order (their keys: :data:`SECTION_KEYS`).

    With ``pdf``, the long lists (payments, open commitments, overdue lines, exchange
    differences) hold the report's selection of their largest lines and an "others" line;
    otherwise (the workbook) every line.
    """
    from budget.reports.layout_brief import analysis_sections

    every = [*head_sections(report, lang),
             *list_sections(report.lists, report.highlights if pdf else None, lang),
             *analysis_sections(report, lang, pdf=pdf), *tail_sections(report, lang)]
    return sorted(every, key=lambda s: SECTION_KEYS.index(s.key))


def head_sections(report: MonthlyReport, lang: str = "en") -> list[Section]:
    """The summary and the execution by directorate, allocation and organisation."""
    L = lambda key: t(key, lang)  # noqa: E731 - a short alias keeps the tables readable
    s = report.summary
    out: list[Section] = []

    out.append(Section(
        "summary", L("sec_summary"), L("sh_summary"),
        (Column("indicator", L("indicator"), "text", 34),
         Column("current", t("situation_on", lang) + " " + s.current.as_of.strftime("%d/%m/%Y"),
                "mixed", 16),
         Column("previous", t("situation_on", lang) + " " + s.previous.as_of.strftime("%d/%m/%Y"),
                "mixed", 16),
         Column("change", L("change_pts"), "mixed", 14)),
        [(L(SUMMARY_LABELS.get(x.key, x.key)),
          Pct(x.current) if x.kind == "rate" else x.current,
          Pct(x.previous) if x.kind == "rate" else x.previous,
          Pct(x.change) if x.kind == "rate" else x.change) for x in s.lines],
    ))

    out.append(Section(
        "directorate", L("sec_directorate"), L("sh_directorate"),
        (Column("code", L("code"), "code", 7),
         Column("name", L("directorate"), "text", 30),
         Column("assessed_eur", L("assessed_eur"), "amount", 15, "sum"),
         Column("committed", L("committed_eur_col"), "amount", 15, "sum"),
         Column("paid", L("paid_eur"), "amount", 15, "sum"),
         Column("open", L("open_eur_col"), "amount", 15, "sum"),
         Column("paid_rate", L("pct_paid"), "percent", 8, ("ratio", "paid", "committed")),
         Column("paid_in_year", L("paid_in_year"), "amount", 15, "sum")),
        [(d.code, d.name, d.assessed_eur, d.committed, d.paid, d.open, d.paid_rate, d.paid_in_year)
         for d in report.by_directorate],
        _tot(report.by_directorate_total, "assessed_eur", "committed", "paid", "open", "paid_rate",
             "paid_in_year"),
    ))

    out.append(Section(
        "allocation", L("sec_allocation"), L("sh_allocation"),
        (Column("ab_text", L("allocation"), "text", 30, xlsx=False),
         Column("code", L("allocation"), "code", 18, pdf=False),
         Column("label", L("label"), "text", 30, pdf=False),
         Column("directorate", L("directorate"), "code", 7, pdf=False, short=L("dir_short")),
         Column("commitment_credits", L("commitment_credits"), "amount", 15, "sum"),
         Column("committed", L("committed_eur_col"), "amount", 15, "sum"),
         Column("available", L("available_short"), "amount", 15, "sum"),
         Column("commitment_rate", L("pct_committed"), "percent", 8,
                ("ratio", "committed", "commitment_credits")),
         Column("payment_credits", L("payment_credits"), "amount", 15, "sum"),
         Column("paid_in_year", L("paid_in_year"), "amount", 15, "sum"),
         Column("payment_rate", L("pct_credits_paid"), "percent", 8,
                ("ratio", "paid_in_year", "payment_credits"))),
        [(f"{a.code}\n{a.label}", a.code, a.label, a.directorate, a.commitment_credits, a.committed, a.available,
          a.commitment_rate, a.payment_credits, a.paid_in_year, a.payment_rate)
         for a in report.by_allocation],
        _tot(report.by_allocation_total, "commitment_credits", "committed", "available",
             "commitment_rate", "payment_credits", "paid_in_year", "payment_rate"),
    ))

    currencies = sorted({c for o in report.by_organisation for c, _ in o.assessed})
    org_cols = [
        Column("code", L("code"), "code", 11),
        Column("name", L("organisation"), "text", 30),
        Column("directorate", L("directorate"), "code", 7, short=L("dir_short")),
        Column("assessed_text", L("assessed"), "figures", 19, xlsx=False),
    ]
    org_cols += [Column(f"assessed_{c}", f"{L('assessed')} {c}", "amount_cur", 15, "sum", pdf=False)
                 for c in currencies]
    org_cols += [
        Column("assessed_eur", L("assessed_eur"), "amount", 15, "sum"),
        Column("committed", L("committed_eur_col"), "amount", 13, "sum"),
        Column("paid", L("paid_eur"), "amount", 13, "sum"),
        Column("open", L("open_eur_col"), "amount", 13, "sum"),
        Column("paid_rate", L("pct_paid"), "percent", 7, ("ratio", "paid", "committed")),
        Column("due_date", L("due_date"), "date", 9),
        Column("status", L("status"), "text", 10),
    ]
    org_rows = []
    for o in report.by_organisation:
        per = dict(o.assessed)
        org_rows.append((
            o.code, o.name, o.directorate, _assessed_text(o.assessed, lang),
            *[per.get(c) for c in currencies],
            o.assessed_eur, o.committed, o.paid, o.open, o.paid_rate, o.due_date,
            _status(o.status, lang),
        ))
    org_totals = _tot(report.by_organisation_total, "assessed_eur", "committed", "paid", "open",
                      "paid_rate")
    org_totals.update({f"assessed_{c}": v for c, v in report.by_organisation_assessed
                       if c in currencies})
    out.append(Section("organisation", L("sec_organisation"), L("sh_organisation"),
                       tuple(org_cols), org_rows, org_totals))
    return out


def list_sections(lists: MonthLists, highlights: Highlights | None = None, lang: str = "en") -> list[Section]:
    """The long lists: payments of the month, open commitments, ageing, overdue lines,
    exchange differences and exposure. With ``highlights`` (the PDF), each long list holds
    the report's selection of its largest lines and an "others" line; without, every line.
    """
    L = lambda key: t(key, lang)  # noqa: E731 - a short alias keeps the tables readable
    hl = highlights
    out: list[Section] = []

    lines, others, notes = selection(None if hl is None else hl.payments, lists.payments, L("sh_payments"),
                                      L("amount_eur"), lang)
    out.append(Section(
        "payments", L("sec_payments"), L("sh_payments"),
        (Column("entry_date", L("date"), "date", 9),
         Column("reference", L("payment"), "code", 13),
         Column("commitment", L("commitment"), "code", 13),
         Column("fiscal_year", L("year"), "year", 6, pdf=False),
         Column("organisation", L("organisation"), "code", 11),
         Column("organisation_name", L("name"), "text", 28, pdf=False),
         Column("directorate", L("directorate"), "code", 7, short=L("dir_short")),
         Column("currency", L("currency"), "code", 6, short=L("cur_short")),
         Column("amount", L("amount"), "amount_cur", 14),
         Column("rate", L("rate"), "rate", 8),
         Column("amount_eur", L("amount_eur"), "amount", 14, "sum"),
         Column("reversal", L("reversal_col"), "code", 8, pdf=False)),
        [(p.entry_date, p.reference, p.commitment, p.fiscal_year, p.organisation,
          p.organisation_name, p.directorate, p.currency, p.amount, p.rate, p.amount_eur,
          L("reversal") if p.reversal else "") for p in lines],
        _tot(lists.payments_total, "amount_eur"), others=others, notes=notes,
    ))

    lines, others, notes = selection(None if hl is None else hl.open_commitments, lists.open_commitments,
                                      L("sh_open"), L("open_eur"), lang)
    out.append(Section(
        "open", L("sec_open"), L("sh_open"),
        (Column("reference", L("commitment"), "code", 13),
         Column("entry_date", L("date"), "date", 9),
         Column("fiscal_year", L("year"), "year", 6),
         Column("organisation", L("organisation"), "code", 11),
         Column("organisation_name", L("name"), "text", 28, pdf=False),
         Column("directorate", L("directorate"), "code", 7, short=L("dir_short")),
         Column("ab", L("allocation"), "code", 16, pdf=False),
         Column("currency", L("currency"), "code", 6, short=L("cur_short")),
         Column("committed", L("committed_cur"), "amount_cur", 14, pdf=False),
         Column("paid", L("paid_cur"), "amount_cur", 14, pdf=False),
         Column("open", L("open_cur"), "amount_cur", 14),
         Column("rate", L("rate"), "rate", 8, pdf=False),
         Column("committed_eur", L("committed_eur"), "amount", 14, "sum"),
         Column("paid_eur", L("paid_eur"), "amount", 14, "sum", pdf=False),
         Column("open_eur", L("open_eur"), "amount", 14, "sum")),
        [(c.reference, c.entry_date, c.fiscal_year, c.organisation, c.organisation_name,
          c.directorate, c.ab, c.currency, c.committed, c.paid, c.open, c.rate, c.committed_eur,
          c.paid_eur, c.open_eur) for c in lines],
        _tot(lists.open_commitments_total, "committed_eur", "paid_eur", "open_eur"),
        others=others, notes=notes,
    ))

    out.append(Section(
        "ageing", L("sec_ageing"), L("sh_ageing"),
        (Column("bucket", L("ageing"), "code", 14),
         Column("lines", L("lines"), "int", 8, "sum"),
         Column("outstanding_eur", L("outstanding_eur"), "amount", 16, "sum")),
        [(a.bucket, a.lines, a.outstanding_eur) for a in lists.ageing],
        {"lines": int(lists.ageing_total["lines"] or 0),
         "outstanding_eur": lists.ageing_total["outstanding_eur"]},
    ))

    lines, others, notes = selection(None if hl is None else hl.overdue, lists.overdue, L("sh_overdue"),
                                      L("outstanding_eur"), lang)
    out.append(Section(
        "overdue", L("sec_overdue"), L("sh_overdue"),
        (Column("organisation", L("organisation"), "code", 11),
         Column("organisation_name", L("name"), "text", 26, pdf=False),
         Column("directorate", L("directorate"), "code", 7, short=L("dir_short")),
         Column("reference", L("reference"), "code", 16),
         Column("fiscal_year", L("year"), "year", 6, pdf=False),
         Column("due_date", L("due_date"), "date", 9),
         Column("days_overdue", L("days_overdue"), "int", 8),
         Column("bucket", L("ageing"), "code", 8),
         Column("currency", L("currency"), "code", 6, short=L("cur_short")),
         Column("assessed", L("assessed"), "amount_cur", 14, pdf=False),
         Column("paid", L("paid_cur"), "amount_cur", 14, pdf=False),
         Column("outstanding", L("outstanding"), "amount_cur", 14),
         Column("outstanding_eur", L("outstanding_eur"), "amount", 14, "sum")),
        [(o.organisation, o.organisation_name, o.directorate, o.reference, o.fiscal_year,
          o.due_date, o.days_overdue, o.bucket, o.currency, o.assessed, o.paid, o.outstanding,
          o.outstanding_eur) for o in lines],
        _tot(lists.overdue_total, "outstanding_eur"), others=others, notes=notes,
    ))

    for key, every, total, highlight in (
            ("fx_month", lists.fx_month, lists.fx_month_total, None if hl is None else hl.fx_month),
            ("fx_year", lists.fx_year, lists.fx_year_total, None if hl is None else hl.fx_year)):
        lines, others, notes = selection(highlight, every, L(f"sh_{key}"),
                                          L("gain_eur"), lang)
        out.append(Section(
            key, L(f"sec_{key}"), L(f"sh_{key}"),
            (Column("entry_date", L("date"), "date", 9),
             Column("commitment", L("commitment"), "code", 14),
             Column("payment", L("payment"), "code", 14),
             Column("organisation", L("organisation"), "code", 11),
             Column("directorate", L("directorate"), "code", 7, short=L("dir_short")),
             Column("currency", L("currency"), "code", 6, short=L("cur_short")),
             Column("committed_eur", L("committed_eur"), "amount", 15, "sum"),
             Column("gain_eur", L("gain_eur"), "amount", 15, "sum", fx="gain")),
            [(x.entry_date, x.commitment, x.payment, x.organisation, x.directorate, x.currency,
              x.committed_eur, x.gain_eur) for x in lines],
            _tot(total, "committed_eur", "gain_eur"), others=others, notes=(*notes, fx_legend(lang)),
        ))

    out.append(Section(
        "exposure", L("sec_exposure"), L("sh_exposure"),
        (Column("currency", L("currency"), "code", 6, short=L("cur_short")),
         Column("open", L("open_cur"), "amount_cur", 15),
         Column("rate", L("rate"), "rate", 9),
         Column("rate_date", L("rate_date"), "date", 9),
         Column("eur_booked", L("open_committed_eur"), "amount", 16, "sum"),
         Column("eur_at_rate", L("open_now_eur"), "amount", 16, "sum"),
         Column("difference", L("latent"), "amount", 15, "sum", fx="loss")),
        [(e.currency, e.open, e.rate, e.rate_date, e.eur_booked, e.eur_at_rate,
          e.difference) for e in lists.exposure],
        _tot(lists.exposure_total, "eur_booked", "eur_at_rate", "difference"), notes=(fx_legend(lang),),
    ))
    return out


def tail_sections(report: MonthlyReport, lang: str = "en") -> list[Section]:
    """The data of the PDF's charts (a sheet of the workbook only)."""
    L = lambda key: t(key, lang)  # noqa: E731 - a short alias keeps the tables readable
    out: list[Section] = []
    chart_rows = []
    for curve in (report.curve_last_year, report.curve_this_year):
        for m in curve.months:
            chart_rows.append((curve.year, m.month, month_short(m.month, lang), m.commitment_credits,
                               m.payment_credits, m.cumulative_committed, m.cumulative_paid))
    out.append(Section(
        "chart_data", L("sec_chart_data"), L("sh_chart_data"),
        (Column("year", L("year"), "year", 7),
         Column("month", L("month"), "int", 7),
         Column("month_name", L("month"), "code", 8),
         Column("commitment_credits", L("commitment_credits"), "amount", 18),
         Column("payment_credits", L("payment_credits"), "amount", 18),
         Column("cumulative_committed", L("cum_committed"), "amount", 18),
         Column("cumulative_paid", L("cum_paid"), "amount", 18)),
        chart_rows, None, pdf=False,
    ))
    return out


def _assessed_text(assessed: tuple[tuple[str, Decimal], ...], lang: str) -> str:
    return "\n".join(f"{c} {amount(a, lang)}" for c, a in assessed)


def fx_legend(lang: str) -> str:
    """What the FX columns' colours mean (one meaning across the report)."""
    return t("fx_legend", lang)


def scope_label(report: MonthlyReport, lang: str) -> str:
    """``All directorates`` or ``M2 – United Nations and OIF``."""
    h = report.header
    if h.directorates is None:
        return t("all_directorates", lang)
    return "; ".join(f"{c} – {n}" for c, n in zip(h.directorates, h.directorate_names, strict=True))
