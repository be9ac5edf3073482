"""A log-in that survives a reload (F5) or a deep link: an HttpOnly session cookie.

Streamlit's script talks to the browser over a websocket and cannot set a cookie; it can
read the cookies the browser sent when the page opened (``st.context.cookies``). The
cookie is therefore set by a small route of our own beside Streamlit (``st.App`` with
``routes=``, see ``dashboards/serve.py``):

1. the log-in form checks the password (as before), opens a session in the ledger
   (``budget.services.sessions``: a random token, stored only as its SHA-256) and keeps
   the token here, in this process, under a one-time hand-over code that expires after
   :data:`HANDOVER_SECONDS`;
2. the next run of the page posts that code (never the token, never in a URL) to
   ``POST /api/session``, which answers with the cookie: ``HttpOnly`` (no script reads
   it), ``SameSite=Lax``, ``Secure`` over HTTPS, ``Max-Age`` = ``BUDGET_SESSION_HOURS``;
3. on a later page load, :func:`resume` finds the account from the cookie's token (role and
   directorates read afresh; a disabled account opens nothing);
4. log-out revokes the session in the ledger (the cookie then opens nothing, even copied)
   and ``POST /api/session/end`` deletes the cookie.

Served by ``streamlit run dashboards/app.py`` (no routes, e.g. AppTest), the log-in works
as before and lasts as long as the browser tab.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from typing import Any

import streamlit as st

from budget import config
from budget.services import sessions
from dashboards import common as c
from dashboards import login_db

log = logging.getLogger("budget.dashboard")

COOKIE = "budget_session"
HANDOVER_SECONDS = 60.0
#: Hand-over codes waiting at most (a flood of log-ins cannot grow the process).
MAX_PENDING = 1000
SESSION_ID_KEY = "_budget_session_id"
PENDING_KEY = "_budget_session_handover"
CLEAR_KEY = "_budget_session_clear"

#: True when dashboards/serve.py mounted the routes in this process.
MOUNTED = False

_pending: dict[str, tuple[float, str]] = {}
_lock = threading.Lock()


def handover(token: str) -> str:
    """A one-time code standing for ``token`` for :data:`HANDOVER_SECONDS`."""
    code = secrets.token_urlsafe(24)
    now = time.monotonic()
    with _lock:
        for key in [k for k, (until, _) in _pending.items() if until < now]:
            del _pending[key]
        while len(_pending) >= MAX_PENDING:
            del _pending[next(iter(_pending))]
        _pending[code] = (now + HANDOVER_SECONDS, token)
    return code


def claim(code: str) -> str | None:
    """The token a hand-over code stands for (once), or None."""
    with _lock:
        found = _pending.pop(code, None)
    if found is None or found[0] < time.monotonic():
        return None
    return found[1]


# --------------------------------------------------------------------------- in the page


def hours() -> int:
    """``BUDGET_SESSION_HOURS``: how long a log-in lasts across reloads."""
    return int(config.get("BUDGET_SESSION_HOURS"))


def resume() -> c.CurrentUser | None:
    """The user the browser's session cookie stands for, or None."""
    try:
        token = st.context.cookies.get(COOKIE)
    except Exception:  # no browser (tests) or an older runtime
        token = None
    if not token:
        return None
    try:
        with login_db.read_uow() as uow:
            found = sessions.session_user(uow, str(token))
    except Exception:  # the ledger busy: the log-in form, never a traceback
        log.warning("session not resumed", exc_info=True)
        return None
    if found is None:
        return None
    session_id, info = found
    st.session_state[SESSION_ID_KEY] = session_id
    return c.CurrentUser(info.username, info.role, info.directorates)


def start(username: str) -> None:
    """Open a session for ``username`` after a right password; the next run sets the cookie.

    Only when the routes are there to set it (``dashboards/serve.py``).
    """
    if not MOUNTED:
        return
    try:
        with login_db.record_uow() as uow:
            session_id, token = sessions.open_session(uow, username, hours())
            uow.commit()
    except Exception:  # the log-in still holds for this tab
        log.warning("session not opened", exc_info=True)
        return
    st.session_state[SESSION_ID_KEY] = session_id
    st.session_state[PENDING_KEY] = handover(token)


def end() -> None:
    """Revoke the session in the ledger (the cookie opens nothing any more)."""
    session_id = st.session_state.get(SESSION_ID_KEY)
    try:
        token = st.context.cookies.get(COOKIE)
    except Exception:
        token = None
    try:
        with login_db.record_uow() as uow:
            if isinstance(session_id, int):
                sessions.revoke_session(uow, session_id=session_id)
            if token:
                sessions.revoke_session(uow, token=str(token))
            uow.commit()
    except Exception:
        log.warning("session not revoked", exc_info=True)


def after_logout() -> None:
    """Ask the next run to delete the cookie (called after the session state is cleared)."""
    if MOUNTED:
        st.session_state[CLEAR_KEY] = True


def _prefix() -> str:
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def browser_side() -> None:
    """Post a pending hand-over code, or the cookie's deletion (a script of ours only)."""
    code = st.session_state.pop(PENDING_KEY, None)
    clear = st.session_state.pop(CLEAR_KEY, None)
    if not (code or clear):
        return
    if code and not all(ch.isalnum() or ch in "-_" for ch in str(code)):
        return  # made by handover(): never anything else
    path = f"{_prefix()}/api/session" + ("" if code else "/end")
    body = f", body: '{code}'" if code else ""
    st.html(f"<script>fetch('{path}', {{method: 'POST', credentials: 'same-origin'{body}}});</script>",
            unsafe_allow_javascript=True, width=1)


# --------------------------------------------------------------------------- the routes


def _cookie_header(token: str, max_age: int, secure: bool) -> str:
    parts = [f"{COOKIE}={token}", "Path=/", "HttpOnly", "SameSite=Lax", f"Max-Age={max_age}"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def _secure(request: Any) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "")
    return bool(request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https")


async def set_cookie_route(request: Any) -> Any:
    from starlette.responses import Response

    body = (await request.body())[:200].decode("ascii", "replace").strip()
    token = claim(body) if body else None
    if token is None:
        return Response(status_code=400)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.headers.append("Set-Cookie", _cookie_header(token, hours() * 3600, _secure(request)))
    return response


def _revoke(token: str) -> None:
    with login_db.record_uow() as uow:
        sessions.revoke_session(uow, token=token)
        uow.commit()


async def end_cookie_route(request: Any) -> Any:
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import Response

    token = request.cookies.get(COOKIE)
    if token:
        try:
            await run_in_threadpool(_revoke, token)
        except Exception:
            log.warning("session not revoked", exc_info=True)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.headers.append("Set-Cookie", _cookie_header("", 0, _secure(request)))
    return response


def routes() -> list[Any]:
    """The two routes ``dashboards/serve.py`` mounts beside Streamlit."""
    from starlette.routing import Route

    global MOUNTED
    MOUNTED = True
    return [Route("/api/session", set_cookie_route, methods=["POST"]),
            Route("/api/session/end", end_cookie_route, methods=["POST"])]
