"""Exchange: realised differences, and the exposure of open foreign-currency commitments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    case,
    func,
    select,
    type_coerce,
)

from budget.ledger.models import (
    Commitment,
    CommitmentAdjustment,
    Organisation,
    Payment,
)
from budget.ledger.types import Money
from budget.money import ZERO, json_amount, to_eur
from budget.services.commitments import OpenCommitment, open_commitments_of
from budget.services.scope import as_decimal, in_year, org_filter, upto
from budget.uow import UnitOfWork


@dataclass(frozen=True)
class ExchangeDifference:
    """An exchange difference realised when a foreign-currency commitment was settled."""

    entry_date: dt.date
    commitment: str
    payment: str
    organisation: str
    directorate: str
    currency: str
    committed_eur: Decimal
    #: Positive: a gain (less EUR paid than committed); negative: a loss.
    gain_eur: Decimal
    commitment_rate: Decimal | None = None
    #: The settling payment's rate (None: realised by a decrease that closed the commitment).
    payment_rate: Decimal | None = None

    def to_json(self) -> dict[str, Any]:
        return {"date": self.entry_date.isoformat(), "commitment": self.commitment, "payment": self.payment,
                "organisation": self.organisation, "directorate": self.directorate, "currency": self.currency,
                "commitment_rate": None if self.commitment_rate is None else str(self.commitment_rate),
                "payment_rate": None if self.payment_rate is None else str(self.payment_rate),
                "committed_eur": json_amount(self.committed_eur), "gain_eur": json_amount(self.gain_eur)}


def exchange_differences(
    uow: UnitOfWork,
    *,
    year: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    directorates: Sequence[str] | None = None,
) -> list[ExchangeDifference]:
    """Realised exchange differences (net of reversed payments), by date of settlement."""
    cond = [CommitmentAdjustment.kind == "exchange_difference", org_filter(directorates)]
    if year is not None:
        cond.append(in_year(CommitmentAdjustment.entry_date, year))
    if start is not None:
        cond.append(CommitmentAdjustment.entry_date >= start)
    if end is not None:
        cond.append(CommitmentAdjustment.entry_date <= end)
    return _differences(uow, cond)


def differences_on(uow: UnitOfWork, commitments: Any, as_of: dt.date | None = None) -> list[ExchangeDifference]:
    """:func:`exchange_differences` realised on ``commitments`` (a SELECT of commitment ids)
    by ``as_of``, whatever their year: an organisation's detail."""
    return _differences(uow, [CommitmentAdjustment.kind == "exchange_difference",
                              CommitmentAdjustment.commitment_id.in_(commitments),
                              upto(CommitmentAdjustment.entry_date, as_of)])


def _differences(uow: UnitOfWork, cond: list[Any], limit: int | None = None) -> list[ExchangeDifference]:
    # Columns, not ORM objects: loading every adjustment and commitment as objects cost
    # seconds on a twenty-year ledger.
    stmt = (
        select(CommitmentAdjustment.entry_date, Commitment.reference, CommitmentAdjustment.reference,
               Organisation.code, Organisation.directorate_code, Commitment.currency,
               Commitment.amount_eur, CommitmentAdjustment.amount_eur, CommitmentAdjustment.id,
               Commitment.rate, Payment.rate)
        .join(Commitment, Commitment.id == CommitmentAdjustment.commitment_id)
        .join(Organisation, Organisation.id == Commitment.organisation_id)
        .outerjoin(Payment, Payment.id == CommitmentAdjustment.payment_id)
        .where(*cond)
    )
    if limit is None:
        stmt = stmt.order_by(CommitmentAdjustment.entry_date, CommitmentAdjustment.id)
    else:  # the largest, ties in date order, then shown in date order
        stmt = stmt.order_by(func.abs(CommitmentAdjustment.amount_eur).desc(),
                             CommitmentAdjustment.entry_date, CommitmentAdjustment.id).limit(limit)
    rows = sorted(uow.session.execute(stmt), key=lambda r: (r[0], r[8]))
    return [
        ExchangeDifference(
            entry_date=day, commitment=com_ref, payment=adj_ref.removeprefix("FX-"),
            organisation=ocode, directorate=dcode, currency=cur, committed_eur=committed_eur,
            gain_eur=-adj_eur, commitment_rate=com_rate, payment_rate=pay_rate,
        )
        for day, com_ref, adj_ref, ocode, dcode, cur, committed_eur, adj_eur, _id, com_rate, pay_rate in rows
    ]


@dataclass(frozen=True)
class DifferenceSlice:
    """The ``top`` largest realised differences (by size, shown in date order; all of them
    without a ``top``), with the count, gains and losses of all of them."""

    lines: list[ExchangeDifference]
    count: int
    gains: Decimal
    losses: Decimal

    @property
    def net(self) -> Decimal:
        """Gains and losses together (the losses are negative)."""
        return self.gains + self.losses


def exchange_difference_view(
    uow: UnitOfWork,
    *,
    year: int,
    end: dt.date | None = None,
    directorates: Sequence[str] | None = None,
    top: int | None = 200,
    start: dt.date | None = None,
) -> DifferenceSlice:
    """:func:`exchange_differences` of ``year`` from ``start`` up to ``end``, summed in SQL
    (the one rule of gains and losses), with only the ``top`` largest as lines (a page's
    table; the download reads them all) or every line (``top=None``)."""
    cond = [CommitmentAdjustment.kind == "exchange_difference", org_filter(directorates),
            in_year(CommitmentAdjustment.entry_date, year), upto(CommitmentAdjustment.entry_date, end)]
    if start is not None:
        cond.append(CommitmentAdjustment.entry_date >= start)
    gain = -CommitmentAdjustment.amount_eur
    n, gains, losses = uow.session.execute(
        select(func.count(),
               type_coerce(func.coalesce(func.sum(case((gain > 0, gain), else_=0)), 0), Money),
               type_coerce(func.coalesce(func.sum(case((gain < 0, gain), else_=0)), 0), Money))
        .select_from(CommitmentAdjustment)
        .join(Commitment, Commitment.id == CommitmentAdjustment.commitment_id)
        .join(Organisation, Organisation.id == Commitment.organisation_id)
        .where(*cond)
    ).one()
    return DifferenceSlice(_differences(uow, cond, top), int(n), as_decimal(gains), as_decimal(losses))


@dataclass(frozen=True)
class Exposure:
    """What is still to pay on open commitments in one foreign currency, as booked and at the
    rate in force on the day (``rate`` None: no usable rate that day)."""

    currency: str
    open: Decimal
    eur_booked: Decimal
    rate: Decimal | None
    rate_date: dt.date | None
    eur_at_rate: Decimal | None

    @property
    def difference(self) -> Decimal | None:
        """EUR at the day's rate minus EUR as booked: positive is a latent loss (more EUR needed)."""
        if self.eur_at_rate is None:
            return None
        return self.eur_at_rate - self.eur_booked

    def to_json(self) -> dict[str, Any]:
        def amount(value: Decimal | None) -> str | None:
            return None if value is None else json_amount(value)

        return {"currency": self.currency, "open": json_amount(self.open),
                "eur_booked": json_amount(self.eur_booked), "rate": None if self.rate is None else str(self.rate),
                "rate_date": None if self.rate_date is None else self.rate_date.isoformat(),
                "eur_at_rate": amount(self.eur_at_rate), "difference": amount(self.difference)}


@dataclass(frozen=True)
class ExposureTotals:
    """The exposure's EUR columns added up. A currency without a rate of the day has no EUR
    value now: the totals at the rate are then unknown (None) rather than silently short."""

    eur_booked: Decimal
    eur_at_rate: Decimal | None
    difference: Decimal | None

    @property
    def latent(self) -> str | None:
        """``"loss"`` when the open exposure needs more EUR at the day's rates than booked,
        ``"gain"`` when fewer, None when even or unknown (a currency without a rate)."""
        if self.difference is None or self.difference == 0:
            return None
        return "loss" if self.difference > 0 else "gain"


def exposure_totals(lines: Sequence[Exposure]) -> ExposureTotals:
    complete = all(x.eur_at_rate is not None for x in lines)
    return ExposureTotals(
        sum((x.eur_booked for x in lines), ZERO),
        sum((x.eur_at_rate or ZERO for x in lines), ZERO) if complete else None,
        sum((x.difference or ZERO for x in lines), ZERO) if complete else None)


def exposure(
    uow: UnitOfWork, *, as_of: dt.date | None = None, directorates: Sequence[str] | None = None
) -> list[Exposure]:
    """Open foreign-currency commitments per currency as of ``as_of`` (default today), as
    booked and at the rate in force that day."""
    day = as_of or dt.date.today()
    return exposure_of(uow, open_commitments_of(uow, as_of=day, directorates=directorates, foreign_only=True),
                       as_of=day)


def exposure_of(
    uow: UnitOfWork, commitments: Sequence[OpenCommitment], *, as_of: dt.date | None = None
) -> list[Exposure]:
    """:func:`exposure` of open commitments already read (a report reads them once)."""
    from budget.errors import MissingExchangeRateError
    from budget.services.fx import rate_on

    day = as_of or dt.date.today()
    per: dict[str, tuple[Decimal, Decimal]] = {}
    for c in commitments:
        if c.currency != "EUR":
            amount, eur = per.get(c.currency, (ZERO, ZERO))
            per[c.currency] = (amount + c.open, eur + c.open_eur_booked)
    out = []
    for cur, (open_amount, booked) in sorted(per.items()):
        try:
            quote = rate_on(uow, cur, day)
        except MissingExchangeRateError:
            out.append(Exposure(cur, open_amount, booked, None, None, None))
            continue
        out.append(Exposure(cur, open_amount, booked, quote.rate, quote.published,
                            to_eur(open_amount, cur, quote.rate)))
    return out


#: The largest move a what-if applies to a rate, in percent either way.
MAX_SHOCK_PERCENT = Decimal(50)


def shock_percent(value: object) -> Decimal:
    """A what-if move of a rate in percent: a number from -50 to +50 with at most two
    decimals (``BudgetError`` otherwise, naming the value)."""
    from budget.bounds import OutOfBoundsError, number_text
    from budget.errors import ValidationError

    bounds_text = f"{-MAX_SHOCK_PERCENT} to +{MAX_SHOCK_PERCENT} %"
    number_text(value, "The move")
    try:
        pct = Decimal(str(value).strip().replace(",", ".").removesuffix("%").strip())
    except ArithmeticError:
        raise ValidationError(f"{str(value)[:20]!r} is not a percentage: give a number from {bounds_text}.") from None
    if not pct.is_finite() or abs(pct) > MAX_SHOCK_PERCENT:
        raise OutOfBoundsError(f"A move of {str(value)[:20]} % is out of range: give {bounds_text}.")
    if pct != pct.quantize(Decimal("0.01")):
        raise ValidationError(f"A move of {str(value)[:20]} % has more than two decimals.")
    return pct.quantize(Decimal("0.01"))


def moved_rate(rate: Decimal, fraction: Decimal) -> Decimal:
    """A rate (units of the currency for 1 EUR) moved by ``fraction``: 0.05 is the euro 5 %
    stronger (1 EUR buys 5 % more of the currency, fewer EUR pay the same amount), -0.05
    the euro 5 % weaker. The one definition of a rate move: the what-if, the outlook's
    sensitivity and the pack's FX sensitivity all move a rate so."""
    return rate * (1 + fraction)


@dataclass(frozen=True)
class ShockedExposure:
    """An :class:`Exposure` with its rate moved by ``shock`` percent: ``shocked_rate`` =
    rate × (1 + shock / 100) (units for 1 EUR: +10 % means 1 EUR buys 10 % more of the
    currency, so fewer EUR pay the open amount)."""

    exposure: Exposure
    shock: Decimal
    shocked_rate: Decimal | None
    eur_at_shock: Decimal | None

    @property
    def difference(self) -> Decimal | None:
        """EUR at the shocked rate minus EUR as booked (positive: a latent loss)."""
        return None if self.eur_at_shock is None else self.eur_at_shock - self.exposure.eur_booked

    @property
    def change(self) -> Decimal | None:
        """EUR at the shocked rate minus EUR at the day's rate: what the move alone costs."""
        if self.eur_at_shock is None or self.exposure.eur_at_rate is None:
            return None
        return self.eur_at_shock - self.exposure.eur_at_rate


@dataclass(frozen=True)
class WhatIf:
    """The shocked exposure per currency and its EUR totals. A currency without a rate has
    no EUR figure at a rate: the totals at a rate are then unknown (None), as
    :func:`exposure_totals` says, rather than silently short."""

    rows: list[ShockedExposure]
    eur_booked: Decimal
    eur_at_rate: Decimal | None
    eur_at_shock: Decimal | None
    difference: Decimal | None
    change: Decimal | None


def exposure_what_if(exposures: Sequence[Exposure], shocks: dict[str, Decimal] | None = None) -> WhatIf:
    """:func:`exposure` with each currency's rate moved by ``shocks[currency]`` percent
    (0 when not given), converted by the one rule (:func:`budget.money.to_eur`).

    Raises:
        ValidationError: a move outside -50..+50 % or with more than two decimals.
    """
    rows = []
    for e in exposures:
        pct = shock_percent((shocks or {}).get(e.currency, ZERO))
        if e.rate is None:
            rows.append(ShockedExposure(e, pct, None, None))
            continue
        moved = moved_rate(e.rate, pct / 100)
        rows.append(ShockedExposure(e, pct, moved, to_eur(e.open, e.currency, moved)))

    def total(values: Sequence[Decimal | None]) -> Decimal | None:
        return None if any(v is None for v in values) else sum((v or ZERO for v in values), ZERO)

    t = exposure_totals(exposures)
    return WhatIf(
        rows,
        eur_booked=t.eur_booked,
        eur_at_rate=t.eur_at_rate,
        eur_at_shock=total([r.eur_at_shock for r in rows]),
        difference=total([r.difference for r in rows]),
        change=total([r.change for r in rows]),
    )
