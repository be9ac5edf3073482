"""Exchange rates: exposure of open foreign-currency commitments, realised differences,
rates in use."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import streamlit as st

from budget.money import ZERO
from budget.services import dashboard_views as dv
from budget.services import views
from dashboards import common as c

c.page_header("fx.title", "fx.caption")
scope = c.scope()

cols = st.columns([1, 1, 3])
year = c.year_selector("fx_year", container=cols[0])
as_of = c.as_of_selector(year, "fx_as_of", container=cols[1])

with c.guard():
    st.subheader(c.t("fx.exposure"))
    amount_cols = [c.t("col.open_cur"), c.t("col.open_eur_committed"), c.t("col.open_eur_now"),
                   c.t("col.difference")]

    def exposure() -> SimpleNamespace | None:
        """The exposure table and the latent difference (once per data version and date)."""
        exp = c.cached(views.exposure, as_of=as_of, directorates=scope)
        if not exp:
            return None
        return SimpleNamespace(
            frame=pd.DataFrame([{
                c.t("col.currency"): e.currency, c.t("col.open_cur"): e.open,
                c.t("col.open_eur_committed"): e.eur_booked,
                c.t("col.rate"): str(e.rate) if e.rate is not None else c.t("fx.no_rate"),
                c.t("col.rate_date"): e.rate_date, c.t("col.open_eur_now"): e.eur_at_rate,
                c.t("col.difference"): e.difference,
            } for e in exp]),
            latent=sum((e.difference for e in exp if e.difference is not None), ZERO))

    ex = c.derived(("fx_exposure", as_of), exposure)
    if ex is None:
        c.empty_state("fx.no_exposure")
    else:
        st.metric(c.t("fx.latent"), c.fmt_amount(ex.latent, "EUR"))
        c.money_table(ex.frame, amount_cols, key="fx_exp")
        c.excel_download(ex.frame, f"exposure-{as_of}", amount_cols, key="fx_exp_xlsx")
        st.caption(c.t("fx.exposure_caption"))

    st.subheader(c.t("fx.realised", year=year))
    diff_cols = {
        c.t("col.date"): lambda d: d.entry_date, c.t("col.organisation"): lambda d: d.organisation,
        c.t("col.directorate"): lambda d: d.directorate, c.t("col.commitment"): lambda d: d.commitment,
        c.t("col.payment"): lambda d: d.payment, c.t("col.currency"): lambda d: d.currency,
        c.t("col.committed_eur"): lambda d: d.committed_eur, c.t("col.gain_eur"): lambda d: d.gain_eur,
    }

    def realised() -> SimpleNamespace:
        """The year's differences up to the as-of date: their sums and the largest (in date
        order) from the service; the download reads them all when clicked."""
        v = c.cached(views.exchange_difference_view, year=year, end=as_of, directorates=scope,
                     top=c.SHOWN_ROWS)
        return SimpleNamespace(count=v.count, shown=len(v.lines), frame=c.frame(v.lines, diff_cols),
                               gains=v.gains, losses=v.losses)

    def every_difference() -> object:
        read = c.later(views.exchange_differences, year=year, end=as_of, directorates=scope)
        return lambda: c.frame(read(), diff_cols)

    fx = c.derived(("fx_realised", year, as_of), realised)
    if not fx.count:
        c.empty_state("fx.no_differences")
    else:
        m = st.columns(3)
        m[0].metric(c.t("fx.gains"), c.fmt_amount(fx.gains, "EUR"))
        m[1].metric(c.t("fx.losses"), c.fmt_amount(fx.losses, "EUR"))
        m[2].metric(c.t("fx.net"), c.fmt_amount(fx.gains + fx.losses, "EUR"))
        cols_d = [c.t("col.committed_eur"), c.t("col.gain_eur")]
        c.shown_caption(fx.shown, fx.count, "what.differences")
        c.money_table(fx.frame, cols_d, key="fx_diff")
        c.excel_download(every_difference(), f"exchange-differences-{year}",
                         cols_d, key="fx_diff_xlsx")
        st.caption(c.t("fx.gain_sign"))

    def rates_used() -> pd.DataFrame:
        """The year's payments per currency with their effective rate (once per version)."""
        used = c.cached(dv.rates_used, year, as_of=as_of, directorates=scope)
        return pd.DataFrame([{
            c.t("col.currency"): x.currency, c.t("col.payments"): x.payments,
            c.t("col.amount"): x.amount, c.t("col.amount_eur"): x.amount_eur,
            c.t("col.effective_rate"): str(x.average_rate) if x.average_rate else "–",
        } for x in used])

    def latest_rates() -> pd.DataFrame:
        """The latest rate of each currency on the date (once per data version and date)."""
        latest = c.cached(dv.latest_rates, as_of)
        return pd.DataFrame([{
            c.t("col.currency"): x.currency, c.t("col.rate"): str(x.rate),
            c.t("col.rate_date"): x.rate_date, c.t("col.source"): x.source,
        } for x in latest])

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
