"""Migrations never lose data silently (issue #16): a downgrade that would drop tables holding
rows refuses, on SQLite and PostgreSQL, unless explicitly allowed."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.util import CommandError
from sqlalchemy import inspect, text

from budget.ledger.dataloss import FLAG
from budget.ledger.migrate import ROOT, alembic_config, current, downgrade, upgrade
from budget.services import register_allocation


def _with_an_allocation(ledger) -> None:
    with ledger.uow() as uow:
        register_allocation(uow, "14.54.11.35.40.01", "UN", "M2")
        uow.commit()


def test_a_downgrade_to_base_of_a_ledger_holding_entries_refuses_and_drops_nothing(ledger):
    _with_an_allocation(ledger)
    head = current(ledger.engine)
    with pytest.raises(CommandError, match=r"basic_allocation \(1 rows\).*i-know-this-drops-data=1"):
        downgrade(ledger.engine, "base")
    assert current(ledger.engine) == head
    assert inspect(ledger.engine).has_table("basic_allocation")
    with ledger.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM basic_allocation")).scalar_one() == 1


def test_a_downgrade_that_drops_only_derived_tables_goes_through(ledger):
    """One step down drops the ledger totals, which `budget db rebuild-balances` recomputes."""
    _with_an_allocation(ledger)
    downgrade(ledger.engine, "-1")
    upgrade(ledger.engine)


def test_the_explicit_flag_lets_a_downgrade_drop_the_data(tmp_path: Path, sqlite_template: Path):
    path = tmp_path / "ledger.db"
    shutil.copy(sqlite_template, path)
    from budget.ledger.db import make_engine

    engine = make_engine(f"sqlite:///{path}")
    try:
        from budget.ledger.db import make_session_factory
        from budget.uow import UnitOfWork

        with UnitOfWork(make_session_factory(engine), user="t", channel="test") as uow:
            register_allocation(uow, "14.54", "UN", "M2")
            uow.commit()
        cfg = alembic_config(engine)
        cfg.attributes[FLAG] = True
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
        assert current(engine) is None
        assert not inspect(engine).has_table("basic_allocation")
    finally:
        engine.dispose()


def test_the_alembic_command_refuses_in_one_line_and_accepts_the_x_flag(tmp_path: Path, sqlite_template: Path):
    path = tmp_path / "ledger.db"
    shutil.copy(sqlite_template, path)
    from budget.ledger.db import make_engine, make_session_factory
    from budget.services import record_credit
    from budget.uow import UnitOfWork

    engine = make_engine(f"sqlite:///{path}")
    with UnitOfWork(make_session_factory(engine), user="t", channel="test") as uow:
        register_allocation(uow, "14.54", "UN", "M2")
        record_credit(uow, "14.54", 2026, "commitment", "1000.00", entry_date=dt.date(2026, 1, 1))
        uow.commit()
    engine.dispose()
    alembic = str(Path(sys.executable).parent / "alembic")
    env = {**os.environ, "BUDGET_DATABASE_URL": f"sqlite:///{path}"}
    refused = subprocess.run([alembic, "downgrade", "base"], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=120, check=False)
    # Alembic's own refusal: "FAILED: <one line>", a non-zero exit, no traceback.
    assert refused.returncode != 0
    said = (refused.stdout + refused.stderr).strip().splitlines()
    assert len(said) == 1 and said[0].startswith("FAILED: this downgrade would drop tables holding data"), said
    assert "credit_movement (1 rows)" in said[0] and "-x i-know-this-drops-data=1" in said[0]
    engine = make_engine(f"sqlite:///{path}")
    assert inspect(engine).has_table("credit_movement")
    engine.dispose()
    allowed = subprocess.run([alembic, "-x", "i-know-this-drops-data=1", "downgrade", "base"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120, check=False)
    assert allowed.returncode == 0, allowed.stderr
    engine = make_engine(f"sqlite:///{path}")
    assert not inspect(engine).has_table("credit_movement")
    engine.dispose()
