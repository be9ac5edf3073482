"""Shared fixtures: a migrated ledger on SQLite and on PostgreSQL for every database test.

The ``ledger`` fixture is parametrised over both backends. PostgreSQL comes from
``BUDGET_TEST_POSTGRES_URL`` (``.ci/run`` starts a throwaway cluster and sets it); without
it the PostgreSQL half is skipped with a visible reason, never silently.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from budget.ledger.db import make_engine, make_session_factory
from budget.ledger.migrate import upgrade
from budget.ledger.models import Base
from budget.uow import UnitOfWork

PG_URL = os.environ.get("BUDGET_TEST_POSTGRES_URL", "")

# The fixtures of the older tests publish a few rates months apart (they test other rules).
# The stale-rate rule (BUDGET_MAX_RATE_AGE_DAYS, 7 days by default) is tested on its own in
# tests/integration/test_core_business_dates.py, which sets the default back; everywhere else
# a rate up to a year old is accepted. Set here, before any test, so CLI subprocesses inherit it.
os.environ.setdefault("BUDGET_MAX_RATE_AGE_DAYS", "400")
# Hypothesis deadlines off: on a loaded machine (two cores shared by parallel runs) one slow
# example fails a test that is right. A profile, loaded here before any test module.
settings.register_profile("ci", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

#: The day the demo ledger is built for, and "today" for the pages of the page tests
#: (``BUDGET_TODAY``): the same figures whatever day the suite runs.
DEMO_TODAY = dt.date(2026, 11, 28)
PG_SKIP_REASON = (
    "PostgreSQL half skipped: BUDGET_TEST_POSTGRES_URL is not set "
    "(.ci/run starts a real server; see README 'Tests')"
)
KEEP_TABLES = {"directorate", "alembic_version"}


@dataclass
class Ledger:
    """A migrated, empty ledger database for one test."""

    backend: str
    url: str
    engine: Engine
    factory: sessionmaker[Session]

    def uow(self, user: str = "tester", channel: str = "test", *, write: bool = True) -> UnitOfWork:
        return UnitOfWork(self.factory, user=user, channel=channel, write=write)

    def snapshot(self) -> dict[str, list[tuple[object, ...]]]:
        """Every row of every table, ordered: to prove nothing changed or vanished."""
        out: dict[str, list[tuple[object, ...]]] = {}
        with self.engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                rows = conn.execute(table.select().order_by(*table.primary_key.columns)).all()
                out[table.name] = [tuple(r) for r in rows]
        return out


def _check_open_items(led: Ledger) -> None:
    """After every database test: the open-item projections equal the entries' recomputation,
    whatever path the test wrote through (services, imports, undo, dashboard, CLI)."""
    from budget.services import balances

    with led.uow(write=False) as uow:
        drift = balances.verify(uow.session)
    assert not drift, "open items drifted from the entries: " + "; ".join(map(str, drift[:5]))


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "ledger.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """The demo ledger (as of :data:`DEMO_TODAY`) in a SQLite file, built once per session
    and worker: tests copy the file instead of loading the demo each time."""
    from budget.demo import load_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    load_demo(make_session_factory(engine), today=DEMO_TODAY)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def demo_template_today(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """The demo ledger as of the real today, built once per session and worker, for the
    page tests that run with the dashboard's own today (no ``BUDGET_TODAY``)."""
    from budget.demo import load_demo

    path = tmp_path_factory.mktemp("demo-today") / "demo.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    load_demo(make_session_factory(engine))
    engine.dispose()
    return path


def demo_copy(template: Path, folder: Path) -> str:
    """A fresh copy of the demo ledger in ``folder``: its URL."""
    path = folder / "demo.db"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    """The dashboard's today (``BUDGET_TODAY``) set to :data:`DEMO_TODAY`."""
    monkeypatch.setenv("BUDGET_TODAY", DEMO_TODAY.isoformat())
    return DEMO_TODAY


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    """The test server's maintenance connection (creates and drops the tests' databases)."""
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
                          if PG_URL.startswith("postgresql://") else PG_URL,
                          isolation_level="AUTOCOMMIT")
    yield admin
    admin.dispose()


def _pg_database(admin: Engine, name: str, template: str | None = None) -> Engine:
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    return make_engine(admin.url.set(database=name).render_as_string(hide_password=False))


def _drop_pg_database(admin: Engine, engine: Engine) -> None:
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{engine.url.database}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def pg_engine(pg_admin: Engine) -> Iterator[Engine]:
    # The process id keeps two pytest runs on one shared server (several developers, or a
    # developer and CI) from dropping and truncating each other's database mid-test.
    engine = _pg_database(pg_admin, f"budget_test_{_worker()}_{os.getpid()}")
    upgrade(engine)
    yield engine
    _drop_pg_database(pg_admin, engine)


@pytest.fixture(scope="session")
def pg_demo_template(pg_admin: Engine) -> Iterator[str]:
    """A PostgreSQL database holding the demo ledger, loaded once per session and worker:
    each demo test gets a copy (``CREATE DATABASE ... TEMPLATE``, a tenth of a second; the
    load takes seconds), as the SQLite tests copy :func:`demo_template`'s file."""
    from budget.demo import load_demo

    engine = _pg_database(pg_admin, f"budget_demo_{_worker()}_{os.getpid()}")
    upgrade(engine)
    load_demo(make_session_factory(engine), today=DEMO_TODAY)
    engine.dispose()  # a template database takes no other connection while it is copied
    yield str(engine.url.database)
    _drop_pg_database(pg_admin, engine)


def _truncate_pg(engine: Engine) -> None:
    names = [t.name for t in Base.metadata.sorted_tables if t.name not in KEEP_TABLES]
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE"))


def _ledger(request: pytest.FixtureRequest, template: Path, folder: Path, demo: bool) -> Iterator[Ledger]:
    if request.param == "sqlite":
        path = folder / "ledger.db"
        shutil.copy(template, path)
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        led = Ledger("sqlite", url, engine, make_session_factory(engine))
        yield led
        _check_open_items(led)
        engine.dispose()
        return
    if demo:
        admin = request.getfixturevalue("pg_admin")
        template = request.getfixturevalue("pg_demo_template")
        engine = _pg_database(admin, f"{template}_{os.getpid()}_copy", template)
    else:
        engine = request.getfixturevalue("pg_engine")
        _truncate_pg(engine)
    url = engine.url.render_as_string(hide_password=False)
    led = Ledger("postgresql", url, engine, make_session_factory(engine))
    yield led
    _check_open_items(led)
    if demo:
        _drop_pg_database(admin, engine)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def ledger(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Ledger]:
    """An empty migrated ledger (directorates seeded), on SQLite and on PostgreSQL."""
    yield from _ledger(request, sqlite_template, tmp_path, demo=False)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def demo_ledger(request: pytest.FixtureRequest, tmp_path: Path, demo_template: Path) -> Iterator[Ledger]:
    """The demo ledger as of :data:`DEMO_TODAY`, on SQLite (a copy of the session's
    :func:`demo_template`) and on PostgreSQL."""
    yield from _ledger(request, demo_template, tmp_path, demo=True)


#: The seeded report ledger's monthly report, per backend and worker (see :func:`report`).
_REPORTS: dict[str, Any] = {}


@pytest.fixture
def report(ledger: Ledger) -> Any:
    """The monthly report of ``reports_seed``'s ledger, built once per backend and worker: a
    frozen value the tests only read. A test that also reads the ledger takes
    :func:`seeded_report`, whose ledger is seeded for it."""
    if ledger.backend not in _REPORTS:
        _REPORTS[ledger.backend] = _seeded_report(ledger)
    return _REPORTS[ledger.backend]


@pytest.fixture
def seeded_report(ledger: Ledger) -> Any:
    """``ledger`` seeded by ``reports_seed`` and its monthly report."""
    return _seeded_report(ledger)


def _seeded_report(ledger: Ledger) -> Any:
    from reports_seed import MONTH, seed_report_ledger

    from budget.reports.monthly import monthly_report

    seed_report_ledger(ledger.factory)
    return monthly_report(ledger.factory, MONTH)
