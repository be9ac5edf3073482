"""The audit trail: who did what, when, through which door and import batch (read only).

One set of filters (:class:`AuditFilter`) serves the ``budget audit`` command and the
dashboard's Audit page. A user limited to some directorates sees only the lines the ledger
can tie to an organisation or a basic allocation of those directorates (organisations,
their assessments, commitments, adjustments and payments; ABs and their credit movements): a line about
a whole import, exchange rates, users, a year closure or the projections concerns every
directorate or none, and is left out of a limited view.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, false, func, or_, select

from budget.ledger.models import (
    Assessment,
    AuditLog,
    BasicAllocation,
    Commitment,
    CommitmentAdjustment,
    CreditMovement,
    Organisation,
    Payment,
)
from budget.uow import UnitOfWork

#: The most lines one read returns (a page of the dashboard, a download, ``--limit``).
MAX_LINES = 100_000


@dataclass(frozen=True)
class AuditEntry:
    """One change recorded in the audit log (``at`` in UTC)."""

    at: dt.datetime
    user: str
    channel: str
    action: str
    entity: str
    entity_id: str | None
    batch_id: int | None
    details: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(timespec="seconds"), "user": self.user, "channel": self.channel,
                "action": self.action, "entity": self.entity, "entity_id": self.entity_id,
                "batch": self.batch_id, "details": self.details}

    def details_items(self) -> list[tuple[str, str]]:
        """The details as (key, text) pairs, keys in order (nested values as JSON)."""
        return [(str(key), _value_text(value)) for key, value in sorted(self.details.items())]

    def details_text(self, separator: str = "\n") -> str:
        """The details as ``key: value`` lines."""
        return separator.join(f"{key}: {value}" for key, value in self.details_items())


@dataclass(frozen=True)
class AuditFilter:
    """Which lines to read: days ``start``..``end`` inclusive (UTC), and exact values.

    ``directorates`` is the reader's limit (None: every line, see the module docstring).
    """

    start: dt.date | None = None
    end: dt.date | None = None
    user: str | None = None
    action: str | None = None
    entity: str | None = None
    channel: str | None = None
    batch: int | None = None
    directorates: tuple[str, ...] | None = None
    #: Some lines of one kind of entity (an entry's trail).
    entity_ids: tuple[str, ...] | None = None


@dataclass(frozen=True)
class AuditPage:
    """One page of the trail, newest first, and how many lines the filter matches in all."""

    entries: list[AuditEntry]
    total: int
    offset: int


@dataclass(frozen=True)
class AuditChoices:
    """The values the trail holds (within the reader's limit), for the filters' lists."""

    users: tuple[str, ...]
    actions: tuple[str, ...]
    entities: tuple[str, ...]
    channels: tuple[str, ...]


def audit_trail(
    uow: UnitOfWork,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    user: str | None = None,
    entity: str | None = None,
    batch: int | None = None,
    limit: int = 1000,
    entity_ids: Sequence[str] | None = None,
) -> list[AuditEntry]:
    """The newest ``limit`` audit entries between ``start`` and ``end`` (days, inclusive, UTC),
    optionally of one user, kind of entity (and some of its ids) or import batch; newest first."""
    found = AuditFilter(start=start, end=end, user=user, entity=entity, batch=batch,
                        entity_ids=None if entity_ids is None else tuple(entity_ids))
    return audit_page(uow, found, offset=0, limit=limit, count=False).entries


def audit_page(uow: UnitOfWork, where: AuditFilter, *, offset: int = 0, limit: int = 50,
               count: bool = True) -> AuditPage:
    """Lines ``offset`` to ``offset + limit`` of the filtered trail, newest first.

    Only that slice is read (the log grows by thousands of lines a year); ``total`` counts
    the matching lines in the database (0 when ``count`` is False).
    """
    limit = max(1, min(int(limit), MAX_LINES))
    offset = max(0, int(offset))
    cond = _conditions(where)
    # Columns, not ORM objects: a download of the whole trail reads a hundred thousand lines.
    rows = uow.session.execute(
        select(AuditLog.at, AuditLog.user, AuditLog.channel, AuditLog.action, AuditLog.entity,
               AuditLog.entity_id, AuditLog.batch_id, AuditLog.details)
        .where(*cond).order_by(AuditLog.id.desc()).offset(offset).limit(limit))
    entries = [AuditEntry(*r[:7], _details(r[7])) for r in rows]
    return AuditPage(entries, audit_count(uow, where) if count else 0, offset)


def audit_count(uow: UnitOfWork, where: AuditFilter) -> int:
    """How many lines of the trail the filter matches."""
    return int(uow.session.scalar(select(func.count(AuditLog.id)).where(*_conditions(where))) or 0)


def audit_choices(uow: UnitOfWork, directorates: Sequence[str] | None = None) -> AuditChoices:
    """The users, actions, kinds of entity and channels found in the reader's trail."""
    cond = _conditions(AuditFilter(directorates=_scope(directorates)))

    def distinct(column: Any) -> tuple[str, ...]:
        return tuple(v for v in uow.session.scalars(select(column).where(*cond).distinct()
                                                    .order_by(column)) if v)

    return AuditChoices(distinct(AuditLog.user), distinct(AuditLog.action),
                        distinct(AuditLog.entity), distinct(AuditLog.channel))


def _scope(directorates: Sequence[str] | None) -> tuple[str, ...] | None:
    return None if directorates is None else tuple(directorates)


def _conditions(where: AuditFilter) -> list[ColumnElement[bool]]:
    cond: list[ColumnElement[bool]] = []
    if where.start is not None:
        cond.append(AuditLog.at >= dt.datetime.combine(where.start, dt.time.min))
    if where.end is not None:
        cond.append(AuditLog.at < dt.datetime.combine(where.end + dt.timedelta(days=1), dt.time.min))
    for column, value in ((AuditLog.user, where.user), (AuditLog.action, where.action),
                          (AuditLog.entity, where.entity), (AuditLog.channel, where.channel),
                          (AuditLog.batch_id, where.batch)):
        if value is not None:
            cond.append(column == value)
    if where.entity_ids is not None:
        cond.append(AuditLog.entity_id.in_(list(where.entity_ids)))
    if where.directorates is not None:
        cond.append(in_directorates(where.directorates))
    return cond


def in_directorates(directorates: Sequence[str]) -> ColumnElement[bool]:
    """SQL: the audit line is about an organisation or an AB of these directorates."""
    codes = list(directorates)
    if not codes:
        return false()
    orgs = select(Organisation.id).where(Organisation.directorate_code.in_(codes))
    abs_ = select(BasicAllocation.id).where(BasicAllocation.directorate_code.in_(codes))

    def about(entity: str, ids: Any) -> ColumnElement[bool]:
        return and_(AuditLog.entity == entity, AuditLog.entity_id.in_(ids))

    return or_(
        about("organisation", select(Organisation.code).where(Organisation.directorate_code.in_(codes))),
        about("assessment", select(cast(Assessment.id, String))
              .where(Assessment.organisation_id.in_(orgs))),
        about("commitment", select(cast(Commitment.id, String))
              .where(Commitment.organisation_id.in_(orgs))),
        about("commitment_adjustment", select(cast(CommitmentAdjustment.id, String)).join(Commitment)
              .where(Commitment.organisation_id.in_(orgs))),
        about("payment", select(cast(Payment.id, String)).join(Commitment)
              .where(Commitment.organisation_id.in_(orgs))),
        about("basic_allocation", select(BasicAllocation.code)
              .where(BasicAllocation.directorate_code.in_(codes))),
        about("credit_movement", select(cast(CreditMovement.id, String))
              .where(CreditMovement.ab_id.in_(abs_))),
    )


def _value_text(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _details(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"text": text}
    return value if isinstance(value, dict) else {"value": value}
