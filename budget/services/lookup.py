"""Finding things: a search across references and organisations, where an organisation
belongs, and an entry's source (import batch, file, sheet, row, who, when) with its audit
trail. Every read is limited to the directorates the caller may see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select

from budget.errors import BudgetError, NotFoundError, ValidationError
from budget.ledger.models import (
    Assessment,
    AssessmentLine,
    Commitment,
    ImportBatch,
    Organisation,
    Payment,
)
from budget.services.audit import AuditEntry, audit_trail
from budget.services.scope import org_filter
from budget.uow import UnitOfWork

#: Longest search text accepted.
MAX_QUERY_CHARS = 100
#: Most results of one kind (the page says when there may be more).
MAX_PER_KIND = 25
#: Most audit lines shown for one entry.
MAX_AUDIT_LINES = 100

ENTRY_KINDS = ("assessment", "commitment", "payment")
_MODELS: dict[str, Any] = {"assessment": Assessment, "commitment": Commitment, "payment": Payment}


class OutOfScopeError(BudgetError):
    """The thing exists but lies outside the directorates the user may see."""


@dataclass(frozen=True)
class Found:
    """One search result: what it is, its reference (or code, or batch number), the
    organisation it belongs to and a label (a name, a file name)."""

    kind: str
    reference: str
    organisation: str | None
    label: str
    directorate: str | None = None
    fiscal_year: int | None = None
    day: dt.date | None = None


def query_text(text: object) -> str:
    """The search text, trimmed; refused when empty, too long or holding control characters."""
    value = str(text or "").strip()
    if not value:
        raise ValidationError("Type a reference, an organisation's code or name, or a batch number.")
    if len(value) > MAX_QUERY_CHARS:
        raise ValidationError(f"The search text is too long: at most {MAX_QUERY_CHARS} characters.")
    if not value.isprintable():
        raise ValidationError("The search text holds control characters.")
    return value


def like_pattern(text: str) -> str:
    """``%text%`` for a case-insensitive LIKE, its own ``%``, ``_`` and ``\\`` escaped."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _like(column: Any, pattern: str) -> Any:
    return func.lower(column).like(pattern, escape="\\")


def search(
    uow: UnitOfWork, text: str, *, directorates: Sequence[str] | None = None, limit: int = MAX_PER_KIND
) -> list[Found]:
    """Organisations (code or name), assessments, commitments and payments (reference) and,
    for a user who sees every directorate, import batches (number or file name) matching
    ``text``; at most ``limit`` of each kind, exact matches first.

    Raises:
        ValidationError: an empty, too long or unprintable text.
    """
    value = query_text(text)
    pattern = like_pattern(value)
    limit = max(1, min(int(limit), MAX_PER_KIND))
    s = uow.session
    scope = org_filter(directorates)
    found: list[Found] = [
        Found("organisation", code, code, name, directorate)
        for code, name, directorate in s.execute(
            select(Organisation.code, Organisation.name, Organisation.directorate_code)
            .where(scope, or_(_like(Organisation.code, pattern), _like(Organisation.name, pattern)))
            .order_by(Organisation.code).limit(limit))
    ]
    for kind in ENTRY_KINDS:
        found += _entries(uow, kind, pattern, scope, limit)
    if directorates is None:
        number = int(value) if value.isdigit() and len(value) <= 10 else None
        cond = _like(ImportBatch.file_name, pattern)
        if number is not None:
            cond = or_(cond, ImportBatch.id == number)
        found += [
            Found("batch", str(bid), None, name, None, None, at.date())
            for bid, name, at in s.execute(
                select(ImportBatch.id, ImportBatch.file_name, ImportBatch.created_at)
                .where(cond).order_by(ImportBatch.id.desc()).limit(limit))
        ]
    exact = value.lower()
    return sorted(found, key=lambda f: (f.reference.lower() != exact, ENTRY_ORDER[f.kind]))


ENTRY_ORDER = {"organisation": 0, "assessment": 1, "commitment": 2, "payment": 3, "batch": 4}


def _entries(uow: UnitOfWork, kind: str, pattern: str, scope: Any, limit: int) -> list[Found]:
    model = _MODELS[kind]
    owner = Commitment if kind == "payment" else model
    stmt = select(model.reference, Organisation.code, Organisation.name, Organisation.directorate_code,
                  func.max(owner.fiscal_year), func.max(model.entry_date)).select_from(model)
    if kind == "payment":
        stmt = stmt.join(Commitment, Commitment.id == Payment.commitment_id)
    stmt = (stmt.join(Organisation, Organisation.id == owner.organisation_id)
            .where(scope, model.reverses_id.is_(None), _like(model.reference, pattern))
            .group_by(model.reference, Organisation.code, Organisation.name, Organisation.directorate_code)
            .order_by(model.reference).limit(limit))
    return [Found(kind, ref, code, name, directorate, year, day)
            for ref, code, name, directorate, year, day in uow.session.execute(stmt)]


def organisation_directorate(uow: UnitOfWork, code: str) -> str | None:
    """The directorate owning organisation ``code`` (None: no such organisation)."""
    text = str(code or "").strip().upper()[:40]
    return uow.session.scalar(select(Organisation.directorate_code).where(Organisation.code == text))


def check_organisation(uow: UnitOfWork, code: str, directorates: Sequence[str] | None) -> None:
    """Refuse an organisation that does not exist, or that lies outside ``directorates``.

    Raises:
        NotFoundError: no such organisation.
        OutOfScopeError: it belongs to a directorate the user may not see.
    """
    owner = organisation_directorate(uow, code)
    if owner is None:
        raise NotFoundError(f"Unknown organisation {str(code)[:40]!r}.")
    if directorates is not None and owner not in directorates:
        raise OutOfScopeError(f"Organisation {str(code)[:40]!r} is not in your directorates.")


@dataclass(frozen=True)
class EntrySource:
    """Where an entry comes from and what happened to it."""

    kind: str
    entry_id: int
    reference: str
    organisation: str
    organisation_name: str
    directorate: str
    entry_date: dt.date
    revision: int
    amounts: tuple[tuple[str, Decimal, Decimal], ...]  # (currency, amount, EUR)
    reversed: bool
    created_at: dt.datetime
    created_by: str
    channel: str
    source_sheet: str | None
    source_row: int | None
    batch_id: int | None
    batch_file: str | None
    batch_kind: str | None
    batch_at: dt.datetime | None
    batch_by: str | None
    audit: tuple[AuditEntry, ...]


def entry_source(
    uow: UnitOfWork,
    kind: str,
    reference: str,
    *,
    organisation: str | None = None,
    directorates: Sequence[str] | None = None,
) -> EntrySource:
    """The current revision of an entry (its latest one not a reversal), its source and its
    audit trail: the entry's own lines, its reversal's, and its import batch's.

    Raises:
        NotFoundError: no such entry (or an unknown kind).
        OutOfScopeError: the entry's organisation is outside ``directorates``.
    """
    model = _MODELS.get(kind)
    ref = str(reference or "").strip()[:120]
    if model is None or not ref:
        raise NotFoundError(f"Unknown entry {kind!r} {ref!r}.")
    owner = Commitment if kind == "payment" else model
    stmt = select(model, Organisation).select_from(model)
    if kind == "payment":
        stmt = stmt.join(Commitment, Commitment.id == Payment.commitment_id)
    stmt = (stmt.join(Organisation, Organisation.id == owner.organisation_id)
            .where(model.reference == ref, model.reverses_id.is_(None)))
    if organisation:
        stmt = stmt.where(Organisation.code == str(organisation).strip().upper()[:40])
    found = uow.session.execute(stmt.order_by(model.revision.desc(), model.id.desc()).limit(1)).first()
    if found is None:
        raise NotFoundError(f"No {kind} with reference {ref!r}.")
    row, org = found
    if directorates is not None and org.directorate_code not in directorates:
        raise OutOfScopeError(f"This {kind} belongs to an organisation outside your directorates.")
    reversal = uow.session.scalar(select(model.id).where(model.reverses_id == row.id))
    batch = uow.session.get(ImportBatch, row.batch_id) if row.batch_id is not None else None
    return EntrySource(
        kind=kind, entry_id=row.id, reference=row.reference, organisation=org.code,
        organisation_name=org.name, directorate=org.directorate_code, entry_date=row.entry_date,
        revision=int(row.revision or 0), amounts=_amounts(uow, kind, row), reversed=reversal is not None,
        created_at=row.created_at, created_by=row.created_by, channel=row.channel,
        source_sheet=row.source_sheet, source_row=row.source_row, batch_id=row.batch_id,
        batch_file=batch.file_name if batch else None, batch_kind=batch.kind if batch else None,
        batch_at=batch.created_at if batch else None, batch_by=batch.created_by if batch else None,
        audit=tuple(entry_audit(uow, kind, [row.id, *([reversal] if reversal else [])], row.batch_id)),
    )


def _amounts(uow: UnitOfWork, kind: str, row: Any) -> tuple[tuple[str, Decimal, Decimal], ...]:
    if kind != "assessment":
        return ((row.currency, row.amount, row.amount_eur),)
    lines = uow.session.execute(
        select(AssessmentLine.currency, AssessmentLine.amount, AssessmentLine.amount_eur)
        .where(AssessmentLine.assessment_id == row.id).order_by(AssessmentLine.currency))
    return tuple((cur, amount, eur) for cur, amount, eur in lines)


def entry_audit(uow: UnitOfWork, entity: str, ids: Sequence[int], batch_id: int | None) -> list[AuditEntry]:
    """The audit lines of entity rows ``ids`` and of import batch ``batch_id``, newest first."""
    keys = [str(i) for i in ids]
    lines = audit_trail(uow, entity=entity, limit=MAX_AUDIT_LINES, entity_ids=keys)
    if batch_id is not None:
        lines += audit_trail(uow, batch=batch_id, entity="import_batch", limit=MAX_AUDIT_LINES)
    return sorted(lines, key=lambda a: a.at, reverse=True)[:MAX_AUDIT_LINES]



@dataclass(frozen=True)
class BatchSource:
    """An import batch: its file, who loaded it and when, its counts and its audit lines."""

    batch_id: int
    kind: str
    file_name: str
    created_by: str
    created_at: dt.datetime
    rows_read: int
    rows_new: int
    undoes_batch_id: int | None
    undone_by: int | None
    audit: tuple[AuditEntry, ...]


def batch_source(uow: UnitOfWork, batch_id: int, *, directorates: Sequence[str] | None = None) -> BatchSource:
    """One import batch and its audit lines. A batch holds rows of any directorate: only a
    user who sees every directorate may open it.

    Raises:
        OutOfScopeError: the user sees only some directorates.
        NotFoundError: no such batch.
    """
    if directorates is not None:
        raise OutOfScopeError("Import batches are shown to users who see every directorate.")
    batch = uow.session.get(ImportBatch, int(batch_id)) if 0 < int(batch_id) < 2**31 else None
    if batch is None:
        raise NotFoundError(f"No import batch #{batch_id}.")
    undone_by = uow.session.scalar(select(ImportBatch.id).where(ImportBatch.undoes_batch_id == batch.id))
    return BatchSource(batch.id, batch.kind, batch.file_name, batch.created_by, batch.created_at,
                       int(batch.rows_read or 0), int(batch.rows_new or 0), batch.undoes_batch_id, undone_by,
                       tuple(audit_trail(uow, batch=batch.id, limit=MAX_AUDIT_LINES)))
