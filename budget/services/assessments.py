"""Assessments as registered: each live call with its currency lines, dates and source (read only)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from budget.ledger.models import Assessment, AssessmentLine, ImportBatch, Organisation
from budget.money import json_amount
from budget.services.entries import live
from budget.uow import UnitOfWork


@dataclass(frozen=True)
class AssessmentRow:
    """A live assessment: its business dates (received, due), lines and where it came from."""

    organisation: str
    directorate: str
    reference: str
    fiscal_year: int
    received: dt.date
    due_date: dt.date
    period_start: dt.date
    period_end: dt.date
    lines: dict[str, Decimal]
    eur: Decimal
    source: str

    def to_json(self) -> dict[str, Any]:
        return {"organisation": self.organisation, "directorate": self.directorate, "reference": self.reference,
                "fiscal_year": self.fiscal_year, "received": self.received.isoformat(),
                "due_date": self.due_date.isoformat(), "period_start": self.period_start.isoformat(),
                "period_end": self.period_end.isoformat(),
                "lines": {c: json_amount(v) for c, v in self.lines.items()}, "eur": json_amount(self.eur),
                "source": self.source}


def assessments(
    uow: UnitOfWork,
    *,
    year: int | None = None,
    organisation: str | None = None,
    directorates: Sequence[str] | None = None,
    as_of: dt.date | None = None,
) -> list[AssessmentRow]:
    """Live assessments (optionally of one fiscal year, organisation or directorates, and
    received on or before ``as_of``), by date received then organisation and reference."""
    cond: list[Any] = []
    if year is not None:
        cond.append(Assessment.fiscal_year == year)
    if organisation is not None:
        cond.append(Organisation.code == organisation.strip().upper())
    if directorates:
        cond.append(Organisation.directorate_code.in_(list(directorates)))
    if as_of is not None:
        cond.append(Assessment.entry_date <= as_of)
    stmt = (live(Assessment, *cond).join(Organisation, Organisation.id == Assessment.organisation_id)
            .outerjoin(ImportBatch, ImportBatch.id == Assessment.batch_id)
            .add_columns(Organisation.code, Organisation.directorate_code, ImportBatch.file_name))
    found = list(uow.session.execute(stmt))
    lines: dict[int, dict[str, tuple[Decimal, Decimal]]] = defaultdict(dict)
    ids = [a.id for a, *_ in found]
    for start in range(0, len(ids), 1000):
        for aid, cur, amount, eur in uow.session.execute(
            select(AssessmentLine.assessment_id, AssessmentLine.currency, AssessmentLine.amount,
                   AssessmentLine.amount_eur).where(AssessmentLine.assessment_id.in_(ids[start:start + 1000]))
        ):
            lines[aid][cur] = (amount, eur)
    out = [
        AssessmentRow(
            organisation=code, directorate=dcode, reference=a.reference, fiscal_year=a.fiscal_year,
            received=a.entry_date, due_date=a.due_date, period_start=a.period_start, period_end=a.period_end,
            lines={c: v[0] for c, v in sorted(lines[a.id].items())},
            eur=sum((v[1] for v in lines[a.id].values()), Decimal(0)),
            source=_source(a.channel, a.batch_id, file_name, a.source_sheet, a.source_row),
        )
        for a, code, dcode, file_name in found
    ]
    out.sort(key=lambda r: (r.received, r.organisation, r.reference))
    return out


def _source(channel: str, batch: int | None, file_name: str | None, sheet: str | None, row: int | None) -> str:
    if batch is None:
        return channel
    where = f"batch {batch} {file_name or ''}".strip()
    if sheet:
        where += f", sheet {sheet}"
    if row:
        where += f", row {row}"
    return where
