"""A partial index on the negative assessment lines (credits returned): the arrears and the
organisations' statuses look for them on every read, and a scan of every line grew with the
ledger's history

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 15:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('assessment_line', schema=None) as batch_op:
        batch_op.create_index('ix_assessment_line_credit', ['assessment_id'], unique=False,
                              sqlite_where=sa.text('amount < 0'), postgresql_where=sa.text('amount < 0'))


def downgrade() -> None:
    with op.batch_alter_table('assessment_line', schema=None) as batch_op:
        batch_op.drop_index('ix_assessment_line_credit', sqlite_where=sa.text('amount < 0'),
                            postgresql_where=sa.text('amount < 0'))
