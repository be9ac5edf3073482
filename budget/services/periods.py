"""Periods of a fiscal year (month, quarter, year to date, a custom range) and the figures
of a period: what was committed and paid between two business dates, and the same period a
year earlier.

A period figure is the year's figure of :func:`budget.services.execution.execution` as of
the period's last day minus the same figure as of the day before its first day: the one
definition of each figure, taken at two dates, never a second copy of the rule. A period
that opens on 1 January subtracts nothing (entries of the year dated before it count in
its first month, as in the monthly curve), so "year to date" equals the yearly figure.
Balances (open, available) stay "as of" the period's end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased

from budget import bounds
from budget.days import month_end
from budget.errors import ValidationError
from budget.ledger.models import Assessment, Commitment, Organisation, Payment
from budget.money import ZERO, json_amount, ratio
from budget.services.execution import DIMENSIONS, Execution, execution
from budget.services.scope import org_filter, upto
from budget.uow import UnitOfWork

#: The kinds of period a reader chooses (the dashboard's selector offers them in this order).
PERIOD_KINDS: tuple[str, ...] = ("ytd", "month", "quarter", "year", "custom")


def year_start(year: int) -> dt.date:
    return dt.date(year, 1, 1)


def year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def same_day_a_year_earlier(day: dt.date) -> dt.date:
    """The same calendar day one year earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class Period:
    """Business dates ``start`` to ``end``, both included, within one fiscal year."""

    start: dt.date
    end: dt.date
    kind: str = "custom"

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def from_year_start(self) -> bool:
        """True when the period opens on 1 January (nothing before it to subtract)."""
        return self.start == year_start(self.start.year)

    def a_year_earlier(self) -> Period:
        """The same days of the previous fiscal year (to compare with, "to the same day")."""
        return Period(same_day_a_year_earlier(self.start), same_day_a_year_earlier(self.end), self.kind)

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "start": self.start.isoformat(), "end": self.end.isoformat()}


def period(start: dt.date, end: dt.date, kind: str = "custom") -> Period:
    """A checked period: dates the ledger holds (``bounds.day``), ``start`` on or before
    ``end``, both in one fiscal year (a period's figures are that year's).

    Raises:
        ValidationError: the dates are reversed, out of range, or in two fiscal years.
    """
    bounds.day(start, "The period's first day")
    bounds.day(end, "The period's last day")
    if start > end:
        raise ValidationError(
            f"The period starts on {start.isoformat()}, after its end {end.isoformat()}: "
            "choose a first day on or before the last.")
    if start.year != end.year:
        raise ValidationError(
            f"The period {start.isoformat()} to {end.isoformat()} spans two fiscal years: "
            "choose dates within one year.")
    return Period(start, end, kind)


def period_of(
    kind: str,
    year: int,
    *,
    as_of: dt.date | None = None,
    month: int | None = None,
    quarter: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    today: dt.date | None = None,
) -> Period:
    """The period of ``kind`` in fiscal ``year``.

    ``ytd``: 1 January to ``as_of`` (default: ``today``, or 31 December of a past year);
    ``month`` (1-12) and ``quarter`` (1-4): that month or quarter; ``year``: the whole year;
    ``custom``: ``start`` to ``end``. A month, quarter or year still running on ``today``
    ends on ``today`` (so that it compares with last year "to the same day").

    Raises:
        ValidationError: an unknown kind, month or quarter, or dates :func:`period` refuses.
    """
    year = bounds.fiscal_year(year)
    today = today or dt.date.today()
    if kind == "ytd":
        day = as_of or (today if today.year == year else year_end(year))
        return period(year_start(year), day, kind)
    if kind == "custom":
        if start is None or end is None:
            raise ValidationError("A custom period needs its first and its last day.")
        return period(start, end, kind)
    if kind == "month":
        if month is None or month not in range(1, 13):
            raise ValidationError(f"{month!r} is not a month: choose 1 to 12.")
        first, last = dt.date(year, month, 1), month_end(year, month)
    elif kind == "quarter":
        if quarter is None or quarter not in range(1, 5):
            raise ValidationError(f"{quarter!r} is not a quarter: choose 1 to 4.")
        first, last = dt.date(year, 3 * quarter - 2, 1), month_end(year, 3 * quarter)
    elif kind == "year":
        first, last = year_start(year), year_end(year)
    else:
        raise ValidationError(f"Periods are {', '.join(PERIOD_KINDS)}, not {kind!r}.")
    if first <= today < last:
        last = today
    return period(first, last, kind)


# --------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class PeriodRow:
    """One organisation, directorate, AB or currency in a period (EUR).

    ``committed``: the year's commitments and adjustments dated in the period; ``paid``:
    payments on the year's commitments dated in it; ``paid_in_year``: every payment dated in
    it (set against payment credits); ``open_at_end``: committed minus paid as of its end.
    """

    key: str
    name: str
    committed: Decimal
    paid: Decimal
    paid_in_year: Decimal
    open_at_end: Decimal

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "committed": json_amount(self.committed),
                "paid": json_amount(self.paid), "paid_in_year": json_amount(self.paid_in_year),
                "open_at_end": json_amount(self.open_at_end)}


@dataclass(frozen=True)
class PeriodExecution:
    """A period's figures per ``by`` key; ``totals`` adds the rows up to the cent."""

    by: str
    period: Period
    rows: list[PeriodRow]
    totals: PeriodRow

    def to_json(self) -> dict[str, Any]:
        return {"by": self.by, "period": self.period.to_json(), "totals": self.totals.to_json(),
                "rows": [r.to_json() for r in self.rows]}


def _figures(ex: Execution | None) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    if ex is None:
        return {}
    return {r.key: (r.committed, r.paid, r.paid_in_year) for r in ex.rows}


def period_rows(at_end: Execution, before: Execution | None) -> list[PeriodRow]:
    """A period's figures per row from the year's execution at the period's end and the day
    before it starts (None: the period starts with the year). The report's month per AB reads
    its two executions once and calls this too."""
    earlier = _figures(before)
    rows = []
    for r in at_end.rows:
        c0, p0, y0 = earlier.get(r.key, (ZERO, ZERO, ZERO))
        rows.append(PeriodRow(r.key, r.name, r.committed - c0, r.paid - p0, r.paid_in_year - y0, r.open))
    return rows


def period_execution(
    uow: UnitOfWork,
    span: Period,
    by: str = "directorate",
    *,
    directorates: Sequence[str] | None = None,
) -> PeriodExecution:
    """The figures of ``span`` by organisation, directorate, AB or currency: the year's
    execution as of the period's end minus the same as of the day before it starts."""
    if by not in DIMENSIONS:
        raise ValidationError(f"Periods are summed by {', '.join(DIMENSIONS)}, not {by!r}.")
    at_end = execution(uow, span.year, by, as_of=span.end, directorates=directorates)
    before = None if span.from_year_start else execution(
        uow, span.year, by, as_of=span.start - dt.timedelta(days=1), directorates=directorates)
    rows = period_rows(at_end, before)
    totals = PeriodRow(
        "", "",
        sum((r.committed for r in rows), ZERO), sum((r.paid for r in rows), ZERO),
        sum((r.paid_in_year for r in rows), ZERO), sum((r.open_at_end for r in rows), ZERO))
    return PeriodExecution(by, span, rows, totals)


@dataclass(frozen=True)
class Change:
    """A figure this period and in the same period a year earlier."""

    this: Decimal
    last: Decimal

    @property
    def difference(self) -> Decimal:
        return self.this - self.last

    @property
    def rate(self) -> Decimal | None:
        """The difference as a fraction of last year's figure (None when that was nil)."""
        return ratio(self.difference, self.last)

    def to_json(self) -> dict[str, Any]:
        return {"this": json_amount(self.this), "last": json_amount(self.last),
                "difference": json_amount(self.difference),
                "rate": None if self.rate is None else str(self.rate)}


@dataclass(frozen=True)
class YearOverYearRow:
    """One key's committed, paid in the year and paid on the year's commitments, this
    period against last year's."""

    key: str
    name: str
    committed: Change
    paid_in_year: Change
    paid: Change

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "committed": self.committed.to_json(),
                "paid_in_year": self.paid_in_year.to_json(), "paid": self.paid.to_json()}


@dataclass(frozen=True)
class YearOverYear:
    """This period against the same days a year earlier, per ``by`` key, with totals."""

    by: str
    period: Period
    last_period: Period
    rows: list[YearOverYearRow]
    totals: YearOverYearRow

    def to_json(self) -> dict[str, Any]:
        return {"by": self.by, "period": self.period.to_json(), "last_period": self.last_period.to_json(),
                "totals": self.totals.to_json(), "rows": [r.to_json() for r in self.rows]}


def year_over_year(
    uow: UnitOfWork,
    span: Period,
    by: str = "directorate",
    *,
    directorates: Sequence[str] | None = None,
) -> YearOverYear:
    """Committed, paid in the year and paid on the year's commitments during ``span`` and during the same days a year
    earlier (:func:`period_execution` twice), per key; keys of either year are kept."""
    earlier = span.a_year_earlier()
    now = period_execution(uow, span, by, directorates=directorates)
    then = period_execution(uow, earlier, by, directorates=directorates)
    last = {r.key: r for r in then.rows}
    names = {r.key: r.name for r in then.rows} | {r.key: r.name for r in now.rows}
    this = {r.key: r for r in now.rows}
    nil = PeriodRow("", "", ZERO, ZERO, ZERO, ZERO)
    rows = []
    for key in sorted(names):
        a, b = this.get(key, nil), last.get(key, nil)
        rows.append(YearOverYearRow(key, names[key], Change(a.committed, b.committed),
                                    Change(a.paid_in_year, b.paid_in_year), Change(a.paid, b.paid)))
    totals = YearOverYearRow(
        "", "", Change(now.totals.committed, then.totals.committed),
        Change(now.totals.paid_in_year, then.totals.paid_in_year), Change(now.totals.paid, then.totals.paid))
    return YearOverYear(by, span, earlier, rows, totals)


# --------------------------------------------------------------------------- in a window


@dataclass(frozen=True)
class PaymentLine:
    """One payment (or reversal of a payment: negative amounts) made in a period."""

    entry_date: dt.date
    reference: str
    commitment: str
    fiscal_year: int
    organisation: str
    organisation_name: str
    directorate: str
    currency: str
    amount: Decimal
    amount_eur: Decimal
    rate: Decimal
    reversal: bool


def payments_between(
    uow: UnitOfWork,
    start: dt.date,
    end: dt.date,
    *,
    directorates: Sequence[str] | None = None,
) -> list[PaymentLine]:
    """Every payment row dated from ``start`` to ``end`` (both included), in date order.

    Reversals are listed too (negative amounts), so the lines add up to what
    :func:`budget.services.views.monthly` counts as paid in the month.
    """
    rows = uow.session.execute(
        select(Payment.entry_date, Payment.reference, Commitment.reference, Commitment.fiscal_year,
               Organisation.code, Organisation.name, Organisation.directorate_code,
               Payment.currency, Payment.amount, Payment.amount_eur, Payment.rate,
               Payment.reverses_id.is_not(None))
        .join(Commitment, Commitment.id == Payment.commitment_id)
        .join(Organisation, Organisation.id == Commitment.organisation_id)
        .where(Payment.entry_date >= start, Payment.entry_date <= end, org_filter(directorates))
        .order_by(Payment.entry_date, Payment.reference, Payment.id)
    )
    return [PaymentLine(*r) for r in rows]  # type: ignore[call-arg]  # one row = one line


@dataclass(frozen=True)
class DueDates:
    """First and last due date of an organisation's live assessments of a fiscal year."""

    organisation: str
    first: dt.date
    last: dt.date


def due_dates(
    uow: UnitOfWork,
    year: int,
    *,
    as_of: dt.date | None = None,
    directorates: Sequence[str] | None = None,
) -> dict[str, DueDates]:
    """Due dates of each organisation's live assessments of ``year`` registered by ``as_of``."""
    # A reversal (dated by ``as_of``) is looked up per assessment of the year along the index
    # on reverses_id (a ``NOT IN`` list of every reversal walked the whole table).
    reversal = aliased(Assessment)
    reversed_ = exists().where(reversal.reverses_id == Assessment.id, upto(reversal.entry_date, as_of))
    rows = uow.session.execute(
        select(Organisation.code, func.min(Assessment.due_date), func.max(Assessment.due_date))
        .join(Organisation, Organisation.id == Assessment.organisation_id)
        .where(Assessment.fiscal_year == year, Assessment.reverses_id.is_(None),
               ~reversed_, upto(Assessment.entry_date, as_of), org_filter(directorates))
        .group_by(Organisation.code)
    )
    return {code: DueDates(code, first, last) for code, first, last in rows}
