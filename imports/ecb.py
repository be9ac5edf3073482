"""The ECB euro reference rates, as users download them.

- ``eurofxref-hist.csv`` (and the same inside ``eurofxref-hist.zip``): ``Date,USD,JPY,...``,
  one row per business day, ``N/A`` where a currency was not quoted, a trailing comma;
- ``eurofxref.csv`` (daily): ``Date, USD, JPY, ...`` separated by ``", "``, the date
  written ``11 October 2024``;
- ``eurofxref-daily.xml`` and ``eurofxref-hist.xml``: ``<Cube time=...><Cube currency=...
  rate=.../>``.

Columns are found by header name, since the set and order of currencies changed over the
years. Rates are units of the currency for 1 EUR.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal, InvalidOperation

from defusedxml import ElementTree

from budget import config
from budget.money import ALL_CURRENCIES
from imports import parsing as p
from imports.extract import Problem
from imports.reader import (
    RawFile,
    UnreadableFileError,
    check_csv_fields,
    decode_text,
    detect_format,
    iter_zip_member,
)

RateRow = tuple[str, dt.date, Decimal, int]  # currency, date, rate, source row (line)
MISSING = {"", "N/A", "NA", "#N/A", "-"}


def looks_like_ecb(raw: RawFile) -> bool:
    """True when the file is an ECB reference-rate file (used to recognise kind ``fx``)."""
    try:
        fmt = detect_format(raw)
    except UnreadableFileError:
        return False
    if fmt == "xml":
        head = raw.data[:2000]
        return b"gesmes" in head or b"eurofxref" in head or b"<Cube" in raw.data[:5000]
    if fmt == "zip":
        return any(n.lower().endswith((".csv", ".xml")) for n in _zip_names(raw))
    if fmt == "csv":
        first = decode_text(RawFile(raw.name, raw.data[:2000])).splitlines()[:1]
        cells = [c.strip() for c in first[0].split(",")] if first else []
        return bool(cells) and p.normalise_header(cells[0]) == "date" and any(c in ALL_CURRENCIES for c in cells[1:])
    return False


def _zip_names(raw: RawFile) -> list[str]:
    from imports.reader import check_zip

    return check_zip(raw).namelist()


def read_rates(raw: RawFile) -> tuple[list[RateRow], list[Problem], str]:
    """Every rate of an ECB file, the problems found, and the sheet label used in them.

    A zip's members are inflated under ``BUDGET_IMPORT_MAX_MEMBER_BYTES`` (checked as they
    inflate, not as declared); a CSV or XML above ``BUDGET_IMPORT_MAX_CELLS`` fields or
    elements is refused before it is parsed.
    """
    try:
        return _read_rates(raw)
    except MemoryError:
        raise UnreadableFileError(f"{raw.name}: the file needs more memory than is available.") from None


def _rate(value: str) -> Decimal:
    """A rate the ledger accepts (:func:`imports.parsing.checked_rate`), else ``CellError``."""
    if len(value) > 40:
        raise p.CellError("is not a rate")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise p.CellError("is not a rate") from None
    return p.checked_rate(number)


def _read_rates(raw: RawFile) -> tuple[list[RateRow], list[Problem], str]:
    fmt = detect_format(raw)
    if fmt == "zip":
        rates: list[RateRow] = []
        problems: list[Problem] = []
        found = False
        for name, data in iter_zip_member(raw, (".csv", ".xml")):
            found = True
            r, pr, _ = _read_rates(RawFile(name, data))
            rates += r
            problems += pr
        if not found:
            raise UnreadableFileError(f"{raw.name}: the zip holds no ECB .csv or .xml file.")
        return rates, problems, raw.name
    if fmt == "xml":
        return (*_read_xml(raw), raw.name)
    if fmt == "csv":
        return (*_read_csv(raw), raw.name)
    raise UnreadableFileError(
        f"{raw.name}: not an ECB reference-rate file (expected eurofxref*.csv, .zip or .xml)."
    )


def _read_csv(raw: RawFile) -> tuple[list[RateRow], list[Problem]]:
    text = decode_text(raw)
    check_csv_fields(text, ",", raw.name)
    reader = csv.reader(io.StringIO(text), delimiter=",", skipinitialspace=True)
    try:
        header = next(reader)
    except StopIteration:
        raise UnreadableFileError(f"{raw.name}: the file is empty.") from None
    header = [h.strip() for h in header]
    if not header or p.normalise_header(header[0]) != "date":
        raise UnreadableFileError(f"{raw.name}: not an ECB rates file (the first column is not 'Date').")
    problems: list[Problem] = []
    columns: list[tuple[int, str]] = []
    for idx, name in enumerate(header[1:], start=1):
        code = name.upper()
        if not code:
            continue  # the trailing comma of every ECB line
        if code not in ALL_CURRENCIES:
            problems.append(Problem(raw.name, 1, name, name, "is not an ISO 4217 currency code"))
            continue
        columns.append((idx, code))
    out: list[RateRow] = []
    fromiso = dt.date.fromisoformat
    for line_no, cells in enumerate(reader, start=2):
        if not cells or not cells[0].strip():
            continue
        day_text = cells[0].strip()
        try:
            day = fromiso(day_text)
        except ValueError:
            try:
                day = p.parse_date(day_text)
            except p.CellError as exc:
                problems.append(Problem(raw.name, line_no, "Date", day_text, f"date {exc}"))
                continue
        for idx, code in columns:
            if idx >= len(cells):
                continue
            value = cells[idx].strip()
            if value in MISSING:
                continue
            try:
                number = _rate(value)
            except p.CellError as exc:
                problems.append(Problem(raw.name, line_no, code, value[:40], str(exc)))
                continue
            out.append((code, day, number, line_no))
    return out, problems


def _read_xml(raw: RawFile) -> tuple[list[RateRow], list[Problem]]:
    limit = config.get("BUDGET_IMPORT_MAX_CELLS")
    if raw.data.count(b"<") > limit:
        raise UnreadableFileError(f"{raw.name}: refused, it has more than {limit:,} XML elements "
                                  "(BUDGET_IMPORT_MAX_CELLS).")
    try:
        root = ElementTree.fromstring(raw.data, forbid_dtd=True)
    except Exception as exc:  # defusedxml raises ParseError or its own DefusedXmlException
        raise UnreadableFileError(f"{raw.name}: not a readable XML file ({str(exc)[:120]}).") from None
    out: list[RateRow] = []
    problems: list[Problem] = []
    n = 0
    for day_cube in root.iter():
        if not day_cube.tag.endswith("Cube") or "time" not in day_cube.attrib:
            continue
        time_text = day_cube.attrib["time"]
        try:
            day = p.parse_date(time_text)
        except p.CellError as exc:
            problems.append(Problem(raw.name, None, "time", time_text, f"date {exc}"))
            continue
        for cube in day_cube:
            n += 1
            code = cube.attrib.get("currency", "").strip().upper()
            value = cube.attrib.get("rate", "").strip()
            if code not in ALL_CURRENCIES:
                problems.append(Problem(raw.name, None, "currency", code, "is not an ISO 4217 currency code"))
                continue
            if value in MISSING:
                continue
            try:
                number = _rate(value)
            except p.CellError as exc:
                problems.append(Problem(raw.name, None, code, value[:40], f"rate of {day}: {exc}"))
                continue
            out.append((code, day, number, n))
    if not out and not problems:
        raise UnreadableFileError(f"{raw.name}: the XML holds no ECB <Cube time=...> rates.")
    return out, problems
