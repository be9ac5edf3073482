"""Timeliness of payments: how long after receipt, and whether by the due date, each assessment
was paid; medians and shares per organisation, directorate and year; the honour-roll flag.

An assessment's ``entry_date`` is its date received (DOMAIN.md). Its payments are those on the
commitments linked to it (the link :func:`budget.services.balances.assessment_sums` uses),
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

from sqlalchemy import Date, and_, case, func, literal, null, or_, select, type_coerce, union_all

from budget.ledger.models import Assessment, AssessmentLine, Commitment, Organisation, Payment
from budget.ledger.types import Money
from budget.money import ZERO, json_amount
from budget.services.entries import live
from budget.uow import UnitOfWork

#: The UN honour roll: Member States paying their regular-budget assessment in full within
#: 30 days of receiving it.
HONOUR_ROLL_DAYS = 30


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
        """Days from the due date to the full payment (negative: paid early)."""
        return None if self.fully_paid is None else (self.fully_paid - self.due_date).days

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
        return _share(Decimal(self.by_due_count), Decimal(self.decided_count))

    @property
    def share_by_due_eur(self) -> Decimal | None:
        return _share(self.by_due_eur, self.decided_eur)

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
    if not_assessed_in is not None:
        again = live(Assessment, Assessment.fiscal_year == not_assessed_in, Assessment.entry_date <= as_of)
        assessed = set(uow.session.scalars(again.with_only_columns(Assessment.organisation_id).distinct()))
        cond.append(Assessment.organisation_id.not_in(sorted(assessed)))
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


def _share(part: Decimal, whole: Decimal) -> Decimal | None:
    if whole == 0:
        return None
    return (part / whole).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _median(values: Sequence[int]) -> Decimal | None:
    if not values:
        return None
    return Decimal(statistics.median(sorted(values))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def assessment_timeliness(
    uow: UnitOfWork, years: Sequence[int], *, as_of: dt.date, directorates: Sequence[str] | None = None
) -> list[AssessmentTimeliness]:
    """Every live assessment of ``years`` received by ``as_of`` (credits returned left aside),
    with its first and full payment as of ``as_of``."""
    rows = [r for r in calls(uow, years, as_of=as_of, directorates=directorates)
            if any(v > 0 for v in r.lines.values())]
    paid: dict[tuple[str, str], tuple[dt.date | None, dt.date | None]] = {}
    if rows:
        for org, ref, _due, first_day, full_day in uow.session.execute(
                _payment_milestones(years, as_of, directorates)):
            paid[(org, ref)] = (_as_date(first_day), _as_date(full_day))
    out = []
    for r in rows:
        first, full = paid.get((r.organisation, r.reference), (None, None))
        out.append(AssessmentTimeliness(r.organisation, r.directorate, r.reference, r.fiscal_year, r.received,
                                        r.due_date, r.eur, first, full, as_of))
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


#: How many fiscal years before the outlook's year its payment delays are taken from.
DELAY_YEARS = 3


def _payment_milestones(years: Sequence[int], as_of: dt.date, directorates: Sequence[str] | None) -> Any:
    """SELECT (organisation, reference, due date, first paid, fully paid) of the live
    assessments of ``years`` received by ``as_of`` with a positive line, as of ``as_of``: the
    one rule of :attr:`AssessmentTimeliness.first_paid` and ``fully_paid``, in the database.

    The payments are those on the commitments linked to the assessment (to any revision of
    it: keyed by organisation and reference), dated on or before ``as_of``, reversals included.
    First paid: the first day a currency's payments of the day are positive. Fully paid: the
    first day from which every positive currency line stays paid in full (a reversal may
    reopen it); None while one is not.

    In SQL, one stream of rows per (call, currency): its assessed amount (one row dated before
    any payment) and its payments per day; windows give each payment day the running sum paid
    and the line's assessed amount; a line is paid in full from the first payment day after
    the last day it was short, the call from the latest of its lines' days. No join between
    derived tables (SQLite would scan one per row of the other), and no payment row comes back
    to Python: a million-entry ledger's three years are 100,000 payment days.
    """
    cond: list[Any] = [Assessment.fiscal_year.in_(list(years))]
    if directorates is not None:
        cond.append(Organisation.directorate_code.in_(list(directorates)))
    heads = (live(Assessment, *cond, Assessment.entry_date <= as_of)
             .join(Organisation, Organisation.id == Assessment.organisation_id))
    before = literal(dt.date(1900, 1, 1), Date)
    # A line: its call's due date and assessed amount; a payment: its amount (keyed, as
    # the timeliness keys them, by the reference of the call of any revision it is linked to).
    assessed = (heads.with_only_columns(Organisation.code.label("org"), Assessment.reference.label("ref"),
                                        Assessment.due_date.label("due"), AssessmentLine.currency.label("cur"),
                                        before.label("day"), AssessmentLine.amount.label("assessed"),
                                        literal(0, Money).label("paid"), maintain_column_froms=True)
                .join(AssessmentLine, AssessmentLine.assessment_id == Assessment.id))
    paid = (select(Organisation.code, Assessment.reference, null().label("due"), Payment.currency,
                   Payment.entry_date, literal(0, Money), Payment.amount)
            .select_from(Payment)
            .join(Commitment, Commitment.id == Payment.commitment_id)
            .join(Assessment, Assessment.id == Commitment.assessment_id)
            .join(Organisation, Organisation.id == Assessment.organisation_id)
            .where(*cond, Payment.entry_date <= as_of))
    rows = union_all(assessed, paid).subquery()
    day = (select(rows.c.org, rows.c.ref, rows.c.cur, rows.c.day, func.max(rows.c.due).label("due"),
                  func.sum(rows.c.assessed).label("assessed"), func.sum(rows.c.paid).label("paid"))
           .group_by(rows.c.org, rows.c.ref, rows.c.cur, rows.c.day)).subquery()
    line = (day.c.org, day.c.ref, day.c.cur)
    running = select(
        *line, day.c.day, func.max(day.c.due).over(partition_by=line).label("due"),
        func.sum(day.c.assessed).over(partition_by=line).label("assessed"),
        func.sum(day.c.paid).over(partition_by=line, order_by=day.c.day).label("paid"),
        day.c.paid.label("paid_day")).subquery()
    short = select(running, func.max(case((running.c.paid < running.c.assessed, running.c.day))).over(
        partition_by=(running.c.org, running.c.ref, running.c.cur)).label("last_short")).subquery()
    per_line = (select(
        short.c.org, short.c.ref, func.max(short.c.due).label("due"),
        func.max(short.c.assessed).label("assessed"),
        func.min(case((and_(short.c.day > before, short.c.paid_day > 0), short.c.day))).label("first"),
        func.min(case((and_(short.c.day > before, or_(short.c.last_short.is_(None),
                                                      short.c.day > short.c.last_short)), short.c.day))).label("full"))
        .group_by(short.c.org, short.c.ref, short.c.cur)).subquery()
    positive = per_line.c.assessed > 0
    lines = func.count(case((positive, 1)))
    full = case((func.count(case((positive, per_line.c.full))) == lines, func.max(case((positive, per_line.c.full)))))
    return (select(per_line.c.org, per_line.c.ref, func.max(per_line.c.due),
                   type_coerce(func.min(per_line.c.first), Date), type_coerce(full, Date))
            .group_by(per_line.c.org, per_line.c.ref)
            .having(lines > 0))


def median_delays(
    uow: UnitOfWork, year: int, *, as_of: dt.date, directorates: Sequence[str] | None = None
) -> dict[str, int]:
    """Per organisation, the median delay in days (due date to full payment, rounded half up)
    of its assessments of the :data:`DELAY_YEARS` (three) fiscal years before ``year`` paid in
    full by ``as_of``: the outlook's rule, an organisation's recent habit, so an old year's
    practice weighs no more. Organisations with none are left out (the outlook then takes the
    due date). The full payment day is :attr:`AssessmentTimeliness.fully_paid`
    (:func:`_payment_milestones`, computed in the database)."""
    years = [year - n for n in range(DELAY_YEARS, 0, -1)]
    per: dict[str, list[int]] = defaultdict(list)
    for org, _ref, due, _first, full in uow.session.execute(_payment_milestones(years, as_of, directorates)):
        if full is not None:
            per[org].append((_as_date(full) - _as_date(due)).days)
    return {org: int(Decimal(statistics.median(sorted(v))).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            for org, v in per.items()}


def _as_date(value: Any) -> Any:
    """A date (or None) from the database (SQLite may hand an aggregate's date back as text)."""
    return value if value is None or isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
