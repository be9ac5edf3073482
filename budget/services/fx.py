"""Exchange rates: stored data with date and source, looked up "last on or before"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import insert, select

from budget.errors import MissingExchangeRateError
from budget.ledger.models import ExchangeRate
from budget.money import normalise_currency, rate
from budget.uow import UnitOfWork

ONE = Decimal(1)


@dataclass(frozen=True)
class RateQuote:
    """The rate used for ``date``: the last one published on or before it."""

    currency: str
    date: dt.date
    rate: Decimal
    published: dt.date
    source: str


def rate_on(uow: UnitOfWork, currency: str, on: dt.date) -> RateQuote:
    """The rate (units per EUR) in force on ``on``; EUR is 1.

    Raises:
        MissingExchangeRateError: nothing published for ``currency`` on or before ``on``.
    """
    cur = normalise_currency(currency)
    if cur == "EUR":
        return RateQuote("EUR", on, ONE, on, "par")
    row = uow.session.execute(
        select(ExchangeRate.rate, ExchangeRate.rate_date, ExchangeRate.source)
        .where(ExchangeRate.currency == cur, ExchangeRate.rate_date <= on)
        .order_by(ExchangeRate.rate_date.desc())
        .limit(1)
    ).first()
    if row is None:
        raise MissingExchangeRateError(
            f"No {cur} exchange rate is published on or before {on.isoformat()}: "
            "load the ECB reference rates first (budget import fx FILE)."
        )
    return RateQuote(cur, on, row.rate, row.rate_date, row.source)


def latest_rate(uow: UnitOfWork, currency: str) -> RateQuote | None:
    """The newest rate known for ``currency`` (None when there is none)."""
    try:
        return rate_on(uow, currency, dt.date.max)
    except MissingExchangeRateError:
        return None


def record_rates(
    uow: UnitOfWork,
    rates: Iterable[tuple[str, dt.date, Decimal]],
    source: str = "ECB",
) -> int:
    """Insert new rates in bulk (one ``executemany``); return how many were written.

    The caller passes only rates whose (currency, date) is not stored yet; the unique
    constraint refuses a duplicate so nothing is ever written twice.
    """
    stamp = uow.stamp()
    rows = [
        {
            "currency": normalise_currency(cur),
            "rate_date": day,
            "rate": rate(value),
            "source": source,
            "source_sheet": None,
            "source_row": None,
            **stamp,
        }
        for cur, day, value in rates
    ]
    if rows:
        uow.session.execute(insert(ExchangeRate), rows)
        uow.audit("record_rates", "exchange_rate", None, count=len(rows), source=source)
    return len(rows)


def stored_rates(uow: UnitOfWork, currencies: Iterable[str] | None = None) -> dict[tuple[str, dt.date], Decimal]:
    """Every stored rate as ``{(currency, date): rate}`` (optionally for some currencies)."""
    stmt = select(ExchangeRate.currency, ExchangeRate.rate_date, ExchangeRate.rate)
    if currencies is not None:
        stmt = stmt.where(ExchangeRate.currency.in_(list(currencies)))
    return {(c, d): r for c, d, r in uow.session.execute(stmt)}
