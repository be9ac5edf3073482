"""ledger totals kept per month of the entries' dates (as of any month end: no entry read)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import budget.ledger.types

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _create(month_column: str) -> None:
    op.create_table('ledger_total',
    sa.Column('fiscal_year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('organisation_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('ab_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column(month_column, sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('amount', budget.ledger.types.Money(), nullable=False),
    sa.Column('amount_eur', budget.ledger.types.Money(), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('fiscal_year', 'kind', 'organisation_id', 'ab_id', 'currency', month_column,
                            name=op.f('pk_ledger_total'))
    )


def upgrade() -> None:
    # Derived data: the table is made again with its new key; 0005 fills it (see 0002).
    op.drop_table('ledger_total')
    _create('entry_month')


def downgrade() -> None:
    # Back to 0003's shape, empty: that revision's code fills it (``budget db
    # rebuild-balances``).
    op.drop_table('ledger_total')
    _create('month')
