"""The browser session: who is at the other end, and forgetting everything at log-out.

Log-out must leave nothing of the user for whoever logs in next on the same browser: a
report made for all directorates, an uploaded file and its preview, filters, the pages
built for the role. :func:`clear_session` drops the whole session state (only the language
and the number style stay: they belong to the browser, not to the user), the files the
session uploaded, and what the current run has memoised about the user.
"""

from __future__ import annotations

import logging

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

log = logging.getLogger("budget.dashboard")

#: Session keys that are display preferences of the browser, kept across a log-out.
KEPT_AT_LOGOUT = ("lang", "amount_style")


def client_address() -> str:
    """The client's network address (``local`` for this machine), for the log-in throttle.

    Behind a reverse proxy every client has the proxy's address: the throttle then counts
    them together, which only makes it stricter.
    """
    try:
        address = st.context.ip_address
    except Exception:  # outside a browser session (tests): one "client"
        address = None
    return address or "local"


def clear_session() -> None:
    """Forget everything the session holds about its user (see the module's docstring)."""
    kept = {k: st.session_state[k] for k in KEPT_AT_LOGOUT if k in st.session_state}
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    for key, value in kept.items():
        st.session_state[key] = value
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return
    # The uploaded files are kept by Streamlit per session until the tab closes.
    try:
        ctx.uploaded_file_mgr.remove_session_files(ctx.session_id)
    except Exception:  # an older or a test runtime: the widgets are gone anyway
        log.debug("uploaded files of the session not removed", exc_info=True)
