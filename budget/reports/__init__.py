"""Monthly reports: the report's data first (:mod:`.monthly`), then dumb renderers.

    files = generate(session_factory, "2026-10", directorate="M2", formats=("pdf", "xlsx"))
    files["pdf"], files["xlsx"]  # bytes
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

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
    """Render a built report to the given formats, one after the other."""
    wanted = check_formats(formats)
    return {f: _render_one(report, f, lang) for f in wanted}


def _render_one(report: MonthlyReport, fmt: str, lang: str) -> bytes:
    from budget.reports.pdf import render_pdf
    from budget.reports.xlsx import render_xlsx

    with _collector_paused():
        return render_pdf(report, lang) if fmt == "pdf" else render_xlsx(report, lang)


def generate_with_report(
    session_factory: sessionmaker[Session],
    month: str | dt.date,
    directorate: str | Sequence[str] | None = None,
    formats: Iterable[str] = FORMATS,
    lang: str = "en",
    *,
    user: str = "report",
) -> tuple[MonthlyReport, dict[str, bytes]]:
    """Build the report of ``month`` and render it (the PDF, then the workbook); return the
    report data and the files."""
    parse_month(month)
    wanted = check_formats(formats)
    language = check_lang(lang)
    scope = _scope(directorate)
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
