"""Overview: where the year stands, the monthly curve, directorates, open and due items."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import altair as alt
import pandas as pd
import streamlit as st

from budget.services import periods, views
from dashboards import charts, drill
from dashboards import common as c
from dashboards import period as period_ui
from dashboards.formats import amount_text, month_names

c.page_header("overview.title", "overview.caption")
scope = c.scope()

year, span = period_ui.period_bar("ov")
as_of = span.end  # balances as of the period's end; flows between its two dates

def figures() -> SimpleNamespace:
    """What the page shows, worked out once per data version and selection."""
    ex = c.cached(views.execution, year, "directorate", as_of=as_of, directorates=scope, lang=c.lang())
    horizon = as_of + dt.timedelta(days=30)
    # The figures and only the lines shown: the overdue total, the largest lines falling due
    # in the next 30 days (the download reads them all when clicked), the ten largest open
    # commitments. Not every open line of a twenty-year ledger.
    arr = c.cached(views.arrears_view, as_of, directorates=scope, top=c.SHOWN_ROWS, due_by=(horizon,))
    this = c.cached(views.monthly, year, as_of=as_of, directorates=scope)
    # Last year read once, whole: its curve beside this year's, and its December
    # cumulation is the caption's full-year committed and paid (the year's late entries
    # count in December, so that it equals the year's totals).
    last = c.cached(views.monthly, year - 1, directorates=scope)
    yoy = c.cached(periods.year_over_year, span, "directorate", directorates=scope)
    tot = ex.totals
    language, style = c.lang(), c.amount_style()
    names = month_names(language)
    committed_label, paid_label = c.t("fig.committed"), c.t("fig.paid_in_year")
    points = []
    for y, months in ((year, this), (year - 1, last)):
        when = c.t("chart.this_year" if y == year else "chart.last_year", year=y)
        for mf in months:
            if y == year and as_of.year == year and mf.month > as_of.month:
                continue
            for label, value in ((committed_label, mf.cumulative_committed),
                                 (paid_label, mf.cumulative_paid)):
                points.append({"month": names[mf.month - 1], "what": label, "year": when,
                               "series": f"{label} {y}", "EUR": float(value),
                               "shown": amount_text(value, style, "EUR")})
    rules = charts.credit_rules((c.t("fig.commitment_credits") + f" {year}", tot.commitment_credits),
                                (c.t("fig.payment_credits") + f" {year}", tot.payment_credits), names, style)
    rows = [r for r in ex.rows if r.committed or r.paid or r.assessed_eur]
    by_directorate = c.frame(rows, {
        c.t("col.directorate"): lambda r: r.key,
        c.t("col.committed"): lambda r: r.committed, c.t("col.paid"): lambda r: r.paid,
        c.t("col.open"): lambda r: r.open,
        c.t("col.paid_pct"): lambda r: c.pct_value(r.paid_rate),
        c.t("col.name"): lambda r: r.name,
    })
    bars = pd.DataFrame(
        [{"directorate": r.key, "what": c.t("fig.committed"), "EUR": float(r.committed),
          "shown": amount_text(r.committed, style, "EUR")} for r in rows]
        + [{"directorate": r.key, "what": c.t("fig.paid_on_commitments"), "EUR": float(r.paid),
            "shown": amount_text(r.paid, style, "EUR")} for r in rows])
    opened = c.cached(views.open_commitments, as_of=as_of, year=year, directorates=scope, limit=10)
    top = c.frame(opened, {
        c.t("col.organisation"): lambda o: o.organisation,
        c.t("col.open_eur"): lambda o: o.open_eur,
        c.t("col.currency"): lambda o: o.currency, c.t("col.open_cur"): lambda o: o.open,
        c.t("col.reference"): lambda o: o.reference,
    })
    due = arr.due[0]
    due_cols = {
        c.t("col.organisation"): lambda x: x.organisation,
        c.t("col.due_date"): lambda x: x.due_date,
        c.t("col.outstanding_eur"): lambda x: x.outstanding_eur,
        c.t("col.currency"): lambda x: x.currency,
        c.t("col.outstanding"): lambda x: x.outstanding,
        c.t("col.reference"): lambda x: x.reference,
    }
    return SimpleNamespace(
        tot=tot, yoy=yoy.totals, monthly=period_ui.monthly_payments_frame(year, this, last, span),
        overdue_total=arr.summary.total_eur, overdue_lines=arr.summary.overdue_count,
        curve=pd.DataFrame(points), rules=rules,
        last_committed=last[-1].cumulative_committed, last_paid=last[-1].cumulative_paid,
        by_directorate=by_directorate, bars=bars, top=top,
        by_directorate_shown=c.with_totals(
            by_directorate, [c.t("col.committed"), c.t("col.paid"), c.t("col.open")],
            {c.t("col.paid_pct"): (c.t("col.paid"), c.t("col.committed"))}),
        top_shown=c.with_totals(top, [c.t("col.open_eur")], label=c.t("overview.total_shown")),
        horizon=horizon, due_count=due.count, due_cols=due_cols, due_shown=len(due.lines),
        due_frame=c.frame(due.lines, due_cols),
        due_frame_shown=c.with_totals(
            c.frame(due.lines, due_cols), [c.t("col.outstanding_eur")],
            label=c.t("overview.total_due", n=due.count),
            given={c.t("col.outstanding_eur"): due.total_eur}),
    )


def every_due_line(f: SimpleNamespace) -> object:
    """Every line falling due in the next 30 days, for the download, read when clicked."""
    read = c.later(views.arrears, as_of, directorates=scope)

    def build() -> pd.DataFrame:
        return c.frame(read().falling_due(f.horizon), f.due_cols)

    return build


def curve_chart(f: SimpleNamespace) -> alt.LayerChart:
    """Cumulated committed and paid by month: this year strong, last year muted and dashed,
    the year's two credits as labelled lines."""
    names = list(month_names(c.lang()))
    this_year, last_year = c.t("chart.this_year", year=year), c.t("chart.last_year", year=year - 1)
    x = alt.X("month:O", title=None, sort=names, scale=alt.Scale(domain=names),
              axis=alt.Axis(labelAngle=0))
    y_axis = charts.amount_axis(c.amount_style(), c.lang())
    tooltip = [alt.Tooltip("series:N", title=c.t("chart.what")),
               alt.Tooltip("month:O", title=c.t("chart.month")),
               alt.Tooltip("shown:N", title=c.t("chart.amount"))]
    lines = alt.Chart(f.curve).mark_line(point=True).encode(
        x=x,
        y=alt.Y("EUR:Q", title=None, axis=y_axis),
        color=alt.Color("what:N", scale=alt.Scale(domain=[c.t("fig.committed"), c.t("fig.paid_in_year")],
                                                  range=[charts.COMMITTED, charts.PAID]),
                        legend=charts.bottom_legend()),
        opacity=alt.Opacity("year:N", scale=alt.Scale(domain=[this_year, last_year], range=[1.0, 0.4]),
                            legend=charts.bottom_legend()),
        strokeDash=alt.StrokeDash("year:N", scale=alt.Scale(domain=[this_year, last_year],
                                                            range=[[1, 0], [5, 4]]), legend=None),
        strokeWidth=alt.StrokeWidth("year:N", scale=alt.Scale(domain=[this_year, last_year],
                                                              range=[3, 1.5]), legend=None),
        detail="series:N",
        tooltip=tooltip,
    )
    return alt.layer(lines, *charts.credit_lines(f.rules, x, c.t("chart.what"), c.t("chart.amount"))).properties(
        height=340)


def directorate_chart(f: SimpleNamespace) -> alt.Chart:
    return alt.Chart(f.bars).mark_bar().encode(
        # Every directorate named, even in a narrow column (Vega hides overlapping labels).
        x=alt.X("directorate:N", title=None, axis=alt.Axis(labelAngle=-45, labelOverlap=False)),
        xOffset="what:N",
        y=alt.Y("EUR:Q", title=None, axis=charts.amount_axis(c.amount_style(), c.lang())),
        color=alt.Color("what:N", scale=alt.Scale(
            domain=[c.t("fig.committed"), c.t("fig.paid_on_commitments")], range=[charts.COMMITTED, charts.PAID]),
            legend=charts.bottom_legend(1)),
        tooltip=[alt.Tooltip("directorate:N", title=c.t("chart.directorate")),
                 alt.Tooltip("what:N", title=c.t("chart.what")),
                 alt.Tooltip("shown:N", title=c.t("chart.amount"))],
    ).properties(height=300)


with c.guard():
    f = c.derived(("overview", year, span), figures)
    tot = f.tot

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
        m[3].metric(c.t("fig.overdue"), c.fmt_amount(f.overdue_total, "EUR"),
                    c.t("fig.lines", n=f.overdue_lines), delta_color="off", delta_arrow="off")
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

        # ---------------------------------------------------------------- the period
        st.subheader(c.t("overview.period_heading", start=c.fmt_date(span.start), end=c.fmt_date(span.end)))
        pm = st.columns(3)
        for where, label, change in ((pm[0], "overview.period_committed", f.yoy.committed),
                                     (pm[1], "overview.period_paid_in_year", f.yoy.paid_in_year),
                                     (pm[2], "overview.period_paid", f.yoy.paid)):
            where.metric(c.t(label), c.fmt_amount(change.this, "EUR"),
                         c.t("overview.vs_last_year", change=period_ui.change_text(change.difference, change.rate),
                             year=year - 1), delta_color="off", delta_arrow="off")
        st.subheader(c.t("overview.monthly_paid", year=year, last=year - 1))
        c.chart(("ov_monthly", year, span), lambda: period_ui.monthly_payments_chart(f.monthly, year))
        st.caption(c.t("overview.monthly_caption", year=year, end=c.fmt_date(as_of)))

        # ---------------------------------------------------------------- monthly curve
        st.subheader(c.t("overview.curve", year=year))
        c.chart(("ov_curve", year, as_of), lambda: curve_chart(f))
        st.caption(c.t("overview.curve_caption", last=year - 1,
                       committed=c.fmt_amount(f.last_committed),
                       paid=c.fmt_amount(f.last_paid)))

        # ---------------------------------------------------------------- directorates
        st.subheader(c.t("overview.by_directorate"))
        if f.by_directorate.empty:
            c.empty_state("overview.empty", year=year)
        else:
            # The table first and wide enough for its amounts; the chart beside it (under
            # it on a phone, where Streamlit stacks the columns).
            cl, cr = st.columns([2, 1])
            with cl:
                row = drill.selected(c.money_table(
                    f.by_directorate_shown, [c.t("col.committed"), c.t("col.paid"), c.t("col.open")],
                    [c.t("col.paid_pct")], key="ov_dir", keys=[c.t("col.directorate")], on_select="rerun",
                    names=[c.t("col.name")], name_width=120), len(f.by_directorate))
                if row is not None:  # a click on a directorate opens it with its organisations
                    drill.go(drill.DIRECTORATES, dir=f.by_directorate.iloc[row][c.t("col.directorate")],
                             year=year, as_of=as_of)
                st.caption(c.t("dirs.click_hint"))
                c.excel_download(f.by_directorate, f"directorates-{year}", key="ov_dir_xlsx")
            c.chart(("ov_dirs", year, as_of), lambda: directorate_chart(f), container=cr)

        # ---------------------------------------------------------------- open / due
        # One under the other: side by side, half the page cut their amounts off.
        st.subheader(c.t("overview.largest_open"))
        if f.top.empty:
            c.empty_state("overview.nothing_open")
        else:
            c.money_table(f.top_shown, [c.t("col.open_cur"), c.t("col.open_eur")], key="ov_open",
                          names=[c.t("col.organisation")])
            c.excel_download(f.top, f"largest-open-{year}", key="ov_open_xlsx")
        st.subheader(c.t("overview.due_30"))
        if not f.due_count:
            c.empty_state("overview.nothing_due")
        else:
            c.shown_caption(f.due_shown, f.due_count, "what.due_lines")
            c.money_table(f.due_frame_shown, [c.t("col.outstanding"), c.t("col.outstanding_eur")],
                          key="ov_due", names=[c.t("col.organisation")])
            c.excel_download(every_due_line(f), f"due-30-days-{as_of}", key="ov_due_xlsx")
