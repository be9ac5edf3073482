"""Dashboard accounts: argon2 password hashes, roles, directorate limits, log-in slow-down.

Passwords are hashed with argon2id (``argon2-cffi``: salted, memory-hard, slow by design);
the hash string carries its own parameters so they can be raised later. After
``FREE_ATTEMPTS`` failed log-ins in a row a user name (known or not) must wait before the
next attempt, twice as long after each further failure, and so must a client trying many
names (:mod:`budget.services.login_throttle`); a success resets the name.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError

from budget.busy import is_busy
from budget.errors import AuthenticationError, DuplicateEntryError, NotFoundError, ValidationError
from budget.ledger.models import ROLES as ROLES  # re-exported: the doors name the roles
from budget.ledger.models import AppSession, AppUser, utcnow
from budget.services.login_throttle import FREE_ATTEMPTS as FREE_ATTEMPTS  # re-exported
from budget.services.login_throttle import MAX_DELAY as MAX_DELAY  # re-exported
from budget.services.login_throttle import THROTTLE, LoginThrottle
from budget.services.login_throttle import retry_delay as retry_delay  # re-exported
from budget.services.reference import get_directorate
from budget.uow import UnitOfWork

MIN_PASSWORD_LENGTH = 8
#: Longer than any pass phrase, short enough that hashing it costs nothing unusual.
MAX_PASSWORD_LENGTH = 200
#: The two refusals of a log-in (the dashboard shows them in the user's language).
WRONG_MESSAGE = "Wrong user name or password."
DISABLED_MESSAGE = "This account is disabled."

log = logging.getLogger(__name__)
_hasher = PasswordHasher()
# Verified against when the user name is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not-a-password-of-anyone")


class AccountRuleError(ValidationError):
    """An account change refused by one of the rules below; ``rule`` names it and
    ``values`` fill its message, so that the dashboard can say it in the user's language."""

    def __init__(self, rule: str, message: str, **values: object) -> None:
        super().__init__(message)
        self.rule = rule
        self.values = values


@dataclass(frozen=True)
class UserInfo:
    """A dashboard account as plain data (never the hash)."""

    username: str
    role: str
    directorates: tuple[str, ...] | None
    active: bool
    created_at: dt.datetime
    failed_logins: int
    last_login_at: dt.datetime | None = None  # UTC

    def to_json(self) -> dict[str, object]:
        return {
            "username": self.username,
            "role": self.role,
            "directorates": list(self.directorates) if self.directorates is not None else None,
            "active": self.active,
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "failed_logins": self.failed_logins,
            "last_login": (None if self.last_login_at is None
                           else self.last_login_at.isoformat(timespec="seconds")),
        }


def _info(user: AppUser) -> UserInfo:
    dirs = None
    if user.directorates:
        dirs = tuple(d for d in user.directorates.split(",") if d)
    return UserInfo(user.username, user.role, dirs, bool(user.active), user.created_at,
                    int(user.failed_logins or 0), user.last_login_at)


def _username(value: object) -> str:
    name = str(value or "").strip()
    if not name:
        raise AccountRuleError("username_empty", "The user name is empty.")
    if len(name) > 80 or any(ch.isspace() or not ch.isprintable() for ch in name):
        raise AccountRuleError("username_form",
                               "A user name has at most 80 characters and no spaces.")
    return name


def _password(value: str) -> str:
    if len(value or "") < MIN_PASSWORD_LENGTH:
        raise AccountRuleError("password_short",
                               f"A password has at least {MIN_PASSWORD_LENGTH} characters.",
                               n=MIN_PASSWORD_LENGTH)
    if len(value) > MAX_PASSWORD_LENGTH:
        raise AccountRuleError("password_long",
                               f"A password has at most {MAX_PASSWORD_LENGTH} characters.",
                               n=MAX_PASSWORD_LENGTH)
    return value


def _role(value: str) -> str:
    if value not in ROLES:
        raise AccountRuleError("role_unknown",
                               f"The role is one of {', '.join(ROLES)}, not {value!r}.")
    return value


def temporary_password() -> str:
    """A new random password for a reset (16 URL-safe characters, about 96 bits)."""
    return secrets.token_urlsafe(12)


def _keep_an_admin(uow: UnitOfWork, user: AppUser) -> None:
    """Refuse to leave the ledger without an active admin (nobody could manage users)."""
    if user.role != "admin" or not user.active:
        return
    others = uow.session.scalar(select(func.count(AppUser.id)).where(
        AppUser.role == "admin", AppUser.active.is_(True), AppUser.id != user.id))
    if not others:
        raise AccountRuleError("last_admin",
                               f"{user.username} is the last active admin: make another "
                               "user admin first.", user=user.username)


def _directorates(uow: UnitOfWork, values: Sequence[str] | str | None) -> str | None:
    if values is None:
        return None
    if isinstance(values, str):  # "M2,M3" or "M2; M3", as typed on the command line
        values = values.replace(";", ",").split(",")
    codes = [get_directorate(uow, str(v).strip()).code for v in values if str(v).strip()]
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
    """Replace a user's password (and reset its count of failed log-ins); every dashboard
    session kept across reloads under the old password ends."""
    user = _get(uow, _username(username))
    user.password_hash = _hasher.hash(_password(password))
    user.failed_logins = 0
    user.last_failed_at = None
    revoke_user_sessions(uow, user.username)
    uow.session.flush()
    uow.audit("set_password", "app_user", user.username)
    return _info(user)


def disable_user(uow: UnitOfWork, username: str) -> UserInfo:
    """Disable an account: it can no longer log in (kept for the audit trail).

    The last active admin cannot be disabled.
    """
    user = _get(uow, _username(username))
    _keep_an_admin(uow, user)
    user.active = False
    revoke_user_sessions(uow, user.username)
    uow.session.flush()
    uow.audit("disable_user", "app_user", user.username)
    return _info(user)


def enable_user(uow: UnitOfWork, username: str) -> UserInfo:
    """Enable a disabled account again (its password and access are unchanged)."""
    user = _get(uow, _username(username))
    user.active = True
    uow.session.flush()
    uow.audit("enable_user", "app_user", user.username)
    return _info(user)


def set_access(
    uow: UnitOfWork,
    username: str,
    *,
    role: str | None = None,
    directorates: Sequence[str] | str | None = None,
    all_directorates: bool = False,
) -> UserInfo:
    """Change a user's role and/or directorate limit (audited).

    The last active admin keeps the admin role.
    """
    user = _get(uow, _username(username))
    if role is not None and _role(role) != user.role:
        _keep_an_admin(uow, user)
        user.role = role
    if all_directorates:
        user.directorates = None
    elif directorates is not None:
        user.directorates = _directorates(uow, directorates)
    uow.session.flush()
    uow.audit("set_access", "app_user", user.username, role=user.role,
              directorates=user.directorates)
    return _info(user)


def revoke_user_sessions(uow: UnitOfWork, username: str, now: dt.datetime | None = None) -> int:
    """End every dashboard session of ``username`` (``budget.services.sessions``): how many."""
    result = uow.session.execute(update(AppSession).where(AppSession.username == username,
                                                          AppSession.revoked_at.is_(None))
                                 .values(revoked_at=now or utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)


def list_users(uow: UnitOfWork) -> list[UserInfo]:
    """Every dashboard account, by user name."""
    return [_info(u) for u in uow.session.scalars(select(AppUser).order_by(AppUser.username))]


def get_user(uow: UnitOfWork, username: str) -> UserInfo:
    """One account as plain data (raises ``NotFoundError``)."""
    return _info(_get(uow, _username(username)))


class LoginThrottledError(AuthenticationError):
    """Too many failed log-ins in a row for this user name or this client: wait."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"Too many failed log-ins in a row: try again in {seconds} s.")
        self.seconds = seconds


@dataclass(frozen=True)
class LoginCheck:
    """What a log-in's password check found (read only; nothing recorded yet)."""

    username: str
    user: UserInfo | None  # None: no account has this name
    password_ok: bool
    needs_rehash: bool

    @property
    def accepted(self) -> bool:
        return self.user is not None and self.user.active and self.password_ok


def check_password(uow: UnitOfWork, username: str, password: str) -> LoginCheck:
    """Verify a log-in in a read: the same argon2 work whether the name exists or not."""
    name = str(username or "").strip()
    user = uow.session.scalar(select(AppUser).where(AppUser.username == name)) if name else None
    if user is None:
        _verify(_DUMMY_HASH, password or "")
        return LoginCheck(name, None, False, False)
    ok = _verify(user.password_hash, password or "")
    return LoginCheck(name, _info(user), ok, ok and _hasher.check_needs_rehash(user.password_hash))


def record_login(uow: UnitOfWork, check: LoginCheck, password: str, now: dt.datetime) -> None:
    """Note the attempt on the account (failures in a row, a rehash) and commit.

    The account's counter is what ``budget users list`` shows; the slow-down itself is
    decided by :mod:`budget.services.login_throttle`, the same for every name. A success is
    the account's last log-in (not an audit line: a log-in changes no data, and every audit
    line is a new data version for the dashboard's caches).
    """
    if check.user is not None:
        user = _get(uow, check.user.username)
        if check.accepted:
            user.last_login_at = now
        if not check.accepted:
            user.failed_logins = int(user.failed_logins or 0) + 1
            user.last_failed_at = now
        elif user.failed_logins or check.needs_rehash:
            user.failed_logins = 0
            user.last_failed_at = None
            if check.needs_rehash:
                user.password_hash = _hasher.hash(password)
        uow.session.flush()
    uow.commit()


def _refuse_while_throttled(throttle: LoginThrottle, keys: list[str], now: dt.datetime) -> None:
    wait = throttle.wait(keys, now)
    if wait > dt.timedelta(0):
        raise LoginThrottledError(int(wait.total_seconds()) + 1)


def _outcome(throttle: LoginThrottle, keys: list[str], check: LoginCheck,
             now: dt.datetime) -> UserInfo:
    if check.accepted and check.user is not None:
        throttle.succeeded(check.username)
        return replace(check.user, failed_logins=0)  # what record_login leaves on the account
    throttle.failed(keys, now)
    if check.password_ok and check.user is not None and not check.user.active:
        raise AuthenticationError(DISABLED_MESSAGE)
    raise AuthenticationError(WRONG_MESSAGE)


def authenticate(
    uow: UnitOfWork, username: str, password: str, *, now: dt.datetime | None = None,
    client: str | None = None, throttle: LoginThrottle = THROTTLE,
) -> UserInfo:
    """Check a log-in in one unit of work; return the account or raise ``AuthenticationError``.

    Commits the unit of work itself: a failed attempt must be counted even though the
    log-in is refused (the caller's rollback would otherwise erase it). The message never
    says whether the user name or the password was wrong, and an unknown name goes through
    the same slow-down as a real one (``LoginThrottledError``). The dashboard uses
    :func:`log_in`, which checks the password without the write lock.
    """
    now = now or utcnow()
    keys = throttle.keys(str(username or ""), client)
    _refuse_while_throttled(throttle, keys, now)
    check = check_password(uow, username, password)
    record_login(uow, check, password, now)
    return _outcome(throttle, keys, check, now)


def log_in(
    read: Callable[[], UnitOfWork], write: Callable[[], UnitOfWork], username: str,
    password: str, *, client: str | None = None, throttle: LoginThrottle = THROTTLE,
    now: dt.datetime | None = None,
) -> UserInfo:
    """:func:`authenticate` for a server: the password is checked in a read, then the
    attempt is recorded in a separate short write (``write`` should give up quickly).

    A ledger busy with a long write does not hold the log-in: when the record cannot take
    the lock, the attempt is still counted by the throttle and the answer is the same.
    """
    now = now or utcnow()
    keys = throttle.keys(str(username or ""), client)
    _refuse_while_throttled(throttle, keys, now)
    with read() as uow:
        check = check_password(uow, username, password)
    try:
        with write() as uow:  # opened for every name, so both take the same time
            record_login(uow, check, password, now)
    except SQLAlchemyError as exc:
        if not is_busy(exc):
            raise
        log.warning("log-in attempt of %r not recorded: the ledger is busy", check.username)
    return _outcome(throttle, keys, check, now)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
