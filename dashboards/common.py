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
        The engine and session factory, created once per process and database (never
        a session). URL: ``BUDGET_DATABASE_URL`` or
        ``var/budget.db`` (see ``budget.config``); the schema is upgraded on first use.
    ``read_uow()`` / ``write_uow()``
        A ``UnitOfWork`` for the logged-in user on channel ``dashboard``. Use
        ``write_uow()`` for every write, call ``uow.commit()``, then ``after_write()``.
    ``cached(fn, *args, **kwargs)``
        ``fn(uow, *args, **kwargs)`` for a read function of the service layer, cached
        (``st.cache_resource``) on (database, function, arguments, ``views.data_version``,
        read once per script run: ``start_run()``). Arguments must be plain values (None,
        numbers, strings, dates, Decimals, lists, sets, tuples or frozen dataclasses of them:
        the key is their ``repr``); pass ``directorates=c.scope()``. The result is
        shared by every rerun and session (no copy): read it, never change it in place.
    ``after_write()``
        Clears every cached read (call it after each committed write); ``clear_caches()``
        is the same without the meaning.

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
        ``1,234,567.89`` or Belgian ``1.234.567,89`` (by default the language's: French
        and Dutch write the Belgian form); with a currency: ``EUR 1,234.50``.
    ``fmt_pct(ratio)``
        A ratio (Decimal fraction or None) as ``87.5 %`` (``–`` when None), by the rule the
        reports follow (``budget.money.fmt_percent``: one decimal, ties away from zero).
    ``pct_value(ratio)``
        What a table's percentage column holds for a ratio: the shown percentage as a float
        (``87.5``), None when undefined.
    ``fmt_date(d)``
        The date as the language writes it (``31 Mar 2026``, ``31/03/2026``), ``–`` for None.
        (How each language writes numbers, dates and months: ``dashboards/formats.py``;
        chart axes and colours: ``dashboards/charts.py``.)

Tables and downloads
    ``money_table(df, amount_cols=(), pct_cols=(), key=None, height=None, keys=(), names=(), numbers=None)``
        (``dashboards/tables.py``) ``keys`` pinned at the left, ``names`` cut with the full
        text on hover; empty cells show ``–``; a table of up to 25 rows is shown whole.
    ``with_totals(df, amount_cols, ratios=None, label=None, given=None, counts=())``
        ``df`` and a last row adding up its amounts to the cent (for the screen; the
        downloads keep the rows only).
        ``st.dataframe`` with Decimal amount columns shown right-aligned with thousand
        separators in the chosen style (the values stay exact Decimals, so sorting is
        numeric); ``pct_cols`` hold ``pct_value`` percentages (0-100); ``numbers`` maps other
        Decimal columns (a median of days) to their decimals, written in the style, ``–`` if empty.
    ``frame(items, columns) -> DataFrame``
        A frame built column by column from ``items`` with ``columns`` = {label: getter};
        pure (no Streamlit call), so it can also run later inside a download.
    ``largest(items, key, limit=None) -> list``
        At most ``SHOWN_ROWS`` items, the largest by ``key``, kept in their order: what a
        page shows on screen of a long list.
    ``shown_caption(shown, total, what_key)``
        The "showing N of M — the Excel download has them all" caption (nothing when all
        are shown).
    ``derived(key, compute)``
        ``compute()`` once per (database, data version, scope, language, amount style,
        ``key``): what a page derives from cached reads (slices, sums, frames).
    ``chart(key, build, container=None)``
        An Altair chart (``build()`` returns it) built once per data version and ``key``.
    ``excel_download(df_or_builder, name, amount_cols=None, label=None, key=None)``
        A download button for ``df`` as ``name.xlsx`` (XlsxWriter): amounts as real numbers
        with ``#,##0.00``, dates as dates, text cells starting with ``= + - @`` neutralised.
        Given a callable returning the frame, the frame is only built when clicked.
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
    ``lazy_tabs(text_keys, key)`` / ``lazy_expander(text_key, key, icon)``
        Tabs of which only the open one runs its content (``if tab.open:``); an expander
        whose content runs only when unfolded.
    ``year_selector(key="year")`` / ``as_of_selector(year, key="as_of")``
        Sidebar-free selectors of the fiscal year (years with data) and of the as-of date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import heapq
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import streamlit as st

from budget import config
from budget.busy import is_busy
from budget.config import database_url
from budget.errors import BudgetError
from budget.ledger.db import make_engine, make_session_factory
from budget.money import fmt, fmt_percent
from budget.services import organisation_status, views
from budget.uow import UnitOfWork
from dashboards.formats import DASH, date_text, input_date_format, style_for
from dashboards.formats import pct_value as pct_value  # re-exported: a percentage column's value

# Re-exported: the pages call them as c.money_table etc.
from dashboards.tables import FORMULA_PREFIXES as FORMULA_PREFIXES
from dashboards.tables import decimal_column as decimal_column
from dashboards.tables import excel_download as excel_download
from dashboards.tables import frame as frame
from dashboards.tables import money_table as money_table
from dashboards.tables import to_excel_bytes as to_excel_bytes
from dashboards.tables import with_totals as with_totals
from dashboards.text import md as md  # re-exported: pages escape their own strings with c.md

if TYPE_CHECKING:  # the pages never touch SQLAlchemy themselves
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("budget.dashboard")

ROLES_ORDER = {"viewer": 0, "officer": 1, "admin": 2}
LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français", "nl": "Nederlands"}
I18N_DIR = Path(__file__).resolve().parent / "i18n"
#: The page scripts (not pages/: see app.py).
SCREENS = Path(__file__).resolve().parent / "screens"
#: The page icon (a local file: see app.py), read once per process.
ICON = (Path(__file__).resolve().parent / "static" / "icon.png").read_bytes()
#: Rows of a long list shown on screen (the Excel download always has them all): a grid
#: of thousands of rows is unreadable and costs its Arrow conversion on every rerun.
SHOWN_ROWS = 200
#: Seconds spent in the service layer by cache misses (the benchmark reads and resets it).
SERVICE_TIME: dict[str, float] = {"seconds": 0.0, "calls": 0}

T = TypeVar("T")


# --------------------------------------------------------------------------- database


def db_url() -> str:
    """The database URL the dashboard reads (``BUDGET_DATABASE_URL`` or var/budget.db)."""
    # Asked for by every cached read: worked out once per setting (it creates the folder).
    # The working directory only places the default file (and getcwd is a system call).
    setting = config.get("BUDGET_DATABASE_URL")
    return _url_for(setting, "" if setting else os.getcwd())


@functools.lru_cache(maxsize=16)
def _url_for(setting: str, cwd: str) -> str:
    return database_url(setting or None)


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    """One engine per database URL for the life of the process (schema upgraded once)."""
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


def later(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[[], Any]:
    """``fn(uow, *args, **kwargs)`` as a callable for later (a download built on click).

    The callable runs outside the page's script, so it uses no Streamlit call: the session
    factory and the user are taken now, and it opens its own read-only unit of work.
    """
    factory, user = session_factory(), _username()

    def run() -> Any:
        with UnitOfWork(factory, user=user, channel="dashboard", write=False) as uow:
            return fn(uow, *args, **kwargs)

    return run


def write_uow() -> UnitOfWork:
    """A writing unit of work, audited with the logged-in user and channel ``dashboard``."""
    return UnitOfWork(session_factory(), user=_username(), channel="dashboard", write=True)


# st.cache_resource, not st.cache_data: the service layer returns frozen dataclasses that the
# pages only read, so one shared object is safe, where st.cache_data would unpickle a copy on
# every hit (half a second for the arrears of a twenty-year ledger). Entries are keyed on the
# data version: a write makes new ones; those of older versions go with the time limit.
# The key is one text (see _key): Streamlit hashes a tuple value by value and inspects the
# function's signature for every positional argument, ten times the cost of one keyword text.
@st.cache_resource(max_entries=256, ttl=3600, show_spinner=False)
def _read(*, key: str, _url: str, _fn: Callable[..., Any], _args: tuple[Any, ...],
          _kwargs: dict[str, Any]) -> Any:
    started = time.perf_counter()
    try:
        with UnitOfWork(_factory_for(_url), user="dashboard", channel="dashboard", write=False) as uow:
            return _fn(uow, *_args, **_kwargs)
    finally:
        SERVICE_TIME["seconds"] += time.perf_counter() - started
        SERVICE_TIME["calls"] += 1


def _hashable(value: Any) -> Any:
    if isinstance(value, list | set | frozenset):
        return tuple(sorted(value)) if isinstance(value, set | frozenset) else tuple(value)
    return value


#: The values a cache key may hold: those whose ``repr`` tells any two of them apart.
_KEY_TYPES = (type(None), bool, int, float, str, dt.date, dt.timedelta, Decimal)


def _key(*parts: Any) -> str:
    """The cache key of ``parts``: their ``repr``, once every value in them (in tuples and
    frozen dataclasses, at any depth) is checked to be of a type whose ``repr`` tells two
    values apart (TypeError otherwise: a key that did not would mix up two results)."""
    def check(value: Any) -> None:
        if isinstance(value, tuple):
            for item in value:
                check(item)
        elif dataclasses.is_dataclass(value) and value.__dataclass_params__.frozen:  # type: ignore[union-attr]
            for f in dataclasses.fields(value):
                if not f.repr:
                    raise TypeError(f"{type(value).__name__}.{f.name} is not in its repr")
                check(getattr(value, f.name))
        elif not isinstance(value, _KEY_TYPES):
            raise TypeError(f"{type(value).__name__} cannot be part of a cache key")

    check(parts)
    return repr(parts)


def start_run() -> None:
    """Forget what the previous run settled (the entry point calls it first on every run):
    the data version, which the first cached read of this run reads again (one query, an
    index seek) so that a write from the command line shows on the next run, and the
    language and number style (:func:`settle_text_settings`)."""
    _RUN.__dict__.clear()


#: What this script run has settled: its database and data version once read, its language
#: and number style once the sidebar has set them. A run has a thread of its own; a page
#: asks for them a hundred times, each a session-state read.
_RUN = threading.local()


def settle_text_settings() -> None:
    """The language and number style are final for this run (the entry point calls it
    once the sidebar's widgets are drawn)."""
    _RUN.lang = lang()
    _RUN.style = amount_style()


def _url_and_version() -> tuple[str, int]:
    found: tuple[str, int] | None = getattr(_RUN, "version", None)
    if found is None:
        url = db_url()
        found = (url, views.data_version_of(_engine_for(url)))
        _RUN.version = found
    return found


def data_version() -> int:
    """The ledger's data version (changes with every write), read once per script run."""
    return _url_and_version()[1]


def cached(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(uow, *args, **kwargs)`` cached per (database, query, arguments, data version).

    The result is shared between reruns and sessions: treat it as read-only.
    """
    url, version = _url_and_version()
    args = tuple(_hashable(a) for a in args)
    kwargs = {k: _hashable(v) for k, v in kwargs.items()}
    key = _key(url, version, f"{fn.__module__}.{fn.__qualname__}", args, tuple(sorted(kwargs.items())))
    return _read(key=key, _url=url, _fn=fn, _args=args, _kwargs=kwargs)


# What pages derive from cached reads (a slice to show, sums, a frame, a chart), kept per
# data version like the reads themselves: a rerun then costs the same on a ledger of ten
# thousand or of a million entries.
@st.cache_resource(max_entries=256, ttl=3600, show_spinner=False)
def _derived(*, key: str, _compute: Callable[[], Any]) -> Any:
    return _compute()


def derived(key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """``compute()`` once per (database, data version, user's scope, language, amount style,
    rows shown, ``key``); ``key`` must name everything else the result depends on (page,
    filters).

    For what a page works out from cached reads: the slice it shows, sums, frames, charts.
    The result is shared: read it, never change it in place.
    """
    full = (scope(), lang(), amount_style(), SHOWN_ROWS, *key)
    url, version = _url_and_version()
    return _derived(key=_key(url, version, *(_hashable(k) for k in full)), _compute=compute)  # type: ignore[no-any-return]


def clear_caches() -> None:
    """Forget every cached read and everything derived from them."""
    _read.clear()
    _derived.clear()


def after_write() -> None:
    """Forget every cached read (the data changed)."""
    clear_caches()
    _RUN.__dict__.pop("version", None)


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
    settled = getattr(_RUN, "lang", None)
    if settled is not None:
        return str(settled)
    chosen = st.session_state.get("lang") or config.get("BUDGET_LANG")
    return chosen if chosen in LANGUAGES else "en"


#: Counts that take the singular, per language (French says "0 ligne", English "0 rows").
_SINGULAR: dict[str, tuple[int, ...]] = {"en": (1,), "nl": (1,), "fr": (0, 1)}


def t(key: str, **values: Any) -> str:
    """Interface text for ``key`` in the chosen language, with ``{name}`` values filled.

    String values are escaped for Markdown (:func:`dashboards.text.md`); the result is for
    Markdown places (titles, captions, messages, labels, metric values).

    A text counting ``n`` things has its singular under ``key.one``, used when ``n`` takes
    the singular in the language.
    """
    language = lang()
    if values.get("n") in _SINGULAR.get(language, (1,)) and (key + ".one") in _catalogue("en"):
        key += ".one"
    text = _catalogue(language).get(key) or _catalogue("en").get(key) or key
    if values:
        # The texts are shown through Markdown: a value given as text (a name, a file name,
        # a message) is escaped, so that it shows as typed and never as a link or an image.
        shown = {k: md(v) if isinstance(v, str) else v for k, v in values.items()}
        try:
            return text.format(**shown)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def amount_style() -> str:
    """``en`` (1,234,567.89) or ``be`` (1.234.567,89): chosen in the sidebar, or by default
    the language's (French and Dutch write 1.234.567,89)."""
    settled = getattr(_RUN, "style", None)
    if settled is not None:
        return str(settled)
    chosen = st.session_state.get("amount_style") or config.get("BUDGET_AMOUNT_STYLE")
    return style_for(lang(), chosen)


def fmt_amount(amount: Decimal | None, currency: str | None = None) -> str:
    """An amount with thousand separators in the chosen style, prefixed by its currency."""
    if amount is None:
        return DASH
    text = fmt(amount, amount_style())
    return f"{currency} {text}" if currency else text


def fmt_pct(value: Decimal | None) -> str:
    """A ratio (fraction) as a percentage with one decimal, ``–`` when undefined
    (:func:`budget.money.fmt_percent`, as the reports write it)."""
    return fmt_percent(value, amount_style())


def fmt_date(value: dt.date | None) -> str:
    """A date as the chosen language writes it, ``–`` for None."""
    return date_text(value, lang())


# --------------------------------------------------------------------------- tables


def largest(items: Sequence[T], key: Callable[[T], Any], limit: int | None = None) -> list[T]:
    """The ``limit`` (default :data:`SHOWN_ROWS`) largest ``items`` by ``key``, in their order.

    All of them, unchanged, when there are no more than ``limit``.
    """
    limit = SHOWN_ROWS if limit is None else limit
    if len(items) <= limit:
        return list(items)
    keep = set(heapq.nlargest(limit, range(len(items)), key=lambda i: key(items[i])))
    return [x for i, x in enumerate(items) if i in keep]


def shown_caption(shown: int, total: int, what_key: str) -> None:
    """Say that only ``shown`` of ``total`` rows are on screen (nothing when all are)."""
    if shown < total:
        sep = {"fr": "\u202f", "nl": "."}.get(lang(), ",")  # 3,943 · 3 943 · 3.943

        def count(n: int) -> str:
            return f"{n:,}".replace(",", sep)

        st.caption(t("common.showing", n=count(shown), total=count(total), what=t(what_key)),
                   help=t("common.showing_help"))


_ALTAIR_GLOBALS = threading.Lock()  # Altair's theme and data transformer are global to the process


def _arrow_dataset(data: Any, datasets: dict[str, bytes]) -> dict[str, str]:
    """Altair data transformer: the chart's frame as Arrow IPC bytes, named by their hash.

    Given the bytes, ``st.vega_lite_chart`` passes them on as they are; given Altair's
    default records, it would turn them back into a frame and then into Arrow on every rerun.
    """
    import hashlib

    import pyarrow as pa

    table = pa.Table.from_pandas(data, preserve_index=False)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    raw = sink.getvalue().to_pybytes()
    name = f"data-{hashlib.sha256(raw).hexdigest()[:32]}"
    datasets[name] = raw
    return {"name": name}


def _vega_lite(chart: Any) -> dict[str, Any]:
    """``chart``'s Vega-Lite spec through Altair's public API: no default 300 px view (theme
    ``none``, as ``st.altair_chart`` does) and the datasets as Arrow bytes (:func:`_arrow_dataset`)."""
    import altair as alt

    alt.data_transformers.register("budget_arrow", _arrow_dataset)
    datasets: dict[str, bytes] = {}
    with _ALTAIR_GLOBALS, alt.theme.enable("none"), alt.data_transformers.enable("budget_arrow", datasets=datasets):
        spec: dict[str, Any] = chart.to_dict()
    spec["datasets"] = {**spec.get("datasets", {}), **datasets}
    return spec


def chart(key: tuple[Any, ...], build: Callable[[], Any], *, container: Any = None) -> None:
    """An Altair chart (``build()`` returns it) whose Vega-Lite spec is made once per data
    version and ``key``: turning a chart into Vega-Lite (schema validation included) costs
    tens of milliseconds, which ``st.altair_chart`` spends on every rerun."""
    where = container or st
    spec = derived(("chart", *key), lambda: _vega_lite(build()))
    # Streamlit moves the datasets out of the spec it is given: it gets its own two levels.
    given = {**spec, "datasets": dict(spec["datasets"])} if "datasets" in spec else dict(spec)
    where.vega_lite_chart(spec=given, width="stretch")


def empty_state(key: str = "common.empty", **values: Any) -> None:
    """An info box that says what to do when there is nothing to show."""
    st.info(t(key, **values), icon=":material/info:")


# --------------------------------------------------------------------------- errors


def show_error(exc: BaseException) -> None:
    """A readable message in the page for ``exc``; never a traceback."""
    if isinstance(exc, BudgetError):
        st.error(md(exc.message), icon=":material/error:")  # messages quote user values
    elif is_busy(exc):
        log.warning("the ledger is busy: %s", exc)
        st.warning(t("common.busy"), icon=":material/hourglass_top:")
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


def lazy_tabs(text_keys: Sequence[str], key: str) -> tuple[Any, ...]:
    """Tabs titled by the texts of ``text_keys`` whose ``.open`` says which one is shown, so
    that a page runs only that one's content (a switch of tab reruns the page); the tab
    open stays open when the language changes."""
    labels = [t(k) for k in text_keys]
    kept = st.session_state.get(key)
    if kept is not None and kept not in labels:  # a label of the language used before
        for text_key, label in zip(text_keys, labels, strict=True):
            if any(_catalogue(language).get(text_key) == kept for language in LANGUAGES):
                st.session_state[key] = label
    return tuple(st.tabs(labels, key=key, on_change="rerun"))


def lazy_expander(text_key: str, key: str, icon: str) -> Any:
    """A folded expander titled by the text of ``text_key`` whose ``.open`` says whether it is
    unfolded, so that a page runs its content only then (unfolding reruns the page); it stays
    unfolded when the language, and so its title, changes."""
    kept = st.session_state.get(key)
    if kept is not None:  # a new title makes a new widget: it takes the state kept
        st.session_state[key] = bool(kept)
    return st.expander(t(text_key), icon=icon, key=key, on_change="rerun")


def year_selector(key: str = "year", container: Any = None) -> int:
    """A fiscal-year selector over the years with data (the current year when none)."""
    where = container or st
    years = cached(organisation_status.fiscal_years)  # = views.years_with_data, by index seeks
    this = config.today().year
    options = sorted(set(years) | {this}, reverse=True)
    default = this if this in years or not years else max(years)
    from dashboards import links  # the year of a link (deferred: links imports this module)
    links.seed(key, "year", links.one_of(options, links.year))
    # A default only for a new widget: one seeded from a link has its value in the session.
    start = {} if key in st.session_state else {"index": options.index(default)}
    chosen = where.selectbox(t("common.year"), options, key=key, **start)
    return links.published("year", int(chosen))


def as_of_selector(year: int, key: str = "as_of", container: Any = None) -> dt.date:
    """An as-of date (default: today, or 31 December of a past year)."""
    where = container or st
    today = config.today()
    default = today if year == today.year else dt.date(year, 12, 31)
    from dashboards import links  # the as-of day of a link (deferred: links imports this module)
    links.seed_as_of(f"{key}-{year}", "as_of", year)
    start = {} if f"{key}-{year}" in st.session_state else {"value": default}
    value = where.date_input(t("common.as_of"), key=f"{key}-{year}", format=input_date_format(lang()), **start)
    return links.published("as_of", value if isinstance(value, dt.date) else default)
