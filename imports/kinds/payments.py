"""Importer of payments, column by column (files of 100,000 payments are common); the rules
are :mod:`budget.services.payments`'s."""

from __future__ import annotations

from decimal import Decimal
from itertools import compress, repeat
from operator import eq
from typing import Any

from budget.services import bulk, payments, reversals
from budget.uow import UnitOfWork
from imports import parsing as p
from imports.extract import (
    Columns,
    Header,
    Problem,
    extract_columns,
)
from imports.handling import (
    Factory,
    ImportOptions,
    ImportResult,
    Item,
    Progress,
    add_counts,
    changed_fields,
    conflict_problem,
    finish_load,
    guarded,
    key_text,
    open_import_batch,
    problem_of,
    settle_item,
)
from imports.reader import RawFile
from imports.specs import SPECS


def load_payments(factory: Factory, raw: RawFile, header: Header, opts: ImportOptions, user: str,
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
    result.rows_read = len(cols)
    v = cols.values
    result.totals = _column_totals(v["amount"], v["currency"], complete=not cols.incomplete & {"amount", "currency"})
    kept = _rows_to_check(cols, result)
    with UnitOfWork(factory, user=user, channel=channel) as uow:
        if not opts.dry_run:
            uow.lock_loads()
        status = _compare_with_ledger(uow, cols, kept, opts, result)
        # rows are built on demand (a 100,000-row preview is costly)
        result._rows_fn = lambda: _column_rows(cols, kept, status)
        to_write = kept if not status else [i for i in kept if status.get(i, ("new",))[0] in ("new", "corrected")]
        ended = open_import_batch(uow, "payments", raw, result, bool(to_write))
        if ended is not None:
            return ended
        # Written through the service layer even when problems are already known: its
        # refusals are problems too, and all of them are reported at once. The unit of
        # work then rolls back.
        known = len(result.problems)
        _reverse_corrected(uow, cols, raw, to_write, status, result)
        if len(result.problems) == known:
            _record(uow, cols, to_write, result)
        return finish_load(uow, result, opts, raw.name)


def _rows_to_check(cols: Columns, result: ImportResult) -> list[int]:
    """The rows sent to the ledger checks: not those with a bad cell (reported once, for
    that cell: the ledger checks would only repeat the problem in other words), nor a
    reference already on an earlier row."""
    n = len(cols)
    v = cols.values
    need = [v[c] for c in PAYMENT_KEYS]
    kept: list[int] = list(range(n))
    if cols.bad or cols.incomplete.intersection(PAYMENT_KEYS):
        kept = [i for i in kept if i not in cols.bad and all(c[i] is not None for c in need)]
    refs = v["reference"]
    if len(set(refs) if len(kept) == n else {refs[i] for i in kept}) != len(kept):
        kept = _unique_references(cols, kept, result)
    return kept


def _compare_with_ledger(uow: UnitOfWork, cols: Columns, kept: list[int], opts: ImportOptions,
                         result: ImportResult) -> dict[int, tuple[str, int, str]]:
    """Each kept row whose reference the ledger holds: position -> (unchanged, conflict or
    corrected; the existing payment's id; what differs). Counts them, conflicts are problems."""
    v = cols.values
    refs = v["reference"]
    amount_eur = v.get("amount_eur")
    status: dict[int, tuple[str, int, str]] = {}
    facts = bulk.payment_facts(uow, refs if len(kept) == len(cols) else [refs[i] for i in kept])
    for i in kept if facts else ():
        fact = facts.get(refs[i])
        if fact is None:
            continue
        checks = [("date", fact.entry_date, v["date"][i]), ("commitment", fact.commitment, v["commitment"][i]),
                  ("currency", fact.currency, v["currency"][i]), ("amount", fact.amount, v["amount"][i])]
        if amount_eur is not None and amount_eur[i] is not None:
            checks.append(("amount_eur", fact.amount_eur, amount_eur[i]))
        item = Item(refs[i], [])
        settle_item(item, changed_fields(checks), opts)
        status[i] = (item.status, fact.id, item.diff)
    counts = dict.fromkeys(("unchanged", "conflict", "corrected"), 0)
    for s, _, _ in status.values():
        counts[s] += 1
    add_counts(result, {**counts, "new": len(kept) - sum(counts.values())})
    for i, (s, _, diff) in status.items():
        if s == "conflict":
            result.problems.append(conflict_problem(
                cols.sheet, cols.rows[i], cols.headers.get("reference", "reference"), cols.raw["reference"][i],
                diff))
    return status


def _reverse_corrected(uow: UnitOfWork, cols: Columns, raw: RawFile, to_write: list[int],
                       status: dict[int, tuple[str, int, str]], result: ImportResult) -> None:
    """Reverse the payments a corrected row replaces (with the one reversal rule)."""
    if not status:  # no row is in the ledger already
        return
    for i in to_write:
        s, existing_id, _ = status.get(i, ("new", 0, ""))
        if s == "corrected":
            guarded(uow, cols.row(i), result, lambda e=existing_id: reversals.reverse(
                uow, "payment", e, reason=f"corrected by {raw.name}"), column="reference")


def _record(uow: UnitOfWork, cols: Columns, to_write: list[int], result: ImportResult) -> None:
    """Check and write the rows ``to_write`` through the payment rules; their refusals are problems."""
    v = cols.values
    absent: list[Any] = [None] * len(cols)
    amount_eur, rate = v.get("amount_eur", absent), v.get("rate")

    def pick(values: list[Any]) -> list[Any]:
        return values if len(to_write) == len(cols) else [values[i] for i in to_write]

    outcome = payments.record_payment_columns(uow, payments.PaymentColumns(
        pick(v["reference"]), pick(v["commitment"]), pick(v["date"]), pick(v["amount"]), pick(v["currency"]),
        pick(amount_eur), pick(rate) if rate is not None else None, cols.sheet, pick(cols.rows),
    ), write=not result.problems)
    for pr in outcome.problems:
        result.problems.append(problem_of(cols.row(to_write[pr.index]), pr.error, pr.field))
    result.warnings.extend(outcome.warnings)


PAYMENT_KEYS = ("reference", "date", "commitment", "amount", "currency")


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
                                           f"duplicate key {key_text(ref)}: already on row {first[ref]}"))
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
