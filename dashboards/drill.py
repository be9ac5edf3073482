"""Drill-down by clicking: a table row opens the next level (directorate → organisations →
organisation → entry → source and audit trail), through the URL, so that the browser's
back button returns to the previous view with its filters (``dashboards/links.py``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import streamlit as st

from budget.errors import NotFoundError
from budget.services import lookup
from dashboards import common as c
from dashboards import links

ORGANISATIONS = "screens/organisations.py"
DIRECTORATES = "screens/directorates.py"
ENTRY = "screens/entry.py"
_APPLIED = "_budget_drill_applied"


def selected(event: Any, rows: int) -> int | None:
    """The row chosen in a table shown with ``on_select="rerun"`` (None: none, or the
    totals row, which is not a thing to open)."""
    try:
        chosen = list(event.selection.rows)
    except AttributeError:
        try:
            chosen = list(event["selection"]["rows"])
        except (KeyError, TypeError):
            return None
    if not chosen:
        return None
    index = int(chosen[0])
    return index if 0 <= index < rows else None


def newly_selected(table_key: str, event: Any, rows: int) -> int | None:
    """:func:`selected`, only when it changed since the last run (a row stays selected while
    the user picks something else in a select box: it must not take over again)."""
    index = selected(event, rows)
    applied = st.session_state.setdefault(_APPLIED, {})
    if applied.get(table_key) == index:
        return None
    applied[table_key] = index
    return index


def go(page: str, **params: Any) -> None:
    """Open ``page`` with ``params`` in its URL (empty ones left out).

    Streamlit writes the new parameters to the current page's address before it changes
    page, which leaves that address in the browser's history: it also gets the current
    view's own parameters, so that going back to it shows that view (the other page's
    parameters are dropped there at once).
    """
    query = {**links.current(), **{k: t for k, v in params.items() if (t := links.text_of(v)) is not None}}
    st.switch_page(page, query_params=query)


def open_organisation(code: str, year: int, as_of: dt.date) -> None:
    go(ORGANISATIONS, org=code, year=year, as_of=as_of)


def open_entry(kind: str, reference: str, org: str | None, year: int | None = None,
               as_of: dt.date | None = None) -> None:
    go(ENTRY, kind=kind, ref=reference, org=org, year=year, as_of=as_of)


def check_linked_organisation(code: str, shown: Sequence[str]) -> bool:
    """True when organisation ``code`` of a link may be shown (it is among ``shown``);
    otherwise say why not: outside the user's directorates, unknown, or not in this view."""
    if code in shown:
        return True
    what = c.t("kind.organisation") + f" {code}"
    try:
        c.cached(lookup.check_organisation, code, c.scope())
    except lookup.OutOfScopeError:
        st.warning(c.t("links.out_of_scope", what=what, scope=", ".join(c.scope() or ())),
                   icon=":material/block:")
    except NotFoundError:
        st.warning(c.t("links.unknown", what=what), icon=":material/link_off:")
    else:
        links.ignored("org")
    return False
