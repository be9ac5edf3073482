"""Monthly reports: the report's data first (:mod:`.monthly`), then dumb renderers.

    files = generate(session_factory, "2026-10", directorate="M2", formats=("pdf", "xlsx"))
    files["pdf"], files["xlsx"]  # bytes
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import os
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.connection import Connection

from sqlalchemy.orm import Session, sessionmaker

from budget.errors import ValidationError
from budget.reports.i18n import check_lang
from budget.reports.monthly import MonthlyReport, monthly_report, parse_month

FORMATS: tuple[str, ...] = ("pdf", "xlsx")
MEDIA_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def check_formats(formats: Iterable[str] | str) -> tuple[str, ...]:
    """``"pdf,xlsx"`` or ``("pdf",)`` → a tuple of known formats, in a stable order."""
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    wanted = {str(f).strip().lower() for f in items if str(f).strip()}
    unknown = sorted(wanted - set(FORMATS))
    if unknown or not wanted:
        raise ValidationError(
            f"Report formats are {', '.join(FORMATS)}; got {', '.join(unknown) or 'none'}."
        )
    return tuple(f for f in FORMATS if f in wanted)


def _scope(directorate: str | Sequence[str] | None) -> list[str] | None:
    if directorate is None:
        return None
    if isinstance(directorate, str):
        return [directorate]
    return list(directorate)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a file is rendered.

    XlsxWriter keeps one small object per cell until the workbook is written (180,000 for
    a month of a 1,000,000-entry ledger); so many allocations set off collections that walk
    every live object again and again, which cost as much as writing the cells (2.3 s
    instead of 1.3 s for that workbook). Rendering makes no reference cycles worth
    collecting early; the collector resumes, as it was, when the file is done (it is
    process-wide: a render in another thread at the same time only runs slower).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def render(report: MonthlyReport, formats: Iterable[str] = FORMATS, lang: str = "en") -> dict[str, bytes]:
    """Render a built report to the given formats.

    Both files at once from a single-threaded process on a machine with more than one core
    (the CLI): the workbook is written in a forked child while this process draws the PDF
    (see :func:`_render_beside`). Otherwise one after the other.
    """
    wanted = check_formats(formats)
    if len(wanted) > 1 and _can_fork():
        return _render_beside(report, wanted, lang)
    return {f: _render_one(report, f, lang) for f in wanted}


def _render_one(report: MonthlyReport, fmt: str, lang: str) -> bytes:
    from budget.reports.pdf import render_pdf
    from budget.reports.xlsx import render_xlsx

    with _collector_paused():
        return render_pdf(report, lang) if fmt == "pdf" else render_xlsx(report, lang)


def _can_fork() -> bool:
    """True when rendering in a child process can save time and is safe.

    The renderers are pure Python: threads would take turns on the interpreter lock, so
    only a second process works beside this one. It must be forked (it then has the report
    without copying it through a pipe, and no module to import again), from a process
    with no other thread (a thread holding a lock at the moment of the fork would leave
    the child waiting on it forever: a Streamlit server renders in turn), on Linux (macOS's
    system libraries are not safe to fork, which is why Python spawns there), and there
    must be a second core to run on.
    """
    if not sys.platform.startswith("linux") or threading.active_count() != 1:
        return False
    return len(os.sched_getaffinity(0)) > 1


def _render_beside(report: MonthlyReport, wanted: tuple[str, ...], lang: str) -> dict[str, bytes]:
    """The workbook in a forked child while this process draws the PDF.

    A month of a 1,000,000-entry ledger takes about as long to draw as a PDF as to write
    as a workbook (every line): side by side, both files take the time of the longer one.
    The child sends the workbook's bytes back through a pipe. If it fails, the workbook is
    rendered here again, so an error shows with its own traceback.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child_render, args=(report, "xlsx", lang, sender), daemon=True)
    child.start()
    sender.close()
    try:
        out = {f: _render_one(report, f, lang) for f in wanted if f != "xlsx"}
        try:
            out["xlsx"] = receiver.recv_bytes()
        except EOFError:  # the child failed: render here (and raise its error, if any)
            out["xlsx"] = _render_one(report, "xlsx", lang)
    except BaseException:
        child.terminate()  # the PDF failed or the user interrupted: the workbook is not wanted
        raise
    finally:
        receiver.close()
        child.join()
    return {f: out[f] for f in wanted}


def _child_render(report: MonthlyReport, fmt: str, lang: str, sender: Connection) -> None:
    """In the forked child: render one file and send its bytes (nothing on failure).

    The collector stays off until the child exits: a collection here could finalise an
    object holding one of the parent's database connections, inherited by the fork, and
    close it under the parent's feet.
    """
    gc.disable()
    try:
        data = _render_one(report, fmt, lang)
        sender.send_bytes(data)
    except BaseException:  # the parent renders again and raises it, or has gone
        pass
    finally:
        sender.close()


def generate_with_report(
    session_factory: sessionmaker[Session],
    month: str | dt.date,
    directorate: str | Sequence[str] | None = None,
    formats: Iterable[str] = FORMATS,
    lang: str = "en",
    *,
    user: str = "report",
) -> tuple[MonthlyReport, dict[str, bytes]]:
    """Build the report of ``month`` and render it; return the report data and the files."""
    parse_month(month)
    wanted = check_formats(formats)
    language = check_lang(lang)
    report = monthly_report(session_factory, month, directorates=_scope(directorate), user=user)
    return report, render(report, wanted, language)


def generate(
    session_factory: sessionmaker[Session],
    month: str | dt.date,
    directorate: str | Sequence[str] | None = None,
    formats: Iterable[str] = FORMATS,
    lang: str = "en",
) -> dict[str, bytes]:
    """The monthly report of ``month`` (``YYYY-MM``) as ``{format: bytes}``.

    Args:
        session_factory: the ledger's session factory.
        month: ``"2026-10"`` or any date in the month.
        directorate: one directorate code, several, or None for every directorate.
        formats: any of ``"pdf"``, ``"xlsx"``.
        lang: ``en``, ``fr`` or ``nl``.

    Raises:
        ValidationError: bad month, format or language.
        UnknownDirectorateError: a directorate code that does not exist.
    """
    return generate_with_report(session_factory, month, directorate, formats, lang)[1]


def file_name(report: MonthlyReport, fmt: str, lang: str = "en") -> str:
    """``monthly-report-2026-10-M2-en.pdf`` (the scope is in the name when limited)."""
    scope = "" if report.header.directorates is None else "-" + "-".join(report.header.directorates)
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in scope)
    return f"monthly-report-{report.period}{safe}-{lang}.{fmt}"


__all__ = ["FORMATS", "MEDIA_TYPES", "file_name", "generate", "generate_with_report", "render"]
