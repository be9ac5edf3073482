"""Tables of amounts: the grid that shows them, their totals row, the Excel download.

Moved out of :mod:`dashboards.common` (which re-exports every public name, so the pages
keep calling ``c.money_table``). The language and the number style come from
:mod:`dashboards.common` at call time (imported there, not here, to keep one import
direction: common imports this module).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from budget.money import ZERO, fmt, ratio
from dashboards.formats import DASH, PCT_GRID_FORMAT, date_text, grid_date_format, pct_text, pct_value

T = TypeVar("T")
#: Characters that make a spreadsheet cell a formula (CSV/Excel injection, OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _style() -> str:
    from dashboards import common

    return common.amount_style()


def _t(key: str) -> str:
    from dashboards import common

    return common.t(key)


def _lang() -> str:
    from dashboards import common

    return common.lang()


# The formatters below run once per cell: they are given the style and language, read
# once per table (reading them from the session state per cell cost ~0.1 s a rerun).
def _amount_formatter(value: Any, style: str, decimals: int = 2) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return DASH
    if isinstance(value, Decimal):
        return fmt(value, style, decimals)
    return str(value)


def _pct_formatter(value: Any, style: str) -> str:
    if isinstance(value, str) or value is None or pd.isna(value):
        return DASH
    return pct_text(value, style)


def _empty(value: Any) -> bool:
    return value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value))


def _date_formatter(value: Any, language: str) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return DASH
    return date_text(value, language) if isinstance(value, dt.date) else str(value)


def frame(items: Iterable[T], columns: Mapping[str, Callable[[T], Any]]) -> pd.DataFrame:
    """A frame with one column per ``label: getter`` of ``columns``, built column-wise.

    No Streamlit call and no translation inside (give it translated labels), so a download
    can build the full frame later, on click. Amounts stay Decimal (an object column that
    Streamlit sends as an exact Arrow decimal128).
    """
    rows = items if isinstance(items, list | tuple) else list(items)
    return pd.DataFrame({label: [get(x) for x in rows] for label, get in columns.items()},
                        columns=list(columns))


#: What is worked out from a frame shown (its Arrow table, its column formats, its frozen
#: copy for a download), by ``id`` of a frame still alive (see :func:`_per_frame`).
_PER_FRAME: dict[int, tuple[Any, dict[Any, Any]]] = {}


def _forget_frame(key: int, values: dict[Any, Any]) -> None:
    if _PER_FRAME.get(key, (None, None))[1] is values:
        del _PER_FRAME[key]


def _per_frame(df: pd.DataFrame, what: Any, make: Callable[[], T]) -> T:
    """``make()`` once per frame and ``what``, while the frame lives.

    The frames the pages keep in :func:`derived` live across reruns, so what is made of
    them is made once; a frame built afresh on each run gets fresh values, as before.
    Entries go when their frame is collected (the frame's own ``id`` is the key, checked
    through a weak reference). A frame must not be changed after it has been shown (the
    pages never do).
    """
    key = id(df)
    hit = _PER_FRAME.get(key)
    if hit is None or hit[0]() is not df:
        hit = (weakref.ref(df), {})
        _PER_FRAME[key] = hit
        weakref.finalize(df, _forget_frame, key, hit[1])
    values = hit[1]
    if what not in values:
        values[what] = make()
    return values[what]  # type: ignore[no-any-return]


def _unique_columns(df: pd.DataFrame) -> None:
    """Refuse a frame with two equal column names (a catalogue with two equal headers)."""
    if df.columns.duplicated().any():
        raise ValueError(f"duplicate column names: {list(df.columns[df.columns.duplicated()])}")


def _arrow_of(df: pd.DataFrame) -> Any:
    """``df`` as an Arrow table (pyarrow's own conversion), made once per frame.

    ``st.dataframe`` converts a pandas frame to Arrow on every rerun (the Decimal columns
    value by value); given the table, it only serialises it (see :func:`_per_frame`). A
    frame pyarrow refuses goes as it is: Streamlit then fixes its column types itself.
    """
    import pyarrow as pa

    def make() -> Any:
        _unique_columns(df)
        try:
            return pa.Table.from_pandas(df)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            return df

    return _per_frame(df, "arrow", make)


def _set_fields(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` without its unset (None) fields, at every level.

    Streamlit drops them before it sends a column config to the browser, so the browser
    gets the same JSON; but it deep-copies the whole config of every column on every run
    first, and a ``NumberColumn`` has eight unset fields for one format.
    """
    return {k: _set_fields(v) if isinstance(v, dict) else v
            for k, v in config.items() if v is not None}


def _number_formats(amount_cols: Sequence[str], pct_cols: Sequence[str],
                    numbers: Mapping[str, int] | None = None) -> dict[str, Any]:
    """The grid's number formats of the amount, percentage and other number columns."""
    config: dict[str, Any] = {}
    for col, decimals in (numbers or {}).items():
        config[col] = _set_fields(st.column_config.NumberColumn(col, format=f"%,.{decimals}f"))
    for col in amount_cols:
        config[col] = _set_fields(st.column_config.NumberColumn(col, format="%,.2f"))
    for col in pct_cols:
        config.setdefault(col, _set_fields(st.column_config.NumberColumn(col, format=PCT_GRID_FORMAT)))
    return config


def _right_aligned(cols: Sequence[str]) -> dict[str, Any]:
    """Text columns of ``cols`` aligned right (numbers written as text, with a dash in a gap)."""
    return {col: _set_fields(st.column_config.TextColumn(col, alignment="right")) for col in cols}


def _date_columns(df: pd.DataFrame) -> list[str]:
    """The columns holding dates (their first non-empty value is one)."""
    return [col for col in df.columns if _is_date_column(df[col])]


def _has_gaps(df: pd.DataFrame, cols: Sequence[str]) -> bool:
    """True when one of ``cols`` has an empty cell (the grid would write ``None``)."""
    return any(df[col].isna().any() for col in cols)


def _text_config(names: Sequence[str], keys: Sequence[str], name_width: int = 0) -> dict[str, Any]:
    """Key columns pinned at the left; long names narrow, their full text on hover."""
    from dashboards import common

    config: dict[str, Any] = {}
    for col in keys:
        config[col] = _set_fields(st.column_config.TextColumn(col, pinned=True))
    for col in names:
        config[col] = _set_fields(st.column_config.TextColumn(col, width=name_width or NAME_WIDTH,
                                                              help=common.t("common.name_hover")))
    return config


#: A table of up to this many rows is shown whole (no scroll hides its totals row).
FULL_ROWS = 25
ROW_PIXELS = 35
#: Pixels of a column of names: a long name is cut, its full text shows on hover.
NAME_WIDTH = 180


def money_table(
    df: pd.DataFrame,
    amount_cols: Sequence[str] = (),
    pct_cols: Sequence[str] = (),
    *,
    key: str | None = None,
    height: int | None = None,
    column_config: dict[str, Any] | None = None,
    on_select: str = "ignore",
    names: Sequence[str] = (),
    keys: Sequence[str] = (),
    name_width: int = 0,
    numbers: Mapping[str, int] | None = None,
) -> Any:
    """Show ``df`` with right-aligned, thousand-separated amounts (exact Decimals kept).

    Amounts and percentages in the chosen style, dates as the language writes them, an
    empty value as ``–``; ``keys`` are pinned at the left, ``names`` are narrow columns of
    long names whose full text shows on hover; ``numbers``: other Decimal columns (a median
    of days) with their decimals, written in the style too.
    """
    numbers = {c: d for c, d in (numbers or {}).items() if c in df.columns}
    amount_cols = [c for c in amount_cols if c in df.columns]
    pct_cols = [c for c in pct_cols if c in df.columns]
    dates = _per_frame(df, "dates", lambda: _date_columns(df))
    text_config = _text_config([c for c in names if c in df.columns], [c for c in keys if c in df.columns],
                               name_width)
    config: dict[str, Any] = {**text_config, **(column_config or {})}
    style, language = _style(), _lang()
    formatters = _formatters(amount_cols, pct_cols, dates, style, language, numbers)
    # The display text of the columns with empty cells, made once per frame: the grid
    # writes an empty cell as "None", so such a column travels as text with a dash.
    shape = (tuple(amount_cols), tuple(pct_cols), tuple(sorted(numbers.items())))
    gapped = _per_frame(df, ("gapped", style, language, *shape),
                        lambda: _gaps_as_text(df, formatters))
    shown, texts, complete = gapped
    # A number column that travels as text (it has a gap) stays right-aligned, as numbers are.
    config = {**_per_frame(df, ("aligned", *shape), lambda: _right_aligned(
        [c for c in (*amount_cols, *pct_cols, *numbers) if c in texts])), **config}
    data: Any
    if style == "en" and complete:
        data = _arrow_of(shown)  # checks the column names once per frame
        # The grid formats numbers itself ("%,.2f" → 1,234,567.89): cheap, and the values
        # stay exact Decimals (Arrow decimal128), numeric, right-aligned, sorted by value.
        # (Made once per frame and columns; st.dataframe copies what it is given.)
        formats = _per_frame(df, ("formats", *shape),
                             lambda: _number_formats([c for c in amount_cols if c not in texts],
                                                     [c for c in pct_cols if c not in texts],
                                                     {c: d for c, d in numbers.items() if c not in texts}))
        config = {**formats, **config}
        for col in dates:
            if col not in texts:
                config.setdefault(col, _set_fields(st.column_config.DateColumn(col, format=grid_date_format(language))))
    else:
        # The grid has no Belgian number format: the display values come from a Styler
        # (the underlying values stay Decimals, so sorting is still numeric).
        data = _styled(shown, texts, amount_cols, formatters)
    kwargs: dict[str, Any] = {"hide_index": True, "width": "stretch"}
    if height is None and len(df) <= FULL_ROWS:
        height = ROW_PIXELS * (len(df) + 1) + 3  # every row in sight: the totals row too
    if height:
        kwargs["height"] = height
    if key:
        kwargs["key"] = key
    if config:
        kwargs["column_config"] = config
    if on_select != "ignore":
        kwargs["on_select"] = on_select
        kwargs["selection_mode"] = "single-row"
    return st.dataframe(data, **kwargs)



def _formatters(amount_cols: Sequence[str], pct_cols: Sequence[str], dates: Sequence[str],
                style: str, language: str, numbers: Mapping[str, int] | None = None,
                ) -> dict[str, Callable[[Any], str]]:
    """The display text of each amount, percentage, number and date column's values."""
    amount = functools.partial(_amount_formatter, style=style)
    pct = functools.partial(_pct_formatter, style=style)
    date = functools.partial(_date_formatter, language=language)
    number = {c: functools.partial(_amount_formatter, style=style, decimals=d) for c, d in (numbers or {}).items()}
    return {**{c: amount for c in amount_cols}, **{c: pct for c in pct_cols}, **number, **{c: date for c in dates}}


def _gaps_as_text(df: pd.DataFrame, formatters: Mapping[str, Callable[[Any], str]],
                  ) -> tuple[pd.DataFrame, frozenset[str], bool]:
    """``df`` with each formatted or text column that has an empty cell as its display text,
    a dash in the gaps; the names of those columns; and whether every column with gaps is
    among them (a column of other values with gaps needs a Styler to show a dash).

    Given numbers and text mixed, Streamlit would fail to convert the column and retry on
    every rerun: the text is made here, once.
    """
    _unique_columns(df)
    shown, texts, complete = df, set(), True
    for col in df.columns:
        if not df[col].isna().any():
            continue
        show = formatters.get(col)
        if show is None and not all(isinstance(v, str) for v in df[col] if not _empty(v)):
            complete = False
            continue
        if shown is df:
            shown = df.copy()
        shown[col] = [DASH if _empty(v) else (show(v) if show else v) for v in df[col]]
        texts.add(col)
    return shown, frozenset(texts), complete


def _styled(shown: pd.DataFrame, texts: frozenset[str], amount_cols: Sequence[str],
            formatters: Mapping[str, Callable[[Any], str]]) -> Any:
    """A Styler showing the values as the chosen style writes them, a dash for a gap."""
    shown = shown.copy()
    for col in amount_cols:
        if col not in texts:
            shown[col] = shown[col].astype(object)
    return shown.style.format(na_rep=DASH).format({c: f for c, f in formatters.items() if c not in texts})


def with_totals(
    df: pd.DataFrame,
    amount_cols: Sequence[str],
    ratios: Mapping[str, tuple[str, str]] | None = None,
    *,
    label: str | None = None,
    given: Mapping[str, Decimal] | None = None,
    counts: Sequence[str] = (),
) -> pd.DataFrame:
    """``df`` with a last row adding up its amount columns to the cent (Decimal sums).

    The first text column says ``Total``; other text columns stay empty; a percentage column of
    ``ratios`` (``{pct: (numerator, denominator)}``) is worked out from the totals (``–``
    when the denominator is nil). ``given`` totals replace the sums (a list shown in part
    totals its whole list: the label should say so); ``counts`` are whole-number columns that
    add up too. Nothing is added to an empty frame.
    """
    if df.empty:
        return df
    if label is None:
        from dashboards import common

        label = common.t("common.total")
    row: dict[str, Any] = {col: None for col in df.columns}
    for col in df.columns:
        if col in amount_cols:
            row[col] = sum((v for v in df[col] if isinstance(v, Decimal)), ZERO)
        elif not (pd.api.types.is_numeric_dtype(df[col]) or _is_date_column(df[col])
                  or decimal_column(df[col])):
            row[col] = ""
    row.update(given or {})
    for pct, (num, den) in (ratios or {}).items():
        row[pct] = pct_value(ratio(row[num], row[den])) if row.get(den) else None
    # The label goes in the first column of text (a table may open with a date or a year).
    texts = [col for col in df.columns if row[col] == ""]
    first = texts[0] if texts else df.columns[0]
    row[first] = label
    data = df if texts else df.assign(**{first: df[first].astype(str)})
    out = pd.concat([data, pd.DataFrame([row], columns=df.columns).astype(object)], ignore_index=True)
    for col in df.columns:
        if col == first or not pd.api.types.is_integer_dtype(df[col]):
            continue
        if col in counts:  # a count adds up
            out.loc[len(df), col] = int(df[col].sum())
            out[col] = out[col].astype("int64")
        else:  # a year or a number: no total, written as text (the grid shows "None" for a gap)
            out[col] = [*(str(v) for v in df[col]), ""]
    return out


def _is_date_column(series: pd.Series) -> bool:
    first = next((v for v in series if v is not None and not (isinstance(v, float) and pd.isna(v))), None)
    return isinstance(first, dt.date)


def _neutralise(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def to_excel_bytes(
    df: pd.DataFrame, amount_cols: Sequence[str] | None = None, sheet: str = "Data"
) -> bytes:
    """``df`` as an .xlsx workbook: real numbers with formats, formula-like text neutralised."""
    import xlsxwriter

    if amount_cols is None:
        amount_cols = [c for c in df.columns if decimal_column(df[c])]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False})
    ws = book.add_worksheet(sheet[:31])
    head = book.add_format({"bold": True, "bg_color": "#DDE6F0", "border": 1})
    money_fmt = book.add_format({"num_format": "#,##0.00"})
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    int_fmt = book.add_format({"num_format": "0"})
    for j, col in enumerate(df.columns):
        ws.write_string(0, j, str(col), head)
        width = max(10, min(50, len(str(col)) + 2))
        ws.set_column(j, j, width)
    for i, row in enumerate(df.itertuples(index=False), start=1):
        for j, value in enumerate(row):
            col = df.columns[j]
            if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
                ws.write_blank(i, j, None)
            elif isinstance(value, Decimal):
                # Excel holds doubles; the cent-exact value converts without loss at 2 dp.
                ws.write_number(i, j, float(value), money_fmt if col in amount_cols else None)
            elif isinstance(value, bool):
                ws.write_boolean(i, j, value)
            elif isinstance(value, int):
                ws.write_number(i, j, value, int_fmt)
            elif isinstance(value, float):
                ws.write_number(i, j, value)
            elif isinstance(value, dt.datetime):
                ws.write_datetime(i, j, value, date_fmt)
            elif isinstance(value, dt.date):
                ws.write_datetime(i, j, dt.datetime.combine(value, dt.time()), date_fmt)
            else:
                ws.write_string(i, j, _neutralise(str(value)))
    ws.freeze_panes(1, 0)
    if len(df.columns):
        ws.autofilter(0, 0, max(len(df), 1), len(df.columns) - 1)
    book.close()
    return buffer.getvalue()


def decimal_column(series: pd.Series) -> bool:
    """True when the column holds Decimal amounts (its first non-empty value is one)."""
    for value in series:
        if value is not None and not (isinstance(value, float) and pd.isna(value)):
            return isinstance(value, Decimal)
    return False


def excel_download(
    df: pd.DataFrame | Callable[[], pd.DataFrame],
    name: str,
    amount_cols: Sequence[str] | None = None,
    *,
    label: str | None = None,
    key: str | None = None,
) -> None:
    """A download button for ``df`` (or the frame a callable builds) as ``name.xlsx``.

    With a callable, the frame is built only when the button is clicked: pass one for long
    lists, so that a rerun does not build a frame of thousands of rows for nothing. The
    callable runs outside the page's script: it must not call Streamlit (use :func:`frame`
    with labels translated beforehand).
    """
    if callable(df):
        build = df
    else:
        # A shallow copy, once per frame (see _per_frame): the pages never change a frame
        # in place.
        frozen = _per_frame(df, "frozen", lambda: df.copy(deep=False))

        def build() -> pd.DataFrame:
            return frozen

    cols = list(amount_cols) if amount_cols is not None else None
    st.download_button(
        label or _t("common.download_excel"),
        # Built only when clicked (a callable), so a rerun of the page does not pay for it.
        data=lambda: to_excel_bytes(build(), cols),
        on_click="ignore",
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=key or f"xlsx-{name}",
        icon=":material/download:",
    )



def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """``df`` as CSV (UTF-8 with a BOM, which Excel needs to read accents), amounts exact,
    text cells starting like a formula neutralised as in the Excel download."""
    def cell(value: Any) -> Any:
        if _empty(value):
            return ""
        if isinstance(value, dt.datetime):
            return value.isoformat(sep=" ", timespec="seconds")
        if isinstance(value, str):
            return _neutralise(value)
        return value

    safe = pd.DataFrame({col: [cell(v) for v in df[col]] for col in df.columns}, columns=df.columns)
    return safe.to_csv(index=False).encode("utf-8-sig")


def csv_download(
    df: Callable[[], pd.DataFrame], name: str, *, label: str | None = None, key: str | None = None,
) -> None:
    """A download button for the frame ``df()`` builds (on click) as ``name.csv``; the same
    rules as :func:`excel_download` for the callable."""
    st.download_button(
        label or _t("common.download_csv"),
        data=lambda: to_csv_bytes(df()),
        on_click="ignore",
        file_name=f"{name}.csv",
        mime="text/csv",
        key=key or f"csv-{name}",
        icon=":material/download:",
    )
