"""Organisations: one row per contribution stream, filters, and a detail view."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from budget.money import ZERO, fmt
from budget.services import organisation_status, periods
from dashboards import charts, drill, links
from dashboards import common as c
from dashboards import period as period_ui
from dashboards.formats import rate_text
from dashboards.naming import name_of

c.page_header("orgs.title", "orgs.caption")
scope = c.scope()

year, span = period_ui.period_bar("org")
as_of = span.end  # balances as of the period's end; the year-over-year table counts its flows
links.seed("org_search", "find", links.search_text)
search = links.published("find", st.text_input(c.t("common.search"), key="org_search",
                                               placeholder=c.t("orgs.search_hint")))


def assessed_text(assessed: dict, style: str) -> str:
    """Assessed amounts in their original currencies, e.g. ``USD 1,000.00 + EUR 50.00``."""
    return " + ".join(f"{cur} {fmt(v, style)}" for cur, v in assessed.items())


def screen_amounts() -> list[str]:
    """The amount columns on screen (in the chosen language)."""
    return [c.t("col.committed"), c.t("col.paid"), c.t("col.open"), c.t("col.outstanding_eur")]


def status_label(status: str) -> str:
    return c.t(f"status.{status}")


def table() -> SimpleNamespace:
    """The filtered organisations, their sums and frame (once per data version and filters)."""
    rows = c.cached(organisation_status.organisation_status, year, as_of=as_of, directorates=scope, lang=c.lang())
    needle = (search or "").strip().lower()
    shown = [
        r for r in rows
        if (not dirs or r.directorate in dirs)
        and (not curs or set(curs) & set(r.assessed or {r.currency: 0}))
        and (not stats or r.status in stats)
        and (not needle or needle in r.code.lower() or needle in r.name.lower())
    ]
    labels = {k: status_label(k) for k in organisation_status.STATUSES}
    style = c.amount_style()  # once, not once per row
    # The key, then the amounts that answer the question, then the rest (the original
    # currencies are in the download, not on screen, where they pushed the status away).
    screen_cols = {
        c.t("col.code"): lambda r: r.code,
        c.t("col.committed"): lambda r: r.committed,
        c.t("col.paid"): lambda r: r.paid, c.t("col.open"): lambda r: r.open,
        c.t("col.paid_pct"): lambda r: c.pct_value(r.paid_rate),
        c.t("col.outstanding_eur"): lambda r: r.outstanding_eur,
        c.t("col.due_date"): lambda r: r.due_date, c.t("col.status"): lambda r: labels[r.status],
        c.t("col.name"): lambda r: r.name, c.t("col.directorate"): lambda r: r.directorate,
    }
    # The download keeps the spreadsheet's order and every column.
    frame = c.frame(shown, {
        c.t("col.code"): lambda r: r.code, c.t("col.name"): lambda r: r.name,
        c.t("col.directorate"): lambda r: r.directorate,
        c.t("col.assessed"): lambda r: assessed_text(r.assessed, style),
        c.t("col.assessed_eur"): lambda r: r.assessed_eur,
        **{k: v for k, v in screen_cols.items()
           if k not in (c.t("col.code"), c.t("col.name"), c.t("col.directorate"))},
    })
    on_screen = c.frame(shown, screen_cols)
    return SimpleNamespace(
        codes=[r.code for r in shown], frame=frame,
        screen=c.with_totals(on_screen, screen_amounts(),
                             {c.t("col.paid_pct"): (c.t("col.paid"), c.t("col.committed"))}),
        committed=sum((r.committed for r in shown), ZERO), paid=sum((r.paid for r in shown), ZERO),
        overdue=sum((r.overdue_eur for r in shown), ZERO))


def choices() -> SimpleNamespace:
    """The filters' options and the detail selector's labels (once per data version)."""
    rows = c.cached(organisation_status.organisation_status, year, as_of=as_of, directorates=scope, lang=c.lang())
    return SimpleNamespace(
        count=len(rows), codes=[r.code for r in rows],
        # The detail selector's option labels, made once (not one f-string per option and rerun).
        labels={r.code: f"{r.code} — {r.name}" for r in rows},
        directorates=sorted({r.directorate for r in rows}),
        currencies=sorted({cur for r in rows for cur in (r.assessed or {r.currency: 0})}))


def detail(code: str) -> SimpleNamespace:
    """One organisation's tables (once per data version, organisation, year and date)."""
    d = c.cached(organisation_status.organisation_detail, code, as_of=as_of, year=year, directorates=scope)
    frames = detail_frames(d)
    return SimpleNamespace(info=d.info, **frames, **shown_frames(frames))


def commitment_amounts() -> list[str]:
    """The amount columns of a commitment's table (in the chosen language)."""
    return [c.t("col.committed_cur"), c.t("col.paid_cur"), c.t("col.open_cur"),
            c.t("col.committed_eur"), c.t("col.paid_eur")]


def shown_frames(frames: dict) -> dict:
    """The detail's tables with their totals rows, as shown on screen (made with the frames,
    not on every rerun)."""
    years = [c.t("col.assessed_eur"), c.t("col.committed"), c.t("col.paid"), c.t("col.open")]
    return {
        "assessments_shown": c.with_totals(frames["assessments"], [c.t("col.amount_eur")]),
        "commitments_shown": c.with_totals(frames["commitments"], commitment_amounts()[3:]),
        "payments_shown": c.with_totals(frames["payments"], [c.t("col.amount_eur")]),
        "fx_shown": c.with_totals(frames["fx"], [c.t("col.committed_eur"), c.t("col.gain_eur")]),
        "years_shown": c.with_totals(frames["years"], years),
    }


def detail_frames(d: Any) -> dict:
    """One organisation's frames (for the screen and the downloads)."""
    style = c.amount_style()
    return dict(
        assessments=c.frame(d.assessments, {
            c.t("col.reference"): lambda x: x.reference, c.t("col.year"): lambda x: x.fiscal_year,
            c.t("col.period"): lambda x: f"{x.period_start} → {x.period_end}",
            c.t("col.due_date"): lambda x: x.due_date, c.t("col.currency"): lambda x: x.currency,
            c.t("col.amount"): lambda x: x.amount, c.t("col.amount_eur"): lambda x: x.amount_eur,
            c.t("col.rate"): lambda x: rate_text(x.rate, style),
        }),
        commitments=c.frame(d.commitments, {
            c.t("col.reference"): lambda x: x.reference, c.t("col.date"): lambda x: x.entry_date,
            c.t("col.year"): lambda x: x.fiscal_year, c.t("col.ab"): lambda x: x.ab,
            c.t("col.assessment"): lambda x: x.assessment or "",
            c.t("col.currency"): lambda x: x.currency,
            c.t("col.committed_cur"): lambda x: x.committed, c.t("col.paid_cur"): lambda x: x.paid,
            c.t("col.open_cur"): lambda x: x.open, c.t("col.committed_eur"): lambda x: x.committed_eur,
            c.t("col.paid_eur"): lambda x: x.paid_eur, c.t("col.rate"): lambda x: rate_text(x.rate, style),
        }),
        payments=c.frame(d.payments, {
            c.t("col.date"): lambda x: x.entry_date, c.t("col.reference"): lambda x: x.reference,
            c.t("col.commitment"): lambda x: x.commitment, c.t("col.currency"): lambda x: x.currency,
            c.t("col.amount"): lambda x: x.amount, c.t("col.amount_eur"): lambda x: x.amount_eur,
            c.t("col.rate"): lambda x: rate_text(x.rate, style), c.t("col.rate_date"): lambda x: x.rate_date,
        }),
        timeline=pd.DataFrame({"date": [x.entry_date.isoformat() for x in d.payments],
                               "EUR": [float(x.amount_eur) for x in d.payments],
                               "reference": [x.reference for x in d.payments],
                               "day": [c.fmt_date(x.entry_date) for x in d.payments],
                               "shown": [c.fmt_amount(x.amount_eur, "EUR") for x in d.payments]}),
        fx=c.frame(d.exchange_differences, {
            c.t("col.date"): lambda x: x.entry_date, c.t("col.commitment"): lambda x: x.commitment,
            c.t("col.payment"): lambda x: x.payment, c.t("col.currency"): lambda x: x.currency,
            c.t("col.committed_eur"): lambda x: x.committed_eur,
            c.t("col.gain_eur"): lambda x: x.gain_eur,
        }),
        years=c.frame(d.years, {
            c.t("col.year"): lambda y: y.year, c.t("col.assessed_eur"): lambda y: y.assessed_eur,
            c.t("col.committed"): lambda y: y.committed, c.t("col.paid"): lambda y: y.paid,
            c.t("col.open"): lambda y: y.open,
        }),
    )


def open_entry(kind: str, frame: pd.DataFrame, event: object) -> None:
    """A click on an entry's row opens its source and audit trail (``screens/entry.py``)."""
    row = drill.selected(event, len(frame))
    if row is not None:
        drill.open_entry(kind, str(frame.iloc[row][c.t("col.reference")]), code, year, as_of)


def entry_table(kind: str, frame: pd.DataFrame, shown: pd.DataFrame, amounts: list[str], key: str,
                download_amounts: list[str] | None = None) -> None:
    """An organisation's entries of one kind: a row opens its entry; the list as a workbook."""
    open_entry(kind, frame, c.money_table(shown, amounts, key=key, on_select="rerun"))
    c.excel_download(frame, f"{code}-{kind}s", download_amounts, key=f"{key}_xlsx")


def assessments_tab(d: SimpleNamespace) -> None:
    if d.assessments.empty:
        c.empty_state("orgs.no_assessment")
        return
    entry_table("assessment", d.assessments, d.assessments_shown, [c.t("col.amount"), c.t("col.amount_eur")], "od_a")


def commitments_tab(d: SimpleNamespace) -> None:
    if d.commitments.empty:
        c.empty_state("orgs.no_commitment")
        return
    cols_m = commitment_amounts()
    entry_table("commitment", d.commitments, d.commitments_shown, cols_m, "od_c", cols_m)


def payments_tab(d: SimpleNamespace) -> None:
    if d.payments.empty:
        c.empty_state("orgs.no_payment")
        return
    c.chart(("org_timeline", code, year, as_of), lambda: alt.Chart(d.timeline).mark_bar(
        size=14, color=charts.PAID).encode(
        x=alt.X("date:T", axis=charts.date_axis(c.lang())),
        y=alt.Y("EUR:Q", title=None, axis=charts.amount_axis(c.amount_style(), c.lang())),
        tooltip=[alt.Tooltip("day:N", title=c.t("col.date")),
                 alt.Tooltip("reference:N", title=c.t("col.reference")),
                 alt.Tooltip("shown:N", title=c.t("chart.amount"))],
    ).properties(height=200))
    entry_table("payment", d.payments, d.payments_shown, [c.t("col.amount"), c.t("col.amount_eur")], "od_p")


def fx_tab(d: SimpleNamespace) -> None:
    if d.fx.empty:
        c.empty_state("orgs.no_fx")
        return
    c.money_table(d.fx_shown, [c.t("col.committed_eur"), c.t("col.gain_eur")], key="od_fx")
    st.caption(c.t("fx.gain_sign"))


def years_tab(d: SimpleNamespace) -> None:
    if d.years.empty:
        c.empty_state("orgs.no_years")
        return
    cols_y = [c.t("col.assessed_eur"), c.t("col.committed"), c.t("col.paid"), c.t("col.open")]
    c.money_table(d.years_shown, cols_y, key="od_y")
    c.excel_download(d.years, f"{code}-years", cols_y, key="od_y_xlsx")


FILTERS = ("org_dirs", "org_curs", "org_status")


def filters(opts: SimpleNamespace) -> tuple[list[str], list[str], list[str]]:
    """The directorates, currencies and statuses chosen (none: all).

    Folded unless one is set: on a phone the three filters filled the first screen, above
    the answer (a link with filters opens them unfolded). Folded with none set, they are not
    drawn (their three widgets would cost every rerun); with one set, they are, to keep it.
    """
    active = any(st.session_state.get(k) for k in FILTERS)
    if active and "org_filters_open" not in st.session_state:
        st.session_state["org_filters_open"] = True
    box = c.lazy_expander("orgs.filters", "org_filters_open", ":material/filter_list:")
    if not (box.open or active):
        return [], [], []
    f = box.columns(3)
    dirs = f[0].multiselect(c.t("col.directorate"), opts.directorates, key="org_dirs",
                            placeholder=c.t("common.all"))
    curs = f[1].multiselect(c.t("col.currency"), opts.currencies, key="org_curs",
                            placeholder=c.t("common.all"))
    stats = f[2].multiselect(c.t("col.status"), list(organisation_status.STATUSES), format_func=status_label,
                             key="org_status", placeholder=c.t("common.all"))
    return dirs, curs, stats


with c.guard():
    opts = c.derived(("org_choices", year, as_of), choices)
    if not opts.count:
        c.empty_state("orgs.empty")
        st.stop()

    links.seed("org_dirs", "dirs", links.some_of(opts.directorates))
    links.seed("org_curs", "cur", links.some_of(opts.currencies))
    links.seed("org_status", "status", links.some_of(organisation_status.STATUSES))
    dirs, curs, stats = filters(opts)
    for param, value in (("dirs", dirs), ("cur", curs), ("status", stats)):
        links.publish(param, value)
    tab = c.derived(("org_table", year, as_of, tuple(dirs), tuple(curs), tuple(stats),
                     (search or "").strip().lower()), table)

    m = st.columns(4)
    m[0].metric(c.t("orgs.count"), f"{len(tab.codes)} / {opts.count}")
    m[1].metric(c.t("fig.committed"), c.fmt_amount(tab.committed, "EUR"))
    m[2].metric(c.t("fig.paid_on_commitments"), c.fmt_amount(tab.paid, "EUR"))
    m[3].metric(c.t("fig.overdue_year"), c.fmt_amount(tab.overdue, "EUR"))

    amount_cols = [c.t("col.assessed_eur"), c.t("col.committed"), c.t("col.paid"),
                   c.t("col.open"), c.t("col.outstanding_eur")]
    if tab.frame.empty:
        c.empty_state("common.no_match")
    else:
        st.caption(c.t("orgs.click_hint"))
        picked = drill.newly_selected("org_table", c.money_table(
            tab.screen, screen_amounts(), [c.t("col.paid_pct")], key="org_table", on_select="rerun",
            keys=[c.t("col.code")], names=[c.t("col.name")]), len(tab.codes))
        if picked is not None:  # a click on a row opens that organisation below
            st.session_state["org_detail"] = tab.codes[picked]
        c.excel_download(tab.frame, f"organisations-{year}", amount_cols, key="org_xlsx")

    # Folded, and run only unfolded: its figure choice, table and download would cost every rerun.
    yoy_box = c.lazy_expander("orgs.yoy", "org_yoy_open", ":material/compare_arrows:")
    if yoy_box.open:
        with yoy_box:
            period_ui.year_over_year_table(c.cached(periods.year_over_year, span, "organisation",
                                                    directorates=scope), c.t("col.organisation"), key="org_yoy")

    # ------------------------------------------------------------------ detail
    st.divider()
    st.subheader(c.t("orgs.detail"))
    options = tab.codes or opts.codes
    linked = links.incoming("org", "org_detail")
    if linked is not None and drill.check_linked_organisation(linked.strip().upper(), options):
        links.seed("org_detail", "org", links.one_of(options, links.code))
    code = st.selectbox(c.t("col.organisation"), options, key="org_detail",
                        format_func=opts.labels.__getitem__)
    links.publish("org", code)
    if code:
        d = c.derived(("org_detail", code, year, as_of), lambda: detail(code))
        st.caption(c.t("orgs.entry_hint"))
        info = d.info
        st.markdown(f"#### {c.md(name_of(info))} ({c.md(info.code)})")  # names come from files
        st.caption(c.t("orgs.detail_caption", directorate=info.directorate,
                       currency=info.currency, ab=info.ab or "–", body=info.body or "–")
                   + " · " + c.t("orgs.detail_year", year=year))
        # Only the open tab runs: the hidden ones cost their tables and downloads on every rerun.
        tabs = c.lazy_tabs([f"orgs.tab_{k}" for k in ("assessments", "commitments", "payments", "fx",
                                                       "years")], key="org_tabs")
        for tab, show in zip(tabs, (assessments_tab, commitments_tab, payments_tab, fx_tab, years_tab),
                             strict=True):
            if tab.open:
                with tab:
                    show(d)
