"""Reads the monthly report needs beyond ``views``: payments of a period, due dates, scope.

Same conventions as :mod:`budget.services.views`: aggregation in SQL, frozen dataclasses
out, ``directorates`` limits organisations to those directorates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased

from budget.errors import UnknownDirectorateError
from budget.ledger.models import Assessment, Commitment, Directorate, Organisation, Payment
from budget.services.reference import closest
from budget.services.scope import org_filter, upto
from budget.uow import UnitOfWork


@dataclass(frozen=True)
class PaymentLine:
    """One payment (or reversal of a payment: negative amounts) made in a period."""

    entry_date: dt.date
    reference: str
    commitment: str
    fiscal_year: int
    organisation: str
    organisation_name: str
    directorate: str
    currency: str
    amount: Decimal
    amount_eur: Decimal
    rate: Decimal
    reversal: bool


def payments_between(
    uow: UnitOfWork,
    start: dt.date,
    end: dt.date,
    *,
    directorates: Sequence[str] | None = None,
) -> list[PaymentLine]:
    """Every payment row dated from ``start`` to ``end`` (both included), in date order.

    Reversals are listed too (negative amounts), so the lines add up to what
    :func:`budget.services.views.monthly` counts as paid in the month.
    """
    rows = uow.session.execute(
        select(Payment.entry_date, Payment.reference, Commitment.reference, Commitment.fiscal_year,
               Organisation.code, Organisation.name, Organisation.directorate_code,
               Payment.currency, Payment.amount, Payment.amount_eur, Payment.rate,
               Payment.reverses_id.is_not(None))
        .join(Commitment, Commitment.id == Payment.commitment_id)
        .join(Organisation, Organisation.id == Commitment.organisation_id)
        .where(Payment.entry_date >= start, Payment.entry_date <= end, org_filter(directorates))
        .order_by(Payment.entry_date, Payment.reference, Payment.id)
    )
    return [PaymentLine(*r) for r in rows]  # type: ignore[call-arg]  # one row = one line


@dataclass(frozen=True)
class DueDates:
    """First and last due date of an organisation's live assessments of a fiscal year."""

    organisation: str
    first: dt.date
    last: dt.date


def due_dates(
    uow: UnitOfWork,
    year: int,
    *,
    as_of: dt.date | None = None,
    directorates: Sequence[str] | None = None,
) -> dict[str, DueDates]:
    """Due dates of each organisation's live assessments of ``year`` registered by ``as_of``."""
    # A reversal (dated by ``as_of``) is looked up per assessment of the year along the unique
    # index on reverses_id, and ``coalesce`` keeps SQLite on the year index: with a bare
    # ``reverses_id IS NULL`` and a ``NOT IN`` list of every reversal it walked the whole
    # table (0.2 s instead of 0.015 s on a 1,000,000-entry ledger).
    reversal = aliased(Assessment)
    reversed_ = exists().where(reversal.reverses_id == Assessment.id, upto(reversal.entry_date, as_of))
    rows = uow.session.execute(
        select(Organisation.code, func.min(Assessment.due_date), func.max(Assessment.due_date))
        .join(Organisation, Organisation.id == Assessment.organisation_id)
        .where(Assessment.fiscal_year == year, func.coalesce(Assessment.reverses_id, 0) == 0,
               ~reversed_, upto(Assessment.entry_date, as_of), org_filter(directorates))
        .group_by(Organisation.code)
    )
    return {code: DueDates(code, first, last) for code, first, last in rows}


def check_directorates(uow: UnitOfWork, codes: Sequence[str]) -> list[str]:
    """Return ``codes`` upper-cased, or raise ``UnknownDirectorateError`` with suggestions."""
    known = list(uow.session.scalars(select(Directorate.code).order_by(Directorate.code)))
    by_upper = {k.upper(): k for k in known}
    out = []
    for code in codes:
        found = by_upper.get(str(code).strip().upper())
        if found is None:
            hint = closest(str(code).strip().upper(), known)
            did = f" Did you mean {', '.join(hint)}?" if hint else ""
            raise UnknownDirectorateError(
                f"Unknown directorate {code!r}.{did} Directorates: {', '.join(known)}."
            )
        out.append(found)
    return out
