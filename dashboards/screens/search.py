"""Search: any reference (assessment, commitment, payment, import batch) or organisation,
within the user's directorates; a click on a result opens it (``?q=`` in the URL)."""

from __future__ import annotations

import streamlit as st

from budget.services import lookup
from dashboards import common as c
from dashboards import drill, links

c.page_header("search.title", "search.caption")
raw = links.raw("q")
query = links.search_text(raw) if raw is not None else None
if raw is not None and query is None:
    links.ignored("q")
links.publish("q", query)
if not query:
    c.empty_state("search.empty")
    st.stop()

with c.guard():
    found = c.cached(lookup.search, query, directorates=c.scope())
    if not found:
        c.empty_state("search.none", q=query)
        st.stop()
    st.caption(c.t("search.count", n=len(found), q=query))
    frame = c.frame(found, {
        c.t("search.what"): lambda f: c.t(f"kind.{f.kind}"),
        c.t("col.reference"): lambda f: f.reference,
        c.t("col.organisation"): lambda f: f.organisation or "",
        c.t("col.name"): lambda f: f.label,
        c.t("col.directorate"): lambda f: f.directorate or "",
        c.t("col.year"): lambda f: f.fiscal_year,
        c.t("col.date"): lambda f: f.day,
    })
    row = drill.selected(c.money_table(frame, key="search_results", on_select="rerun",
                                       keys=[c.t("col.reference")], names=[c.t("col.name")]), len(found))
    if any(sum(f.kind == k for f in found) >= lookup.MAX_PER_KIND for k in lookup.ENTRY_ORDER):
        st.caption(c.t("search.more", n=lookup.MAX_PER_KIND))
    if row is not None:
        hit = found[row]
        if hit.kind == "organisation":
            drill.go(drill.ORGANISATIONS, org=hit.reference, year=hit.fiscal_year)
        else:
            drill.open_entry(hit.kind, hit.reference, hit.organisation, hit.fiscal_year)
