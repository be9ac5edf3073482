"""Directorates: execution per directorate, with a drill-down to its organisations."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from budget.services import dashboard_views as dv
from budget.services import views
from dashboards import common as c

c.page_header("dirs.title", "dirs.caption")
scope = c.scope()

cols = st.columns([1, 1, 3])
year = c.year_selector("dir_year", container=cols[0])
as_of = c.as_of_selector(year, "dir_as_of", container=cols[1])

with c.guard():
    ex = c.cached(views.execution, year, "directorate", as_of=as_of, directorates=scope)
    statuses = c.cached(dv.organisation_status, year, as_of=as_of, directorates=scope)
    overdue: dict[str, object] = {}
    counts: dict[str, int] = {}
    for s in statuses:
        overdue[s.directorate] = overdue.get(s.directorate, 0) + s.overdue_eur
        counts[s.directorate] = counts.get(s.directorate, 0) + 1
    amount_cols = [c.t("col.assessed_eur"), c.t("col.committed"), c.t("col.paid"),
                   c.t("col.open"), c.t("col.paid_in_year"), c.t("col.overdue_eur")]
    df = pd.DataFrame([{
        c.t("col.directorate"): r.key, c.t("col.name"): r.name,
        c.t("col.organisations"): counts.get(r.key, 0),
        c.t("col.assessed_eur"): r.assessed_eur, c.t("col.committed"): r.committed,
        c.t("col.paid"): r.paid, c.t("col.open"): r.open,
        c.t("col.paid_pct"): None if r.paid_rate is None else float(r.paid_rate) * 100,
        c.t("col.paid_in_year"): r.paid_in_year,
        c.t("col.overdue_eur"): overdue.get(r.key, ex.totals.open * 0),
    } for r in ex.rows])
    if df.empty:
        c.empty_state("common.empty")
        st.stop()
    m = st.columns(3)
    m[0].metric(c.t("fig.committed"), c.fmt_amount(ex.totals.committed, "EUR"))
    m[1].metric(c.t("fig.paid_on_commitments"), c.fmt_amount(ex.totals.paid, "EUR"))
    m[2].metric(c.t("fig.open"), c.fmt_amount(ex.totals.open, "EUR"))
    c.money_table(df, amount_cols, [c.t("col.paid_pct")], key="dir_table", column_config={
        c.t("col.name"): st.column_config.TextColumn(width="medium")})
    c.excel_download(df, f"directorates-{year}", amount_cols, key="dir_xlsx")

    st.divider()
    st.subheader(c.t("dirs.drill"))
    names = {r.key: r.name for r in ex.rows}
    with_data = [r.key for r in ex.rows if counts.get(r.key)]
    chosen = st.selectbox(c.t("col.directorate"), with_data or list(names), key="dir_pick",
                          format_func=lambda k: f"{k} — {names.get(k, '')}")
    mine = [s for s in statuses if s.directorate == chosen]
    if not mine:
        c.empty_state("dirs.no_orgs")
    else:
        org_cols = [c.t("col.assessed_eur"), c.t("col.committed"), c.t("col.paid"),
                    c.t("col.open"), c.t("col.overdue_eur")]
        dd = pd.DataFrame([{
            c.t("col.code"): s.code, c.t("col.name"): s.name, c.t("col.currency"): s.currency,
            c.t("col.assessed_eur"): s.assessed_eur, c.t("col.committed"): s.committed,
            c.t("col.paid"): s.paid, c.t("col.open"): s.open,
            c.t("col.paid_pct"): None if s.paid_rate is None else float(s.paid_rate) * 100,
            c.t("col.overdue_eur"): s.overdue_eur, c.t("col.due_date"): s.due_date,
            c.t("col.status"): c.t(f"status.{s.status}"),
        } for s in mine])
        c.money_table(dd, org_cols, [c.t("col.paid_pct")], key="dir_orgs")
        c.excel_download(dd, f"directorate-{chosen}-{year}", org_cols, key="dir_orgs_xlsx")
