"""Outlook: where the year lands on 31 December (credits lapsing or short per AB, the cash plan
to December, credit needs of the foreign-currency calls) and how fast calls are paid."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import altair as alt
import pandas as pd
import streamlit as st

from budget.errors import BudgetError
from budget.services import outlook as service
from budget.services import timeliness as tl
from dashboards import charts
from dashboards import common as c
from dashboards.formats import amount_text, month_names, rate_text, rate_value

c.page_header("outlook.title", "outlook.caption")
scope = c.scope()

cols = st.columns([1, 1, 1, 2])
year = c.year_selector("ol_year", container=cols[0])
as_of = c.as_of_selector(year, "ol_as_of", container=cols[1])
pct = cols[2].number_input(c.t("outlook.sensitivity"), min_value=0, max_value=50, value=5, step=1,
                           key="ol_sensitivity")
sensitivity = Decimal(int(pct)) / 100


def credit_frames(o: service.Outlook, pct: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The commitment credits and the payment credits on 31 December, per AB and in total: the
    answer first (what is left, lapsing or short), then what makes it up. The payment table
    comes twice: with the rate sensitivity (the download) and without it (on screen, where its
    two columns would push the table past 1440 px)."""
    def result(row: service.OutlookRow, value: Decimal | None) -> str:
        """Lapses or short, per AB (the total nets the ABs: no word of its own)."""
        said = service.year_end(value)
        if said is None or row.key == "total":
            return ""
        return c.t("outlook.lapse") if said == service.LAPSE else "⚠ " + c.t("outlook.shortfall")

    rows = [*o.rows, o.total]
    ab = {c.t("col.ab"): lambda r: r.key if r.key != "total" else c.t("outlook.total")}
    commitments = c.frame(rows, {
        **ab,
        c.t("outlook.left"): lambda r: r.commitment_balance,
        c.t("outlook.result"): lambda r: result(r, r.commitment_balance),
        c.t("outlook.credits"): lambda r: r.commitment_credits,
        c.t("col.committed"): lambda r: r.committed,
        c.t("outlook.expected"): lambda r: r.expected_commitments,
        c.t("outlook.projected_total"): lambda r: r.projected_committed,
    })
    payments = c.frame(rows, {
        **ab,
        c.t("outlook.left"): lambda r: r.payment_balance,
        c.t("outlook.result"): lambda r: result(r, r.payment_balance),
        c.t("outlook.credits"): lambda r: r.payment_credits,
        c.t("col.paid_in_year"): lambda r: r.paid_in_year,
        c.t("outlook.expected"): lambda r: r.expected_payments,
        c.t("outlook.projected_total"): lambda r: r.projected_paid,
        c.t("outlook.euro_stronger", pct=pct): lambda r: r.expected_payments_strong,
        c.t("outlook.euro_weaker", pct=pct): lambda r: r.expected_payments_weak,
    })
    shown = payments.drop(columns=[c.t("outlook.euro_stronger", pct=pct), c.t("outlook.euro_weaker", pct=pct)])
    return commitments, payments, shown


def curve(o: service.Outlook) -> SimpleNamespace:
    """Actual cumulated to the as-of month, projected from there to December (chart data);
    the year's two credits as named lines."""
    names, style = month_names(c.lang()), c.amount_style()
    actual, projected = c.t("outlook.actual"), c.t("outlook.projected")
    committed_label, paid_label = c.t("fig.committed"), c.t("fig.paid_in_year")
    points, paid, committed = [], Decimal(0), Decimal(0)

    def add(month: int, kind: str, values: tuple[Decimal, Decimal]) -> None:
        for label, value in zip((committed_label, paid_label), values, strict=True):
            points.append({"month": names[month - 1], "what": label, "kind": kind, "series": f"{label}, {kind}",
                           "EUR": float(value), "shown": amount_text(value, style, "EUR")})

    for m in o.cash_plan:
        paid += m.paid
        committed += m.committed
        if m.month <= o.as_of.month:
            add(m.month, actual, (committed, paid))
        if m.month >= o.as_of.month:
            add(m.month, projected, (m.cumulative_committed, m.cumulative_paid))
    rules = charts.credit_rules(
        (c.t("fig.commitment_credits") + f" {o.year}", o.total.commitment_credits or Decimal(0)),
        (c.t("fig.payment_credits") + f" {o.year}", o.total.payment_credits or Decimal(0)), names, style)
    return SimpleNamespace(points=pd.DataFrame(points), rules=rules, months=list(names), kinds=[actual, projected],
                           whats=[committed_label, paid_label])


def curve_chart(f: SimpleNamespace) -> alt.LayerChart:
    """Committed and paid cumulated by month, in the reader's month names and amounts: actual
    solid, projected dashed and lighter; the credits as named dashed lines."""
    x = alt.X("month:O", title=None, sort=f.months, scale=alt.Scale(domain=f.months), axis=alt.Axis(labelAngle=0))
    lines = alt.Chart(f.points).mark_line(point=True).encode(
        x=x,
        y=alt.Y("EUR:Q", title=None, axis=charts.amount_axis(c.amount_style(), c.lang())),
        color=alt.Color("what:N", scale=alt.Scale(domain=f.whats, range=[charts.COMMITTED, charts.PAID]),
                        legend=charts.bottom_legend()),
        strokeDash=alt.StrokeDash("kind:N", scale=alt.Scale(domain=f.kinds, range=[[1, 0], [5, 4]]),
                                  legend=charts.bottom_legend()),
        opacity=alt.Opacity("kind:N", scale=alt.Scale(domain=f.kinds, range=[1.0, 0.6]), legend=None),
        detail="series:N",
        tooltip=[alt.Tooltip("series:N", title=c.t("chart.what")),
                 alt.Tooltip("month:O", title=c.t("chart.month")),
                 alt.Tooltip("shown:N", title=c.t("chart.amount"))],
    )
    return alt.layer(lines, *charts.credit_lines(f.rules, x, c.t("chart.what"), c.t("chart.amount"))).properties(
        height=340)


with c.guard():
    if as_of.year != year:
        c.empty_state("outlook.as_of_in_year", year=year)
        st.stop()
    base = c.cached(service.outlook, year, as_of=as_of, directorates=scope, sensitivity=sensitivity)
    given: list[tuple[str, Decimal]] = []
    if base.rates:
        with st.expander(c.t("outlook.what_if"), icon=":material/currency_exchange:"):
            st.caption(c.t("outlook.what_if_caption"))
            rate_cols = st.columns(min(4, len(base.rates)))
            for i, r in enumerate(base.rates):
                value = rate_cols[i % len(rate_cols)].text_input(
                    c.t("outlook.rate_of", currency=r.currency, source=r.source),
                    value=rate_text(r.rate, c.amount_style()),
                    # per day and amount style: the default is that day's rate, written as the reader writes
                    key=f"ol_rate_{r.currency}_{as_of}_{c.amount_style()}")
                try:
                    chosen = rate_value(value)
                except (BudgetError, ArithmeticError):
                    st.error(c.t("outlook.bad_rate", currency=r.currency), icon=":material/error:")
                    continue
                if chosen != r.rate:
                    given.append((r.currency, chosen))
    o = base if not given else c.cached(service.outlook, year, as_of=as_of, directorates=scope,
                                        sensitivity=sensitivity, rates=tuple(given))
    if given:
        st.info(c.t("outlook.what_if_on", rates=", ".join(f"{cur} {r}" for cur, r in given)),
                icon=":material/info:")

    t = o.total
    m = st.columns(4)
    m[0].metric(c.t("outlook.projected_committed"), c.fmt_amount(t.projected_committed, "EUR"),
                help=c.t("outlook.vs_credits", credits=c.fmt_amount(t.commitment_credits, "EUR")))
    m[1].metric(c.t("outlook.commitment_left"), c.fmt_amount(t.commitment_balance, "EUR"),
                help=c.t("outlook.left_help"))
    m[2].metric(c.t("outlook.projected_paid"), c.fmt_amount(t.projected_paid, "EUR"),
                help=c.t("outlook.vs_credits", credits=c.fmt_amount(t.payment_credits, "EUR")))
    m[3].metric(c.t("outlook.payment_left"), c.fmt_amount(t.payment_balance, "EUR"),
                help=c.t("outlook.left_help"))
    for what in ("commitment", "payment"):
        for ab, short in service.shortfalls(o.rows, what):
            st.error(c.t(f"outlook.short_{what}", ab=ab, amount=c.fmt_amount(short, "EUR")),
                     icon=":material/warning:")

    key = (year, as_of, sensitivity, tuple(given))
    c.chart(("ol_curve", *key), lambda: curve_chart(curve(o)))
    st.caption(c.t("outlook.chart_caption"))

    commitments, payments, payments_shown = c.derived(("ol_rows", *key), lambda: credit_frames(o, int(pct)))
    for title, shown, whole, name in (("outlook.commitment_credits", commitments, commitments, "commitment"),
                                      ("outlook.payment_credits", payments_shown, payments, "payment")):
        st.subheader(c.t(title))
        amounts = [col for col in whole.columns if col not in (c.t("col.ab"), c.t("outlook.result"))]
        c.money_table(shown, amounts, key=f"ol_{name}_rows", keys=[c.t("col.ab")])
        c.excel_download(whole, f"outlook-{name}-credits-{year}-{as_of}", amounts, key=f"ol_{name}_xlsx")
    st.caption(c.t("outlook.credits_caption", pct=int(pct)))

    st.subheader(c.t("outlook.cash_plan"))
    plan_cols = [c.t(k) for k in ("outlook.paid_month", "outlook.expected_payments", "outlook.cumulative_paid",
                                  "outlook.committed_month", "outlook.expected_commitments",
                                  "outlook.cumulative_committed")]
    months = month_names(c.lang())
    plan = c.derived(("ol_plan", *key), lambda: c.frame(o.cash_plan, {
        c.t("common.month"): lambda x: f"{months[x.month - 1]} {year}",
        plan_cols[0]: lambda x: x.paid, plan_cols[1]: lambda x: x.expected_payments,
        plan_cols[2]: lambda x: x.cumulative_paid, plan_cols[3]: lambda x: x.committed,
        plan_cols[4]: lambda x: x.expected_commitments, plan_cols[5]: lambda x: x.cumulative_committed}))
    c.money_table(plan, plan_cols, key="ol_plan")
    c.excel_download(plan, f"cash-plan-{year}-{as_of}", plan_cols, key="ol_plan_xlsx")

    st.subheader(c.t("outlook.credit_needs"))
    need_cols = [c.t(k) for k in ("col.open_cur", "outlook.needed_eur", "col.committed_eur", "outlook.adjustment")]
    if not o.credit_needs:
        c.empty_state("outlook.no_needs")
    else:
        sources = {n.source: c.t(f"outlook.source_{n.source}") for n in o.credit_needs}
        style = c.amount_style()
        # The answer (the adjustment) before the source, so it is in sight at 1440 px.
        need_getters = {
            c.t("col.organisation"): lambda n: n.organisation, c.t("col.reference"): lambda n: n.reference,
            c.t("col.currency"): lambda n: n.currency, need_cols[0]: lambda n: n.open,
            c.t("col.rate"): lambda n: rate_text(n.rate, style), need_cols[1]: lambda n: n.needed_eur,
            need_cols[2]: lambda n: n.committed_eur, need_cols[3]: lambda n: n.adjustment,
            c.t("outlook.source"): lambda n: sources[n.source]}
        needs = c.derived(("ol_needs", *key),
                          lambda: c.frame(c.largest(o.credit_needs, lambda n: abs(n.adjustment)), need_getters))
        c.shown_caption(len(needs), len(o.credit_needs), "what.outlook_lines")
        c.money_table(needs, need_cols, key="ol_needs")
        c.excel_download(lambda: c.frame(o.credit_needs, need_getters), f"credit-needs-{year}-{as_of}", need_cols,
                         key="ol_needs_xlsx")
        st.caption(c.t("outlook.adjustment_caption"))

    st.subheader(c.t("outlook.to_come"))
    part_cols = [c.t("col.amount"), c.t("col.amount_eur")]
    kinds = {k: c.t(f"outlook.kind_{k}") for k in ("payment", "commitment")}
    # When, what, who, how much and why in sight; the reference and the original amount after the basis.
    part_getters = {
        c.t("col.date"): lambda p: p.day, c.t("outlook.kind"): lambda p: kinds[p.kind],
        c.t("col.organisation"): lambda p: p.organisation, part_cols[1]: lambda p: p.eur,
        c.t("outlook.basis"): lambda p: service.describe(p, c.lang(), c.fmt_date),
        c.t("col.currency"): lambda p: p.currency, part_cols[0]: lambda p: p.amount,
        c.t("col.reference"): lambda p: p.reference, c.t("col.ab"): lambda p: p.ab,
        c.t("outlook.estimated"): lambda p: "≈" if p.estimated else ""}
    parts = c.derived(("ol_parts", *key), lambda: c.frame(c.largest(o.parts, lambda p: p.eur), part_getters))
    c.shown_caption(len(parts), len(o.parts), "what.outlook_lines")
    c.money_table(parts, part_cols, key="ol_parts")
    c.excel_download(lambda: c.frame(o.parts, part_getters), f"outlook-parts-{year}-{as_of}", part_cols,
                     key="ol_parts_xlsx")

    st.divider()
    st.subheader(c.t("outlook.timeliness", days=tl.HONOUR_ROLL_DAYS))
    tm = c.cached(tl.timeliness, year, as_of=as_of, directorates=scope)
    if not tm.organisations:
        c.empty_state("outlook.no_timeliness", year=year)
    else:
        def yes(value: bool | None) -> str:
            return "–" if value is None else ("✓" if value else "✗")

        tcols = [c.t("outlook.share_by_due_count"), c.t("outlook.share_by_due_eur")]
        tf = c.derived(("ol_time", year, as_of), lambda: c.frame(tm.organisations, {
            c.t("col.organisation"): lambda g: g.key, c.t("outlook.assessments"): lambda g: g.count,
            c.t("col.amount_eur"): lambda g: g.eur,
            c.t("outlook.median_days_to_full"): lambda g: g.median_days_to_full,
            c.t("outlook.median_delay"): lambda g: g.median_delay,
            tcols[0]: lambda g: c.pct_value(g.share_by_due_count),
            tcols[1]: lambda g: c.pct_value(g.share_by_due_eur),
            c.t("outlook.honour_roll", days=tl.HONOUR_ROLL_DAYS): lambda g: yes(g.honour_roll)}))
        # The medians are Decimals of one decimal (timeliness._median): written so, "–" when none.
        medians = {c.t("outlook.median_days_to_full"): 1, c.t("outlook.median_delay"): 1}
        c.money_table(tf, [c.t("col.amount_eur")], tcols, key="ol_time", numbers=medians)
        c.excel_download(tf, f"timeliness-{year}", [c.t("col.amount_eur")], key="ol_time_xlsx")
        st.caption(c.t("outlook.timeliness_caption", days=tl.HONOUR_ROLL_DAYS))
