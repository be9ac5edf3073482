"""Budget lines (AB): credits and their history, consumption, availability warnings."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from budget.services import ab_status, periods, views
from dashboards import common as c
from dashboards import period as period_ui

c.page_header("ab.title", "ab.caption")
scope = c.scope()

year, span = period_ui.period_bar("ab")
as_of = span.end  # credits and consumption as of the period's end; year over year: the period

with c.guard():
    abs_ = c.cached(ab_status.allocation_status, year, as_of=as_of, directorates=scope, lang=c.lang())
    if not abs_:
        c.empty_state("ab.empty", year=year)
        st.stop()
    # The warning flags' texts, once per data version and language (every line's warning
    # is worked out from its figures).
    flags = c.derived(("ab_flags", year, as_of),
                      lambda: {a.warning: c.t(f"ab.flag_{a.warning}") for a in abs_ if a.warning})

    def warning_texts() -> list[str]:
        """The availability warnings' texts (once per data version, date and language)."""
        return [c.t(f"ab.warn_{a.warning}", ab=a.code, label=a.label,
                    available=c.fmt_amount(a.available), paid=c.fmt_amount(a.paid_in_year),
                    credits=c.fmt_amount(a.payment_credits))
                for a in abs_ if a.warning in ("blocks", "warns", "payment_credits")]

    for text in c.derived(("ab_warnings", year, as_of), warning_texts):
        st.warning(text, icon=":material/warning:")
    amount_cols = [c.t("col.commitment_credits"), c.t("col.committed"), c.t("col.available"),
                   c.t("col.payment_credits"), c.t("col.paid_in_year"),
                   c.t("col.payment_available")]

    def allocations_frame() -> pd.DataFrame:
        controls = {m: c.t(f"control.{m}") for m in {a.control_mode for a in abs_}}
        return c.frame(abs_, {
            c.t("col.ab"): lambda a: a.code,
            c.t("col.commitment_credits"): lambda a: a.commitment_credits,
            c.t("col.committed"): lambda a: a.committed, c.t("col.available"): lambda a: a.available,
            c.t("col.commitment_pct"): lambda a: c.pct_value(a.commitment_rate),
            c.t("col.payment_credits"): lambda a: a.payment_credits,
            c.t("col.paid_in_year"): lambda a: a.paid_in_year,
            c.t("col.payment_available"): lambda a: a.payment_available,
            c.t("col.warning"): lambda a: flags[a.warning] if a.warning else "",
            c.t("col.control"): lambda a: controls[a.control_mode],
            c.t("col.label"): lambda a: a.label,
            c.t("col.directorate"): lambda a: a.directorate or "",
            c.t("col.overrides"): lambda a: a.overrides,
        })

    df = c.derived(("ab_table", year, as_of), allocations_frame)
    # On screen, the two clocks side by side would need a sideways scroll: one table for the
    # commitment credits, one for the payment credits (the download has both in one sheet).
    commit_cols = [c.t("col.ab"), c.t("col.commitment_credits"), c.t("col.committed"),
                   c.t("col.available"), c.t("col.commitment_pct"), c.t("col.warning"),
                   c.t("col.control"), c.t("col.overrides"), c.t("col.label")]
    pay_cols = [c.t("col.ab"), c.t("col.payment_credits"), c.t("col.paid_in_year"),
                c.t("col.payment_available"), c.t("col.label"), c.t("col.directorate")]
    shown = c.derived(("ab_table_shown", year, as_of), lambda: (
        c.with_totals(df[commit_cols], amount_cols,
                      {c.t("col.commitment_pct"): (c.t("col.committed"), c.t("col.commitment_credits"))},
                      counts=[c.t("col.overrides")]),
        c.with_totals(df[pay_cols], amount_cols)))
    st.markdown(f"**{c.t('ab.commitment_side')}**")
    c.money_table(shown[0], amount_cols, [c.t("col.commitment_pct")], key="ab_table",
                  keys=[c.t("col.ab")], names=[c.t("col.label")], name_width=110,
                  column_config={c.t("col.overrides"): st.column_config.NumberColumn(width=60)})
    st.markdown(f"**{c.t('ab.payment_side')}**")
    c.money_table(shown[1], amount_cols, key="ab_pay_table", keys=[c.t("col.ab")], names=[c.t("col.label")])
    c.excel_download(df, f"budget-lines-{year}", amount_cols, key="ab_xlsx")

    st.subheader(c.t("ab.yoy"))
    period_ui.year_over_year_table(c.cached(periods.year_over_year, span, "ab", directorates=scope),
                                   c.t("col.ab"), key="ab_yoy")

    st.divider()
    st.subheader(c.t("ab.history"))
    labels = c.derived(("ab_labels", year, as_of), lambda: {a.code: f"{a.code} — {a.label}"
                                                            for a in abs_})
    ab = st.selectbox(c.t("col.ab"), list(labels), key="ab_pick", format_func=labels.__getitem__)

    def history_frame() -> pd.DataFrame:
        shown = c.cached(views.credit_history, year, ab=ab, directorates=scope, as_of=as_of)
        texts = {k: c.t(k) for x in shown for k in (f"credit.{x.credit_type}", f"stage.{x.stage}")}
        return c.frame(shown, {
            c.t("col.date"): lambda x: x.entry_date,
            c.t("col.credit_type"): lambda x: texts[f"credit.{x.credit_type}"],
            c.t("col.stage"): lambda x: texts[f"stage.{x.stage}"],
            c.t("col.reference"): lambda x: x.reference,
            c.t("col.amount_eur"): lambda x: x.amount, c.t("col.note"): lambda x: x.note or "",
            c.t("col.reversal"): lambda x: "↩" if x.reversal else "",
        })

    def history() -> tuple[pd.DataFrame, pd.DataFrame]:
        """The history and, for the screen, with its totals row (made with it, not on every
        rerun)."""
        frame = history_frame()
        return frame, c.with_totals(frame, [c.t("col.amount_eur")])

    h, h_shown = c.derived(("ab_history", year, as_of, ab), history)
    if h.empty:
        c.empty_state("ab.no_history")
    else:
        c.money_table(h_shown, [c.t("col.amount_eur")], key="ab_hist")
        c.excel_download(h, f"credits-{ab}-{year}", [c.t("col.amount_eur")], key="ab_hist_xlsx")

    def overrides_frame() -> pd.DataFrame:
        """The line's availability overrides of the year (once per data version)."""
        return pd.DataFrame([{
            c.t("col.date"): x.created_at.date(), c.t("col.control"): c.t(f"control.{x.control_mode}"),
            c.t("col.available"): x.available, c.t("col.requested"): x.requested,
            c.t("col.reason"): x.reason, c.t("col.user"): x.created_by,
        } for x in c.cached(views.overrides, year) if x.ab == ab])

    o = c.derived(("ab_overrides", year, ab), overrides_frame)
    if not o.empty:
        st.markdown(f"**{c.t('ab.overrides')}**")
        c.money_table(o, [c.t("col.available"), c.t("col.requested")], key="ab_ovr")
