"""Reference listings: organisations, directorates, ABs, credit movements, overrides, import
batches, the years with data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import (
    select,
)

from budget.ledger.models import (
    Assessment,
    AvailabilityOverride,
    BasicAllocation,
    Commitment,
    CreditMovement,
    Directorate,
    ImportBatch,
    Organisation,
)
from budget.services.scope import ab_filter, org_filter, upto
from budget.uow import UnitOfWork


@dataclass(frozen=True)
class OrganisationInfo:
    code: str
    name: str
    body: str | None
    directorate: str
    currency: str
    ab: str | None
    name_fr: str | None = None
    name_nl: str | None = None


def organisations(uow: UnitOfWork, directorates: Sequence[str] | None = None) -> list[OrganisationInfo]:
    """The active organisations (those of an undone import batch are retired), by code."""
    rows = uow.session.execute(
        select(Organisation.code, Organisation.name, Organisation.body, Organisation.directorate_code,
               Organisation.currency, BasicAllocation.code, Organisation.name_fr, Organisation.name_nl)
        .outerjoin(BasicAllocation, BasicAllocation.id == Organisation.ab_id)
        .where(org_filter(directorates), Organisation.active).order_by(Organisation.code)
    )
    return [OrganisationInfo(*r) for r in rows]


@dataclass(frozen=True)
class DirectorateInfo:
    code: str
    name: str
    name_fr: str | None = None
    name_nl: str | None = None


def directorates_list(uow: UnitOfWork) -> list[DirectorateInfo]:
    rows = uow.session.execute(select(Directorate.code, Directorate.name, Directorate.name_fr,
                                      Directorate.name_nl).order_by(Directorate.code))
    return [DirectorateInfo(*r) for r in rows]


@dataclass(frozen=True)
class AllocationInfo:
    code: str
    label: str
    directorate: str | None
    control_mode: str
    name_fr: str | None = None
    name_nl: str | None = None


def allocations(uow: UnitOfWork, directorates: Sequence[str] | None = None) -> list[AllocationInfo]:
    """The active ABs (those of an undone import batch are retired), by code."""
    rows = uow.session.execute(
        select(BasicAllocation.code, BasicAllocation.label, BasicAllocation.directorate_code,
               BasicAllocation.control_mode, BasicAllocation.name_fr, BasicAllocation.name_nl)
        .where(ab_filter(directorates), BasicAllocation.active).order_by(BasicAllocation.code)
    )
    return [AllocationInfo(*r) for r in rows]


@dataclass(frozen=True)
class CreditLine:
    ab: str
    fiscal_year: int
    credit_type: str
    stage: str
    reference: str
    entry_date: dt.date
    amount: Decimal
    reversal: bool
    note: str | None


def credit_history(
    uow: UnitOfWork, year: int, *, ab: str | None = None, directorates: Sequence[str] | None = None,
    as_of: dt.date | None = None,
) -> list[CreditLine]:
    """Every credit movement of ``year`` (optionally one AB) dated on or before ``as_of``
    (default: all), in date order."""
    cond = [CreditMovement.fiscal_year == year, ab_filter(directorates), upto(CreditMovement.entry_date, as_of)]
    if ab is not None:
        cond.append(BasicAllocation.code == ab)
    rows = uow.session.execute(
        select(BasicAllocation.code, CreditMovement.fiscal_year, CreditMovement.credit_type,
               CreditMovement.stage, CreditMovement.reference, CreditMovement.entry_date,
               CreditMovement.amount, CreditMovement.reverses_id.is_not(None), CreditMovement.note)
        .join(BasicAllocation, BasicAllocation.id == CreditMovement.ab_id)
        .where(*cond).order_by(CreditMovement.entry_date, CreditMovement.id)
    )
    return [CreditLine(*r) for r in rows]


@dataclass(frozen=True)
class OverrideInfo:
    ab: str
    fiscal_year: int
    control_mode: str
    available: Decimal
    requested: Decimal
    reason: str
    created_by: str
    created_at: dt.datetime


def overrides(uow: UnitOfWork, year: int | None = None) -> list[OverrideInfo]:
    stmt = (
        select(BasicAllocation.code, AvailabilityOverride.fiscal_year, AvailabilityOverride.control_mode,
               AvailabilityOverride.available, AvailabilityOverride.requested,
               AvailabilityOverride.override_reason, AvailabilityOverride.created_by,
               AvailabilityOverride.created_at)
        .join(BasicAllocation, BasicAllocation.id == AvailabilityOverride.ab_id)
        .order_by(AvailabilityOverride.id)
    )
    if year is not None:
        stmt = stmt.where(AvailabilityOverride.fiscal_year == year)
    return [OverrideInfo(*r) for r in uow.session.execute(stmt)]


@dataclass(frozen=True)
class BatchInfo:
    id: int
    kind: str
    file_name: str
    sha256: str
    created_by: str
    created_at: dt.datetime
    rows_read: int
    rows_new: int
    rows_unchanged: int
    rows_conflict: int
    rows_corrected: int
    undoes_batch_id: int | None
    undone_by: int | None


def import_batches(uow: UnitOfWork, limit: int | None = None) -> list[BatchInfo]:
    """The import history, newest first, with the batch that undid each one."""
    undo = select(ImportBatch.undoes_batch_id.label("bid"), ImportBatch.id.label("uid")).where(
        ImportBatch.undoes_batch_id.is_not(None)).subquery()
    stmt = (
        select(ImportBatch.id, ImportBatch.kind, ImportBatch.file_name, ImportBatch.sha256,
               ImportBatch.created_by, ImportBatch.created_at, ImportBatch.rows_read,
               ImportBatch.rows_new, ImportBatch.rows_unchanged, ImportBatch.rows_conflict,
               ImportBatch.rows_corrected, ImportBatch.undoes_batch_id, undo.c.uid)
        .outerjoin(undo, undo.c.bid == ImportBatch.id)
        .order_by(ImportBatch.id.desc())
    )
    if limit:
        stmt = stmt.limit(limit)
    return [BatchInfo(*tuple(r)) for r in uow.session.execute(stmt)]


def years_with_data(uow: UnitOfWork) -> list[int]:
    """Fiscal years that have credits, assessments or commitments, ascending."""
    years: set[int] = set()
    for col in (CreditMovement.fiscal_year, Commitment.fiscal_year, Assessment.fiscal_year):
        years |= {y for (y,) in uow.session.execute(select(col).distinct())}
    return sorted(years)
