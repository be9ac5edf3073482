"""Reading untrusted files: safety checks first, then one reader per format.

Order matters: the size limit and the zip member check run on the raw bytes *before* any
reader library opens the file (a 1.3 MB crafted workbook took calamine to 1.4 GiB of memory,
and ``nrows`` does not help; checking the zip's declared member sizes and ratios costs a
millisecond). Formulas are never evaluated (calamine hands the cached values) and macros are
never run (nothing here executes anything from the file). XML is parsed with ``defusedxml``.

Every failure becomes :class:`UnreadableFileError` with one clear line (exit 2 in the CLI).

Bounds (``BUDGET_IMPORT_*`` settings, read at each call): an .xlsx is checked member by
member, sheet by sheet (extent, cells, shared strings) by :mod:`imports.limits` before
calamine opens it, since calamine allocates a sheet from A1 to its last cell and an
allocation failure aborts the process. An .xls or .ods file, whose sizes cannot be checked
as cheaply, is read in a child process under a memory and time limit: if it dies, the file
is refused and the server lives on. A CSV is refused above the cell limit before parsing.
Hidden sheets are not read unless named (``--sheet``); :func:`read_workbook` says so in its
``notes``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import pickle
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from budget import config
from budget.errors import BudgetError
from imports.limits import LimitError, check_xlsx, inflate

# The ratio limit (BUDGET_IMPORT_MAX_RATIO) applies to members larger than 1 MB
# uncompressed: real sheets compress 5-30x; the crafted bombs measured here are above 1000x.
RATIO_FLOOR = 1024 * 1024

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
class Workbook:
    """The sheets read, and notes on what was left aside (hidden sheets)."""

    sheets: list[Sheet]
    notes: list[str] = field(default_factory=list)


@dataclass
class RawFile:
    """The bytes of a file with its name and digest."""

    name: str
    data: bytes
    #: the .xlsx limits were checked (a load that first recognises the kind reads twice)
    limits_checked: bool = field(default=False, repr=False, compare=False)

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def open_source(source: str | os.PathLike[str] | bytes | RawFile, filename: str | None = None) -> RawFile:
    """Read a path (refusing it above the size limit before reading) or wrap bytes."""
    max_bytes = config.get("BUDGET_IMPORT_MAX_BYTES")
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
        if size > max_bytes:
            raise UnreadableFileError(
                f"{name}: the file is {size / 1e6:.1f} MB, above the {max_bytes / 1e6:.0f} MB limit."
            )
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UnreadableFileError(f"{name}: cannot read the file ({exc.strerror}).") from None
    if len(data) > max_bytes:
        raise UnreadableFileError(
            f"{name}: the file is {len(data) / 1e6:.1f} MB, above the {max_bytes / 1e6:.0f} MB limit."
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
    max_total, max_member = config.get("BUDGET_IMPORT_MAX_UNCOMPRESSED"), config.get("BUDGET_IMPORT_MAX_MEMBER_BYTES")
    max_ratio = config.get("BUDGET_IMPORT_MAX_RATIO")
    total = 0
    for info in members:
        if info.flag_bits & 0x1:
            raise UnreadableFileError(f"{raw.name}: {ENCRYPTED}")
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > max_ratio:
            raise UnreadableFileError(
                f"{raw.name}: refused as a possible zip bomb (member {info.filename} inflates "
                f"{ratio:.0f}x to {info.file_size / 1e6:.0f} MB)."
            )
        if info.file_size > max_member:
            raise UnreadableFileError(
                f"{raw.name}: refused as a possible zip bomb (member {info.filename} is "
                f"{info.file_size / 1e6:.1f} MB uncompressed, limit {max_member / 1e6:.1f} MB, "
                "BUDGET_IMPORT_MAX_MEMBER_BYTES)."
            )
    if total > max_total:
        raise UnreadableFileError(
            f"{raw.name}: refused as a possible zip bomb ({total / 1e6:.1f} MB uncompressed, "
            f"limit {max_total / 1e6:.1f} MB, BUDGET_IMPORT_MAX_UNCOMPRESSED)."
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


def read_csv_rows(text: str, name: str = "the CSV file") -> list[list[Any]]:
    """Rows of a CSV with ``,`` or ``;`` separators (``, `` as in the ECB daily file).

    Refused before parsing above ``BUDGET_IMPORT_MAX_CELLS`` fields (each field is a Python
    string: a 100 MB file of one-character fields would take several GB).
    """
    lines = [ln for ln in text[:1_000_000].splitlines()[:40] if ln.strip()]
    if not lines:
        return []
    delimiter = _sniff_delimiter(lines)
    check_csv_fields(text, delimiter, name)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True)
    try:
        return [list(r) for r in reader]
    except csv.Error as exc:
        raise UnreadableFileError(f"{name}: not a readable CSV file ({exc}).") from None


def check_csv_fields(text: str, delimiter: str, name: str = "the CSV file") -> None:
    """Refuse a CSV with more fields (at most separators plus lines) than the cell limit."""
    limit = config.get("BUDGET_IMPORT_MAX_CELLS")
    fields = text.count(delimiter) + text.count("\n") + 1
    if fields > limit:
        raise UnreadableFileError(f"{name}: refused, it has up to {fields:,} fields, above the "
                                  f"{limit:,} limit (BUDGET_IMPORT_MAX_CELLS).")


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


def _calamine_book(raw: RawFile, want: str | None) -> Workbook:
    """The worksheets (hidden ones only when named), read by calamine in this process."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(raw.data))
        out = Workbook([])
        for meta in book.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue
            if want is not None and not _same_sheet(meta.name, want):
                out.sheets.append(Sheet(meta.name, []))  # named in "no sheet named" messages
                continue
            if want is None and meta.visible != SheetVisibleEnum.Visible:
                out.notes.append(f"sheet {meta.name!r} is hidden and was not read (name it with --sheet "
                                 "to read it)")
                continue
            sh = book.get_sheet_by_name(meta.name)
            rows = sh.to_python(skip_empty_area=False)
            merged = list(getattr(sh, "merged_cell_ranges", None) or [])
            out.sheets.append(Sheet(meta.name, list(rows), merged))  # rows are fresh lists already
        book.close()
        return out
    except UnreadableFileError:
        raise
    except MemoryError:
        raise UnreadableFileError(f"{raw.name}: the workbook needs more memory than is available.") from None
    except Exception as exc:  # calamine raises many types (CalamineError, PasswordError, ...)
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "password" in text.lower() or "encrypt" in text.lower() or type(exc).__name__ == "PasswordError":
            raise UnreadableFileError(f"{raw.name}: {ENCRYPTED}") from None
        raise UnreadableFileError(f"{raw.name}: the workbook is corrupt or unreadable ({text[:160]}).") from None


def _same_sheet(name: str, want: str) -> bool:
    return name == want or name.strip().lower() == want.strip().lower()


def _checked_book(raw: RawFile, fmt: str, want: str | None) -> Workbook:
    """An .xlsx read here after :func:`imports.limits.check_xlsx`; an .xls or .ods in a child."""
    if fmt != "xlsx":
        return _book_in_child(raw, want)
    if not raw.limits_checked:
        try:
            check_xlsx(raw.data, raw.name, check_zip(raw))
        except LimitError as exc:
            raise UnreadableFileError(f"{raw.name}: refused, {exc}.") from None
        raw.limits_checked = True
    return _calamine_book(raw, want)


class _SafeUnpickler(pickle.Unpickler):
    """What the reading child sends back: plain values and dates only."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "datetime" and name in ("date", "datetime", "time", "timedelta"):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not expected from the reader")


def _book_in_child(raw: RawFile, want: str | None) -> Workbook:
    """Read with calamine in a child process under an address-space and a time limit.

    Why a child for .xls and .ods only: their sizes cannot be bounded cheaply before reading
    (.ods repeats rows and columns by attribute, .xls is a binary stream), and a failed
    allocation in calamine aborts the process. The child costs about 0.2 s plus sending the
    rows back; the .xlsx files (nearly all uploads) are checked instead and read in-process.
    """
    memory, seconds = config.get("BUDGET_IMPORT_READER_MEMORY"), config.get("BUDGET_IMPORT_READER_SECONDS")
    code = f"from imports.reader import child_main; child_main({memory})"
    try:
        proc = subprocess.run([sys.executable, "-c", code], input=pickle.dumps((raw.name, raw.data, want)),
                              capture_output=True, timeout=seconds, check=False)
    except subprocess.TimeoutExpired:
        raise UnreadableFileError(f"{raw.name}: reading took longer than {seconds} s "
                                  "(BUDGET_IMPORT_READER_SECONDS); the file is refused.") from None
    if proc.returncode != 0 or not proc.stdout:
        raise UnreadableFileError(f"{raw.name}: reading needed more than {memory / 1e6:.0f} MB of memory "
                                  "(BUDGET_IMPORT_READER_MEMORY) or failed; the file is refused.")
    try:
        status, payload = _SafeUnpickler(io.BytesIO(proc.stdout)).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError):
        raise UnreadableFileError(f"{raw.name}: the reader sent back something unexpected; "
                                  "the file is refused.") from None
    if status == "error":
        raise UnreadableFileError(payload)
    sheets, notes = payload
    return Workbook([Sheet(n, rows, [((a, b), (c, d)) for (a, b), (c, d) in merged])
                     for n, rows, merged in sheets], notes)


def child_main(memory: int) -> None:
    """The reading child: a pickled (name, bytes, sheet) on stdin, the sheets on stdout.

    Its address space is capped at ``memory`` bytes (or the parent's own cap, if lower).
    """
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = memory if hard == resource.RLIM_INFINITY else min(memory, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    name, data, want = pickle.loads(sys.stdin.buffer.read())
    try:
        book = _calamine_book(RawFile(name, data), want)
        out: tuple[str, Any] = ("ok", ([(s.name, s.rows, [list(map(list, m)) for m in s.merged])
                                        for s in book.sheets], book.notes))
    except UnreadableFileError as exc:
        out = ("error", str(exc))
    sys.stdout.buffer.write(pickle.dumps(out))


def sheet_names(raw: RawFile) -> list[str]:
    """The sheet names of a workbook (the file name for a CSV)."""
    return [s.name for s in read_sheets(raw)]


def read_sheets(raw: RawFile, sheet: str | None = None) -> list[Sheet]:
    """The sheets :func:`read_workbook` reads (without its notes)."""
    return read_workbook(raw, sheet).sheets


def read_workbook(raw: RawFile, sheet: str | None = None) -> Workbook:
    """Every visible worksheet of the file (or the one named), merged cells filled from their
    top-left; hidden sheets are left aside with a note unless named.

    Filling merged ranges makes a vertically merged "organisation" cell of a split
    assessment count for each of its lines; merged title cells stay title rows.
    """
    fmt = detect_format(raw)
    if fmt == "csv":
        book = Workbook([Sheet(raw.name, read_csv_rows(decode_text(raw), raw.name))])
    elif fmt in ("xlsx", "ods", "xls"):
        book = _checked_book(raw, fmt, sheet)
    elif fmt == "zip":
        raise UnreadableFileError(
            f"{raw.name}: a zip archive that is not a workbook (only the ECB rates zip is read, as kind fx)."
        )
    else:
        raise UnreadableFileError(
            f"{raw.name}: an XML file that is not a workbook (only the ECB rates XML is read, as kind fx)."
        )
    if sheet is not None:
        chosen = [s for s in book.sheets if _same_sheet(s.name, sheet)]
        if not chosen:
            raise UnreadableFileError(
                f"{raw.name}: no sheet named {sheet!r} (sheets: {', '.join(s.name for s in book.sheets)})."
            )
        book.sheets = chosen[:1]
    for s in book.sheets:
        _fill_merged(s)
    return book


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
    """The members of a (checked) zip whose names end with one of ``suffixes``, each inflated
    under the member limit and checked against its declared size."""
    archive = check_zip(raw)
    limit = config.get("BUDGET_IMPORT_MAX_MEMBER_BYTES")
    for info in archive.infolist():
        if info.filename.lower().endswith(suffixes):
            try:
                data = b"".join(inflate(raw.data, info, limit))
            except LimitError as exc:
                raise UnreadableFileError(f"{raw.name}: refused, {exc}.") from None
            yield info.filename, data
