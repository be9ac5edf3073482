"""Helpers every dashboard page uses (the pages stay thin over the service layer).

Pages never build ORM queries: they call functions of ``budget.services`` through the
helpers below. Typical page::

    import streamlit as st
    from budget.services import views
    from dashboards import common as c

    c.page_header("overview.title")                 # title + language-aware heading
    user = c.current_user()                         # CurrentUser(username, role, directorates)
    with c.guard():                                 # BudgetError -> st.error, no traceback
        ex = c.cached(views.execution, 2026, "organisation", directorates=c.scope())
        c.money_table(df, amount_cols=["committed", "paid"])   # right-aligned, 1,234.56
        c.excel_download(df, "execution-2026")      # real numbers, number formats

Public helpers (the reports page and every other page rely on these names):

Database
    ``engine()`` / ``session_factory()``
        The engine and session factory, created once per process with
        ``st.cache_resource`` (never a session). URL: ``BUDGET_DATABASE_URL`` or
        ``var/budget.db`` (see ``budget.config``); the schema is upgraded on first use.
    ``read_uow()`` / ``write_uow()``
        A ``UnitOfWork`` for the logged-in user on channel ``dashboard``. Use
        ``write_uow()`` for every write, call ``uow.commit()``, then ``after_write()``.
    ``cached(fn, *args, **kwargs)``
        ``fn(uow, *args, **kwargs)`` for a read function of the service layer, cached on
        (database, function, arguments, ``views.data_version``). Arguments must be hashable
        (dates, strings, ints, tuples); pass ``directorates=c.scope()``.
    ``after_write()``
        Clears every cached read (call it after each committed write).

User and access
    ``current_user() -> CurrentUser``
        ``username``, ``role`` (viewer|officer|admin), ``directorates`` (tuple or None =
        all), ``demo`` (True in the demo mode). ``user.can("officer")``.
    ``scope() -> tuple[str, ...] | None``
        The directorates the user may see: pass it as ``directorates=`` to every read.
    ``require_role(role)``
        Stops the page with a message when the user's role is below ``role``.

Text and numbers
    ``t(key, **values)``
        Interface text from ``dashboards/i18n/<lang>.json`` (falls back to English, then to
        the key). ``lang()`` is the chosen language (en, fr, nl).
    ``amount_style() -> "en" | "be"`` and ``fmt_amount(amount, currency=None)``
        ``1,234,567.89`` or Belgian ``1.234.567,89``; with a currency: ``EUR 1,234.50``.
    ``fmt_pct(ratio)``
        A ratio (Decimal fraction or None) as ``87.5 %`` (``–`` when None).
    ``fmt_date(d)``
        ISO date text (``2026-03-31``), empty for None.

Tables and downloads
    ``money_table(df, amount_cols=(), pct_cols=(), key=None, height=None)``
        ``st.dataframe`` with Decimal amount columns shown right-aligned with thousand
        separators in the chosen style (the values stay exact Decimals, so sorting is
        numeric); ``pct_cols`` hold float percentages (0-100).
    ``excel_download(df, name, amount_cols=None, label=None, key=None)``
        A download button for ``df`` as ``name.xlsx`` (XlsxWriter): amounts as real numbers
        with ``#,##0.00``, dates as dates, text cells starting with ``= + - @`` neutralised.
    ``to_excel_bytes(df, amount_cols=None, sheet="Data") -> bytes``
        The same workbook as bytes (for tests or other buttons).
    ``decimal_column(series) -> bool``
        True for a column of Decimal amounts (to find the amount columns of a frame).
    ``empty_state(key)``
        An info box saying what to do when there is nothing to show.

Errors and layout
    ``guard()``
        Context manager: a ``BudgetError`` becomes ``st.error(message)``; any other error
        becomes a short message (the traceback goes to the server log only).
    ``show_error(exc)``
        The same, for an exception already caught.
    ``page_header(title_key, caption_key=None)``
        The page title (and a caption) in the chosen language.
    ``apply_style()``
        Shared CSS (readable headline amounts); the entry point calls it on every run.
    ``year_selector(key="year")`` / ``as_of_selector(year, key="as_of")``
        Sidebar-free selectors of the fiscal year (years with data) and of the as-of date.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import io
import json
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from budget.config import database_url
from budget.errors import BudgetError
from budget.ledger.db import make_engine, make_session_factory
from budget.money import fmt
from budget.services import views
from budget.uow import UnitOfWork

if TYPE_CHECKING:  # the pages never touch SQLAlchemy themselves
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("budget.dashboard")

ROLES_ORDER = {"viewer": 0, "officer": 1, "admin": 2}
LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français", "nl": "Nederlands"}
I18N_DIR = Path(__file__).resolve().parent / "i18n"
#: Characters that make a spreadsheet cell a formula (CSV/Excel injection, OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


# --------------------------------------------------------------------------- database


def db_url() -> str:
    """The database URL the dashboard reads (``BUDGET_DATABASE_URL`` or var/budget.db)."""
    return database_url(None)


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    from budget.ledger.migrate import upgrade

    eng = make_engine(url)
    upgrade(eng)
    return eng


def engine() -> Engine:
    """The process-wide engine (created once, schema upgraded on first use)."""
    return _engine_for(db_url())


@st.cache_resource(show_spinner=False)
def _factory_for(url: str) -> sessionmaker[Session]:
    return make_session_factory(_engine_for(url))


def session_factory() -> sessionmaker[Session]:
    """The process-wide session factory (sessions are opened per unit of work)."""
    return _factory_for(db_url())


def read_uow() -> UnitOfWork:
    """A read-only unit of work for the logged-in user."""
    return UnitOfWork(session_factory(), user=_username(), channel="dashboard", write=False)


def write_uow() -> UnitOfWork:
    """A writing unit of work, audited with the logged-in user and channel ``dashboard``."""
    return UnitOfWork(session_factory(), user=_username(), channel="dashboard", write=True)


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_call(
    url: str, module: str, name: str, version: int, args: tuple[Any, ...], kwargs: tuple[Any, ...]
) -> Any:
    fn = getattr(importlib.import_module(module), name)
    with UnitOfWork(_factory_for(url), user="dashboard", channel="dashboard", write=False) as uow:
        return fn(uow, *args, **dict(kwargs))


def _hashable(value: Any) -> Any:
    if isinstance(value, list | set | frozenset):
        return tuple(sorted(value)) if isinstance(value, set | frozenset) else tuple(value)
    return value


def data_version() -> int:
    """The ledger's data version (changes with every write)."""
    with read_uow() as uow:
        return views.data_version(uow)


def cached(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(uow, *args, **kwargs)`` cached per (database, query, arguments, data version)."""
    url = db_url()
    version = data_version()
    return _cached_call(
        url, fn.__module__, fn.__name__, version,
        tuple(_hashable(a) for a in args),
        tuple(sorted((k, _hashable(v)) for k, v in kwargs.items())),
    )


def after_write() -> None:
    """Forget every cached read (the data changed)."""
    _cached_call.clear()


# --------------------------------------------------------------------------- user


@dataclass(frozen=True)
class CurrentUser:
    """Who is logged in to the dashboard."""

    username: str
    role: str
    directorates: tuple[str, ...] | None = None
    demo: bool = False

    def can(self, role: str) -> bool:
        """True when this user's role is ``role`` or above (viewer < officer < admin)."""
        return ROLES_ORDER.get(self.role, -1) >= ROLES_ORDER[role]


def current_user() -> CurrentUser:
    """The logged-in user (the app's entry point logs in before any page runs)."""
    user = st.session_state.get("user")
    if not isinstance(user, CurrentUser):
        st.error(t("auth.required"))
        st.stop()
    return user


def _username() -> str:
    user = st.session_state.get("user")
    return user.username if isinstance(user, CurrentUser) else "anonymous"


def scope() -> tuple[str, ...] | None:
    """The directorates the user may see (None: all)."""
    return current_user().directorates


def require_role(role: str) -> None:
    """Stop the page with a message unless the user has ``role`` or above."""
    if not current_user().can(role):
        st.warning(t("auth.role_needed", role=t(f"role.{role}")))
        st.stop()


# --------------------------------------------------------------------------- text


@functools.lru_cache(maxsize=8)  # plain memo: t() is called hundreds of times per run
def _catalogue(language: str) -> dict[str, str]:
    path = I18N_DIR / f"{language}.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def lang() -> str:
    """The interface language chosen in the sidebar (default ``BUDGET_LANG`` or en)."""
    chosen = st.session_state.get("lang") or os.environ.get("BUDGET_LANG", "en")
    return chosen if chosen in LANGUAGES else "en"


def t(key: str, **values: Any) -> str:
    """Interface text for ``key`` in the chosen language, with ``{name}`` values filled."""
    text = _catalogue(lang()).get(key) or _catalogue("en").get(key) or key
    if values:
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def amount_style() -> str:
    """``en`` (1,234,567.89) or ``be`` (1.234.567,89), chosen in the sidebar."""
    style = st.session_state.get("amount_style") or os.environ.get("BUDGET_AMOUNT_STYLE", "en")
    return style if style in ("en", "be") else "en"


def fmt_amount(amount: Decimal | None, currency: str | None = None) -> str:
    """An amount with thousand separators in the chosen style, prefixed by its currency."""
    if amount is None:
        return "–"
    text = fmt(amount, amount_style())
    return f"{currency} {text}" if currency else text


def fmt_pct(value: Decimal | float | None) -> str:
    """A ratio (fraction) as a percentage with one decimal, ``–`` when undefined."""
    if value is None:
        return "–"
    text = f"{float(value) * 100:.1f} %"
    return text.replace(".", ",") if amount_style() == "be" else text


def fmt_date(value: dt.date | None) -> str:
    """ISO date text, empty for None."""
    return value.isoformat() if value else ""


# --------------------------------------------------------------------------- tables


def _amount_formatter(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, Decimal):
        return fmt(value, amount_style())
    return str(value)


def _pct_formatter(value: Any) -> str:
    if value is None or pd.isna(value):
        return "–"
    text = f"{float(value):.1f} %"
    return text.replace(".", ",") if amount_style() == "be" else text


def money_table(
    df: pd.DataFrame,
    amount_cols: Sequence[str] = (),
    pct_cols: Sequence[str] = (),
    *,
    key: str | None = None,
    height: int | None = None,
    column_config: dict[str, Any] | None = None,
    on_select: str = "ignore",
) -> Any:
    """Show ``df`` with right-aligned, thousand-separated amounts (exact Decimals kept)."""
    if df.columns.duplicated().any():  # a catalogue with two equal headers: keep both visible
        raise ValueError(f"duplicate column names: {list(df.columns[df.columns.duplicated()])}")
    amount_cols = [c for c in amount_cols if c in df.columns]
    pct_cols = [c for c in pct_cols if c in df.columns]
    config: dict[str, Any] = dict(column_config or {})
    data: Any = df
    if amount_style() == "en":
        # The grid formats numbers itself ("%,.2f" → 1,234,567.89): cheap, and the values
        # stay exact Decimals (Arrow decimal128), numeric, right-aligned, sorted by value.
        for col in amount_cols:
            config.setdefault(col, st.column_config.NumberColumn(col, format="%,.2f"))
        for col in pct_cols:
            config.setdefault(col, st.column_config.NumberColumn(col, format="%.1f %%"))
    else:
        # The grid has no Belgian number format: the display values come from a Styler
        # (the underlying values stay Decimals, so sorting is still numeric).
        shown = df.copy()
        for col in amount_cols:
            shown[col] = shown[col].astype(object)
        data = shown.style.format({**{c: _amount_formatter for c in amount_cols},
                                   **{c: _pct_formatter for c in pct_cols}})
    kwargs: dict[str, Any] = {"hide_index": True, "width": "stretch"}
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
    df: pd.DataFrame,
    name: str,
    amount_cols: Sequence[str] | None = None,
    *,
    label: str | None = None,
    key: str | None = None,
) -> None:
    """A download button for ``df`` as ``name.xlsx``."""
    frame = df.copy()
    st.download_button(
        label or t("common.download_excel"),
        # Built only when clicked (a callable), so a rerun of the page does not pay for it.
        data=lambda: to_excel_bytes(frame, amount_cols),
        on_click="ignore",
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=key or f"xlsx-{name}",
        icon=":material/download:",
    )


def empty_state(key: str = "common.empty", **values: Any) -> None:
    """An info box that says what to do when there is nothing to show."""
    st.info(t(key, **values), icon=":material/info:")


# --------------------------------------------------------------------------- errors


def show_error(exc: BaseException) -> None:
    """A readable message in the page for ``exc``; never a traceback."""
    if isinstance(exc, BudgetError):
        st.error(exc.message, icon=":material/error:")
    else:
        log.exception("dashboard error", exc_info=exc)
        st.error(t("common.unexpected", error=type(exc).__name__), icon=":material/error:")


@contextmanager
def guard() -> Iterator[None]:
    """Turn an error raised inside the block into a message in the page."""
    try:
        yield
    except Exception as exc:  # st.stop()/st.rerun() are BaseExceptions and pass through
        show_error(exc)


# --------------------------------------------------------------------------- layout


_CSS = """
<style>
/* Amounts up to hundreds of millions with cents must fit a quarter of the page. */
[data-testid="stMetricValue"] { font-size: 1.45rem; font-variant-numeric: tabular-nums; }
[data-testid="stMetricValue"] > div { overflow: visible; text-overflow: clip; }
[data-testid="stMetricLabel"] p { font-size: 0.85rem; color: #4a4f5a; }
</style>
"""


def apply_style() -> None:
    """The few style rules the pages share (readable headline amounts)."""
    st.html(_CSS)


def page_header(title_key: str, caption_key: str | None = None) -> None:
    """The page title (and caption) in the chosen language."""
    st.title(t(title_key))
    if caption_key:
        st.caption(t(caption_key))


def year_selector(key: str = "year", container: Any = None) -> int:
    """A fiscal-year selector over the years with data (the current year when none)."""
    where = container or st
    years = cached(views.years_with_data)
    this = dt.date.today().year
    options = sorted(set(years) | {this}, reverse=True)
    default = this if this in years or not years else max(years)
    return int(where.selectbox(t("common.year"), options, index=options.index(default), key=key))


def as_of_selector(year: int, key: str = "as_of", container: Any = None) -> dt.date:
    """An as-of date (default: today, or 31 December of a past year)."""
    where = container or st
    today = dt.date.today()
    default = today if year == today.year else dt.date(year, 12, 31)
    value = where.date_input(t("common.as_of"), value=default, key=f"{key}-{year}",
                             format="YYYY-MM-DD")
    return value if isinstance(value, dt.date) else default
