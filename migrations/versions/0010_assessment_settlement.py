"""assessment_settlement: the days each assessment was first paid and paid in full (derived)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('assessment_settlement',
    sa.Column('organisation_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('reference', sa.String(length=120), nullable=False),
    sa.Column('first_paid_on', sa.Date(), nullable=True),
    sa.Column('settled_first_on', sa.Date(), nullable=True),
    sa.Column('fully_paid_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                            name=op.f('fk_assessment_settlement_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('organisation_id', 'reference', name=op.f('pk_assessment_settlement'))
    )
    # Derived data, filled from the entries with the application's definition (see 0005).
    from budget.services import settlement

    session = Session(bind=op.get_bind())
    settlement.replace(session, None)
    session.flush()


def downgrade() -> None:
    op.drop_table('assessment_settlement')
