"""Exchange rates: stored data with date and source, looked up "last on or before"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from budget import bounds, config
from budget.errors import BudgetError, MissingExchangeRateError, ValidationError
from budget.ledger.models import ExchangeRate
from budget.money import checked, fmt, money_column, normalise_currency, rate, to_eur
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


def max_rate_age() -> dt.timedelta:
    """How old the last published rate may be for a day (``BUDGET_MAX_RATE_AGE_DAYS``)."""
    return dt.timedelta(days=config.get("BUDGET_MAX_RATE_AGE_DAYS"))


def usable_quote(currency: str, on: dt.date, found: tuple[Decimal, dt.date, str] | None) -> RateQuote:
    """The rule for every conversion: the last rate on or before ``on`` (``found``: its value,
    publication date and source), provided it was published at most
    ``BUDGET_MAX_RATE_AGE_DAYS`` days before ``on`` (weekends and TARGET holidays have no
    rate; a gap longer than that means the rates were not loaded).

    Raises:
        MissingExchangeRateError: nothing published on or before ``on``, or only an older rate.
    """
    if found is None:
        raise MissingExchangeRateError(
            f"No {currency} exchange rate is published on or before {on.isoformat()}: "
            "load the ECB reference rates (budget import fx FILE) or give the rate."
        )
    value, published, source = found
    if on - published > max_rate_age():
        raise MissingExchangeRateError(
            f"The last {currency} rate before {on.isoformat()} was published on {published.isoformat()}, "
            f"more than {max_rate_age().days} days earlier: load the ECB reference rates "
            "(budget import fx FILE) or give the rate."
        )
    return RateQuote(currency, on, value, published, source)


def rate_on(uow: UnitOfWork, currency: str, on: dt.date) -> RateQuote:
    """The rate (units per EUR) in force on ``on``; EUR is 1 (rule: :func:`usable_quote`).

    Raises:
        MissingExchangeRateError: no rate published on or before ``on``, or only a stale one.
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
    return usable_quote(cur, on, None if row is None else (row.rate, row.rate_date, row.source))


@dataclass
class Conversions:
    """Amounts' EUR equivalents (:func:`convert`), as columns: position ``i`` holds amount
    ``i``'s EUR amount, the rate used, its publication date and its source, unless ``refused``
    holds the refusal of amount ``i`` (or the amount was skipped: all four are None)."""

    eur: list[Decimal | None]
    rate: list[Decimal | None]
    rate_date: list[dt.date | None]
    source: list[str | None]
    refused: dict[int, BudgetError]

    def one(self, index: int = 0) -> tuple[Decimal, Decimal, dt.date | None, str]:
        """Amount ``index``'s conversion (EUR, rate, rate date, source); its refusal raised."""
        if index in self.refused:
            raise self.refused[index]
        eur, r, source = self.eur[index], self.rate[index], self.source[index]
        assert eur is not None and r is not None and source is not None
        return eur, r, self.rate_date[index], source


def convert(
    currencies: Sequence[str | None],
    amounts: Sequence[Decimal | None],
    days: Sequence[dt.date],
    *,
    amounts_eur: Sequence[object | None],
    given_rates: Sequence[object | None] | None = None,
    lookup: Callable[[str, dt.date], RateQuote],
    check_rate: Callable[[str, Decimal, dt.date], object] | None = None,
    max_amount: Decimal | None = None,
) -> Conversions:
    """The one rule converting amounts to EUR (one entry, as a column of one, or a load's
    column); an amount or currency None is skipped (a load's row already refused).

    EUR is at par (an EUR amount given must equal it). Otherwise the EUR amount given wins
    (its rate is the one given, or the one the two amounts imply), then a rate given, then
    ``lookup(currency, on)`` (:func:`rate_on` or a preloaded book applying :func:`usable_quote`).
    ``check_rate(currency, rate, on)`` vets a rate given or implied (:func:`plausible_rate`).
    ``max_amount``: ``BUDGET_MAX_AMOUNT`` already read (a load reads it once).
    """
    n = len(amounts)
    rates = given_rates if given_rates is not None else [None] * n
    # Amounts at par are their own EUR amount: the EUR column starts as the amounts, the rest
    # is filled row by row.
    out = Conversions(list(amounts), [ONE] * n, [None] * n, ["par"] * n, {})
    given_at = [i for i, v in enumerate(amounts_eur) if v is not None]
    given = dict(zip(given_at, money_column([amounts_eur[i] for i in given_at], ["EUR"] * len(given_at),
                                            limit=max_amount), strict=True))
    for i, (currency, amount) in enumerate(zip(currencies, amounts, strict=True)):
        if currency is None or amount is None:
            out.eur[i] = out.rate[i] = out.source[i] = None
        elif currency != "EUR" or (i in given and given[i] != amount):
            try:
                out.eur[i], out.rate[i], out.rate_date[i], out.source[i] = _converted(
                    currency, amount, days[i], given.get(i), rates[i], lookup, check_rate, max_amount)
            except BudgetError as exc:
                out.refused[i] = exc
                out.eur[i] = out.rate[i] = out.source[i] = None
    return out


def _converted(
    currency: str, amount: Decimal, on: dt.date, eur_given: Decimal | BudgetError | None, given_rate: object | None,
    lookup: Callable[[str, dt.date], RateQuote], check_rate: Callable[[str, Decimal, dt.date], object] | None,
    max_amount: Decimal | None,
) -> tuple[Decimal, Decimal, dt.date | None, str]:
    """One amount of :func:`convert` that is not at par without more ado."""
    eur = checked(eur_given) if eur_given is not None else None
    if currency == "EUR":
        if eur != amount:
            raise ValidationError(f"A EUR amount of {fmt(amount)} cannot be worth EUR {fmt(eur)}.")
        return amount, ONE, None, "par"
    if eur is not None:
        if (eur > 0) != (amount > 0) or eur == 0:
            raise ValidationError(f"EUR amount {fmt(eur)} does not match {currency} {fmt(amount)}.")
        r = rate(given_rate) if given_rate is not None else implied_rate(amount, eur)
        if check_rate is not None:
            check_rate(currency, r, on)
        return eur, r, None, "given" if given_rate is not None else "computed"
    if given_rate is not None:
        r = rate(given_rate)
        if check_rate is not None:
            check_rate(currency, r, on)
        return to_eur(amount, currency, r, limit=max_amount), r, None, "given"
    quote = lookup(currency, on)
    return to_eur(amount, currency, quote.rate, limit=max_amount), quote.rate, quote.published, quote.source


def implied_rate(amount: Decimal, amount_eur: Decimal) -> Decimal:
    """The rate (units per EUR) that two amounts of one value imply, to ten decimals."""
    return (amount / amount_eur).quantize(Decimal("1E-10"))


def known_rate(uow: UnitOfWork, currency: str, on: dt.date) -> Decimal | None:
    """The stored rate nearest ``on`` whatever its age: the last on or before it, else the
    first after it (None when the ledger holds none): what a new rate is compared with."""
    base = select(ExchangeRate.rate).where(ExchangeRate.currency == currency)
    before = uow.session.scalar(
        base.where(ExchangeRate.rate_date <= on).order_by(ExchangeRate.rate_date.desc()).limit(1))
    if before is not None:
        return before
    return uow.session.scalar(base.where(ExchangeRate.rate_date > on).order_by(ExchangeRate.rate_date).limit(1))


def plausible_rate(uow: UnitOfWork, currency: str, value: Decimal, on: dt.date, *, force: bool = False) -> Decimal:
    """``value`` when it lies within ``BUDGET_RATE_BAND`` of the known rate of ``currency``
    around ``on`` (or ``force`` is given); else :class:`~budget.bounds.ImplausibleRateError`."""
    return rate_within_band(currency, value, on, None if force else known_rate(uow, currency, on), force=force)


def rate_within_band(currency: str, value: Decimal, on: dt.date, known: Decimal | None, *,
                     force: bool = False) -> Decimal:
    """The rule of :func:`plausible_rate` with the known rate already read (a bulk load reads
    it once per currency and day)."""
    if not force and currency != "EUR":
        bounds.rate_band(currency, value, known, where=f"On {on.isoformat()}, the ")
    return value


def _check_bands(uow: UnitOfWork, rows: list[dict[str, object]], where: str) -> None:
    """Each loaded rate against the one before it (in the file, else in the ledger)."""
    by_currency: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        by_currency.setdefault(str(row["currency"]), []).append(row)
    factor = Decimal(config.get("BUDGET_RATE_BAND"))
    for cur, items in by_currency.items():
        items.sort(key=lambda r: r["rate_date"])  # type: ignore[arg-type,return-value]
        previous = known_rate(uow, cur, items[0]["rate_date"])  # type: ignore[arg-type]
        for row in items:
            value: Decimal = row["rate"]  # type: ignore[assignment]
            if previous is not None and not (value * factor >= previous and value <= previous * factor):
                at = f"row {row['source_row']}, " if row.get("source_row") else ""
                bounds.rate_band(cur, value, previous, where=f"{where}{at}{row['rate_date']}: the ",
                                 override="load the file with BUDGET_RATE_BAND set higher")
            previous = value


def record_rates(
    uow: UnitOfWork,
    rates: Iterable[tuple[str, dt.date, Decimal] | tuple[str, dt.date, Decimal, int | None]],
    source: str = "ECB",
    *,
    source_sheet: str | None = None,
) -> int:
    """Insert new rates in bulk (one ``executemany``); return how many were written.

    The caller passes only rates whose (currency, date) is not stored yet; the unique
    constraint refuses a duplicate so nothing is ever written twice. An optional fourth
    item is the source row (line of the file). Each currency code is checked once, each
    rate checked positive; the insert skips the ORM's per-row bookkeeping (the full ECB
    history, ~200,000 rates, went from 8 s to about the time of a plain executemany).
    """
    from budget.services.bulk import fast_insert

    codes: dict[str, str] = {}
    rows = []
    for item in rates:
        cur, day, value = item[0], item[1], item[2]
        code = codes.get(cur)
        if code is None:
            code = codes[cur] = normalise_currency(cur)
        try:
            r = bounds.rate_value(value, value) if isinstance(value, Decimal) and value.is_finite() and value > 0 \
                else rate(value)
        except BudgetError as exc:
            at = f"row {item[3]}, " if len(item) > 3 and item[3] else ""
            raise type(exc)(f"{source_sheet or source}, {at}{code} {day}: {exc}") from None
        rows.append({
            "currency": code,
            "rate_date": day,
            "rate": r,
            "source": source,
            "source_sheet": source_sheet,
            "source_row": item[3] if len(item) > 3 else None,
        })
    if rows:
        _check_bands(uow, rows, f"{source_sheet or source}, ")
        fast_insert(uow, ExchangeRate, rows)
        uow.audit("record_rates", "exchange_rate", None, count=len(rows), source=source)
    return len(rows)


def stored_rates(uow: UnitOfWork, currencies: Iterable[str] | None = None) -> dict[tuple[str, dt.date], Decimal]:
    """Every stored rate as ``{(currency, date): rate}`` (optionally for some currencies)."""
    stmt = select(ExchangeRate.currency, ExchangeRate.rate_date, ExchangeRate.rate)
    if currencies is not None:
        stmt = stmt.where(ExchangeRate.currency.in_(list(currencies)))
    return {(c, d): r for c, d, r in uow.session.execute(stmt)}
