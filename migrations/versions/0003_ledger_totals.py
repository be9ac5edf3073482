"""ledger totals: the entries' sums per year, kind, organisation, AB, currency and month

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 12:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import budget.ledger.types

revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ledger_total',
    sa.Column('fiscal_year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('organisation_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('ab_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('month', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('amount', budget.ledger.types.Money(), nullable=False),
    sa.Column('amount_eur', budget.ledger.types.Money(), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('fiscal_year', 'kind', 'organisation_id', 'ab_id', 'currency', 'month',
                            name=op.f('pk_ledger_total'))
    )
    op.create_index('ix_credit_movement_date', 'credit_movement', ['entry_date'], unique=False)
    # Derived data, filled from the entries with the application's definition (see 0002)
    # by the last revision that changes that definition: 0004 keys the totals by the
    # entries' month, and fills them.


def downgrade() -> None:
    op.drop_index('ix_credit_movement_date', table_name='credit_movement')
    op.drop_table('ledger_total')
