"""Shareable links: a page's state (year, as-of day, organisation, directorate, filters) in
its URL (``st.query_params``).

Each stateful widget is *seeded* from the URL before it is drawn and *published* to the URL
after: ``/organisations?year=2025&as_of=2025-12-31&org=UNESCO`` opens that view, a reload
keeps it, the browser's back button returns to the previous one. A value is taken from the
URL only when it differs from the one the page last wrote (a new link, or back): otherwise
the widget, which the user may just have changed, holds the truth.

Whatever arrives in a URL is hostile until checked: at most :data:`MAX_CHARS` characters
a value, parsed by the page's own parser (a year in range, a real date, a known code), and
ignored with one message naming the parameter when it does not pass, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlencode

import streamlit as st

from budget.bounds import MAX_YEAR, MIN_YEAR
from dashboards import common as c

T = TypeVar("T")

#: Longest value of a parameter considered (a code is 40 characters, a search 100).
MAX_CHARS = 200
#: Longest search text kept from a link.
MAX_SEARCH_CHARS = 100
_WRITTEN = "_budget_links_written"
_NOTED = "_budget_links_noted"
_PUBLISHED = "_budget_links_published"
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/&()+-]{0,39}$")


def raw(param: str) -> str | None:
    """The URL's value of ``param`` (the last one when repeated), None when absent or too long."""
    try:
        value = st.query_params.get(param)
    except Exception:  # outside a page run
        return None
    if value is None:
        return None
    value = str(value)
    if len(value) > MAX_CHARS:
        ignored(param)
        return None
    return value


def ignored(param: str) -> None:
    """Say once per run that ``param`` of the link was ignored."""
    noted = st.session_state.setdefault(_NOTED, set())
    if param in noted:
        return
    noted.add(param)
    st.warning(c.t("links.ignored", param=param[:40]), icon=":material/link_off:")


def new_run() -> None:
    """Forget what the previous run noted and published (the entry point calls it first)."""
    st.session_state.pop(_NOTED, None)
    st.session_state[_PUBLISHED] = {}


def incoming(param: str, key: str) -> str | None:
    """The URL's ``param`` when :func:`seed` would give it to widget ``key``: the page did
    not write it itself (a link), or the widget is new (back to the page)."""
    value = raw(param)
    if value is None or (st.session_state.get(_WRITTEN, {}).get(param) == value and key in st.session_state):
        return None
    return value


def seed(key: str, param: str, parse: Callable[[str], Any]) -> None:
    """Give widget ``key`` the URL's ``param`` (parsed) before the widget is drawn, when the
    URL holds a value the page did not write itself; a value ``parse`` refuses (None) is
    ignored with a message."""
    value = raw(param)
    if value is None:
        return
    written = st.session_state.setdefault(_WRITTEN, {})
    if written.get(param) == value and key in st.session_state:
        return
    written[param] = value
    parsed = _safely(parse, value)
    if parsed is None:
        ignored(param)
        return
    st.session_state[key] = parsed


def seed_as_of(key: str, param: str, fiscal_year: int) -> None:
    """:func:`seed` for the as-of day of ``fiscal_year``'s widget: a day of another year (the
    user just chose another year, or the link is for another) is left alone, silently."""
    value = raw(param)
    found = _safely(day, value) if value is not None else None
    if found is not None and found.year != fiscal_year:
        return
    seed(key, param, day)


def _safely(parse: Callable[[str], T], value: str) -> T | None:
    try:
        return parse(value)
    except (ValueError, TypeError, OverflowError):
        return None


def publish(param: str, value: Any) -> None:
    """Put ``value`` in the URL as ``param`` (left out when empty), at the end of the run.

    The URL is written once per run (:func:`flush`): each write is a step in the browser's
    history, and the back button must return to the previous view, not to half of it.
    """
    text = text_of(value)
    pending = _pending()
    if pending is None:
        return
    pending[param] = text
    written = st.session_state.setdefault(_WRITTEN, {})
    if text is None:
        written.pop(param, None)
    else:
        written[param] = text


def _pending() -> dict[str, str | None] | None:
    """The parameters published in this run (None outside a run of the entry point)."""
    try:
        found = st.session_state.get(_PUBLISHED)
    except Exception:
        return None
    return found if isinstance(found, dict) else None


def current() -> dict[str, str]:
    """What the page published so far in this run (its view, as the URL will hold it)."""
    return {k: v for k, v in (_pending() or {}).items() if v is not None}


def flush() -> None:
    """Write what the page published in this run to the URL, in one write, when it differs.

    Parameters the page does not use are left alone: right after a drill-down link they are
    the previous view's, and rewriting the address would add a step to the history.
    """
    pending = _pending()
    if not pending:
        return
    try:
        now = st.query_params.to_dict()
        if all(now.get(k) == v for k, v in pending.items()):
            return
        wanted = {k: v for k, v in {**now, **pending}.items() if v is not None}
        st.query_params.from_dict(wanted)
    except Exception:  # a page that bound a parameter to a widget itself: leave the URL
        return


def text_of(value: Any) -> str | None:
    """How a value is written in a URL (None: left out)."""
    if value is None or value == "" or (isinstance(value, list | tuple) and not value):
        return None
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def href(page: str, params: Mapping[str, Any]) -> str:
    """The relative link to ``page`` (its url_path) with ``params`` (empty ones left out)."""
    kept = {k: t for k, v in params.items() if (t := text_of(v)) is not None}
    return f"{page}?{urlencode(kept)}" if kept else page


# --------------------------------------------------------------------------- parsers


def year(text: str) -> int | None:
    """A fiscal year within the ledger's bounds."""
    text = text.strip()
    if not text.isdigit() or len(text) != 4:
        return None
    value = int(text)
    return value if MIN_YEAR <= value <= MAX_YEAR else None


def day(text: str) -> dt.date | None:
    """An ISO date (2026-06-30) within the ledger's years."""
    text = text.strip()
    if len(text) != 10:
        return None
    value = dt.date.fromisoformat(text)
    return value if MIN_YEAR <= value.year <= MAX_YEAR else None


def code(text: str) -> str | None:
    """A code (organisation, directorate, AB): letters, digits and a few signs, ≤ 40."""
    text = text.strip()
    return text.upper() if _CODE.match(text) else None


def one_of(options: Collection[T], parse: Callable[[str], Any] = str) -> Callable[[str], T | None]:
    """A parser that keeps only one of ``options``."""

    def check(text: str) -> T | None:
        value = parse(text)
        return value if value in options else None

    return check


def some_of(options: Iterable[str]) -> Callable[[str], list[str] | None]:
    """A parser of a comma-separated list keeping the known ones (None when none is)."""
    known = set(options)

    def check(text: str) -> list[str] | None:
        values = [v.strip() for v in text.split(",")[:50] if v.strip()]
        kept = [v for v in values if v in known]
        return kept if kept and len(kept) == len(values) else None

    return check


def search_text(text: str) -> str | None:
    """A search text: printable, at most :data:`MAX_SEARCH_CHARS` characters."""
    text = text.strip()
    if len(text) > MAX_SEARCH_CHARS or not text.isprintable():
        return None
    return text


def published(param: str, value: T) -> T:
    """:func:`publish` ``value`` and return it (for a widget's value)."""
    publish(param, value)
    return value
