"""The dashboard's entry point: ``streamlit run dashboards/app.py``.

Settings: ``BUDGET_DATABASE_URL`` (default ``var/budget.db``), ``BUDGET_DEMO=1`` (log in
automatically as a demo officer), ``BUDGET_LANG`` (en, fr, nl), ``BUDGET_AMOUNT_STYLE``
(``en`` 1,234.56 or ``be`` 1.234,56). Log-in first, then the pages (``st.navigation``).
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any

if "dashboards.common" not in sys.modules:  # the first run in this process
    # `streamlit run dashboards/app.py` puts only dashboards/ on the path. (The entry point
    # runs again on every rerun: the path is resolved on the disk only the first time.)
    ROOT = Path(__file__).resolve().parents[1]
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException

from dashboards import auth, links, web_session
from dashboards import common as c

PAGES = c.SCREENS
# The pages live in screens/, not pages/: a pages/ folder beside the entry script switches
# Streamlit to its old folder mode, which runs page files directly and skips the log-in.


# A local file: a Material icon or an emoji as page_icon is fetched from a font or emoji
# server by the browser (the dashboard must work offline, and send no request outside).
# Its bytes, read once per process (dashboards.common): given a path, Streamlit reads the file
# on every run.
st.set_page_config(page_title="Contributions budget · M0.0", page_icon=c.ICON, layout="wide")
# No "Deploy" button for budget officers (cosmetic: ignored where Streamlit refuses it).
with contextlib.suppress(Exception):
    if st.get_option("client.toolbarMode") != "viewer":  # set once, not on every run
        st.set_option("client.toolbarMode", "viewer")


STYLE_LABELS = {"auto": "Auto", "en": "1,234.56", "be": "1.234,56"}


def sidebar_settings() -> None:
    """Language and number style (kept in the session).

    Their labels stay the same in every language: a widget whose label changes becomes a
    new widget in Streamlit, which would forget the choice just made.
    """
    # Defaults go through the session state, not index=: a changing default would make a
    # new widget (its parameters are part of its identity) and lose the choice.
    links.seed("lang", "lang", links.one_of(list(c.LANGUAGES)))  # a link's language, first
    st.session_state.setdefault("lang", c.lang())
    # "auto": the language's style (French and Dutch write 1.234,56).
    st.session_state.setdefault("amount_style", c.config.get("BUDGET_AMOUNT_STYLE") or "auto")
    with st.sidebar:
        st.selectbox(
            "Language · Langue · Taal", list(c.LANGUAGES), format_func=c.LANGUAGES.get,
            key="lang",
        )
        st.radio(
            "Amounts · Montants · Bedragen", ["auto", "en", "be"], horizontal=True, key="amount_style",
            format_func=STYLE_LABELS.__getitem__,
        )
    # In the URL only when it is not the default: a link opens in the language it was made in.
    chosen = st.session_state.get("lang")
    links.publish("lang", chosen if chosen != (c.config.get("BUDGET_LANG") or "en") else None)


def sidebar_user(user: c.CurrentUser) -> None:
    with st.sidebar:
        st.divider()
        scope = ", ".join(user.directorates) if user.directorates else c.t("auth.all_directorates")
        st.caption(c.t("auth.signed_in", user=user.username, role=c.t(f"role.{user.role}"),
                       scope=scope))
        if not user.demo:
            st.button(c.t("auth.logout"), on_click=auth.logout, key="logout",
                      icon=":material/logout:")


def build_pages(user: c.CurrentUser | None) -> list[st.Page]:
    """The pages this user may open (before the log-in: all, so that a deep link resolves)."""
    pages = [
        st.Page(PAGES / "overview.py", title=c.t("nav.overview"), icon=":material/dashboard:",
                url_path="overview"),
        st.Page(PAGES / "organisations.py", title=c.t("nav.organisations"),
                icon=":material/apartment:", url_path="organisations"),
        st.Page(PAGES / "directorates.py", title=c.t("nav.directorates"),
                icon=":material/account_tree:", url_path="directorates"),
        st.Page(PAGES / "budget_lines.py", title=c.t("nav.budget_lines"),
                icon=":material/account_balance_wallet:", url_path="budget-lines"),
        st.Page(PAGES / "arrears.py", title=c.t("nav.arrears"), icon=":material/schedule:",
                url_path="arrears"),
        st.Page(PAGES / "exchange_rates.py", title=c.t("nav.exchange_rates"),
                icon=":material/currency_exchange:", url_path="exchange-rates"),
        st.Page(PAGES / "outlook.py", title=c.t("nav.outlook"), icon=":material/trending_up:", url_path="outlook"),
    ]
    pages.append(st.Page(PAGES / "reports.py", title=c.t("nav.reports"),
                         icon=":material/summarize:", url_path="reports"))
    if user is None or user.can("officer"):
        pages.append(st.Page(PAGES / "import_files.py", title=c.t("nav.imports"),
                             icon=":material/upload_file:", url_path="imports"))
        pages.append(st.Page(PAGES / "audit.py", title=c.t("nav.audit"),
                             icon=":material/history:", url_path="audit"))
    if user is None or user.can("admin"):
        pages.append(st.Page(PAGES / "users.py", title=c.t("nav.users"),
                             icon=":material/manage_accounts:", url_path="users"))
    pages += drill_pages(pages[0])
    return pages


# ----------------------------------------------------------------- links, search (#13)


def drill_pages(overview: st.Page) -> list[st.Page]:
    """Pages reached by a link or the search, not listed in the menu, and the root.

    Streamlit serves its default page at the root only (``/overview`` would be "page not
    found"): the default is a hidden page that opens the overview at ``/overview``.
    """

    def home() -> None:
        st.switch_page(overview, query_params=dict(st.query_params))

    return [st.Page(home, title=c.t("nav.overview"), url_path="home", default=True, visibility="hidden"),
            st.Page(PAGES / "search.py", title=c.t("nav.search"), icon=":material/search:",
                    url_path="search", visibility="hidden"),
            st.Page(PAGES / "entry.py", title=c.t("nav.entry"), icon=":material/receipt_long:",
                    url_path="entry", visibility="hidden")]


def sidebar_search(pages: list[st.Page]) -> None:
    """A search box on every page: its results page links to the drill-down."""
    with st.sidebar, st.form("sidebar_search", border=False, enter_to_submit=True):
        text = st.text_input(c.t("search.box"), key="sidebar_q", placeholder=c.t("search.hint"),
                             max_chars=links.MAX_SEARCH_CHARS)
        go = st.form_submit_button(c.t("search.go"), icon=":material/search:")
    if go and (text or "").strip():
        target = next(p for p in pages if p.url_path == "search")
        st.switch_page(target, query_params={"q": text.strip()})


# ---------------------------------------------------------------------------------


def pages_for(user: c.CurrentUser | None) -> list[st.Page]:
    """:func:`build_pages`, made once per session, language and role.

    ``st.Page`` resolves its file on the disk and checks it (about 0.2 ms a page, 1.5 ms a
    run for eight pages). The pages are the session's own (``st.navigation`` marks the one
    to run on it), so they are kept in its state, not shared between sessions.
    """
    key = (c.lang(), None if user is None else user.role)
    kept = st.session_state.get(_PAGES_KEY)
    if kept is None or kept[0] != key:
        kept = (key, build_pages(user))
        st.session_state[_PAGES_KEY] = kept
    return kept[1]


_PAGES_KEY = "_budget_pages"


def main() -> None:
    c.start_run()  # the cached reads of this run read the data version again, once
    c.apply_style()
    links.new_run()
    sidebar_settings()
    c.settle_text_settings()
    with st.sidebar:
        web_session.browser_side()  # sets or deletes the session cookie (serve.py)
    if auth.demo_mode():
        auth.ensure_logged_in()
    known = st.session_state.get("user")
    known = known if isinstance(known, c.CurrentUser) else None
    # The navigation exists before the log-in (hidden) so that a deep link such as
    # /organisations opens that page once logged in, instead of "page not found".
    nav = st.navigation(pages_for(known), position="sidebar" if known else "hidden")
    user = auth.ensure_logged_in()  # shows the log-in and stops when nobody is logged in
    if known is None:
        st.rerun()  # identified by the provider just now: rebuild the navigation for the role
    if user.demo:
        st.warning(c.t("auth.demo_banner"), icon=":material/science:")
    sidebar_search(pages_for(user))
    sidebar_user(user)
    run_page(nav)


def run_page(nav: Any) -> None:
    """Run the page, then write its state to the URL once (not when it opens another page)."""
    try:
        nav.run()
    except RerunException:
        raise
    except BaseException:  # st.stop() included: the page shown so far is the view
        links.flush()
        raise
    links.flush()


main()
