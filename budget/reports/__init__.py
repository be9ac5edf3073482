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
from contextlib import contextmanager, suppress
from dataclasses import replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from sqlalchemy.orm import Session, sessionmaker

from budget.errors import ValidationError
from budget.reports.i18n import check_lang
from budget.reports.monthly import LINE_FIELDS, MonthLists, MonthlyReport, monthly_report, parse_month

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
    """Render a built report to the given formats, one after the other.

    (:func:`generate_with_report` writes the workbook in a second process when it can.)
    """
    wanted = check_formats(formats)
    return {f: _render_one(report, f, lang) for f in wanted}


def _render_one(report: MonthlyReport, fmt: str, lang: str) -> bytes:
    from budget.reports.pdf import render_pdf
    from budget.reports.xlsx import render_xlsx

    with _collector_paused():
        return render_pdf(report, lang) if fmt == "pdf" else render_xlsx(report, lang)


def _can_fork() -> bool:
    """True when writing the workbook in a child process can save time and is safe.

    The renderers are pure Python: threads would take turns on the interpreter lock, so
    only a second process works beside this one. It must be forked (it then has the report's
    lists without copying them through a pipe, and no module to import again), from a
    process with no other thread (a thread holding a lock at the moment of the fork would
    leave the child waiting on it forever: a Streamlit server renders in turn), on Linux
    (macOS's system libraries are not safe to fork, which is why Python spawns there), and
    there must be a second core to run on.
    """
    if not sys.platform.startswith("linux") or threading.active_count() != 1:
        return False
    return len(os.sched_getaffinity(0)) > 1


#: The long lists' lines from which writing the workbook in a child pays: a fork costs a few
#: milliseconds, and until the child ends, each memory page this process writes to is
#: copied first (Python writes to every object it reads, counting references). A thousand
#: lines are about 12,000 cells, 0.1 s of writing; a month of the demo has forty.
FORK_MIN_LINES = 1_000


def _generate_beside(
    session_factory: sessionmaker[Session], month: str | dt.date, scope: list[str] | None, lang: str,
    user: str,
) -> tuple[MonthlyReport, dict[str, bytes]]:
    """Both files, the workbook written in a forked child beside this process.

    On a large ledger the workbook holds every line of the month's long lists (180,000
    cells for a month of a 1,000,000-entry ledger) and takes longer to write than the PDF
    takes to draw. So the child is forked as soon as the report has read the long lists
    (``on_lists``), and writes their sheets while this process reads the rest of the
    report; it then gets that rest, without the lines it already has (a thirtieth of the
    report's size), and finishes the workbook while this process draws the PDF. A small
    workbook (fewer lines than :data:`FORK_MIN_LINES`) is written here after the PDF.

    The child is forked inside the report's read transaction and never touches the
    database (see :func:`_child_workbook`). If it fails, the workbook is rendered here, so
    an error shows with its own traceback; if this process fails or is interrupted, the
    child is stopped.
    """
    context = multiprocessing.get_context("fork")
    # Pipe(duplex=False) gives (the receiving end, the sending end).
    rest_in, rest_out = context.Pipe(duplex=False)  # this process -> the child: the rest
    book_in, book_out = context.Pipe(duplex=False)  # the child -> this process: the bytes
    children: list[BaseProcess] = []

    def start(lists: MonthLists) -> None:
        if sum(len(getattr(lists, name)) for name in LINE_FIELDS) < FORK_MIN_LINES:
            return  # a small workbook: written here after the PDF
        child = context.Process(target=_child_workbook, args=(lists, lang, rest_in, book_out, (rest_out, book_in)),
                                daemon=True)
        child.start()
        children.append(child)
        rest_in.close()
        book_out.close()

    try:
        report = monthly_report(session_factory, month, directorates=scope, user=user, on_lists=start,
                                lang=lang)
        if children:
            with suppress(OSError):  # the child has gone: the workbook is rendered below
                rest_out.send(report.without_lines())
        rest_out.close()
        files = {"pdf": _render_one(report, "pdf", lang)}
        try:
            if not children:
                raise EOFError
            files["xlsx"] = book_in.recv_bytes()
        except EOFError:  # the child failed: render here (and raise its error, if any)
            files["xlsx"] = _render_one(report, "xlsx", lang)
    except BaseException:
        for child in children:  # the report failed or the user interrupted: no workbook
            child.terminate()
        raise
    finally:
        for end in (rest_out, rest_in, book_in, book_out):
            end.close()
        for child in children:
            child.join()
    return report, files


def _child_workbook(lists: MonthLists, lang: str, rest: Connection, sender: Connection,
                    parent_ends: tuple[Connection, ...]) -> None:
    """In the forked child: write the lists' sheets, get the rest of the report, finish the
    workbook and send its bytes (nothing on failure).

    The copies of the parent's pipe ends are closed first, so that the child sees the end
    of the pipe if the parent goes. The collector stays off until the child exits: a
    collection here could finalise an object holding the parent's database connection,
    inherited by the fork in the middle of the report's read transaction, and close it
    under the parent's feet.
    """
    gc.disable()
    from budget.reports.xlsx import WorkbookWriter

    for end in parent_ends:
        end.close()
    try:
        writer = WorkbookWriter(lang)
        writer.write_lists(lists)
        report = replace(rest.recv(), lists=lists)
        sender.send_bytes(writer.finish(report))
    except BaseException:  # the parent renders again and raises it, or has gone
        pass
    finally:
        rest.close()
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
    """Build the report of ``month`` and render it; return the report data and the files.

    Both files at once from a single-threaded process on a machine with more than one core
    (the CLI): the workbook is written in a forked child beside this process (see
    :func:`_generate_beside`). Otherwise one after the other.
    """
    parse_month(month)
    wanted = check_formats(formats)
    language = check_lang(lang)
    scope = _scope(directorate)
    if wanted == ("pdf", "xlsx") and _can_fork():
        return _generate_beside(session_factory, month, scope, language, user)
    report = monthly_report(session_factory, month, directorates=scope, user=user, lang=language)
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
