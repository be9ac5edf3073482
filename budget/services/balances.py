"""Open items: the projections that let "what is still to pay" be read without the history.

Entries are never updated, so what is open on a commitment or an assessment line is a sum
over its whole history. Summing a twenty-year ledger of a million entries for every page
cost seconds; the open items are a few thousand. Two projection tables hold them:

- ``open_commitment_item``: each live commitment with an open amount, with its running
  committed / paid sums (commitment currency and EUR);
- ``open_assessment_item``: each assessment line (organisation, reference, currency) not fully
  paid, with assessed / paid sums, due date and fiscal year.

They are **derived, never edited by hand**: :func:`refresh` recomputes, from the entries, the
items touched by the entries a unit of work wrote (every entry with an id above the ones seen
when it started), inside the same transaction, just before it commits
(:meth:`budget.uow.UnitOfWork.commit`). Recomputing instead of adding deltas means a
projection row is always exactly what the full query over the entries gives, whatever path
wrote them (services, bulk imports, undo, demo). :func:`rebuild` recomputes everything
(migration 0002, the synthetic benchmark ledger, ``budget db rebuild-balances``);
:func:`verify` compares the projections with a full recomputation (``budget db
check-balances``, the property tests).

Reading "as of" a past date uses the projections too: the items touched by entries dated
after that date are recomputed as of the date (:func:`changed_commitments_after`,
:func:`changed_assessments_after`), the others are the same as today. A report for last
month therefore reads one month of changes, not twenty years.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    and_,
    delete,
    func,
    insert,
    literal,
    literal_column,
    null,
    select,
    text,
    tuple_,
    type_coerce,
    union,
    union_all,
)
from sqlalchemy.orm import Session

from budget.ledger.models import (
    Assessment,
    AssessmentLine,
    Commitment,
    CommitmentAdjustment,
    OpenAssessmentItem,
    OpenCommitmentItem,
    Payment,
)
from budget.ledger.types import Money

#: Entry tables whose new rows can change an open item.
WATCHED = (Assessment, Commitment, CommitmentAdjustment, Payment)

# A constant key for PostgreSQL's transaction-level advisory lock (see :func:`refresh`).
_LOCK_KEY = 0x6275646765740001  # "budget" + 1


def _money(expr: Any) -> Any:
    """A sum of integer hundredths read back as ``Money`` (Decimal), whatever type SQL lent it."""
    return type_coerce(expr, Money)


def _upto(column: Any, as_of: dt.date | None) -> ColumnElement[bool]:
    return column <= as_of if as_of is not None else literal(True)


# --------------------------------------------------------------------------- the sums


def commitment_sums(as_of: dt.date | None = None, ids: Any = None) -> Select[Any]:
    """(commitment_id, committed, committed_eur, paid, paid_eur) of the open commitments.

    Live commitments (not reversing, not reversed) dated on or before ``as_of`` whose
    committed amount (with adjustments) differs from what is paid, in their currency; all
    sums of entries dated on or before ``as_of``. ``ids``: a subquery of commitment ids to
    restrict to (``None``: all).
    """

    adj: Any = select(CommitmentAdjustment.commitment_id.label("cid"),
                      func.sum(CommitmentAdjustment.amount).label("amount"),
                      func.sum(CommitmentAdjustment.amount_eur).label("eur"))
    pay: Any = select(Payment.commitment_id.label("cid"), func.sum(Payment.amount).label("amount"),
                      func.sum(Payment.amount_eur).label("eur"))
    rev: Any = select(Commitment.reverses_id.label("cid"))
    base: Any = select()
    if ids is not None:
        # Driven from the (few) ids, so the planner starts from them instead of walking a
        # date index over the whole table.
        k = ids.subquery()
        # Sums: ``IN`` the list, so SQLite probes the commitment_id index per id (a join let
        # it walk that index over the whole table, for the GROUP BY).
        adj = adj.where(CommitmentAdjustment.commitment_id.in_(select(k.c[0])))
        pay = pay.where(Payment.commitment_id.in_(select(k.c[0])))
        rev = rev.select_from(k).join(Commitment, Commitment.reverses_id == k.c[0])
        base = base.select_from(k).join(Commitment, Commitment.id == k.c[0])
    adj = (adj.where(_upto(CommitmentAdjustment.entry_date, as_of))
           .group_by(CommitmentAdjustment.commitment_id).subquery())
    pay = pay.where(_upto(Payment.entry_date, as_of)).group_by(Payment.commitment_id).subquery()
    rev = rev.where(Commitment.reverses_id.is_not(None), _upto(Commitment.entry_date, as_of)).subquery()
    committed = Commitment.amount + func.coalesce(adj.c.amount, 0)
    paid = func.coalesce(pay.c.amount, 0)
    return (
        base.add_columns(
            Commitment.id.label("commitment_id"), _money(committed).label("committed"),
            _money(Commitment.amount_eur + func.coalesce(adj.c.eur, 0)).label("committed_eur"),
            _money(paid).label("paid"), _money(func.coalesce(pay.c.eur, 0)).label("paid_eur"))
        .outerjoin(adj, adj.c.cid == Commitment.id)
        .outerjoin(pay, pay.c.cid == Commitment.id)
        .outerjoin(rev, rev.c.cid == Commitment.id)
        # ``coalesce``: a bare ``reverses_id IS NULL`` makes SQLite walk the unique index on
        # reverses_id (NULL on nearly every row) instead of the wanted one.
        .where(func.coalesce(Commitment.reverses_id, 0) == 0, rev.c.cid.is_(None),
               _upto(Commitment.entry_date, as_of), committed != paid)
    )


def assessment_sums(as_of: dt.date | None = None, keys: Any = None) -> Select[Any]:
    """(organisation_id, reference, currency, fiscal_year, due_date, assessed, assessed_eur,
    paid) of the assessment lines with something left to pay.

    Assessed: every line of the assessments (organisation, reference) dated on or before
    ``as_of``, net of reversals and corrections; paid: the payments dated on or before
    ``as_of``, in the line's currency, on commitments linked to an assessment of that
    organisation and reference. ``keys``: a subquery of (organisation_id, reference) to
    restrict to (``None``: all).
    """

    lines: Any = (
        select(Assessment.organisation_id.label("oid"), Assessment.reference.label("ref"),
               AssessmentLine.currency.label("cur"), AssessmentLine.amount.label("amount"),
               AssessmentLine.amount_eur.label("eur"), literal_column("0").label("paid"),
               Assessment.due_date.label("due"), Assessment.fiscal_year.label("fy"))
    )
    per_commitment: Any = select(Payment.commitment_id.label("cid"), Payment.currency.label("cur"),
                                 func.sum(Payment.amount).label("amount"))
    if keys is None:
        lines = (lines.select_from(AssessmentLine)
                 .join(Assessment, Assessment.id == AssessmentLine.assessment_id))
    else:
        # Driven from the (few) keys: joins, not ``IN``, so the planner starts from them
        # instead of walking the date index over the whole table.
        k = keys.subquery()
        on_key = and_(Assessment.organisation_id == k.c[0], Assessment.reference == k.c[1])
        lines = (lines.select_from(k).join(Assessment, on_key)
                 .join(AssessmentLine, AssessmentLine.assessment_id == Assessment.id))
        # ``IN`` a list built from the keys: SQLite then probes the payment index per
        # commitment (a join let it walk that index over every payment, for the GROUP BY).
        per_commitment = per_commitment.where(Payment.commitment_id.in_(
            select(Commitment.id).select_from(k).join(Assessment, on_key)
            .join(Commitment, Commitment.assessment_id == Assessment.id)))
    lines = lines.where(_upto(Assessment.entry_date, as_of))
    # Payments summed per commitment first (one pass along the payment index), then stacked
    # with the lines (UNION ALL) and grouped once per line: a third faster on SQLite than
    # grouping both sides apart and joining the groupings.
    per_commitment = (
        per_commitment.where(_upto(Payment.entry_date, as_of))
        .group_by(Payment.commitment_id, Payment.currency)
        .subquery()
    )
    payments = (
        select(Assessment.organisation_id, Assessment.reference, per_commitment.c.cur,
               literal_column("0"), literal_column("0"), per_commitment.c.amount, null(), null())
        .select_from(per_commitment)
        .join(Commitment, Commitment.id == per_commitment.c.cid)
        .join(Assessment, Assessment.id == Commitment.assessment_id)
    )
    both = union_all(lines, payments).subquery()
    assessed = func.sum(both.c.amount)
    paid = func.sum(both.c.paid)
    return (
        select(both.c.oid.label("organisation_id"), both.c.ref.label("reference"),
               both.c.cur.label("currency"), func.max(both.c.fy).label("fiscal_year"),
               type_coerce(func.max(both.c.due), Date).label("due_date"),
               _money(assessed).label("assessed"), _money(func.sum(both.c.eur)).label("assessed_eur"),
               _money(paid).label("paid"))
        .group_by(both.c.oid, both.c.ref, both.c.cur)
        # A key with payments but no line in scope sums to 0 assessed: left out.
        .having(and_(assessed > 0, assessed > paid))
    )


# --------------------------------------------------------------------------- what changed


def changed_commitments_after(day: dt.date) -> Any:
    """Subquery: ids of the commitments touched by an entry dated after ``day``."""
    return union(
        select(Commitment.id).where(Commitment.entry_date > day),
        select(Commitment.reverses_id).where(Commitment.entry_date > day,
                                             Commitment.reverses_id.is_not(None)),
        select(CommitmentAdjustment.commitment_id).where(CommitmentAdjustment.entry_date > day),
        select(Payment.commitment_id).where(Payment.entry_date > day),
    )


def changed_assessments_after(day: dt.date) -> Any:
    """Subquery: (organisation_id, reference) of the assessment lines touched by an entry
    dated after ``day`` (the assessment itself, or a payment on a linked commitment)."""
    return union(
        select(Assessment.organisation_id, Assessment.reference).where(Assessment.entry_date > day),
        select(Assessment.organisation_id, Assessment.reference)
        .join(Commitment, Commitment.assessment_id == Assessment.id)
        .join(Payment, Payment.commitment_id == Commitment.id)
        .where(Payment.entry_date > day),
    )


def _changed_commitments_since(marks: dict[str, int]) -> Any:
    c, j, p = marks["commitment"], marks["commitment_adjustment"], marks["payment"]
    return union(
        select(Commitment.id).where(Commitment.id > c),
        select(Commitment.reverses_id).where(Commitment.id > c, Commitment.reverses_id.is_not(None)),
        select(CommitmentAdjustment.commitment_id).where(CommitmentAdjustment.id > j),
        select(Payment.commitment_id).where(Payment.id > p),
    )


def _changed_assessments_since(marks: dict[str, int]) -> Any:
    a, p = marks["assessment"], marks["payment"]
    return union(
        select(Assessment.organisation_id, Assessment.reference).where(Assessment.id > a),
        select(Assessment.organisation_id, Assessment.reference)
        .join(Commitment, Commitment.assessment_id == Assessment.id)
        .join(Payment, Payment.commitment_id == Commitment.id)
        .where(Payment.id > p),
    )


# --------------------------------------------------------------------------- upkeep


def marks(session: Session) -> dict[str, int]:
    """The highest id of each watched entry table: what a unit of work starts from."""
    out = {}
    for model in WATCHED:
        table = model.__table__  # type: ignore[attr-defined]
        out[table.name] = int(session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0)
    return out


def _lock(session: Session) -> None:
    # PostgreSQL: two transactions refreshing the same item one after the other must see each
    # other's entries. The lock is held to the commit, and each statement after it takes a
    # fresh snapshot (READ COMMITTED), so the second refresh reads the first one's payments.
    # SQLite already serialises writers (BEGIN IMMEDIATE).
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})


def refresh(session: Session, since: dict[str, int]) -> dict[str, int]:
    """Recompute the open items touched by the entries with ids above ``since``.

    Returns the marks to start from next time.
    """
    session.flush()
    now = marks(session)
    if not any(now[name] > since.get(name, 0) for name in now):
        return now
    _lock(session)
    commitments = _changed_commitments_since(since)
    keys = _changed_assessments_since(since)
    _replace_commitments(session, commitments)
    _replace_assessments(session, keys)
    return now


def _replace_commitments(session: Session, ids: Any) -> None:
    table = OpenCommitmentItem.__table__
    stmt = delete(table)
    if ids is not None:
        stmt = stmt.where(table.c.commitment_id.in_(ids))
    session.execute(stmt)
    sums = commitment_sums(None, ids).subquery()
    session.execute(insert(table).from_select(
        ["commitment_id", "committed", "committed_eur", "paid", "paid_eur"],
        select(sums.c.commitment_id, sums.c.committed, sums.c.committed_eur, sums.c.paid, sums.c.paid_eur),
    ))


def _replace_assessments(session: Session, keys: Any) -> None:
    table = OpenAssessmentItem.__table__
    stmt = delete(table)
    if keys is not None:
        stmt = stmt.where(tuple_(table.c.organisation_id, table.c.reference).in_(keys))
    session.execute(stmt)
    sums = assessment_sums(None, keys).subquery()
    cols = ["organisation_id", "reference", "currency", "fiscal_year", "due_date", "assessed",
            "assessed_eur", "paid"]
    session.execute(insert(table).from_select(cols, select(*(sums.c[c] for c in cols))))


def rebuild(session: Session) -> None:
    """Recompute every open item from the entries (the projections' source of truth)."""
    session.flush()
    _lock(session)
    _replace_commitments(session, None)
    _replace_assessments(session, None)


@dataclass(frozen=True)
class Difference:
    """A projection row that differs from the entries' full recomputation."""

    table: str
    key: tuple[Any, ...]
    stored: tuple[Any, ...] | None
    expected: tuple[Any, ...] | None

    def __str__(self) -> str:
        return f"{self.table} {self.key}: stored {self.stored}, entries give {self.expected}"


def verify(session: Session) -> list[Difference]:
    """Every difference between the projections and a full recomputation (none: consistent)."""
    out: list[Difference] = []
    checks: list[tuple[str, Any, Any, int]] = [
        ("open_commitment_item", select(OpenCommitmentItem.commitment_id, OpenCommitmentItem.committed,
                                        OpenCommitmentItem.committed_eur, OpenCommitmentItem.paid,
                                        OpenCommitmentItem.paid_eur),
         commitment_sums(), 1),
        ("open_assessment_item", select(
            OpenAssessmentItem.organisation_id, OpenAssessmentItem.reference, OpenAssessmentItem.currency,
            OpenAssessmentItem.fiscal_year, OpenAssessmentItem.due_date, OpenAssessmentItem.assessed,
            OpenAssessmentItem.assessed_eur, OpenAssessmentItem.paid),
         assessment_sums(), 3),
    ]
    for name, stored_q, expected_q, width in checks:
        stored = {tuple(r[:width]): tuple(r[width:]) for r in session.execute(stored_q)}
        expected = {tuple(r[:width]): tuple(r[width:]) for r in session.execute(expected_q)}
        for key in sorted(stored.keys() | expected.keys(), key=str):
            if stored.get(key) != expected.get(key):
                out.append(Difference(name, key, stored.get(key), expected.get(key)))
    return out
