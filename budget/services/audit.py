"""The audit trail: who did what, when, through which door and import batch (read only)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from budget.ledger.models import AuditLog
from budget.uow import UnitOfWork


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
    cond = []
    if start is not None:
        cond.append(AuditLog.at >= dt.datetime.combine(start, dt.time.min))
    if end is not None:
        cond.append(AuditLog.at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    if user is not None:
        cond.append(AuditLog.user == user)
    if entity is not None:
        cond.append(AuditLog.entity == entity)
    if batch is not None:
        cond.append(AuditLog.batch_id == batch)
    if entity_ids is not None:
        cond.append(AuditLog.entity_id.in_(list(entity_ids)))
    rows = uow.session.scalars(select(AuditLog).where(*cond).order_by(AuditLog.id.desc()).limit(limit))
    return [AuditEntry(r.at, r.user, r.channel, r.action, r.entity, r.entity_id, r.batch_id, _details(r.details))
            for r in rows]


def _details(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"text": text}
    return value if isinstance(value, dict) else {"value": value}
