"""The log-in's own database access: short lock waits, so a long write never holds it.

Every log-in records its attempt (a failure counted on the account, a reset after a
success). On the dashboard's engine that write would queue behind a long import for up to
30 s (SQLite's busy timeout) and then fail with ``database is locked``. The log-in
therefore checks the password in a read and records the attempt in a separate short
transaction on this engine, whose lock waits end after ``BUDGET_LOGIN_BUSY_TIMEOUT_MS``
(SQLite ``busy_timeout``, PostgreSQL ``lock_timeout``); a record that cannot get the lock
in time is skipped (see :func:`budget.services.users.log_in`).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from budget import config
from budget.busy import short_wait_engine
from budget.ledger.db import make_session_factory
from budget.uow import UnitOfWork
from dashboards import common as c

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker


@functools.lru_cache(maxsize=8)
def _factory(url: str, timeout_ms: int) -> sessionmaker[Session]:
    _made.add((url, timeout_ms))
    return make_session_factory(short_wait_engine(url, timeout_ms))


_made: set[tuple[str, int]] = set()


def uow(*, write: bool) -> UnitOfWork:
    """A unit of work for the log-in (user ``login``), with short lock waits."""
    c.engine()  # the dashboard's engine brings the schema up to date on first use
    factory = _factory(c.db_url(), config.get("BUDGET_LOGIN_BUSY_TIMEOUT_MS"))
    return UnitOfWork(factory, user="login", channel="dashboard", write=write)


def read_uow() -> UnitOfWork:
    """The log-in's read (the password check)."""
    return uow(write=False)


def record_uow() -> UnitOfWork:
    """The log-in's short write (the attempt recorded on the account)."""
    return uow(write=True)


def dispose() -> None:
    """Close the log-in engines' pooled connections (tests, and before a file is replaced)."""
    for url, timeout_ms in list(_made):
        _factory(url, timeout_ms).kw["bind"].dispose()
