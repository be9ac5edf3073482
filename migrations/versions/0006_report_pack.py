"""report_pack: the frozen monthly report packs (issue #14), kept as they went to the hierarchy

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 09:47:24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from budget.ledger.dataloss import refuse_dropping_rows

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('report_pack',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('scope', sa.String(length=200), nullable=False),
    sa.Column('lang', sa.String(length=2), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('supersede_reason', sa.Text(), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('figures', sa.Text(), nullable=False),
    sa.Column('generated_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('pdf_name', sa.String(length=300), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf_size', sa.Integer(), nullable=False),
    sa.Column('xlsx_name', sa.String(length=300), nullable=False),
    sa.Column('xlsx_sha256', sa.String(length=64), nullable=False),
    sa.Column('xlsx_size', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['supersedes_id'], ['report_pack.id'],
                            name=op.f('fk_report_pack_supersedes_id_report_pack')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_pack')),
    sa.UniqueConstraint('period', 'scope', 'lang', 'revision', name=op.f('uq_report_pack_period_scope_lang_revision')),
    sa.UniqueConstraint('supersedes_id', name=op.f('uq_report_pack_supersedes_id'))
    )
    with op.batch_alter_table('report_pack', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_pack_pdf_sha256'), ['pdf_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_pack_xlsx_sha256'), ['xlsx_sha256'], unique=False)



def downgrade() -> None:
    # The frozen packs are records (what went to the hierarchy): never dropped silently.
    refuse_dropping_rows(["report_pack"])
    with op.batch_alter_table('report_pack', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_pack_xlsx_sha256'))
        batch_op.drop_index(batch_op.f('ix_report_pack_pdf_sha256'))

    op.drop_table('report_pack')
