"""Unit of work: one transaction per operation, rolled back unless committed.

    with UnitOfWork(factory, user="alice", channel="dashboard") as uow:
        record_payment(uow, ...)
        uow.commit()

It knows what it wrote: every new row the session flushes is noted (table, id), and the bulk
path notes the rows it inserts itself (:meth:`UnitOfWork.wrote`). On commit the derived
tables are brought up to date from exactly those rows (:func:`budget.services.balances.refresh`).

Concurrency is by row locks on what is touched (:meth:`UnitOfWork.lock`): writers on
different organisations and ABs run side by side on PostgreSQL; SQLite has one writer at a
time anyway (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from collections.abc import Iterable
from types import TracebackType
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session, sessionmaker

from budget.ledger.models import AuditLog, BasicAllocation, Organisation


class UnitOfWork:
    """A session with the acting user and channel; rollback by default.

    Args:
        session_factory: from :func:`budget.ledger.db.make_session_factory`.
        user: who acts (written on every row and audit line).
        channel: through which door (``cli``, ``dashboard``, ``import``, ``demo``...).
        write: a writing unit of work (SQLite ``BEGIN IMMEDIATE``; derived tables refreshed
            on commit).
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
        #: Ids of the rows this unit of work inserted, per table name.
        self.written: dict[str, set[int]] = defaultdict(set)

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside its 'with' block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self.session_factory()
        if self.write:
            event.listen(self._session, "after_flush", self._note_flushed)
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

    def _note_flushed(self, session: Session, _context: Any) -> None:
        # ``session.new`` still lists the rows just inserted, now with their ids.
        for obj in session.new:
            table = getattr(obj, "__tablename__", None)
            ident = getattr(obj, "id", None)
            if table is not None and isinstance(ident, int):
                self.written[table].add(ident)

    def wrote(self, table: str, ids: Iterable[int]) -> None:
        """Note rows inserted without the ORM (the bulk path), so the commit sees them."""
        self.written[table].update(ids)

    def commit(self) -> None:
        """Bring the derived tables up to date with what was written, then commit, atomically."""
        if self.write:
            from budget.services import balances  # the services import this module

            self.session.flush()
            balances.refresh(self, self.written)
        self.session.commit()
        self.written.clear()

    def rollback(self) -> None:
        self.session.rollback()
        self.written.clear()

    # ------------------------------------------------------------------ locks

    def lock(self, *, organisations: Iterable[int] = (), allocations: Iterable[int] = ()) -> None:
        """Hold these organisations' and ABs' rows until the end of the transaction.

        The writers of one organisation (its assessments, commitments, payments) or of one AB
        (its credits, what is committed on it) then run one after the other, each reading what
        the previous one committed: two officers cannot both pay the last open euro or
        consume the last credit, and the open items are recomputed by one writer at a time.
        Always organisations first, then ABs, each in id order: two writers never wait for
        each other in a circle. SQLite needs nothing: it has one writer at a time.
        """
        if self.session.get_bind().dialect.name != "postgresql":
            return
        for model, ids in ((Organisation, organisations), (BasicAllocation, allocations)):
            wanted = sorted({int(i) for i in ids if i is not None})
            for start in range(0, len(wanted), 5000):
                self.session.execute(select(model.id).where(model.id.in_(wanted[start:start + 5000]))
                                     .order_by(model.id).with_for_update())

    def lock_loads(self) -> None:
        """One file load at a time (PostgreSQL; SQLite has one writer anyway): two loads of
        the same file must not both find its rows new. Other writers are not held."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                                 {"k": zlib.crc32(b"budget: file loads")})

    # ------------------------------------------------------------------ provenance

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
