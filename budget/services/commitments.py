"""Open commitments as of a day: committed (with adjustments) not yet paid."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    func,
    select,
    type_coerce,
    union_all,
)

from budget.ledger.models import (
    Assessment,
    BasicAllocation,
    Commitment,
    OpenCommitmentItem,
    Organisation,
)
from budget.ledger.types import Money
from budget.money import ZERO, round_cents
from budget.services import open_sums
from budget.services.positions import OpenAmounts
from budget.services.scope import as_decimal, org_filter, upto
from budget.uow import UnitOfWork


@dataclass(frozen=True)
class OpenCommitment(OpenAmounts):
    """A commitment with something still to pay."""

    reference: str
    entry_date: dt.date
    fiscal_year: int
    organisation: str
    organisation_name: str
    directorate: str
    ab: str
    currency: str
    committed: Decimal
    paid: Decimal
    committed_eur: Decimal
    paid_eur: Decimal
    rate: Decimal
    assessment_reference: str | None = None  # the assessment it pays, if linked
    due_date: dt.date | None = None  # that assessment's due date

    @property
    def open_eur_booked(self) -> Decimal:
        """The open part at the commitment's own rate: committed EUR x open / committed."""
        return booked_eur(self.open, self.committed, self.committed_eur)


def booked_eur(open_amount: Decimal, committed: Decimal, committed_eur: Decimal) -> Decimal:
    """What ``open_amount`` of a commitment of ``committed`` (worth ``committed_eur``) is worth
    at the commitment's own rate, to the cent (realised differences play no part)."""
    if committed == 0:
        return ZERO
    return round_cents(committed_eur * open_amount / committed)


def open_commitments(
    uow: UnitOfWork,
    *,
    as_of: dt.date | None = None,
    year: int | None = None,
    directorates: Sequence[str] | None = None,
    organisation: str | None = None,
    limit: int | None = None,
) -> list[OpenCommitment]:
    """Live commitments with an open amount (in their currency) as of ``as_of``, largest
    open EUR first; ``limit``: only the first ones (a page's table, not the whole book)."""
    return open_commitments_of(uow, as_of=as_of, year=year, directorates=directorates,
                             organisation=organisation, limit=limit)


def open_commitments_count(
    uow: UnitOfWork,
    *,
    as_of: dt.date | None = None,
    year: int | None = None,
    directorates: Sequence[str] | None = None,
) -> tuple[int, Decimal]:
    """How many commitments are open as of ``as_of``, and their open EUR in total."""
    sums = open_commitment_sums(as_of)
    cond = [org_filter(directorates), upto(Commitment.entry_date, as_of)]
    if year is not None:
        cond.append(Commitment.fiscal_year == year)
    n, total = uow.session.execute(
        select(func.count(), type_coerce(func.coalesce(func.sum(sums.c.committed_eur - sums.c.paid_eur), 0),
                                         Money))
        .select_from(sums)
        .join(Commitment, Commitment.id == sums.c.commitment_id)
        .join(Organisation, Organisation.id == Commitment.organisation_id)
        .where(*cond)
    ).one()
    return int(n), as_decimal(total)


def open_commitments_of(
    uow: UnitOfWork,
    *,
    as_of: dt.date | None = None,
    year: int | None = None,
    directorates: Sequence[str] | None = None,
    organisation: str | None = None,
    foreign_only: bool = False,
    limit: int | None = None,
) -> list[OpenCommitment]:
    """:func:`open_commitments`; ``foreign_only`` keeps the non-EUR ones (all that
    :func:`exposure` values), so their sums skip the EUR commitments' payments."""
    s = uow.session
    cond = [org_filter(directorates), upto(Commitment.entry_date, as_of)]
    if year is not None:
        cond.append(Commitment.fiscal_year == year)
    if organisation is not None:
        cond.append(Organisation.code == organisation)
    if foreign_only:
        cond.append(Commitment.currency != "EUR")
    # Open commitments come from the maintained projection; those touched by an entry dated
    # after ``as_of`` are recomputed as of that date from the entries (see
    # :mod:`budget.services.open_sums`), the others are today what they were then.
    sums = open_commitment_sums(as_of)
    # Columns, not ORM objects: no identity map to fill for thousands of rows.
    stmt = (
        select(Commitment.reference, Commitment.entry_date, Commitment.fiscal_year,
               Commitment.currency, type_coerce(sums.c.committed, Money),
               type_coerce(sums.c.committed_eur, Money), Commitment.rate,
               Organisation.code, Organisation.name, Organisation.directorate_code,
               BasicAllocation.code, type_coerce(sums.c.paid, Money), type_coerce(sums.c.paid_eur, Money),
               Assessment.reference, Assessment.due_date)
        .select_from(sums)
        .join(Commitment, Commitment.id == sums.c.commitment_id)
        .join(Organisation, Organisation.id == Commitment.organisation_id)
        .join(BasicAllocation, BasicAllocation.id == Commitment.ab_id)
        .outerjoin(Assessment, Assessment.id == Commitment.assessment_id)
        .where(*cond)
    )
    if limit is not None:
        stmt = stmt.order_by((sums.c.committed_eur - sums.c.paid_eur).desc(), Commitment.reference).limit(limit)
    out = []
    for (ref, day, fy, cur, committed, committed_eur, rate, ocode, oname, dcode, ab,
         paid, paid_eur, aref, due) in s.execute(stmt):
        committed, settled = as_decimal(committed), as_decimal(paid)
        if committed - settled == 0:
            continue
        out.append(OpenCommitment(
            reference=ref, entry_date=day, fiscal_year=fy,
            organisation=ocode, organisation_name=oname, directorate=dcode, ab=ab,
            currency=cur, committed=committed, paid=settled,
            committed_eur=as_decimal(committed_eur), paid_eur=as_decimal(paid_eur), rate=rate,
            assessment_reference=aref, due_date=due,
        ))
    out.sort(key=lambda o: (-o.open_eur, o.reference))
    return out


def open_commitment_sums(as_of: dt.date | None) -> Any:
    """Subquery (commitment_id, committed, committed_eur, paid, paid_eur) of the commitments
    open as of ``as_of``: the maintained projection, with the commitments touched by an entry
    dated after ``as_of`` recomputed as of that date from the entries."""
    item = OpenCommitmentItem
    current = select(item.commitment_id, item.committed, item.committed_eur, item.paid, item.paid_eur)
    if as_of is None:
        return current.subquery()
    changed = open_sums.changed_commitments_after(as_of)
    return union_all(current.where(item.commitment_id.not_in(select(changed.c[0]))),
                     open_sums.commitment_sums(as_of, changed)).subquery()
