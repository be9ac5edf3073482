"""Dashboard accounts: argon2 password hashes, roles, directorate limits, log-in slow-down.

Passwords are hashed with argon2id (``argon2-cffi``: salted, memory-hard, slow by design);
the hash string carries its own parameters so they can be raised later. After
``FREE_ATTEMPTS`` failed log-ins in a row an account must wait before the next attempt,
twice as long after each further failure (capped at ``MAX_DELAY``); a success resets it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select

from budget.errors import AuthenticationError, DuplicateEntryError, NotFoundError, ValidationError
from budget.ledger.models import ROLES, AppUser, utcnow
from budget.services.reference import get_directorate
from budget.uow import UnitOfWork

#: Failed log-ins in a row allowed before the slow-down starts.
FREE_ATTEMPTS = 3
#: First wait after the free attempts, then doubled for each further failure.
BASE_DELAY = dt.timedelta(seconds=2)
MAX_DELAY = dt.timedelta(minutes=5)
MIN_PASSWORD_LENGTH = 8

_hasher = PasswordHasher()
# Verified against when the user name is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not-a-password-of-anyone")


@dataclass(frozen=True)
class UserInfo:
    """A dashboard account as plain data (never the hash)."""

    username: str
    role: str
    directorates: tuple[str, ...] | None
    active: bool
    created_at: dt.datetime
    failed_logins: int

    def to_json(self) -> dict[str, object]:
        return {
            "username": self.username,
            "role": self.role,
            "directorates": list(self.directorates) if self.directorates is not None else None,
            "active": self.active,
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "failed_logins": self.failed_logins,
        }


def _info(user: AppUser) -> UserInfo:
    dirs = None
    if user.directorates:
        dirs = tuple(d for d in user.directorates.split(",") if d)
    return UserInfo(user.username, user.role, dirs, bool(user.active), user.created_at,
                    int(user.failed_logins or 0))


def _username(value: object) -> str:
    name = str(value or "").strip()
    if not name:
        raise ValidationError("The user name is empty.")
    if len(name) > 80 or any(ch.isspace() for ch in name):
        raise ValidationError("A user name has at most 80 characters and no spaces.")
    return name


def _password(value: str) -> str:
    if len(value or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"A password has at least {MIN_PASSWORD_LENGTH} characters.")
    return value


def _role(value: str) -> str:
    if value not in ROLES:
        raise ValidationError(f"The role is one of {', '.join(ROLES)}, not {value!r}.")
    return value


def _directorates(uow: UnitOfWork, values: Sequence[str] | str | None) -> str | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [v for v in values.replace(";", ",").split(",")]
    codes = [get_directorate(uow, v).code for v in values if str(v).strip()]
    return ",".join(sorted(set(codes))) or None


def _get(uow: UnitOfWork, username: str) -> AppUser:
    user = uow.session.scalar(select(AppUser).where(AppUser.username == username))
    if user is None:
        raise NotFoundError(f"No dashboard user {username!r}.")
    return user


def add_user(
    uow: UnitOfWork,
    username: str,
    password: str,
    role: str = "viewer",
    directorates: Sequence[str] | str | None = None,
) -> UserInfo:
    """Create a dashboard account; ``directorates`` limits what a user sees (None: all)."""
    name = _username(username)
    if uow.session.scalar(select(AppUser.id).where(AppUser.username == name)) is not None:
        raise DuplicateEntryError(f"User {name} already exists.")
    user = AppUser(
        username=name, password_hash=_hasher.hash(_password(password)), role=_role(role),
        directorates=_directorates(uow, directorates), active=True, failed_logins=0,
    )
    uow.session.add(user)
    uow.session.flush()
    uow.audit("add_user", "app_user", name, role=user.role, directorates=user.directorates)
    return _info(user)


def set_password(uow: UnitOfWork, username: str, password: str) -> UserInfo:
    """Replace a user's password (and lift any log-in slow-down)."""
    user = _get(uow, _username(username))
    user.password_hash = _hasher.hash(_password(password))
    user.failed_logins = 0
    user.last_failed_at = None
    uow.session.flush()
    uow.audit("set_password", "app_user", user.username)
    return _info(user)


def disable_user(uow: UnitOfWork, username: str) -> UserInfo:
    """Disable an account: it can no longer log in (kept for the audit trail)."""
    user = _get(uow, _username(username))
    user.active = False
    uow.session.flush()
    uow.audit("disable_user", "app_user", user.username)
    return _info(user)


def set_access(
    uow: UnitOfWork,
    username: str,
    *,
    role: str | None = None,
    directorates: Sequence[str] | str | None = None,
    all_directorates: bool = False,
) -> UserInfo:
    """Change a user's role and/or directorate limit (audited)."""
    user = _get(uow, _username(username))
    if role is not None:
        user.role = _role(role)
    if all_directorates:
        user.directorates = None
    elif directorates is not None:
        user.directorates = _directorates(uow, directorates)
    uow.session.flush()
    uow.audit("set_access", "app_user", user.username, role=user.role,
              directorates=user.directorates)
    return _info(user)


def list_users(uow: UnitOfWork) -> list[UserInfo]:
    """Every dashboard account, by user name."""
    return [_info(u) for u in uow.session.scalars(select(AppUser).order_by(AppUser.username))]


def get_user(uow: UnitOfWork, username: str) -> UserInfo:
    """One account as plain data (raises ``NotFoundError``)."""
    return _info(_get(uow, _username(username)))


def retry_delay(failed_logins: int) -> dt.timedelta:
    """How long an account waits after ``failed_logins`` failures in a row."""
    if failed_logins < FREE_ATTEMPTS:
        return dt.timedelta(0)
    doublings = min(failed_logins - FREE_ATTEMPTS, 20)  # 2**20 × 2 s is far past the cap
    return min(BASE_DELAY * (2**doublings), MAX_DELAY)


def authenticate(
    uow: UnitOfWork, username: str, password: str, *, now: dt.datetime | None = None
) -> UserInfo:
    """Check a log-in; return the account or raise ``AuthenticationError``.

    Commits the unit of work itself: a failed attempt must be counted even though the
    log-in is refused (the caller's rollback would otherwise erase it). The message never
    says whether the user name or the password was wrong.
    """
    now = now or utcnow()
    name = str(username or "").strip()
    user = uow.session.scalar(select(AppUser).where(AppUser.username == name)) if name else None
    if user is None:
        _verify(_DUMMY_HASH, password or "")
        raise AuthenticationError("Wrong user name or password.")
    wait = retry_delay(int(user.failed_logins or 0))
    if wait and user.last_failed_at is not None and now < user.last_failed_at + wait:
        seconds = int((user.last_failed_at + wait - now).total_seconds()) + 1
        raise AuthenticationError(
            f"Too many failed log-ins in a row: try again in {seconds} s."
        )
    ok = _verify(user.password_hash, password or "")
    if not ok or not user.active:
        user.failed_logins = int(user.failed_logins or 0) + 1
        user.last_failed_at = now
        uow.session.flush()
        uow.commit()
        if ok and not user.active:
            raise AuthenticationError("This account is disabled.")
        raise AuthenticationError("Wrong user name or password.")
    if user.failed_logins or _hasher.check_needs_rehash(user.password_hash):
        user.failed_logins = 0
        user.last_failed_at = None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        uow.session.flush()
        uow.commit()
    return _info(user)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
