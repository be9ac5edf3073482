"""Dashboard log-ins kept across reloads: random tokens, stored only as their SHA-256.

The browser holds the token (an HttpOnly cookie, see ``dashboards/web_session.py``); the
ledger holds its hash, the user name, the expiry and the revocation. A stolen copy of the
database gives no token; a log-out revokes the row, so the cookie opens nothing any more,
even if it was copied. The user's role, directorates and ``active`` flag are read afresh
from the account on every resumption: a disabled account or a changed role takes effect at
the next reload.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select, update

from budget.errors import NotFoundError
from budget.ledger.models import AppSession, utcnow
from budget.services.users import UserInfo, get_user
from budget.services.users import revoke_user_sessions as revoke_user_sessions  # re-exported
from budget.uow import UnitOfWork

#: Longest token accepted from a browser (a real one is 43 characters).
MAX_TOKEN_CHARS = 128


def token_hash(token: str) -> str:
    """The SHA-256 (hex) under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def open_session(uow: UnitOfWork, username: str, hours: int, now: dt.datetime | None = None) -> tuple[int, str]:
    """A new session for ``username`` valid ``hours``: its id and its token (shown once).

    The caller commits.
    """
    info = get_user(uow, username)  # NotFoundError for an unknown name
    token = secrets.token_urlsafe(32)
    now = now or utcnow()
    row = AppSession(token_hash=token_hash(token), username=info.username, created_at=now,
                     expires_at=now + dt.timedelta(hours=hours))
    uow.session.add(row)
    uow.session.flush()
    return row.id, token


def session_user(uow: UnitOfWork, token: str | None, now: dt.datetime | None = None) -> tuple[int, UserInfo] | None:
    """The session id and account a token opens, or None (unknown, expired, revoked, too long,
    or the account disabled or gone)."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    now = now or utcnow()
    row = uow.session.scalar(select(AppSession).where(AppSession.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    try:
        info = get_user(uow, row.username)
    except NotFoundError:
        return None
    return (row.id, info) if info.active else None


def revoke_session(uow: UnitOfWork, *, session_id: int | None = None, token: str | None = None,
                   now: dt.datetime | None = None) -> int:
    """End a session (by id or by token): how many were ended. The caller commits."""
    if session_id is None and not token:
        return 0
    if token is not None and len(token) > MAX_TOKEN_CHARS:
        return 0
    cond = (AppSession.id == session_id if session_id is not None
            else AppSession.token_hash == token_hash(token or ""))
    result = uow.session.execute(update(AppSession).where(cond, AppSession.revoked_at.is_(None))
                                 .values(revoked_at=now or utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)

