"""Settlement of assessments: the day each was first paid and the day it was paid in full.

An assessment (organisation, reference) is paid by the payments on the commitments linked to
it (any revision), a reversal on the date of the payment it cancels. Walking those payments in date
order (:func:`walk`, the one definition) gives three days:

- ``first_paid_on``: the first day something was paid;
- ``settled_first_on``: the first day the payments in each currency reached the amount its
  live revision assesses in it;
- ``fully_paid_on``: the first day of the last such run (a reversal may reopen it).

The timeliness and the outlook ask for these days "as of" a day of any year, over years of
calls: replaying the payments of three years of a million-entry ledger for each question cost
seconds. The ``assessment_settlement`` table keeps the three days, derived like the open items
(:mod:`budget.services.balances` refreshes the rows a unit of work touched, rebuilds and
verifies them). The days as of a day follow from the stored ones (:meth:`Settled.as_of`)
except when an assessment was settled by then and reopened after: only those are replayed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import astuple, dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Select, Table, and_, delete, func, insert, select, true, tuple_, type_coerce
from sqlalchemy.orm import Session

from budget.ledger.models import (
    Assessment,
    AssessmentLine,
    AssessmentSettlement,
    Commitment,
    Organisation,
    Payment,
)
from budget.ledger.types import Money
from budget.money import ZERO
from budget.services.entries import live

Key = tuple[int, str]  # (organisation_id, reference)
Day = tuple[dt.date, str, Decimal]  # (day, currency, net amount paid that day)
CHUNK = 2000


@dataclass(frozen=True)
class Settled:
    """The three days of an assessment over all its payments (None: not yet)."""

    first_paid_on: dt.date | None
    settled_first_on: dt.date | None
    fully_paid_on: dt.date | None

    def as_of(self, day: dt.date) -> tuple[dt.date | None, dt.date | None] | None:
        """(first paid, fully paid) counting the payments dated on or before ``day``; None when
        it was settled by then and reopened after (:func:`walk` must replay it)."""
        return days_as_of(self.first_paid_on, self.settled_first_on, self.fully_paid_on, day)


def days_as_of(first_paid_on: dt.date | None, settled_first_on: dt.date | None, fully_paid_on: dt.date | None,
               day: dt.date) -> tuple[dt.date | None, dt.date | None] | None:
    """:meth:`Settled.as_of` of the three stored days (a function: :func:`paid_as_of` applies it
    to thousands of rows without making a :class:`Settled` of each)."""
    first = first_paid_on if first_paid_on is not None and first_paid_on <= day else None
    if fully_paid_on is not None and fully_paid_on <= day:
        return first, fully_paid_on
    if settled_first_on is None or settled_first_on > day:
        return first, None
    return None


def walk(lines: Mapping[str, Decimal], days: Iterable[Day]) -> Settled:
    """The days of an assessment assessing ``lines`` (currency -> amount), paid ``days`` in
    date order."""
    paid: dict[str, Decimal] = defaultdict(lambda: ZERO)
    first = settled_first = full = None
    due = [(c, v) for c, v in lines.items() if v > 0]
    for day, cur, amount in days:
        paid[cur] += amount
        if first is None and amount > 0:
            first = day
        settled = all(paid[c] >= v for c, v in due)
        full = (full or day) if settled else None
        settled_first = settled_first or full
    if not due:
        return Settled(first, None, None)
    return Settled(first, settled_first, full)


def _key_in(keys: Sequence[Key] | None) -> Any:
    return true() if keys is None else tuple_(Assessment.organisation_id, Assessment.reference).in_(keys)


def payment_days(session: Session, keys: Sequence[Key] | None, *, as_of: dt.date | None = None) -> dict[Key, list[Day]]:
    """Key -> the payments on its commitments per day and currency, in date order; ``keys``
    None: every assessment."""
    out: dict[Key, list[Day]] = defaultdict(list)
    for chunk in _chunked(keys):
        rows = session.execute(
            select(Assessment.organisation_id, Assessment.reference, Payment.entry_date, Payment.currency,
                   type_coerce(func.sum(Payment.amount), Money))
            .select_from(Payment)
            .join(Commitment, Commitment.id == Payment.commitment_id)
            .join(Assessment, Assessment.id == Commitment.assessment_id)
            .where(_key_in(chunk), Payment.entry_date <= as_of if as_of else true())
            .group_by(Assessment.organisation_id, Assessment.reference, Payment.entry_date, Payment.currency)
            .order_by(Payment.entry_date, Payment.currency)
        )
        for org, ref, day, cur, amount in rows:
            out[(org, ref)].append((day, cur, Decimal(amount)))
    return out


def assessed(session: Session, keys: Sequence[Key] | None) -> dict[Key, dict[str, Decimal]]:
    """Key -> what its live revision assesses per currency."""
    out: dict[Key, dict[str, Decimal]] = defaultdict(dict)
    for chunk in _chunked(keys):
        ids = live(Assessment, _key_in(chunk)).with_only_columns(Assessment.id).scalar_subquery()
        rows = session.execute(
            select(Assessment.organisation_id, Assessment.reference, AssessmentLine.currency,
                   type_coerce(func.sum(AssessmentLine.amount), Money))
            .join(Assessment, Assessment.id == AssessmentLine.assessment_id)
            .where(AssessmentLine.assessment_id.in_(ids))
            .group_by(Assessment.organisation_id, Assessment.reference, AssessmentLine.currency)
        )
        for org, ref, cur, amount in rows:
            out[(org, ref)][cur] = Decimal(amount)
    return out


def compute(session: Session, keys: Sequence[Key] | None) -> dict[Key, Settled]:
    """The days of every assessment of ``keys`` (None: all) whose live revision assesses something."""
    lines = assessed(session, keys)
    days = payment_days(session, keys)
    return {k: walk(v, days.get(k, [])) for k, v in lines.items() if any(a > 0 for a in v.values())}


def _chunked(keys: Sequence[Key] | None) -> list[Sequence[Key] | None]:
    if keys is None:
        return [None]
    ordered = sorted(set(keys))
    return [ordered[i:i + CHUNK] for i in range(0, len(ordered), CHUNK)]


def replace(session: Session, keys: Collection[Key] | None) -> None:
    """Recompute the rows of ``keys`` (None: the whole table) from the entries."""
    table: Table = AssessmentSettlement.__table__  # type: ignore[assignment]
    wanted = None if keys is None else sorted(set(keys))
    for chunk in _chunked(wanted):
        stmt = delete(table)
        if chunk is not None:
            stmt = stmt.where(tuple_(table.c.organisation_id, table.c.reference).in_(chunk))
        session.execute(stmt)
        rows = [{"organisation_id": k[0], "reference": k[1], "first_paid_on": s.first_paid_on,
                 "settled_first_on": s.settled_first_on, "fully_paid_on": s.fully_paid_on}
                for k, s in sorted(compute(session, chunk).items())]
        if rows:
            session.execute(insert(table), rows)


def touched_by_payments(session: Session, window: Any) -> set[Key]:
    """The assessments the payments selected by ``window`` are linked to."""
    return {(org, ref) for org, ref in session.execute(
        select(Assessment.organisation_id, Assessment.reference)
        .select_from(Payment)
        .join(Commitment, Commitment.id == Payment.commitment_id)
        .join(Assessment, Assessment.id == Commitment.assessment_id)
        .where(window(Payment)).distinct())}


def stored(session: Session) -> dict[Key, Settled]:
    """The table as it stands."""
    s = AssessmentSettlement
    return {(r.organisation_id, r.reference): Settled(r.first_paid_on, r.settled_first_on, r.fully_paid_on)
            for r in session.execute(select(s.organisation_id, s.reference, s.first_paid_on,
                                            s.settled_first_on, s.fully_paid_on))}


def differences(session: Session) -> list[tuple[Key, tuple[Any, ...] | None, tuple[Any, ...] | None]]:
    """(key, stored days, days the entries give) wherever the table is not what they give."""
    now, want = stored(session), compute(session, None)
    return [(k, astuple(now[k]) if k in now else None, astuple(want[k]) if k in want else None)
            for k in sorted(now.keys() | want.keys()) if now.get(k) != want.get(k)]


class Paid(NamedTuple):
    """An assessment received by a day, with its first and full payment as of that day (a named
    tuple: the outlook reads three years of them)."""

    organisation: str
    reference: str
    due_date: dt.date
    first_paid: dt.date | None
    fully_paid: dt.date | None


def _received(years: Sequence[int], as_of: dt.date, directorates: Sequence[str] | None) -> Select[Any]:
    s = AssessmentSettlement
    cond: list[Any] = [Assessment.fiscal_year.in_(list(years)), Assessment.entry_date <= as_of]
    if directorates is not None:
        cond.append(Organisation.directorate_code.in_(list(directorates)))
    return (live(Assessment, *cond)
            .join(Organisation, Organisation.id == Assessment.organisation_id)
            .join(s, and_(s.organisation_id == Assessment.organisation_id, s.reference == Assessment.reference))
            .with_only_columns(Assessment.organisation_id, Organisation.code, Assessment.reference,
                               Assessment.due_date, s.first_paid_on, s.settled_first_on, s.fully_paid_on,
                               maintain_column_froms=True))


def paid_as_of(
    session: Session, years: Sequence[int], *, as_of: dt.date, directorates: Sequence[str] | None = None
) -> list[Paid]:
    """Every live assessment of ``years`` received by ``as_of`` that assesses something, with
    its first and full payment counting the payments dated on or before ``as_of``."""
    out: list[Paid] = []
    replay: dict[Key, int] = {}  # the assessments settled by ``as_of`` and reopened after: their place
    # Core rows (no ORM entity is loaded): the outlook reads three years of calls here.
    for org_id, code, ref, due, first, settled_first, full in session.connection().execute(
            _received(years, as_of, directorates)):
        days = days_as_of(first, settled_first, full, as_of)
        if days is None:
            replay[(org_id, ref)] = len(out)
            days = (None, None)
        out.append(Paid(code, ref, due, *days))
    if replay:
        keys = list(replay)
        lines = assessed(session, keys)
        paid = payment_days(session, keys, as_of=as_of)
        for key, at in replay.items():
            again = walk(lines[key], paid.get(key, []))
            out[at] = out[at]._replace(first_paid=again.first_paid_on, fully_paid=again.fully_paid_on)
    return out
