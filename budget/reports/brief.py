"""The monthly report's first page and its analyses, as plain data (no rendering).

Page 1 answers "are we on track, what is at risk?" in two minutes: the headline figures this
year against the same day last year, three to five key messages drawn from them, how each
figure is valued, and a bridge from what is outstanding to what is overdue and what is
committed. The analyses behind it (credits make-up, assessed not yet committed, dues of the
next three months, the month's execution per AB against last year, arrears against last
year, FX sensitivity) are tables of the report.

Every figure comes from the service layer's single definitions (:mod:`budget.services.views`);
this module only sums, subtracts and ranks them, in Decimal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from budget.days import month_end
from budget.money import ZERO, ratio, to_eur
from budget.services import views
from budget.services.exchange import exposure_totals, moved_rate
from budget.services.outlook import DEFAULT_SENSITIVITY, OutlookRow, lapses
from budget.services.periods import period_rows
from budget.services.views import AGEING_BUCKETS, Exposure, OutstandingLine
from budget.uow import UnitOfWork

#: The change of exchange rate the sensitivity line applies to each open foreign currency.
SENSITIVITY = DEFAULT_SENSITIVITY

#: A key message names the AB whose commitment credits the year-end outlook projects to
#: lapse most (no carry-over after 31 December) when more than this share of them lapses.
LAPSE_MIN_SHARE = Decimal("0.05")

#: The credit stages in the order a year lives them (views.credit_history's ``stage``).
STAGES: tuple[str, ...] = ("provisional", "initial", "adjustment", "reallocation", "blocked")

#: How many months of dues ahead the report lists.
DUE_MONTHS = 3


@dataclass(frozen=True)
class Headline:
    """One figure of page 1: this year, last year (same day), the change."""

    key: str
    current: Decimal | None
    previous: Decimal | None
    change: Decimal | None
    #: The label key of the line saying how this figure is valued.
    valuation: str


@dataclass(frozen=True)
class Message:
    """A key message: its kind (label key), the subject it names and the figure it stands on."""

    key: str
    subject: str
    amount: Decimal
    #: A second figure some messages cite: the share of credits left (a fraction)...
    share: Decimal | None = None
    #: ... or the change against last year (EUR).
    change: Decimal | None = None


@dataclass(frozen=True)
class BridgeLine:
    key: str
    amount: Decimal
    #: "start", "less", "equals": how the line reads in the bridge.
    role: str


@dataclass(frozen=True)
class CreditsMakeUp:
    """The credits of one AB and type as the sum of their stages (EUR)."""

    ab: str
    credit_type: str
    stages: tuple[Decimal, ...]  # in STAGES order
    total: Decimal


@dataclass(frozen=True)
class NotCommitted:
    organisation: str
    name: str
    directorate: str
    assessed_eur: Decimal
    committed: Decimal
    not_committed: Decimal


@dataclass(frozen=True)
class DueSoon:
    due_date: dt.date
    organisation: str
    directorate: str
    reference: str
    currency: str
    outstanding: Decimal
    outstanding_eur: Decimal


@dataclass(frozen=True)
class MonthByAb:
    """The month's own execution of an AB (not cumulative), this year and last year."""

    ab: str
    committed: Decimal
    committed_last_year: Decimal
    paid_in_year: Decimal
    paid_last_year: Decimal

    @property
    def committed_change(self) -> Decimal:
        return self.committed - self.committed_last_year

    @property
    def paid_change(self) -> Decimal:
        return self.paid_in_year - self.paid_last_year


@dataclass(frozen=True)
class ArrearsCompared:
    bucket: str
    current: Decimal
    previous: Decimal
    change: Decimal


@dataclass(frozen=True)
class Sensitivity:
    """What a move of ± :data:`SENSITIVITY` in a currency's rate does to its open amount."""

    currency: str
    open: Decimal
    eur_at_rate: Decimal | None
    #: EUR more to pay with the euro 5 % weaker (the rate × 0.95).
    impact: Decimal | None
    #: EUR less to pay (negative) with the euro 5 % stronger (the rate × 1.05).
    impact_down: Decimal | None


#: A table's totals row: (column key, sum) pairs; None where a line's figure is unknown.
Sums = tuple[tuple[str, Decimal | None], ...]


@dataclass(frozen=True)
class Brief:
    """Page 1 and the analyses (see the module's docstring)."""

    headline: tuple[Headline, ...]
    messages: tuple[Message, ...]
    bridge: tuple[BridgeLine, ...]
    credits_make_up: tuple[CreditsMakeUp, ...]
    not_committed: tuple[NotCommitted, ...]
    due_soon: tuple[DueSoon, ...]
    month_by_ab: tuple[MonthByAb, ...]
    arrears_compared: tuple[ArrearsCompared, ...]
    sensitivity: tuple[Sensitivity, ...]
    #: Each analysis table's totals row, by table key (:func:`table_totals`).
    totals: tuple[tuple[str, Sums], ...] = ()

    def totals_of(self, table: str) -> dict[str, Decimal | None]:
        """The totals row of the analysis table ``table`` keyed by column."""
        return dict(dict(self.totals).get(table, ()))


def _fx_risk(lines: Sequence[Exposure]) -> Decimal | None:
    """The exposure's difference at the rate of the day (None when a currency has no rate)."""
    return exposure_totals(lines).difference


def _change(current: Decimal | None, previous: Decimal | None) -> Decimal | None:
    return None if current is None or previous is None else current - previous


def headline(
    current: views.Totals, previous: views.Totals, arrears_now: views.Arrears,
    arrears_then: views.Arrears, exposure_now: Sequence[Exposure], exposure_then: Sequence[Exposure],
) -> tuple[Headline, ...]:
    """The page-1 table: credits, committed, paid in the year, open, available, overdue and
    FX risk, this year against the same day last year."""
    pairs: list[tuple[str, Decimal | None, Decimal | None, str]] = [
        ("commitment_credits", current.commitment_credits, previous.commitment_credits, "val_credits"),
        ("payment_credits", current.payment_credits, previous.payment_credits, "val_credits"),
        ("committed", current.committed, previous.committed, "val_booked"),
        ("paid_in_year", current.paid_in_year, previous.paid_in_year, "val_paid"),
        ("open", current.open, previous.open, "val_booked"),
        ("available", current.available, previous.available, "val_booked"),
        ("overdue_total", arrears_now.total_eur, arrears_then.total_eur, "val_overdue"),
        ("fx_risk", _fx_risk(exposure_now), _fx_risk(exposure_then), "val_fx_risk"),
    ]
    return tuple(Headline(k, c, p, _change(c, p), v) for k, c, p, v in pairs)


def messages(
    lines: Sequence[Headline], overdue: Sequence[OutstandingLine], outlook_rows: Sequence[OutlookRow],
) -> tuple[Message, ...]:
    """Three to five key messages, each standing on one figure of the report.

    - the organisation with the largest overdue amount (EUR);
    - the headline figure that moved most against last year (absolute EUR);
    - the AB whose commitment credits the year-end outlook projects to lapse most on 31
      December (:func:`budget.services.outlook.lapses`), when more than
      :data:`LAPSE_MIN_SHARE` of them lapses;
    - the FX risk of the open foreign-currency commitments;
    - the total overdue against last year.
    """
    out: list[Message] = []
    per_org: dict[str, Decimal] = {}
    for o in overdue:
        per_org[o.organisation] = per_org.get(o.organisation, ZERO) + o.outstanding_eur
    if per_org:
        org, value = max(per_org.items(), key=lambda kv: (kv[1], kv[0]))
        out.append(Message("msg_largest_overdue", org, value))
    # Overdue and FX risk have messages of their own.
    moved = [x for x in lines if x.change is not None and x.key not in ("fx_risk", "overdue_total")]
    if moved:
        top = max(moved, key=lambda x: abs(x.change or ZERO))
        if top.change:
            out.append(Message("msg_largest_variance", top.key, top.change))
    credits = {r.key: r.commitment_credits or ZERO for r in outlook_rows}
    for ab, lapse in lapses(outlook_rows, "commitment"):  # largest first
        share = ratio(lapse, credits[ab])
        if share is not None and share > LAPSE_MIN_SHARE:
            out.append(Message("msg_lapsing", ab, lapse, share))
            break
    risk = next(x for x in lines if x.key == "fx_risk")
    if risk.current is not None:
        out.append(Message("msg_fx_risk", "", risk.current))
    overdue_line = next(x for x in lines if x.key == "overdue_total")
    if len(out) < 5 and overdue_line.current is not None:
        out.append(Message("msg_overdue_total", "", overdue_line.current,
                           change=overdue_line.change))
    if len(out) < 3:
        out.append(Message("msg_execution", "", lines[2].current or ZERO))
    return tuple(out[:5])


def bridge(arrears_now: views.Arrears, open_total: Decimal) -> tuple[BridgeLine, ...]:
    """Outstanding assessments = overdue + not yet due; set against the open commitments,
    the difference is what is outstanding without an open commitment (assessed not yet
    committed, and the booked rates' differences). Adds up to the cent by construction."""
    not_due = arrears_now.not_yet_due_eur
    outstanding = arrears_now.total_eur + not_due
    return (
        BridgeLine("br_outstanding", outstanding, "start"),
        BridgeLine("br_not_yet_due", not_due, "less"),
        BridgeLine("br_overdue", arrears_now.total_eur, "equals"),
        BridgeLine("br_outstanding_again", outstanding, "start"),
        BridgeLine("br_open", open_total, "less"),
        BridgeLine("br_not_covered", outstanding - open_total, "equals"),
    )


def credits_make_up(history: Sequence[views.CreditLine]) -> tuple[CreditsMakeUp, ...]:
    """Each AB's credits (commitment, then payment) as the sum of their stages, from the
    credit history as of the report's day."""
    sums: dict[tuple[str, str], list[Decimal]] = {}
    for c in history:
        acc = sums.setdefault((c.ab, c.credit_type), [ZERO] * len(STAGES))
        acc[STAGES.index(c.stage) if c.stage in STAGES else 0] += c.amount
    return tuple(CreditsMakeUp(ab, kind, tuple(v), sum(v, ZERO))
                 for (ab, kind), v in sorted(sums.items()))


def not_committed(rows: Sequence[views.ExecutionRow]) -> tuple[NotCommitted, ...]:
    """Organisations whose year's assessments (EUR) exceed what is committed for them."""
    out = [NotCommitted(r.key, r.name, r.directorate or "", r.assessed_eur, r.committed,
                        r.assessed_eur - r.committed)
           for r in rows if r.assessed_eur - r.committed > ZERO]
    return tuple(sorted(out, key=lambda x: (-x.not_committed, x.organisation)))


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day when it has fewer days)."""
    import calendar

    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_soon(arrears_now: views.Arrears, end: dt.date) -> tuple[DueSoon, ...]:
    """What falls due in the :data:`DUE_MONTHS` months after the report's day, by due date."""
    limit = add_months(end, DUE_MONTHS)
    out = [DueSoon(o.due_date, o.organisation, o.directorate, o.reference, o.currency, o.outstanding,
                   o.outstanding_eur)
           for o in arrears_now.falling_due(limit) if o.due_date > end]
    return tuple(sorted(out, key=lambda x: (x.due_date, x.organisation, x.reference)))


def month_by_ab(
    now: views.Execution, before: views.Execution, last: views.Execution, last_before: views.Execution
) -> tuple[MonthByAb, ...]:
    """The month's committed and paid per AB, this year and last year: a period's figures
    (:func:`budget.services.periods.period_rows`) from the executions already read at the
    month end and at the previous month end."""
    this = {r.key: (r.committed, r.paid_in_year) for r in period_rows(now, before)}
    then = {r.key: (r.committed, r.paid_in_year) for r in period_rows(last, last_before)}
    zero = (ZERO, ZERO)
    return tuple(MonthByAb(ab, this.get(ab, zero)[0], then.get(ab, zero)[0], this.get(ab, zero)[1],
                           then.get(ab, zero)[1])
                 for ab in sorted(set(this) | set(then)))


def arrears_compared(now: views.Arrears, then: views.Arrears) -> tuple[ArrearsCompared, ...]:
    """Overdue by ageing bucket, this year against the same day last year."""
    return tuple(ArrearsCompared(b, now.buckets[b], then.buckets[b], now.buckets[b] - then.buckets[b])
                 for b in AGEING_BUCKETS)


def sensitivity(exposure: Sequence[Exposure]) -> tuple[Sensitivity, ...]:
    """Each open foreign currency's EUR at the day's rate moved by ∓ :data:`SENSITIVITY`
    (:func:`budget.services.exchange.moved_rate`, as the outlook and the what-if move it),
    against its EUR at the day's rate: a euro 5 % weaker costs about 5.3 % more, 5 %
    stronger about 4.8 % less."""
    def change(x: Exposure, fraction: Decimal) -> Decimal | None:
        if x.rate is None or x.eur_at_rate is None:
            return None
        return to_eur(x.open, x.currency, moved_rate(x.rate, fraction)) - x.eur_at_rate

    return tuple(Sensitivity(x.currency, x.open, x.eur_at_rate, change(x, -SENSITIVITY), change(x, SENSITIVITY))
                 for x in exposure)


def _column_sums(rows: Sequence[tuple[Decimal | None, ...]], keys: Sequence[str]) -> Sums:
    """Each column's sum, in Decimal; None for a column holding an unknown figure."""
    out: list[tuple[str, Decimal | None]] = []
    for i, key in enumerate(keys):
        values = [r[i] for r in rows]
        out.append((key, None if any(v is None for v in values) else sum((v or ZERO for v in values), ZERO)))
    return tuple(out)


def table_totals(
    make_up: Sequence[CreditsMakeUp], by_month: Sequence[MonthByAb], not_yet: Sequence[NotCommitted],
    due: Sequence[DueSoon], compared: Sequence[ArrearsCompared], sens: Sequence[Sensitivity],
) -> tuple[tuple[str, Sums], ...]:
    """The totals rows of the analysis tables (their keys are the tables' column keys)."""
    out = [(f"credits_{kind}", _column_sums([(*c.stages, c.total) for c in make_up if c.credit_type == kind],
                                            (*STAGES, "total")))
           for kind in ("commitment", "payment")]
    out.append(("month_by_ab", _column_sums(
        [(m.committed, m.committed_last_year, m.committed_change, m.paid_in_year, m.paid_last_year, m.paid_change)
         for m in by_month],
        ("committed", "committed_ly", "committed_change", "paid", "paid_ly", "paid_change"))))
    out.append(("not_committed", _column_sums([(x.assessed_eur, x.committed, x.not_committed) for x in not_yet],
                                              ("assessed_eur", "committed", "not_committed"))))
    out.append(("due_soon", _column_sums([(x.outstanding_eur,) for x in due], ("outstanding_eur",))))
    out.append(("arrears_compared", _column_sums([(a.current, a.previous, a.change) for a in compared],
                                                 ("current", "previous", "change"))))
    out.append(("sensitivity", _column_sums([(s.eur_at_rate, s.impact, s.impact_down) for s in sens],
                                            ("eur_at_rate", "up", "down"))))
    return tuple(out)


def build_brief(
    uow: UnitOfWork, year: int, month: int, end: dt.date, scope: Sequence[str] | None, *,
    by_ab: views.Execution, by_org: views.Execution, arrears_now: views.Arrears,
    exposure_now: Sequence[Exposure], previous_totals: views.Totals, open_total: Decimal,
    outlook_rows: Sequence[OutlookRow],
) -> Brief:
    """Read what page 1 and the analyses need beyond what the report has already read
    (``outlook_rows``: the year-end outlook per AB, for the message on lapsing credits)."""
    last_end = month_end(year - 1, month)
    arrears_then = views.arrears(uow, last_end, directorates=scope)
    exposure_then = views.exposure(uow, as_of=last_end, directorates=scope)
    lines = headline(by_org.totals, previous_totals, arrears_now, arrears_then, exposure_now, exposure_then)
    prev_month_end = dt.date(year, month, 1) - dt.timedelta(days=1)
    last_prev_end = dt.date(year - 1, month, 1) - dt.timedelta(days=1)
    before = (views.execution(uow, year, "ab", as_of=prev_month_end, directorates=scope)
              if month > 1 else None)
    last = views.execution(uow, year - 1, "ab", as_of=last_end, directorates=scope)
    last_before = (views.execution(uow, year - 1, "ab", as_of=last_prev_end, directorates=scope)
                   if month > 1 else None)
    empty = views.Execution(year, "ab", None, by_ab.totals, [])
    make_up = credits_make_up(views.credit_history(uow, year, directorates=scope, as_of=end))
    not_yet, due = not_committed(by_org.rows), due_soon(arrears_now, end)
    by_month = month_by_ab(by_ab, before or empty, last, last_before or empty)
    compared, sens = arrears_compared(arrears_now, arrears_then), sensitivity(exposure_now)
    return Brief(
        headline=lines,
        messages=messages(lines, arrears_now.overdue, outlook_rows),
        bridge=bridge(arrears_now, open_total),
        credits_make_up=make_up,
        not_committed=not_yet,
        due_soon=due,
        month_by_ab=by_month,
        arrears_compared=compared,
        sensitivity=sens,
        totals=table_totals(make_up, by_month, not_yet, due, compared, sens),
    )
