"""Arrears: overdue assessments with ageing, and what falls due this month and quarter."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import altair as alt
import pandas as pd
import streamlit as st

from budget.days import month_end
from budget.services import views
from dashboards import charts
from dashboards import common as c
from dashboards.formats import amount_text, input_date_format
from dashboards.naming import shown_names

c.page_header("arrears.title", "arrears.caption")
scope = c.scope()

cols = st.columns([1, 4])
as_of = cols[0].date_input(c.t("common.as_of"), value=c.config.today(), key="arr_as_of",
                           format=input_date_format(c.lang()))


def columns(with_days: bool) -> dict:
    """The table's columns (label: getter), labels translated once per run: the key, then
    what answers the question (outstanding EUR, how late), then the detail."""
    org_names = shown_names("organisation")  # in the user's language
    cols = {
        c.t("col.organisation"): lambda x: x.organisation,
        c.t("col.outstanding_eur"): lambda x: x.outstanding_eur,
    }
    if with_days:
        cols[c.t("col.days_overdue")] = lambda x: x.days_overdue
        cols[c.t("col.bucket")] = lambda x: x.bucket
    cols.update({
        c.t("col.due_date"): lambda x: x.due_date,
        c.t("col.currency"): lambda x: x.currency, c.t("col.outstanding"): lambda x: x.outstanding,
        c.t("col.assessed"): lambda x: x.assessed, c.t("col.paid_cur"): lambda x: x.paid,
        c.t("col.reference"): lambda x: x.reference, c.t("col.year"): lambda x: x.fiscal_year,
        c.t("col.name"): lambda x: org_names.get(x.organisation, x.organisation_name),
        c.t("col.directorate"): lambda x: x.directorate,
    })
    return cols


def with_total(frame: pd.DataFrame, total: object, count: int) -> pd.DataFrame:
    """The lines shown and the whole list's EUR total (the page may show only the largest)."""
    return c.with_totals(frame, [c.t("col.outstanding_eur")], label=c.t("common.total_all", n=count),
                         given={c.t("col.outstanding_eur"): total})


AMOUNTS = ("col.assessed", "col.paid_cur", "col.outstanding", "col.outstanding_eur")

def month_and_quarter_ends(day: dt.date) -> tuple[dt.date, dt.date]:
    """The last day of ``day``'s month and of its quarter."""
    return month_end(day.year, day.month), month_end(day.year, ((day.month - 1) // 3 + 1) * 3)


def summarise() -> SimpleNamespace:
    """Everything the page shows, worked out once per data version (not on every rerun).

    The service reads the figures and only the largest lines (most overdue first, as
    always); the downloads read every line when clicked.
    """
    ends = month_and_quarter_ends(as_of)
    av = c.cached(views.arrears_view, as_of, directorates=scope, top=c.SHOWN_ROWS, due_by=ends)
    cols_overdue, cols_due = columns(True), columns(False)
    dues = []
    for key, end, due in zip(("month", "quarter"), ends, av.due, strict=True):
        dues.append(SimpleNamespace(
            key=key, end=end, count=due.count, total=due.total_eur, shown=len(due.lines),
            frame=with_total(c.frame(due.lines, cols_due), due.total_eur, due.count), columns=cols_due))
    s = av.summary
    return SimpleNamespace(
        count=s.overdue_count, total=s.total_eur, by_currency=s.by_currency, buckets=s.buckets,
        shown=len(av.overdue.lines),
        frame=with_total(c.frame(av.overdue.lines, cols_overdue), s.total_eur, s.overdue_count),
        columns=cols_overdue, dues=dues,
        chart=bucket_frame(s.buckets),
    )


def bucket_frame(buckets: dict) -> pd.DataFrame:
    """The ageing buckets for the chart: a small bucket keeps a visible bar (at least 2 % of
    the largest), its real amount written beside it and in the tooltip."""
    largest = max((float(v) for v in buckets.values()), default=0.0)
    style = c.amount_style()
    return pd.DataFrame({
        "bucket": list(buckets),
        "EUR": [max(float(v), largest * 0.02) if v > 0 else 0.0 for v in buckets.values()],
        "shown": [amount_text(v, style, "EUR") for v in buckets.values()],
    })


def bucket_chart(frame: pd.DataFrame) -> alt.LayerChart:
    y = alt.Y("bucket:N", sort=list(views.AGEING_BUCKETS), title=c.t("col.bucket"))
    tooltip = [alt.Tooltip("bucket:N", title=c.t("chart.bucket")),
               alt.Tooltip("shown:N", title=c.t("chart.amount"))]
    room = float(frame["EUR"].max() or 1.0) * 1.3  # the largest bar's amount fits beside it
    bars = alt.Chart(frame).mark_bar(color=charts.OVERDUE).encode(
        y=y, x=alt.X("EUR:Q", title=None, scale=alt.Scale(domain=[0, room]),
                     axis=charts.amount_axis(c.amount_style(), c.lang())),
        tooltip=tooltip)
    text = alt.Chart(frame).mark_text(align="left", dx=4, fontSize=12).encode(
        y=y, x="EUR:Q", text="shown:N", tooltip=tooltip)
    return alt.layer(bars, text).properties(height=200)


def every_line(overdue: bool, end: dt.date | None, columns: dict) -> object:
    """The whole list for a download, read when the button is clicked."""
    read = c.later(views.arrears, as_of, directorates=scope)

    def build() -> pd.DataFrame:
        arr = read()
        lines = arr.overdue if overdue else (arr.falling_due(end) if end is not None else [])
        return c.frame(lines, columns)

    return build


with c.guard():
    view = c.derived(("arrears", as_of), summarise)
    amount_cols = [c.t(k) for k in AMOUNTS]
    top = st.columns([1, 3])
    top[0].metric(c.t("arrears.total"), c.fmt_amount(view.total, "EUR"),
                  c.t("fig.lines", n=view.count), delta_color="off", delta_arrow="off")
    if view.by_currency:
        top[1].markdown(f"**{c.t('arrears.by_currency')}**  \n" + " · ".join(
            c.fmt_amount(v, cur) for cur, v in view.by_currency.items()))
    m = st.columns(len(view.buckets))
    for i, (bucket, value) in enumerate(view.buckets.items()):
        m[i].metric(c.t("arrears.bucket", bucket=bucket), c.fmt_amount(value, "EUR"))

    st.subheader(c.t("arrears.overdue"))
    if not view.count:
        c.empty_state("arrears.none")
    else:
        c.chart(("arrears", as_of), lambda: bucket_chart(view.chart))
        c.shown_caption(view.shown, view.count, "what.overdue_lines")
        c.money_table(view.frame, amount_cols, key="arr_overdue", names=[c.t("col.name")])
        c.excel_download(every_line(True, None, view.columns), f"arrears-{as_of}",
                         amount_cols, key="arr_xlsx")

    cl, cr = st.columns(2)
    for col, due in zip((cl, cr), view.dues, strict=True):
        with col:
            st.subheader(c.t(f"arrears.due_{due.key}", end=c.fmt_date(due.end)))
            st.caption(c.t("arrears.due_total", total=c.fmt_amount(due.total), n=due.count))
            if not due.count:
                c.empty_state("arrears.nothing_due")
            else:
                c.shown_caption(due.shown, due.count, "what.due_lines")
                c.money_table(due.frame, amount_cols, key=f"arr_due_{due.key}", names=[c.t("col.name")])
                c.excel_download(every_line(False, due.end, due.columns),
                                 f"due-{due.key}-{as_of}", amount_cols,
                                 key=f"arr_due_{due.key}_xlsx")
