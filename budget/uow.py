"""Unit of work: one transaction per operation, rolled back unless committed.

    with UnitOfWork(factory, user="alice", channel="dashboard") as uow:
        record_payment(uow, ...)
        uow.commit()
"""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from budget.ledger.models import AuditLog


class UnitOfWork:
    """A session with the acting user and channel; rollback by default.

    Args:
        session_factory: from :func:`budget.ledger.db.make_session_factory`.
        user: who acts (written on every row and audit line).
        channel: through which door (``cli``, ``dashboard``, ``import``, ``demo``...).
        write: take the database's write lock at the start (SQLite ``BEGIN IMMEDIATE``).
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        user: str = "system",
        channel: str = "cli",
        *,
        write: bool = True,
    ) -> None:
        self.session_factory = session_factory
        self.user = user
        self.channel = channel
        self.write = write
        self.batch_id: int | None = None
        self._session: Session | None = None
        self._marks: dict[str, int] | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside its 'with' block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self.session_factory()
        if self.write:
            from budget.services import balances  # the services import this module

            # Each writing transaction starts by taking the writers' lock (PostgreSQL) and
            # noting where the entry tables stand: on commit, the projections are brought up
            # to date with what it wrote from there (see budget.services.balances).
            def began(_session: Session, transaction: Any, connection: Any) -> None:
                if not transaction.nested:  # a savepoint is part of the transaction
                    self._marks = balances.start(connection)

            event.listen(self._session, "after_begin", began)
        bind = self._session.get_bind()
        if self.write and bind.dialect.name == "sqlite":
            self._session.connection(execution_options={"sqlite_immediate": True})
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self.session.close()
            self._session = None
            self._marks = None

    def commit(self) -> None:
        """Bring the projections up to date with the writes, then commit, atomically."""
        if self._marks is not None:
            from budget.services import balances

            # The totals are added to, not recomputed: after a failed commit the entries are
            # rolled back with them. The next transaction takes fresh marks when it begins.
            balances.refresh(self.session, self._marks)
        self.session.commit()
        self._marks = None

    def rollback(self) -> None:
        self.session.rollback()

    def stamp(self) -> dict[str, Any]:
        """Provenance columns for a new row written in this unit of work."""
        return {"created_by": self.user, "channel": self.channel, "batch_id": self.batch_id}

    def audit(self, action: str, entity: str, entity_id: object = None, **details: Any) -> None:
        """Append one line to the audit log (in the same transaction as the change)."""
        self.session.add(
            AuditLog(
                user=self.user,
                channel=self.channel,
                action=action,
                entity=entity,
                entity_id=None if entity_id is None else str(entity_id),
                batch_id=self.batch_id,
                details=json.dumps(details, default=str, sort_keys=True) if details else None,
            )
        )
