"""Hostile workbooks and zips for the import limits, written byte by byte by the tests.

Each builder returns a small file (a few KB) whose weight lies in what it would make a reader
allocate: a sheet from A1 to XFD1048576, one long string shared by many cells, many sheets,
a member that inflates far, a forged member size. The tests set small limits through the
``BUDGET_IMPORT_*`` settings, so "just under" and "just over" stay small as well.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from xml.sax.saxutils import escape

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PAYMENTS_HEADER = ["reference", "date", "commitment", "amount", "currency"]


def column_letters(n: int) -> str:
    """1 -> A, 16384 -> XFD."""
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def sheet_xml(cells: Sequence[tuple[int, int, str]], dimension: str | None = None) -> str:
    """A worksheet from (row, column, xml of the cell's content) with ``r`` on every cell.

    The content is ``<v>..</v>`` or ``<is><t>..</t></is>``; ``t`` follows from it.
    """
    rows: dict[int, list[str]] = {}
    for r, c, content in sorted(cells):
        kind = ' t="inlineStr"' if content.startswith("<is>") else (' t="s"' if content.startswith("s:") else "")
        body = f"<v>{content[2:]}</v>" if content.startswith("s:") else content
        rows.setdefault(r, []).append(f'<c r="{column_letters(c)}{r}"{kind}>{body}</c>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    data = "".join(f'<row r="{r}">{"".join(cs)}</row>' for r, cs in sorted(rows.items()))
    return (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}">{dim}'
            f"<sheetData>{data}</sheetData></worksheet>")


def text(value: str) -> str:
    return f"<is><t>{escape(value)}</t></is>"


def number(value: float) -> str:
    return f"<v>{value}</v>"


def table(rows: Sequence[Sequence[object]]) -> list[tuple[int, int, str]]:
    """Cells of a small table from A1 (texts inline, numbers as numbers)."""
    out = []
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is None:
                continue
            out.append((r, c, text(value) if isinstance(value, str) else number(float(value))))  # type: ignore[arg-type]
    return out


def payments_table(extra: int = 0) -> list[tuple[int, int, str]]:
    """A one-row payments table (header and P1), plus ``extra`` rows."""
    rows: list[list[object]] = [PAYMENTS_HEADER, ["P1", "2025-03-05", "ENG-1", 100.0, "EUR"]]
    rows += [[f"P{i + 2}", "2025-03-05", "ENG-1", 100.0, "EUR"] for i in range(extra)]
    return table(rows)


def xlsx(sheets: dict[str, str], shared: Sequence[str] | None = None, hidden: Sequence[str] = (),
         extra: dict[str, bytes] | None = None, compression: int = zipfile.ZIP_DEFLATED,
         strings_part: str = "sharedStrings.xml") -> bytes:
    """A minimal .xlsx from sheet XML texts (name -> XML), shared strings and other members."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(sheets) + 1))
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Default Extension="rels" ContentType="application/'
                   'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                   'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
                   '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   + overrides + "</Types>")
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
                   f'{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        entries = "".join(
            f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"'
            + (' state="hidden"' if name in hidden else "") + "/>"
            for i, name in enumerate(sheets, start=1))
        z.writestr("xl/workbook.xml",
                   f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" xmlns:r="{REL}">'
                   f"<sheets>{entries}</sheets></workbook>")
        rels = "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                       for i in range(1, len(sheets) + 1))
        if shared is not None:
            rels += f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="{strings_part}"/>'
            items = "".join(f"<si><t>{escape(s)}</t></si>" for s in shared)
            z.writestr(f"xl/{strings_part}",
                       f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}" count="{len(shared)}" '
                       f'uniqueCount="{len(shared)}">{items}</sst>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                   f'openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
        for i, xml in enumerate(sheets.values(), start=1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", xml)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def sparse(last_row: int, last_col: int, dimension: str | None = None) -> bytes:
    """Cells at A1 and at (last_row, last_col) only: a dense reader spans everything between."""
    cells = [(1, 1, text("reference")), (last_row, last_col, number(1))]
    return xlsx({"payments": sheet_xml(cells, dimension)})


def shared_string_bomb(length: int, cells: int) -> bytes:
    """One string of ``length`` characters shared by ``cells`` cells (in column B)."""
    rows = [(1, 1, text("reference")), (1, 2, text("name"))]
    rows += [(r, 2, "s:0") for r in range(2, cells + 2)]
    return xlsx({"payments": sheet_xml(rows)}, shared=["x" * length])


def many_sheets(count: int) -> bytes:
    """``count`` small sheets."""
    return xlsx({f"S{i}": sheet_xml(payments_table()) for i in range(count)})


def forged_size(data: bytes, member: str, declared: int) -> bytes:
    """The zip with ``member``'s declared uncompressed size replaced (local and central headers)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = archive.getinfo(member)
    buf = bytearray(data)
    local = info.header_offset
    buf[local + 22:local + 26] = declared.to_bytes(4, "little")
    central = data.index(b"PK\x01\x02" + data[data.index(b"PK\x01\x02") + 4:][:0])
    name = member.encode()
    while True:
        pos = bytes(buf).index(b"PK\x01\x02", central)
        name_len = int.from_bytes(buf[pos + 28:pos + 30], "little")
        if bytes(buf[pos + 46:pos + 46 + name_len]) == name:
            buf[pos + 24:pos + 28] = declared.to_bytes(4, "little")
            return bytes(buf)
        central = pos + 4


def ecb_zip(lines: int, name: str = "eurofxref-hist.csv") -> bytes:
    """An ECB rates zip whose CSV has ``lines`` rate lines (about 24 bytes each)."""
    body = "Date,USD,\n" + "".join(f"2024-{1 + i % 12:02d}-{1 + i % 28:02d},1.0{i % 10}00,\n" for i in range(lines))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, body)
    return out.getvalue()
