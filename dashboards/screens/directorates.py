"""Directorates: execution per directorate, with a drill-down to its organisations."""

from __future__ import annotations

from types import SimpleNamespace

import streamlit as st

from budget.money import ZERO
from budget.services import organisation_status, periods, views
from budget.services.figures import open_amount
from dashboards import common as c
from dashboards import drill, links
from dashboards import period as period_ui

c.page_header("dirs.title", "dirs.caption")
scope = c.scope()

year, span = period_ui.period_bar("dir")
as_of = span.end  # the table: the year as of the period's end; year over year: the period

def summary() -> SimpleNamespace:
    """The directorates' table and the organisations by directorate (once per data version)."""
    statuses = c.cached(organisation_status.organisation_status, year, as_of=as_of, directorates=scope, lang=c.lang())
    # Summed from the organisations the drill-down needs anyway (the same figures as
    # views.execution by directorate, without reading the year a second time).
    rows = organisation_status.directorate_status(statuses, c.cached(views.directorates_list), scope, lang=c.lang())
    frame = c.frame(rows, {
        c.t("col.directorate"): lambda r: r.code,
        # Second, narrow (the full name on hover): last, it went off the right edge at 1440 px.
        c.t("col.name"): lambda r: r.name,
        c.t("col.committed"): lambda r: r.committed,
        c.t("col.paid"): lambda r: r.paid, c.t("col.open"): lambda r: r.open,
        c.t("col.paid_pct"): lambda r: c.pct_value(r.paid_rate),
        c.t("col.overdue_eur"): lambda r: r.overdue_eur,
        c.t("col.paid_in_year"): lambda r: r.paid_in_year,
        c.t("col.assessed_eur"): lambda r: r.assessed_eur,
        c.t("col.organisations"): lambda r: r.organisations,
    })
    labels = {k: c.t(f"status.{k}") for k in organisation_status.STATUSES}
    org_cols = {
        c.t("col.code"): lambda s: s.code,
        c.t("col.committed"): lambda s: s.committed,
        c.t("col.paid"): lambda s: s.paid, c.t("col.open"): lambda s: s.open,
        c.t("col.paid_pct"): lambda s: c.pct_value(s.paid_rate),
        c.t("col.overdue_eur"): lambda s: s.overdue_eur, c.t("col.due_date"): lambda s: s.due_date,
        c.t("col.status"): lambda s: labels[s.status], c.t("col.name"): lambda s: s.name,
        c.t("col.assessed_eur"): lambda s: s.assessed_eur, c.t("col.currency"): lambda s: s.currency,
    }
    amounts = [c.t("col.committed"), c.t("col.paid"), c.t("col.open"), c.t("col.overdue_eur"),
               c.t("col.paid_in_year"), c.t("col.assessed_eur")]
    pct = {c.t("col.paid_pct"): (c.t("col.paid"), c.t("col.committed"))}
    committed = sum((r.committed for r in rows), ZERO)
    paid = sum((r.paid for r in rows), ZERO)
    return SimpleNamespace(
        frame=frame, committed=committed, paid=paid,
        shown=c.with_totals(frame, amounts, pct, counts=[c.t("col.organisations")]),
        names={r.code: r.name for r in rows},
        with_data=[r.code for r in rows if r.organisations],
        organisations={r.code: c.frame([s for s in statuses if s.directorate == r.code], org_cols)
                       for r in rows if r.organisations},
        organisations_shown={r.code: c.with_totals(
            c.frame([s for s in statuses if s.directorate == r.code], org_cols), amounts, pct)
            for r in rows if r.organisations},
    )


with c.guard():
    view = c.derived(("directorates", year, as_of), summary)
    amount_cols = [c.t("col.assessed_eur"), c.t("col.committed"), c.t("col.paid"),
                   c.t("col.open"), c.t("col.paid_in_year"), c.t("col.overdue_eur")]
    if view.frame.empty:
        c.empty_state("common.empty")
        st.stop()
    m = st.columns(3)
    m[0].metric(c.t("fig.committed"), c.fmt_amount(view.committed, "EUR"))
    m[1].metric(c.t("fig.paid_on_commitments"), c.fmt_amount(view.paid, "EUR"))
    m[2].metric(c.t("fig.open"), c.fmt_amount(open_amount(view.committed, view.paid), "EUR"))
    st.caption(c.t("dirs.click_hint"))
    codes = list(view.names)
    picked = drill.newly_selected("dir_table", c.money_table(
        view.shown, amount_cols, [c.t("col.paid_pct")], key="dir_table", on_select="rerun",
        keys=[c.t("col.directorate")], names=[c.t("col.name")], name_width=90,
        column_config={c.t("col.organisations"): st.column_config.NumberColumn(
            c.t("col.organisations_short"), help=c.t("col.organisations"), width=50)}), len(codes))
    if picked is not None and codes[picked] in (view.with_data or codes):  # its organisations below
        st.session_state["dir_pick"] = codes[picked]
    c.excel_download(view.frame, f"directorates-{year}", amount_cols, key="dir_xlsx")

    st.subheader(c.t("dirs.yoy"))
    period_ui.year_over_year_table(c.cached(periods.year_over_year, span, "directorate", directorates=scope),
                                   c.t("col.directorate"), key="dir_yoy")

    st.divider()
    st.subheader(c.t("dirs.drill"))
    names = view.names
    choices = view.with_data or list(names)
    linked = links.incoming("dir", "dir_pick")
    if linked is not None:
        if linked.strip().upper() in choices:
            links.seed("dir_pick", "dir", links.one_of(choices, links.code))
        elif c.scope() is not None and links.code(linked) in {d.code for d in c.cached(views.directorates_list)}:
            st.warning(c.t("links.out_of_scope", what=c.t("col.directorate") + f" {linked[:8]}",
                           scope=", ".join(c.scope() or ())), icon=":material/block:")
        else:
            links.ignored("dir")
    chosen = st.selectbox(c.t("col.directorate"), choices, key="dir_pick",
                          format_func=lambda k: f"{k} — {names.get(k, '')}")
    links.publish("dir", chosen)
    dd = view.organisations.get(chosen)
    if dd is None:
        c.empty_state("dirs.no_orgs")
    else:
        org_cols = [c.t("col.assessed_eur"), c.t("col.committed"), c.t("col.paid"),
                    c.t("col.open"), c.t("col.overdue_eur")]
        row = drill.selected(c.money_table(
            view.organisations_shown[chosen], org_cols, [c.t("col.paid_pct")], key="dir_orgs",
            on_select="rerun", keys=[c.t("col.code")], names=[c.t("col.name")]), len(dd))
        if row is not None:  # a click on an organisation opens it
            drill.open_organisation(str(dd.iloc[row][c.t("col.code")]), year, as_of)
        c.excel_download(dd, f"directorate-{chosen}-{year}", org_cols, key="dir_orgs_xlsx")
