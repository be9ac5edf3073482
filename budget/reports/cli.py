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
    from budget.services import organisation_status
    from budget.uow import UnitOfWork

    with UnitOfWork(factory, channel="report", write=False) as uow:
        years = organisation_status.fiscal_years(uow)
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
@click.option("--freeze", is_flag=True,
              help="Also keep the pack (both files, fingerprint, figures) in the ledger's archive.")
@click.option("--supersede", metavar="REASON", default=None,
              help="Freeze a month (scope, language) frozen already, for this reason (implies --freeze).")
@click.pass_context
def monthly(ctx: click.Context, month: str, directorate: str | None, formats: str, out_dir: Path,
            lang: str, as_json: bool, force: bool, freeze: bool, supersede: str | None) -> None:
    """Write the monthly report of MONTH as PDF and/or Excel (never over an existing file
    without --force); with --freeze, keep the pack in the archive (once per month, scope and
    language unless --supersede REASON)."""
    from budget.bounds import fiscal_year
    from budget.config import current_user
    from budget.reports import check_formats, file_name, generate_with_report
    from budget.reports.monthly import parse_month

    freeze = freeze or supersede is not None
    try:
        wanted = check_formats(formats)
        fiscal_year(parse_month(month)[0])
    except BudgetError as exc:
        raise click.UsageError(str(exc)) from None
    if freeze and wanted != ("pdf", "xlsx"):
        raise click.UsageError("--freeze keeps both files: leave --format out.")
    pack = None
    try:
        factory = _session_factory(ctx)
        rep, files = generate_with_report(factory, month, directorate, wanted, lang.lower(),
                                          user=current_user())
        targets = {fmt: out_dir / file_name(rep, fmt, lang.lower()) for fmt in files}
        existing = [str(t) for t in targets.values() if t.exists()]
        if existing and not force:
            raise _Refused(f"{', '.join(existing)} already exists: use --force to replace it, "
                           "or --out for another folder")
        if freeze:  # before any file is written: a refused freeze writes nothing
            pack = _freeze(factory, rep, files, {fmt: t.name for fmt, t in targets.items()}, lang.lower(),
                           supersede)
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
                               "pack": None if pack is None else _pack_json(pack),
                               "warnings": [note] if note else []}, indent=2))
        return
    for written_path in written.values():
        click.echo(written_path)
    click.echo(f"fingerprint {rep.fingerprint}")
    if pack is not None:
        click.echo(f"frozen as pack {pack.id}" + (f" (supersedes pack {pack.supersedes_id})"
                                                   if pack.supersedes_id else "") + f" in {_pack_folder(pack)}")


# --------------------------------------------------------------------------- frozen packs


def _freeze(factory: Any, rep: Any, files: dict[str, bytes], names: dict[str, str], lang: str,
            supersede: str | None) -> Any:
    from budget.config import current_user
    from budget.reports import archive

    return archive.freeze(factory, rep, files, names, lang, user=current_user(), channel="cli",
                          supersede=supersede)


def _pack_folder(pack: Any) -> str:
    from budget.reports import archive

    return str(archive.pack_folder(pack))


def _pack_json(pack: Any) -> dict[str, Any]:
    from budget.reports import archive

    out: dict[str, Any] = pack.to_json()
    for fmt, entry in out["files"].items():
        entry["path"] = str(archive.file_path(pack, fmt))
    return out


def _scope_text(pack: Any) -> str:
    return ",".join(pack.directorates) if pack.directorates else "all"


@report.command("list")
@click.option("--month", metavar="YYYY-MM", default=None, help="Only the packs of this month.")
@click.option("--json", "as_json", is_flag=True, help="Print the packs as JSON.")
@click.pass_context
def list_packs(ctx: click.Context, month: str | None, as_json: bool) -> None:
    """List the frozen report packs, newest month first."""
    from budget.reports.monthly import parse_month
    from budget.services import report_archive
    from budget.uow import UnitOfWork

    period = None
    if month is not None:
        try:
            period = "{:04d}-{:02d}".format(*parse_month(month))
        except BudgetError as exc:
            raise click.UsageError(str(exc)) from None
    try:
        with UnitOfWork(_session_factory(ctx), channel="cli", write=False) as uow:
            found = report_archive.packs(uow, period=period)
    except BudgetError as exc:
        raise _Refused(str(exc)) from None
    if as_json:
        click.echo(json.dumps([_pack_json(p) for p in found], indent=2))
        return
    if not found:
        click.echo("no frozen pack" + (f" for {period}" if period else ""))
        return
    click.echo(f"{'id':>5}  {'month':7}  {'scope':12}  lang  {'frozen (UTC)':16}  {'by':12}  fingerprint")
    for p in found:
        note = f"  superseded by {p.superseded_by}" if p.superseded_by else ""
        if p.supersedes_id:
            note += f"  supersedes {p.supersedes_id}: {p.supersede_reason}"
        click.echo(f"{p.id:>5}  {p.period:7}  {_scope_text(p):12}  {p.lang:4}  "
                   f"{p.frozen_at:%Y-%m-%d %H:%M}  {p.frozen_by:12}  {p.fingerprint[:16]}{note}")


def _find_pack(factory: Any, target: str) -> Any:
    """The pack named by ``target``: a file (found by its SHA-256) or a pack id."""
    from budget.reports import archive
    from budget.services import report_archive
    from budget.uow import UnitOfWork

    path = Path(target)
    if path.is_file():
        try:
            digest = archive.sha256_of(path.read_bytes())
        except OSError as exc:
            raise click.UsageError(f"cannot read {target}: {exc.strerror or exc}") from None
        with UnitOfWork(factory, channel="cli", write=False) as uow:
            return report_archive.pack_of_file(uow, digest)
    if target.strip().isdigit() and len(target.strip()) <= 10:
        with UnitOfWork(factory, channel="cli", write=False) as uow:
            return report_archive.pack(uow, int(target))
    raise click.UsageError(f"{target} is neither a file nor a pack id (see budget report list).")


def _shown(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


#: How many changed figures ``verify`` prints (``--json`` gives them all).
SHOWN_CHANGES = 50


@report.command("verify")
@click.argument("target", metavar="FILE|PACK_ID")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict and every change as JSON.")
@click.pass_context
def verify(ctx: click.Context, target: str, as_json: bool) -> None:
    """Check that the ledger still gives a frozen pack's figures (exit 0: unchanged; exit 1:
    changed, with each figure before and after). FILE is a frozen PDF or workbook, found by
    its SHA-256; or give the pack's id."""
    from budget.config import current_user
    from budget.reports import archive

    factory = _session_factory(ctx)
    try:
        pack = _find_pack(factory, target)
        result = archive.verify(factory, pack, user=current_user())
    except BudgetError as exc:
        raise _Refused(str(exc)) from None
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        _echo_verdict(result)
    ctx.exit(0 if result.unchanged else 1)


def _echo_verdict(result: Any) -> None:
    pack = result.pack
    click.echo(f"pack {pack.id}: {pack.period} ({_scope_text(pack)}, {pack.lang}), frozen "
               f"{pack.frozen_at:%Y-%m-%d %H:%M} UTC by {pack.frozen_by}"
               + (f", superseded by pack {pack.superseded_by}" if pack.superseded_by else ""))
    if result.unchanged and result.added:
        click.echo(f"unchanged: every figure the pack holds is what the ledger gives; added to the report "
                   f"since it was frozen, not compared: {', '.join(result.added)}")
        return
    if result.unchanged:
        click.echo(f"unchanged: the ledger gives the same figures (fingerprint {pack.fingerprint})")
        return
    click.echo(f"changed since frozen: fingerprint {pack.fingerprint} -> {result.fingerprint}; "
               f"{len(result.changes)} figure(s) differ")
    for change in result.changes[:SHOWN_CHANGES]:
        click.echo(f"  {change.figure}: {_shown(change.before)} -> {_shown(change.after)}")
    if len(result.changes) > SHOWN_CHANGES:
        click.echo(f"  ... and {len(result.changes) - SHOWN_CHANGES} more (--json lists them all)")
    if not result.changes:
        click.echo("  no figure recorded in the pack differs: the report itself has changed "
                   "(a new version of the software)")
