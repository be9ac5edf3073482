"""names in French and Dutch: organisation.name_fr/name_nl, basic_allocation.name_fr/name_nl,
directorate.name_fr/name_nl (the ten directorates' French and Dutch names filled in); and
organisation.active, basic_allocation.active (retired by the undo of the batch that made them)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 12:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from budget.ledger.dataloss import refuse_dropping_values

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy: a migration must not change when the application code does.
DIRECTORATE_NAMES = (
    ("M0.0", "Gestion et contrôle de qualité (budgets, contributions obligatoires, RH, IT)",
     "Beheer en kwaliteitscontrole (begrotingen, verplichte bijdragen, HR, IT)"),
    ("M0.1", "Questions multilatérales transversales & CoorMulti",
     "Transversale multilaterale aangelegenheden & CoorMulti"),
    ("M1", "Politique de sécurité (PESD/PSDC, OTAN, OSCE, menaces hybrides)",
     "Veiligheidsbeleid (EVDB/GVDB, NAVO, OVSE, hybride dreigingen)"),
    ("M2", "Nations unies et OIF", "Verenigde Naties en OIF"),
    ("M3", "Droits de l'homme (ONU, UE, Conseil de l'Europe)", "Mensenrechten (VN, EU, Raad van Europa)"),
    ("M4", "Gouvernance internationale", "Internationaal bestuur"),
    ("M5", "Désarmement et non-prolifération", "Ontwapening en non-proliferatie"),
    ("ME6", "Relations extérieures de l'UE", "Externe betrekkingen van de EU"),
    ("M7", "Contre-terrorisme – Lutte contre l'extrémisme violent",
     "Terrorismebestrijding – Bestrijding van gewelddadig extremisme"),
    ("MD8", "Environnement et climat", "Leefmilieu en klimaat"),
)

#: The columns typed by users (the directorates' names are seeded: not data a downgrade loses).
TYPED = (("organisation", "name_fr"), ("organisation", "name_nl"),
         ("basic_allocation", "name_fr"), ("basic_allocation", "name_nl"))


def upgrade() -> None:
    # Plain ALTER TABLE (SQLite has ADD and, since 3.35, DROP COLUMN): batch mode would copy
    # the tables, and dropping the old organisation table trips the foreign keys of the
    # entries that name it.
    for table, length in (("directorate", 200), ("basic_allocation", 300), ("organisation", 300)):
        op.add_column(table, sa.Column("name_fr", sa.String(length=length), nullable=True))
        op.add_column(table, sa.Column("name_nl", sa.String(length=length), nullable=True))
    # What an undone import batch created and its reversed entries still name is retired, not deleted.
    for table in ("basic_allocation", "organisation"):
        op.add_column(table, sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
    directorate = sa.table("directorate", sa.column("code", sa.String), sa.column("name_fr", sa.String),
                           sa.column("name_nl", sa.String))
    for code, fr, nl in DIRECTORATE_NAMES:
        op.execute(directorate.update().where(directorate.c.code == code).values(name_fr=fr, name_nl=nl))


def downgrade() -> None:
    refuse_dropping_values(TYPED, flags=(("organisation", "active"), ("basic_allocation", "active")))
    for table in ("organisation", "basic_allocation"):
        op.drop_column(table, "active")
    for table in ("organisation", "basic_allocation", "directorate"):
        op.drop_column(table, "name_nl")
        op.drop_column(table, "name_fr")
