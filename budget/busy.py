"""Is this database error "the ledger is busy" (another long write holds the lock)?

SQLite answers ``database is locked`` (or ``database table is locked``) once its busy
timeout has passed; PostgreSQL raises ``lock_not_available`` (SQLSTATE 55P03) when a
``lock_timeout`` expires, and ``query_canceled`` (57014) for a ``statement_timeout``.
Each edge shows these as a short "try again" message instead of the error itself.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

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
