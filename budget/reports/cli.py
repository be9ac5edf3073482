"""``budget report monthly``: the monthly PDF and workbook in one command."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import click

from budget.errors import BudgetError


class _Refused(click.ClickException):
    """Refused by the rules or the data: one line on stderr, exit 1."""

    exit_code = 1

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.message}", err=True)


def _session_factory(ctx: click.Context) -> Any:
    obj = ctx.find_root().obj
    if obj is not None and hasattr(obj, "factory"):
        return obj.factory()
    # Used outside the ``budget`` group (tests, scripts): the configured database.
    from budget.ledger.db import make_engine, make_session_factory

    return make_session_factory(make_engine())


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, then rename: never a half-written file.

    The file gets the permissions any new file of the user gets (``mkstemp`` makes it
    readable by its owner only, which would keep a report from the colleagues it is for).
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _year_note(factory: Any, year: int) -> str | None:
    """A warning when the ledger holds nothing for the report's fiscal year (a typo such as
    1926 for 2026, or a year not loaded yet): the report is still written, since open items
    and arrears of earlier years may be what is wanted, but its year figures are zero."""
    from budget.services import dashboard_views
    from budget.uow import UnitOfWork

    with UnitOfWork(factory, channel="report", write=False) as uow:
        years = dashboard_views.fiscal_years(uow)
    if year in years:
        return None
    held = f"it holds {years[0]}–{years[-1]}" if len(years) > 1 else (
        f"it holds {years[0]}" if years else "it is empty")
    return (f"the ledger has no credits, assessments or commitments for {year} ({held}): "
            f"the report's figures for the year are zero.")


@click.group("report")
def report() -> None:
    """Monthly reports: a PDF for the hierarchy, an Excel workbook for the analysts."""


@report.command("monthly")
@click.option("--month", required=True, metavar="YYYY-MM", help="The month reported (as of its last day).")
@click.option("--directorate", metavar="CODE", default=None, help="Limit to one directorate (e.g. M2).")
@click.option("--format", "formats", default="pdf,xlsx", show_default=True, metavar="pdf,xlsx",
              help="Formats to write, comma-separated.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, help="Folder to write the files into (created if missing).")
@click.option("--lang", type=click.Choice(["en", "fr", "nl"], case_sensitive=False), default="en",
              show_default=True, help="Interface language of the report.")
@click.option("--json", "as_json", is_flag=True, help="Print the files written and the fingerprint as JSON.")
@click.option("--force", is_flag=True, help="Replace report files that already exist.")
@click.pass_context
def monthly(ctx: click.Context, month: str, directorate: str | None, formats: str, out_dir: Path,
            lang: str, as_json: bool, force: bool) -> None:
    """Write the monthly report of MONTH as PDF and/or Excel (never over an existing file
    without --force)."""
    from budget.bounds import fiscal_year
    from budget.config import current_user
    from budget.reports import check_formats, file_name, generate_with_report
    from budget.reports.monthly import parse_month

    try:
        wanted = check_formats(formats)
        fiscal_year(parse_month(month)[0])
    except BudgetError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        factory = _session_factory(ctx)
        rep, files = generate_with_report(factory, month, directorate, wanted, lang.lower(),
                                          user=current_user())
        targets = {fmt: out_dir / file_name(rep, fmt, lang.lower()) for fmt in files}
        existing = [str(t) for t in targets.values() if t.exists()]
        if existing and not force:
            raise _Refused(f"{', '.join(existing)} already exists: use --force to replace it, "
                           "or --out for another folder")
        out_dir.mkdir(parents=True, exist_ok=True)
        written: dict[str, str] = {}
        for fmt, data in files.items():
            _write_atomically(targets[fmt], data)
            written[fmt] = str(targets[fmt])
        note = _year_note(factory, rep.header.year)
    except BudgetError as exc:
        raise _Refused(str(exc)) from None
    except OSError as exc:
        raise _Refused(f"cannot write the report: {exc.strerror or exc} ({exc.filename or out_dir})") from None
    if note:
        click.echo(f"warning: {note}", err=True)
    if as_json:
        click.echo(json.dumps({"month": rep.period, "directorates": rep.header.directorates,
                               "files": written, "fingerprint": rep.fingerprint,
                               "warnings": [note] if note else []}, indent=2))
        return
    for written_path in written.values():
        click.echo(written_path)
    click.echo(f"fingerprint {rep.fingerprint}")
