"""The year-end outlook in the monthly pack (#14, #15), as plain data (no rendering).

The same figures as ``budget outlook`` and the dashboard's Outlook page, as of the report's
day: :func:`budget.services.outlook.outlook` (per AB, at the rates of that day, ± the service's
default sensitivity) and :func:`budget.services.timeliness.timeliness` (the year's calls, per
organisation). This module calls them once and sums their lines for the tables' totals rows;
it computes no figure of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from budget.errors import MissingExchangeRateError
from budget.money import ZERO
from budget.services import outlook as service
from budget.services import timeliness as tl
from budget.services.outlook import CreditNeed, MonthPlan, OutlookRow, RateUsed
from budget.services.timeliness import TimelinessGroup
from budget.uow import UnitOfWork

#: A table's totals: (column key, sum) pairs, the shape of :class:`budget.reports.monthly.Totals`.
Sums = tuple[tuple[str, Decimal | None], ...]


@dataclass(frozen=True)
class PackOutlook:
    """Where the year lands on 31 December as of the report's day, and how timely calls are paid."""

    as_of: dt.date
    #: False when a currency has no usable rate of the day: the outlook's tables are then empty.
    available: bool
    sensitivity: Decimal
    rates: tuple[RateUsed, ...]
    #: Per AB: actual + expected vs the credits (balance: + lapses, − shortfall).
    rows: tuple[OutlookRow, ...]
    total: OutlookRow | None
    cash_plan: tuple[MonthPlan, ...]
    cash_plan_total: Sums
    credit_needs: tuple[CreditNeed, ...]
    credit_needs_total: Sums
    #: Per organisation, the calls of the report's year.
    timeliness: tuple[TimelinessGroup, ...]
    timeliness_total: Sums
    within_days: int
    #: The ABs heading for a shortfall of payment credits, largest first: (AB, EUR short).
    shortfalls: tuple[tuple[str, Decimal], ...]


def _sums(items: Sequence[object], *attrs: str) -> Sums:
    return tuple((a, sum((getattr(x, a) for x in items), ZERO)) for a in attrs)


def build_outlook(uow: UnitOfWork, year: int, end: dt.date, scope: Sequence[str] | None) -> PackOutlook:
    """The outlook of ``year`` and the timeliness of its calls, as of ``end`` (the report's day)."""
    t = tl.timeliness(uow, year, as_of=end, directorates=scope)
    timeliness = tuple(t.organisations)
    timeliness_total = _sums(timeliness, "count", "eur")
    try:
        o = service.outlook(uow, year, as_of=end, directorates=scope)
    except MissingExchangeRateError:
        return PackOutlook(end, False, service.DEFAULT_SENSITIVITY, (), (), None, (), (), (), (), timeliness,
                           timeliness_total, t.within_days, ())
    short = service.shortfalls(o.rows, "payment")
    return PackOutlook(
        as_of=end, available=True, sensitivity=o.sensitivity, rates=tuple(o.rates), rows=tuple(o.rows),
        total=o.total, cash_plan=tuple(o.cash_plan),
        cash_plan_total=_sums(o.cash_plan, "paid", "expected_payments", "committed", "expected_commitments"),
        credit_needs=tuple(o.credit_needs),
        credit_needs_total=_sums(o.credit_needs, "committed_eur", "needed_eur", "adjustment"),
        timeliness=timeliness, timeliness_total=timeliness_total, within_days=t.within_days,
        shortfalls=tuple(short),
    )
