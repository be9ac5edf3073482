"""Exchange rates: exposure of open foreign-currency commitments and its what-if, realised
differences, the rate history with the commitments' rates, rates in use."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import altair as alt
import pandas as pd
import streamlit as st

from budget.money import ZERO, fmt
from budget.services import exchange, fx_history, views
from dashboards import charts, formats
from dashboards import common as c
from dashboards import period as period_ui
from dashboards.formats import date_text

c.page_header("fx.title", "fx.caption")
scope = c.scope()

year, span = period_ui.period_bar("fx")
as_of = span.end  # the exposure as of the period's end; realised differences in the period


def rate_text(value: Decimal | None, style: str | None = None) -> str:
    """A rate as the reader writes numbers (``1.0825`` / ``1,0825``), ``–`` when None
    (``style``: the amount style, when the caller has read it already)."""
    return c.t("fx.no_rate") if value is None else formats.rate_text(value, style or c.amount_style())


def rate_axis() -> alt.Axis:
    expr = "format(datum.value, '.4~f')"
    if c.amount_style() == "be":
        expr = f"replace({expr}, '.', ',')"
    return alt.Axis(labelExpr=expr, title=None, tickCount=6)


def history_chart(currency: str, start: dt.date) -> alt.TopLevelMixin | None:
    """The stored rates of ``currency`` as a line, the commitments' rates as dots."""
    points = c.cached(fx_history.rate_history, currency, start=start, end=as_of)
    if not points:
        return None
    # Read once, not once per point: a year of a large ledger has thousands of commitments.
    language, style = c.lang(), c.amount_style()
    reference, commitment = c.t("fx.reference_rate"), c.t("fx.commitment_rate")
    # Built column by column (c.frame): a frame of thousands of dicts costs twice as much.
    rates = c.frame(points, {
        "day": lambda p: p.rate_date.isoformat(), "rate": lambda p: float(p.rate),
        "when": lambda p: date_text(p.rate_date, language), "shown": lambda p: rate_text(p.rate, style),
        "what": lambda p: reference})
    used = c.cached(fx_history.commitment_rates, currency, start=start, end=as_of, directorates=scope)
    booked = c.frame(fx_history.booked_together(used), {
        "day": lambda d: d[0].entry_date.isoformat(), "rate": lambda d: float(d[0].rate),
        "when": lambda d: date_text(d[0].entry_date, language), "shown": lambda d: rate_text(d[0].rate, style),
        "reference": lambda d: d[0].reference if len(d) == 1 else c.t("fx.n_commitments", n=len(d)),
        "organisation": lambda d: ", ".join(sorted({u.organisation for u in d})[:3])
        + (", …" if len({u.organisation for u in d}) > 3 else ""),
        "amount": lambda d: f"{currency} {fmt(sum((u.amount for u in d), ZERO), style)}",
        "what": lambda d: commitment})
    colours = alt.Scale(domain=[c.t("fx.reference_rate"), c.t("fx.commitment_rate")],
                        range=["#1f4e9a", "#e07b00"])
    x = alt.X("day:T", title=None, axis=charts.date_axis(language))
    y = alt.Y("rate:Q", title=None, axis=rate_axis(), scale=alt.Scale(zero=False))
    line = alt.Chart(rates).mark_line(strokeWidth=2).encode(
        x=x, y=y, color=alt.Color("what:N", scale=colours, legend=charts.bottom_legend()),
        tooltip=[alt.Tooltip("when:N", title=c.t("chart.date")), alt.Tooltip("shown:N", title=c.t("chart.rate"))])
    if booked.empty:
        return alt.layer(line).properties(height=300)
    dots = alt.Chart(booked).mark_point(size=70, filled=True, opacity=0.9).encode(
        x=x, y=y, color=alt.Color("what:N", scale=colours),
        tooltip=[alt.Tooltip("when:N", title=c.t("chart.date")),
                 alt.Tooltip("reference:N", title=c.t("chart.commitment")),
                 alt.Tooltip("organisation:N", title=c.t("col.organisation")),
                 alt.Tooltip("amount:N", title=c.t("col.amount")),
                 alt.Tooltip("shown:N", title=c.t("chart.rate"))])
    return alt.layer(line, dots).properties(height=300)

def what_if_view(shocks: tuple[tuple[str, Decimal], ...]) -> SimpleNamespace:
    """The exposure with each currency's rate moved; the totals row is the service's totals
    (open amounts are in several currencies: they have none)."""
    w = exchange.exposure_what_if(c.cached(views.exposure, as_of=as_of, directorates=scope), dict(shocks))
    df = c.frame(w.rows, {
        c.t("col.currency"): lambda r: r.exposure.currency,
        c.t("col.open_cur"): lambda r: r.exposure.open,
        c.t("col.move_pct"): lambda r: float(r.shock),
        c.t("col.rate"): lambda r: rate_text(r.exposure.rate),
        c.t("col.rate_moved"): lambda r: rate_text(r.shocked_rate),
        c.t("col.eur_moved"): lambda r: r.eur_at_shock,
        c.t("col.difference"): lambda r: r.difference,
        c.t("col.change_eur"): lambda r: r.change,
    })
    eur = [c.t("col.eur_moved"), c.t("col.difference"), c.t("col.change_eur")]
    shown = c.with_totals(df, eur, given=dict(zip(eur, (w.eur_at_shock, w.difference, w.change), strict=True)))
    return SimpleNamespace(frame=df, shown=shown, at_shock=w.eur_at_shock, change=w.change)


def what_if_section() -> None:
    """A move in percent per currency (bounded -50..+50) and the open exposure at the moved
    rates, with the difference from the EUR booked and from the day's rate. Folded, it runs
    nothing (at no move it repeats the exposure above): its inputs cost every rerun."""
    box = c.lazy_expander("fx.whatif", "fx_what_if_open", ":material/currency_exchange:")
    if box.open:
        with box:
            what_if_inputs_and_table()


def what_if_inputs_and_table() -> None:
    """The moves per currency, the total and the table at the moved rates."""
    exp = c.cached(views.exposure, as_of=as_of, directorates=scope)
    limit = int(exchange.MAX_SHOCK_PERCENT)
    boxes = st.columns(max(min(len(exp), 4), 1))
    shocks = []
    for i, e in enumerate(exp):
        # Whole percents: written alike in every language (a decimal box shows "0.00" in French).
        moved = boxes[i % len(boxes)].number_input(
            c.t("fx.move", currency=e.currency), min_value=-limit, max_value=limit, value=0, step=1,
            format="%d", key=f"fx_move_{e.currency}")
        shocks.append((e.currency, exchange.shock_percent(int(moved))))
    w = c.derived(("fx_what_if", as_of, tuple(shocks)), lambda: what_if_view(tuple(shocks)))
    st.metric(c.t("fx.whatif_total"), c.fmt_amount(w.at_shock, "EUR") if w.at_shock is not None
              else c.t("fx.no_rate"),
              None if w.change is None else period_ui.change_text(w.change, None),
              delta_color="off", delta_arrow="off")
    amounts = [c.t(k) for k in ("col.open_cur", "col.eur_moved", "col.difference", "col.change_eur")]
    c.money_table(w.shown, amounts, [c.t("col.move_pct")], key="fx_what_if", keys=[c.t("col.currency")])
    c.excel_download(w.frame, f"exposure-what-if-{as_of}", amounts, key="fx_what_if_xlsx")
    st.caption(c.t("fx.whatif_caption"))


def history_section() -> None:
    """The rate history of one currency, the commitments' rates marked on it."""
    st.subheader(c.t("fx.history"))
    currencies = c.cached(fx_history.rate_currencies)
    if not currencies:
        c.empty_state("fx.no_rates")
        return
    # The currency of the largest open exposure first.
    held = sorted(c.cached(views.exposure, as_of=as_of, directorates=scope), key=lambda e: -e.eur_booked)
    first = next((e.currency for e in held if e.currency in currencies), currencies[0])
    cols = st.columns([1, 4])
    currency = str(cols[0].selectbox(c.t("col.currency"), currencies, index=currencies.index(first),
                                     key="fx_history_currency"))
    # At least the twelve months to the period's end: a month of rates says little.
    start = min(span.start, as_of - dt.timedelta(days=364))
    chart = c.derived(("fx_history", currency, start, as_of), lambda: history_chart(currency, start))
    if chart is None:
        c.empty_state("fx.no_history", currency=currency)
        return
    c.chart(("fx_history_chart", currency, start, as_of), lambda: chart)
    st.caption(c.t("fx.history_caption", start=c.fmt_date(start), end=c.fmt_date(as_of)))


def latent(t: exchange.ExposureTotals) -> tuple[str, str]:
    """The exposure's headline: a loss or a gain said in words, its size without a sign (the
    table's difference column keeps the sign: + a loss, − a gain)."""
    if t.difference is None:
        return c.t("fx.latent"), c.t("fx.no_rate")
    return c.t(f"fx.latent_{t.latent}" if t.latent else "fx.latent"), c.fmt_amount(abs(t.difference), "EUR")


with c.guard():
    st.subheader(c.t("fx.exposure"))
    amount_cols = [c.t("col.open_cur"), c.t("col.open_eur_committed"), c.t("col.open_eur_now"),
                   c.t("col.difference")]

    def exposure() -> SimpleNamespace | None:
        """The exposure table and the latent difference (once per data version and date)."""
        exp = c.cached(views.exposure, as_of=as_of, directorates=scope)
        if not exp:
            return None
        frame = pd.DataFrame([{
            c.t("col.currency"): e.currency, c.t("col.open_cur"): e.open,
            c.t("col.open_eur_committed"): e.eur_booked,
            c.t("col.rate"): rate_text(e.rate),
            c.t("col.rate_date"): e.rate_date, c.t("col.open_eur_now"): e.eur_at_rate,
            c.t("col.difference"): e.difference,
        } for e in exp])
        t = exchange.exposure_totals(exp)
        eur_cols = amount_cols[1:]  # the open amounts are in several currencies: no total
        shown = c.with_totals(frame, eur_cols, given=dict(zip(
            eur_cols, (t.eur_booked, t.eur_at_rate, t.difference), strict=True)))
        return SimpleNamespace(frame=frame, shown=shown, totals=t)

    ex = c.derived(("fx_exposure", as_of), exposure)
    if ex is None:
        c.empty_state("fx.no_exposure")
    else:
        t = ex.totals
        st.metric(*latent(t))
        c.money_table(ex.shown, amount_cols, key="fx_exp")
        c.excel_download(ex.frame, f"exposure-{as_of}", amount_cols, key="fx_exp_xlsx")
        st.caption(c.t("fx.exposure_caption"))
        what_if_section()

    st.subheader(c.t("fx.realised", year=year) if span.kind in ("ytd", "year")
                 else c.t("fx.realised_period", start=c.fmt_date(span.start), end=c.fmt_date(span.end)))
    diff_cols = {
        c.t("col.date"): lambda d: d.entry_date, c.t("col.organisation"): lambda d: d.organisation,
        c.t("col.directorate"): lambda d: d.directorate, c.t("col.commitment"): lambda d: d.commitment,
        c.t("col.payment"): lambda d: d.payment, c.t("col.currency"): lambda d: d.currency,
        c.t("col.committed_eur"): lambda d: d.committed_eur, c.t("col.gain_eur"): lambda d: d.gain_eur,
    }

    def realised() -> SimpleNamespace:
        """The year's differences up to the as-of date: their sums and the largest (in date
        order) from the service; the download reads them all when clicked."""
        v = c.cached(views.exchange_difference_view, year=year, start=span.start, end=as_of,
                     directorates=scope, top=c.SHOWN_ROWS)
        return SimpleNamespace(count=v.count, shown=len(v.lines), frame=c.frame(v.lines, diff_cols),
                               gains=v.gains, losses=v.losses, net=v.net)

    def every_difference() -> object:
        read = c.later(views.exchange_differences, year=year, start=span.start, end=as_of, directorates=scope)
        return lambda: c.frame(read(), diff_cols)

    fx = c.derived(("fx_realised", year, span), realised)
    if not fx.count:
        c.empty_state("fx.no_differences")
    else:
        m = st.columns(3)
        m[0].metric(c.t("fx.gains"), c.fmt_amount(fx.gains, "EUR"))
        m[1].metric(c.t("fx.losses"), c.fmt_amount(fx.losses, "EUR"))
        m[2].metric(c.t("fx.net"), c.fmt_amount(fx.net, "EUR"))
        cols_d = [c.t("col.committed_eur"), c.t("col.gain_eur")]
        c.shown_caption(fx.shown, fx.count, "what.differences")
        c.money_table(fx.frame, cols_d, key="fx_diff")
        c.excel_download(every_difference(), f"exchange-differences-{year}",
                         cols_d, key="fx_diff_xlsx")
        st.caption(c.t("fx.gain_sign"))

    def rates_used() -> pd.DataFrame:
        """The year's payments per currency with their effective rate (once per version)."""
        used = c.cached(fx_history.rates_used, year, as_of=as_of, directorates=scope)
        return pd.DataFrame([{
            c.t("col.currency"): x.currency, c.t("col.payments"): x.payments,
            c.t("col.amount"): x.amount, c.t("col.amount_eur"): x.amount_eur,
            c.t("col.effective_rate"): formats.rate_text(x.average_rate, c.amount_style()),
        } for x in used])

    def latest_rates() -> pd.DataFrame:
        """The latest rate of each currency on the date (once per data version and date)."""
        latest = c.cached(fx_history.latest_rates, as_of)
        return pd.DataFrame([{
            c.t("col.currency"): x.currency, c.t("col.rate"): rate_text(x.rate),
            c.t("col.rate_date"): x.rate_date, c.t("col.source"): x.source,
        } for x in latest])

    history_section()

    cl, cr = st.columns(2)
    with cl:
        st.subheader(c.t("fx.used", year=year))
        u = c.derived(("fx_used", year, as_of), rates_used)
        if u.empty:
            c.empty_state("fx.no_payments")
        else:
            c.money_table(u, [c.t("col.amount"), c.t("col.amount_eur")], key="fx_used")
    with cr:
        st.subheader(c.t("fx.latest"))
        lr = c.derived(("fx_latest", as_of), latest_rates)
        if lr.empty:
            c.empty_state("fx.no_rates")
        else:
            c.money_table(lr, key="fx_latest")
            st.caption(c.t("fx.rate_convention"))
