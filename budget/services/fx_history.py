"""Rate history per currency (the stored reference rates) and the rates the commitments
were booked at, for the exchange-rates chart."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, case, func, select

from budget.ledger.models import Commitment, ExchangeRate, Organisation, Payment
from budget.money import normalise_currency
from budget.services.entries import live_conditions
from budget.services.scope import as_decimal, in_year, org_filter, upto
from budget.uow import UnitOfWork

#: The most rates one history returns (about 40 years of ECB working days).
MAX_POINTS = 10_000


@dataclass(frozen=True)
class RatePoint:
    """A stored rate: units of ``currency`` for 1 EUR published on ``rate_date``."""

    rate_date: dt.date
    rate: Decimal
    source: str


@dataclass(frozen=True)
class CommitmentRate:
    """A live foreign-currency commitment and the rate it was booked at."""

    entry_date: dt.date
    reference: str
    organisation: str
    directorate: str
    amount: Decimal
    amount_eur: Decimal
    rate: Decimal


def rate_currencies(uow: UnitOfWork) -> list[str]:
    """The currencies the ledger holds rates for, in alphabetical order."""
    return list(uow.session.scalars(select(ExchangeRate.currency).distinct().order_by(ExchangeRate.currency)))


def rate_history(uow: UnitOfWork, currency: str, *, start: dt.date, end: dt.date) -> list[RatePoint]:
    """The stored rates of ``currency`` published from ``start`` to ``end``, oldest first
    (at most :data:`MAX_POINTS`, the latest ones)."""
    cur = normalise_currency(currency)
    rows = uow.session.execute(
        select(ExchangeRate.rate_date, ExchangeRate.rate, ExchangeRate.source)
        .where(ExchangeRate.currency == cur, ExchangeRate.rate_date >= start, ExchangeRate.rate_date <= end)
        .order_by(ExchangeRate.rate_date.desc()).limit(MAX_POINTS))
    return [RatePoint(d, r, s) for d, r, s in reversed(list(rows))]


def commitment_rates(
    uow: UnitOfWork,
    currency: str,
    *,
    start: dt.date,
    end: dt.date,
    directorates: Sequence[str] | None = None,
) -> list[CommitmentRate]:
    """Commitments in ``currency`` dated ``start`` to ``end`` (neither reversals nor
    reversed), with their booked rate, in date order."""
    cur = normalise_currency(currency)
    rows = uow.session.execute(
        select(Commitment.entry_date, Commitment.reference, Organisation.code,
               Organisation.directorate_code, Commitment.amount, Commitment.amount_eur, Commitment.rate)
        .join(Organisation, Organisation.id == Commitment.organisation_id)
        .where(Commitment.currency == cur, Commitment.entry_date >= start, Commitment.entry_date <= end,
               *live_conditions(Commitment),
               org_filter(directorates))
        .order_by(Commitment.entry_date, Commitment.id).limit(MAX_POINTS))
    return [CommitmentRate(*r) for r in rows]


@dataclass(frozen=True)
class LatestRate:
    currency: str
    rate_date: dt.date
    rate: Decimal
    source: str


def latest_rates(uow: UnitOfWork, as_of: dt.date | None = None) -> list[LatestRate]:
    """The last stored rate of every currency on or before ``as_of`` (one grouped query)."""
    last = (
        select(ExchangeRate.currency.label("cur"), func.max(ExchangeRate.rate_date).label("day"))
        .where(upto(ExchangeRate.rate_date, as_of))
        .group_by(ExchangeRate.currency).subquery()
    )
    rows = uow.session.execute(
        select(ExchangeRate.currency, ExchangeRate.rate_date, ExchangeRate.rate,
               ExchangeRate.source)
        .join(last, and_(last.c.cur == ExchangeRate.currency, last.c.day == ExchangeRate.rate_date))
        .order_by(ExchangeRate.currency)
    )
    return [LatestRate(*r) for r in rows]


@dataclass(frozen=True)
class RateUse:
    """Rates applied to the foreign-currency payments of a year, per currency."""

    currency: str
    payments: int
    amount: Decimal
    amount_eur: Decimal

    @property
    def average_rate(self) -> Decimal | None:
        """The effective rate: currency units per EUR actually paid."""
        if self.amount_eur == 0:
            return None
        return (self.amount / self.amount_eur).quantize(Decimal("0.0001"))


def rates_used(
    uow: UnitOfWork,
    year: int,
    *,
    as_of: dt.date | None = None,
    directorates: Sequence[str] | None = None,
) -> list[RateUse]:
    """Foreign-currency payments dated in ``year``: net count and amounts, effective rate."""
    live_count = func.sum(case((Payment.reverses_id.is_(None), 1), else_=-1))
    stmt = (
        select(Payment.currency, live_count, func.sum(Payment.amount), func.sum(Payment.amount_eur))
        .where(Payment.currency != "EUR", in_year(Payment.entry_date, year),
               upto(Payment.entry_date, as_of))
    )
    if directorates is not None:  # the joins only to apply a directorate limit
        stmt = (stmt.join(Commitment, Commitment.id == Payment.commitment_id)
                .join(Organisation, Organisation.id == Commitment.organisation_id)
                .where(org_filter(directorates)))
    rows = uow.session.execute(stmt.group_by(Payment.currency).order_by(Payment.currency))
    return [RateUse(cur, int(n or 0), as_decimal(a), as_decimal(e)) for cur, n, a, e in rows]


def booked_together(used: Sequence[CommitmentRate]) -> list[list[CommitmentRate]]:
    """The commitments booked on one day at one rate, grouped (in date, rate and reference
    order): the rate history marks them with one dot, since a large ledger books a dozen a
    day and thousands of dots on one another hide the line and say nothing more."""
    ordered = sorted(used, key=lambda u: (u.entry_date, u.rate, u.reference))
    return [list(g) for _, g in itertools.groupby(ordered, key=lambda u: (u.entry_date, u.rate))]
