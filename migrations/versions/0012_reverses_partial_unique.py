"""an entry is reversed at most once: partial unique index instead of UNIQUE(reverses_id)

The UNIQUE constraint on ``reverses_id`` of every entry table gave SQLite (which has no
planner statistics here) a unique index it judged selective for ``reverses_id IS NULL``, the
rule of every live read: "the live assessments of fiscal year Y" walked all the entries ever
written through it instead of the year's index. The same guarantee as a partial index
``WHERE reverses_id IS NOT NULL`` cannot serve ``IS NULL``, and still serves the reversal
check ``reverses_id = ?``.

SQLite cannot drop a table constraint: the table is rebuilt. Foreign keys are on in the
application's connections and cannot be switched off inside the migration's transaction, so
the rebuild defers them (``PRAGMA defer_foreign_keys``, reset at commit), keeps the rows
aside, drops the table (the rows of other tables that name it become pending violations),
creates it again under its own name (no rename: a rename would not bring the references back)
and puts the rows back, which resolves every pending violation before the commit checks them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 19:30:00
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Connection

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("credit_movement", "assessment", "commitment", "commitment_adjustment", "payment")
NOT_NULL = sa.text("reverses_id IS NOT NULL")


def _name(table: str) -> str:
    return f"uq_{table}_reverses_id"


def _create_index(table: str) -> None:
    op.create_index(_name(table), table, ["reverses_id"], unique=True,
                    sqlite_where=NOT_NULL, postgresql_where=NOT_NULL)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _child_indexes(conn: Connection, table: str) -> list[str]:
    """Temporary indexes on the foreign keys naming ``table`` that have none.

    While violations are pending, every row put back into ``table`` looks up the rows that
    name it in each referencing table: without an index, one full scan per row.
    """
    created = []
    tables = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'").scalars()
    for child in list(tables):
        for fk in conn.exec_driver_sql(f"PRAGMA foreign_key_list({_quote(child)})").all():
            if fk[2] != table or child == table:
                continue
            column = fk[3]
            indexed = any(
                [c[2] for c in conn.exec_driver_sql(f"PRAGMA index_info({_quote(ix[1])})")][:1] == [column]
                for ix in conn.exec_driver_sql(f"PRAGMA index_list({_quote(child)})").all()
            )
            if not indexed:
                name = f"_tmp_0012_{child}_{column}"
                conn.exec_driver_sql(f"CREATE INDEX {_quote(name)} ON {_quote(child)} ({_quote(column)})")
                created.append(name)
    return created


def _sqlite_rebuild(table: str, with_constraint: bool) -> None:
    """Rebuild ``table`` with or without ``UNIQUE (reverses_id)``, same name, rows, indexes."""
    conn = op.get_bind()
    conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    sql = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()
    extras = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
        "AND sql IS NOT NULL AND name != ?",
        (table, _name(table)),
    ).scalars().all()
    clause = f"CONSTRAINT {_name(table)} UNIQUE (reverses_id)"
    if with_constraint:
        new_sql = re.sub(r"\s*\)\s*$", f", \n\t{clause}\n)", sql)
    else:
        new_sql = re.sub(r",\s*" + re.escape(clause), "", sql)
    if new_sql == sql:
        raise RuntimeError(f"0012: unexpected schema of {table}: {sql}")
    columns = [(c[1], c[2]) for c in conn.exec_driver_sql(f"PRAGMA table_info({_quote(table)})")]
    names = ", ".join(_quote(n) for n, _ in columns)
    hold = _quote(f"_hold_0012_{table}")
    # Same declared types, so the same affinities: the values come back as they were.
    conn.exec_driver_sql(f"CREATE TABLE {hold} ({', '.join(f'{_quote(n)} {t}' for n, t in columns)})")
    conn.exec_driver_sql(f"INSERT INTO {hold} ({names}) SELECT {names} FROM {_quote(table)} ORDER BY id")
    temporary = _child_indexes(conn, table)
    # The table's own reversals would become pending violations too when it is dropped
    # (its indexes go first: nulling reverses_id would break the live-key indexes).
    for index in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE tbl_name = ? AND type = 'index' AND sql IS NOT NULL",
        (table,),
    ).scalars().all():
        conn.exec_driver_sql(f"DROP INDEX {_quote(index)}")
    conn.exec_driver_sql(f"UPDATE {_quote(table)} SET reverses_id = NULL WHERE reverses_id IS NOT NULL")
    conn.exec_driver_sql(f"DROP TABLE {_quote(table)}")
    conn.exec_driver_sql(new_sql)
    if not with_constraint:
        _create_index(table)  # before the rows: it serves the look-ups of the reversals
    conn.exec_driver_sql(f"INSERT INTO {_quote(table)} ({names}) SELECT {names} FROM {hold} ORDER BY rowid")
    conn.exec_driver_sql(f"DROP TABLE {hold}")
    for name in temporary:
        conn.exec_driver_sql(f"DROP INDEX {_quote(name)}")
    for statement in extras:
        conn.exec_driver_sql(statement)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in TABLES:
        if sqlite:
            _sqlite_rebuild(table, with_constraint=False)
        else:
            op.drop_constraint(_name(table), table, type_="unique")
            _create_index(table)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in reversed(TABLES):
        op.drop_index(_name(table), table_name=table, sqlite_where=NOT_NULL, postgresql_where=NOT_NULL)
        if sqlite:
            _sqlite_rebuild(table, with_constraint=True)
        else:
            op.create_unique_constraint(_name(table), table, ["reverses_id"])
