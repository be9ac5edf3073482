"""Audit (officer role): who did what, when, through which door and import batch.

The trail is read a page at a time (``budget.services.audit.audit_page``), newest first; the
downloads hold every line the filters match. A user limited to some directorates sees the
lines about their organisations and budget lines only (see :mod:`budget.services.audit`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

import pandas as pd
import streamlit as st

from budget.services import audit
from dashboards import common as c
from dashboards.formats import input_date_format
from dashboards.tables import csv_download

c.page_header("audit.title", "audit.caption")
c.require_role("officer")

PAGE_SIZE = 50
FIRST_DAY = dt.date(1990, 1, 1)  # the ledger's first fiscal year (budget/bounds.py)
MAX_BATCH = 2_147_483_647


def label(kind: str, code: str) -> str:
    """The translated name of an action, entity or channel code (the code when unknown)."""
    key = f"audit.{kind}.{code}"
    text = c.t(key)
    return code if text == key else text


def labels(kind: str, codes: tuple[str, ...]) -> dict[str, str]:
    return {code: label(kind, code) for code in codes}


def when(at: dt.datetime) -> str:
    return f"{c.fmt_date(at.date())} {at:%H:%M:%S}"


def table_builder(entries: Callable[[], list[audit.AuditEntry]], names: dict[str, dict[str, str]],
                  heads: dict[str, str], *, on_screen: bool) -> Callable[[], pd.DataFrame]:
    """The audit lines as a frame (labels translated beforehand: it may run on a click)."""
    def build() -> pd.DataFrame:
        rows = entries()
        return c.frame(rows, {
            heads["at"]: (lambda e: when(e.at)) if on_screen
            else (lambda e: e.at.isoformat(sep=" ", timespec="seconds")),
            heads["user"]: lambda e: e.user,
            heads["channel"]: lambda e: names["channel"].get(e.channel, e.channel),
            heads["action"]: lambda e: names["action"].get(e.action, e.action),
            heads["entity"]: lambda e: names["entity"].get(e.entity, e.entity),
            heads["id"]: lambda e: e.entity_id or "",
            heads["batch"]: lambda e: "" if e.batch_id is None else str(e.batch_id),
            # On screen amounts in the user's style; the downloads keep them as recorded.
            heads["details"]: (lambda e: " · ".join(f"{k}: {readable(k, v)}" for k, v in e.details_items()))
            if on_screen else (lambda e: e.details_text(" · ")),
        })
    return build


def filters(choices: audit.AuditChoices, names: dict[str, dict[str, str]]) -> audit.AuditFilter | None:
    """The filter row; None (with a message) when the dates are the wrong way round."""
    today = dt.date.today()
    fmt = input_date_format(c.lang())
    row1 = st.columns(3)
    start = row1[0].date_input(c.t("audit.from"), value=None, min_value=FIRST_DAY,
                               max_value=today, format=fmt, key="audit_from")
    end = row1[1].date_input(c.t("audit.to"), value=None, min_value=FIRST_DAY,
                             max_value=today, format=fmt, key="audit_to")
    batch = row1[2].number_input(c.t("audit.batch"), value=None, min_value=1, max_value=MAX_BATCH,
                                 step=1, placeholder=c.t("audit.any"), key="audit_batch")
    row2 = st.columns(4)

    every = c.t("audit.any")

    def pick(col: int, kind: str, options: tuple[str, ...], shown: dict[str, str]) -> str | None:
        return row2[col].selectbox(c.t(f"audit.{kind}"), [None, *options],
                                   format_func=lambda v: every if v is None else shown.get(v, v),
                                   key=f"audit_{kind}")

    user = pick(0, "user", choices.users, {u: u for u in choices.users})
    action = pick(1, "action", choices.actions, names["action"])
    entity = pick(2, "entity", choices.entities, names["entity"])
    channel = pick(3, "channel", choices.channels, names["channel"])
    start = start if isinstance(start, dt.date) else None
    end = end if isinstance(end, dt.date) else None
    if start and end and start > end:
        st.warning(c.t("audit.bad_range"), icon=":material/warning:")
        return None
    return audit.AuditFilter(start=start, end=end, user=user, action=action, entity=entity,
                             channel=channel, batch=int(batch) if batch is not None else None,
                             directorates=c.scope())


def details(entries: list[audit.AuditEntry], names: dict[str, dict[str, str]]) -> None:
    """One line's details, readable as ``key: value``."""
    with_details = [i for i, e in enumerate(entries) if e.details]
    if not with_details:
        return
    shown = {i: " · ".join(x for x in (
        when(entries[i].at), entries[i].user, names["action"].get(entries[i].action, entries[i].action),
        names["entity"].get(entries[i].entity, entries[i].entity), entries[i].entity_id or "") if x)
        for i in with_details}
    chosen = st.selectbox(c.t("audit.details_of"), with_details, index=None,
                          placeholder=c.t("audit.details_pick"), format_func=shown.__getitem__,
                          key="audit_detail")
    if chosen is not None:
        st.markdown("\n".join(f"- **{c.md(key)}**: {c.md(readable(key, value))}"
                               for key, value in entries[chosen].details_items()))


def readable(key: str, value: str) -> str:
    """An amount of the details in the user's number style; anything else as recorded."""
    if "amount" in key or key in ("available", "requested"):
        try:
            return c.fmt_amount(Decimal(value))
        except (InvalidOperation, ValueError):
            pass
    return value


with c.guard():
    scope = c.scope()
    if scope is not None:
        st.caption(c.t("audit.scoped", dirs=", ".join(scope)))
    choices = c.cached(audit.audit_choices, directorates=scope)
    names = {kind: labels(kind, codes) for kind, codes in (
        ("action", choices.actions), ("entity", choices.entities), ("channel", choices.channels))}
    # Folded: on a phone the filters would fill the first screen, above the answer.
    with st.expander(c.t("audit.filters"), icon=":material/filter_list:"):
        where = filters(choices, names)
    if where is not None:
        total = c.cached(audit.audit_count, where)
        if total == 0:
            c.empty_state("audit.empty")
        else:
            pages = max(1, math.ceil(total / PAGE_SIZE))
            left, right = st.columns([1, 3])
            # A new filter is a new pager (keyed on it): back to the first page.
            number = left.number_input(c.t("audit.page"), min_value=1, max_value=pages, value=1,
                                       step=1, key=f"audit_pageno-{hash(where)}")
            offset = (int(number) - 1) * PAGE_SIZE
            page = c.cached(audit.audit_page, where, offset=offset, limit=PAGE_SIZE, count=False)
            right.caption(c.t("audit.lines", first=offset + 1, last=offset + len(page.entries),
                              total=total, pages=pages))
            heads = {k: c.t(f"audit.col_{k}") for k in
                     ("at", "user", "channel", "action", "entity", "id", "batch", "details")}
            shown = table_builder(lambda: page.entries, names, heads, on_screen=True)()
            c.money_table(shown, key="audit_table", keys=[heads["at"]], names=[heads["details"]])
            details(page.entries, names)
            read_all = c.later(audit.audit_page, where, offset=0, limit=audit.MAX_LINES, count=False)
            everything = table_builder(lambda: read_all().entries, names, heads, on_screen=False)
            d1, d2 = st.columns(2)
            with d1:
                c.excel_download(everything, "audit-trail", [], key="audit_xlsx")
            with d2:
                csv_download(everything, "audit-trail", key="audit_csv")
            st.caption(c.t("audit.download_note", n=min(total, audit.MAX_LINES)))
