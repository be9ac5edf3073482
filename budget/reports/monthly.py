"""The monthly report's data: every figure, as of the last day of the month, as plain data.

This module is the only place where report arithmetic happens (totals, changes against last
year, statuses, cumulated credits); the renderers (:mod:`budget.reports.pdf`,
:mod:`budget.reports.xlsx`) only lay the figures out. Figures come from the service layer's
reads (:mod:`budget.services.views`, :mod:`budget.services.periods`), so the report
agrees with the dashboard to the cent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, fields, is_dataclass, replace
from decimal import Decimal
from operator import attrgetter
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from budget.days import month_end
from budget.errors import ValidationError
from budget.money import ZERO, ratio
from budget.reports.brief import Brief, build_brief
from budget.reports.outlook_pack import PackOutlook, build_outlook
from budget.services import exchange, organisation_status, periods, reference, status, views
from budget.services.names import display_name, name_book, renamed
from budget.services.periods import PaymentLine
from budget.services.views import (
    AGEING_BUCKETS,
    ExchangeDifference,
    Exposure,
    OpenCommitment,
    OutstandingLine,
)
from budget.uow import UnitOfWork

#: How many import batches the header lists.
HEADER_BATCHES = 5

#: How many lines of each long list (payments, open commitments, overdue lines, exchange
#: differences) the PDF prints: the largest; one more line sums the others, and the
#: workbook lists them all.
PDF_TOP = 25

STATUSES = status.STATUSES


def parse_month(value: str | dt.date) -> tuple[int, int]:
    """``"2026-10"`` (or a date) → ``(2026, 10)``; raise ``ValidationError`` otherwise."""
    if isinstance(value, dt.date):
        return value.year, value.month
    match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", str(value))
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValidationError(f"Month must be written YYYY-MM (e.g. 2026-10), not {value!r}.")
    return int(match.group(1)), int(match.group(2))


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class BatchRef:
    """An import batch the ledger stands on."""

    id: int
    kind: str
    file_name: str
    created_at: dt.datetime
    created_by: str
    rows_read: int


@dataclass(frozen=True)
class Header:
    year: int
    month: int
    start: dt.date
    end: dt.date
    generated_at: dt.datetime
    #: None: every directorate; else the codes the report is limited to.
    directorates: tuple[str, ...] | None
    directorate_names: tuple[str, ...]
    batches: tuple[BatchRef, ...]
    data_version: int


@dataclass(frozen=True)
class Figures:
    """The headline figures of a fiscal year as of a date (EUR)."""

    as_of: dt.date
    commitment_credits: Decimal
    payment_credits: Decimal
    assessed_eur: Decimal
    committed: Decimal
    paid: Decimal
    open: Decimal
    available: Decimal
    paid_in_year: Decimal
    #: Overdue as of ``as_of`` (None for last year's figures: the arrears of a past date
    #: cost a pass over every assessment and payment, and the summary compares execution).
    overdue_eur: Decimal | None
    commitment_rate: Decimal | None
    payment_rate: Decimal | None
    paid_rate: Decimal | None


@dataclass(frozen=True)
class SummaryLine:
    """One indicator this year against the same date last year."""

    key: str
    kind: str  # "amount" or "rate"
    current: Decimal | None
    previous: Decimal | None
    #: amount: current − previous; rate: difference in percentage points (fraction).
    change: Decimal | None


@dataclass(frozen=True)
class Summary:
    current: Figures
    previous: Figures
    lines: tuple[SummaryLine, ...]


@dataclass(frozen=True)
class DirectorateLine:
    code: str
    name: str
    assessed_eur: Decimal
    committed: Decimal
    paid: Decimal
    open: Decimal
    paid_rate: Decimal | None
    paid_in_year: Decimal


@dataclass(frozen=True)
class AllocationLine:
    code: str
    label: str
    directorate: str
    commitment_credits: Decimal
    committed: Decimal
    available: Decimal
    commitment_rate: Decimal | None
    payment_credits: Decimal
    paid_in_year: Decimal
    payment_rate: Decimal | None


@dataclass(frozen=True)
class OrganisationLine:
    code: str
    name: str
    directorate: str
    #: Assessed amounts per currency, e.g. (("CHF", ...), ("USD", ...)).
    assessed: tuple[tuple[str, Decimal], ...]
    assessed_eur: Decimal
    committed: Decimal
    paid: Decimal
    open: Decimal
    paid_rate: Decimal | None
    due_date: dt.date | None
    status: str

    @property
    def assessed_text(self) -> str:
        """``USD 1,234.00 + CHF 56.00`` (amounts formatted in English; renderers localise)."""
        return " + ".join(f"{c} {a:,.2f}" for c, a in self.assessed)


@dataclass(frozen=True)
class Totals:
    """Sum of a table's EUR columns, keyed by column name."""

    values: tuple[tuple[str, Decimal | None], ...]

    def __getitem__(self, key: str) -> Decimal | None:
        return dict(self.values)[key]


@dataclass(frozen=True)
class AgeingLine:
    bucket: str
    outstanding_eur: Decimal
    lines: int


@dataclass(frozen=True)
class ChartMonth:
    """One month of the cumulative curve (EUR; floats are derived only when plotting)."""

    month: int
    commitment_credits: Decimal
    payment_credits: Decimal
    cumulative_committed: Decimal
    cumulative_paid: Decimal


@dataclass(frozen=True)
class Curve:
    year: int
    #: Months up to the report's month (this year) or the whole year (last year).
    months: tuple[ChartMonth, ...]


@dataclass(frozen=True)
class Highlight:
    """The lines of a long list that the PDF prints, and what the other lines add up to.

    A month of a large ledger has thousands of open commitments, overdue lines and exchange
    differences: the PDF for the hierarchy prints the most significant ones and one line
    for the rest, the workbook lists them all. ``lines`` plus ``others`` equal the list's
    totals to the cent.
    """

    #: The lines printed, most significant first.
    lines: tuple[Any, ...]
    #: How many lines the list has in all.
    count: int
    #: Sums of the lines left out (same keys as the list's totals; zero when none is).
    others: Totals
    #: The column the lines are ranked by (largest absolute amount first).
    ranked_by: str

    @property
    def more(self) -> int:
        """How many lines are left out of the PDF."""
        return self.count - len(self.lines)


@dataclass(frozen=True)
class Highlights:
    """The PDF's selection of each long list (see :class:`Highlight`)."""

    payments: Highlight
    open_commitments: Highlight
    overdue: Highlight
    fx_month: Highlight
    fx_year: Highlight
    #: The outlook's credit needs, largest adjustment first (None: no outlook in the report).
    credit_needs: Highlight | None = None


@dataclass(frozen=True)
class MonthLists:
    """The report's long lists, every line, with their totals."""

    payments: tuple[PaymentLine, ...]
    payments_total: Totals
    open_commitments: tuple[OpenCommitment, ...]
    open_commitments_total: Totals
    overdue: tuple[OutstandingLine, ...]
    overdue_total: Totals
    ageing: tuple[AgeingLine, ...]
    ageing_total: Totals
    fx_month: tuple[ExchangeDifference, ...]
    fx_month_total: Totals
    fx_year: tuple[ExchangeDifference, ...]
    fx_year_total: Totals
    exposure: tuple[Exposure, ...]
    exposure_total: Totals


@dataclass(frozen=True)
class MonthlyReport:
    """Everything the monthly PDF and workbook show, with the totals they print."""

    header: Header
    summary: Summary
    by_directorate: tuple[DirectorateLine, ...]
    by_directorate_total: Totals
    by_allocation: tuple[AllocationLine, ...]
    by_allocation_total: Totals
    by_organisation: tuple[OrganisationLine, ...]
    by_organisation_total: Totals
    #: Assessed amounts of all organisations per currency (the per-currency columns' totals).
    by_organisation_assessed: tuple[tuple[str, Decimal], ...]
    #: Payments of the month, open commitments, overdue lines, ageing, exchange differences
    #: and exposure: every line, with their totals.
    lists: MonthLists
    curve_this_year: Curve
    curve_last_year: Curve
    #: What the PDF prints of the long lists (derived from them; not in the fingerprint).
    highlights: Highlights
    fingerprint: str
    #: Page 1 (headline, key messages, valuation, bridge) and the analyses behind it.
    brief: Brief | None = None
    #: The year-end outlook and the timeliness of the year's calls (#15), as of the report's day.
    outlook: PackOutlook | None = None

    @property
    def period(self) -> str:
        return f"{self.header.year:04d}-{self.header.month:02d}"


# --------------------------------------------------------------------------- building


def _sum(items: Sequence[Any], attr: str) -> Decimal:
    return sum((getattr(x, attr) for x in items), ZERO)


def _totals(items: Sequence[Any], *attrs: str, **ratios: tuple[str, str]) -> Totals:
    values: dict[str, Decimal | None] = {a: _sum(items, a) for a in attrs}
    for name, (part, whole) in ratios.items():
        values[name] = ratio(values[part] or ZERO, values[whole] or ZERO)
    return Totals(tuple(values.items()))


def _figures(
    uow: UnitOfWork, year: int, as_of: dt.date, directorates: Sequence[str] | None,
    arrears: views.Arrears | None = None, ex: views.Execution | None = None,
) -> Figures:
    ex = ex or views.execution(uow, year, "directorate", as_of=as_of, directorates=directorates)
    tot = ex.totals
    return Figures(
        as_of=as_of, commitment_credits=tot.commitment_credits, payment_credits=tot.payment_credits,
        assessed_eur=tot.assessed_eur, committed=tot.committed, paid=tot.paid, open=tot.open,
        available=tot.available, paid_in_year=tot.paid_in_year, overdue_eur=arrears.total_eur if arrears else None,
        commitment_rate=tot.commitment_rate, payment_rate=tot.payment_rate, paid_rate=tot.paid_rate,
    )


def _summary(current: Figures, previous: Figures) -> Summary:
    lines = []
    for key in ("commitment_credits", "payment_credits", "assessed_eur", "committed", "paid",
                "open", "available", "paid_in_year", "overdue_eur"):
        c, p = getattr(current, key), getattr(previous, key)
        lines.append(SummaryLine(key, "amount", c, p, None if c is None or p is None else c - p))
    for key in ("commitment_rate", "payment_rate", "paid_rate"):
        c, p = getattr(current, key), getattr(previous, key)
        lines.append(SummaryLine(key, "rate", c, p, None if c is None or p is None else c - p))
    return Summary(current, previous, tuple(lines))


def _curve(
    uow: UnitOfWork, year: int, upto_month: int, as_of: dt.date, directorates: Sequence[str] | None
) -> Curve:
    months = views.monthly(uow, year, as_of=as_of, directorates=directorates)
    credits = views.credit_history(uow, year, directorates=directorates, as_of=as_of)
    out = []
    for m in months[:upto_month]:
        end = month_end(year, m.month)
        cc = sum((c.amount for c in credits if c.credit_type == "commitment" and c.entry_date <= end), ZERO)
        pc = sum((c.amount for c in credits if c.credit_type == "payment" and c.entry_date <= end), ZERO)
        out.append(ChartMonth(m.month, cc, pc, m.cumulative_committed, m.cumulative_paid))
    return Curve(year, tuple(out))


def build_monthly(
    uow: UnitOfWork,
    month: str | dt.date,
    *,
    directorates: Sequence[str] | None = None,
    generated_at: dt.datetime | None = None,
    top: int = PDF_TOP,
    lang: str = "en",
) -> MonthlyReport:
    """Build the monthly report of ``month`` (``YYYY-MM``) as of its last day, naming the
    organisations, ABs and directorates in ``lang`` (the reader's language).

    Args:
        uow: a (read-only) unit of work.
        month: the reported month.
        directorates: limit to these directorate codes (None: all).
        generated_at: the generation time printed on the report (default: now, UTC).
        top: how many lines of each long list the PDF prints (the largest); the workbook
            has every line.
        lang: ``en``, ``fr`` or ``nl``: the names' language (English where none is given;
            the figures, and so the fingerprint of an English report, do not change).

    Raises:
        ValidationError: a malformed month.
        UnknownDirectorateError: a directorate code that does not exist.
    """
    year, mon = parse_month(month)
    start, end = dt.date(year, mon, 1), month_end(year, mon)
    scope = None if directorates is None else tuple(reference.check_directorates(uow, directorates))
    names = {d.code: display_name(d, lang) for d in views.directorates_list(uow)}
    batches = batches_as_of(uow, end)
    header = Header(
        year=year, month=mon, start=start, end=end,
        generated_at=(generated_at or dt.datetime.now(dt.UTC)).replace(tzinfo=None, microsecond=0),
        directorates=scope, directorate_names=tuple(names[c] for c in scope or ()),
        batches=batches, data_version=views.data_version(uow),
    )

    # The long lists; the arrears serve the summary and the organisations' statuses too.
    arrears = views.arrears(uow, end, directorates=scope)
    lists = _read_lists(uow, year, start, end, scope, arrears, lang)

    # Executive summary: this year at the month end against the same month end last year.
    # One execution read by organisation serves the summary, the organisation table and the
    # directorate table (every organisation belongs to one directorate, so the directorate
    # rows are exact sums of the organisation rows: one read of the year fewer).
    last_end = month_end(year - 1, mon)
    by_org = views.execution(uow, year, "organisation", as_of=end, directorates=scope, lang=lang)
    current = _figures(uow, year, end, scope, arrears, by_org)
    previous_ex = views.execution(uow, year - 1, "directorate", as_of=last_end, directorates=scope)
    by_ab = views.execution(uow, year, "ab", as_of=end, directorates=scope, lang=lang)
    outlook = build_outlook(uow, year, end, scope)
    brief = build_brief(uow, year, mon, end, scope, by_ab=by_ab, by_org=by_org, arrears_now=arrears,
                        exposure_now=lists.exposure, previous_totals=previous_ex.totals,
                        open_total=lists.open_commitments_total["open_eur"] or ZERO, outlook_rows=outlook.rows)
    # Last year's overdue on the same day is read for page 1: the summary shows it too.
    overdue_then = next(x.previous for x in brief.headline if x.key == "overdue_total")
    previous = replace(_figures(uow, year - 1, last_end, scope, ex=previous_ex), overdue_eur=overdue_then)
    summary = _summary(current, previous)

    ab_dirs = {a.code: a.directorate or "" for a in views.allocations(uow, scope)}
    allocations_ = tuple(
        AllocationLine(r.key, r.name, ab_dirs.get(r.key, ""), r.commitment_credits or ZERO,
                       r.committed, r.available or ZERO, r.commitment_rate, r.payment_credits or ZERO,
                       r.paid_in_year, r.payment_rate)
        for r in by_ab.rows
    )

    # By organisation, with the status of the year's assessments at the month end (the
    # year's lines still to pay are among the arrears already read, overdue or not).
    year_lines = [o for o in (*arrears.overdue, *arrears.not_yet_due) if o.fiscal_year == year]
    statuses = organisation_status.statuses(uow, year, end, by_org, year_lines, scope)
    organisations_ = [
        OrganisationLine(
            code=s.code, name=s.name, directorate=s.directorate,
            assessed=tuple(sorted(s.assessed.items())), assessed_eur=s.assessed_eur,
            committed=s.committed, paid=s.paid, open=s.open, paid_rate=s.paid_rate,
            due_date=s.due_date, status=s.status)
        for s in statuses
    ]
    # By directorate: the sums of the organisations (every organisation belongs to one), as
    # on the Directorates page: every directorate in scope, with zeros when it has nothing.
    directorates_ = tuple(
        DirectorateLine(d.code, d.name, d.assessed_eur, d.committed, d.paid, d.open, d.paid_rate, d.paid_in_year)
        for d in organisation_status.directorate_status(statuses, views.directorates_list(uow), scope, lang))

    report = MonthlyReport(
        header=header,
        summary=summary,
        by_directorate=directorates_,
        by_directorate_total=_totals(directorates_, "assessed_eur", "committed", "paid", "open",
                                     "paid_in_year", paid_rate=("paid", "committed")),
        by_allocation=allocations_,
        by_allocation_total=_totals(allocations_, "commitment_credits", "committed", "available",
                                    "payment_credits", "paid_in_year",
                                    commitment_rate=("committed", "commitment_credits"),
                                    payment_rate=("paid_in_year", "payment_credits")),
        by_organisation=tuple(organisations_),
        by_organisation_total=_totals(organisations_, "assessed_eur", "committed", "paid", "open",
                                      paid_rate=("paid", "committed")),
        by_organisation_assessed=_per_currency(organisations_),
        lists=lists,
        curve_this_year=_curve(uow, year, mon, end, scope),
        curve_last_year=_curve(uow, year - 1, 12, end, scope),
        highlights=Highlights(
            payments=highlight(lists.payments, lists.payments_total, "amount_eur", top),
            open_commitments=highlight(lists.open_commitments, lists.open_commitments_total,
                                       "open_eur", top),
            overdue=highlight(lists.overdue, lists.overdue_total, "outstanding_eur", top),
            fx_month=highlight(lists.fx_month, lists.fx_month_total, "gain_eur", top),
            fx_year=highlight(lists.fx_year, lists.fx_year_total, "gain_eur", top),
            credit_needs=highlight(outlook.credit_needs, Totals(outlook.credit_needs_total), "adjustment", top),
        ),
        fingerprint="",
        brief=brief,
        outlook=outlook,
    )
    return _with_fingerprint(report)


def batches_as_of(uow: UnitOfWork, end: dt.date) -> tuple[BatchRef, ...]:
    """The last :data:`HEADER_BATCHES` import batches created on or before ``end`` (a report
    as of 30 November does not stand on a file loaded in December)."""
    limit = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    kept = [b for b in views.import_batches(uow) if b.created_at.replace(tzinfo=None) < limit]
    return tuple(BatchRef(b.id, b.kind, b.file_name, b.created_at, b.created_by, b.rows_read)
                 for b in kept[:HEADER_BATCHES])


def _read_lists(
    uow: UnitOfWork, year: int, start: dt.date, end: dt.date, scope: Sequence[str] | None,
    arrears: views.Arrears,
    lang: str = "en",
) -> MonthLists:
    payments = tuple(periods.payments_between(uow, start, end, directorates=scope))
    open_ = tuple(views.open_commitments(uow, as_of=end, directorates=scope))
    overdue = tuple(arrears.overdue)
    ageing = tuple(AgeingLine(b, arrears.buckets[b], sum(1 for o in overdue if o.bucket == b))
                   for b in AGEING_BUCKETS)
    fx_year = tuple(views.exchange_differences(uow, year=year, end=end, directorates=scope))
    # The month's differences are the year's dated in the month (one read instead of two).
    fx_month = tuple(x for x in fx_year if x.entry_date >= start)
    exposure = tuple(views.exposure_of(uow, open_, as_of=end))
    # The lines name their organisation in the reader's language.
    shown = name_book(uow).shown("organisation", lang)
    payments = renamed(payments, shown, "organisation", "organisation_name")
    open_ = renamed(open_, shown, "organisation", "organisation_name")
    overdue = renamed(overdue, shown, "organisation", "organisation_name")
    return MonthLists(
        payments=payments,
        payments_total=_totals(payments, "amount_eur"),
        open_commitments=open_,
        open_commitments_total=_totals(open_, "committed_eur", "paid_eur", "open_eur"),
        overdue=overdue,
        overdue_total=_totals(overdue, "outstanding_eur"),
        ageing=ageing,
        ageing_total=Totals((("outstanding_eur", arrears.total_eur), ("lines", Decimal(len(overdue))))),
        fx_month=fx_month,
        fx_month_total=_totals(fx_month, "committed_eur", "gain_eur"),
        fx_year=fx_year,
        fx_year_total=_totals(fx_year, "committed_eur", "gain_eur"),
        exposure=exposure,
        exposure_total=_exposure_total(exposure),
    )


def _per_currency(lines: Sequence[OrganisationLine]) -> tuple[tuple[str, Decimal], ...]:
    out: dict[str, Decimal] = {}
    for line in lines:
        for cur, value in line.assessed:
            out[cur] = out.get(cur, ZERO) + value
    return tuple(sorted(out.items()))


def highlight(lines: Sequence[Any], total: Totals, rank: str, top: int) -> Highlight:
    """The ``top`` lines of largest absolute ``rank`` amount, and the sums of the others.

    When every line fits, they keep the list's own order; otherwise the printed lines go
    largest first (ties in the list's order). The others' sums are the list's totals minus
    the printed lines: exact in Decimal, so printed lines + others = totals to the cent.
    """
    if len(lines) <= top:
        shown = tuple(lines)
    else:
        shown = tuple(heapq.nlargest(top, lines, key=lambda x: abs(getattr(x, rank))))
    others = Totals(tuple(
        (key, None if value is None else value - _sum(shown, key)) for key, value in total.values
    ))
    return Highlight(shown, len(lines), others, rank)


def _exposure_total(lines: Sequence[Exposure]) -> Totals:
    t = exchange.exposure_totals(lines)
    return Totals((("eur_booked", t.eur_booked), ("eur_at_rate", t.eur_at_rate), ("difference", t.difference)))


# --------------------------------------------------------------------------- fingerprint


def _scalar(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in fields(value)}
    raise TypeError(f"not canonical: {type(value).__name__}")


def _rows(lines: tuple[Any, ...]) -> list[str]:
    """The lines of a list as text: each line's field values as a tuple's ``repr``.

    One call per line rather than one per value: on a large ledger the lists hold thousands
    of lines and the JSON encoder's callback per Decimal cost more than the hash. ``repr``
    of the ledger's values is canonical (Decimals read from integer cents keep two
    decimals, dates print as ``datetime.date(2026, 10, 31)``).
    """
    if not lines:
        return []
    names = [f.name for f in fields(lines[0])]
    get = attrgetter(*names)
    if len(names) == 1:
        return [repr((get(x),)) for x in lines]
    return [repr(get(x)) for x in lines]


def fingerprint_of(report: MonthlyReport) -> str:
    """SHA-256 of the report's figures in canonical JSON (each line of a list as the ``repr``
    of its values, see :func:`_rows`).

    The generation time, the list of import batches and the data version are left out: they
    change without changing any figure of the month, and the same ledger and month must give
    the same fingerprint. The PDF's selection of lines (``highlights``) is left out too: it
    derives from the lists, which are in.
    """
    header = {f.name: getattr(report.header, f.name) for f in fields(report.header)
              if f.name not in ("generated_at", "batches", "data_version")}
    data: dict[str, Any] = {}
    # The long lists' fields stand beside the others (as they did before MonthLists).
    named = [(f.name, getattr(report, f.name)) for f in fields(report) if f.name != "lists"]
    named += [(f.name, getattr(report.lists, f.name)) for f in fields(report.lists)]
    for name, value in named:
        if name in ("header", "fingerprint", "highlights"):
            continue
        is_list = isinstance(value, tuple) and bool(value) and is_dataclass(value[0])
        data[name] = _rows(value) if is_list else value
    data["header"] = header
    # json's C encoder walks the data; only Decimals, dates and the few small dataclasses
    # (summary, totals, curves) reach _scalar.
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=_scalar)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _with_fingerprint(report: MonthlyReport) -> MonthlyReport:
    from dataclasses import replace

    return replace(report, fingerprint=fingerprint_of(report))


def monthly_report(
    session_factory: sessionmaker[Session],
    month: str | dt.date,
    *,
    directorates: Sequence[str] | None = None,
    user: str = "report",
    generated_at: dt.datetime | None = None,
    top: int = PDF_TOP,
    lang: str = "en",
) -> MonthlyReport:
    """Build the report in its own read-only unit of work (one consistent snapshot); see
    :func:`build_monthly`."""
    with UnitOfWork(session_factory, user=user, channel="report", write=False) as uow:
        if uow.session.get_bind().dialect.name == "postgresql":
            # Every read of the report sees the same committed state (SQLite's read
            # transaction in WAL mode is already one snapshot).
            uow.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        return build_monthly(uow, month, directorates=directorates, generated_at=generated_at,
                             top=top, lang=lang)
