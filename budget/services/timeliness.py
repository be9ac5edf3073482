"""Timeliness of payments: how long after receipt, and whether by the due date, each assessment
was paid; medians and shares per organisation, directorate and year; the honour-roll flag.

An assessment's ``entry_date`` is its date received (DOMAIN.md). Its payments are those on the
commitments linked to it (the link :func:`budget.services.open_sums.assessment_sums` uses),
dated on or before ``as_of``, reversals included at the date of what they reverse. It is paid
in full on the first day the payments in each currency reach the amount assessed in it.
The payment delay of :mod:`budget.services.outlook` is the one defined here
(:func:`median_delays`): days from the due date to the full payment.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select, type_coerce
from sqlalchemy.orm import aliased

from budget.ledger.models import Assessment, AssessmentLine, Organisation
from budget.ledger.types import Money
from budget.money import ZERO, json_amount, ratio
from budget.services import settlement
from budget.services.entries import live
from budget.uow import UnitOfWork

#: The UN honour roll: Member States paying their regular-budget assessment in full within
#: 30 days of receiving it.
HONOUR_ROLL_DAYS = 30

#: The same organisation's assessments of another year (:func:`calls` with ``not_assessed_in``).
_OTHER = aliased(Assessment, name="assessment_other_year")


def delay(due_date: dt.date, fully_paid: dt.date | None) -> int | None:
    """Days from the due date to the full payment (negative: paid early; None: not yet)."""
    return None if fully_paid is None else (fully_paid - due_date).days


@dataclass(frozen=True)
class AssessmentTimeliness:
    """One assessment: when received, due, first and fully paid (None: not yet)."""

    organisation: str
    directorate: str
    reference: str
    fiscal_year: int
    received: dt.date
    due_date: dt.date
    eur: Decimal
    first_paid: dt.date | None
    fully_paid: dt.date | None
    as_of: dt.date

    @property
    def days_to_first(self) -> int | None:
        return None if self.first_paid is None else (self.first_paid - self.received).days

    @property
    def days_to_full(self) -> int | None:
        return None if self.fully_paid is None else (self.fully_paid - self.received).days

    @property
    def delay(self) -> int | None:
        return delay(self.due_date, self.fully_paid)

    @property
    def paid_by_due(self) -> bool | None:
        """Paid in full by the due date; None while not paid and not yet due."""
        if self.fully_paid is not None:
            return self.fully_paid <= self.due_date
        return False if self.due_date < self.as_of else None

    def within(self, days: int) -> bool | None:
        """Paid in full within ``days`` of receipt; None while that can still happen."""
        if self.days_to_full is not None:
            return self.days_to_full <= days
        return False if (self.as_of - self.received).days > days else None

    def to_json(self, days: int = HONOUR_ROLL_DAYS) -> dict[str, Any]:
        def iso(day: dt.date | None) -> str | None:
            return None if day is None else day.isoformat()

        return {"organisation": self.organisation, "directorate": self.directorate,
                "reference": self.reference, "fiscal_year": self.fiscal_year,
                "received": iso(self.received), "due_date": iso(self.due_date), "eur": json_amount(self.eur),
                "first_paid": iso(self.first_paid), "fully_paid": iso(self.fully_paid),
                "days_to_first": self.days_to_first, "days_to_full": self.days_to_full,
                "paid_by_due": self.paid_by_due, f"paid_within_{days}_days": self.within(days)}


@dataclass(frozen=True)
class TimelinessGroup:
    """An organisation's or directorate's year: median days from receipt to full payment,
    the share paid by the due date (by count and by EUR), and the honour-roll test."""

    key: str
    fiscal_year: int
    count: int
    eur: Decimal
    median_days_to_full: Decimal | None
    median_delay: Decimal | None
    by_due_count: int
    by_due_eur: Decimal
    decided_count: int
    decided_eur: Decimal
    honour_roll: bool | None

    @property
    def share_by_due_count(self) -> Decimal | None:
        return ratio(Decimal(self.by_due_count), Decimal(self.decided_count))

    @property
    def share_by_due_eur(self) -> Decimal | None:
        return ratio(self.by_due_eur, self.decided_eur)

    def to_json(self) -> dict[str, Any]:
        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {"key": self.key, "fiscal_year": self.fiscal_year, "count": self.count,
                "eur": json_amount(self.eur), "median_days_to_full": text(self.median_days_to_full),
                "median_delay": text(self.median_delay),
                "share_paid_by_due_count": text(self.share_by_due_count),
                "share_paid_by_due_eur": text(self.share_by_due_eur), "honour_roll": self.honour_roll}


@dataclass(frozen=True)
class Timeliness:
    year: int
    as_of: dt.date
    within_days: int
    assessments: list[AssessmentTimeliness]
    organisations: list[TimelinessGroup]
    directorates: list[TimelinessGroup]

    def to_json(self) -> dict[str, Any]:
        return {"year": self.year, "as_of": self.as_of.isoformat(), "within_days": self.within_days,
                "assessments": [a.to_json(self.within_days) for a in self.assessments],
                "organisations": [g.to_json() for g in self.organisations],
                "directorates": [g.to_json() for g in self.directorates]}


@dataclass(frozen=True)
class Call:
    """A live assessment as the outlook and timeliness read it: dates and amounts only."""

    organisation: str
    directorate: str
    reference: str
    fiscal_year: int
    received: dt.date
    due_date: dt.date
    lines: dict[str, Decimal]
    eur: Decimal


def calls(
    uow: UnitOfWork, years: Sequence[int], *, as_of: dt.date, directorates: Sequence[str] | None = None,
    not_assessed_in: int | None = None,
) -> list[Call]:
    """The live assessments of ``years`` received by ``as_of`` (the assessments of
    :func:`budget.services.assessments.assessments`, by the same :func:`~budget.services.entries.live`
    rule), their lines summed per currency in SQL: columns, not ORM objects, so three years of
    a million-entry ledger cost a second, not a dozen. With ``not_assessed_in``, only the
    organisations with no such assessment of that fiscal year (the outlook's expected calls)."""
    cond: list[Any] = [Assessment.fiscal_year.in_(list(years)), Assessment.entry_date <= as_of]
    if directorates is not None:
        cond.append(Organisation.directorate_code.in_(list(directorates)))
    if not_assessed_in is not None:  # NOT IN a subquery the database lists once (no bound list)
        again = live(_OTHER, _OTHER.fiscal_year == not_assessed_in, _OTHER.entry_date <= as_of)
        cond.append(Assessment.organisation_id.not_in(again.with_only_columns(_OTHER.organisation_id)))
    found = live(Assessment, *cond).join(Organisation, Organisation.id == Assessment.organisation_id)
    heads = found.with_only_columns(Assessment.id, Organisation.code, Organisation.directorate_code,
                                    Assessment.reference, Assessment.fiscal_year, Assessment.entry_date,
                                    Assessment.due_date, maintain_column_froms=True)
    ids = found.with_only_columns(Assessment.id, maintain_column_froms=True).scalar_subquery()
    lines: dict[int, dict[str, tuple[Decimal, Decimal]]] = defaultdict(dict)
    for aid, cur, amount, eur in uow.session.execute(
        select(AssessmentLine.assessment_id, AssessmentLine.currency,
               type_coerce(func.sum(AssessmentLine.amount), Money),
               type_coerce(func.sum(AssessmentLine.amount_eur), Money))
        .where(AssessmentLine.assessment_id.in_(ids))
        .group_by(AssessmentLine.assessment_id, AssessmentLine.currency)
    ):
        lines[aid][cur] = (Decimal(amount), Decimal(eur))
    out = [Call(code, dcode, ref, fy, received, due, {c: v[0] for c, v in sorted(lines[aid].items())},
                sum((v[1] for v in lines[aid].values()), ZERO))
           for aid, code, dcode, ref, fy, received, due in uow.session.execute(heads)]
    out.sort(key=lambda r: (r.received, r.organisation, r.reference))
    return out




def _median(values: Sequence[int]) -> Decimal | None:
    if not values:
        return None
    return Decimal(statistics.median(sorted(values))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def assessment_timeliness(
    uow: UnitOfWork, years: Sequence[int], *, as_of: dt.date, directorates: Sequence[str] | None = None
) -> list[AssessmentTimeliness]:
    """Every live assessment of ``years`` received by ``as_of`` (credits returned left aside),
    with its first and full payment as of ``as_of`` (:func:`settlement.paid_as_of`)."""
    rows = [r for r in calls(uow, years, as_of=as_of, directorates=directorates)
            if any(v > 0 for v in r.lines.values())]
    paid = {(p.organisation, p.reference): p
            for p in settlement.paid_as_of(uow.session, years, as_of=as_of, directorates=directorates)} if rows else {}
    out = []
    for r in rows:
        p = paid.get((r.organisation, r.reference))
        out.append(AssessmentTimeliness(r.organisation, r.directorate, r.reference, r.fiscal_year, r.received,
                                        r.due_date, r.eur, p.first_paid if p else None,
                                        p.fully_paid if p else None, as_of))
    return out


def _group(key: str, year: int, items: Sequence[AssessmentTimeliness], within: int) -> TimelinessGroup:
    decided = [a for a in items if a.paid_by_due is not None]
    on_time = [a for a in decided if a.paid_by_due]
    flags = [a.within(within) for a in items]
    honour = False if any(f is False for f in flags) else (True if all(flags) else None)
    return TimelinessGroup(
        key=key, fiscal_year=year, count=len(items), eur=sum((a.eur for a in items), ZERO),
        median_days_to_full=_median([a.days_to_full for a in items if a.days_to_full is not None]),
        median_delay=_median([a.delay for a in items if a.delay is not None]),
        by_due_count=len(on_time), by_due_eur=sum((a.eur for a in on_time), ZERO),
        decided_count=len(decided), decided_eur=sum((a.eur for a in decided), ZERO), honour_roll=honour)


def timeliness(
    uow: UnitOfWork,
    year: int,
    *,
    as_of: dt.date | None = None,
    directorates: Sequence[str] | None = None,
    within_days: int = HONOUR_ROLL_DAYS,
) -> Timeliness:
    """Timeliness of the assessments of fiscal ``year`` as of ``as_of`` (default: today, or the
    year's 31 December for a past year), per assessment, organisation and directorate."""
    day = as_of or min(dt.date.today(), dt.date(year + 1, 12, 31))
    items = assessment_timeliness(uow, [year], as_of=day, directorates=directorates)
    by_org: dict[str, list[AssessmentTimeliness]] = defaultdict(list)
    by_dir: dict[str, list[AssessmentTimeliness]] = defaultdict(list)
    for a in items:
        by_org[a.organisation].append(a)
        by_dir[a.directorate].append(a)
    items.sort(key=lambda a: (a.organisation, a.received, a.reference))
    return Timeliness(
        year, day, within_days, items,
        [_group(k, year, v, within_days) for k, v in sorted(by_org.items())],
        [_group(k, year, v, within_days) for k, v in sorted(by_dir.items())])


def median_delays(
    uow: UnitOfWork, year: int, *, as_of: dt.date, directorates: Sequence[str] | None = None
) -> dict[str, int]:
    """Per organisation, the median delay in days (:func:`delay`, rounded half up) of its
    assessments of the three years before ``year`` paid in full by ``as_of``. Organisations
    with none are left out (the outlook then takes the due date).

    The three-year window is the outlook's rule: an organisation's recent habit; an older
    year's practice does not count."""
    per: dict[str, list[int]] = defaultdict(list)
    for p in settlement.paid_as_of(uow.session, [year - 3, year - 2, year - 1], as_of=as_of,
                                   directorates=directorates):
        days = delay(p.due_date, p.fully_paid)
        if days is not None:
            per[p.organisation].append(days)
    return {org: int(Decimal(statistics.median(sorted(v))).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            for org, v in per.items()}
