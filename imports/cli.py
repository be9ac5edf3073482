"""``budget import``: load spreadsheets, see the history, undo a load, get a template.

    budget import KIND FILE [--dry-run] [--json] [--corrections] [--sheet NAME]
                            [--decimal-comma | --decimal-point]
    budget import history [--json]
    budget import undo BATCH
    budget import template KIND [--out FILE]

Exit codes: 0 loaded (or nothing new to load), 1 refused (problems or conflicts; nothing
written), 2 unreadable file or usage error.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy.orm import Session, sessionmaker

from budget.config import current_user
from budget.errors import BudgetError
from budget.money import json_amount
from imports import pipeline
from imports.reader import UnreadableFileError
from imports.specs import KINDS

#: Files with more rows than this get a progress bar on a terminal.
PROGRESS_ROWS = 3000


def _factory() -> sessionmaker[Session]:
    """The session factory of the ``budget`` root command (``--db``), or from the environment."""
    ctx = click.get_current_context()
    obj = ctx.find_root().obj
    if obj is not None and hasattr(obj, "factory"):
        return obj.factory()
    from budget.ledger.db import make_engine, make_session_factory

    return make_session_factory(make_engine(None))


def _fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


class _ImportGroup(click.Group):
    """``budget import KIND FILE``: one sub-command per kind, plus history/undo/template."""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, "KIND FILE [OPTIONS] | history | undo BATCH | template KIND")


@click.group("import", cls=_ImportGroup)
def import_group() -> None:
    """Load a spreadsheet (KIND: organisations, budget, assessments, commitments, payments, fx).

    Every row is checked against the ledger first; any problem and nothing is written.
    Loading the same file again writes nothing; a corrected file adds only what is new.
    """


def _progress_factory(enabled: bool) -> tuple[Any, Any]:
    if not enabled or not sys.stderr.isatty():
        return None, None
    from tqdm import tqdm

    bar: dict[str, Any] = {}

    def progress(done: int, total: int) -> None:
        if total < PROGRESS_ROWS or bar.get("done"):
            return
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, unit="row", desc="reading", file=sys.stderr, leave=False)
        bar["bar"].n = done
        bar["bar"].refresh()
        if done >= total:
            bar["done"] = bar.pop("bar").close() or True
            click.echo("file read; checking every row against the ledger...", err=True)

    def close() -> None:
        if "bar" in bar:
            bar["bar"].close()

    return progress, close


def _make_load_command(kind: str) -> click.Command:
    @click.command(kind, help=f"Load {kind} from a file (.xlsx, .xlsm, .xls, .ods, .csv"
                   + (", ECB .csv/.zip/.xml" if kind == "fx" else "") + ").")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Check everything, write nothing.")
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable result.")
    @click.option("--corrections", is_flag=True,
                  help="Record changed rows as a reversing entry plus the new entry.")
    @click.option("--sheet", metavar="NAME", help="Read this sheet (default: chosen by its columns).")
    @click.option("--decimal-comma", "mark", flag_value="comma", help="In text amounts, ',' is the decimal mark.")
    @click.option("--decimal-point", "mark", flag_value="point", help="In text amounts, '.' is the decimal mark.")
    def command(file: Path, dry_run: bool, as_json: bool, corrections: bool, sheet: str | None,
                mark: str | None) -> None:
        options = pipeline.ImportOptions(dry_run, corrections, sheet, mark)  # type: ignore[arg-type]
        progress, close = _progress_factory(not as_json)
        try:
            result = pipeline.load(_factory(), file, kind, file.name, options, user=current_user(),
                                   channel="cli", progress=progress)
        except UnreadableFileError as exc:
            _fail(str(exc), 2)
            return
        finally:
            if close:
                close()
        if as_json:
            click.echo(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
        else:
            _print_result(result)
        sys.exit(result.exit_code)

    return command


def _print_result(result: pipeline.ImportResult) -> None:
    where = f" (sheet {result.sheet})" if result.sheet and result.sheet != result.file else ""
    click.echo(f"{result.kind}: {result.file}{where}: {result.rows_read} rows read, {result.rows_new} new, "
               f"{result.rows_unchanged} unchanged, {result.rows_conflict} conflicts"
               + (f", {result.rows_corrected} corrected" if result.rows_corrected else ""))
    if result.totals:
        click.echo("totals: " + ", ".join(f"{c} {json_amount(a)}" for c, a in result.totals.items()))
    for warning in result.warnings:
        click.echo(f"warning: {warning}")
    for problem in result.problems[:500]:
        click.echo(f"problem: {problem}", err=True)
    if len(result.problems) > 500:
        click.echo(f"... and {len(result.problems) - 500} more problems (use --json for all)", err=True)
    if result.ok:
        click.echo(result.message)
    else:
        click.echo(f"error: {result.message}", err=True)


for _kind in KINDS:
    import_group.add_command(_make_load_command(_kind))


@import_group.command("history")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable list.")
@click.option("--limit", type=click.IntRange(1, 2**31 - 1), default=None, help="Only the last N batches.")
def history_command(as_json: bool, limit: int | None) -> None:
    """The import batches, newest first."""
    batches = pipeline.history(_factory(), limit)
    if as_json:
        click.echo(json.dumps([
            {"batch": b.id, "kind": b.kind, "file": b.file_name, "sha256": b.sha256,
             "user": b.created_by, "at": b.created_at.isoformat(timespec="seconds"),
             "rows_read": b.rows_read, "rows_new": b.rows_new, "rows_unchanged": b.rows_unchanged,
             "rows_conflict": b.rows_conflict, "rows_corrected": b.rows_corrected,
             "undoes_batch": b.undoes_batch_id, "undone_by": b.undone_by}
            for b in batches
        ], indent=2))
        return
    if not batches:
        click.echo("no import yet")
        return
    for b in batches:
        state = (f"undo of batch {b.undoes_batch_id}" if b.undoes_batch_id
                 else f"undone by batch {b.undone_by}" if b.undone_by else "")
        click.echo(f"{b.id:>5}  {b.created_at:%Y-%m-%d %H:%M}  {b.kind:<13} {b.file_name:<40} "
                   f"{b.created_by:<12} read {b.rows_read:>7} new {b.rows_new:>7} "
                   f"unchanged {b.rows_unchanged:>7}  {state}".rstrip())


@import_group.command("undo")
@click.argument("batch", type=click.IntRange(1, 2**31 - 1))
@click.option("--reason", help="Why (kept on every reversing entry).")
def undo_command(batch: int, reason: str | None) -> None:
    """Reverse every entry of import batch BATCH (refused while later entries depend on it)."""
    try:
        outcome = pipeline.undo(_factory(), batch, user=current_user(), channel="cli", reason=reason)
    except BudgetError as exc:
        _fail(str(exc), 1)
        return
    parts = [f"{n} {k}(s) reversed" for k, n in outcome.reversed.items()]
    # "organisation retired": kept (its reversed entries name it) but left out of listings.
    parts += [f"{n} {k.removesuffix(' retired')}(s) {'retired' if k.endswith(' retired') else 'removed'}"
              for k, n in outcome.removed.items()]
    click.echo(f"batch {batch} undone by batch {outcome.batch}: " + (", ".join(parts) or "nothing to reverse"))
    if outcome.note:
        click.echo(f"note: {outcome.note}")


@import_group.command("template")
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write it (default: template-KIND.xlsx).")
def template_command(kind: str, out: Path | None) -> None:
    """Write an .xlsx template for KIND: the columns, an example row and a Notes sheet."""
    target = out or Path(f"template-{kind}.xlsx")
    try:
        target.write_bytes(pipeline.template(kind))
    except OSError as exc:
        _fail(f"cannot write {target}: {exc.strerror}", 2)
    click.echo(f"template written to {os.fspath(target)}")
