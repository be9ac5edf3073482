"""The import pipeline: file → checked rows → one all-or-nothing write, or a list of problems.

Python API (the dashboard's Imports page and the CLI both call it)::

    from imports import pipeline
    from imports.pipeline import ImportOptions

    kind = pipeline.identify_kind(data, filename="payments.xlsx")     # "payments" | None
    result = pipeline.preview(factory, data, kind=None, filename="payments.xlsx",
                              options=ImportOptions(decimal_mark="comma"))
    result.ok, result.problems, result.rows_new, result.frame()      # nothing written
    result = pipeline.load(factory, data, filename="payments.xlsx", user="alice",
                           options=ImportOptions(corrections=False))
    result.batch                                                     # ImportBatch id or None
    pipeline.undo(factory, batch_id, user="alice")                   # -> UndoResult
    pipeline.history(factory)                                        # -> [BatchInfo]
    pipeline.template("payments")                                    # -> .xlsx bytes

``source`` is a path or the file's bytes (an upload). ``kind=None`` recognises the kind from
the columns (or the ECB file shape for ``fx``). Unreadable files raise
:class:`imports.reader.UnreadableFileError` (one clear line; exit 2 in the CLI); everything
else comes back in the :class:`ImportResult` as plain data: counts, ``problems`` (sheet,
Excel row, column, value, message), ``totals`` per currency, ``rows`` (the parsed rows as
dicts, with their status ``new``/``unchanged``/``conflict``/``corrected``), ``warnings``.

How a load works:

1. read (safety checks first, see :mod:`imports.reader`), find the sheet and header, parse
   every cell (:mod:`imports.extract`); duplicate keys inside the file are problems;
2. in ONE unit of work: compare each row with the ledger by its natural key (unchanged /
   new / conflict); record an :class:`ImportBatch`; write the new rows through the service
   layer (which enforces every invariant and reports the refusals); with ``corrections``,
   a conflicting row is written as a reversing entry plus the new entry;
3. any problem or conflict → rollback, nothing written, all problems returned. A re-load
   with nothing new writes nothing (no batch either) and says so.

Two loads of the same file at the same moment (PostgreSQL): the natural keys are unique
indexes, so the second one fails on commit; it is then run once more, finds every row
already there, and reports "already loaded".
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError, OperationalError

from budget.services import bulk
from budget.uow import UnitOfWork
from imports.extract import (
    Problem,
    choose_sheet,
    extract,
    identify,
    totals,
)
from imports.reader import RawFile, UnreadableFileError, open_source, read_sheets, read_workbook
from imports.specs import KINDS, SPECS

if TYPE_CHECKING:
    from budget.services import views

# imports.ecb (defusedxml) and budget.services.views are imported where they are used: a
# ``budget import payments`` run does not need them, and every command pays its imports.

from imports.handling import (
    KEY_COLUMN,
    Factory,
    Handler,
    ImportOptions,
    ImportResult,
    Progress,
    UndoResult,
    add_counts,
    conflict_problem,
    finish_load,
    open_import_batch,
    refused_result,
)
from imports.kinds.assessments import Assessments
from imports.kinds.commitments import Commitments
from imports.kinds.credits import Credits
from imports.kinds.fx import load_fx
from imports.kinds.organisations import Organisations
from imports.kinds.payments import load_payments


def identify_kind(source: str | os.PathLike[str] | bytes | RawFile, filename: str | None = None) -> str | None:
    """The kind of file the columns say it is (``fx`` for ECB files), or None."""
    from imports.ecb import looks_like_ecb

    raw = open_source(source, filename)
    if looks_like_ecb(raw):
        return "fx"
    found = identify(read_sheets(raw))
    return found[0] if found else None


def preview(
    factory: Factory,
    source: str | os.PathLike[str] | bytes | RawFile,
    kind: str | None = None,
    filename: str | None = None,
    options: ImportOptions | None = None,
    *,
    user: str = "dashboard",
    progress: Progress | None = None,
) -> ImportResult:
    """Everything :func:`load` would do, checked against the ledger, with nothing written."""
    opts = options or ImportOptions()
    opts = ImportOptions(True, opts.corrections, opts.sheet, opts.decimal_mark)
    return load(factory, source, kind, filename, opts, user=user, channel="import", progress=progress)


def load(
    factory: Factory,
    source: str | os.PathLike[str] | bytes | RawFile,
    kind: str | None = None,
    filename: str | None = None,
    options: ImportOptions | None = None,
    *,
    user: str = "system",
    channel: str = "import",
    progress: Progress | None = None,
) -> ImportResult:
    """Read, check and (unless ``options.dry_run``) load one file, all or nothing.

    Raises:
        UnreadableFileError: the file is not a readable spreadsheet (or too big, a zip
            bomb, encrypted...), or ``kind`` is unknown, or the kind cannot be recognised.
    """
    opts = options or ImportOptions()
    raw = open_source(source, filename)
    if kind is not None and kind not in KINDS:
        raise UnreadableFileError(f"Unknown kind {kind!r}: choose one of {', '.join(KINDS)}.")
    if kind is None:
        kind = identify_kind(raw)
        if kind is None:
            hidden = " ".join(f"Note: {n}." for n in read_workbook(raw).notes)
            raise UnreadableFileError(
                f"{raw.name}: the columns match no known kind ({', '.join(KINDS)}); "
                f"name the kind, or download a template (budget import template KIND).{' ' + hidden if hidden else ''}"
            )
    for attempt in (1, 2):
        try:
            with _without_cycle_collection():
                return _load_once(factory, raw, kind, opts, user, channel, progress)
        except (IntegrityError, OperationalError) as exc:
            # Another load of the same rows committed first (the natural keys are unique
            # indexes; PostgreSQL may also report a deadlock): run once more, which finds
            # them and says "already loaded". Any other database error goes to the caller.
            racing = isinstance(exc, IntegrityError) or "deadlock" in str(exc).lower()
            if not racing:
                raise
            if attempt == 2:
                result = ImportResult(kind, raw.name, raw.sha256, opts.dry_run)
                result.problems.append(Problem(None, None, None, None,
                                               "Another load wrote the same rows at the same moment; "
                                               "nothing was written by this one. Run it again."))
                return result
    raise AssertionError("unreachable")  # pragma: no cover


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the length of one load.

    A big file is hundreds of thousands of small lists, tuples and Decimals alive at
    once; the collector kept walking all of them while nothing was garbage (measured:
    0.5 s of a 100,000-row payments load). Reference counting still frees everything as
    usual; only cycles wait for the end of the load, when the collector is back.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def undo(factory: Factory, batch_id: int, *, user: str = "system", channel: str = "import",
         reason: str | None = None) -> UndoResult:
    """Reverse a whole import batch (see :func:`budget.services.bulk.undo_batch`).

    Raises:
        budget.errors.BudgetError: no such batch, already undone, or later entries depend
            on it (the message names them); nothing is written then.
    """
    with UnitOfWork(factory, user=user, channel=channel) as uow:
        outcome = bulk.undo_batch(uow, batch_id, reason=reason)
        uow.commit()
    return UndoResult(outcome.batch, outcome.undone_batch, outcome.reversed, outcome.removed, outcome.note)


def history(factory: Factory, limit: int | None = None) -> list[views.BatchInfo]:
    """The import batches, newest first."""
    from budget.services import views

    with UnitOfWork(factory, write=False) as uow:
        return views.import_batches(uow, limit)


def template(kind: str) -> bytes:
    """An .xlsx template for ``kind`` (columns, an example row, a notes sheet)."""
    from imports.template import build_template

    return build_template(kind)


def _load_once(factory: Factory, raw: RawFile, kind: str, opts: ImportOptions, user: str,
               channel: str, progress: Progress | None) -> ImportResult:
    result = ImportResult(kind, raw.name, raw.sha256, opts.dry_run)
    if kind == "fx":
        return load_fx(factory, raw, opts, user, channel, result)
    spec = SPECS[kind]
    book = read_workbook(raw, opts.sheet)
    result.warnings.extend(book.notes)  # what was left aside (hidden sheets)
    header, problems = choose_sheet(book.sheets, spec)
    if header is None:
        result.problems = problems
        return refused_result(result)
    result.sheet = header.sheet.name
    if kind == "payments":
        return load_payments(factory, raw, header, opts, user, channel, progress, result)
    total = len(header.sheet.rows)
    rows, problems = extract(header, spec, opts.decimal_mark,
                             (lambda i: progress(i, total)) if progress else None)
    if progress is not None:
        progress(total, total)  # reading done: the ledger checks and the write follow
    result.problems.extend(problems)
    result.rows_read = len(rows)
    # A row with a bad cell is reported once, for that cell; it is not sent to the ledger
    # checks (which would only repeat the problem in other words).
    bad = {(pr.sheet, pr.row) for pr in problems}
    checked_rows = [r for r in rows if (r.sheet, r.row) not in bad] if bad else rows
    amount_col, cur_col = {"budget": ("commitment_credits", None), "assessments": ("amount", "currency"),
                           "commitments": ("amount_eur", None), "payments": ("amount", "currency"),
                           "organisations": (None, None)}[kind]
    if amount_col:
        result.totals = totals(rows, amount_col, cur_col)
    handler = _HANDLERS[kind]
    with UnitOfWork(factory, user=user, channel=channel) as uow:
        if not opts.dry_run:
            uow.lock_loads()
        items = handler.group(checked_rows, result)
        handler.classify(uow, items, result, opts)
        counts = dict.fromkeys(("new", "unchanged", "conflict", "corrected"), 0)
        for item in items:  # one pass: a 100,000-row file has 100,000 items
            counts[item.status] += len(item.rows)
        add_counts(result, counts)
        for item in items:
            if item.status == "conflict":
                first = item.rows[0]
                key_col = KEY_COLUMN[kind]
                result.problems.append(conflict_problem(first.sheet, first.row, first.headers.get(key_col, key_col),
                                                 first.raw.get(key_col), item.diff))
        result._items = items  # rows are built on demand (a 100,000-row preview is costly)
        to_write = [i for i in items if i.status in ("new", "corrected")]
        ended = open_import_batch(uow, kind, raw, result, bool(to_write))
        if ended is not None:
            return ended
        # Written through the service layer even when problems are already known: its
        # refusals (unknown codes, credits, open amounts, rates...) are problems too, and
        # all of them are reported at once. The unit of work then rolls back.
        handler.write(uow, to_write, result, opts, raw.name)
        return finish_load(uow, result, opts, raw.name)


_HANDLERS: dict[str, Handler] = {
    "organisations": Organisations(),
    "budget": Credits(),
    "assessments": Assessments(),
    "commitments": Commitments(),
}


__all__ = ["Factory", "ImportOptions", "ImportResult", "Progress", "UndoResult", "history", "identify_kind", "load",
           "preview", "template", "undo"]
