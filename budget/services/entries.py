"""The writes of the money flow: credits, assessments, commitments, payments, reversals.

Every function takes a :class:`~budget.uow.UnitOfWork`, checks the invariants of
DOMAIN.md, writes new rows only, appends to the audit log, and lets the caller commit.
A refused operation raises a :class:`~budget.errors.BudgetError` and, since the unit of
work rolls back by default, leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import exists, func, inspect, select
from sqlalchemy.orm import aliased
from sqlalchemy.orm.util import AliasedInsp

from budget import bounds
from budget.errors import (
    BudgetError,
    DuplicateEntryError,
    NotFoundError,
    OverCommitmentError,
    OverPaymentError,
    ValidationError,
)
from budget.ledger.models import (
    CREDIT_STAGES,
    CREDIT_TYPES,
    Assessment,
    AssessmentLine,
    AvailabilityOverride,
    BasicAllocation,
    Commitment,
    CommitmentAdjustment,
    CreditMovement,
    Organisation,
    Payment,
    charged_year,
)
from budget.money import ZERO, fmt, money, normalise_currency, positive, to_eur
from budget.services import figures
from budget.services.fx import convert, plausible_rate, rate_on
from budget.services.positions import commitment_position
from budget.services.reference import check_open_year, get_allocation, get_organisation, is_closed
from budget.uow import UnitOfWork

E = TypeVar("E", CreditMovement, Assessment, Commitment, CommitmentAdjustment, Payment)
T = TypeVar("T")


def today() -> dt.date:
    return dt.date.today()


def tagged(field_name: str, check: Callable[[], T]) -> T:
    """Run ``check``; a refusal it raises names ``field_name`` as the input at fault (unless it
    names one already), so a bulk load can point at the file's column."""
    try:
        return check()
    except BudgetError as exc:
        if exc.field is None:
            exc.field = field_name
        raise


def clean_reference(value: object, what: str) -> str:
    """A reference, trimmed; refused when empty or too long."""
    text = str(value or "").strip()
    if not text:
        raise ValidationError(f"The {what} reference is empty.")
    if len(text) > 120:
        raise ValidationError(f"The {what} reference is longer than 120 characters.")
    return text


def _year(value: object) -> int:
    return bounds.fiscal_year(value)


_REVERSALS: dict[type, Any] = {}


def live_conditions(model: type[E]) -> tuple[Any, ...]:
    """Conditions keeping the live entries of ``model``: not a reversal and not reversed (the
    rule; :func:`live` is the SELECT of them)."""
    rev = _REVERSALS.get(model)
    if rev is None:  # building an alias is costly; one per model (or per alias of it) is enough
        info = inspect(model)
        name = info.name if isinstance(info, AliasedInsp) else model.__tablename__
        rev = _REVERSALS[model] = aliased(model, name=f"{name}_reversal")
    return model.reverses_id.is_(None), ~exists().where(rev.reverses_id == model.id)


def live(model: type[E], *conditions: Any) -> Any:
    """SELECT of the live entries of ``model``: not a reversal and not reversed."""
    return select(model).where(*conditions, *live_conditions(model))


def next_revision(uow: UnitOfWork, model: type[E], *key: Any) -> int:
    """Revision for a new entry under ``key``; refuses when a live one exists."""
    if uow.session.scalar(live(model, *key).limit(1)) is not None:
        raise DuplicateEntryError("exists")
    top = uow.session.scalar(select(func.max(model.revision)).where(*key, model.reverses_id.is_(None)))
    return 0 if top is None else top + 1


def _source(source_sheet: str | None, source_row: int | None) -> dict[str, Any]:
    return {"source_sheet": source_sheet, "source_row": source_row}


# --------------------------------------------------------------------------- credits


def record_credit(
    uow: UnitOfWork,
    ab: str,
    fiscal_year: int,
    credit_type: str,
    amount: object,
    stage: str = "initial",
    *,
    entry_date: dt.date | None = None,
    reference: str = "",
    note: str | None = None,
    source_sheet: str | None = None,
    source_row: int | None = None,
) -> CreditMovement:
    """Record a movement of commitment or payment credits on an AB for a fiscal year.

    Provisional and initial credits are positive; a blocked amount is given as a positive
    figure and stored as a reduction; adjustments and reallocations carry their sign.
    """
    year = _year(fiscal_year)
    if credit_type not in CREDIT_TYPES:
        raise ValidationError(f"Credit type must be 'commitment' or 'payment', not {credit_type!r}.")
    if stage not in CREDIT_STAGES:
        raise ValidationError(f"Credit stage must be one of {', '.join(CREDIT_STAGES)}, not {stage!r}.")
    value = money(amount)
    if stage in ("provisional", "initial"):
        positive(value, f"The {stage} {credit_type} credit")
    elif stage == "blocked":
        value = -positive(abs(value), "The blocked amount")
    elif value == 0:
        raise ValidationError(f"A credit {stage} of zero changes nothing.")
    allocation = get_allocation(uow, ab)
    check_open_year(uow, year)
    ref = str(reference or "").strip()
    key = (
        CreditMovement.ab_id == allocation.id,
        CreditMovement.fiscal_year == year,
        CreditMovement.credit_type == credit_type,
        CreditMovement.stage == stage,
        CreditMovement.reference == ref,
    )
    try:
        revision = next_revision(uow, CreditMovement, *key)
    except DuplicateEntryError:
        raise DuplicateEntryError(
            f"A {stage} {credit_type} credit{' ' + ref if ref else ''} is already recorded on "
            f"AB {allocation.code} for {year}: reverse it first or give another reference."
        ) from None
    control = Control(ZERO, ZERO, allocation.control_mode)
    if value < 0 and credit_type == "commitment":
        control = check_availability(uow, allocation, year, -value, override_reason=None,
                                      what="This reduction")
    row = CreditMovement(
        ab_id=allocation.id, fiscal_year=year, credit_type=credit_type, stage=stage,
        reference=ref, entry_date=entry_date or today(), amount=value, note=note,
        revision=revision, **_source(source_sheet, source_row), **uow.stamp(),
    )
    uow.session.add(row)
    uow.session.flush()
    # A reduction below what is committed passes only in warn mode: record it as an override.
    record_override(uow, allocation, year, control)
    uow.audit("record_credit", "credit_movement", row.id, ab=allocation.code, year=year,
              credit_type=credit_type, stage=stage, amount=value)
    return row


def credits_of(uow: UnitOfWork, ab_id: int, year: int, credit_type: str) -> Decimal:
    """The year's credit of one AB: the sum of its movements."""
    total = uow.session.scalar(
        select(func.coalesce(func.sum(CreditMovement.amount), 0)).where(
            CreditMovement.ab_id == ab_id,
            CreditMovement.fiscal_year == year,
            CreditMovement.credit_type == credit_type,
        )
    )
    return Decimal(total or 0).quantize(Decimal("0.01"))


def committed_on(uow: UnitOfWork, ab_id: int, year: int) -> Decimal:
    """EUR committed on an AB for a fiscal year (commitments plus adjustments, net)."""
    base = uow.session.scalar(
        select(func.coalesce(func.sum(Commitment.amount_eur), 0)).where(
            Commitment.ab_id == ab_id, Commitment.fiscal_year == year
        )
    )
    adj = uow.session.scalar(
        select(func.coalesce(func.sum(CommitmentAdjustment.amount_eur), 0))
        .join(Commitment, Commitment.id == CommitmentAdjustment.commitment_id)
        .where(Commitment.ab_id == ab_id, charged_year() == year)
    )
    return (Decimal(base or 0) + Decimal(adj or 0)).quantize(Decimal("0.01"))


def available_on(uow: UnitOfWork, ab_id: int, year: int) -> Decimal:
    """Commitment credits minus committed, for one AB and year (:func:`figures.available`)."""
    return figures.available(credits_of(uow, ab_id, year, "commitment"), committed_on(uow, ab_id, year))


@dataclass
class Control:
    """Outcome of the availability control for one write."""

    available: Decimal
    requested: Decimal
    mode: str
    override_reason: str | None = None

    @property
    def exceeded(self) -> bool:
        return self.requested > self.available


def lock_allocation(uow: UnitOfWork, allocation: BasicAllocation) -> None:
    """Hold the AB to the end of the transaction: concurrent commitments on one AB go one
    after the other, so two officers cannot both consume the last euro."""
    uow.lock(allocations=[allocation.id])


def check_availability(
    uow: UnitOfWork,
    allocation: BasicAllocation,
    year: int,
    requested: Decimal,
    override_reason: str | None,
    what: str = "This commitment",
) -> Control:
    """The availability control: ``requested`` EUR against what is available on the AB for
    the year; refused beyond it in ``block`` mode unless an override reason is given."""
    lock_allocation(uow, allocation)
    available = available_on(uow, allocation.id, year)
    control = Control(available, requested, allocation.control_mode)
    if not control.exceeded:
        return control
    reason = (override_reason or "").strip()
    if allocation.control_mode == "block" and not reason:
        raise OverCommitmentError(
            f"{what} of EUR {fmt(requested)} exceeds the EUR {fmt(available)} available on "
            f"AB {allocation.code} for {year}. Add credits, or override explicitly with a reason."
        )
    control.override_reason = reason or f"AB {allocation.code} is in warn mode"
    return control


def record_override(
    uow: UnitOfWork,
    allocation: BasicAllocation,
    year: int,
    control: Control,
    *,
    commitment_id: int | None = None,
    adjustment_id: int | None = None,
) -> None:
    """Record (and audit) a write that went beyond the available credits."""
    if not control.exceeded:
        return
    uow.session.add(
        AvailabilityOverride(
            ab_id=allocation.id, fiscal_year=year, commitment_id=commitment_id,
            adjustment_id=adjustment_id, control_mode=control.mode, available=control.available,
            requested=control.requested, override_reason=control.override_reason or "",
            **uow.stamp(),
        )
    )
    uow.audit("override_availability", "basic_allocation", allocation.code, year=year,
              available=control.available, requested=control.requested,
              reason=control.override_reason)


# --------------------------------------------------------------------------- assessments


def register_assessment(
    uow: UnitOfWork,
    organisation: str,
    reference: str,
    lines: Sequence[tuple[str, object]],
    *,
    period_start: dt.date,
    period_end: dt.date,
    due_date: dt.date,
    fiscal_year: int | None = None,
    received: dt.date | None = None,
    note: str | None = None,
    source_sheet: str | None = None,
    source_rows: Sequence[int | None] | None = None,
) -> Assessment:
    """Register an organisation's call for contributions with one or more currency lines.

    ``received`` is the business date of the call (the day it was received): every "as of"
    figure counts the assessment from that day, whenever it is typed. Unknown, it is the
    earlier of today and the due date (a call is in hand by its due date at the latest).
    A negative line is a credit returned by the organisation. Each line's EUR equivalent is
    taken at the ECB rate in force on the due date (the last published on or before it).
    """
    org = get_organisation(uow, organisation)
    uow.lock(organisations=[org.id])
    ref = clean_reference(reference, "assessment")
    if period_end < period_start:
        raise ValidationError(
            f"Assessment {ref}: the period ends ({period_end}) before it starts ({period_start})."
        )
    if not lines:
        raise ValidationError(f"Assessment {ref} has no amount.")
    year = _year(fiscal_year if fiscal_year is not None else period_start.year)
    check_open_year(uow, year)
    received_on = received_date(received, due_date)
    parsed: list[tuple[str, Decimal]] = []
    for cur, amount in lines:
        c = normalise_currency(cur)
        value = money(amount, c)
        if value == 0:
            raise ValidationError(f"Assessment {ref}: the {c} line is zero.")
        if any(c == p for p, _ in parsed):
            raise ValidationError(f"Assessment {ref} has two {c} lines; add them into one.")
        parsed.append((c, value))
    key = (Assessment.organisation_id == org.id, Assessment.reference == ref)
    try:
        revision = next_revision(uow, Assessment, *key)
    except DuplicateEntryError:
        raise DuplicateEntryError(
            f"Assessment {ref} of {org.code} is already registered."
        ) from None
    row = Assessment(
        organisation_id=org.id, reference=ref, fiscal_year=year, period_start=period_start,
        period_end=period_end, due_date=due_date, entry_date=received_on, note=note,
        revision=revision, source_sheet=source_sheet,
        source_row=(source_rows or [None])[0], **uow.stamp(),
    )
    uow.session.add(row)
    uow.session.flush()
    rows = list(source_rows or [None] * len(parsed))
    for (cur, value), src in zip(parsed, rows + [None] * (len(parsed) - len(rows)), strict=False):
        quote = rate_on(uow, cur, due_date)
        uow.session.add(
            AssessmentLine(
                assessment_id=row.id, currency=cur, amount=value,
                amount_eur=to_eur(value, cur, quote.rate), rate=quote.rate,
                rate_date=quote.published, source_row=src,
            )
        )
    uow.session.flush()
    uow.audit("register", "assessment", row.id, organisation=org.code, reference=ref,
              lines={c: str(v) for c, v in parsed})
    return row


def received_date(received: dt.date | None, due_date: dt.date) -> dt.date:
    """The business date of an assessment: the day given, else the earlier of today and its due date."""
    if received is not None:
        if received > today():
            raise ValidationError(f"The date received ({received.isoformat()}) is in the future.")
        return received
    return min(today(), due_date)


def find_assessment(uow: UnitOfWork, organisation: Organisation, reference: str) -> Assessment:
    found = uow.session.scalar(
        live(Assessment, Assessment.organisation_id == organisation.id,
             Assessment.reference == reference.strip())
    )
    if found is None:
        raise NotFoundError(f"No assessment {reference!r} is registered for {organisation.code}.")
    return found


# --------------------------------------------------------------------------- commitments


@dataclass
class WriteResult:
    """An entry written, with the warnings the officer should read."""

    entry: Any
    warnings: list[str] = field(default_factory=list)
    exchange_difference: Decimal | None = None


def conversion(
    uow: UnitOfWork,
    currency: str,
    amount: Decimal,
    on: dt.date,
    amount_eur: object | None,
    given_rate: object | None,
    force_rate: bool = False,
) -> tuple[Decimal, Decimal, dt.date | None, str]:
    """EUR amount, rate, rate date and source (:func:`budget.services.fx.convert` on stored rates;
    a rate given or implied must be plausible unless ``force_rate``)."""
    return convert([currency], [amount], [on], amounts_eur=[amount_eur], given_rates=[given_rate],
                   lookup=lambda cur, day: rate_on(uow, cur, day),
                   check_rate=lambda cur, r, day: plausible_rate(uow, cur, r, day, force=force_rate)).one()


def commit(
    uow: UnitOfWork,
    reference: str,
    organisation: str,
    *,
    entry_date: dt.date,
    amount_eur: object | None = None,
    currency: str | None = None,
    amount: object | None = None,
    rate_used: object | None = None,
    ab: str | None = None,
    fiscal_year: int | None = None,
    assessment_reference: str | None = None,
    override_reason: str | None = None,
    note: str | None = None,
    source_sheet: str | None = None,
    source_row: int | None = None,
    force_rate: bool = False,
) -> WriteResult:
    """Commit commitment credits on an AB for an organisation, under availability control.

    A foreign-currency commitment gives ``currency`` and ``amount`` with ``amount_eur`` or
    ``rate_used`` (the budget rate); with neither, the ECB rate of ``entry_date`` is used.
    Beyond the available credits an AB in ``block`` mode refuses unless ``override_reason``
    is given; in ``warn`` mode the commitment passes with a warning. Both are recorded.
    """
    ref = clean_reference(reference, "commitment")
    org = get_organisation(uow, organisation)
    ab_code = ab or (org.ab.code if org.ab else None)
    if not ab_code:
        raise ValidationError(
            f"Commitment {ref}: no basic allocation given and {org.code} has no default AB."
        )
    allocation = get_allocation(uow, ab_code)
    uow.lock(organisations=[org.id], allocations=[allocation.id])
    year = _year(fiscal_year if fiscal_year is not None else entry_date.year)
    check_open_year(uow, year)
    assessment = find_assessment(uow, org, assessment_reference) if assessment_reference else None
    warnings: list[str] = []
    line_currency = _eur_only_currency(ref, assessment, currency) if amount is None and assessment else None
    if line_currency not in (None, "EUR") and amount_eur is not None and assessment is not None:
        cur, value = line_currency, _uncommitted_part(uow, ref, assessment, line_currency)
    else:
        cur = normalise_currency(currency or (None if amount is None and amount_eur is not None else org.currency)
                                 or "EUR")
        if amount is None:
            if cur != "EUR":
                raise ValidationError(f"Commitment {ref}: give the {cur} amount, not only the EUR one.")
            if amount_eur is None:
                raise ValidationError(f"Commitment {ref} has no amount.")
            amount = amount_eur
        value = tagged("amount", lambda: positive(money(amount, cur), f"Commitment {ref}: the amount"))
        if assessment is not None and cur not in {line.currency for line in assessment.lines}:
            raise ValidationError(f"Commitment {ref}: assessment {assessment.reference} has no {cur} line.")
    if assessment is not None:
        left = uncommitted(uow, assessment, cur)
        if value > left:
            warnings.append(f"Commitment {ref} of {cur} {fmt(value)} is more than the {cur} {fmt(max(left, ZERO))} "
                            f"of assessment {assessment.reference} not yet committed.")
    eur, r, _, _ = tagged("amount_eur" if amount_eur is not None else "date",
                          lambda: conversion(uow, cur, value, entry_date, amount_eur, rate_used, force_rate))
    positive(eur, f"Commitment {ref}: the EUR amount")
    try:
        revision = next_revision(uow, Commitment, Commitment.reference == ref)
    except DuplicateEntryError:
        raise DuplicateEntryError(f"Commitment {ref} is already recorded.") from None
    control = check_availability(uow, allocation, year, eur, override_reason)
    row = Commitment(
        reference=ref, entry_date=entry_date, fiscal_year=year, ab_id=allocation.id,
        organisation_id=org.id, assessment_id=assessment.id if assessment else None,
        currency=cur, amount=value, amount_eur=eur, rate=r, note=note, revision=revision,
        reason=override_reason, **_source(source_sheet, source_row), **uow.stamp(),
    )
    uow.session.add(row)
    uow.session.flush()
    record_override(uow, allocation, year, control, commitment_id=row.id)
    uow.audit("commit", "commitment", row.id, reference=ref, organisation=org.code,
              ab=allocation.code, year=year, currency=cur, amount=value, amount_eur=eur,
              warnings=warnings or None)
    if control.exceeded:
        warnings.append(
            f"Commitment {ref} exceeds the EUR {fmt(control.available)} available on AB "
            f"{allocation.code} for {year} ({control.override_reason})."
        )
    return WriteResult(row, warnings)


def uncommitted(uow: UnitOfWork, assessment: Assessment, currency: str) -> Decimal:
    """The part of an assessment's ``currency`` line not yet committed: the line less the
    live commitments linked to the assessment in that currency, with their adjustments.
    Negative when more is committed than assessed; zero when there is no such line."""
    line = sum((x.amount for x in assessment.lines if x.currency == currency), ZERO)
    ids = select(Commitment.id).where(*live_conditions(Commitment), Commitment.assessment_id == assessment.id,
                                      Commitment.currency == currency)
    committed = uow.session.scalar(select(func.coalesce(func.sum(Commitment.amount), 0)).where(Commitment.id.in_(ids)))
    adjusted = uow.session.scalar(select(func.coalesce(func.sum(CommitmentAdjustment.amount), 0))
                                  .where(CommitmentAdjustment.commitment_id.in_(ids)))
    return line - Decimal(committed or 0) - Decimal(adjusted or 0)


def _eur_only_currency(ref: str, assessment: Assessment, currency: str | None) -> str:
    """The currency of a commitment given in EUR only for an assessment (as the federal
    accounting system exports them): ``currency`` if given (the assessment must have that
    line), else the assessment's single currency line; a split assessment needs the currency."""
    currencies = sorted({x.currency for x in assessment.lines if x.amount > 0})
    if currency is not None:
        cur = normalise_currency(currency)
        if cur not in currencies:
            raise ValidationError(f"Commitment {ref}: assessment {assessment.reference} has no {cur} line.")
        return cur
    if len(currencies) == 1:
        return currencies[0]
    raise ValidationError(
        f"Commitment {ref}: assessment {assessment.reference} is split ({', '.join(currencies)}); "
        "give the currency of the line committed (--currency, or the currency column)."
    )


def _uncommitted_part(uow: UnitOfWork, ref: str, assessment: Assessment, currency: str) -> Decimal:
    """The amount of an EUR-only commitment in the assessment's ``currency``: the part of the
    line not yet committed (the EUR amount given then fixes the commitment's budget rate)."""
    left = uncommitted(uow, assessment, currency)
    if left <= 0:
        raise ValidationError(
            f"Commitment {ref}: the {currency} line of assessment {assessment.reference} is already committed; "
            f"give the {currency} amount."
        )
    return left


def find_commitment(uow: UnitOfWork, reference: str) -> Commitment:
    found = uow.session.scalar(live(Commitment, Commitment.reference == str(reference).strip()))
    if found is None:
        raise NotFoundError(f"No commitment {reference!r} is recorded.")
    return found


def adjust_commitment(
    uow: UnitOfWork,
    commitment_reference: str,
    amount: object,
    *,
    entry_date: dt.date,
    reason: str,
    reference: str | None = None,
    amount_eur: object | None = None,
    override_reason: str | None = None,
    source_sheet: str | None = None,
    source_row: int | None = None,
) -> WriteResult:
    """Increase (positive) or decrease (negative) a commitment, in its own currency.

    The EUR change is ``amount_eur`` when given, else the amount at the commitment's rate.
    A decrease cannot go below what is already paid; an increase passes the availability
    control like a new commitment.
    """
    commitment = find_commitment(uow, commitment_reference)
    uow.lock(organisations=[commitment.organisation_id], allocations=[commitment.ab_id])
    cur = commitment.currency
    delta = money(amount, cur)
    if delta == 0:
        raise ValidationError("An adjustment of zero changes nothing.")
    if not (reason or "").strip():
        raise ValidationError("Give the reason for the adjustment.")
    check_open_year(uow, commitment.fiscal_year)
    eur = money(amount_eur) if amount_eur is not None else to_eur(delta, cur, commitment.rate)
    if cur == "EUR":
        eur = delta
    if eur != 0 and (eur > 0) != (delta > 0):
        raise ValidationError("The EUR change must have the same sign as the adjustment.")
    position = commitment_position(uow, commitment)
    if position.committed + delta < position.paid:
        raise OverPaymentError(
            f"Commitment {commitment.reference}: a decrease of {cur} {fmt(-delta)} would leave "
            f"{cur} {fmt(position.committed + delta)} committed, below the {cur} "
            f"{fmt(position.paid)} already paid."
        )
    if position.committed + delta < 0:
        raise ValidationError("A commitment cannot become negative; reverse it instead.")
    allocation = commitment.ab
    control = Control(ZERO, ZERO, allocation.control_mode)
    if eur > 0:
        control = check_availability(uow, allocation, commitment.fiscal_year, eur,
                                      override_reason, what="This increase")
    ref = (reference or "").strip() or f"ADJ-{_count_adjustments(uow, commitment) + 1}"
    try:
        revision = next_revision(
            uow, CommitmentAdjustment,
            CommitmentAdjustment.commitment_id == commitment.id,
            CommitmentAdjustment.reference == ref,
        )
    except DuplicateEntryError:
        raise DuplicateEntryError(
            f"Adjustment {ref} of commitment {commitment.reference} is already recorded."
        ) from None
    row = CommitmentAdjustment(
        commitment_id=commitment.id, reference=ref, kind="adjustment", entry_date=entry_date,
        amount=delta, amount_eur=eur, reason=reason.strip(), revision=revision,
        **_source(source_sheet, source_row), **uow.stamp(),
    )
    uow.session.add(row)
    uow.session.flush()
    record_override(uow, allocation, commitment.fiscal_year, control, adjustment_id=row.id)
    uow.audit("adjust", "commitment", commitment.id, reference=commitment.reference,
              amount=delta, amount_eur=eur, reason=reason)
    result = WriteResult(row)
    if cur != "EUR" and delta < 0:
        after = commitment_position(uow, commitment)
        if after.open == 0 and after.open_eur != 0:
            # Nothing is left to pay in the commitment currency: what remains in EUR is an
            # exchange difference, released like one realised on a final payment.
            result.exchange_difference = after.open_eur
            _release_exchange_difference(
                uow, commitment, after.open_eur, entry_date, reference=closing_reference(commitment, ref),
                payment_id=None, reason=f"exchange difference on closing by decrease {ref}",
            )
    return result


def _count_adjustments(uow: UnitOfWork, commitment: Commitment) -> int:
    return int(uow.session.scalar(
        select(func.count()).select_from(CommitmentAdjustment).where(
            CommitmentAdjustment.commitment_id == commitment.id,
            CommitmentAdjustment.reverses_id.is_(None),
        )
    ) or 0)


# --------------------------------------------------------------------------- payments


def record_exchange_difference(
    uow: UnitOfWork, commitment: Commitment, payment: Payment, difference: Decimal, on: dt.date
) -> None:
    """Release (gain) or top up (loss) a commitment settled by ``payment`` to the EUR paid."""
    _release_exchange_difference(
        uow, commitment, difference, on, reference=f"FX-{payment.reference}", payment_id=payment.id,
        reason="exchange difference on settlement",
    )


def _release_exchange_difference(
    uow: UnitOfWork,
    commitment: Commitment,
    difference: Decimal,
    on: dt.date,
    *,
    reference: str,
    payment_id: int | None,
    reason: str,
) -> None:
    """Bring a foreign-currency commitment with nothing open in its currency to the EUR paid.

    ``difference`` is committed EUR minus paid EUR: positive is a gain (credits released),
    negative a loss (credits consumed; never refused, since what was paid is a fact, but
    recorded as an override when it goes beyond the available credits).
    """
    allocation = commitment.ab
    # A closed year does not move: realised after the commitment's year was closed, the
    # difference is charged to the commitment credits of the year it is realised in.
    year = commitment.fiscal_year if not is_closed(uow, commitment.fiscal_year) else on.year
    check_open_year(uow, year)
    control = Control(ZERO, ZERO, allocation.control_mode)
    if difference < 0:
        lock_allocation(uow, allocation)
        control = Control(available_on(uow, allocation.id, year), -difference,
                          allocation.control_mode, "exchange loss on settlement")
    top = uow.session.scalar(
        select(func.max(CommitmentAdjustment.revision)).where(
            CommitmentAdjustment.commitment_id == commitment.id,
            CommitmentAdjustment.reference == reference,
            CommitmentAdjustment.reverses_id.is_(None),
        )
    )
    adj = CommitmentAdjustment(
        commitment_id=commitment.id, reference=reference, kind="exchange_difference", entry_date=on,
        amount=ZERO, amount_eur=-difference, payment_id=payment_id, reason=reason,
        fiscal_year=None if year == commitment.fiscal_year else year,
        revision=0 if top is None else top + 1, **uow.stamp(),
    )
    uow.session.add(adj)
    uow.session.flush()
    record_override(uow, allocation, year, control, adjustment_id=adj.id)
    uow.audit("exchange_difference", "commitment", commitment.id, reference=commitment.reference,
              source=reference, amount_eur=difference)


def closing_reference(commitment: Commitment, adjustment_reference: str) -> str:
    """Reference of the exchange difference written when a decrease closes a commitment."""
    return f"FX-{commitment.reference}-{adjustment_reference}"[:120]
