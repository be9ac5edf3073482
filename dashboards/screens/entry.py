"""One entry (assessment, commitment, payment) or import batch: where it comes from (batch,
file, sheet, row, who and when) and its audit trail. Opened by a click in an organisation's
tables or in the search (``?kind=commitment&ref=...&org=...``)."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from budget.errors import NotFoundError
from budget.services import lookup
from dashboards import common as c
from dashboards import drill, links

KINDS = (*lookup.ENTRY_KINDS, "batch")


def when(value: object) -> str:
    """A recorded-at time (UTC) as the language writes the day, with the time."""
    return f"{c.fmt_date(value.date())} {value:%H:%M}" if hasattr(value, "date") else "–"


def audit_frame(lines: tuple) -> pd.DataFrame:
    return c.frame(lines, {
        c.t("col.when"): lambda a: when(a.at), c.t("col.user"): lambda a: a.user,
        c.t("col.channel"): lambda a: a.channel, c.t("col.action"): lambda a: a.action,
        c.t("col.kind"): lambda a: a.entity, c.t("col.entity_id"): lambda a: a.entity_id or "",
        c.t("col.batch"): lambda a: a.batch_id,
        c.t("col.details"): lambda a: json.dumps(a.details, ensure_ascii=False, default=str)[:300],
    })


def show_audit(lines: tuple) -> None:
    st.subheader(c.t("entry.audit"))
    if not lines:
        c.empty_state("entry.no_audit")
    else:
        c.money_table(audit_frame(lines), key="entry_audit", names=[c.t("col.details")])


def show_entry(src: lookup.EntrySource) -> None:
    st.title(c.t("entry.title", kind=c.t(f"kind.{src.kind}"), ref=src.reference))
    st.caption(c.t("entry.organisation", name=src.organisation_name, code=src.organisation,
                   directorate=src.directorate, date=c.fmt_date(src.entry_date)))
    cols = st.columns(max(1, min(4, len(src.amounts))))
    for i, (currency, amount, eur) in enumerate(src.amounts):
        cols[i % len(cols)].metric(currency, c.fmt_amount(amount, currency), c.fmt_amount(eur, "EUR"),
                                   delta_color="off", delta_arrow="off")
    if src.reversed:
        st.warning(c.t("entry.reversed"), icon=":material/undo:")
    st.subheader(c.t("entry.source"))
    if src.batch_id is not None:
        st.markdown(c.t("entry.batch", batch=src.batch_id, kind=src.batch_kind or "", file=src.batch_file or "",
                        user=src.batch_by or "", when=when(src.batch_at)))
    else:
        st.markdown(c.t("entry.typed", channel=src.channel))
    if src.source_sheet or src.source_row:
        st.markdown(c.t("entry.sheet_row", sheet=src.source_sheet or "–", row=src.source_row or "–"))
    st.markdown(c.t("entry.recorded", user=src.created_by, when=when(src.created_at), channel=src.channel))
    if src.revision:
        st.caption(c.t("entry.revision", n=src.revision))
    if st.button(c.t("entry.back", org=src.organisation), icon=":material/arrow_back:", key="entry_back"):
        drill.go(drill.ORGANISATIONS, org=src.organisation, year=links.raw("year"), as_of=links.raw("as_of"))
    show_audit(src.audit)


def show_batch(src: lookup.BatchSource) -> None:
    st.title(c.t("entry.title", kind=c.t("kind.batch"), ref=f"#{src.batch_id}"))
    st.markdown(c.t("entry.batch", batch=src.batch_id, kind=src.kind, file=src.file_name,
                    user=src.created_by, when=when(src.created_at)))
    show_audit(src.audit)


kind = links.raw("kind")
ref = links.raw("ref")
if kind is not None and kind not in KINDS:
    links.ignored("kind")
    kind = None
reference = links.search_text(ref) if ref is not None else None
if ref is not None and reference is None:
    links.ignored("ref")
if not kind or not reference:
    c.page_header("nav.entry")
    c.empty_state("entry.none")
    st.stop()
org = links.raw("org")
org = links.code(org) if org else None
for param, value in (("kind", kind), ("ref", reference), ("org", org), ("year", links.raw("year")),
                     ("as_of", links.raw("as_of"))):
    links.publish(param, value)  # the view's link, kept in the URL

with c.guard():
    what = f"{c.t(f'kind.{kind}')} {reference}"
    try:
        if kind == "batch":
            if not reference.isdigit() or len(reference) > 10:
                raise NotFoundError(reference)
            show_batch(c.cached(lookup.batch_source, int(reference), directorates=c.scope()))
        else:
            show_entry(c.cached(lookup.entry_source, kind, reference, organisation=org, directorates=c.scope()))
    except lookup.OutOfScopeError:
        st.warning(c.t("links.out_of_scope", what=what, scope=", ".join(c.scope() or ())), icon=":material/block:")
    except NotFoundError:
        st.warning(c.t("links.unknown", what=what), icon=":material/link_off:")
