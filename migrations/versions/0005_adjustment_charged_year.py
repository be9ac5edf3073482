"""commitment_adjustment.fiscal_year: the year an adjustment is charged to, when not its
commitment's (an exchange difference realised after that year was closed)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 09:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("commitment_adjustment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fiscal_year", sa.Integer(), nullable=True))
    # The derived tables, filled from the entries with the application's definitions (the
    # totals now charge an adjustment to its own year): the newest migration that changes a
    # definition rebuilds them, earlier ones leave it to it.
    from budget.services import balances

    session = Session(bind=op.get_bind())
    balances.rebuild(session, ("open_items", "totals"))
    session.flush()


def downgrade() -> None:
    with op.batch_alter_table("commitment_adjustment", schema=None) as batch_op:
        batch_op.drop_column("fiscal_year")
