"""Frozen report packs: the record of each monthly pack that went to the hierarchy (#14).

A pack is the report of a month, for a scope (every directorate, or some) and a language:
both files' names, sizes and SHA-256, the fingerprint of the figures and the figures
themselves (JSON), who froze it and when. A month, scope and language is frozen once; a
new pack for it needs a reason and supersedes the last one (both stay). The files live in
the archive folder (see :mod:`budget.reports.archive`, which also builds and compares the
figures); this module keeps the records.

    with UnitOfWork(factory, user="alice") as uow:
        pack = record_pack(uow, PackInput(...), supersede=None)
        uow.commit()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from budget import bounds
from budget.errors import AlreadyFrozenError, NotFoundError, ValidationError
from budget.ledger.models import ReportPack
from budget.uow import UnitOfWork

FORMATS = ("pdf", "xlsx")


@dataclass(frozen=True)
class PackFile:
    """One file of a pack: its format, name, SHA-256 (hex) and size in bytes."""

    fmt: str
    name: str
    sha256: str
    size: int


@dataclass(frozen=True)
class PackInput:
    """What a new pack records (the files are written by the caller)."""

    period: str
    #: None: every directorate; else the codes the report is limited to.
    directorates: tuple[str, ...] | None
    lang: str
    fingerprint: str
    #: The figures the fingerprint stands on, as JSON text.
    figures: str
    generated_at: dt.datetime
    files: tuple[PackFile, ...]


@dataclass(frozen=True)
class Pack:
    """A frozen pack as recorded (without its figures: see :func:`pack_figures`)."""

    id: int
    period: str
    directorates: tuple[str, ...] | None
    lang: str
    revision: int
    fingerprint: str
    generated_at: dt.datetime
    frozen_at: dt.datetime
    frozen_by: str
    channel: str
    files: tuple[PackFile, ...]
    supersedes_id: int | None = None
    supersede_reason: str | None = None
    #: The pack that superseded this one, if any.
    superseded_by: int | None = None

    @property
    def scope(self) -> str:
        """``M1,M3``, or empty for every directorate."""
        return ",".join(self.directorates or ())

    def file(self, fmt: str) -> PackFile:
        return next(f for f in self.files if f.fmt == fmt)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "month": self.period,
            "directorates": list(self.directorates) if self.directorates is not None else None,
            "lang": self.lang, "revision": self.revision, "fingerprint": self.fingerprint,
            "generated_at": self.generated_at.isoformat(timespec="seconds"),
            "frozen_at": self.frozen_at.isoformat(timespec="seconds"), "frozen_by": self.frozen_by,
            "channel": self.channel,
            "files": {f.fmt: {"name": f.name, "sha256": f.sha256, "size": f.size} for f in self.files},
            "supersedes": self.supersedes_id, "supersede_reason": self.supersede_reason,
            "superseded_by": self.superseded_by,
        }


def _scope_key(directorates: Sequence[str] | None) -> str:
    return ",".join(sorted(directorates)) if directorates else ""


def describe(period: str, directorates: Sequence[str] | None, lang: str) -> str:
    """``2026-10 (M2, en)`` or ``2026-10 (all directorates, en)``: a pack's key, for messages."""
    return f"{period} ({', '.join(directorates) if directorates else 'all directorates'}, {lang})"


def _pack(row: ReportPack, superseded_by: int | None = None) -> Pack:
    return Pack(
        id=row.id, period=row.period,
        directorates=tuple(row.scope.split(",")) if row.scope else None,
        lang=row.lang, revision=row.revision, fingerprint=row.fingerprint,
        generated_at=row.generated_at, frozen_at=row.created_at, frozen_by=row.created_by,
        channel=row.channel,
        files=(PackFile("pdf", row.pdf_name, row.pdf_sha256, row.pdf_size),
               PackFile("xlsx", row.xlsx_name, row.xlsx_sha256, row.xlsx_size)),
        supersedes_id=row.supersedes_id, supersede_reason=row.supersede_reason,
        superseded_by=superseded_by,
    )


def _successor(uow: UnitOfWork, pack_id: int) -> int | None:
    return uow.session.scalar(select(ReportPack.id).where(ReportPack.supersedes_id == pack_id))


# --------------------------------------------------------------------------- write


def record_pack(uow: UnitOfWork, data: PackInput, supersede: str | None = None) -> Pack:
    """Record a new frozen pack (in ``uow``'s transaction; the caller commits).

    Raises:
        AlreadyFrozenError: the month, scope and language is frozen already and no reason
            to supersede it is given.
        ValidationError: a reason is given but there is nothing to supersede, or a file is
            missing.
    """
    files = {f.fmt: f for f in data.files}
    if set(files) != set(FORMATS):
        raise ValidationError("A frozen pack holds both files, the PDF and the workbook.")
    reason = None if supersede is None else bounds.text(supersede, "The reason to supersede", 2000, free=True)
    if supersede is not None and not reason:
        raise ValidationError("Give the reason why the frozen pack is superseded.")
    scope = _scope_key(data.directorates)
    key = describe(data.period, data.directorates, data.lang)
    last = uow.session.scalars(
        select(ReportPack)
        .where(ReportPack.period == data.period, ReportPack.scope == scope, ReportPack.lang == data.lang)
        .order_by(ReportPack.revision.desc()).limit(1)
    ).first()
    if last is not None and reason is None:
        raise AlreadyFrozenError(
            f"The report of {key} is frozen already (pack {last.id}, "
            f"{last.created_at:%Y-%m-%d %H:%M} UTC, by {last.created_by}): freeze it again only "
            "with the reason (--supersede REASON).")
    if last is None and reason is not None:
        raise ValidationError(f"The report of {key} has no frozen pack to supersede.")
    row = ReportPack(
        period=data.period, scope=scope, lang=data.lang,
        revision=0 if last is None else last.revision + 1,
        supersedes_id=None if last is None else last.id, supersede_reason=reason,
        fingerprint=data.fingerprint, figures=data.figures, generated_at=data.generated_at,
        created_by=uow.user, channel=uow.channel,
        pdf_name=files["pdf"].name, pdf_sha256=files["pdf"].sha256, pdf_size=files["pdf"].size,
        xlsx_name=files["xlsx"].name, xlsx_sha256=files["xlsx"].sha256, xlsx_size=files["xlsx"].size,
    )
    uow.session.add(row)
    uow.session.flush()
    uow.audit("freeze", "report_pack", row.id, month=data.period, scope=scope or "all", lang=data.lang,
              fingerprint=data.fingerprint, supersedes=row.supersedes_id, reason=reason)
    return _pack(row)


# --------------------------------------------------------------------------- read


def _visible(scope: str, directorates: Sequence[str] | None) -> bool:
    """May a user limited to ``directorates`` (None: all) see a pack of ``scope``?"""
    if directorates is None:
        return True
    return bool(scope) and set(scope.split(",")) <= set(directorates)


def packs(uow: UnitOfWork, *, directorates: Sequence[str] | None = None,
          period: str | None = None) -> tuple[Pack, ...]:
    """The frozen packs, newest month first (then newest pack first), that a user limited
    to ``directorates`` (None: all) may see: a pack of some directorates, all of them his."""
    query = select(ReportPack).order_by(ReportPack.period.desc(), ReportPack.id.desc())
    if period is not None:
        query = query.where(ReportPack.period == period)
    rows = [r for r in uow.session.scalars(query) if _visible(r.scope, directorates)]
    successors: dict[int | None, int] = {
        old: new for old, new in uow.session.execute(
            select(ReportPack.supersedes_id, ReportPack.id).where(ReportPack.supersedes_id.is_not(None)))
    }
    return tuple(_pack(r, successors.get(r.id)) for r in rows)


def pack(uow: UnitOfWork, pack_id: int, *, directorates: Sequence[str] | None = None) -> Pack:
    """The pack ``pack_id``; NotFoundError if there is none the user may see."""
    row = uow.session.get(ReportPack, bounds.entry_id(pack_id, "frozen pack"))
    if row is None or not _visible(row.scope, directorates):
        raise NotFoundError(f"No frozen pack has id {pack_id}.")
    return _pack(row, _successor(uow, row.id))


def pack_of_file(uow: UnitOfWork, sha256: str, *, directorates: Sequence[str] | None = None) -> Pack:
    """The pack holding the file whose SHA-256 is ``sha256``; NotFoundError if none does."""
    digest = sha256.strip().lower()
    rows = uow.session.scalars(
        select(ReportPack).where(or_(ReportPack.pdf_sha256 == digest, ReportPack.xlsx_sha256 == digest))
        .order_by(ReportPack.id)
    ).all()
    rows = [r for r in rows if _visible(r.scope, directorates)]
    if not rows:
        raise NotFoundError(f"No frozen pack holds this file (SHA-256 {digest[:16]}…): it was not frozen, "
                            "or was changed since.")
    return _pack(rows[0], _successor(uow, rows[0].id))


def pack_figures(uow: UnitOfWork, pack_id: int) -> str:
    """The figures a pack stands on, as the JSON text recorded when it was frozen."""
    figures = uow.session.scalar(select(ReportPack.figures).where(ReportPack.id == pack_id))
    if figures is None:
        raise NotFoundError(f"No frozen pack has id {pack_id}.")
    return figures
