"""Arrears: overdue assessments with ageing, and what falls due this month and quarter."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from budget.services import views
from dashboards import common as c

c.page_header("arrears.title", "arrears.caption")
scope = c.scope()

cols = st.columns([1, 4])
as_of = cols[0].date_input(c.t("common.as_of"), value=dt.date.today(), key="arr_as_of",
                           format="YYYY-MM-DD")


def table(lines: list[views.OutstandingLine], with_days: bool) -> pd.DataFrame:
    rows = []
    for x in lines:
        row = {
            c.t("col.organisation"): x.organisation, c.t("col.name"): x.organisation_name,
            c.t("col.directorate"): x.directorate, c.t("col.reference"): x.reference,
            c.t("col.year"): x.fiscal_year, c.t("col.due_date"): x.due_date,
            c.t("col.currency"): x.currency, c.t("col.assessed"): x.assessed,
            c.t("col.paid"): x.paid, c.t("col.outstanding"): x.outstanding,
            c.t("col.outstanding_eur"): x.outstanding_eur,
        }
        if with_days:
            row[c.t("col.days_overdue")] = x.days_overdue
            row[c.t("col.bucket")] = x.bucket
        rows.append(row)
    return pd.DataFrame(rows)


AMOUNTS = ("col.assessed", "col.paid", "col.outstanding", "col.outstanding_eur")

with c.guard():
    arr = c.cached(views.arrears, as_of, directorates=scope)
    amount_cols = [c.t(k) for k in AMOUNTS]
    top = st.columns([1, 3])
    top[0].metric(c.t("arrears.total"), c.fmt_amount(arr.total_eur, "EUR"),
                  c.t("fig.lines", n=len(arr.overdue)), delta_color="off", delta_arrow="off")
    if arr.by_currency:
        top[1].markdown(f"**{c.t('arrears.by_currency')}**  \n" + " · ".join(
            c.fmt_amount(v, cur) for cur, v in arr.by_currency.items()))
    m = st.columns(len(arr.buckets))
    for i, (bucket, value) in enumerate(arr.buckets.items()):
        m[i].metric(c.t("arrears.bucket", bucket=bucket), c.fmt_amount(value, "EUR"))

    st.subheader(c.t("arrears.overdue"))
    if not arr.overdue:
        c.empty_state("arrears.none")
    else:
        chart = pd.DataFrame([{"bucket": b, "EUR": float(v)} for b, v in arr.buckets.items()])
        st.altair_chart(alt.Chart(chart).mark_bar().encode(
            x=alt.X("bucket:N", sort=list(views.AGEING_BUCKETS), title=c.t("col.bucket"),
                    axis=alt.Axis(labelAngle=0)),
            y=alt.Y("EUR:Q", axis=alt.Axis(format="~s")),
            tooltip=["bucket", alt.Tooltip("EUR:Q", format=",.2f")],
        ).properties(height=200), width="stretch")
        df = table(arr.overdue, True)
        c.money_table(df, amount_cols, key="arr_overdue")
        c.excel_download(df, f"arrears-{as_of}", amount_cols, key="arr_xlsx")

    month_end = (as_of.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    q_month = ((as_of.month - 1) // 3 + 1) * 3
    q_end = (dt.date(as_of.year, q_month, 28) + dt.timedelta(days=4)).replace(day=1) \
        - dt.timedelta(days=1)
    cl, cr = st.columns(2)
    for col, end, key in ((cl, month_end, "month"), (cr, q_end, "quarter")):
        with col:
            due = [x for x in arr.not_yet_due if x.due_date <= end]
            total = sum((x.outstanding_eur for x in due), arr.total_eur * 0)
            st.subheader(c.t(f"arrears.due_{key}", end=end.isoformat()))
            st.caption(c.t("arrears.due_total", total=c.fmt_amount(total, "EUR"), n=len(due)))
            if not due:
                c.empty_state("arrears.nothing_due")
            else:
                d = table(due, False)
                c.money_table(d, amount_cols, key=f"arr_due_{key}")
                c.excel_download(d, f"due-{key}-{as_of}", amount_cols, key=f"arr_due_{key}_xlsx")
