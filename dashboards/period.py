"""The period a page shows, chosen in one place, so that every page reads it alike.

A page calls :func:`period_bar` where it used to call ``c.year_selector`` and
``c.as_of_selector``: it draws the fiscal year, the kind of period (year to date, month,
quarter, whole year, custom range) and the kind's own input, and returns the year and the
:class:`~budget.services.periods.Period`. Flows ("committed", "paid") are read between the
period's two dates (:func:`budget.services.periods.period_execution`); balances (open,
available, overdue) stay "as of" ``period.end``.

The state keys, for whoever keeps the page state elsewhere (the URL): with the page's
``prefix``, ``{prefix}_year`` (a widget), ``{prefix}_period`` (one of ``PERIOD_KINDS``), and per
year ``{prefix}_month-{year}`` (1-12) and ``{prefix}_quarter-{year}`` (1-4): plain session
values read when the page is drawn (see :func:`translated_choice`); and the date widgets
``{prefix}_as_of-{year}``, ``{prefix}_from-{year}`` and ``{prefix}_to-{year}``.

:func:`year_over_year_table` shows a :class:`~budget.services.periods.YearOverYear` (the
Directorates and Budget lines pages) and :func:`monthly_payments_chart` the payments per
month against last year's (the Overview).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from budget.services.execution import MonthFigures
from budget.services.periods import PERIOD_KINDS, Period, YearOverYear, period_of
from dashboards import charts
from dashboards import common as c
from dashboards.formats import amount_text, input_date_format, month_names

#: Last year's bars: the paid colour, muted.
LAST_YEAR = "#f2c48d"


def translated_choice(
    where: Any, widget: str, label: str, options: Sequence[Any], key: str, labels: Any, default: Any,
    **kwargs: Any,
) -> Any:
    """A select box or radio (``widget``) whose option texts follow the language, its choice
    kept under ``key`` in the session (set it there to choose for the reader).

    Streamlit sends back the text of the chosen option: once the language changed, the old
    text matches none of the new ones and the choice would be lost (or misread). So the
    widget itself is one per language (``key~lang``), started from the choice kept.
    """
    chosen = st.session_state.get(key, default)
    if chosen not in options:
        chosen = default
    draw = where.radio if widget == "radio" else where.selectbox
    # The texts worked out now, in this run's language (a formatter may be called later).
    texts = {o: labels(o) for o in options}
    value = draw(label, list(options), index=list(options).index(chosen), key=f"{key}~{c.lang()}",
                 format_func=texts.__getitem__, **kwargs)
    value = value if value in options else chosen
    st.session_state[key] = value
    return value


def _month_default(year: int, today: dt.date) -> int:
    return today.month if year == today.year else 12


def period_bar(prefix: str, *, kinds: Sequence[str] = PERIOD_KINDS) -> tuple[int, Period]:
    """The fiscal year and the period (see the module's text), in one row of inputs, with a
    caption saying what the figures cover. A custom range whose first day comes after its
    last stops the page with a message."""
    today = c.config.today()
    cols = st.columns([1, 1.4, 1.2, 1.2, 1.2])
    year = c.year_selector(f"{prefix}_year", container=cols[0])
    kind = str(translated_choice(cols[1], "selectbox", c.t("period.kind"), kinds, f"{prefix}_period",
                                 lambda k: c.t(f"period.{k}"), kinds[0]))
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if kind == "month":
        month = translated_choice(cols[2], "selectbox", c.t("common.month"), range(1, 13),
                                  f"{prefix}_month-{year}", lambda m: month_names(c.lang())[m - 1],
                                  _month_default(year, today))
        span = period_of("month", year, month=int(month), today=today)
    elif kind == "quarter":
        quarter = translated_choice(cols[2], "selectbox", c.t("period.quarter"), (1, 2, 3, 4),
                                    f"{prefix}_quarter-{year}", lambda q: c.t("period.q", q=q),
                                    (_month_default(year, today) + 2) // 3)
        span = period_of("quarter", year, quarter=int(quarter), today=today)
    elif kind == "custom":
        fmt = input_date_format(c.lang())
        end_default = min(max(today, first), last)
        start = cols[2].date_input(c.t("period.from"), value=first, min_value=first, max_value=last,
                                   key=f"{prefix}_from-{year}", format=fmt)
        end = cols[3].date_input(c.t("period.to"), value=end_default, min_value=first, max_value=last,
                                 key=f"{prefix}_to-{year}", format=fmt)
        start = start if isinstance(start, dt.date) else first
        end = end if isinstance(end, dt.date) else end_default
        if start > end:
            st.error(c.t("period.reversed", start=c.fmt_date(start), end=c.fmt_date(end)),
                     icon=":material/error:")
            st.stop()
        span = period_of("custom", year, start=start, end=end)
    elif kind == "year":
        span = period_of("year", year, today=today)
    else:
        as_of = c.as_of_selector(year, f"{prefix}_as_of", container=cols[2])
        # A day outside the year counts as its nearest end (the figures are the year's).
        span = period_of("ytd", year, as_of=min(max(as_of, first), last), today=today)
    st.caption(c.t("period.caption", start=c.fmt_date(span.start), end=c.fmt_date(span.end)))
    return year, span


def change_text(difference: Any, rate: Any) -> str:
    """A difference with its sign and percentage (``+1,000.00 (+25.0 %)``), for a metric."""
    sign = "+" if difference > 0 else ""
    pct = "" if rate is None else f" ({'+' if rate > 0 else ''}{c.fmt_pct(rate)})"
    return f"{sign}{c.fmt_amount(difference)}{pct}"


def year_over_year_frame(yoy: YearOverYear, figure: str, key_label: str) -> pd.DataFrame:
    """One figure (``committed`` or ``paid_in_year``) of ``yoy``: a row per key with this
    period, last year's, the difference and the percentage (rows where both are nil left out:
    they add nothing to the totals)."""
    this_col, last_col = str(yoy.period.year), str(yoy.last_period.year)
    rows = [r for r in yoy.rows if getattr(r, figure).this or getattr(r, figure).last]
    return c.frame(rows, {
        key_label: lambda r: r.key,
        this_col: lambda r: getattr(r, figure).this,
        last_col: lambda r: getattr(r, figure).last,
        c.t("col.difference"): lambda r: getattr(r, figure).difference,
        c.t("col.change_pct"): lambda r: c.pct_value(getattr(r, figure).rate),
        c.t("col.name"): lambda r: r.name,
    })


def year_over_year_table(yoy: YearOverYear, key_label: str, key: str) -> None:
    """The year-over-year table of ``yoy`` with its totals row (the service's totals), a
    choice of figure, and its Excel download."""
    figure = str(translated_choice(st, "radio", c.t("yoy.figure"), ("committed", "paid_in_year"),
                                   f"{key}_figure", lambda f: c.t(f"yoy.{f}"), "committed", horizontal=True))
    df = c.derived(("yoy", key, yoy.by, yoy.period, figure),
                   lambda: year_over_year_frame(yoy, figure, key_label))
    if df.empty:
        c.empty_state("yoy.empty")
        return
    this_col, last_col = str(yoy.period.year), str(yoy.last_period.year)
    amounts = [this_col, last_col, c.t("col.difference")]
    total = getattr(yoy.totals, figure)
    shown = c.derived(("yoy_shown", key, yoy.by, yoy.period, figure), lambda: c.with_totals(
        df, amounts, {c.t("col.change_pct"): (c.t("col.difference"), last_col)},
        given={this_col: total.this, last_col: total.last, c.t("col.difference"): total.difference}))
    c.money_table(shown, amounts, [c.t("col.change_pct")], key=key, keys=[key_label],
                  names=[c.t("col.name")], name_width=120)
    st.caption(c.t("yoy.caption", start=c.fmt_date(yoy.period.start), end=c.fmt_date(yoy.period.end),
                   last_start=c.fmt_date(yoy.last_period.start), last_end=c.fmt_date(yoy.last_period.end)))
    c.excel_download(df, f"year-over-year-{yoy.by}-{figure}-{yoy.period.start}-{yoy.period.end}",
                     amounts, key=f"{key}_xlsx")


def monthly_payments_frame(year: int, this: Sequence[MonthFigures], last: Sequence[MonthFigures],
                           span: Period) -> pd.DataFrame:
    """Payments made in each month (not cumulated) of ``year`` up to the end of ``span`` and
    of the year before, with the tooltip's text in the reader's format; ``inside`` marks the
    months that ``span`` touches (the chart dims the others)."""
    names, style = month_names(c.lang()), c.amount_style()
    upto = span.end
    this_label = c.t("chart.this_year", year=year)
    last_label = c.t("chart.last_year", year=year - 1)
    points = []
    for label, months, stop in ((this_label, this, upto.month if upto.year == year else 12),
                                (last_label, last, 12)):
        for mf in months:
            if mf.month <= stop:
                points.append({"month": names[mf.month - 1], "year": label, "EUR": float(mf.paid_in_year),
                               "shown": amount_text(mf.paid_in_year, style, "EUR"),
                               "inside": span.start.month <= mf.month <= span.end.month})
    return pd.DataFrame(points)


def monthly_payments_chart(frame: pd.DataFrame, year: int) -> alt.Chart:
    """Bars of the payments of each month: this year strong, last year muted beside it."""
    names = list(month_names(c.lang()))
    this_label = c.t("chart.this_year", year=year)
    last_label = c.t("chart.last_year", year=year - 1)
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("month:O", title=None, sort=names, scale=alt.Scale(domain=names),
                axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("year:N", sort=[last_label, this_label]),
        y=alt.Y("EUR:Q", title=None, axis=charts.amount_axis(c.amount_style(), c.lang())),
        color=alt.Color("year:N", scale=alt.Scale(domain=[this_label, last_label],
                                                  range=[charts.PAID, LAST_YEAR]),
                        legend=charts.bottom_legend()),
        opacity=alt.Opacity("inside:N", scale=alt.Scale(domain=[True, False], range=[1.0, 0.35]), legend=None),
        tooltip=[alt.Tooltip("year:N", title=c.t("chart.year")),
                 alt.Tooltip("month:O", title=c.t("chart.month")),
                 alt.Tooltip("shown:N", title=c.t("chart.amount"))],
    ).properties(height=300)
