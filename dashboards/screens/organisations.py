"""Organisations: one row per contribution stream, filters, and a detail view."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from budget.money import ZERO
from budget.services import dashboard_views as dv
from dashboards import common as c

c.page_header("orgs.title", "orgs.caption")
scope = c.scope()

cols = st.columns([1, 1, 2])
year = c.year_selector("org_year", container=cols[0])
as_of = c.as_of_selector(year, "org_as_of", container=cols[1])
search = cols[2].text_input(c.t("common.search"), key="org_search",
                            placeholder=c.t("orgs.search_hint"))


def assessed_text(assessed: dict) -> str:
    """Assessed amounts in their original currencies, e.g. ``USD 1,000.00 + EUR 50.00``."""
    return " + ".join(c.fmt_amount(v, cur) for cur, v in assessed.items())


def status_label(status: str) -> str:
    return c.t(f"status.{status}")


with c.guard():
    rows = c.cached(dv.organisation_status, year, as_of=as_of, directorates=scope)
    if not rows:
        c.empty_state("orgs.empty")
        st.stop()

    f = st.columns(3)
    dirs = f[0].multiselect(c.t("col.directorate"), sorted({r.directorate for r in rows}),
                            key="org_dirs")
    curs = f[1].multiselect(c.t("col.currency"),
                            sorted({cur for r in rows for cur in (r.assessed or {r.currency: 0})}),
                            key="org_curs")
    stats = f[2].multiselect(c.t("col.status"), list(dv.STATUSES), format_func=status_label,
                             key="org_status")
    needle = (search or "").strip().lower()
    shown = [
        r for r in rows
        if (not dirs or r.directorate in dirs)
        and (not curs or set(curs) & set(r.assessed or {r.currency: 0}))
        and (not stats or r.status in stats)
        and (not needle or needle in r.code.lower() or needle in r.name.lower())
    ]

    total_committed = sum((r.committed for r in shown), ZERO)
    total_paid = sum((r.paid for r in shown), ZERO)
    m = st.columns(4)
    m[0].metric(c.t("orgs.count"), f"{len(shown)} / {len(rows)}")
    m[1].metric(c.t("fig.committed"), c.fmt_amount(total_committed, "EUR"))
    m[2].metric(c.t("fig.paid_on_commitments"), c.fmt_amount(total_paid, "EUR"))
    m[3].metric(c.t("fig.overdue_year"), c.fmt_amount(sum((r.overdue_eur for r in shown), ZERO), "EUR"))

    amount_cols = [c.t("col.assessed_eur"), c.t("col.committed"), c.t("col.paid"),
                   c.t("col.open"), c.t("col.outstanding_eur")]
    df = pd.DataFrame([{
        c.t("col.code"): r.code, c.t("col.name"): r.name, c.t("col.directorate"): r.directorate,
        c.t("col.assessed"): assessed_text(r.assessed),
        c.t("col.assessed_eur"): r.assessed_eur, c.t("col.committed"): r.committed,
        c.t("col.paid"): r.paid, c.t("col.open"): r.open,
        c.t("col.paid_pct"): None if r.paid_rate is None else float(r.paid_rate) * 100,
        c.t("col.outstanding_eur"): r.outstanding_eur,
        c.t("col.due_date"): r.due_date, c.t("col.status"): status_label(r.status),
    } for r in shown])
    if df.empty:
        c.empty_state("common.no_match")
    else:
        c.money_table(df, amount_cols, [c.t("col.paid_pct")], key="org_table", column_config={
            c.t("col.name"): st.column_config.TextColumn(width="medium"),
            c.t("col.assessed"): st.column_config.TextColumn(width="medium")})
        c.excel_download(df, f"organisations-{year}", amount_cols, key="org_xlsx")

    # ------------------------------------------------------------------ detail
    st.divider()
    st.subheader(c.t("orgs.detail"))
    options = [r.code for r in shown] or [r.code for r in rows]
    names = {r.code: r.name for r in rows}
    code = st.selectbox(c.t("col.organisation"), options, key="org_detail",
                        format_func=lambda k: f"{k} — {names.get(k, '')}")
    if code:
        d = c.cached(dv.organisation_detail, code, as_of=as_of, year=year, directorates=scope)
        info = d.info
        st.markdown(f"#### {info.name} ({info.code})")
        st.caption(c.t("orgs.detail_caption", directorate=info.directorate,
                       currency=info.currency, ab=info.ab or "–", body=info.body or "–")
                   + " · " + c.t("orgs.detail_year", year=year))
        tabs = st.tabs([c.t("orgs.tab_assessments"), c.t("orgs.tab_commitments"),
                        c.t("orgs.tab_payments"), c.t("orgs.tab_fx"), c.t("orgs.tab_years")])
        with tabs[0]:
            a = pd.DataFrame([{
                c.t("col.reference"): x.reference, c.t("col.year"): x.fiscal_year,
                c.t("col.period"): f"{x.period_start} → {x.period_end}",
                c.t("col.due_date"): x.due_date, c.t("col.currency"): x.currency,
                c.t("col.amount"): x.amount, c.t("col.amount_eur"): x.amount_eur,
                c.t("col.rate"): str(x.rate),
            } for x in d.assessments])
            if a.empty:
                c.empty_state("orgs.no_assessment")
            else:
                c.money_table(a, [c.t("col.amount"), c.t("col.amount_eur")], key="od_a")
                c.excel_download(a, f"{code}-assessments", key="od_a_xlsx")
        with tabs[1]:
            cm = pd.DataFrame([{
                c.t("col.reference"): x.reference, c.t("col.date"): x.entry_date,
                c.t("col.year"): x.fiscal_year, c.t("col.ab"): x.ab,
                c.t("col.assessment"): x.assessment or "", c.t("col.currency"): x.currency,
                c.t("col.committed_cur"): x.committed, c.t("col.paid_cur"): x.paid,
                c.t("col.open_cur"): x.open, c.t("col.committed_eur"): x.committed_eur,
                c.t("col.paid_eur"): x.paid_eur, c.t("col.rate"): str(x.rate),
            } for x in d.commitments])
            if cm.empty:
                c.empty_state("orgs.no_commitment")
            else:
                cols_m = [c.t("col.committed_cur"), c.t("col.paid_cur"), c.t("col.open_cur"),
                          c.t("col.committed_eur"), c.t("col.paid_eur")]
                c.money_table(cm, cols_m, key="od_c")
                c.excel_download(cm, f"{code}-commitments", cols_m, key="od_c_xlsx")
        with tabs[2]:
            p = pd.DataFrame([{
                c.t("col.date"): x.entry_date, c.t("col.reference"): x.reference,
                c.t("col.commitment"): x.commitment, c.t("col.currency"): x.currency,
                c.t("col.amount"): x.amount, c.t("col.amount_eur"): x.amount_eur,
                c.t("col.rate"): str(x.rate), c.t("col.rate_date"): x.rate_date,
            } for x in d.payments])
            if p.empty:
                c.empty_state("orgs.no_payment")
            else:
                timeline = pd.DataFrame([{"date": x.entry_date.isoformat(),
                                          "EUR": float(x.amount_eur),
                                          "reference": x.reference} for x in d.payments])
                st.altair_chart(
                    alt.Chart(timeline).mark_bar(size=14).encode(
                        x=alt.X("date:T", title=None), y=alt.Y("EUR:Q", axis=alt.Axis(format="~s")),
                        tooltip=["date:T", "reference", alt.Tooltip("EUR:Q", format=",.2f")],
                    ).properties(height=200),
                    width="stretch",
                )
                c.money_table(p, [c.t("col.amount"), c.t("col.amount_eur")], key="od_p")
                c.excel_download(p, f"{code}-payments", key="od_p_xlsx")
        with tabs[3]:
            fx = pd.DataFrame([{
                c.t("col.date"): x.entry_date, c.t("col.commitment"): x.commitment,
                c.t("col.payment"): x.payment, c.t("col.currency"): x.currency,
                c.t("col.committed_eur"): x.committed_eur, c.t("col.gain_eur"): x.gain_eur,
            } for x in d.exchange_differences])
            if fx.empty:
                c.empty_state("orgs.no_fx")
            else:
                c.money_table(fx, [c.t("col.committed_eur"), c.t("col.gain_eur")], key="od_fx")
                st.caption(c.t("fx.gain_sign"))
        with tabs[4]:
            yrs = pd.DataFrame([{
                c.t("col.year"): y.year, c.t("col.assessed_eur"): y.assessed_eur,
                c.t("col.committed"): y.committed, c.t("col.paid"): y.paid,
                c.t("col.open"): y.open,
            } for y in d.years])
            if yrs.empty:
                c.empty_state("orgs.no_years")
            else:
                cols_y = [c.t("col.assessed_eur"), c.t("col.committed"), c.t("col.paid"),
                          c.t("col.open")]
                c.money_table(yrs, cols_y, key="od_y")
                c.excel_download(yrs, f"{code}-years", cols_y, key="od_y_xlsx")
