"""Organisations and directorates in a year: each organisation's status (assessed, committed,
paid, outstanding, overdue), the directorates' sums, an organisation's detail and its years.
Plain frozen dataclasses; aggregation in SQL; figures built from the same functions as
``views`` so they equal the rest of the product to the cent.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, literal, select, union

from budget.errors import UnknownOrganisationError
from budget.ledger.models import (
    Assessment,
    AssessmentLine,
    BasicAllocation,
    Commitment,
    CommitmentAdjustment,
    CreditMovement,
    Organisation,
    Payment,
    charged_year,
)
from budget.money import ZERO, json_amount
from budget.services import status, views
from budget.services.entries import live_conditions
from budget.services.exchange import differences_on
from budget.services.figures import Executed, ExecutedInEur
from budget.services.names import display_name
from budget.services.periods import due_dates
from budget.services.reference import closest
from budget.services.status import payment_status
from budget.uow import UnitOfWork

#: Organisation statuses, in the order a budget officer triages them.
STATUSES = status.STATUSES


# --------------------------------------------------------------------------- status


def _rows(result: Any) -> list[Any]:
    """Result rows typed loosely (they are unpacked into the view dataclasses)."""
    return list(result)


def _pairs(result: object) -> dict:
    """A two-column result as a dict."""
    return {row[0]: row[1] for row in result}  # type: ignore[attr-defined]


@dataclass(frozen=True)
class OrganisationStatus(Executed):
    """One organisation (contribution stream) in a fiscal year, as of a date."""

    code: str
    name: str
    directorate: str
    currency: str
    assessed: dict[str, Decimal]
    assessed_eur: Decimal
    committed: Decimal
    paid: Decimal
    outstanding_eur: Decimal
    overdue_eur: Decimal
    due_date: dt.date | None
    status: str
    #: Every payment dated in the year, whatever its commitment's year (as in execution).
    paid_in_year: Decimal = ZERO

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "directorate": self.directorate, "currency": self.currency,
                "assessed": {c: json_amount(v) for c, v in sorted(self.assessed.items())},
                "assessed_eur": json_amount(self.assessed_eur), "committed": json_amount(self.committed),
                "paid": json_amount(self.paid), "open": json_amount(self.open),
                "paid_in_year": json_amount(self.paid_in_year), "outstanding_eur": json_amount(self.outstanding_eur),
                "overdue_eur": json_amount(self.overdue_eur),
                "due_date": None if self.due_date is None else self.due_date.isoformat(), "status": self.status}


def organisation_status(
    uow: UnitOfWork,
    year: int,
    *,
    as_of: dt.date | None = None,
    directorates: Sequence[str] | None = None,
    lang: str = "en",
) -> list[OrganisationStatus]:
    """Every organisation with its year's figures, next due date and payment status
    (named in ``lang``).

    Assessed, committed and paid come from :func:`views.execution` (by organisation);
    what is still to pay and overdue from :func:`views.outstanding` on the year's
    assessments, as of ``as_of`` (default: today).
    """
    day = as_of or dt.date.today()
    ex = views.execution(uow, year, "organisation", as_of=as_of, directorates=directorates, lang=lang)
    lines = views.outstanding(uow, day, directorates=directorates, year=year)
    return statuses(uow, year, day, ex, lines, directorates)


def statuses(
    uow: UnitOfWork,
    year: int,
    day: dt.date,
    ex: views.Execution,
    lines: Sequence[views.OutstandingLine],
    directorates: Sequence[str] | None = None,
) -> list[OrganisationStatus]:
    """:func:`organisation_status` from the year's execution by organisation (``ex``) and the
    year's assessment lines still to pay (``lines``) already read as of ``day`` (the monthly
    report has both): the next due date still to honour (else the year's last, of the live
    assessments), what is outstanding and overdue, and the payment status."""
    credit: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for (code, _cur), (_amount, eur) in views.credits_available(uow, day, directorates=directorates).items():
        credit[code] += eur
    per_org: dict[str, list[views.OutstandingLine]] = defaultdict(list)
    for line in lines:
        per_org[line.organisation].append(line)
    currency = _pairs(uow.session.execute(
        select(Organisation.code, Organisation.currency).where(views.org_filter(directorates))
    ))
    dues = due_dates(uow, year, as_of=day, directorates=directorates)
    out = []
    for row in ex.rows:
        mine = per_org.get(row.key, [])
        last = dues.get(row.key)
        due = min((x.due_date for x in mine), default=None if last is None else last.last)
        out.append(OrganisationStatus(
            code=row.key, name=row.name, directorate=row.directorate or "",
            currency=currency.get(row.key, "EUR"), assessed=dict(row.assessed),
            assessed_eur=row.assessed_eur, committed=row.committed, paid=row.paid,
            outstanding_eur=sum((x.outstanding_eur for x in mine), ZERO),
            overdue_eur=sum((x.outstanding_eur for x in mine if x.overdue), ZERO),
            due_date=due, status=payment_status(row.assessed, mine, row.paid, credit.get(row.key, ZERO)),
            paid_in_year=row.paid_in_year,
        ))
    return out


@dataclass(frozen=True)
class DirectorateStatus(Executed):
    """One directorate in a fiscal year: the sums of its organisations' figures."""

    code: str
    name: str
    organisations: int
    assessed_eur: Decimal
    committed: Decimal
    paid: Decimal
    paid_in_year: Decimal
    overdue_eur: Decimal


def directorate_status(
    statuses: Sequence[OrganisationStatus],
    directorates: Sequence[views.DirectorateInfo],
    scope: Sequence[str] | None = None,
    lang: str = "en",
) -> list[DirectorateStatus]:
    """Per directorate (every one in ``scope``, in code order), the sums of
    :func:`organisation_status` rows already read.

    The same figures as :func:`views.execution` by directorate (which groups the same
    entries by the organisation's directorate), without reading the year a second time:
    the directorates page needs the organisations anyway for its drill-down.
    """
    names = {d.code: display_name(d, lang) for d in directorates if scope is None or d.code in scope}
    groups: dict[str, list[OrganisationStatus]] = defaultdict(list)
    for s in statuses:
        groups[s.directorate].append(s)
    out = []
    for code in sorted(set(names) | {k for k in groups if k}):
        mine = groups.get(code, [])
        out.append(DirectorateStatus(
            code=code, name=names.get(code, code), organisations=len(mine),
            assessed_eur=sum((s.assessed_eur for s in mine), ZERO),
            committed=sum((s.committed for s in mine), ZERO),
            paid=sum((s.paid for s in mine), ZERO),
            paid_in_year=sum((s.paid_in_year for s in mine), ZERO),
            overdue_eur=sum((s.overdue_eur for s in mine), ZERO),
        ))
    return out


def fiscal_years(uow: UnitOfWork) -> list[int]:
    """The fiscal years with credits, assessments or commitments, ascending.

    The same as :func:`views.years_with_data`, read by jumping from year to year along
    each table's fiscal-year index (a recursive query: one index seek per year) instead
    of reading the whole index: twenty years of a million entries cost a fraction of a ms,
    and every page with a year selector asks for it.
    """
    return sorted({int(y) for (y,) in uow.session.execute(_fiscal_years_stmt()) if y is not None})


@functools.cache
def _fiscal_years_stmt() -> Any:
    """One statement, built once (SQLAlchemy then compiles it once per dialect)."""
    parts = []
    for model in (CreditMovement, Commitment, Assessment):
        table: Any = model.__table__
        seed = select(func.min(table.c.fiscal_year).label("y")).cte(
            f"years_{table.name}", recursive=True)
        nxt = table.alias(f"next_{table.name}")
        step = select(
            select(func.min(nxt.c.fiscal_year)).where(nxt.c.fiscal_year > seed.c.y)
            .scalar_subquery()
        ).where(seed.c.y.is_not(None))
        years = seed.union_all(step)
        parts.append(select(years.c.y))
    return union(*parts)


# --------------------------------------------------------------------------- detail


@dataclass(frozen=True)
class AssessmentLineView:
    reference: str
    fiscal_year: int
    period_start: dt.date
    period_end: dt.date
    due_date: dt.date
    entry_date: dt.date
    currency: str
    amount: Decimal
    amount_eur: Decimal
    rate: Decimal


@dataclass(frozen=True)
class CommitmentView(ExecutedInEur):
    reference: str
    entry_date: dt.date
    fiscal_year: int
    ab: str
    assessment: str | None
    currency: str
    amount: Decimal
    amount_eur: Decimal
    rate: Decimal
    adjusted: Decimal
    adjusted_eur: Decimal
    paid: Decimal
    paid_eur: Decimal

    @property
    def committed(self) -> Decimal:
        return self.amount + self.adjusted

    @property
    def committed_eur(self) -> Decimal:
        return self.amount_eur + self.adjusted_eur


@dataclass(frozen=True)
class PaymentView:
    reference: str
    entry_date: dt.date
    commitment: str
    currency: str
    amount: Decimal
    amount_eur: Decimal
    rate: Decimal
    rate_date: dt.date | None
    rate_source: str


@dataclass(frozen=True)
class YearFigures(Executed):
    year: int
    assessed_eur: Decimal
    committed: Decimal
    paid: Decimal


@dataclass(frozen=True)
class OrganisationDetail:
    """Everything about one organisation: its entries, differences and years."""

    info: views.OrganisationInfo
    assessments: list[AssessmentLineView]
    commitments: list[CommitmentView]
    payments: list[PaymentView]
    exchange_differences: list[views.ExchangeDifference]
    years: list[YearFigures] = field(default_factory=list)


def organisation_detail(
    uow: UnitOfWork,
    code: str,
    *,
    as_of: dt.date | None = None,
    year: int | None = None,
    directorates: Sequence[str] | None = None,
) -> OrganisationDetail:
    """One organisation's live entries (reversed pairs left out), as of ``as_of``.

    With ``year``, the assessments and commitments of that fiscal year, the payments and
    exchange differences on those commitments; ``years`` always covers every year.

    Raises:
        UnknownOrganisationError: no such organisation, or outside ``directorates``.
    """
    infos = [o for o in views.organisations(uow, directorates) if o.code == code.strip().upper()]
    if not infos:
        known = [o.code for o in views.organisations(uow, directorates)]
        near = closest(code, known)
        hint = f" Did you mean {', '.join(near)}?" if near else ""
        raise UnknownOrganisationError(f"Unknown organisation {code!r}.{hint}")
    info = infos[0]
    org_id = uow.session.scalar(select(Organisation.id).where(Organisation.code == info.code))
    s = uow.session
    # Sums and lists over this organisation's commitments only (index on commitment_id),
    # so the detail costs the same on a small and on a twenty-year ledger.
    mine = select(Commitment.id).where(
        Commitment.organisation_id == org_id,
        Commitment.fiscal_year == year if year is not None else literal(True))
    in_year = Assessment.fiscal_year == year if year is not None else literal(True)

    assessments = [
        AssessmentLineView(*row) for row in _rows(s.execute(
            select(Assessment.reference, Assessment.fiscal_year, Assessment.period_start,
                   Assessment.period_end, Assessment.due_date, Assessment.entry_date,
                   AssessmentLine.currency, AssessmentLine.amount, AssessmentLine.amount_eur,
                   AssessmentLine.rate)
            .join(AssessmentLine, AssessmentLine.assessment_id == Assessment.id)
            .where(*live_conditions(Assessment), Assessment.organisation_id == org_id, in_year,
                   views.upto(Assessment.entry_date, as_of))
            .order_by(Assessment.fiscal_year.desc(), Assessment.due_date.desc(),
                      Assessment.reference, AssessmentLine.currency)
        ))
    ]

    adj = (
        select(CommitmentAdjustment.commitment_id.label("cid"),
               func.sum(CommitmentAdjustment.amount).label("amount"),
               func.sum(CommitmentAdjustment.amount_eur).label("eur"))
        .where(CommitmentAdjustment.commitment_id.in_(mine),
               views.upto(CommitmentAdjustment.entry_date, as_of))
        .group_by(CommitmentAdjustment.commitment_id).subquery()
    )
    pay = (
        select(Payment.commitment_id.label("cid"), func.sum(Payment.amount).label("amount"),
               func.sum(Payment.amount_eur).label("eur"))
        .where(Payment.commitment_id.in_(mine), views.upto(Payment.entry_date, as_of))
        .group_by(Payment.commitment_id).subquery()
    )
    commitments = []
    for r in _rows(s.execute(
        select(Commitment.reference, Commitment.entry_date, Commitment.fiscal_year,
               BasicAllocation.code, Assessment.reference, Commitment.currency,
               Commitment.amount, Commitment.amount_eur, Commitment.rate,
               adj.c.amount, adj.c.eur, pay.c.amount, pay.c.eur)
        .join(BasicAllocation, BasicAllocation.id == Commitment.ab_id)
        .outerjoin(Assessment, Assessment.id == Commitment.assessment_id)
        .outerjoin(adj, adj.c.cid == Commitment.id)
        .outerjoin(pay, pay.c.cid == Commitment.id)
        .where(*live_conditions(Commitment), Commitment.id.in_(mine),
               views.upto(Commitment.entry_date, as_of))
        .order_by(Commitment.entry_date.desc(), Commitment.reference)
    )):
        ref, day, fy, ab, assessment, cur, amount, eur, rate_ = r[:9]
        commitments.append(CommitmentView(
            reference=ref, entry_date=day, fiscal_year=fy, ab=ab, assessment=assessment,
            currency=cur, amount=amount, amount_eur=eur, rate=rate_,
            adjusted=views.as_decimal(r[9]), adjusted_eur=views.as_decimal(r[10]),
            paid=views.as_decimal(r[11]), paid_eur=views.as_decimal(r[12]),
        ))

    payments = [
        PaymentView(*row) for row in s.execute(
            select(Payment.reference, Payment.entry_date, Commitment.reference, Payment.currency,
                   Payment.amount, Payment.amount_eur, Payment.rate, Payment.rate_date,
                   Payment.rate_source)
            .join(Commitment, Commitment.id == Payment.commitment_id)
            .where(*live_conditions(Payment), Payment.commitment_id.in_(mine),
                   views.upto(Payment.entry_date, as_of))
            .order_by(Payment.entry_date, Payment.reference)
        )
    ]

    diffs = differences_on(uow, mine, as_of)

    return OrganisationDetail(info, assessments, commitments, payments, diffs,
                              organisation_years(uow, info.code, as_of=as_of))


def organisation_years(
    uow: UnitOfWork, code: str, *, as_of: dt.date | None = None
) -> list[YearFigures]:
    """Assessed, committed and paid of one organisation for every fiscal year (SQL sums)."""
    s = uow.session
    org = Organisation.code == code
    assessed = _pairs(s.execute(
        select(Assessment.fiscal_year, func.sum(AssessmentLine.amount_eur))
        .join(AssessmentLine, AssessmentLine.assessment_id == Assessment.id)
        .join(Organisation, Organisation.id == Assessment.organisation_id)
        .where(org, views.upto(Assessment.entry_date, as_of))
        .group_by(Assessment.fiscal_year)
    ))
    committed = _pairs(s.execute(
        select(Commitment.fiscal_year, func.sum(Commitment.amount_eur))
        .join(Organisation, Organisation.id == Commitment.organisation_id)
        .where(org, views.upto(Commitment.entry_date, as_of))
        .group_by(Commitment.fiscal_year)
    ))
    adjusted = _pairs(s.execute(
        select(charged_year(), func.sum(CommitmentAdjustment.amount_eur))
        .join(Commitment, Commitment.id == CommitmentAdjustment.commitment_id)
        .join(Organisation, Organisation.id == Commitment.organisation_id)
        .where(org, views.upto(CommitmentAdjustment.entry_date, as_of))
        .group_by(charged_year())
    ))
    paid = _pairs(s.execute(
        select(Commitment.fiscal_year, func.sum(Payment.amount_eur))
        .join(Commitment, Commitment.id == Payment.commitment_id)
        .join(Organisation, Organisation.id == Commitment.organisation_id)
        .where(org, views.upto(Payment.entry_date, as_of))
        .group_by(Commitment.fiscal_year)
    ))
    years = sorted(set(assessed) | set(committed) | set(adjusted) | set(paid), reverse=True)
    return [
        YearFigures(
            int(y), views.as_decimal(assessed.get(y)),
            views.as_decimal(committed.get(y)) + views.as_decimal(adjusted.get(y)), views.as_decimal(paid.get(y)),
        )
        for y in years
    ]
