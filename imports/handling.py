"""What every importer shares: the options and result of a load, the item a file row or
rows become, problems with their cells, the batch, the settle/guard steps of a handler."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from budget import errors as E
from budget.money import json_amount
from budget.services import bulk, reversals
from budget.uow import UnitOfWork
from imports import parsing as p
from imports.extract import (
    Problem,
    Row,
)
from imports.reader import RawFile

if TYPE_CHECKING:
    pass

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
            self._rows = self._rows_fn() if self._rows_fn is not None else rows_out(self._items)
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


@dataclass(slots=True)
class Item:
    """One thing to write (a row; for assessments, the lines of one reference)."""

    key: Any
    rows: list[Row]
    status: str = "new"  # new | unchanged | conflict | corrected
    existing_id: int | None = None
    diff: str = ""


def add_counts(result: ImportResult, counts: dict[str, int]) -> None:
    """Rows per status (new, unchanged, conflict, corrected) into the result."""
    result.rows_new = counts["new"]
    result.rows_unchanged = counts["unchanged"]
    result.rows_conflict = counts["conflict"]
    result.rows_corrected = counts["corrected"]


def conflict_problem(sheet: str, row: int, column: str, value: Any, diff: str) -> Problem:
    """The problem of a row whose key is already recorded with other values."""
    return Problem(sheet, row, column, p.display(value),
                   f"conflict: already recorded with other values ({diff}); load with --corrections "
                   "to record a reversing entry and the new one")


def open_import_batch(uow: UnitOfWork, kind: str, raw: RawFile, result: ImportResult, anything_to_write: bool
                ) -> ImportResult | None:
    """Open the import batch the rows will be written under; or, with nothing to write, the
    load's end: refused if there are problems, else "nothing to load" (a re-load)."""
    if not anything_to_write:
        if result.problems:
            return refused_result(result)
        result.message = (f"Nothing to load: all {result.rows_read} rows of {raw.name} are already "
                          "in the ledger (already loaded).")
        return result
    bulk.open_batch(uow, kind, raw.name, raw.sha256, rows_read=result.rows_read,
                    rows_new=result.rows_new, rows_unchanged=result.rows_unchanged,
                    rows_conflict=result.rows_conflict, rows_corrected=result.rows_corrected)
    result.batch = uow.batch_id
    return None


def finish_load(uow: UnitOfWork, result: ImportResult, opts: Any, name: str) -> ImportResult:
    """The end of every load: refused with all problems, a dry run's message, or commit."""
    if result.problems:
        result.batch = None
        return refused_result(result)
    if opts.dry_run:
        result.batch = None
        result.message = (f"Dry run: {result.rows_new + result.rows_corrected} rows would be written "
                          f"({result.rows_unchanged} unchanged); nothing was written.")
        return result
    uow.commit()
    result.message = (f"Loaded {name} as batch {result.batch}: {result.rows_new} new, "
                      f"{result.rows_corrected} corrected, {result.rows_unchanged} unchanged rows.")
    return result


KEY_COLUMN = {"organisations": "code", "budget": "ab", "assessments": "reference",
               "commitments": "reference", "payments": "reference"}


def refused_result(result: ImportResult) -> ImportResult:
    result.problems.sort(key=lambda pr: (pr.sheet or "", pr.row or 0, pr.column or ""))
    result.message = f"Refused: {len(result.problems)} problem(s); nothing was written."
    return result


def key_text(key: Any) -> str:
    if isinstance(key, tuple):
        return " / ".join(str(k) for k in key)
    return str(key)


def rows_out(items: list[Item]) -> list[dict[str, Any]]:
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
ERROR_COLUMN: list[tuple[type, str]] = [
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


def problem_of(row: Row, exc: E.BudgetError, column: str | None = None) -> Problem:
    column = column or exc.field
    if column is None:
        for etype, col in ERROR_COLUMN:
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


def refuse_duplicate_keys(items: list[Item], result: ImportResult, column: str) -> list[Item]:
    seen: dict[Any, Row] = {}
    kept = []
    for item in items:
        first = item.rows[0]
        if item.key in seen:
            other = seen[item.key]
            result.problems.append(Problem(first.sheet, first.row, first.headers.get(column, column),
                                           p.display(first.raw.get(column)),
                                           f"duplicate key {key_text(item.key)}: already on row {other.row}"))
            continue
        seen[item.key] = first
        kept.append(item)
    return kept


def guarded(uow: UnitOfWork, row: Row, result: ImportResult, fn: Callable[..., Any],
             column: str | None = None) -> Any:
    """Run one service call in a savepoint; a refusal becomes a problem, the load goes on."""
    try:
        with uow.session.begin_nested():
            return fn()
    except E.BudgetError as exc:
        result.problems.append(problem_of(row, exc, column))
        return None


class Handler:
    """Per kind: group rows into items, classify against the ledger, write."""

    def group(self, rows: list[Row], result: ImportResult) -> list[Item]:
        raise NotImplementedError

    def classify(self, uow: UnitOfWork, items: list[Item], result: ImportResult,
                 opts: ImportOptions) -> None:
        raise NotImplementedError

    def write(self, uow: UnitOfWork, items: list[Item], result: ImportResult,
              opts: ImportOptions, file_name: str) -> None:
        raise NotImplementedError


def completed_rows(rows: list[Row], required: list[str]) -> list[Row]:
    """Rows whose required values all parsed (the others already have their problems)."""
    return [r for r in rows if all(c in r.values for c in required)]


def changed_fields(checks: list[tuple[str, Any, Any]]) -> list[str]:
    """``name old → new`` for each (name, ledger value, file value) that differs."""
    return [f"{n} {fmt_value(a)} → {fmt_value(b)}" for n, a, b in checks if a != b]


def settle_item(item: Item, diffs: list[str], opts: ImportOptions, sep: str = "; ") -> None:
    """Unchanged when nothing differs; else a conflict, or a correction under --corrections."""
    if not diffs:
        item.status = "unchanged"
    else:
        item.diff = sep.join(diffs)
        item.status = "corrected" if opts.corrections else "conflict"


def reverse_corrected(uow: UnitOfWork, items: list[Item], result: ImportResult, entity: str,
                       file_name: str) -> bool:
    """Reverse the entries that corrected rows replace; False when a reversal was refused."""
    known = len(result.problems)
    for item in items:
        if item.status == "corrected" and item.existing_id is not None:
            guarded(uow, item.rows[0], result, lambda i=item: reversals.reverse(
                uow, entity, i.existing_id, reason=f"corrected by {file_name}"), column="reference")
    return len(result.problems) == known


def fmt_lines(lines: dict[str, Decimal]) -> str:
    return ", ".join(f"{c} {a}" for c, a in sorted(lines.items()))


def fmt_value(value: Any) -> str:
    if isinstance(value, tuple):
        return " to ".join(fmt_value(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
