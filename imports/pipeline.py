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
import datetime as dt
import gc
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import compress, repeat
from operator import eq
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from budget import errors as E
from budget.money import json_amount
from budget.services import bulk, entries, fx, payments, reference
from budget.uow import UnitOfWork
from imports import parsing as p
from imports.extract import (
    Columns,
    Header,
    Problem,
    Row,
    choose_sheet,
    extract,
    extract_columns,
    identify,
    totals,
)
from imports.reader import RawFile, UnreadableFileError, open_source, read_sheets, read_workbook
from imports.specs import KINDS, SPECS

if TYPE_CHECKING:
    from budget.services import views

# imports.ecb (defusedxml) and budget.services.views are imported where they are used: a
# ``budget import payments`` run does not need them, and every command pays its imports.

Factory = sessionmaker[Session]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportOptions:
    """How to read and load one file.

    Attributes:
        dry_run: check everything, write nothing.
        corrections: a row whose key exists with other values is recorded as a reversing
            entry plus the new entry (otherwise it is a conflict that refuses the load).
        sheet: the sheet to read (default: the one whose columns fit the kind).
        decimal_mark: ``"comma"`` or ``"point"`` settles ambiguous text amounts (``1.234``).
    """

    dry_run: bool = False
    corrections: bool = False
    sheet: str | None = None
    decimal_mark: p.DecimalMark = None


@dataclass
class ImportResult:
    """What a load did or would do, as plain data (see the module docstring)."""

    kind: str
    file: str
    sha256: str
    dry_run: bool
    batch: int | None = None
    sheet: str | None = None
    rows_read: int = 0
    rows_new: int = 0
    rows_unchanged: int = 0
    rows_conflict: int = 0
    rows_corrected: int = 0
    problems: list[Problem] = field(default_factory=list)
    totals: dict[str, Decimal] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    message: str = ""
    _items: list[Any] = field(default_factory=list, repr=False)
    _rows: list[dict[str, Any]] | None = field(default=None, repr=False)
    _rows_fn: Callable[[], list[dict[str, Any]]] | None = field(default=None, repr=False)

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The parsed rows as dicts (sheet, row, status and the typed values), by row."""
        if self._rows is None:
            self._rows = self._rows_fn() if self._rows_fn is not None else _rows_out(self._items)
        return self._rows

    @property
    def ok(self) -> bool:
        """True when the file loads (or would load) without problem or conflict."""
        return not self.problems

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` shape of the CLI."""
        return {
            "kind": self.kind, "file": self.file, "sha256": self.sha256, "dry_run": self.dry_run,
            "batch": self.batch, "rows_read": self.rows_read, "rows_new": self.rows_new,
            "rows_unchanged": self.rows_unchanged, "rows_conflict": self.rows_conflict,
            "errors": [pr.as_dict() for pr in self.problems],
            "totals": {c: json_amount(a) for c, a in self.totals.items()},
        }

    def frame(self) -> Any:
        """The parsed rows as a pandas DataFrame (for the dashboard preview)."""
        import pandas as pd

        return pd.DataFrame(self.rows)


@dataclass(frozen=True)
class UndoResult:
    batch: int
    undone_batch: int
    reversed: dict[str, int]
    removed: dict[str, int]
    note: str = ""


# --------------------------------------------------------------------------- public API


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


# --------------------------------------------------------------------------- the load


@dataclass(slots=True)
class _Item:
    """One thing to write (a row; for assessments, the lines of one reference)."""

    key: Any
    rows: list[Row]
    status: str = "new"  # new | unchanged | conflict | corrected
    existing_id: int | None = None
    diff: str = ""


def _load_once(factory: Factory, raw: RawFile, kind: str, opts: ImportOptions, user: str,
               channel: str, progress: Progress | None) -> ImportResult:
    result = ImportResult(kind, raw.name, raw.sha256, opts.dry_run)
    if kind == "fx":
        return _load_fx(factory, raw, opts, user, channel, result)
    spec = SPECS[kind]
    book = read_workbook(raw, opts.sheet)
    result.warnings.extend(book.notes)  # what was left aside (hidden sheets)
    header, problems = choose_sheet(book.sheets, spec)
    if header is None:
        result.problems = problems
        return _refused(result)
    result.sheet = header.sheet.name
    if kind == "payments":
        return _load_payments(factory, raw, header, opts, user, channel, progress, result)
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
        items = handler.group(checked_rows, result)
        handler.classify(uow, items, result, opts)
        counts = dict.fromkeys(("new", "unchanged", "conflict", "corrected"), 0)
        for item in items:  # one pass: a 100,000-row file has 100,000 items
            counts[item.status] += len(item.rows)
        _count(result, counts)
        for item in items:
            if item.status == "conflict":
                first = item.rows[0]
                key_col = _KEY_COLUMN[kind]
                result.problems.append(_conflict(first.sheet, first.row, first.headers.get(key_col, key_col),
                                                 first.raw.get(key_col), item.diff))
        result._items = items  # rows are built on demand (a 100,000-row preview is costly)
        to_write = [i for i in items if i.status in ("new", "corrected")]
        ended = _open_batch(uow, kind, raw, result, bool(to_write))
        if ended is not None:
            return ended
        # Written through the service layer even when problems are already known: its
        # refusals (unknown codes, credits, open amounts, rates...) are problems too, and
        # all of them are reported at once. The unit of work then rolls back.
        handler.write(uow, to_write, result, opts, raw.name)
        return _finish(uow, result, opts, raw.name)


def _count(result: ImportResult, counts: dict[str, int]) -> None:
    """Rows per status (new, unchanged, conflict, corrected) into the result."""
    result.rows_new = counts["new"]
    result.rows_unchanged = counts["unchanged"]
    result.rows_conflict = counts["conflict"]
    result.rows_corrected = counts["corrected"]


def _conflict(sheet: str, row: int, column: str, value: Any, diff: str) -> Problem:
    """The problem of a row whose key is already recorded with other values."""
    return Problem(sheet, row, column, p.display(value),
                   f"conflict: already recorded with other values ({diff}); load with --corrections "
                   "to record a reversing entry and the new one")


def _open_batch(uow: UnitOfWork, kind: str, raw: RawFile, result: ImportResult, anything_to_write: bool
                ) -> ImportResult | None:
    """Open the import batch the rows will be written under; or, with nothing to write, the
    load's end: refused if there are problems, else "nothing to load" (a re-load)."""
    if not anything_to_write:
        if result.problems:
            return _refused(result)
        result.message = (f"Nothing to load: all {result.rows_read} rows of {raw.name} are already "
                          "in the ledger (already loaded).")
        return result
    bulk.open_batch(uow, kind, raw.name, raw.sha256, rows_read=result.rows_read,
                    rows_new=result.rows_new, rows_unchanged=result.rows_unchanged,
                    rows_conflict=result.rows_conflict, rows_corrected=result.rows_corrected)
    result.batch = uow.batch_id
    return None


def _finish(uow: UnitOfWork, result: ImportResult, opts: Any, name: str) -> ImportResult:
    """The end of every load: refused with all problems, a dry run's message, or commit."""
    if result.problems:
        result.batch = None
        return _refused(result)
    if opts.dry_run:
        result.batch = None
        result.message = (f"Dry run: {result.rows_new + result.rows_corrected} rows would be written "
                          f"({result.rows_unchanged} unchanged); nothing was written.")
        return result
    uow.commit()
    result.message = (f"Loaded {name} as batch {result.batch}: {result.rows_new} new, "
                      f"{result.rows_corrected} corrected, {result.rows_unchanged} unchanged rows.")
    return result


_KEY_COLUMN = {"organisations": "code", "budget": "ab", "assessments": "reference",
               "commitments": "reference", "payments": "reference"}


def _refused(result: ImportResult) -> ImportResult:
    result.problems.sort(key=lambda pr: (pr.sheet or "", pr.row or 0, pr.column or ""))
    result.message = f"Refused: {len(result.problems)} problem(s); nothing was written."
    return result


def _key_text(key: Any) -> str:
    if isinstance(key, tuple):
        return " / ".join(str(k) for k in key)
    return str(key)


def _rows_out(items: list[_Item]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        for r in item.rows:
            d = {"sheet": r.sheet, "row": r.row, "status": item.status}
            for k, v in r.values.items():
                d[k] = v
            out.append(d)
    out.sort(key=lambda d: (d["sheet"], d["row"]))
    return out


# Which column a refusal of the service layer is about.
_ERROR_COLUMN: list[tuple[type, str]] = [
    (E.UnknownOrganisationError, "organisation"),
    (E.UnknownAllocationError, "ab"),
    (E.UnknownCurrencyError, "currency"),
    (E.NonPositiveAmountError, "amount"),
    (E.OverCommitmentError, "amount_eur"),
    (E.OverPaymentError, "amount"),
    (E.MissingExchangeRateError, "date"),
    (E.DuplicateEntryError, "reference"),
    (E.ClosedPeriodError, "date"),
    (E.UnknownDirectorateError, "directorate"),
    (E.DependentEntriesError, "reference"),
    (E.AlreadyReversedError, "reference"),
]


def _problem(row: Row, exc: E.BudgetError, column: str | None = None) -> Problem:
    column = column or exc.field
    if column is None:
        for etype, col in _ERROR_COLUMN:
            if isinstance(exc, etype):
                column = col
                break
    alternatives = {"organisation": "code", "amount": "amount_eur", "amount_eur": "amount",
                    "date": "due_date", "reference": "code"}
    if column is not None and (column not in row.headers or p.is_blank(row.raw.get(column))):
        # The refusal names the amount but the file gave the other amount column (EUR or
        # currency), or the kind calls its date "due_date": point at the cell the user filled.
        other = alternatives.get(column)
        if other in row.headers and not p.is_blank(row.raw.get(other)):
            column = other
    header = row.headers.get(column or "", column)
    value = p.display(row.raw.get(column)) if column else None
    return Problem(row.sheet, row.row, header, value, str(exc))


def _dup_check(items: list[_Item], result: ImportResult, column: str) -> list[_Item]:
    seen: dict[Any, Row] = {}
    kept = []
    for item in items:
        first = item.rows[0]
        if item.key in seen:
            other = seen[item.key]
            result.problems.append(Problem(first.sheet, first.row, first.headers.get(column, column),
                                           p.display(first.raw.get(column)),
                                           f"duplicate key {_key_text(item.key)}: already on row {other.row}"))
            continue
        seen[item.key] = first
        kept.append(item)
    return kept


def _guarded(uow: UnitOfWork, row: Row, result: ImportResult, fn: Callable[..., Any],
             column: str | None = None) -> Any:
    """Run one service call in a savepoint; a refusal becomes a problem, the load goes on."""
    try:
        with uow.session.begin_nested():
            return fn()
    except E.BudgetError as exc:
        result.problems.append(_problem(row, exc, column))
        return None


class _Handler:
    """Per kind: group rows into items, classify against the ledger, write."""

    def group(self, rows: list[Row], result: ImportResult) -> list[_Item]:
        raise NotImplementedError

    def classify(self, uow: UnitOfWork, items: list[_Item], result: ImportResult,
                 opts: ImportOptions) -> None:
        raise NotImplementedError

    def write(self, uow: UnitOfWork, items: list[_Item], result: ImportResult,
              opts: ImportOptions, file_name: str) -> None:
        raise NotImplementedError


def _complete(rows: list[Row], required: list[str]) -> list[Row]:
    """Rows whose required values all parsed (the others already have their problems)."""
    return [r for r in rows if all(c in r.values for c in required)]


def _changes(checks: list[tuple[str, Any, Any]]) -> list[str]:
    """``name old → new`` for each (name, ledger value, file value) that differs."""
    return [f"{n} {_fmt(a)} → {_fmt(b)}" for n, a, b in checks if a != b]


def _settle(item: _Item, diffs: list[str], opts: ImportOptions, sep: str = "; ") -> None:
    """Unchanged when nothing differs; else a conflict, or a correction under --corrections."""
    if not diffs:
        item.status = "unchanged"
    else:
        item.diff = sep.join(diffs)
        item.status = "corrected" if opts.corrections else "conflict"


def _reverse_corrected(uow: UnitOfWork, items: list[_Item], result: ImportResult, entity: str,
                       file_name: str) -> bool:
    """Reverse the entries that corrected rows replace; False when a reversal was refused."""
    known = len(result.problems)
    for item in items:
        if item.status == "corrected" and item.existing_id is not None:
            _guarded(uow, item.rows[0], result, lambda i=item: entries.reverse(
                uow, entity, i.existing_id, reason=f"corrected by {file_name}"), column="reference")
    return len(result.problems) == known


# --------------------------------------------------------------------------- organisations


class _Organisations(_Handler):
    def group(self, rows: list[Row], result: ImportResult) -> list[_Item]:
        rows = _complete(rows, ["code", "name", "directorate"])
        return _dup_check([_Item(r.values["code"], [r]) for r in rows], result, "code")

    def _input(self, r: Row) -> reference.OrganisationInput:
        v = r.values
        return reference.OrganisationInput(v["code"], v["name"], v["directorate"],
                                           v.get("currency") or "EUR", v.get("ab"), v.get("body"))

    def classify(self, uow: UnitOfWork, items: list[_Item], result: ImportResult,
                 opts: ImportOptions) -> None:
        facts = bulk.organisation_facts(uow)
        for item in items:
            fact = facts.get(item.key)
            if fact is None:
                continue
            new = self._input(item.rows[0])
            diffs = [name for name, a, b in (
                ("name", fact.name, new.name.strip()), ("directorate", fact.directorate, new.directorate),
                ("currency", fact.currency, new.currency), ("ab", fact.ab, new.ab),
                ("body", fact.body, (new.body or "").strip() or None)) if a != b]
            _settle(item, [f"{d}: {getattr(fact, d)} → {getattr(new, d)}" for d in diffs], opts, sep=", ")

    def write(self, uow: UnitOfWork, items: list[_Item], result: ImportResult,
              opts: ImportOptions, file_name: str) -> None:
        for item in items:
            r = item.rows[0]
            org = _guarded(uow, r, result, lambda r=r: reference.register_organisation(uow, self._input(r)))
            if org is not None and org[1]:
                o = org[0]
                o.source_sheet, o.source_row = r.sheet, r.row


# --------------------------------------------------------------------------- budget

_STAGES = {
    "initial": "initial", "initiaal": "initial", "initiel": "initial", "initieel": "initial",
    "budget": "initial", "begroting": "initial", "loi": "initial", "wet": "initial",
    "provisional": "provisional", "provisoire": "provisional", "voorlopig": "provisional",
    "douziemes": "provisional", "douziemesprovisoires": "provisional", "twaalfden": "provisional",
    "voorlopigetwaalfden": "provisional", "provisionaltwelfths": "provisional",
    "adjustment": "adjustment", "ajustement": "adjustment", "aanpassing": "adjustment",
    "reallocation": "reallocation", "redistribution": "reallocation", "herverdeling": "reallocation",
    "herschikking": "reallocation", "blocked": "blocked", "bloque": "blocked", "blocage": "blocked",
    "geblokkeerd": "blocked", "blokkering": "blocked",
}


class _Budget(_Handler):
    def group(self, rows: list[Row], result: ImportResult) -> list[_Item]:
        rows = _complete(rows, ["year", "ab", "commitment_credits", "payment_credits"])
        items = []
        for r in rows:
            stage_text = r.values.get("stage") or "initial"
            stage = _STAGES.get(p.normalise_header(stage_text))
            if stage is None:
                result.problems.append(Problem(r.sheet, r.row, r.headers.get("stage"), stage_text,
                                               "stage is not one of initial, provisional, adjustment, "
                                               "reallocation, blocked"))
                continue
            r.values["stage"] = stage
            items.append(_Item((r.values["ab"], r.values["year"], stage, r.values.get("reference") or ""), [r]))
        return _dup_check(items, result, "ab")

    @staticmethod
    def _movements(r: Row) -> list[tuple[str, Decimal]]:
        out = []
        for ctype, col in (("commitment", "commitment_credits"), ("payment", "payment_credits")):
            value = r.values[col]
            if value == 0:
                continue  # nothing to record (an AB without payment credits this year)
            stored = -abs(value) if r.values["stage"] == "blocked" else value
            out.append((ctype, stored))
        return out

    def classify(self, uow: UnitOfWork, items: list[_Item], result: ImportResult,
                 opts: ImportOptions) -> None:
        facts = bulk.credit_facts(uow)
        for item in items:
            ab, year, stage, ref = item.key
            diffs, same = [], 0
            movements = self._movements(item.rows[0])
            for ctype, amount in movements:
                fact = facts.get((ab, year, ctype, stage, ref))
                if fact is None:
                    continue
                if fact.amount == amount:
                    same += 1
                else:
                    diffs.append(f"{ctype} credits {fact.amount} → {amount}")
            if diffs:
                item.diff = "; ".join(diffs)
                item.status = "corrected" if opts.corrections else "conflict"
            elif movements and same == len(movements):
                item.status = "unchanged"

    def write(self, uow: UnitOfWork, items: list[_Item], result: ImportResult,
              opts: ImportOptions, file_name: str) -> None:
        known = set(bulk.allocation_codes(uow))
        facts = bulk.credit_facts(uow) if opts.corrections else {}
        for item in items:
            r = item.rows[0]
            ab, year, stage, ref = item.key
            if ab not in known and r.values.get("label") and _guarded(
                    uow, r, result, lambda ab=ab, r=r: reference.register_allocation(
                        uow, ab, r.values["label"])) is not None:
                known.add(ab)
            for ctype, amount in self._movements(r):
                fact = facts.get((ab, year, ctype, stage, ref))
                if fact is not None and fact.amount == amount:
                    continue
                if fact is not None:
                    ok = _guarded(uow, r, result, lambda fid=fact.id: entries.reverse(
                        uow, "credit", fid, reason=f"corrected by {file_name}"),
                        column=f"{ctype}_credits")
                    if ok is None:
                        continue
                col = f"{ctype}_credits"
                _guarded(uow, r, result, lambda ctype=ctype, amount=amount, r=r, key=item.key: entries.record_credit(
                    uow, key[0], key[1], ctype, abs(amount) if key[2] == "blocked" else amount, key[2],
                    entry_date=dt.date(key[1], 1, 1) if key[2] in ("initial", "provisional") else None,
                    reference=key[3], source_sheet=r.sheet, source_row=r.row), column=col)


# --------------------------------------------------------------------------- assessments


class _Assessments(_Handler):
    def group(self, rows: list[Row], result: ImportResult) -> list[_Item]:
        rows = _complete(rows, ["organisation", "reference", "amount", "currency", "due_date"])
        lines = _dup_check([_Item((r.values["organisation"], r.values["reference"], r.values["currency"]), [r])
                            for r in rows], result, "currency")
        groups: dict[tuple[str, str], _Item] = {}
        for line in lines:
            org, ref, _ = line.key
            r = line.rows[0]
            if "year" not in r.values and not ("period_start" in r.values and "period_end" in r.values):
                result.problems.append(Problem(r.sheet, r.row, r.headers.get("period_end", r.headers.get("year")),
                                               "", "give the year, or both period_start and period_end"))
                continue
            if r.values["amount"] == 0:
                result.problems.append(Problem(r.sheet, r.row, r.headers.get("amount"),
                                               p.display(r.raw.get("amount")), "amount is zero"))
                continue
            group = groups.setdefault((org, ref), _Item((org, ref), []))
            group.rows.append(r)
        items = list(groups.values())
        for item in items:
            first = item.rows[0]
            for r in item.rows[1:]:
                for col in ("year", "period_start", "period_end", "due_date", "received"):
                    if r.values.get(col) != first.values.get(col):
                        result.problems.append(Problem(
                            r.sheet, r.row, r.headers.get(col, col), p.display(r.raw.get(col)),
                            f"{col} differs from row {first.row} of the same assessment {item.key[1]}"))
        return items

    @staticmethod
    def _period(r: Row) -> tuple[dt.date, dt.date, int]:
        v = r.values
        if "period_start" in v and "period_end" in v:
            return v["period_start"], v["period_end"], v.get("year") or v["period_start"].year
        year = v["year"]
        return dt.date(year, 1, 1), dt.date(year, 12, 31), year

    def classify(self, uow: UnitOfWork, items: list[_Item], result: ImportResult,
                 opts: ImportOptions) -> None:
        facts = bulk.assessment_facts(uow)
        for item in items:
            fact = facts.get(item.key)
            if fact is None:
                continue
            item.existing_id = fact.id
            first = item.rows[0]
            start, end, year = self._period(first)
            lines = {r.values["currency"]: r.values["amount"] for r in item.rows}
            diffs = []
            if lines != fact.lines:
                diffs.append(f"lines {_fmt_lines(fact.lines)} → {_fmt_lines(lines)}")
            for name, a, b in (("period", (fact.period_start, fact.period_end), (start, end)),
                               ("year", fact.fiscal_year, year), ("due date", fact.due_date, first.values["due_date"]),
                               ("received", fact.received, first.values.get("received") or fact.received)):
                if a != b:
                    diffs.append(f"{name} {_fmt(a)} → {_fmt(b)}")
            _settle(item, diffs, opts)

    def write(self, uow: UnitOfWork, items: list[_Item], result: ImportResult,
              opts: ImportOptions, file_name: str) -> None:
        for item in items:
            first = item.rows[0]
            if item.status == "corrected" and item.existing_id is not None and _guarded(
                    uow, first, result, lambda i=item: entries.reverse(
                        uow, "assessment", i.existing_id, reason=f"corrected by {file_name}"),
                    column="reference") is None:
                continue
            start, end, year = self._period(first)
            _guarded(uow, first, result, lambda i=item, f=first, s=start, e=end, y=year: entries.register_assessment(
                uow, i.key[0], i.key[1], [(r.values["currency"], r.values["amount"]) for r in i.rows],
                period_start=s, period_end=e, due_date=f.values["due_date"], fiscal_year=y,
                received=f.values.get("received"), source_sheet=f.sheet, source_rows=[r.row for r in i.rows]))


def _fmt_lines(lines: dict[str, Decimal]) -> str:
    return ", ".join(f"{c} {a}" for c, a in sorted(lines.items()))


def _fmt(value: Any) -> str:
    if isinstance(value, tuple):
        return " to ".join(_fmt(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------- commitments


class _Commitments(_Handler):
    def group(self, rows: list[Row], result: ImportResult) -> list[_Item]:
        rows = _complete(rows, ["reference", "date", "ab", "organisation"])
        kept = []
        for r in rows:
            if "amount_eur" not in r.values and "amount" not in r.values:
                if not any(pr.row == r.row and pr.sheet == r.sheet for pr in result.problems):
                    result.problems.append(Problem(r.sheet, r.row, r.headers.get("amount_eur", r.headers.get("amount")),
                                                   "", "amount_eur is empty"))
                continue
            kept.append(r)
        return _dup_check([_Item(r.values["reference"], [r]) for r in kept], result, "reference")

    def classify(self, uow: UnitOfWork, items: list[_Item], result: ImportResult,
                 opts: ImportOptions) -> None:
        facts = bulk.commitment_facts(uow, [i.key for i in items])
        for item in items:
            fact = facts.get(item.key)
            if fact is None:
                continue
            item.existing_id = fact.id
            v = item.rows[0].values
            cur = v.get("currency") or fact.currency
            checks = [("date", fact.entry_date, v["date"]), ("ab", fact.ab, v["ab"]),
                      ("organisation", fact.organisation, v["organisation"]),
                      ("currency", fact.currency, cur)]
            if "amount_eur" in v:
                checks.append(("amount_eur", fact.amount_eur, v["amount_eur"]))
            if "amount" in v:
                checks.append(("amount", fact.amount, v["amount"]))
            if v.get("assessment_reference"):
                checks.append(("assessment_reference", fact.assessment_reference, v["assessment_reference"]))
            _settle(item, _changes(checks), opts)

    def write(self, uow: UnitOfWork, items: list[_Item], result: ImportResult,
              opts: ImportOptions, file_name: str) -> None:
        if not _reverse_corrected(uow, items, result, "commitment", file_name):
            return
        for item in items:
            r = item.rows[0]
            v = r.values
            res = _guarded(uow, r, result, lambda v=v, r=r: entries.commit(
                uow, v["reference"], v["organisation"], entry_date=v["date"], amount_eur=v.get("amount_eur"),
                currency=v.get("currency"), amount=v.get("amount"), rate_used=v.get("rate"), ab=v["ab"],
                assessment_reference=v.get("assessment_reference"), source_sheet=r.sheet, source_row=r.row))
            if res is not None:
                result.warnings.extend(res.warnings)


# --------------------------------------------------------------------------- payments


def _load_payments(factory: Factory, raw: RawFile, header: Header, opts: ImportOptions, user: str,
                   channel: str, progress: Progress | None, result: ImportResult) -> ImportResult:
    """The payments load, column by column (files of 100,000 payments are common).

    The same steps and outcomes as :func:`_load_once` for the other kinds: parse, drop the
    rows with a bad cell, refuse a reference twice in the file, compare with the ledger
    (unchanged / new / conflict / corrected), then check and write through
    :func:`budget.services.payments.record_payment_columns`; every problem is mapped back to
    its sheet, Excel row, column and value. Rows are positions in a few lists rather than
    one object each.
    """
    total = len(header.sheet.rows)
    cols, problems = extract_columns(header, SPECS["payments"], opts.decimal_mark,
                                     (lambda i: progress(i, total)) if progress else None)
    if progress is not None:
        progress(total, total)  # reading done: the ledger checks and the write follow
    result.problems.extend(problems)
    n = len(cols)
    result.rows_read = n
    v = cols.values
    absent: list[Any] = [None] * n
    amount_eur, rate = v.get("amount_eur", absent), v.get("rate")
    result.totals = _column_totals(v["amount"], v["currency"], complete=not cols.incomplete & {"amount", "currency"})
    # A row with a bad cell is reported once, for that cell; it is not sent to the ledger
    # checks (which would only repeat the problem in other words).
    need = [v[c] for c in _PAYMENT_KEYS]
    kept: list[int] = list(range(n))
    if cols.bad or cols.incomplete.intersection(_PAYMENT_KEYS):
        kept = [i for i in kept if i not in cols.bad and all(c[i] is not None for c in need)]
    refs = v["reference"]
    if len(set(refs) if len(kept) == n else {refs[i] for i in kept}) != len(kept):
        kept = _unique_references(cols, kept, result)
    with UnitOfWork(factory, user=user, channel=channel) as uow:
        status: dict[int, tuple[str, int, str]] = {}  # position -> (status, existing id, diff)
        facts = bulk.payment_facts(uow, refs if len(kept) == n else [refs[i] for i in kept])
        if facts:
            for i in kept:
                fact = facts.get(refs[i])
                if fact is None:
                    continue
                checks = [("date", fact.entry_date, v["date"][i]), ("commitment", fact.commitment, v["commitment"][i]),
                          ("currency", fact.currency, v["currency"][i]), ("amount", fact.amount, v["amount"][i])]
                if amount_eur[i] is not None:
                    checks.append(("amount_eur", fact.amount_eur, amount_eur[i]))
                item = _Item(refs[i], [])
                _settle(item, _changes(checks), opts)
                status[i] = (item.status, fact.id, item.diff)
        counts = dict.fromkeys(("unchanged", "conflict", "corrected"), 0)
        for s, _, _ in status.values():
            counts[s] += 1
        _count(result, {**counts, "new": len(kept) - sum(counts.values())})
        for i, (s, _, diff) in status.items():
            if s == "conflict":
                result.problems.append(_conflict(cols.sheet, cols.rows[i], cols.headers.get("reference", "reference"),
                                                 cols.raw["reference"][i], diff))
        # rows are built on demand (a 100,000-row preview is costly)
        result._rows_fn = lambda: _column_rows(cols, kept, status)
        to_write = kept if not status else [i for i in kept if status.get(i, ("new",))[0] in ("new", "corrected")]
        ended = _open_batch(uow, "payments", raw, result, bool(to_write))
        if ended is not None:
            return ended
        # Written through the service layer even when problems are already known: its
        # refusals are problems too, and all of them are reported at once. The unit of
        # work then rolls back.
        known = len(result.problems)
        for i in to_write:
            s, existing_id, _ = status.get(i, ("new", 0, ""))
            if s == "corrected":
                _guarded(uow, cols.row(i), result, lambda e=existing_id: entries.reverse(
                    uow, "payment", e, reason=f"corrected by {raw.name}"), column="reference")
        if len(result.problems) == known:

            def pick(values: list[Any]) -> list[Any]:
                return values if len(to_write) == n else [values[i] for i in to_write]

            outcome = payments.record_payment_columns(uow, payments.PaymentColumns(
                pick(refs), pick(v["commitment"]), pick(v["date"]), pick(v["amount"]), pick(v["currency"]),
                pick(amount_eur), pick(rate) if rate is not None else None, cols.sheet, pick(cols.rows),
            ), write=not result.problems)
            for pr in outcome.problems:
                result.problems.append(_problem(cols.row(to_write[pr.index]), pr.error, pr.field))
            result.warnings.extend(outcome.warnings)
        return _finish(uow, result, opts, raw.name)


_PAYMENT_KEYS = ("reference", "date", "commitment", "amount", "currency")


def _column_totals(amounts: list[Any], currencies: list[Any], complete: bool) -> dict[str, Decimal]:
    """Sum of the amounts per currency over the rows whose amount parsed (as :func:`totals`).

    ``complete``: no amount and no currency is missing (no None to skip).
    """
    out: dict[str, Decimal] = {}
    if complete:
        for cur in set(currencies):  # a handful: one C-level pass each
            out[cur] = sum(compress(amounts, map(eq, currencies, repeat(cur))), Decimal(0))
    else:
        for a, c in zip(amounts, currencies, strict=True):
            if a is not None:
                cur = c if c is not None else "EUR"
                out[cur] = out.get(cur, Decimal(0)) + a
    return dict(sorted(out.items()))


def _unique_references(cols: Columns, kept: list[int], result: ImportResult) -> list[int]:
    """``kept`` without the rows whose reference is on an earlier row (each one a problem)."""
    refs = cols.values["reference"]
    first: dict[str, int] = {}
    out = []
    for i in kept:
        ref = refs[i]
        if ref in first:
            result.problems.append(Problem(cols.sheet, cols.rows[i], cols.headers.get("reference", "reference"),
                                           p.display(cols.raw["reference"][i]),
                                           f"duplicate key {_key_text(ref)}: already on row {first[ref]}"))
            continue
        first[ref] = cols.rows[i]
        out.append(i)
    return out


def _column_rows(cols: Columns, kept: list[int], status: dict[int, tuple[str, int, str]]) -> list[dict[str, Any]]:
    """The rows of a column-wise load as :attr:`ImportResult.rows` gives them."""
    out = []
    for i in kept:
        r = cols.row(i)
        out.append({"sheet": r.sheet, "row": r.row, "status": status.get(i, ("new",))[0], **r.values})
    out.sort(key=lambda d: (d["sheet"], d["row"]))
    return out


_HANDLERS: dict[str, _Handler] = {
    "organisations": _Organisations(),
    "budget": _Budget(),
    "assessments": _Assessments(),
    "commitments": _Commitments(),
}


# --------------------------------------------------------------------------- fx


def _load_fx(factory: Factory, raw: RawFile, opts: ImportOptions, user: str, channel: str,
             result: ImportResult) -> ImportResult:
    from imports.ecb import read_rates

    rates, problems, sheet = read_rates(raw)
    result.sheet = sheet
    result.problems.extend(problems)
    result.rows_read = len(rates)
    if not rates and not problems:
        result.problems.append(Problem(sheet, None, None, None, "the file holds no exchange rate"))
        return _refused(result)
    seen: dict[tuple[str, dt.date], int] = {}
    unique = []
    for cur, day, value, line in rates:
        key = (cur, day)
        if key in seen:
            result.problems.append(Problem(sheet, line, cur, str(value),
                                           f"duplicate rate for {cur} on {day}: already on row {seen[key]}"))
            continue
        seen[key] = line
        unique.append((cur, day, value, line))
    with UnitOfWork(factory, user=user, channel=channel) as uow:
        stored = fx.stored_rates(uow, {c for c, _, _, _ in unique})
        new, corrected = [], []
        for cur, day, value, line in unique:
            old = stored.get((cur, day))
            if old is None:
                new.append((cur, day, value, line))
            elif old == value:
                result.rows_unchanged += 1
            elif opts.corrections:
                corrected.append((cur, day, value))
            else:
                result.rows_conflict += 1
                result.problems.append(Problem(sheet, line, cur, str(value),
                                               f"conflict: the stored {cur} rate of {day} is {old}; "
                                               "load with --corrections to replace it"))
        result.rows_new = len(new)
        result.rows_corrected = len(corrected)
        if result.problems:
            return _refused(result)
        if not new and not corrected:
            result.message = f"Nothing to load: all {result.rows_read} rates of {raw.name} are already stored."
            return result
        bulk.open_batch(uow, "fx", raw.name, raw.sha256, rows_read=result.rows_read,
                        rows_new=len(new), rows_unchanged=result.rows_unchanged,
                        rows_corrected=len(corrected))
        result.batch = uow.batch_id
        fx.record_rates(uow, new, "ECB", source_sheet=sheet)
        bulk.correct_rates(uow, corrected)
        if opts.dry_run:
            result.batch = None
            result.message = f"Dry run: {len(new)} new rates would be stored; nothing was written."
            return result
        uow.commit()
    days = sorted({d for _, d, _, _ in new})
    span = f" from {days[0]} to {days[-1]}" if days else ""
    result.message = (f"Loaded {raw.name} as batch {result.batch}: {len(new)} new rates{span}, "
                      f"{len(corrected)} corrected, {result.rows_unchanged} unchanged.")
    return result
