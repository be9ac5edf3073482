"""Reversals: an entry is cancelled by its negative on the entry's own business date; nothing
is deleted. Refused while later entries stand on it or when its year is closed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from budget import bounds
from budget.errors import (
    AlreadyReversedError,
    DependentEntriesError,
    NotFoundError,
    OverPaymentError,
    ValidationError,
)
from budget.ledger.models import (
    Assessment,
    AssessmentLine,
    Commitment,
    CommitmentAdjustment,
    CreditMovement,
    Payment,
)
from budget.money import ZERO
from budget.services.entries import (
    Control,
    available_on,
    check_availability,
    closing_reference,
    live,
    lock_allocation,
    record_override,
)
from budget.services.positions import commitment_position
from budget.services.reference import check_open_year
from budget.uow import UnitOfWork

ENTITIES: dict[str, type] = {
    "credit": CreditMovement,
    "assessment": Assessment,
    "commitment": Commitment,
    "adjustment": CommitmentAdjustment,
    "payment": Payment,
}


def _is_reversed(uow: UnitOfWork, model: Any, entry_id: int) -> bool:
    return uow.session.scalar(select(model.id).where(model.reverses_id == entry_id).limit(1)) is not None


def dependants(uow: UnitOfWork, entry: Any) -> list[str]:
    """Live later entries that stand on ``entry`` (they must be reversed first)."""
    s = uow.session
    out: list[str] = []
    if isinstance(entry, Commitment):
        out += [f"payment {p.reference}" for p in s.scalars(live(Payment, Payment.commitment_id == entry.id))]
        out += [
            f"adjustment {a.reference}"
            for a in s.scalars(live(CommitmentAdjustment, CommitmentAdjustment.commitment_id == entry.id,
                                    CommitmentAdjustment.kind == "adjustment"))
        ]
    elif isinstance(entry, Assessment):
        out += [f"commitment {c.reference}" for c in s.scalars(live(Commitment, Commitment.assessment_id == entry.id))]
    return out


def _organisation_id(entry: Any) -> int | None:
    """The organisation an entry belongs to (a credit belongs to none)."""
    if isinstance(entry, CommitmentAdjustment | Payment):
        return int(entry.commitment.organisation_id)
    return getattr(entry, "organisation_id", None)


def reverse(
    uow: UnitOfWork,
    entity: str,
    entry_id: int,
    *,
    reason: str,
) -> Any:
    """Cancel an entry by recording its negative, linked to it by ``reverses_id``.

    The reversal carries the business date of the entry it cancels (DOMAIN.md: a correction
    belongs to the date of what it corrects), so correcting a March 2025 payment in 2026
    changes 2025's figures and leaves 2026's alone; when and by whom is in the audit log.

    Refused when the entry is already reversed, is itself a reversal, or when live later
    entries depend on it (payments on a commitment, commitments on an assessment): those
    must be reversed first, and the message names them.
    """
    model, entry = _reversible(uow, entity, entry_id, reason)
    check_open_year(uow, _entry_year(entry))
    fx_rows = _consequences(uow, entry)
    mirror = _mirror(uow, entry, reason.strip())
    uow.session.add(mirror)
    uow.session.flush()
    if isinstance(entry, Assessment):
        for line in entry.lines:
            uow.session.add(AssessmentLine(
                assessment_id=mirror.id, currency=line.currency, amount=-line.amount,
                amount_eur=-line.amount_eur, rate=line.rate, rate_date=line.rate_date,
            ))
    for fx in fx_rows:
        uow.session.add(_mirror(uow, fx, f"{entity} {entry.reference} reversed"))
    uow.session.flush()
    uow.audit("reverse", model.__tablename__, entry.id, reversal_id=mirror.id, reason=reason)
    return mirror


def _reversible(uow: UnitOfWork, entity: str, entry_id: int, reason: str) -> tuple[Any, Any]:
    """The model and the entry to reverse (its organisation locked), refused when it may not
    be reversed at all (unknown, no reason, a reversal, reversed already, an exchange
    difference, or live entries standing on it)."""
    model = ENTITIES.get(entity)
    if model is None:
        raise ValidationError(f"Cannot reverse a {entity!r}; choose one of {', '.join(ENTITIES)}.")
    entry = uow.session.get(model, bounds.entry_id(entry_id, entity))
    if entry is None:
        raise NotFoundError(f"No {entity} with id {entry_id}.")
    uow.lock(organisations=[_organisation_id(entry)])
    if not (reason or "").strip():
        raise ValidationError("Give the reason for the reversal.")
    label = f"{entity} {getattr(entry, 'reference', '') or entry.id}"
    if entry.reverses_id is not None:
        raise AlreadyReversedError(f"The {label} is itself a reversal; it cannot be reversed.")
    if _is_reversed(uow, model, entry.id):
        raise AlreadyReversedError(f"The {label} is already reversed.")
    if isinstance(entry, CommitmentAdjustment) and entry.kind == "exchange_difference":
        raise DependentEntriesError(
            f"The exchange difference {entry.reference} goes with the payment or decrease that "
            "realised it: reverse that entry instead."
        )
    blockers = dependants(uow, entry)
    if blockers:
        raise DependentEntriesError(
            f"The {label} cannot be reversed while these depend on it: {', '.join(blockers)}. "
            "Reverse them first."
        )
    return model, entry


def _consequences(uow: UnitOfWork, entry: Any) -> list[CommitmentAdjustment]:
    """Check what reversing ``entry`` does to the credits and its commitment; return the
    exchange differences that go with it (reversed along with it)."""
    if isinstance(entry, CreditMovement):
        _credit_taken_back(uow, entry)
        return []
    if isinstance(entry, CommitmentAdjustment):
        return _adjustment_undone(uow, entry)
    if isinstance(entry, Payment):
        return _payment_undone(uow, entry)
    return []


def _credit_taken_back(uow: UnitOfWork, entry: CreditMovement) -> None:
    """Taking back a commitment credit passes the availability control (or its override)."""
    if entry.credit_type == "commitment" and entry.amount > 0:
        allocation = entry.ab
        control = check_availability(uow, allocation, entry.fiscal_year, entry.amount, None,
                                      what="Reversing this credit")
        record_override(uow, allocation, entry.fiscal_year, control)


def _adjustment_undone(uow: UnitOfWork, entry: CommitmentAdjustment) -> list[CommitmentAdjustment]:
    """An increase undone never leaves the commitment below what is paid on it; a decrease
    undone commits again (availability control), with the exchange difference it closed."""
    if entry.amount > 0:
        position = commitment_position(uow, entry.commitment)
        if position.committed - entry.amount < position.paid:
            raise OverPaymentError(
                f"Reversing the increase {entry.reference} would leave commitment "
                f"{entry.commitment.reference} below what is already paid on it."
            )
    fx_rows = list(uow.session.scalars(live(
        CommitmentAdjustment, CommitmentAdjustment.commitment_id == entry.commitment_id,
        CommitmentAdjustment.kind == "exchange_difference", CommitmentAdjustment.payment_id.is_(None),
        CommitmentAdjustment.reference == closing_reference(entry.commitment, entry.reference),
    )))
    recommitted = -(entry.amount_eur + sum((fx.amount_eur for fx in fx_rows), ZERO))
    if recommitted > 0:
        commitment = entry.commitment
        control = check_availability(uow, commitment.ab, commitment.fiscal_year, recommitted,
                                      None, what="Reversing this decrease")
        record_override(uow, commitment.ab, commitment.fiscal_year, control)
    return fx_rows


def _payment_undone(uow: UnitOfWork, entry: Payment) -> list[CommitmentAdjustment]:
    """The exchange differences the payment realised, reversed with it."""
    fx_rows = list(uow.session.scalars(
        live(CommitmentAdjustment, CommitmentAdjustment.payment_id == entry.id)))
    # Reversing a settlement that realised an exchange gain commits that gain again.
    # The payment record is a fact being corrected, so it is never refused, but going
    # beyond the available credits is recorded as an override (as for an exchange loss).
    taken_back = -sum((fx.amount_eur for fx in fx_rows), ZERO)
    if taken_back > 0:
        commitment = entry.commitment
        lock_allocation(uow, commitment.ab)
        fx_control = Control(
            available_on(uow, commitment.ab_id, commitment.fiscal_year), taken_back,
            commitment.ab.control_mode, f"payment {entry.reference} reversed: exchange gain re-committed",
        )
        record_override(uow, commitment.ab, commitment.fiscal_year, fx_control,
                         commitment_id=commitment.id)
    return fx_rows


def _entry_year(entry: Any) -> int:
    if isinstance(entry, Payment):
        return entry.entry_date.year
    if isinstance(entry, CommitmentAdjustment):
        return entry.fiscal_year or entry.commitment.fiscal_year
    return int(entry.fiscal_year)


_NEGATED = ("amount", "amount_eur")
_COPIED_SKIP = {"id", "reverses_id", "created_at", "created_by", "channel", "batch_id",
                "source_sheet", "source_row", "reason"}


def _mirror(uow: UnitOfWork, entry: Any, reason: str) -> Any:
    """The negative of ``entry``, on the entry's own business date, linked by ``reverses_id``."""
    model = type(entry)
    values: dict[str, Any] = {}
    for column in model.__table__.columns:
        name = column.key
        if name in _COPIED_SKIP:
            continue
        value = getattr(entry, name)
        values[name] = -value if name in _NEGATED and value is not None else value
    return model(**values, reverses_id=entry.id, reason=reason, **uow.stamp())


def live_entries(uow: UnitOfWork, entity: str) -> list[Any]:
    """Every live entry of one kind (used by reversal tools and tests)."""
    model: Any = ENTITIES[entity]
    return list(uow.session.scalars(live(model).order_by(model.id)))


