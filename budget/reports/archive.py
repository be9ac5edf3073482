"""Frozen packs (#14): keep the monthly pack that went to the hierarchy, check it later.

``freeze`` records a generated report (both files, its fingerprint and the figures the
fingerprint stands on, who and when: :mod:`budget.services.report_archive`) and keeps the
files in the archive folder (``BUDGET_ARCHIVE_DIR``), under ``<month>/pack-<id>/``.
``verify`` builds the report of the pack's month and scope again from the ledger as it is
now (as of the month's last day, by business dates, like the pack) and lists the figures
that differ, each with its value in the pack and now.

    pack = freeze(factory, report, files, "en", user="alice")
    result = verify(factory, pack, user="alice")
    result.unchanged, result.changes   # (Change("summary.current.paid", "10.00", "12.00"), ...)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from collections import Counter
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, fields, is_dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from budget import config
from budget.errors import ArchivedFileError
from budget.reports.monthly import MonthlyReport, monthly_report
from budget.services import report_archive
from budget.services.report_archive import Pack, PackFile, PackInput
from budget.uow import UnitOfWork

#: What the fingerprint leaves out of the header (it changes without any figure changing).
_HEADER_LEFT_OUT = ("generated_at", "batches", "data_version")
#: What identifies a line of a list, in this order (the fields a line has of them).
_LINE_KEYS = ("code", "key", "bucket", "month", "organisation", "reference", "commitment", "payment",
              "currency")


# --------------------------------------------------------------------------- figures


def _plain(value: Any) -> Any:
    """A report value as JSON data: Decimals and dates as text, dataclasses as objects,
    ``(name, amount)`` pairs (totals, amounts per currency) as objects."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        names = [f.name for f in fields(value)]
        if names == ["values"]:  # Totals
            return _plain(value.values)  # type: ignore[attr-defined]
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, tuple | list):
        if value and all(isinstance(x, tuple) and len(x) == 2 and isinstance(x[0], str) for x in value):
            return {k: _plain(v) for k, v in value}
        return [_plain(x) for x in value]
    return value


def figures_of(report: MonthlyReport) -> dict[str, Any]:
    """The figures the report's fingerprint stands on, as JSON data: every field of the
    report but the generation time, the import batches, the data version and the PDF's
    selection of lines (the long lists stand beside the other fields, as in the
    fingerprint)."""
    header = {f.name: _plain(getattr(report.header, f.name)) for f in fields(report.header)
              if f.name not in _HEADER_LEFT_OUT}
    out: dict[str, Any] = {"header": header}
    for f in fields(report):
        if f.name in ("header", "fingerprint", "highlights", "lists"):
            continue
        out[f.name] = _plain(getattr(report, f.name))
    for f in fields(report.lists):
        out[f.name] = _plain(getattr(report.lists, f.name))
    return out


def figures_json(report: MonthlyReport) -> str:
    return json.dumps(figures_of(report), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Change:
    """One figure that differs: its path (``by_organisation[UN-RB].paid``) and its values in
    the pack and now (None: the line or figure is not there)."""

    figure: str
    before: Any
    after: Any

    def to_json(self) -> dict[str, Any]:
        return {"figure": self.figure, "before": self.before, "after": self.after}


def _line_key(line: Mapping[str, Any]) -> str:
    parts = [str(line[k]) for k in _LINE_KEYS if line.get(k) not in (None, "")]
    if line.get("reversal"):
        parts.append("reversal")
    return "/".join(parts) or "line"


def _flatten(value: Any, path: str, out: dict[str, Any]) -> None:
    """Figures by path; each line of a list is one item (``payments[UN-RB/P-1/C-1/USD]``)."""
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list) and all(isinstance(x, dict) for x in value):  # an empty list: no line
        seen: Counter[str] = Counter()
        for line in value:
            key = _line_key(line)
            seen[key] += 1
            out[f"{path}[{key}{'' if seen[key] == 1 else f' #{seen[key]}'}]"] = line
    else:
        out[path] = value


def added_since(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, ...]:
    """The report's parts (top-level keys of :func:`figures_of`) that ``before`` does not
    hold: added to the report by a later version of the software than the pack's."""
    return tuple(sorted(k for k in after if k not in before))


def compare(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[Change, ...]:
    """The figures that differ between two :func:`figures_of`: a line present on one side
    only is one change (the whole line); a line on both sides gives one change per field.
    The parts :func:`added_since` ``before`` are not compared (it has no figure of them)."""
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    _flatten(dict(before), "", old)
    _flatten({k: v for k, v in after.items() if k in before}, "", new)
    changes: list[Change] = []
    for path in [*old, *(p for p in new if p not in old)]:
        a, b = old.get(path), new.get(path)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            changes += [Change(f"{path}.{k}", a.get(k), b.get(k))
                        for k in [*a, *(k for k in b if k not in a)] if a.get(k) != b.get(k)]
        else:
            changes.append(Change(path, a, b))
    return tuple(changes)


# --------------------------------------------------------------------------- files


def archive_dir() -> Path:
    """The archive folder (``BUDGET_ARCHIVE_DIR``; a relative path is under the working
    directory)."""
    return Path.cwd() / Path(config.get("BUDGET_ARCHIVE_DIR")).expanduser()


def pack_folder(pack: Pack) -> Path:
    return archive_dir() / pack.period / f"pack-{pack.id}"


def file_path(pack: Pack, fmt: str) -> Path:
    return pack_folder(pack) / pack.file(fmt).name


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_file(pack: Pack, fmt: str) -> bytes:
    """The bytes of a pack's file, as frozen; ArchivedFileError if missing or altered."""
    path = file_path(pack, fmt)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ArchivedFileError(f"The {fmt.upper()} of frozen pack {pack.id} cannot be read from the "
                                f"archive ({path}: {exc.strerror or exc}).") from None
    if sha256_of(data) != pack.file(fmt).sha256:
        raise ArchivedFileError(f"The {fmt.upper()} of frozen pack {pack.id} in the archive ({path}) is not "
                                "the file frozen: its SHA-256 differs.")
    return data


def _write_new(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename (never half a file)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        umask = os.umask(0)  # mkstemp makes it its owner's only; the pack is for colleagues
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def freeze(
    session_factory: sessionmaker[Session],
    report: MonthlyReport,
    files: Mapping[str, bytes],
    names: Mapping[str, str],
    lang: str,
    *,
    user: str,
    channel: str = "cli",
    supersede: str | None = None,
) -> Pack:
    """Record ``report`` and its files (``{fmt: bytes}``, named ``names[fmt]``) as a frozen
    pack and copy the files into the archive folder, in one unit of work: if the record is
    refused (frozen already, see :func:`report_archive.record_pack`) nothing is written; if
    writing a file fails, nothing is recorded."""
    data = PackInput(
        period=report.period, directorates=report.header.directorates, lang=lang,
        fingerprint=report.fingerprint, figures=figures_json(report),
        generated_at=report.header.generated_at.replace(tzinfo=None),
        files=tuple(PackFile(fmt, names[fmt], sha256_of(files[fmt]), len(files[fmt])) for fmt in sorted(files)),
    )
    with UnitOfWork(session_factory, user=user, channel=channel) as uow:
        pack = report_archive.record_pack(uow, data, supersede)
        folder = pack_folder(pack)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for f in pack.files:
                _write_new(folder / f.name, files[f.fmt])
            uow.commit()
        except BaseException:
            for f in pack.files:
                (folder / f.name).unlink(missing_ok=True)
            with suppress(OSError):  # tidying up must not hide the failure
                folder.rmdir()
            raise
    return pack


# --------------------------------------------------------------------------- verify


@dataclass(frozen=True)
class Verification:
    """A pack against the ledger now: the fingerprint now and the figures that changed."""

    pack: Pack
    fingerprint: str
    changes: tuple[Change, ...]
    #: Parts of the report added since the pack was frozen (not compared: it has no figure of them).
    added: tuple[str, ...] = ()

    @property
    def unchanged(self) -> bool:
        """Every figure the pack holds is what the ledger gives now (the fingerprint then
        matches too, unless the report has gained parts since)."""
        return not self.changes and (self.fingerprint == self.pack.fingerprint or bool(self.added))

    def to_json(self) -> dict[str, Any]:
        return {"pack": self.pack.to_json(), "unchanged": self.unchanged,
                "fingerprint_frozen": self.pack.fingerprint, "fingerprint_now": self.fingerprint,
                "changes": [c.to_json() for c in self.changes], "added_since_frozen": list(self.added)}


def verify(session_factory: sessionmaker[Session], pack: Pack, *, user: str = "report") -> Verification:
    """Build the report of ``pack``'s month and scope again from the ledger and compare."""
    with UnitOfWork(session_factory, user=user, channel="report", write=False) as uow:
        before = json.loads(report_archive.pack_figures(uow, pack.id))
    # The names are in the pack's language, as in the files that were frozen.
    report = monthly_report(session_factory, pack.period, directorates=pack.directorates, user=user,
                            lang=pack.lang)
    after = figures_of(report)
    return Verification(pack, report.fingerprint, compare(before, after), added_since(before, after))
