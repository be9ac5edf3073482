"""Reports: the monthly PDF and Excel workbook, for a month and a directorate, to download;
and the frozen packs, to download again and to verify against the ledger.

The page is thin: it picks the month, the directorate (within the viewer's own directorates)
and the language, calls ``budget.reports.generate_with_report`` and offers both files. The
frozen packs come from ``budget.services.report_archive`` (a viewer limited to some
directorates sees only the packs within them) and are verified by
``budget.reports.archive.verify``.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from budget.errors import BudgetError
from budget.reports import MEDIA_TYPES, archive, file_name, generate_with_report
from budget.reports import i18n as rt
from budget.services import report_archive, views
from budget.services.report_archive import Pack
from dashboards import common as c
from dashboards.naming import name_of

# Page texts live in dashboards/i18n/*.json (keys reports_page.*); the report's own labels
# come from budget.reports.i18n.
ALL = "*"


def month_options(years: list[int], today: dt.date) -> list[str]:
    """Every month of the years with data up to the current month, newest first."""
    first = min([*years, today.year - 1])
    out = []
    for year in range(today.year, first - 1, -1):
        for month in range(12, 0, -1):
            if (year, month) <= (today.year, today.month):
                out.append(f"{year:04d}-{month:02d}")
    return out


def default_month(today: dt.date) -> str:
    """The month just ended: what M0.0 reports on at the start of a month."""
    last = today.replace(day=1) - dt.timedelta(days=1)
    return f"{last.year:04d}-{last.month:02d}"


def pack_status(pack: Pack) -> str:
    if pack.superseded_by:
        return c.t("reports_page.pack_superseded", id=pack.superseded_by)
    if pack.supersedes_id:
        return c.t("reports_page.pack_supersedes", id=pack.supersedes_id, reason=pack.supersede_reason or "")
    return c.t("reports_page.pack_current")


def pack_label(pack: Pack) -> str:
    scope_text = ", ".join(pack.directorates) if pack.directorates else c.t("reports_page.all")
    return f"{pack.id} – {pack.period} – {scope_text} – {pack.lang} – {pack.frozen_at:%Y-%m-%d %H:%M}"


def shown(value: object) -> str:
    if value is None:
        return c.t("reports_page.absent")
    if isinstance(value, dict):
        return "; ".join(f"{k} {v}" for k, v in value.items())
    return str(value)


def frozen_packs(username: str, scope: tuple[str, ...] | None) -> None:
    """The frozen packs the user may see, each to download and to verify."""
    st.subheader(c.t("reports_page.packs_title"))
    st.caption(c.t("reports_page.packs_caption"))
    packs: tuple[Pack, ...] = c.cached(report_archive.packs, directorates=scope)
    if not packs:
        c.empty_state("reports_page.packs_empty")
        return
    table = c.frame(packs, {
        c.t("reports_page.pack_id"): lambda p: p.id,
        c.t("reports_page.month"): lambda p: p.period,
        c.t("reports_page.pack_scope"): lambda p: ", ".join(p.directorates or ()) or c.t("reports_page.all"),
        c.t("reports_page.language"): lambda p: p.lang,
        c.t("reports_page.pack_frozen_at"): lambda p: f"{p.frozen_at:%Y-%m-%d %H:%M}",
        c.t("reports_page.pack_frozen_by"): lambda p: p.frozen_by,
        c.t("reports_page.pack_status"): pack_status,
        c.t("reports_page.pack_fingerprint"): lambda p: p.fingerprint,
    })
    st.dataframe(table, hide_index=True, key="rep_packs")
    by_id = {p.id: p for p in packs}
    chosen_id = st.selectbox(c.t("reports_page.pack"), list(by_id), format_func=lambda i: pack_label(by_id[i]),
                             key="rep_pack")
    pack = by_id[chosen_id]
    cols = st.columns(3)
    for col, fmt in zip(cols, ("pdf", "xlsx"), strict=False):
        try:
            data = archive.read_file(pack, fmt)
        except BudgetError as exc:
            col.warning(c.md(exc.message), icon=":material/warning:")
            continue
        col.download_button(c.t(f"reports_page.{fmt}"), data=data, file_name=pack.file(fmt).name,
                            mime=MEDIA_TYPES[fmt], key=f"rep_pack_download_{fmt}", icon=":material/download:",
                            width="stretch")
    if cols[2].button(c.t("reports_page.verify"), icon=":material/fact_check:", key="rep_verify",
                      width="stretch"):
        with st.spinner(c.t("reports_page.verifying")):
            result = archive.verify(c.session_factory(), pack, user=username)
        st.session_state["rep_verified"] = {"key": (username, scope, pack.id), "result": result}
    verified = st.session_state.get("rep_verified")
    if verified and verified["key"] == (username, scope, pack.id):
        show_verdict(verified["result"])


def show_verdict(result: archive.Verification) -> None:
    pack = result.pack
    if result.unchanged:
        st.success(c.t("reports_page.unchanged", id=pack.id, value=pack.fingerprint), icon=":material/verified:")
        if result.added:
            st.caption(c.t("reports_page.added_since", parts=", ".join(result.added)))
        return
    st.warning(c.t("reports_page.changed", id=pack.id, n=len(result.changes)), icon=":material/difference:")
    if not result.changes:
        st.caption(c.t("reports_page.changed_software"))
        return
    st.dataframe(c.frame(result.changes, {
        c.t("reports_page.figure"): lambda ch: ch.figure,
        c.t("reports_page.before"): lambda ch: shown(ch.before),
        c.t("reports_page.after"): lambda ch: shown(ch.after),
    }), hide_index=True, key="rep_changes")


st.title(c.t("reports_page.title"))
st.caption(c.t("reports_page.caption"))
user = c.current_user()
scope = user.directorates

with c.guard():
    today = c.config.today()
    months = month_options(c.cached(views.years_with_data), today)
    names = {d.code: name_of(d) for d in c.cached(views.directorates_list)}
    if scope is None:
        choices = [ALL, *names]
    elif len(scope) == 1:
        choices = list(scope)
    else:
        choices = [ALL, *scope]

    cols = st.columns([1, 2, 1])
    month = cols[0].selectbox(c.t("reports_page.month"), months, index=months.index(default_month(today)),
                              key="rep_month")
    chosen = cols[1].selectbox(
        c.t("reports_page.directorate"), choices, key="rep_directorate",
        format_func=lambda code: (
            (c.t("reports_page.all") if scope is None else c.t("reports_page.all_mine")) if code == ALL
            else f"{code} – {names.get(code, code)}"
        ),
    )
    language = cols[2].selectbox(c.t("reports_page.language"), list(rt.LANGUAGES), format_func=c.LANGUAGES.get,
                                 index=list(rt.LANGUAGES).index(c.lang()) if c.lang() in rt.LANGUAGES
                                 else 0, key="rep_lang")

    # The viewer's restriction holds whatever the widgets say: the report reads only the
    # directorates the user may see.
    # "All": None (every directorate) for an unrestricted user, else the user's own.
    directorate: str | tuple[str, ...] | None = scope if chosen == ALL else chosen
    if scope is not None and (directorate is None or not set(
            [directorate] if isinstance(directorate, str) else directorate) <= set(scope)):
        st.error(c.t("reports_page.not_allowed"))
        st.stop()

    if st.button(c.t("reports_page.generate"), type="primary", icon=":material/summarize:", key="rep_generate"):
        with st.spinner(c.t("reports_page.working")):
            report, files = generate_with_report(c.session_factory(), month, directorate,
                                                 ("pdf", "xlsx"), language, user=user.username)
        st.session_state["rep_result"] = {
            # The user is part of the key: a report is never shown to anyone but its maker
            # (log-out clears the session as well; this holds even if a key survived).
            "key": (user.username, user.directorates, month, chosen, language),
            "period": rt.period_label(report.header.year, report.header.month, language),
            "scope": ", ".join(report.header.directorates or ()) or rt.t("all_directorates", language),
            "fingerprint": report.fingerprint,
            "files": {fmt: (file_name(report, fmt, language), data) for fmt, data in files.items()},
            "figures": (report.summary.current.committed, report.summary.current.paid_in_year,
                        report.summary.current.open, report.summary.current.available),
        }

    result = st.session_state.get("rep_result")
    if result and result["key"] == (user.username, user.directorates, month, chosen, language):
        st.success(c.t("reports_page.ready", period=result["period"], scope=result["scope"]),
                   icon=":material/check_circle:")
        m = st.columns(4)
        for col, key, value in zip(m, ("committed", "paid_in_year", "open_short", "available_short"),
                                   result["figures"], strict=True):
            col.metric(rt.t(key, language), c.fmt_amount(value, "EUR"))
        d = st.columns(2)
        for col, fmt in zip(d, ("pdf", "xlsx"), strict=True):
            name, data = result["files"][fmt]
            col.download_button(c.t(f"reports_page.{fmt}"), data=data, file_name=name, mime=MEDIA_TYPES[fmt],
                                key=f"rep_download_{fmt}", icon=":material/download:",
                                width="stretch")
        st.caption(c.t("reports_page.fingerprint", value=result["fingerprint"]))

st.divider()
with c.guard():
    frozen_packs(user.username, scope)
