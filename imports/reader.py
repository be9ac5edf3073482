"""Reading untrusted files: safety checks first, then one reader per format.

Order matters: the size limit and the zip member check run on the raw bytes *before* any
reader library opens the file (a 1.3 MB crafted workbook took calamine to 1.4 GiB of memory,
and ``nrows`` does not help; checking the zip's declared member sizes and ratios costs a
millisecond). Formulas are never evaluated (calamine hands the cached values) and macros are
never run (nothing here executes anything from the file). XML is parsed with ``defusedxml``.

Every failure becomes :class:`UnreadableFileError` with one clear line (exit 2 in the CLI).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from budget import config
from budget.errors import BudgetError

#: Largest file accepted (bytes). ``BUDGET_IMPORT_MAX_BYTES`` overrides it.
MAX_FILE_BYTES = config.get("BUDGET_IMPORT_MAX_BYTES")
#: Largest total uncompressed size of a zip-based workbook (bytes).
MAX_UNCOMPRESSED = config.get("BUDGET_IMPORT_MAX_UNCOMPRESSED")
#: Largest compression ratio of one member larger than 1 MB uncompressed. Real sheets
#: compress 5-30x; the crafted bombs measured here are above 1000x.
MAX_RATIO = config.get("BUDGET_IMPORT_MAX_RATIO")

ENCRYPTED = "the workbook is encrypted (password-protected); save it without a password."
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class UnreadableFileError(BudgetError):
    """The file cannot be read as a spreadsheet (corrupt, encrypted, too big, not one)."""


@dataclass
class Sheet:
    """One sheet as rows of cell values (row 0 is Excel row 1)."""

    name: str
    rows: list[list[Any]]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)


@dataclass
class RawFile:
    """The bytes of a file with its name and digest."""

    name: str
    data: bytes

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def open_source(source: str | os.PathLike[str] | bytes | RawFile, filename: str | None = None) -> RawFile:
    """Read a path (refusing it above the size limit before reading) or wrap bytes."""
    if isinstance(source, RawFile):
        return source
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
        name = filename or "upload"
    else:
        path = Path(source)
        name = filename or path.name
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise UnreadableFileError(f"{name}: cannot open the file ({exc.strerror}).") from None
        if size > MAX_FILE_BYTES:
            raise UnreadableFileError(
                f"{name}: the file is {size / 1e6:.1f} MB, above the {MAX_FILE_BYTES / 1e6:.0f} MB limit."
            )
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UnreadableFileError(f"{name}: cannot read the file ({exc.strerror}).") from None
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFileError(
            f"{name}: the file is {len(data) / 1e6:.1f} MB, above the {MAX_FILE_BYTES / 1e6:.0f} MB limit."
        )
    if not data:
        raise UnreadableFileError(f"{name}: the file is empty.")
    return RawFile(name, data)


def check_zip(raw: RawFile) -> zipfile.ZipFile:
    """Open a zip container and refuse it when its members would inflate too much."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw.data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise UnreadableFileError(f"{raw.name}: the file is corrupt (not a valid zip/xlsx container).") from None
    total = 0
    for info in members:
        if info.flag_bits & 0x1:
            raise UnreadableFileError(f"{raw.name}: {ENCRYPTED}")
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > MAX_RATIO:
            raise UnreadableFileError(
                f"{raw.name}: refused as a possible zip bomb (member {info.filename} inflates "
                f"{ratio:.0f}x to {info.file_size / 1e6:.0f} MB)."
            )
    if total > MAX_UNCOMPRESSED:
        raise UnreadableFileError(
            f"{raw.name}: refused as a possible zip bomb ({total / 1e6:.0f} MB uncompressed, "
            f"limit {MAX_UNCOMPRESSED / 1e6:.0f} MB)."
        )
    return archive


def detect_format(raw: RawFile) -> str:
    """``xlsx`` | ``ods`` | ``xls`` | ``zip`` (other zip, e.g. ECB) | ``xml`` | ``csv``.

    By content, not by extension: a renamed file is read for what it is; an encrypted
    OOXML file (a CFB container holding ``EncryptionInfo``) is refused clearly.
    """
    head = raw.data[:8]
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        archive = check_zip(raw)
        names = set(archive.namelist())
        if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
            if "xl/workbook.bin" in names:
                raise UnreadableFileError(f"{raw.name}: .xlsb workbooks are not supported; save as .xlsx.")
            return "xlsx"
        if "content.xml" in names and "mimetype" in names:
            return "ods"
        return "zip"
    if head == CFB_MAGIC:
        if "EncryptionInfo".encode("utf-16-le") in raw.data or "EncryptedPackage".encode("utf-16-le") in raw.data:
            raise UnreadableFileError(f"{raw.name}: {ENCRYPTED}")
        return "xls"
    sample = raw.data[:4096]
    if b"\x00" in sample:
        raise UnreadableFileError(
            f"{raw.name}: not a spreadsheet (binary content that is neither .xlsx, .xls, .ods nor .csv)."
        )
    stripped = sample.lstrip(b"\xef\xbb\xbf \r\n\t")
    if stripped.startswith(b"<?xml") or stripped.startswith(b"<gesmes") or stripped.startswith(b"<"):
        return "xml"
    return "csv"


def decode_text(raw: RawFile) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 (what Excel writes on Belgian PCs)."""
    try:
        return raw.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return raw.data.decode("cp1252")
        except UnicodeDecodeError:
            return raw.data.decode("latin-1")


def read_csv_rows(text: str) -> list[list[Any]]:
    """Rows of a CSV with ``,`` or ``;`` separators (``, `` as in the ECB daily file)."""
    lines = [ln for ln in text.splitlines()[:40] if ln.strip()]
    if not lines:
        return []
    delimiter = _sniff_delimiter(lines)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True)
    try:
        return [list(r) for r in reader]
    except csv.Error as exc:
        raise UnreadableFileError(f"not a readable CSV file ({exc}).") from None


def _sniff_delimiter(lines: list[str]) -> str:
    """The separator that splits the most lines into the same number (> 1) of fields.

    Counting characters is not enough: ``1,234.50`` amounts put commas in a ``;`` file.
    """
    best, best_score = ",", -1
    for sep in (";", ",", "\t"):
        counts = [len(r) for r in csv.reader(lines, delimiter=sep)]
        wide = [c for c in counts if c > 1]
        if not wide:
            continue
        mode = max(set(wide), key=wide.count)
        score = wide.count(mode) * 1000 + mode
        if score > best_score:
            best, best_score = sep, score
    return best


def _calamine_sheets(raw: RawFile, want: str | None = None) -> list[Sheet]:
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(raw.data))
        names = [m.name for m in book.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
        sheets = []
        for name in names:
            if want is not None and name != want:
                continue
            sh = book.get_sheet_by_name(name)
            rows = sh.to_python(skip_empty_area=False)
            merged = list(getattr(sh, "merged_cell_ranges", None) or [])
            sheets.append(Sheet(name, list(rows), merged))  # rows are fresh lists already
        book.close()
        return sheets
    except UnreadableFileError:
        raise
    except Exception as exc:  # calamine raises many types (CalamineError, PasswordError, ...)
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "password" in text.lower() or "encrypt" in text.lower() or type(exc).__name__ == "PasswordError":
            raise UnreadableFileError(f"{raw.name}: {ENCRYPTED}") from None
        raise UnreadableFileError(f"{raw.name}: the workbook is corrupt or unreadable ({text[:160]}).") from None


def sheet_names(raw: RawFile) -> list[str]:
    """The sheet names of a workbook (the file name for a CSV)."""
    return [s.name for s in read_sheets(raw)]


def read_sheets(raw: RawFile, sheet: str | None = None) -> list[Sheet]:
    """Every worksheet of the file (or the one named), merged cells filled from their top-left.

    Filling merged ranges makes a vertically merged "organisation" cell of a split
    assessment count for each of its lines; merged title cells stay title rows.
    """
    fmt = detect_format(raw)
    if fmt == "csv":
        sheets = [Sheet(raw.name, read_csv_rows(decode_text(raw)))]
    elif fmt in ("xlsx", "ods", "xls"):
        sheets = _calamine_sheets(raw)
    elif fmt == "zip":
        raise UnreadableFileError(
            f"{raw.name}: a zip archive that is not a workbook (only the ECB rates zip is read, as kind fx)."
        )
    else:
        raise UnreadableFileError(
            f"{raw.name}: an XML file that is not a workbook (only the ECB rates XML is read, as kind fx)."
        )
    if sheet is not None:
        chosen = [s for s in sheets if s.name == sheet or s.name.strip().lower() == sheet.strip().lower()]
        if not chosen:
            raise UnreadableFileError(
                f"{raw.name}: no sheet named {sheet!r} (sheets: {', '.join(s.name for s in sheets)})."
            )
        sheets = chosen
    for s in sheets:
        _fill_merged(s)
    return sheets


def _fill_merged(sheet: Sheet) -> None:
    for (r0, c0), (r1, c1) in sheet.merged:
        if r0 >= len(sheet.rows) or c0 >= len(sheet.rows[r0]):
            continue
        value = sheet.rows[r0][c0]
        if r1 == r0:
            continue  # a horizontally merged (title) cell: the value once is right
        for r in range(r0, min(r1, len(sheet.rows) - 1) + 1):
            row = sheet.rows[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                if row[c] in ("", None):
                    row[c] = value


def iter_zip_member(raw: RawFile, suffixes: tuple[str, ...]) -> Iterator[tuple[str, bytes]]:
    """The members of a (checked) zip whose names end with one of ``suffixes``."""
    archive = check_zip(raw)
    for info in archive.infolist():
        if info.filename.lower().endswith(suffixes):
            with archive.open(info) as fh:
                yield info.filename, fh.read(MAX_UNCOMPRESSED + 1)
