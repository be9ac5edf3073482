"""An entry is reversed at most once, by a partial unique index (migration 0012) that the
live rule ``reverses_id IS NULL`` cannot use: SQLite, without statistics, planned every live
read of a year through the former UNIQUE(reverses_id) index and walked all the entries."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import demo_copy
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from budget.ledger.migrate import current, downgrade, upgrade
from budget.ledger.models import Payment
from budget.services import reverse

ENTRY_TABLES = ("credit_movement", "assessment", "commitment", "commitment_adjustment", "payment")

LIVE_YEAR = (
    "SELECT id FROM assessment WHERE fiscal_year IN (2025) AND entry_date <= '2026-09-30' "
    "AND reverses_id IS NULL "
    "AND NOT EXISTS (SELECT 1 FROM assessment r WHERE r.reverses_id = assessment.id)"
)


def _plan(url: str, sql: str) -> list[str]:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]


def test_the_live_read_of_a_year_goes_through_the_year_and_not_through_reverses_id(
    demo_template: Path, tmp_path: Path
) -> None:
    plan = _plan(demo_copy(demo_template, tmp_path), LIVE_YEAR)
    outer, check = plan[0], plan[-1]
    assert "USING INDEX ix_assessment_year" in outer or "USING INDEX ix_assessment_date" in outer, plan
    assert "reverses_id" not in outer, plan
    # The reversal check still finds the reversal of an entry by index.
    assert "INDEX uq_assessment_reverses_id (reverses_id=?)" in check, plan


def test_the_reversal_indexes_are_partial_unique_indexes(demo_template: Path, tmp_path: Path) -> None:
    path = demo_copy(demo_template, tmp_path).removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        for table in ENTRY_TABLES:
            name = f"uq_{table}_reverses_id"
            (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()
            assert sql == (f"CREATE UNIQUE INDEX uq_{table}_reverses_id ON {table} (reverses_id) "
                           "WHERE reverses_id IS NOT NULL")
            (table_sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()
            assert "UNIQUE" not in table_sql


def test_the_database_refuses_a_second_reversal_of_the_same_entry(demo_ledger) -> None:
    with demo_ledger.uow() as uow:
        pid = uow.session.scalars(select(Payment.id).where(Payment.reverses_id.is_(None))).first()
        reverse(uow, "payment", pid, reason="paid twice")
        uow.commit()
    checked = []
    for table in ENTRY_TABLES:
        with demo_ledger.engine.connect() as conn:
            rid = conn.execute(text(f"SELECT MAX(id) FROM {table} WHERE reverses_id IS NOT NULL")).scalar()
            if rid is None:
                continue
            columns = list(conn.execute(text(f"SELECT * FROM {table} LIMIT 0")).keys())
            columns.remove("id")
            names = ", ".join(columns)
            with pytest.raises(IntegrityError, match=f"uq_{table}_reverses_id|{table}.reverses_id"):
                conn.execute(text(f"INSERT INTO {table} ({names}) SELECT {names} FROM {table} WHERE id = :i"),
                             {"i": rid})
            checked.append(table)
    assert "payment" in checked


def test_0012_down_and_up_keeps_every_entry_and_every_reversal(demo_ledger) -> None:
    def snapshot() -> dict[str, list[tuple[object, ...]]]:
        with demo_ledger.engine.connect() as conn:
            return {t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1, 2"))]
                    for t in (*ENTRY_TABLES, "assessment_line", "open_commitment_item")}

    with demo_ledger.uow() as uow:
        pid = uow.session.scalars(select(Payment.id).where(Payment.reverses_id.is_(None))).first()
        reverse(uow, "payment", pid, reason="paid twice")
        uow.commit()
    before = snapshot()
    assert any(row for row in before["payment"])
    downgrade(demo_ledger.engine, "0011")
    assert current(demo_ledger.engine) == "0011"
    assert snapshot() == before
    upgrade(demo_ledger.engine)
    assert current(demo_ledger.engine) == "0012"
    assert snapshot() == before
    if demo_ledger.engine.dialect.name == "sqlite":
        with demo_ledger.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
