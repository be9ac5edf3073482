"""Is this database error "the ledger is busy" (another long write holds the lock)?

SQLite answers ``database is locked`` (or ``database table is locked``) once its busy
timeout has passed; PostgreSQL raises ``lock_not_available`` (SQLSTATE 55P03) when a
``lock_timeout`` expires, and ``query_canceled`` (57014) for a ``statement_timeout``.
Each edge shows these as a short "try again" message instead of the error itself.
:func:`short_wait_engine` gives an engine whose lock waits end quickly (the dashboard's
log-in records its attempts through one).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError

from budget.ledger.db import make_engine

_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")
_POSTGRES_BUSY = ("55P03", "57014")


def is_busy(exc: BaseException) -> bool:
    """True when ``exc`` (or what it wraps) says the database is locked by another writer."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        original = current.orig if isinstance(current, DBAPIError) else current
        code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
        if code in _POSTGRES_BUSY:
            return True
        if "sqlite" in type(original).__module__ and any(
                text in str(original).lower() for text in _SQLITE_BUSY):
            return True
        current = current.__cause__ or current.__context__
    return False


def short_wait_engine(url: str, timeout_ms: int) -> Engine:
    """An engine on ``url`` whose lock waits give up after ``timeout_ms``."""
    if url.startswith("sqlite"):
        engine = make_engine(url, connect_args={"timeout": timeout_ms / 1000})

        @event.listens_for(engine, "connect")
        def _short_busy_timeout(dbapi_conn: Any, _record: Any) -> None:
            # Runs after make_engine's own pragmas (listeners run in order), replacing 30 s.
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout={int(timeout_ms)}")
            cur.close()

        return engine
    return make_engine(url, connect_args={"options": f"-c lock_timeout={int(timeout_ms)}"})
