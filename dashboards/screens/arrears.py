"""Arrears: overdue assessments with ageing, and what falls due this month and quarter."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import altair as alt
import pandas as pd
import streamlit as st

from budget.money import ZERO
from budget.services import views
from dashboards import common as c

c.page_header("arrears.title", "arrears.caption")
scope = c.scope()

cols = st.columns([1, 4])
as_of = cols[0].date_input(c.t("common.as_of"), value=dt.date.today(), key="arr_as_of",
                           format="YYYY-MM-DD")


def columns(with_days: bool) -> dict:
    """The table's columns (label: getter), labels translated once per run."""
    cols = {
        c.t("col.organisation"): lambda x: x.organisation, c.t("col.name"): lambda x: x.organisation_name,
        c.t("col.directorate"): lambda x: x.directorate, c.t("col.reference"): lambda x: x.reference,
        c.t("col.year"): lambda x: x.fiscal_year, c.t("col.due_date"): lambda x: x.due_date,
        c.t("col.currency"): lambda x: x.currency, c.t("col.assessed"): lambda x: x.assessed,
        c.t("col.paid"): lambda x: x.paid, c.t("col.outstanding"): lambda x: x.outstanding,
        c.t("col.outstanding_eur"): lambda x: x.outstanding_eur,
    }
    if with_days:
        cols[c.t("col.days_overdue")] = lambda x: x.days_overdue
        cols[c.t("col.bucket")] = lambda x: x.bucket
    return cols


def outstanding_eur(x: views.OutstandingLine) -> object:
    return x.outstanding_eur


AMOUNTS = ("col.assessed", "col.paid", "col.outstanding", "col.outstanding_eur")

def month_and_quarter_ends(day: dt.date) -> tuple[dt.date, dt.date]:
    """The last day of ``day``'s month and of its quarter."""
    month_end = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    q_month = ((day.month - 1) // 3 + 1) * 3
    q_end = (dt.date(day.year, q_month, 28) + dt.timedelta(days=4)).replace(day=1) \
        - dt.timedelta(days=1)
    return month_end, q_end


def summarise() -> SimpleNamespace:
    """Everything the page shows, worked out once per data version (not on every rerun)."""
    arr = c.cached(views.arrears, as_of, directorates=scope)
    cols_overdue, cols_due = columns(True), columns(False)
    # On screen the largest lines (most overdue first, as always); all in the download.
    shown = c.largest(arr.overdue, outstanding_eur)
    dues = []
    for key, end in zip(("month", "quarter"), month_and_quarter_ends(as_of), strict=True):
        due = [x for x in arr.not_yet_due if x.due_date <= end]
        shown_due = c.largest(due, outstanding_eur)
        dues.append(SimpleNamespace(
            key=key, end=end, lines=due, total=sum((x.outstanding_eur for x in due), ZERO),
            shown=len(shown_due), frame=c.frame(shown_due, cols_due), columns=cols_due))
    buckets = arr.buckets
    return SimpleNamespace(
        overdue=arr.overdue, total=arr.total_eur, by_currency=arr.by_currency, buckets=buckets,
        shown=len(shown), frame=c.frame(shown, cols_overdue), columns=cols_overdue, dues=dues,
        chart=pd.DataFrame({"bucket": list(buckets), "EUR": [float(v) for v in buckets.values()]}),
    )


with c.guard():
    view = c.derived(("arrears", as_of), summarise)
    amount_cols = [c.t(k) for k in AMOUNTS]
    top = st.columns([1, 3])
    top[0].metric(c.t("arrears.total"), c.fmt_amount(view.total, "EUR"),
                  c.t("fig.lines", n=len(view.overdue)), delta_color="off", delta_arrow="off")
    if view.by_currency:
        top[1].markdown(f"**{c.t('arrears.by_currency')}**  \n" + " · ".join(
            c.fmt_amount(v, cur) for cur, v in view.by_currency.items()))
    m = st.columns(len(view.buckets))
    for i, (bucket, value) in enumerate(view.buckets.items()):
        m[i].metric(c.t("arrears.bucket", bucket=bucket), c.fmt_amount(value, "EUR"))

    st.subheader(c.t("arrears.overdue"))
    if not view.overdue:
        c.empty_state("arrears.none")
    else:
        c.chart(("arrears", as_of), lambda: alt.Chart(view.chart).mark_bar().encode(
            x=alt.X("bucket:N", sort=list(views.AGEING_BUCKETS), title=c.t("col.bucket"),
                    axis=alt.Axis(labelAngle=0)),
            y=alt.Y("EUR:Q", axis=alt.Axis(format="~s")),
            tooltip=["bucket", alt.Tooltip("EUR:Q", format=",.2f")],
        ).properties(height=200))
        c.shown_caption(view.shown, len(view.overdue), "what.overdue_lines")
        c.money_table(view.frame, amount_cols, key="arr_overdue")
        c.excel_download(lambda: c.frame(view.overdue, view.columns), f"arrears-{as_of}",
                         amount_cols, key="arr_xlsx")

    cl, cr = st.columns(2)
    for col, due in zip((cl, cr), view.dues, strict=True):
        with col:
            st.subheader(c.t(f"arrears.due_{due.key}", end=due.end.isoformat()))
            st.caption(c.t("arrears.due_total", total=c.fmt_amount(due.total),
                           n=len(due.lines)))
            if not due.lines:
                c.empty_state("arrears.nothing_due")
            else:
                c.shown_caption(due.shown, len(due.lines), "what.due_lines")
                c.money_table(due.frame, amount_cols, key=f"arr_due_{due.key}")
                c.excel_download(lambda due=due: c.frame(due.lines, due.columns),
                                 f"due-{due.key}-{as_of}", amount_cols,
                                 key=f"arr_due_{due.key}_xlsx")
