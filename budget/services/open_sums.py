"""What is open on a commitment or an assessment line, as SQL over the entries: the rule.

One statement per kind of open item, with an optional "as of" date and an optional set of
keys to restrict to. :mod:`budget.services.balances` keeps its projections equal to these
(it recomputes the touched rows with them, and ``budget db check-balances`` compares); the
"as of" reads (:mod:`budget.services.commitments`, :mod:`budget.services.arrears`) take the
projection for the items nothing touched since the date and these for the others
(:func:`changed_commitments_after`, :func:`changed_assessments_after`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Date,
    Select,
    and_,
    func,
    literal,
    literal_column,
    null,
    select,
    type_coerce,
    union,
    union_all,
)

from budget.ledger.models import Assessment, AssessmentLine, Commitment, CommitmentAdjustment, Payment
from budget.ledger.types import Money


def as_money(expr: Any) -> Any:
    """A sum of integer hundredths read back as ``Money`` (Decimal), whatever type SQL lent it."""
    return type_coerce(expr, Money)


def upto(column: Any, as_of: dt.date | None) -> ColumnElement[bool]:
    """``column <= as_of``, or no condition without a date."""
    return column <= as_of if as_of is not None else literal(True)


# --------------------------------------------------------------------------- the sums


def commitment_sums(as_of: dt.date | None = None, ids: Any = None) -> Select[Any]:
    """(commitment_id, committed, committed_eur, paid, paid_eur) of the open commitments.

    Live commitments (not reversing, not reversed) dated on or before ``as_of`` whose
    committed amount (with adjustments) differs from what is paid, in their currency; all
    sums of entries dated on or before ``as_of``. ``ids``: a FROM (subquery or CTE) of the
    commitment ids to restrict to (``None``: all).
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
        k = ids
        # Sums: ``IN`` the list, so SQLite probes the commitment_id index per id (a join let
        # it walk that index over the whole table, for the GROUP BY).
        adj = adj.where(CommitmentAdjustment.commitment_id.in_(select(k.c[0])))
        pay = pay.where(Payment.commitment_id.in_(select(k.c[0])))
        rev = rev.select_from(k).join(Commitment, Commitment.reverses_id == k.c[0])
        base = base.select_from(k).join(Commitment, Commitment.id == k.c[0])
    adj = (adj.where(upto(CommitmentAdjustment.entry_date, as_of))
           .group_by(CommitmentAdjustment.commitment_id).subquery())
    pay = pay.where(upto(Payment.entry_date, as_of)).group_by(Payment.commitment_id).subquery()
    rev = rev.where(Commitment.reverses_id.is_not(None), upto(Commitment.entry_date, as_of)).subquery()
    committed = Commitment.amount + func.coalesce(adj.c.amount, 0)
    paid = func.coalesce(pay.c.amount, 0)
    return (
        base.add_columns(
            Commitment.id.label("commitment_id"), as_money(committed).label("committed"),
            as_money(Commitment.amount_eur + func.coalesce(adj.c.eur, 0)).label("committed_eur"),
            as_money(paid).label("paid"), as_money(func.coalesce(pay.c.eur, 0)).label("paid_eur"))
        .outerjoin(adj, adj.c.cid == Commitment.id)
        .outerjoin(pay, pay.c.cid == Commitment.id)
        .outerjoin(rev, rev.c.cid == Commitment.id)
        .where(Commitment.reverses_id.is_(None), rev.c.cid.is_(None),
               upto(Commitment.entry_date, as_of), committed != paid)
    )


def assessment_sums(as_of: dt.date | None = None, keys: Any = None) -> Select[Any]:
    """(organisation_id, reference, currency, fiscal_year, due_date, assessed, assessed_eur,
    paid) of the assessment lines with something left to pay.

    Assessed: every line of the assessments (organisation, reference) dated on or before
    ``as_of``, net of reversals and corrections; paid: the payments dated on or before
    ``as_of``, in the line's currency, on commitments linked to an assessment of that
    organisation and reference. ``keys``: a FROM (subquery or CTE) of the (organisation_id,
    reference) to restrict to (``None``: all).
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
        k = keys
        on_key = and_(Assessment.organisation_id == k.c[0], Assessment.reference == k.c[1])
        lines = (lines.select_from(k).join(Assessment, on_key)
                 .join(AssessmentLine, AssessmentLine.assessment_id == Assessment.id))
        # ``IN`` a list built from the keys: SQLite then probes the payment index per
        # commitment (a join let it walk that index over every payment, for the GROUP BY).
        per_commitment = per_commitment.where(Payment.commitment_id.in_(
            select(Commitment.id).select_from(k).join(Assessment, on_key)
            .join(Commitment, Commitment.assessment_id == Assessment.id)))
    lines = lines.where(upto(Assessment.entry_date, as_of))
    # Payments summed per commitment first (one pass along the payment index), then stacked
    # with the lines (UNION ALL) and grouped once per line: a third faster on SQLite than
    # grouping both sides apart and joining the groupings.
    per_commitment = (
        per_commitment.where(upto(Payment.entry_date, as_of))
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
               as_money(assessed).label("assessed"), as_money(func.sum(both.c.eur)).label("assessed_eur"),
               as_money(paid).label("paid"))
        .group_by(both.c.oid, both.c.ref, both.c.cur)
        # A key with payments but no line in scope sums to 0 assessed: left out.
        .having(and_(assessed > 0, assessed > paid))
    )


# --------------------------------------------------------------------------- what changed since a date


# CTEs: a statement reads each in several places; SQLite (3.35+) and PostgreSQL (12+) work a
# CTE read more than once out a single time, where a subquery was worked out at every place.


def changed_commitments_after(day: dt.date) -> CTE:
    """CTE: ids of the commitments touched by an entry dated after ``day``."""
    return union(
        select(Commitment.id).where(Commitment.entry_date > day),
        select(Commitment.reverses_id).where(Commitment.entry_date > day,
                                             Commitment.reverses_id.is_not(None)),
        select(CommitmentAdjustment.commitment_id).where(CommitmentAdjustment.entry_date > day),
        select(Payment.commitment_id).where(Payment.entry_date > day),
    ).cte("changed_commitments")


def changed_assessments_after(day: dt.date) -> CTE:
    """CTE: (organisation_id, reference) of the assessment lines touched by an entry dated
    after ``day`` (the assessment itself, or a payment on a linked commitment)."""
    return union(
        select(Assessment.organisation_id, Assessment.reference).where(Assessment.entry_date > day),
        select(Assessment.organisation_id, Assessment.reference)
        .join(Commitment, Commitment.assessment_id == Assessment.id)
        .join(Payment, Payment.commitment_id == Commitment.id)
        .where(Payment.entry_date > day),
    ).cte("changed_assessments")
