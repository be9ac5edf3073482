"""Imports (officer role): upload, recognise, preview, problems, confirm; history with undo.

The same pipeline as ``budget import`` (``imports.pipeline``): a preview writes nothing; the
load is all or nothing and audited with the logged-in user on channel ``dashboard``.
"""

from __future__ import annotations

import functools
import hashlib

import pandas as pd
import streamlit as st

from budget.services import views
from dashboards import common as c
from imports import pipeline

c.page_header("imports.title", "imports.caption")
c.require_role("officer")
user = c.current_user()

AUTO = "auto"
KINDS = list(pipeline.KINDS)


def kind_label(kind: str) -> str:
    return c.t("imports.auto") if kind == AUTO else c.t(f"kind.{kind}")


def problems_frame(problems: list) -> pd.DataFrame:
    return pd.DataFrame([{
        c.t("col.sheet"): pr.sheet or "", c.t("col.row"): pr.row,
        c.t("col.column"): pr.column or "", c.t("col.value"): pr.value or "",
        c.t("col.reason"): pr.message,
    } for pr in problems])


def show_result(result: pipeline.ImportResult) -> None:
    """Counts, totals, warnings, problems and parsed rows of a preview or a load."""
    m = st.columns(4)
    m[0].metric(c.t("imports.rows_read"), result.rows_read)
    m[1].metric(c.t("imports.rows_new"), result.rows_new)
    m[2].metric(c.t("imports.rows_unchanged"), result.rows_unchanged)
    m[3].metric(c.t("imports.rows_conflict"), result.rows_conflict)
    if result.totals:
        st.caption(c.t("imports.totals") + " " + " · ".join(
            c.md(c.fmt_amount(v, cur)) for cur, v in result.totals.items()))
    for w in result.warnings:
        st.warning(c.md(w), icon=":material/warning:")  # quotes the file's values
    if result.problems:
        st.error(c.t("imports.has_problems", n=len(result.problems)), icon=":material/error:")
        pf = problems_frame(result.problems)
        st.dataframe(pf, hide_index=True, width="stretch")
        c.excel_download(pf, f"problems-{result.file}", [], key="imp_problems_xlsx",
                         label=c.t("imports.download_problems"))
    rows = result.frame()
    if not rows.empty:
        st.markdown(f"**{c.t('imports.parsed_rows')}**")
        status_col = "status"
        if status_col in rows.columns:
            rows[status_col] = rows[status_col].map(lambda s: c.t(f"rowstatus.{s}"))
        amounts = [col for col in rows.columns if c.decimal_column(rows[col])]
        c.money_table(rows, amounts, key="imp_rows", height=min(400, 38 + 35 * len(rows)))


with c.guard():
    with st.expander(c.t("imports.templates"), icon=":material/description:"):
        cols = st.columns(len(KINDS) - 1)
        for col, kind in zip(cols, [k for k in KINDS if k != "fx"], strict=False):
            # Built on click (a callable): five workbooks on every run of the page were
            # more than half of its time.
            col.download_button(kind_label(kind), data=functools.partial(pipeline.template, kind),
                                on_click="ignore", file_name=f"template-{kind}.xlsx",
                                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                key=f"tpl-{kind}", icon=":material/download:")
        st.caption(c.t("imports.templates_help"))

    upload = st.file_uploader(c.t("imports.upload"), key="imp_file",
                              type=["xlsx", "xlsm", "xls", "ods", "csv", "zip", "xml"])
    left, mid, right = st.columns([2, 1, 1])
    kind = left.selectbox(c.t("imports.kind"), [AUTO, *KINDS], format_func=kind_label,
                          key="imp_kind")
    mark = mid.selectbox(c.t("imports.decimal_mark"), ["auto", "comma", "point"],
                         format_func=lambda m: c.t(f"imports.mark_{m}"), key="imp_mark")
    corrections = right.checkbox(c.t("imports.corrections"), key="imp_corr",
                                 help=c.t("imports.corrections_help"))

    if upload is None:
        c.empty_state("imports.start")
    else:
        data = upload.getvalue()
        options = pipeline.ImportOptions(corrections=corrections,
                                         decimal_mark=None if mark == "auto" else mark)
        chosen = None if kind == AUTO else kind
        file_sig = (hashlib.sha256(data).hexdigest(), chosen, corrections, mark)
        if st.session_state.get("imp_file_sig") != file_sig:
            st.session_state.pop("imp_loaded", None)  # a new file: forget the last outcome
            st.session_state["imp_file_sig"] = file_sig
        sig = (*file_sig, c.data_version())
        if st.session_state.get("imp_sig") != sig:
            with st.spinner(c.t("imports.checking")):
                found = chosen or pipeline.identify_kind(data, filename=upload.name)
                if found is None:
                    st.session_state["imp_preview"] = None
                    st.session_state["imp_found"] = None
                else:
                    st.session_state["imp_preview"] = pipeline.preview(
                        c.session_factory(), data, found, upload.name, options, user=user.username)
                    st.session_state["imp_found"] = found
            st.session_state["imp_sig"] = sig
        found = st.session_state.get("imp_found")
        result = st.session_state.get("imp_preview")
        if found is None:
            st.error(c.t("imports.unknown_kind", file=upload.name), icon=":material/help:")
        elif result is not None:
            st.subheader(c.t("imports.preview", file=upload.name, kind=kind_label(found)))
            show_result(result)
            nothing_new = result.ok and not (result.rows_new or result.rows_corrected)
            if nothing_new:
                st.info(c.t("imports.nothing_new"), icon=":material/check_circle:")
            if st.button(c.t("imports.confirm", n=result.rows_new + result.rows_corrected),
                         type="primary", disabled=not result.ok or nothing_new, key="imp_go"):
                with st.spinner(c.t("imports.loading")):
                    done = pipeline.load(c.session_factory(), data, found, upload.name, options,
                                         user=user.username, channel="dashboard")
                c.after_write()
                if done.ok and done.batch:
                    st.session_state["imp_loaded"] = c.t("imports.loaded", batch=done.batch,
                                                         n=done.rows_new + done.rows_corrected)
                    st.session_state.pop("imp_sig", None)
                    st.rerun()
                elif done.ok:
                    st.info(c.md(done.message) if done.message else c.t("imports.nothing_new"))
                else:
                    st.error(c.t("imports.refused"))
                    show_result(done)
    if st.session_state.get("imp_loaded"):
        st.success(st.session_state["imp_loaded"], icon=":material/task_alt:")

    # ------------------------------------------------------------------ history + undo
    st.divider()
    st.subheader(c.t("imports.history"))

    def history() -> tuple[pd.DataFrame, dict[int, str]]:
        """The batch history and the batches that can be undone (once per data version)."""
        batches = c.cached(views.import_batches, 200)
        frame = pd.DataFrame([{
            c.t("col.batch"): b.id, c.t("col.date"): b.created_at.strftime("%Y-%m-%d %H:%M"),
            c.t("col.user"): b.created_by, c.t("col.kind"): kind_label(b.kind)
            if b.kind in KINDS else b.kind,
            c.t("col.file"): b.file_name, c.t("imports.rows_read"): b.rows_read,
            c.t("imports.rows_new"): b.rows_new, c.t("col.state"): (
                c.t("imports.undo_of", batch=b.undoes_batch_id) if b.undoes_batch_id
                else c.t("imports.undone_by", batch=b.undone_by) if b.undone_by else ""),
        } for b in batches])
        undoable = {b.id: f"#{b.id} · {b.file_name} · {b.created_by}" for b in batches
                    if not b.undoes_batch_id and not b.undone_by}
        return frame, undoable

    hist, undoable = c.derived(("import_history",), history)
    if hist.empty:
        c.empty_state("imports.no_history")
    else:
        c.money_table(hist, key="imp_hist")
        if undoable:
            with st.form("undo"):
                bid = st.selectbox(c.t("imports.undo_pick"), list(undoable),
                                   format_func=undoable.get, key="undo_batch")
                reason = st.text_input(c.t("col.reason"), key="undo_reason")
                if st.form_submit_button(c.t("imports.undo"), icon=":material/undo:"):
                    if not reason.strip():
                        st.error(c.t("imports.undo_reason"))
                    else:
                        out = pipeline.undo(c.session_factory(), int(bid), user=user.username,
                                            channel="dashboard", reason=reason.strip())
                        c.after_write()
                        st.session_state["imp_loaded"] = c.t("imports.undone", batch=bid,
                                                             undo=out.batch)
                        st.rerun()
