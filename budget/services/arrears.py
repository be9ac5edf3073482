"""What is still to pay on assessments as of a day: outstanding lines (credits returned set
against them), arrears with ageing, the credit left to use."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    and_,
    func,
    literal_column,
    select,
    type_coerce,
    union_all,
)

from budget.ledger.models import (
    Assessment,
    AssessmentLine,
    OpenAssessmentItem,
    Organisation,
)
from budget.money import ZERO, json_amount
from budget.services import open_sums
from budget.services.scope import org_filter
from budget.uow import UnitOfWork

AGEING_BUCKETS: tuple[str, ...] = ("0-30", "31-90", "91-365", "> 365")


def ageing_bucket(days_overdue: int) -> str:
    """The ageing bucket of an amount ``days_overdue`` days past its due date (>= 1)."""
    if days_overdue <= 30:
        return "0-30"
    if days_overdue <= 90:
        return "31-90"
    if days_overdue <= 365:
        return "91-365"
    return "> 365"


@dataclass(frozen=True)
class OutstandingLine:
    """What is still to pay on one currency line of an assessment."""

    organisation: str
    organisation_name: str
    directorate: str
    reference: str
    fiscal_year: int
    currency: str
    due_date: dt.date
    assessed: Decimal
    paid: Decimal
    outstanding: Decimal
    outstanding_eur: Decimal
    days_overdue: int

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0

    @property
    def bucket(self) -> str | None:
        return ageing_bucket(self.days_overdue) if self.overdue else None

    def to_json(self) -> dict[str, Any]:
        return {
            "organisation": self.organisation,
            "organisation_name": self.organisation_name,
            "directorate": self.directorate,
            "reference": self.reference,
            "fiscal_year": self.fiscal_year,
            "currency": self.currency,
            "due_date": self.due_date.isoformat(),
            "assessed": json_amount(self.assessed),
            "paid": json_amount(self.paid),
            "outstanding": json_amount(self.outstanding),
            "outstanding_eur": json_amount(self.outstanding_eur),
            "days_overdue": self.days_overdue,
            "bucket": self.bucket,
        }


@dataclass(frozen=True)
class Arrears:
    """Overdue assessment lines as of a date, with ageing, and what is not yet due."""

    as_of: dt.date
    overdue: list[OutstandingLine]
    not_yet_due: list[OutstandingLine]

    @property
    def buckets(self) -> dict[str, Decimal]:
        """Overdue EUR equivalent per ageing bucket (every bucket present)."""
        out = {b: ZERO for b in AGEING_BUCKETS}
        for line in self.overdue:
            out[line.bucket or "0-30"] += line.outstanding_eur
        return out

    @property
    def total_eur(self) -> Decimal:
        return sum((line.outstanding_eur for line in self.overdue), ZERO)

    @property
    def not_yet_due_eur(self) -> Decimal:
        return sum((line.outstanding_eur for line in self.not_yet_due), ZERO)

    def falling_due(self, end: dt.date) -> list[OutstandingLine]:
        """The lines not yet due that fall due on or before ``end`` (:func:`arrears_view`'s
        ``due_by`` slices are the largest of these)."""
        return [line for line in self.not_yet_due if line.due_date <= end]

    @property
    def by_currency(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for line in self.overdue:
            out[line.currency] += line.outstanding
        return dict(sorted(out.items()))

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "total_eur": json_amount(self.total_eur),
            "by_currency": {c: json_amount(v) for c, v in self.by_currency.items()},
            "buckets": {b: json_amount(v) for b, v in self.buckets.items()},
            "overdue": [line.to_json() for line in self.overdue],
            "not_yet_due": [line.to_json() for line in self.not_yet_due],
        }


def _outstanding_rows(
    uow: UnitOfWork, as_of: dt.date, directorates: Sequence[str] | None, year: int | None
) -> list[tuple[Any, ...]]:
    """(organisation code, name, directorate, reference, currency, assessed, assessed EUR,
    due date, fiscal year, paid or credited) of the lines open as of ``as_of``, net of the
    credits returned (:func:`net_credits`), amounts in integer cents."""
    credits = _credit_cents(uow, as_of, directorates)
    if not credits:  # nothing to net across years: the year's lines alone, read by its index
        return outstanding_rows_before_credits(uow, as_of, directorates, year)
    out = net_credits(outstanding_rows_before_credits(uow, as_of, directorates), credits)[0]
    if year is not None:
        out = [r for r in out if r[8] == year]
    return out


def outstanding_rows_before_credits(
    uow: UnitOfWork, as_of: dt.date, directorates: Sequence[str] | None, year: int | None = None,
) -> list[tuple[Any, ...]]:
    """The rows of :func:`_outstanding_rows` before credits returned are set against them
    (those of fiscal year ``year`` only, when given)."""
    # The open lines come from the maintained projection (a few thousand rows, whatever the
    # ledger's length); the lines touched by an entry dated after ``as_of`` are recomputed as
    # of that date from the entries, so a past date gives exactly the full query's answer.
    changed = open_sums.changed_assessments_after(as_of)
    item = OpenAssessmentItem
    # Left out: the keys changed after ``as_of`` (an anti-join: SQLite re-ran a row-value
    # ``NOT IN (subquery)`` for every row).
    current = (
        select(item.organisation_id, item.reference, item.currency, item.fiscal_year, item.due_date,
               item.assessed, item.assessed_eur, item.paid)
        .outerjoin(changed, and_(changed.c[0] == item.organisation_id, changed.c[1] == item.reference))
        .where(changed.c[0].is_(None))
    )
    recomputed = open_sums.assessment_sums(as_of, changed)
    both = union_all(current, recomputed).subquery()
    cond = [org_filter(directorates)]
    if year is not None:
        cond.append(both.c.fiscal_year == year)
    rows = uow.session.execute(
        select(Organisation.code, Organisation.name, Organisation.directorate_code,
               both.c.reference, both.c.currency, type_coerce(both.c.assessed, BigInteger),
               type_coerce(both.c.assessed_eur, BigInteger), type_coerce(both.c.due_date, Date),
               both.c.fiscal_year, type_coerce(both.c.paid, BigInteger))
        .select_from(both)
        .join(Organisation, Organisation.id == both.c.organisation_id)
        .where(*cond)
    ).all()
    # Integer cents (never NULL: every branch adds numbers), worked out with integers: a
    # ledger's few thousand open lines then cost milliseconds, not Decimal by Decimal.
    out = []
    for ocode, oname, dcode, ref, cur, amount, eur, due, fy, settled in rows:
        amount, eur, settled = int(amount), int(eur), int(settled)
        if amount > 0 and amount > settled:
            out.append((ocode, oname, dcode, ref, cur, amount, eur, due, fy, settled))
    return out


def _credit_cents(
    uow: UnitOfWork, as_of: dt.date, directorates: Sequence[str] | None
) -> dict[tuple[str, str], tuple[int, int]]:
    """Credits returned, as of ``as_of``: (organisation code, currency) -> (amount, EUR) in
    positive cents, from the assessment lines whose (organisation, reference, currency) nets
    below zero (a reversed credit nets to zero)."""
    # ``amount < 0`` written as a literal: it is the partial index's own condition
    # (ix_assessment_line_credit), which SQLite only uses for that very text.
    found = (
        select(Assessment.organisation_id.label("oid"), Assessment.reference.label("ref"),
               AssessmentLine.currency.label("cur"))
        .select_from(AssessmentLine)
        .join(Assessment, Assessment.id == AssessmentLine.assessment_id)
        .where(AssessmentLine.amount < literal_column("0"), Assessment.entry_date <= as_of).distinct()
    )
    # Most days no credit was ever returned: then there is nothing to net (and no need to
    # read the lines of every assessment for the sums below).
    if uow.session.execute(found.limit(1)).first() is None:
        return {}
    credited = found.subquery()
    net = (
        select(Organisation.code, AssessmentLine.currency,
               type_coerce(func.sum(AssessmentLine.amount), BigInteger),
               type_coerce(func.sum(AssessmentLine.amount_eur), BigInteger))
        .select_from(credited)
        .join(Assessment, and_(Assessment.organisation_id == credited.c.oid, Assessment.reference == credited.c.ref))
        .join(AssessmentLine, and_(AssessmentLine.assessment_id == Assessment.id,
                                   AssessmentLine.currency == credited.c.cur))
        .join(Organisation, Organisation.id == Assessment.organisation_id)
        .where(Assessment.entry_date <= as_of, org_filter(directorates))
        .group_by(Organisation.code, Assessment.reference, AssessmentLine.currency)
    )
    out: dict[tuple[str, str], tuple[int, int]] = {}
    for code, cur, amount, eur in uow.session.execute(net):
        if int(amount) < 0:
            a, e = out.get((code, cur), (0, 0))
            out[(code, cur)] = (a - int(amount), e - int(eur))
    return out


def net_credits(
    rows: list[tuple[Any, ...]], credits: dict[tuple[str, str], tuple[int, int]]
) -> tuple[list[tuple[Any, ...]], dict[tuple[str, str], tuple[int, int]]]:
    """The rule for credits returned (DOMAIN.md): set against what the organisation is owed in
    the same currency, oldest due date first; what is left is a credit to use, never a
    negative arrear. ``rows`` as :func:`_outstanding_rows` (cents, ``settled`` at index 9);
    returns the rows still open and the credit left per (organisation, currency)."""
    left = {k: v[0] for k, v in credits.items()}
    out = []
    for r in sorted(rows, key=lambda r: (r[7], r[3], r[4])):
        key = (r[0], r[4])
        take = min(left.get(key, 0), r[5] - r[9])
        if take:
            left[key] -= take
            r = (*r[:9], r[9] + take)
        if r[5] > r[9]:
            out.append(r)
    remaining = {k: (a, share_half_up(credits[k][1], a, credits[k][0])) for k, a in left.items() if a > 0}
    return out, remaining


def credits_available(
    uow: UnitOfWork, as_of: dt.date, *, directorates: Sequence[str] | None = None
) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    """Credit left to use per (organisation, currency) as of ``as_of``: (amount, EUR at the
    credit lines' own rates), after :func:`net_credits` against what is owed."""
    credits = _credit_cents(uow, as_of, directorates)
    if not credits:
        return {}
    rows = outstanding_rows_before_credits(uow, as_of, directorates)
    _, left = net_credits(rows, credits)
    return {k: (cents(a), cents(e)) for k, (a, e) in sorted(left.items())}


@dataclass(frozen=True)
class ArrearsSummary:
    """The figures of :class:`Arrears` without its lines (a headline costs no list)."""

    as_of: dt.date
    total_eur: Decimal
    overdue_count: int
    buckets: dict[str, Decimal]
    by_currency: dict[str, Decimal]
    not_yet_due_count: int
    not_yet_due_eur: Decimal


def arrears_summary(
    uow: UnitOfWork, as_of: dt.date, *, directorates: Sequence[str] | None = None
) -> ArrearsSummary:
    """Overdue total, ageing buckets, per currency, and what is not yet due, as of ``as_of``:
    :func:`arrears_view`'s summary without its lines. The same cents as :func:`arrears`."""
    return arrears_view(uow, as_of, directorates=directorates, top=0).summary


@dataclass(frozen=True)
class LineSlice:
    """The ``top`` largest lines (by outstanding EUR) of a list, kept in the list's order, with
    the count and EUR total of the whole list."""

    lines: list[OutstandingLine]
    count: int
    total_eur: Decimal


@dataclass(frozen=True)
class ArrearsView:
    """What an arrears page shows: the figures, the largest overdue lines, and the largest
    lines not yet due falling due on or before each date asked for."""

    summary: ArrearsSummary
    overdue: LineSlice
    due: list[LineSlice]


def arrears_view(
    uow: UnitOfWork,
    as_of: dt.date,
    *,
    directorates: Sequence[str] | None = None,
    top: int = 200,
    due_by: Sequence[dt.date] = (),
) -> ArrearsView:
    """:func:`arrears_summary` plus the ``top`` largest overdue lines (in :func:`arrears`'s
    order) and, per date of ``due_by``, the ``top`` largest lines not yet due by then (in
    :func:`outstanding`'s order). One pass over the open lines in integer cents; line objects
    only for the lines kept. The same cents as the full lists."""
    import heapq

    rows = []
    for ocode, oname, dcode, ref, cur, amount, eur, due, fy, settled in _outstanding_rows(
            uow, as_of, directorates, None):
        left = amount - settled
        rows.append((due, ocode, ref, cur, oname, dcode, fy, amount, settled, left,
                     share_half_up(eur, left, amount), (as_of - due).days))
    rows.sort(key=lambda r: r[:4])  # outstanding()'s order; arrears' overdue order is the same

    def line(r: tuple[Any, ...]) -> OutstandingLine:
        due, ocode, ref, cur, oname, dcode, fy, amount, settled, left, left_eur, days = r
        return OutstandingLine(
            organisation=ocode, organisation_name=oname, directorate=dcode, reference=ref,
            fiscal_year=int(fy), currency=cur, due_date=due, assessed=cents(amount),
            paid=cents(settled), outstanding=cents(left), outstanding_eur=cents(left_eur),
            days_overdue=max(0, days))

    def sliced(chosen: list[tuple[Any, ...]]) -> LineSlice:
        keep = set(heapq.nlargest(top, range(len(chosen)), key=lambda i: chosen[i][10]))
        return LineSlice([line(r) for i, r in enumerate(chosen) if i in keep], len(chosen),
                         cents(sum(r[10] for r in chosen)))

    buckets = dict.fromkeys(AGEING_BUCKETS, 0)
    by_currency: dict[str, int] = defaultdict(int)
    overdue, later = [], []
    for r in rows:
        if r[11] > 0:
            overdue.append(r)
            buckets[ageing_bucket(r[11])] += r[10]
            by_currency[r[3]] += r[9]
        else:
            later.append(r)
    summary = ArrearsSummary(
        as_of=as_of, total_eur=cents(sum(buckets.values())), overdue_count=len(overdue),
        buckets={b: cents(v) for b, v in buckets.items()},
        by_currency={c: cents(v) for c, v in sorted(by_currency.items())},
        not_yet_due_count=len(later), not_yet_due_eur=cents(sum(r[10] for r in later)),
    )
    return ArrearsView(summary, sliced(overdue), [sliced([r for r in later if r[0] <= end]) for end in due_by])


def outstanding(
    uow: UnitOfWork,
    as_of: dt.date,
    *,
    directorates: Sequence[str] | None = None,
    year: int | None = None,
) -> list[OutstandingLine]:
    """Every assessment line with something left to pay as of ``as_of``.

    Assessed amounts are net of reversals and corrections; paid amounts are the payments,
    dated on or before ``as_of``, on commitments linked to the assessment in that currency.
    The EUR equivalent is the outstanding share of the line's EUR value at its recorded rate.
    """
    out = []
    for ocode, oname, dcode, ref, cur, amount, eur, due, fy, settled in _outstanding_rows(
            uow, as_of, directorates, year):
        left = amount - settled
        out.append(OutstandingLine(
            organisation=ocode, organisation_name=oname, directorate=dcode, reference=ref,
            fiscal_year=int(fy), currency=cur, due_date=due, assessed=cents(amount),
            paid=cents(settled), outstanding=cents(left),
            outstanding_eur=cents(share_half_up(eur, left, amount)),
            days_overdue=max(0, (as_of - due).days),
        ))
    out.sort(key=lambda line: (line.due_date, line.organisation, line.reference, line.currency))
    return out


def cents(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


def share_half_up(total: int, part: int, whole: int) -> int:
    """``total * part / whole`` rounded half away from zero, exactly (integers, ``whole`` > 0).

    The same cent as ``round_cents(Decimal)`` of the quotient: for amounts below a hundred
    billion, Decimal's 28 digits cannot move a quotient across a half cent.
    """
    sign = -1 if total < 0 else 1
    return sign * ((2 * abs(total) * part + whole) // (2 * whole))


def arrears(
    uow: UnitOfWork, as_of: dt.date, *, directorates: Sequence[str] | None = None
) -> Arrears:
    """Overdue assessments with ageing buckets as of ``as_of``, and what is not yet due."""
    lines = outstanding(uow, as_of, directorates=directorates)
    overdue = sorted((x for x in lines if x.overdue), key=lambda x: (-x.days_overdue, x.organisation))
    return Arrears(as_of, overdue, [x for x in lines if not x.overdue])
