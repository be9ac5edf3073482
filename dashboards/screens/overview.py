"""Overview: where the year stands, the monthly curve, directorates, open and due items."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from budget.services import views
from dashboards import common as c

c.page_header("overview.title", "overview.caption")
scope = c.scope()

left, right, _ = st.columns([1, 1, 3])
year = c.year_selector("ov_year", container=left)
as_of = c.as_of_selector(year, "ov_as_of", container=right)

with c.guard():
    ex = c.cached(views.execution, year, "directorate", as_of=as_of, directorates=scope)
    tot = ex.totals
    arr = c.cached(views.arrears, as_of, directorates=scope)

    if not (tot.commitment_credits or tot.committed or tot.assessed_eur or tot.paid_in_year):
        c.empty_state("overview.empty", year=year)
    else:
        st.subheader(c.t("overview.headline"))
        m = st.columns(4)
        m[0].metric(c.t("fig.commitment_credits"), c.fmt_amount(tot.commitment_credits, "EUR"))
        m[1].metric(c.t("fig.committed"), c.fmt_amount(tot.committed, "EUR"),
                    c.t("fig.rate_of_credits", pct=c.fmt_pct(tot.commitment_rate)),
                    delta_color="off", delta_arrow="off")
        m[2].metric(c.t("fig.available"), c.fmt_amount(tot.available, "EUR"))
        m[3].metric(c.t("fig.overdue"), c.fmt_amount(arr.total_eur, "EUR"),
                    c.t("fig.lines", n=len(arr.overdue)), delta_color="off", delta_arrow="off")
        m = st.columns(4)
        m[0].metric(c.t("fig.payment_credits"), c.fmt_amount(tot.payment_credits, "EUR"))
        m[1].metric(c.t("fig.paid_in_year"), c.fmt_amount(tot.paid_in_year, "EUR"),
                    c.t("fig.rate_of_credits", pct=c.fmt_pct(tot.payment_rate)),
                    delta_color="off", delta_arrow="off")
        m[2].metric(c.t("fig.paid_on_commitments"), c.fmt_amount(tot.paid, "EUR"),
                    c.t("fig.rate_of_committed", pct=c.fmt_pct(tot.paid_rate)),
                    delta_color="off", delta_arrow="off")
        m[3].metric(c.t("fig.open"), c.fmt_amount(tot.open, "EUR"))
        st.caption(c.t("overview.two_clocks"))

        # ---------------------------------------------------------------- monthly curve
        st.subheader(c.t("overview.curve", year=year))
        this = c.cached(views.monthly, year, as_of=as_of, directorates=scope)
        last_as_of = dt.date(year - 1, min(as_of.month, 12), min(as_of.day, 28)) \
            if as_of.year == year else None
        last = c.cached(views.monthly, year - 1, as_of=last_as_of, directorates=scope)
        last_tot = c.cached(views.execution, year - 1, "directorate", directorates=scope).totals
        points = []
        for y, months in ((year, this), (year - 1, last)):
            for mf in months:
                if y == year and as_of.year == year and mf.month > as_of.month:
                    continue
                points.append({"month": mf.month, "series": c.t("fig.committed") + f" {y}",
                               "EUR": float(mf.cumulative_committed), "year": str(y)})
                points.append({"month": mf.month, "series": c.t("fig.paid_in_year") + f" {y}",
                               "EUR": float(mf.cumulative_paid), "year": str(y)})
        curve = pd.DataFrame(points)
        rules = pd.DataFrame([
            {"series": c.t("fig.commitment_credits") + f" {year}", "EUR": float(tot.commitment_credits)},
            {"series": c.t("fig.payment_credits") + f" {year}", "EUR": float(tot.payment_credits)},
        ])
        lines = alt.Chart(curve).mark_line(point=True).encode(
            x=alt.X("month:O", title=c.t("common.month"), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("EUR:Q", title="EUR", axis=alt.Axis(format="~s")),
            color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom")),
            strokeDash=alt.StrokeDash("year:N", title=None, legend=None,
                                      sort="descending"),
            tooltip=["series", "month", alt.Tooltip("EUR:Q", format=",.2f")],
        )
        rule = alt.Chart(rules).mark_rule(strokeDash=[2, 2], color="gray").encode(
            y="EUR:Q", tooltip=["series", alt.Tooltip("EUR:Q", format=",.2f")])
        st.altair_chart((lines + rule).properties(height=320), width="stretch")
        st.caption(c.t("overview.curve_caption", last=year - 1,
                       committed=c.fmt_amount(last_tot.committed, "EUR"),
                       paid=c.fmt_amount(last_tot.paid_in_year, "EUR")))

        # ---------------------------------------------------------------- directorates
        st.subheader(c.t("overview.by_directorate"))
        rows = [r for r in ex.rows if r.committed or r.paid or r.assessed_eur]
        df = pd.DataFrame([{
            c.t("col.directorate"): r.key, c.t("col.name"): r.name,
            c.t("col.committed"): r.committed, c.t("col.paid"): r.paid,
            c.t("col.open"): r.open,
            c.t("col.paid_pct"): None if r.paid_rate is None else float(r.paid_rate) * 100,
        } for r in rows])
        if df.empty:
            c.empty_state("overview.empty", year=year)
        else:
            long = pd.DataFrame(
                [{"directorate": r.key, "what": c.t("fig.committed"), "EUR": float(r.committed)}
                 for r in rows]
                + [{"directorate": r.key, "what": c.t("fig.paid_on_commitments"),
                    "EUR": float(r.paid)} for r in rows])
            bars = alt.Chart(long).mark_bar().encode(
                x=alt.X("directorate:N", title=None, axis=alt.Axis(labelAngle=0)),
                xOffset="what:N",
                y=alt.Y("EUR:Q", axis=alt.Axis(format="~s")),
                color=alt.Color("what:N", title=None, legend=alt.Legend(orient="bottom")),
                tooltip=["directorate", "what", alt.Tooltip("EUR:Q", format=",.2f")],
            ).properties(height=280)
            cl, cr = st.columns([3, 2])
            cl.altair_chart(bars, width="stretch")
            with cr:
                c.money_table(df, [c.t("col.committed"), c.t("col.paid"), c.t("col.open")],
                              [c.t("col.paid_pct")], key="ov_dir")
                c.excel_download(df, f"directorates-{year}", key="ov_dir_xlsx")

        # ---------------------------------------------------------------- open / due
        cl, cr = st.columns(2)
        with cl:
            st.subheader(c.t("overview.largest_open"))
            opened = c.cached(views.open_commitments, as_of=as_of, year=year, directorates=scope)
            top = pd.DataFrame([{
                c.t("col.reference"): o.reference, c.t("col.organisation"): o.organisation,
                c.t("col.currency"): o.currency, c.t("col.open_cur"): o.open,
                c.t("col.open_eur"): o.open_eur,
            } for o in opened[:10]])
            if top.empty:
                c.empty_state("overview.nothing_open")
            else:
                c.money_table(top, [c.t("col.open_cur"), c.t("col.open_eur")], key="ov_open")
                c.excel_download(top, f"largest-open-{year}", key="ov_open_xlsx")
        with cr:
            st.subheader(c.t("overview.due_30"))
            horizon = as_of + dt.timedelta(days=30)
            due = [x for x in arr.not_yet_due if x.due_date <= horizon]
            df_due = pd.DataFrame([{
                c.t("col.due_date"): x.due_date, c.t("col.organisation"): x.organisation,
                c.t("col.reference"): x.reference, c.t("col.currency"): x.currency,
                c.t("col.outstanding"): x.outstanding, c.t("col.outstanding_eur"): x.outstanding_eur,
            } for x in due])
            if df_due.empty:
                c.empty_state("overview.nothing_due")
            else:
                c.money_table(df_due, [c.t("col.outstanding"), c.t("col.outstanding_eur")],
                              key="ov_due")
                c.excel_download(df_due, f"due-30-days-{as_of}", key="ov_due_xlsx")
