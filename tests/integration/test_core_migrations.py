"""Alembic migrations on SQLite and PostgreSQL: they build exactly the schema of the models.

Each test starts from an empty database (not the ``ledger`` fixture's migrated one): a
fresh SQLite file, or a fresh PostgreSQL database created next to the fixture's.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text

from budget.ledger.db import make_engine
from budget.ledger.migrate import alembic_config, current, downgrade, upgrade
from budget.ledger.models import Base
from budget.services.reference import DIRECTORATES

PG_URL = os.environ.get("BUDGET_TEST_POSTGRES_URL", "")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a database with no table at all, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        yield engine
        engine.dispose()
        return
    # Skip with the visible reason of the shared fixture when no server is configured.
    request.getfixturevalue("pg_engine")
    admin_url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1) \
        if PG_URL.startswith("postgresql://") else PG_URL
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"budget_migr_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(admin.url.set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _diffs(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, Base.metadata)


def _head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def test_upgrade_head_builds_exactly_the_schema_of_the_models(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    assert current(empty_engine) == _head()
    assert _diffs(empty_engine) == []
    tables = set(inspect(empty_engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables


def test_upgrade_seeds_the_ten_directorates(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        rows = conn.execute(text("SELECT code FROM directorate ORDER BY code")).scalars().all()
    assert sorted(rows) == sorted(code for code, _ in DIRECTORATES)
    assert len(rows) == 10
    assert {"M0.0", "M0.1", "M1", "M2", "M3", "M4", "M5", "ME6", "M7", "MD8"} == set(rows)


def test_upgrade_downgrade_to_base_and_upgrade_again_works(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    downgrade(empty_engine, "base")
    assert current(empty_engine) is None
    left = set(inspect(empty_engine).get_table_names()) - {"alembic_version"}
    assert left == set(), f"downgrade left tables behind: {sorted(left)}"
    upgrade(empty_engine)
    assert current(empty_engine) == _head()
    assert _diffs(empty_engine) == []
    with empty_engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM directorate")).scalar_one() == 10


def test_each_revision_downgrades_one_step_and_upgrades_back(empty_engine: Engine) -> None:
    """Walk the revision chain down one step at a time, then back to head."""
    script = ScriptDirectory.from_config(alembic_config())
    revisions = [r.revision for r in script.walk_revisions()]  # head first
    upgrade(empty_engine)
    for rev in revisions:
        downgrade(empty_engine, "-1")
        below = script.get_revision(rev).down_revision
        assert current(empty_engine) == below
    upgrade(empty_engine)
    assert _diffs(empty_engine) == []


def test_the_revision_chain_is_linear_with_a_single_head() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1, f"several heads: {script.get_heads()}"
    assert len(script.get_bases()) == 1


def test_upgrading_a_ledger_with_entries_derives_its_open_items(empty_engine: Engine) -> None:
    """Revision 0002 fills the open-item projections from the entries a ledger already holds."""
    import datetime as dt
    from decimal import Decimal

    from budget.ledger.db import make_session_factory
    from budget.services import balances, views
    from budget.services.entries import commit, record_credit, register_assessment
    from budget.services.payments import record_payment
    from budget.services.reference import OrganisationInput, register_allocation, register_organisation
    from budget.uow import UnitOfWork

    upgrade(empty_engine)
    factory = make_session_factory(empty_engine)
    with UnitOfWork(factory, user="t") as uow:
        register_allocation(uow, "14.11.35.01", "Contributions", "M2", "block")
        register_organisation(uow, OrganisationInput("UN-RB", "UN regular budget", "M2", "EUR",
                                                     "14.11.35.01"))
        record_credit(uow, "14.11.35.01", 2026, "commitment", Decimal("1000"), "initial",
                      entry_date=dt.date(2026, 1, 2))
        register_assessment(uow, "UN-RB", "AS-1", [("EUR", Decimal("600"))], fiscal_year=2026,
                            period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 12, 31),
                            due_date=dt.date(2026, 2, 1), received=dt.date(2026, 1, 10))
        commit(uow, "C-1", "UN-RB", entry_date=dt.date(2026, 1, 15), amount_eur=Decimal("600"),
               assessment_reference="AS-1")
        record_payment(uow, "P-1", "C-1", entry_date=dt.date(2026, 3, 1), amount=Decimal("250"))
        uow.commit()
    downgrade(empty_engine, "0001")  # as a ledger written before the projections existed
    upgrade(empty_engine)
    with UnitOfWork(factory, write=False) as uow:
        assert balances.verify(uow.session) == []
        [line] = views.outstanding(uow, dt.date(2026, 6, 30))
        assert (line.reference, line.outstanding) == ("AS-1", Decimal("350.00"))
        [c] = views.open_commitments(uow)
        assert (c.reference, c.open) == ("C-1", Decimal("350.00"))


def test_upgrade_gives_the_directorates_their_french_and_dutch_names(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        row = conn.execute(text("SELECT name, name_fr, name_nl FROM directorate WHERE code = 'M2'")).one()
    assert tuple(row) == ("United Nations and OIF", "Nations unies et OIF", "Verenigde Naties en OIF")


def test_downgrading_the_names_refuses_while_an_organisation_has_a_french_name(empty_engine: Engine) -> None:
    """Revision 0007's columns hold what users typed: dropping them is refused, then allowed."""
    from alembic.util import CommandError

    from budget.ledger.db import make_session_factory
    from budget.services.reference import OrganisationInput, register_organisation
    from budget.uow import UnitOfWork

    upgrade(empty_engine)
    with UnitOfWork(make_session_factory(empty_engine), user="t") as uow:
        register_organisation(uow, OrganisationInput("UN-RB", "UN regular budget", "M2",
                                                     name_fr="ONU budget ordinaire"))
        uow.commit()
    with pytest.raises(CommandError, match=r"organisation\.name_fr \(1 values\)"):
        downgrade(empty_engine, "0006")
    assert current(empty_engine) == _head()
    with empty_engine.connect() as conn:
        assert conn.execute(text("SELECT name_fr FROM organisation")).scalar_one() == "ONU budget ordinaire"


def test_downgrading_the_names_refuses_while_an_organisation_is_retired(empty_engine: Engine) -> None:
    from alembic.util import CommandError

    from budget.ledger.db import make_session_factory
    from budget.services.reference import OrganisationInput, register_organisation
    from budget.uow import UnitOfWork

    upgrade(empty_engine)
    with UnitOfWork(make_session_factory(empty_engine), user="t") as uow:
        register_organisation(uow, OrganisationInput("UN-RB", "UN regular budget", "M2"))
        uow.commit()
    with empty_engine.begin() as conn:
        conn.execute(text("UPDATE organisation SET active = false"))
    with pytest.raises(CommandError, match=r"organisation\.active \(1 values\)"):
        downgrade(empty_engine, "0006")
    assert current(empty_engine) == _head()
