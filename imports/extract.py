"""From sheets to typed rows: find the header, map the columns, parse every cell.

``extract`` never raises on bad cells: each one becomes a :class:`Problem` with the sheet,
the row number as Excel shows it, the column header as written, the value and the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from imports import parsing as p
from imports.reader import Sheet
from imports.specs import PARSERS, SPECS, KindSpec

HEADER_SCAN_ROWS = 30
#: First letters of the total labels ("Total", "Grand total", "Sous-total", "Eindtotaal", "Somme").
_TOTAL_INITIALS = frozenset("TtGgSsEe")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file, located as the user sees it in Excel."""

    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column,
                "value": self.value, "message": self.message}

    def __str__(self) -> str:
        where = ", ".join(
            x for x in (
                f"sheet {self.sheet}" if self.sheet else "",
                f"row {self.row}" if self.row else "",
                f"column {self.column}" if self.column else "",
            ) if x
        )
        value = f" value {self.value!r}:" if self.value not in (None, "") else ""
        return f"{where}:{value} {self.message}" if where else f"{value} {self.message}".strip()


@dataclass(slots=True)
class Row:
    """One data row: typed values by canonical column name, with where it came from."""

    sheet: str
    row: int  # as Excel numbers it (1-based)
    values: dict[str, Any]
    raw: dict[str, Any]
    headers: dict[str, str]  # canonical name -> header as written in the file

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)


@dataclass
class Header:
    """Where a kind's header sits in a sheet and which columns it maps."""

    sheet: Sheet
    row_index: int  # 0-based
    columns: dict[str, int]  # canonical name -> 0-based column index
    written: dict[str, str]  # canonical name -> header text as written
    score: int
    missing: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing


def _match_row(cells: list[Any], spec: KindSpec) -> tuple[dict[str, int], dict[str, str]]:
    lookup: dict[str, list[str]] = {}
    for col in spec.columns:
        for key in col.keys:
            lookup.setdefault(key, []).append(col.name)
    found: dict[str, int] = {}
    written: dict[str, str] = {}
    for idx, cell in enumerate(cells):
        if not isinstance(cell, str) or not cell.strip():
            continue
        key = p.normalise_header(cell)
        names = lookup.get(key, [])
        if len(names) > 1:
            # The canonical name wins ("amount" is the currency amount, "montant" the EUR one).
            exact = [n for n in names if p.normalise_header(n) == key]
            names = exact or names[:1]
        for name in names[:1]:
            if name not in found:
                found[name] = idx
                written[name] = cell.strip()
    return found, written


def _missing(spec: KindSpec, found: dict[str, int]) -> list[str]:
    missing = [c for c in spec.required if c not in found]
    for group in spec.one_of:
        if not any(g in found for g in group):
            missing.append(" or ".join(group))
    return missing


def find_header(sheet: Sheet, spec: KindSpec) -> Header | None:
    """The best header row for ``spec`` in the first 30 rows of ``sheet`` (None: no match)."""
    best: Header | None = None
    for i, cells in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        found, written = _match_row(cells, spec)
        if len(found) < 2:
            continue
        missing = _missing(spec, found)
        score = len(found) - 10 * len(missing)
        if best is None or score > best.score:
            best = Header(sheet, i, found, written, score, missing)
    return best


def identify(sheets: list[Sheet], kinds: list[str] | None = None) -> tuple[str, Header] | None:
    """Which kind (and which sheet) the columns say the file holds (None: not recognised)."""
    candidates: list[tuple[int, int, str, Header]] = []
    for kind in kinds or list(SPECS):
        spec = SPECS[kind]
        for order, sheet in enumerate(sheets):
            header = find_header(sheet, spec)
            if header is not None and header.complete:
                # More matched columns wins; then the share of the kind's columns matched,
                # then the first sheet.
                share = int(1000 * len(header.columns) / len(spec.columns))
                candidates.append((len(header.columns), share - order, kind, header))
    if not candidates:
        return None
    candidates.sort(key=lambda c: (c[0], c[1]), reverse=True)
    _, _, kind, header = candidates[0]
    return kind, header


def choose_sheet(sheets: list[Sheet], spec: KindSpec) -> tuple[Header | None, list[Problem]]:
    """The sheet whose columns fit ``spec`` best, or the problems saying what is missing."""
    best: Header | None = None
    for sheet in sheets:
        header = find_header(sheet, spec)
        if header is None:
            continue
        if best is None or header.score > best.score:
            best = header
    if best is None:
        names = ", ".join(s.name for s in sheets)
        wanted = ", ".join(spec.required + [" or ".join(g) for g in spec.one_of])
        return None, [Problem(None, None, None, None,
                              f"No header row with the {spec.kind} columns ({wanted}) in the "
                              f"first {HEADER_SCAN_ROWS} rows of sheet(s) {names}.")]
    if best.missing:
        return None, [Problem(best.sheet.name, best.row_index + 1, m, None,
                              f"Required column {m!r} is missing from the header row "
                              f"(accepted headers: {_examples(spec, m)}).")
                      for m in best.missing]
    return best, []


def _examples(spec: KindSpec, name: str) -> str:
    names = [n for n in name.split(" or ")]
    out = []
    for n in names:
        col = spec.column(n)
        out.extend([col.name, *col.synonyms[:4]])
    return ", ".join(dict.fromkeys(out))


def extract(
    header: Header,
    spec: KindSpec,
    decimal_mark: p.DecimalMark = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[Row], list[Problem]]:
    """Parse the data rows under ``header``: blank, title and total rows are skipped."""
    rows: list[Row] = []
    problems: list[Problem] = []
    sheet = header.sheet
    name = sheet.name
    cols = [(spec.column(n), idx) for n, idx in header.columns.items()]
    # One memo per parser: the same date, code or currency text repeats thousands of times
    # in a big file (and "amount" and "amount_eur" often hold the same figure), so each
    # distinct value is parsed once. Values of other types than str are keyed with their
    # type: 1, 1.0 and True are equal keys but do not parse alike.
    memos: dict[str, dict[Any, Any]] = {}
    plan = []
    for col, _idx in cols:
        if col.parser == "amount":
            def fn(v: Any, _mark: p.DecimalMark = decimal_mark) -> Any:
                return p.parse_amount(v, _mark)
        else:
            fn = PARSERS[col.parser]
        plan.append((col.name, fn, memos.setdefault(col.parser, {}), col.required, header.written[col.name]))
    idxs = [idx for _, idx in cols]
    names = [col.name for col, _ in cols]
    # A header repeated under the data repeats its first cell as written.
    first_header = header.written[cols[0][0].name].strip().lower() if cols else ""
    not_total: set[str] = set()  # text cells already known not to be a total label
    for i in range(header.row_index + 1, len(sheet.rows)):
        cells = sheet.rows[i]
        if progress is not None and i % 5000 == 0:
            progress(i)
        if _has_total_label(cells, not_total):
            continue
        n = len(cells)
        mapped = [cells[idx] if idx < n else None for idx in idxs]
        first = mapped[0]
        if (first.__class__ is str and first.strip().lower() == first_header
                and _repeated_header(list(zip([c for c, _ in cols], mapped, strict=True)))):
            continue
        values: dict[str, Any] = {}
        raw = dict(zip(names, mapped, strict=True))
        row_problems: list[Problem] = []
        filled = False
        for (cname, fn, memo, required, written), value in zip(plan, mapped, strict=True):
            # Inline emptiness test (None, blank text, NaN): this runs for every cell.
            if value is None or (value.__class__ is str and (not value or value.isspace())) or (
                    value.__class__ is float and value != value):
                if required:
                    row_problems.append(Problem(name, i + 1, written, "", f"{cname} is empty"))
                continue
            filled = True
            key = value if value.__class__ is str else (value.__class__, value)
            parsed = memo.get(key, _MISSING)
            if parsed is _MISSING:
                try:
                    parsed = fn(value)
                except p.CellError as exc:
                    parsed = exc
                memo[key] = parsed
            if isinstance(parsed, p.CellError):
                row_problems.append(Problem(name, i + 1, written, p.display(value), f"{cname} {parsed}"))
            else:
                values[cname] = parsed
        if not filled:
            continue  # a blank row (in the mapped columns)
        problems.extend(row_problems)
        rows.append(Row(name, i + 1, values, raw, header.written))
    return rows, problems


_MISSING = object()


def _has_total_label(cells: list[Any], not_total: set[str]) -> bool:
    """True when one of the first 8 cells is a total label ("Total", "Sous-total"...)."""
    for c in cells[:8]:
        if c.__class__ is str and c[:1] in _TOTAL_INITIALS and c not in not_total:
            if p.is_total_label(c):
                return True
            not_total.add(c)
    return False


def _repeated_header(mapped: list[tuple[Any, Any]]) -> bool:
    """A header row repeated under the data (printed reports repeat it on each page)."""
    texts = [(col, v) for col, v in mapped if isinstance(v, str)]
    need = max(2, len(mapped) - 1)
    if len(texts) < need:
        return False
    hits = sum(1 for col, v in texts if p.normalise_header(v) in col.keys)
    return hits >= need


def totals(rows: list[Row], amount: str, currency: str | None, default: str = "EUR") -> dict[str, Decimal]:
    """Sum of the amount column per currency, over the rows that parsed."""
    out: dict[str, Decimal] = {}
    for r in rows:
        value = r.values.get(amount)
        if value is None:
            continue
        cur = r.values.get(currency, default) if currency else default
        out[cur] = out.get(cur, Decimal(0)) + value
    return dict(sorted(out.items()))
