"""a partial index on the assessment lines that return a credit (amount < 0)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 15:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_assessment_line_credit', 'assessment_line', ['assessment_id'], unique=False,
                    sqlite_where=sa.text('amount < 0'), postgresql_where=sa.text('amount < 0'))


def downgrade() -> None:
    op.drop_index('ix_assessment_line_credit', table_name='assessment_line',
                  sqlite_where=sa.text('amount < 0'), postgresql_where=sa.text('amount < 0'))
