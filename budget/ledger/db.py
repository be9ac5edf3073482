"""Engine bootstrap and the guard that keeps financial entries immutable.

Create the engine in :func:`make_engine` (never at import time). SQLite runs with foreign
keys on and a WAL journal; every session refuses to update or delete a financial entry.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from budget.config import database_url
from budget.errors import ImmutableEntryError
from budget.ledger.models import IMMUTABLE


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """Create the engine for ``url`` (resolved by :func:`budget.config.database_url`)."""
    resolved = database_url(url)
    if resolved.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(resolved, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy emit BEGIN itself so transactions behave as documented.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in resolved and resolved != "sqlite://":
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            # A 64 MiB page cache (the default is 2 MiB): a load of 100,000 payments updates
            # six indexes, and with the small cache most index pages were read again.
            cur.execute("PRAGMA cache_size=-65536")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # A writing unit of work asks for IMMEDIATE: it takes the write lock up front,
            # so two writers queue instead of one failing half-way on a stale snapshot.
            # Readers stay DEFERRED and never wait for a writer (WAL).
            immediate = conn.get_execution_options().get("sqlite_immediate", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(resolved, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose sessions refuse in-place edits of financial entries."""
    factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
    return factory


@event.listens_for(Session, "before_flush")
def _refuse_in_place_changes(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in session.deleted:
        if isinstance(obj, IMMUTABLE):
            raise ImmutableEntryError(
                f"{type(obj).__name__} {getattr(obj, 'id', '?')} cannot be deleted: "
                "record a reversing entry instead."
            )
    for obj in session.dirty:
        if isinstance(obj, IMMUTABLE) and session.is_modified(obj, include_collections=False):
            raise ImmutableEntryError(
                f"{type(obj).__name__} {getattr(obj, 'id', '?')} cannot be changed in place: "
                "record a reversing entry instead."
            )
