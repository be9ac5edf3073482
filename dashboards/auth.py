"""Log-in for the dashboard: local accounts, OpenID Connect, or the demo mode.

- With an ``[auth]`` section in ``.streamlit/secrets.toml`` (an OIDC provider), ``st.login``
  identifies the user; the role and directorates come from the dashboard account whose user
  name is the e-mail address (or ``sub``) the provider gives. No account: no access.
- Otherwise a form checks the user name and password against the ``app_user`` table
  (argon2 hashes, see ``budget.services.users``).
- ``BUDGET_DEMO=1`` logs in automatically as a demo officer, with a banner saying so.
  Nothing else skips the log-in.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from budget import config
from budget.errors import AuthenticationError, BudgetError
from budget.services import users as user_service
from dashboards import common as c
from dashboards import login_db, session, web_session

DEMO_USER = c.CurrentUser("demo", "officer", None, demo=True)


def demo_mode() -> bool:
    """True when the quick start's demo mode is on (``BUDGET_DEMO=1``)."""
    return bool(config.get("BUDGET_DEMO"))


def oidc_configured() -> bool:
    """True when ``st.secrets`` has an ``[auth]`` section (guarded: no secrets file is fine)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all raises; that simply means no provider
        return False


def _oidc_logged_in() -> bool:
    # st.user raises when no provider is configured: only touch it after the check above.
    try:
        return bool(st.user.is_logged_in)
    except Exception:
        return False


def _oidc_identity() -> str:
    info: Any = st.user
    for key in ("email", "preferred_username", "sub"):
        try:
            value = info.get(key)
        except Exception:
            value = None
        if value:
            return str(value)
    return ""


def _load_demo_if_empty() -> None:
    """The quick start may open the dashboard on an empty file: fill it with the demo."""
    from budget.services import views

    with c.read_uow() as uow:
        empty = not views.organisations(uow)
    if empty:
        try:
            from budget.demo import load_demo
        except ImportError:
            return
        with st.spinner(c.t("auth.loading_demo")):
            load_demo(c.session_factory())
        c.after_write()


def ensure_logged_in() -> c.CurrentUser:
    """Return the logged-in user, or show the log-in and stop the script."""
    user = st.session_state.get("user")
    if isinstance(user, c.CurrentUser):
        return user
    if demo_mode():
        st.session_state["user"] = DEMO_USER
        _load_demo_if_empty()
        return DEMO_USER
    if oidc_configured():
        return _oidc_login()
    resumed = web_session.resume()  # a reload or a link: the session cookie, if still valid
    if resumed is not None:
        st.session_state["user"] = resumed
        return resumed
    return _password_login()


def _password_login() -> c.CurrentUser:
    _, mid, _ = st.columns([1, 2, 1])
    with mid:
        st.header(c.t("app.title"), divider="gray")
        st.subheader(c.t("auth.login"))
        with st.form("login", clear_on_submit=False):
            username = st.text_input(c.t("auth.username"), key="login_username")
            password = st.text_input(c.t("auth.password"), type="password", key="login_password")
            submitted = st.form_submit_button(c.t("auth.submit"), type="primary")
        if submitted:
            user = _check_password(username, password)
            if user is not None:
                st.session_state["user"] = user
                st.session_state.pop("login_password", None)
                web_session.start(user.username)  # the next run sets the session cookie
                st.rerun()
        st.caption(c.t("auth.help"))
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


def _check_password(username: str, password: str) -> c.CurrentUser | None:
    """The user when the log-in is right; otherwise show why not (one line) and None.

    The answer and its time are the same for an unknown name and a real one (same message,
    same argon2 work, same slow-down per name and per client). The password is checked in
    a read and the attempt recorded in a short write of its own (``login_db``): a long
    import holding the write lock does not hold the log-in.
    """
    try:
        info = user_service.log_in(login_db.read_uow, login_db.record_uow, username, password,
                                   client=session.client_address())
    except user_service.LoginThrottledError as exc:
        st.error(c.t("auth.throttled", seconds=exc.seconds), icon=":material/lock:")
    except AuthenticationError as exc:
        disabled = exc.message == user_service.DISABLED_MESSAGE
        st.error(c.t("auth.disabled" if disabled else "auth.wrong"), icon=":material/lock:")
    except Exception as exc:  # the ledger busy, or anything else: a message, no traceback
        c.show_error(exc)
    else:
        return c.CurrentUser(info.username, info.role, info.directorates)
    return None


def _oidc_login() -> c.CurrentUser:
    if not _oidc_logged_in():
        _, mid, _ = st.columns([1, 2, 1])
        with mid:
            st.header(c.t("app.title"), divider="gray")
            st.button(c.t("auth.login_sso"), type="primary", on_click=st.login)
        st.stop()
    identity = _oidc_identity()
    try:
        with c.read_uow() as uow:
            info = user_service.get_user(uow, identity)
    except BudgetError:
        info = None
    if info is None or not info.active:
        st.error(c.t("auth.no_account", identity=identity))  # t() escapes the identity
        st.button(c.t("auth.logout"), on_click=st.logout)
        st.stop()
    user = c.CurrentUser(info.username, info.role, info.directorates)
    st.session_state["user"] = user
    return user


def logout() -> None:
    """Forget everything of the session's user (and end the OIDC session when there is one).

    Not only the user: the next person on this browser must find nothing of the previous
    one's work (reports, uploads, filters), see :func:`dashboards.session.clear_session`.
    """
    oidc = oidc_configured() and _oidc_logged_in()
    web_session.end()  # revoked in the ledger: the cookie opens nothing any more
    session.clear_session()
    web_session.after_logout()
    if oidc:
        st.logout()
