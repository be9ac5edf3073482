"""Bounds on untrusted workbooks, checked on the zip's real bytes before any reader allocates.

calamine (the reader under pandas) builds each sheet as one dense block from A1 to its last
cell and copies a shared string into every cell that uses it; a failed allocation aborts the
whole process (a Rust abort, not an exception). A 1.7 KB workbook with cells at A1 and
XFD1048576 asked for 549,755,813,888 bytes; an 18 KB one whose 3,000 cells share one 900 KB
string took 5.2 GB. So, before calamine opens an .xlsx, every member is inflated here as a
stream (bounded memory, sizes counted as really inflated, not as declared) and:

- every member and all together stay under ``BUDGET_IMPORT_MAX_MEMBER_BYTES`` and
  ``BUDGET_IMPORT_MAX_UNCOMPRESSED``, and inflate to exactly their declared size;
- the workbook has at most ``BUDGET_IMPORT_MAX_SHEETS`` sheets;
- each sheet's declared ``<dimension>`` and its real extent (A1 to its last cell), summed
  over the sheets, stay under ``BUDGET_IMPORT_MAX_CELLS``;
- no shared string is longer than ``BUDGET_IMPORT_MAX_STRING_CHARS`` (Excel's 32,767), and
  the text every cell gets from the shared strings stays under ``BUDGET_IMPORT_MAX_TEXT_BYTES``.

The usual file is checked by counting and one regular expression over the sheet XML (a
100,000-row sheet: about a quarter of a second); any sheet that does not have the plain
shape (``<c r="A1"`` on every cell, no namespace prefix) is walked with a streaming XML
parser instead, which reads positions exactly as calamine does.
"""

from __future__ import annotations

import html
import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import zip_longest

from defusedxml.ElementTree import iterparse

from budget import config
from budget.errors import BudgetError

EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384
_CHUNK = 4 * 1024 * 1024  # inflated bytes scanned at a time
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_PREFIXED_CELL = re.compile(rb":c[\s>/]")
_DIMENSION = re.compile(rb'<(?:[\w.-]+:)?dimension\s+ref="([A-Za-z]{1,4})?([0-9]{0,8}):?([A-Za-z]{1,4})?([0-9]{0,8})"')
_SI = re.compile(rb"<(?:[\w.-]+:)?si[\s>/]")
_TAG = re.compile(rb"<[^>]*>")


class LimitError(BudgetError):
    """A workbook over one of the import limits (turned into ``UnreadableFileError``)."""


@dataclass(frozen=True)
class Limits:
    """The import limits in force (read from the settings at each check)."""

    member_bytes: int
    uncompressed: int
    sheets: int
    cells: int
    string_chars: int
    text_bytes: int

    @classmethod
    def current(cls) -> Limits:
        return cls(config.get("BUDGET_IMPORT_MAX_MEMBER_BYTES"), config.get("BUDGET_IMPORT_MAX_UNCOMPRESSED"),
                   config.get("BUDGET_IMPORT_MAX_SHEETS"), config.get("BUDGET_IMPORT_MAX_CELLS"),
                   config.get("BUDGET_IMPORT_MAX_STRING_CHARS"), config.get("BUDGET_IMPORT_MAX_TEXT_BYTES"))


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n < 10e6 else f"{n / 1e6:.0f} MB"


# --------------------------------------------------------------------------- zip members


def inflate(data: bytes, info: zipfile.ZipInfo, limit: int) -> Iterator[bytes]:
    """The member's bytes as really inflated, in chunks; refused above ``limit`` or when they
    differ from the size the zip declares (a forged header would fool a reader that trusts it)."""
    start = info.header_offset
    if data[start:start + 4] != b"PK\x03\x04":
        raise LimitError(f"the zip is corrupt (member {info.filename} has no local header)")
    name_len, extra_len = struct.unpack("<HH", data[start + 26:start + 30])
    begin = start + 30 + name_len + extra_len
    packed = memoryview(data)[begin:begin + info.compress_size]
    total = 0
    if info.compress_type == zipfile.ZIP_STORED:
        chunks: Iterator[bytes] = (bytes(packed[i:i + _CHUNK]) for i in range(0, len(packed), _CHUNK))
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        chunks = _inflate_deflate(packed, info.filename)
    else:
        raise LimitError(f"member {info.filename} uses a zip compression Excel does not write")
    for chunk in chunks:
        total += len(chunk)
        if total > limit:
            raise LimitError(f"member {info.filename} inflates to more than {_mb(limit)} "
                             f"(limit BUDGET_IMPORT_MAX_MEMBER_BYTES)")
        if total > info.file_size:
            break
        yield chunk
    if total != info.file_size:
        raise LimitError(f"member {info.filename} does not inflate to the size its zip header declares")


def _inflate_deflate(packed: memoryview, name: str) -> Iterator[bytes]:
    inflater = zlib.decompressobj(-15)
    pos = 0
    try:
        while not inflater.eof:
            if inflater.unconsumed_tail:
                out = inflater.decompress(inflater.unconsumed_tail, _CHUNK)
            elif pos < len(packed):
                out = inflater.decompress(packed[pos:pos + 65536], _CHUNK)
                pos += 65536
            else:
                break
            if out:
                yield out
    except zlib.error:
        raise LimitError(f"the zip is corrupt (member {name} does not inflate)") from None


def member_bytes(data: bytes, info: zipfile.ZipInfo, limit: int) -> bytes:
    """The whole member, inflated with :func:`inflate`'s checks."""
    return b"".join(inflate(data, info, limit))


# --------------------------------------------------------------------------- workbook


@dataclass
class _Extent:
    rows: int = 0  # 1-based number of the last row (0: no cell)
    cols: int = 0
    cells: int = 0
    shared_text: int = 0  # bytes of shared strings the cells reference (exact walk only)

    @property
    def area(self) -> int:
        return self.rows * self.cols


def check_xlsx(data: bytes, name: str, archive: zipfile.ZipFile) -> None:
    """Refuse an .xlsx beyond any limit (see the module docstring), before calamine opens it.

    Raises:
        LimitError: the reason, for the budget officer (the caller adds the file name).
    """
    lim = Limits.current()
    members = {i.filename: i for i in archive.infolist()}
    sheets, strings = _worksheet_members(data, members, lim)
    # Where calamine may find the shared strings: checked all, each index at its longest.
    strings |= {n for n in members if n.lower().endswith("sharedstrings.xml")}
    per_member = [_shared_string_lengths(data, members[n], lim) for n in sorted(strings)]
    lengths = [max(sizes) for sizes in zip_longest(*per_member, fillvalue=0)]
    longest = max(lengths, default=0)
    extents: list[tuple[str, _Extent]] = []
    declared = 0
    for member in members.values():
        if member.filename in sheets:
            extent, dim = _scan_sheet(data, member, lim, None, bound=True)
            extents.append((member.filename, extent))
            declared += dim
        elif member.filename not in strings:
            for _chunk in inflate(data, member, lim.member_bytes):
                pass  # only to prove it inflates to its declared size (check_zip bounds those)
    if declared > lim.cells:
        raise LimitError(f"its sheets declare {declared:,} cells (rows x columns from A1), above the "
                         f"{lim.cells:,} limit (BUDGET_IMPORT_MAX_CELLS)")
    area = sum(e.area for _, e in extents)
    if area > lim.cells:  # the bounds are too high: count exactly before refusing
        extents = [(n, _scan_sheet(data, members[n], lim, None)[0]) for n, _ in extents]
        area = sum(e.area for _, e in extents)
    if area > lim.cells:
        worst = max(extents, key=lambda x: x[1].area)[1]
        raise LimitError(f"its sheets span {area:,} cells from A1 to their last cell (the largest "
                         f"{worst.rows:,} rows x {worst.cols:,} columns), above the {lim.cells:,} limit "
                         "(BUDGET_IMPORT_MAX_CELLS)")
    cells = sum(e.cells for _, e in extents)
    if strings and cells * longest > lim.text_bytes:
        # The quick bound (every cell with the longest string) is too high: count exactly,
        # each string by its characters and each cell by the string it uses.
        exact = [max(sizes) for sizes in zip_longest(
            *(_shared_string_chars(member_bytes(data, members[n], lim.member_bytes)) for n in sorted(strings)),
            fillvalue=0)]
        text = sum(_scan_sheet(data, members[n], lim, exact)[0].shared_text for n, _ in extents)
        if text > lim.text_bytes:
            raise LimitError(f"its cells expand to {_mb(text)} of shared text, above the "
                             f"{_mb(lim.text_bytes)} limit (BUDGET_IMPORT_MAX_TEXT_BYTES)")


def _worksheet_members(data: bytes, members: dict[str, zipfile.ZipInfo], lim: Limits) -> tuple[set[str], set[str]]:
    """The members holding sheets (the workbook's relationship targets and ``xl/worksheets/``)
    and those its relationships name as shared strings."""
    count = 0
    info = members.get("xl/workbook.xml")
    if info is not None:
        for _event, elem in iterparse(_Stream(inflate(data, info, lim.member_bytes)), forbid_dtd=True):
            if elem.tag.rsplit("}", 1)[-1] == "sheet":
                count += 1
                if count > lim.sheets:
                    break
            elem.clear()
    if count > lim.sheets:
        raise LimitError(f"it has more than {lim.sheets:,} sheets, the limit (BUDGET_IMPORT_MAX_SHEETS)")
    out = {n for n in members if n.startswith("xl/worksheets/") and n.endswith(".xml")
           and "/_rels/" not in n}
    strings: set[str] = set()
    rels = members.get("xl/_rels/workbook.xml.rels")
    if rels is not None:
        for _event, elem in iterparse(_Stream(inflate(data, rels, lim.member_bytes)), forbid_dtd=True):
            target, kind = elem.attrib.get("Target", ""), elem.attrib.get("Type", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
            if target and path in members and kind.endswith(("worksheet", "macrosheet", "dialogsheet")):
                out.add(path)
            elif target and path in members and kind.endswith("sharedStrings"):
                strings.add(path)
            elem.clear()
    sheet_members = len(out)
    if sheet_members > lim.sheets:
        raise LimitError(f"it has more than {lim.sheets:,} sheets, the limit (BUDGET_IMPORT_MAX_SHEETS)")
    return out, strings


def _shared_string_lengths(data: bytes, info: zipfile.ZipInfo, lim: Limits) -> list[int]:
    """Bytes of each shared string (an upper bound of its characters); refused when one is
    longer than the limit."""
    text = member_bytes(data, info, lim.member_bytes)
    pieces = _SI.split(text)[1:]
    lengths = list(map(len, pieces))
    for i, size in enumerate(lengths):
        if size > lim.string_chars:
            chars = _shared_string_chars(b"<si>" + pieces[i])[0]
            if chars > lim.string_chars:
                raise LimitError(f"shared string {i + 1} is {chars:,} characters long, above the "
                                 f"{lim.string_chars:,} limit (Excel's own is 32,767; "
                                 "BUDGET_IMPORT_MAX_STRING_CHARS)")
    return lengths


def _shared_string_chars(text: bytes) -> list[int]:
    """The characters of each shared string (its texts, markup and entities resolved)."""
    return [len(html.unescape(_TAG.sub(b"", piece).decode("utf-8", "replace"))) for piece in _SI.split(text)[1:]]


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        if not "A" <= ch <= "Z":
            raise ValueError(letters)
        n = n * 26 + ord(ch) - 64
    return n


def _declared_area(head: bytes) -> int:
    m = _DIMENSION.search(head)
    if not m:
        return 0
    try:
        col = _column_number((m[3] or m[1] or b"A").decode())
        row = int(m[4] or m[2] or 1)
    except ValueError:
        return 0
    return col * row


def _scan_sheet(data: bytes, info: zipfile.ZipInfo, lim: Limits,
                lengths: list[int] | None, bound: bool = False) -> tuple[_Extent, int]:
    """The sheet's real extent and cell count, and its declared area (rows x columns).

    ``bound``: an upper bound of the extent may do (cheaper: see :func:`_fast_chunk`).
    ``lengths`` given: the exact walk, which also sums the shared strings the cells use.
    """
    if lengths is None:
        extent, declared = _fast_scan(inflate(data, info, lim.member_bytes), bound)
        if extent is not None:
            _check_extent(extent, info.filename)
            return extent, declared
    extent = _walk_sheet(inflate(data, info, lim.member_bytes), lengths or [], info.filename)
    declared = _declared_area(next(inflate(data, info, lim.member_bytes), b"")[:65536])
    _check_extent(extent, info.filename)
    return extent, declared


def _check_extent(extent: _Extent, member: str) -> None:
    if extent.rows > EXCEL_ROWS or extent.cols > EXCEL_COLUMNS:
        raise LimitError(f"sheet {member} has a cell beyond Excel's last cell XFD1048576")


def _fast_scan(chunks: Iterator[bytes], bound: bool) -> tuple[_Extent | None, int]:
    """Count and regex over the plain shape; None when a chunk is not plain (walk instead)."""
    extent = _Extent()
    declared = 0
    rest = b""
    first = True
    for chunk in chunks:
        buf = rest + chunk
        cut = buf.rfind(b"<")
        if cut <= 0:
            rest = buf
            continue
        buf, rest = buf[:cut], buf[cut:]
        if first:
            declared, first = _declared_area(buf[:65536]), False
        if not _fast_chunk(buf, extent, bound):
            return None, declared
    if rest and not _fast_chunk(rest, extent, bound):
        return None, declared
    return extent, declared


def _fast_chunk(buf: bytes, extent: _Extent, bound: bool) -> bool:
    """Add a chunk of plain sheet XML to ``extent``; False when it is not plain.

    Plain: every element starting with ``<c`` is a cell ``<c r="A1"`` with a well-formed
    reference, or one of the elements that sit outside the cells (cols, cfRule,
    customSheetViews, cellWatches...), and no cell has a namespace prefix. With ``bound``,
    the extent may be an upper bound: columns by the length of their letters (26, 702,
    16,384) and rows by the last ``<row r=`` of the chunk, once no cell lies below it
    (a few searches and no object per cell: about half the cost of reading every reference).
    """
    cells = buf.count(b'<c r="')
    extra = buf.count(b"<c") - cells
    if extra and extra != buf.count(b"<co") + buf.count(b"<cf") + buf.count(b"<cu") + buf.count(b"<ce"):
        return False
    if _PREFIXED_CELL.search(buf):
        return False
    one_letter = _NOT_ONE_LETTER.search(buf) is None  # then well-formed, and one column letter
    if not one_letter and _MALFORMED_REF.search(buf):
        return False
    if not cells:
        return True
    extent.cells += cells
    if bound:
        last = buf.rfind(b'<row r="')
        digits = buf[last + 8:last + 16].split(b'"', 1)[0] if last >= 0 else b""
        rows = max(extent.rows, int(digits) if digits.isdigit() else 0)
        if rows and not _below(rows).search(buf):
            width = 1 if one_letter else 3 if _THREE_LETTERS.search(buf) else 2 if _TWO_LETTERS.search(buf) else 1
            extent.rows, extent.cols = rows, max(extent.cols, (26, 702, EXCEL_COLUMNS)[width - 1])
            return True
    letters, numbers = zip(*_CELL_REF.findall(buf), strict=True)
    extent.cols = max(extent.cols, max(_column_number(c.decode()) for c in set(letters)))
    extent.rows = max(extent.rows, max(map(int, set(numbers))))
    return True


_MALFORMED_REF = re.compile(rb'<c r="(?![A-Z]{1,3}[0-9]{1,7}")')
# Most sheets have 26 columns or fewer: one search finding no other reference settles both
# the malformed and the width searches.
_NOT_ONE_LETTER = re.compile(rb'<c r="(?![A-Z][0-9]{1,7}")')
_TWO_LETTERS = re.compile(rb'<c r="[A-Z]{2}')
_THREE_LETTERS = re.compile(rb'<c r="[A-Z]{3}')


def _below(row: int) -> re.Pattern[bytes]:
    """A pattern finding a cell reference whose row number is above ``row``."""
    text = str(row)
    alternatives = [f"[0-9]{{{len(text) + 1},}}"]
    for i, digit in enumerate(text):
        if digit != "9":
            alternatives.append(f"{text[:i]}[{int(digit) + 1}-9][0-9]{{{len(text) - i - 1}}}")
    return re.compile(b'<c r="[A-Z]{1,3}(?:' + "|".join(alternatives).encode() + b')"')


class _Stream(io.RawIOBase):
    """A readable file over inflated chunks (for the streaming XML parser)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buf = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buf:
            try:
                self._buf = memoryview(next(self._chunks))
            except StopIteration:
                return 0
        n = min(len(target), len(self._buf))
        target[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


_REF = re.compile(r"([A-Za-z]{1,4})([0-9]{1,8})$")


def _walk_sheet(chunks: Iterator[bytes], lengths: list[int], member: str) -> _Extent:
    """The exact walk: positions as calamine reads them (a cell without ``r`` follows the
    previous one; a row without ``r`` follows the previous row), with bounded memory."""
    extent = _Extent()
    row, col, shared = 0, 0, False
    parent = None
    try:
        for event, elem in iterparse(_Stream(chunks), events=("start", "end"), forbid_dtd=True):
            tag = elem.tag.rsplit("}", 1)[-1]
            if event == "start":
                if tag == "sheetData":
                    parent = elem
                elif tag == "row":
                    r = elem.attrib.get("r", "")
                    row = int(r) if r.isdigit() and len(r) < 9 else row + 1
                    col = 0
                elif tag == "c":
                    m = _REF.match(elem.attrib.get("r", ""))
                    if m:
                        col, row = _column_number(m[1]), int(m[2])
                    else:
                        col += 1
                    shared = elem.attrib.get("t") == "s"
                    extent.cells += 1
                    extent.rows, extent.cols = max(extent.rows, row), max(extent.cols, col)
                    if extent.rows > EXCEL_ROWS or extent.cols > EXCEL_COLUMNS:
                        break
                continue
            if tag == "v" and shared and lengths:
                text = (elem.text or "").strip()
                if text.isdigit() and int(text) < len(lengths):
                    extent.shared_text += lengths[int(text)]
            if tag == "c":
                elem.clear()
            elif tag == "row" and parent is not None:
                parent.clear()  # the rows read so far: memory stays bounded
    except LimitError:
        raise
    except Exception as exc:  # ParseError, defusedxml's refusals (DTD, entities)
        raise LimitError(f"sheet {member} is not readable XML ({str(exc)[:100]})") from None
    return extent
