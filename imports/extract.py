"""From sheets to typed rows: find the header, map the columns, parse every cell.

``extract`` never raises on bad cells: each one becomes a :class:`Problem` with the sheet,
the row number as Excel shows it, the column header as written, the value and the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import filterfalse
from operator import itemgetter
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
    #: canonical name -> (0-based column, header as written) of the other cells naming it
    duplicates: dict[str, list[tuple[int, str]]] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.missing


def _match_row(cells: list[Any], spec: KindSpec,
               duplicates: dict[str, list[tuple[int, str]]] | None = None) -> tuple[dict[str, int], dict[str, str]]:
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
            elif duplicates is not None:
                duplicates.setdefault(name, []).append((idx, cell.strip()))
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
        duplicates: dict[str, list[tuple[int, str]]] = {}
        found, written = _match_row(cells, spec, duplicates)
        if len(found) < 2:
            continue
        missing = _missing(spec, found)
        score = len(found) - 10 * len(missing)
        if best is None or score > best.score:
            best = Header(sheet, i, found, written, score, missing, duplicates)
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
    clashes = duplicated_columns(best)
    return (None, clashes) if clashes else (best, [])


def duplicated_columns(header: Header) -> list[Problem]:
    """A column named twice in the header row is a problem unless both hold the same cells.

    Reading the first one and ignoring the other would load one of two different amounts
    without a word; identical copies (a column pasted twice) are harmless.
    """
    problems = []
    data = header.sheet.rows[header.row_index + 1:]
    for name, others in header.duplicates.items():
        first = header.columns[name]
        for idx, written in others:
            differ = next((i for i, r in enumerate(data)
                           if _cell(r, first) != _cell(r, idx)), None)
            if differ is None:
                continue
            problems.append(Problem(
                header.sheet.name, header.row_index + 1, written, None,
                f"the {name} column appears twice in the header row (columns {column_letter(first)} "
                f"{header.written[name]!r} and {column_letter(idx)} {written!r}) with different values "
                f"(first at row {header.row_index + 2 + differ}); remove or rename one of them"))
    return problems


def _cell(row: list[Any], idx: int) -> Any:
    value = row[idx] if idx < len(row) else None
    return None if p.is_blank(value) else value


def column_letter(idx: int) -> str:
    """The Excel letters of a 0-based column index (0 -> A, 26 -> AA)."""
    out, n = "", idx + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _examples(spec: KindSpec, name: str) -> str:
    names = [n for n in name.split(" or ")]
    out = []
    for n in names:
        col = spec.column(n)
        out.extend([col.name, *col.synonyms[:4]])
    return ", ".join(dict.fromkeys(out))


@dataclass
class Columns:
    """The data rows under a header, column by column: what a big file is parsed into.

    A 100,000-row file is 100,000 small dicts as :class:`Row` objects; as columns it is a
    few lists, each parsed in one pass (every distinct value once). Position ``i`` of every
    list is the data row ``rows[i]`` (its number as Excel shows it).
    """

    sheet: str
    headers: dict[str, str]  # canonical name -> header as written in the file
    rows: list[int]  # Excel row number of each data row
    values: dict[str, list[Any]]  # canonical name -> parsed value (None: empty or bad cell)
    raw: dict[str, list[Any]]  # canonical name -> the cell as read
    bad: set[int] = field(default_factory=set)  # positions with a cell problem
    #: columns holding at least one None (an empty or bad cell): the others are complete
    incomplete: set[str] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.rows)

    def row(self, i: int) -> Row:
        """Data row ``i`` as a :class:`Row` (values: only the cells that parsed)."""
        values = {n: col[i] for n, col in self.values.items() if col[i] is not None}
        raw = {n: col[i] for n, col in self.raw.items()}
        return Row(self.sheet, self.rows[i], values, raw, self.headers)

    def to_rows(self) -> list[Row]:
        """Every data row as a :class:`Row`."""
        return [self.row(i) for i in range(len(self.rows))]


def extract(
    header: Header,
    spec: KindSpec,
    decimal_mark: p.DecimalMark = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[Row], list[Problem]]:
    """Parse the data rows under ``header``: blank, title and total rows are skipped."""
    columns, problems = extract_columns(header, spec, decimal_mark, progress)
    return columns.to_rows(), problems


#: Types whose equal values parse differently (1, 1.0 and True are equal dict keys).
_NUMERIC = frozenset({int, float, bool, Decimal})
_EMPTY = object()


def extract_columns(
    header: Header,
    spec: KindSpec,
    decimal_mark: p.DecimalMark = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[Columns, list[Problem]]:
    """Parse the data rows under ``header`` column by column (see :class:`Columns`).

    The same rules as row by row: total rows (a total label in one of the first 8 cells),
    a header repeated under the data and blank rows (in the mapped columns) are skipped;
    each bad cell is one problem (sheet, Excel row, column as written, value, reason), an
    empty required cell too. Each distinct value of a column is parsed once (dates, codes
    and currencies repeat thousands of times; "amount" and "amount_eur" often hold the same
    figures and share one memo), and the results are mapped back onto the column.
    """
    data = header.sheet.rows[header.row_index + 1 :]
    first_number = header.row_index + 2  # Excel number of data[0]
    cols = [(spec.column(n), idx) for n, idx in header.columns.items()]
    cells = _SheetColumns(data)
    skip = _total_rows(cells)
    _repeated_header_rows(header, cols, cells, skip)
    parsed = _parse_columns(header, cols, cells, decimal_mark, progress)
    total = len(data)
    skip.update(_blank_rows(parsed, total))
    keep = None if not skip else [i for i in range(total) if i not in skip]
    rows = (list(range(first_number, first_number + total)) if keep is None
            else [first_number + i for i in keep])
    return _mapped_back(header, cols, cells, parsed, keep, rows, decimal_mark)


class _SheetColumns:
    """The data rows' columns, each read (and its distinct values and texts gathered) once."""

    def __init__(self, data: list[list[Any]]) -> None:
        self.data = data
        self.shortest = min(map(len, data), default=0)
        self.width = max(map(len, data), default=0)
        self.cells: dict[int, list[Any]] = {}
        self.distinct: dict[int, set[Any]] = {}
        self.joins: dict[int, tuple[str, bool]] = {}

    def column(self, j: int) -> list[Any]:
        if j not in self.cells:
            if j < self.shortest:
                self.cells[j] = list(map(itemgetter(j), self.data))
            else:  # ragged rows (CSV): a missing cell is an empty one
                self.cells[j] = [r[j] if j < len(r) else None for r in self.data]
        return self.cells[j]

    def uniq(self, j: int) -> set[Any]:
        if j not in self.distinct:
            self.distinct[j] = set(self.column(j))
        return self.distinct[j]

    def joined(self, j: int) -> tuple[str, bool]:
        """The distinct texts of column ``j`` joined by NUL, and whether all its cells are texts."""
        if j not in self.joins:
            uniq = self.uniq(j)
            types = set(map(type, uniq))
            if types == {str}:
                self.joins[j] = "\x00".join(uniq), True
            else:
                self.joins[j] = "\x00".join([v for v in uniq if v.__class__ is str] if str in types else []), False
        return self.joins[j]


def _total_rows(cells: _SheetColumns) -> set[int]:
    """Total rows: "Total", "Grand total", "Sous-total"... in one of the first 8 cells."""
    skip: set[int] = set()
    for j in range(min(8, cells.width)):
        low = cells.joined(j)[0].lower()
        if "tot" in low or "som" in low:
            labels = {v for v in cells.uniq(j) if v.__class__ is str and v[:1] in _TOTAL_INITIALS
                      and p.is_total_label(v)}
            if labels:
                skip.update(i for i, v in enumerate(cells.column(j)) if v.__class__ is str and v in labels)
    return skip


def _repeated_header_rows(header: Header, cols: list[tuple[Any, int]], cells: _SheetColumns,
                          skip: set[int]) -> None:
    """Add to ``skip`` the header rows repeated under the data (printed reports repeat the
    header on each page): each repeats its first cell as written."""
    if not cols:
        return
    first_header = header.written[cols[0][0].name].strip().lower()
    if first_header not in cells.joined(cols[0][1])[0].lower():
        return
    again = {v for v in cells.uniq(cols[0][1]) if v.__class__ is str and v.strip().lower() == first_header}
    for i, v in enumerate(cells.column(cols[0][1])):
        if v.__class__ is str and v in again and i not in skip and _repeated_header(
                [(col, cells.column(idx)[i]) for col, idx in cols]):
            skip.add(i)


@dataclass
class _Parsed:
    """Each mapped column's keys (its cells, or (type, value) when numbers of several types
    mix) with the memo of their parsed values, the keys that failed, and the distinct keys."""

    keyed: list[tuple[list[Any], dict[Any, Any], set[Any], set[Any]]]
    verbatim: set[int]  # orders of the text columns whose cells are their values


def _parse_columns(header: Header, cols: list[tuple[Any, int]], cells: _SheetColumns,
                   decimal_mark: p.DecimalMark, progress: Callable[[int], None] | None) -> _Parsed:
    """Parse every distinct value of every mapped column once (over the whole column: the
    few skipped rows cost nothing), noting which ones are empty or wrong."""
    memos: dict[tuple[str, Any], tuple[dict[Any, Any], set[Any]]] = {}
    parsed = _Parsed([], set())
    total = len(cells.data)
    for order, (col, idx) in enumerate(cols):
        column = cells.column(idx)
        if col.parser == "text" and cells.joined(idx)[1] and _kept_as_is(cells.uniq(idx), cells.joined(idx)[0]):
            # Every cell is a trimmed, single-spaced, non-empty text: parse_text would
            # return each one as it is (a column of 100,000 references is one such).
            parsed.verbatim.add(order)
            parsed.keyed.append((column, {}, set(), set()))
            continue
        types = set(map(type, column))  # of the cells, not the distinct ones: 1 == 1.0 == True
        numeric = _NUMERIC.intersection(types)
        # Equal numbers of different types (1, 1.0, True) parse differently: a column that
        # mixes them is keyed by (type, value); otherwise the values themselves are the keys.
        mixed = len(numeric) > 1
        keys = [(v.__class__, v) if v.__class__ in _NUMERIC else v for v in column] if mixed else column
        memo, failed = memos.setdefault((col.parser, "mixed" if mixed else next(iter(numeric), None)), ({}, set()))
        keyset = set(keys) if mixed else cells.uniq(idx)
        fresh = list(filterfalse(memo.__contains__, keyset)) if memo else list(keyset)
        _parse_into(memo, failed, fresh, col.parser, decimal_mark, mixed, types == {float})
        parsed.keyed.append((keys, memo, failed, keyset))
        if progress is not None:
            progress(header.row_index + 1 + total * (order + 1) // len(cols))
    return parsed


def _blank_rows(parsed: _Parsed, total: int) -> set[int]:
    """Blank rows (in the mapped columns): only possible when every mapped column has an
    empty cell somewhere, so a column without any settles it at once."""
    keyed = parsed.keyed
    empty_keys = [{k for k in failed if memo[k] is _EMPTY}.intersection(keyset) for _, memo, failed, keyset in keyed]
    if not keyed or not all(empty_keys):
        return set()
    blank = [True] * total
    for (keys, _, _, _), empty in zip(keyed, empty_keys, strict=True):
        blank = [b and k in empty for b, k in zip(blank, keys, strict=True)]
    return {i for i, b in enumerate(blank) if b}


@dataclass
class _Found:
    """The cell problems met while mapping back: (position, column order, problem)."""

    problems: list[tuple[int, int, Problem]] = field(default_factory=list)
    bad: set[int] = field(default_factory=set)  # positions with a cell problem
    incomplete: set[str] = field(default_factory=set)  # columns holding a None


def _mapped_back(header: Header, cols: list[tuple[Any, int]], cells: _SheetColumns, parsed: _Parsed,
                 keep: list[int] | None, rows: list[int], decimal_mark: p.DecimalMark,
                 ) -> tuple[Columns, list[Problem]]:
    """The parsed values put back onto the kept rows, and each bad cell as a problem."""
    values: dict[str, list[Any]] = {}
    raws: dict[str, list[Any]] = {}
    found = _Found()
    for order, ((col, idx), (keys, memo, failed, keyset)) in enumerate(zip(cols, parsed.keyed, strict=True)):
        column = cells.column(idx)
        if keep is not None:
            column, keys = [column[i] for i in keep], [keys[i] for i in keep]
        raws[col.name] = column
        if order in parsed.verbatim:
            values[col.name] = column
            continue
        wrong = failed.intersection(keyset)  # (a wrong value may sit only in a skipped row)
        values[col.name] = list(map(memo.__getitem__, keys))
        if col.parser == "amount" and 0.0 in cells.uniq(idx):
            _float_zeros(values[col.name], column, decimal_mark)
        if wrong:
            _bad_cells(header, col, order, (keys, memo, wrong), values[col.name], column, rows, found)
    found.problems.sort(key=lambda f: (f[0], f[1]))
    name = header.sheet.name
    return (Columns(name, header.written, rows, values, raws, found.bad, found.incomplete),
            [f[2] for f in found.problems])


def _bad_cells(header: Header, col: Any, order: int, keyed: tuple[list[Any], dict[Any, Any], set[Any]],
               out: list[Any], column: list[Any], rows: list[int], found: _Found) -> None:
    """Empty the wrong cells of one column in ``out``; each is a problem (an empty cell
    only when the column is required)."""
    keys, memo, wrong = keyed
    name, written = header.sheet.name, header.written[col.name]
    for i, key in enumerate(keys):
        if key not in wrong:
            continue
        out[i] = None
        found.incomplete.add(col.name)
        parsed = memo[key]
        if parsed is _EMPTY:
            if col.required:
                found.problems.append((i, order, Problem(name, rows[i], written, "", f"{col.name} is empty")))
                found.bad.add(i)
        else:
            found.problems.append((i, order, Problem(name, rows[i], written, p.display(column[i]),
                                                     f"{col.name} {parsed}")))
            found.bad.add(i)


def _float_zeros(values: list[Any], cells: list[Any], decimal_mark: p.DecimalMark) -> None:
    """Give each 0.0 and -0.0 number cell its own amount (Decimal('0.00') or Decimal('-0.00')).

    The two are one key of the memo (equal, same hash), but the parser keeps the sign.
    """
    for i, cell in enumerate(cells):
        if cell.__class__ is float and cell == 0.0:
            values[i] = p.parse_amount(cell, decimal_mark)


def _kept_as_is(texts: set[str], joined: str) -> bool:
    """True when :func:`imports.parsing.parse_text` returns every one of ``texts`` unchanged.

    That is: none is empty, none has spaces at either end (``str.strip``), and none holds
    the runs it collapses (two spaces, a tab, a newline, a non-breaking space), searched
    once in all of them joined.
    """
    return ("" not in texts and not any(c in joined for c in ("  ", "\n", "\t", "\u00a0"))
            and all(map(str.__eq__, texts, map(str.strip, texts))))  # (a set iterates alike twice)


def _parse_into(memo: dict[Any, Any], failed: set[Any], keys: list[Any], parser: str,
                decimal_mark: p.DecimalMark, mixed: bool, only_floats: bool = False) -> None:
    """Parse ``keys`` (distinct cell values, or (type, value) when ``mixed``) into ``memo``.

    An empty cell maps to ``_EMPTY`` and a wrong one to its :class:`CellError`; both keys
    go into ``failed``. The usual cells take a batch path giving the same results as the
    parsers: texts already trimmed and single-spaced, and floats that are whole cents.
    """
    if not mixed and parser in ("text", "code"):
        texts = [k for k in keys if k.__class__ is str]
        trimmed = [t.strip() for t in texts]
        joined = "\x00".join(trimmed)
        # parse_text returns a trimmed text as is unless it holds these (it then
        # collapses the spaces); parse_code upper-cases it.
        if texts and joined.count("\x00") == len(texts) - 1 and not any(
                c in joined for c in ("  ", "\n", "\t", "\u00a0")):
            if parser == "code":
                trimmed = joined.upper().split("\x00")
            done: dict[Any, Any] = dict(zip(texts, trimmed, strict=True))
            for text in [t for t, v in done.items() if not v]:
                done[text] = _EMPTY
                failed.add(text)
            memo.update(done)
            keys = [k for k in keys if k.__class__ is not str]
    elif not mixed and parser == "amount":
        floats = keys if only_floats else [k for k in keys if k.__class__ is float]
        if floats:
            cents = _cents_of(floats)
            memo.update(cents)
            keys = [] if len(cents) == len(keys) else [k for k in keys if k not in memo]
    parse = PARSERS[parser] if parser != "amount" else (lambda v: p.parse_amount(v, decimal_mark))
    for key in keys:
        value = key[1] if mixed and key.__class__ is tuple else key
        if value is None or (value.__class__ is str and (not value or value.isspace())) or (
                value.__class__ is float and value != value):
            memo[key] = _EMPTY
            failed.add(key)
            continue
        try:
            memo[key] = parse(value)
        except p.CellError as exc:
            memo[key] = exc
            failed.add(key)


_CENT = Decimal("0.01")


def _cents_of(floats: list[float]) -> dict[float, Decimal]:
    """The number cells that are whole cents, read as :func:`imports.parsing.parse_amount` does.

    A float that is exactly the double nearest a whole number of cents, and well below
    2**53 cents (where no two cent values share a double), is what the user typed to the
    cent: ``Decimal(repr(value))`` quantized to the cent gives that very Decimal, built
    here from the integer number of cents without formatting and parsing a string. Zero
    is left to the parser (it keeps the sign of -0.0).
    """
    return {v: Decimal(c) * _CENT for v in floats if v and -1e13 < v < 1e13
            for c in (round(v * 100),) if c / 100 == v}


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
