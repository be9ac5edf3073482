"""open items: projections of open commitments and assessment lines; entry-date indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 12:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import budget.ledger.types

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('open_commitment_item',
    sa.Column('commitment_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('committed', budget.ledger.types.Money(), nullable=False),
    sa.Column('committed_eur', budget.ledger.types.Money(), nullable=False),
    sa.Column('paid', budget.ledger.types.Money(), nullable=False),
    sa.Column('paid_eur', budget.ledger.types.Money(), nullable=False),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitment.id'],
                            name=op.f('fk_open_commitment_item_commitment_id_commitment')),
    sa.PrimaryKeyConstraint('commitment_id', name=op.f('pk_open_commitment_item'))
    )
    op.create_table('open_assessment_item',
    sa.Column('organisation_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('reference', sa.String(length=120), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('assessed', budget.ledger.types.Money(), nullable=False),
    sa.Column('assessed_eur', budget.ledger.types.Money(), nullable=False),
    sa.Column('paid', budget.ledger.types.Money(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                            name=op.f('fk_open_assessment_item_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('organisation_id', 'reference', 'currency', name=op.f('pk_open_assessment_item'))
    )
    op.create_index('ix_open_assessment_item_year', 'open_assessment_item', ['fiscal_year'], unique=False)
    # "What changed after this date" (reading a past month through the projections).
    op.create_index('ix_assessment_date', 'assessment', ['entry_date'], unique=False)
    op.create_index('ix_assessment_org_ref', 'assessment', ['organisation_id', 'reference'], unique=False)
    op.create_index('ix_commitment_date', 'commitment', ['entry_date'], unique=False)
    op.create_index('ix_commitment_adjustment_date', 'commitment_adjustment', ['entry_date'], unique=False)

    # The projections are derived data, filled from the entries with the application's
    # definition: by the newest migration that changes a definition (0005), since the
    # application's code may read columns that do not exist yet at this revision.


def downgrade() -> None:
    op.drop_index('ix_commitment_adjustment_date', table_name='commitment_adjustment')
    op.drop_index('ix_commitment_date', table_name='commitment')
    op.drop_index('ix_assessment_org_ref', table_name='assessment')
    op.drop_index('ix_assessment_date', table_name='assessment')
    op.drop_index('ix_open_assessment_item_year', table_name='open_assessment_item')
    op.drop_table('open_assessment_item')
    op.drop_table('open_commitment_item')
