"""Where commitments stand: committed (with adjustments) and paid, in their currency and in
EUR, net of reversals. The one definition every write rule reads (a payment never beyond
what is open, a decrease never below what is paid, an exchange difference on settlement)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from budget.ledger.models import BasicAllocation, Commitment, CommitmentAdjustment, Payment
from budget.services.figures import ExecutedInEur
from budget.uow import UnitOfWork

ZERO = Decimal(0)
#: Ids per IN (...) list: well under SQLite's and PostgreSQL's parameter limits.
CHUNK = 900


class OpenAmounts(ExecutedInEur):
    """What is open on a commitment, in its currency and in EUR."""

    committed: Decimal
    paid: Decimal
    committed_eur: Decimal
    paid_eur: Decimal


@dataclass
class Position(OpenAmounts):
    """One commitment's position; a bulk load keeps it running over the payments it checks."""

    commitment_id: int
    reference: str
    currency: str
    ab_id: int
    ab_code: str
    fiscal_year: int
    committed: Decimal
    committed_eur: Decimal
    paid: Decimal
    paid_eur: Decimal


def positions(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, Position]:
    """The positions of the commitments with these ids (every entry on them counts: a
    reversal is an entry with the amounts negated)."""
    out: dict[int, Position] = {}
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start:start + CHUNK]
        found = uow.session.execute(
            select(Commitment.id, Commitment.reference, Commitment.currency, Commitment.ab_id, BasicAllocation.code,
                   Commitment.fiscal_year, Commitment.amount, Commitment.amount_eur)
            .join(BasicAllocation, BasicAllocation.id == Commitment.ab_id).where(Commitment.id.in_(chunk)))
        adjusted = {cid: (Decimal(a), Decimal(e)) for cid, a, e in uow.session.execute(
            select(CommitmentAdjustment.commitment_id, func.sum(CommitmentAdjustment.amount),
                   func.sum(CommitmentAdjustment.amount_eur))
            .where(CommitmentAdjustment.commitment_id.in_(chunk)).group_by(CommitmentAdjustment.commitment_id))}
        paid = {cid: (Decimal(a), Decimal(e)) for cid, a, e in uow.session.execute(
            select(Payment.commitment_id, func.sum(Payment.amount), func.sum(Payment.amount_eur))
            .where(Payment.commitment_id.in_(chunk)).group_by(Payment.commitment_id))}
        for cid, ref, cur, ab_id, ab_code, year, amount, eur in found:
            adj, pay = adjusted.get(cid, (ZERO, ZERO)), paid.get(cid, (ZERO, ZERO))
            out[cid] = Position(cid, ref, cur, ab_id, ab_code, year, amount + adj[0], eur + adj[1], pay[0], pay[1])
    return out


def commitment_position(uow: UnitOfWork, commitment: Commitment) -> Position:
    """The position of one commitment (see :func:`positions`)."""
    return positions(uow, [commitment.id])[commitment.id]
