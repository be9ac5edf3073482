"""Settings: every ``BUDGET_*`` environment variable, its default and its meaning, in one registry.

Modules read a setting with :func:`get` (``config.get("BUDGET_MAX_RATE_AGE_DAYS")``), never
``os.environ`` directly, so the README's settings table can be checked against
:data:`SETTINGS` by a test. A value that does not parse is refused with a one-line
:class:`~budget.errors.ConfigurationError` naming the setting.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from budget.errors import ConfigurationError

DEFAULT_SQLITE_PATH = Path("var") / "budget.db"


@dataclass(frozen=True)
class Setting:
    """One ``BUDGET_*`` setting: its name, default (as written in the environment), meaning."""

    name: str
    default: str
    meaning: str
    parse: Callable[[str], Any] = str


def _flag(text: str) -> bool:
    return text.strip().lower() in ("1", "true", "yes", "on")


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError("must be positive")
    return value


def _day(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _band(text: str) -> int:
    value = int(text)
    if value < 2:
        raise ValueError("must be 2 or more")
    return value


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        Setting("BUDGET_DATABASE_URL", "",
                "SQLAlchemy URL (`sqlite:///path.db`, `postgresql://user:pw@host/db`); empty: "
                "the SQLite file `var/budget.db` under the working directory"),
        Setting("BUDGET_USER", "", "who the CLI acts as in the audit log; empty: the login name"),
        Setting("BUDGET_DEMO", "", "`1`: the dashboard logs in as the demo officer (demo only)", _flag),
        Setting("BUDGET_LANG", "en", "the dashboard's language before the user picks one (`en`, `fr`, `nl`)"),
        Setting("BUDGET_AMOUNT_STYLE", "", "amount format on the dashboard before the user picks one "
                "(`en`: 1,234.56; `be`: 1.234,56); empty: the language's (English `en`, French and "
                "Dutch `be`)"),
        Setting("BUDGET_DEBUG", "", "`1`: the CLI prints the traceback of an unexpected error", _flag),
        Setting("BUDGET_MAX_RATE_AGE_DAYS", "7",
                "a conversion uses the last rate on or before its day only if it was published at most "
                "this many days earlier", _positive_int),
        Setting("BUDGET_IMPORT_MAX_BYTES", str(100 * 1024 * 1024), "largest import file accepted, in bytes",
                _positive_int),
        Setting("BUDGET_IMPORT_MAX_UNCOMPRESSED", str(1024 * 1024 * 1024),
                "largest uncompressed size of a workbook or zip, all members together, in bytes", _positive_int),
        Setting("BUDGET_IMPORT_MAX_RATIO", "200", "largest compression ratio of a zip member", _positive_int),
        Setting("BUDGET_LOGIN_BUSY_TIMEOUT_MS", "2000",
                "how long a dashboard log-in waits for the ledger's write lock to record the attempt "
                "before it goes on without recording it, in milliseconds", _positive_int),
        Setting("BUDGET_SESSION_HOURS", "12",
                "how long a dashboard log-in lasts across reloads and links (an HttpOnly session cookie, "
                "revoked at log-out), in hours", _positive_int),
        Setting("BUDGET_MAX_AMOUNT", str(10**12),
                "largest amount of one entry, in any currency (below it: integer cents never overflow "
                "the totals)", _positive_int),
        Setting("BUDGET_RATE_BAND", "10",
                "a rate typed or loaded must lie within this factor above or below the last known rate "
                "of its currency (`--force-rate` overrides it for one entry)", _band),
        Setting("BUDGET_MAX_FUTURE_DAYS", "366",
                "no entry or rate may be dated more than this many days after today", _positive_int),
        Setting("BUDGET_IMPORT_MAX_MEMBER_BYTES", str(256 * 1024 * 1024),
                "largest uncompressed size of any one member of a workbook or zip (a sheet, the shared "
                "strings, an ECB CSV), in bytes", _positive_int),
        Setting("BUDGET_IMPORT_MAX_SHEETS", "200", "most sheets a workbook may have", _positive_int),
        Setting("BUDGET_IMPORT_MAX_CELLS", str(10_000_000),
                "most cells read from one file: rows x columns from A1 to the last cell of each sheet "
                "(declared and real), all sheets together; for a CSV, its fields", _positive_int),
        Setting("BUDGET_IMPORT_MAX_STRING_CHARS", "32767",
                "longest text of one cell (Excel's own limit is 32,767 characters)", _positive_int),
        Setting("BUDGET_IMPORT_MAX_TEXT_BYTES", str(256 * 1024 * 1024),
                "most text a workbook may expand to once every cell holds its shared string, in bytes",
                _positive_int),
        Setting("BUDGET_IMPORT_READER_MEMORY", str(2048 * 1024 * 1024),
                "memory limit of the child process that reads .xls and .ods files (whose sizes cannot "
                "be checked before reading), in bytes", _positive_int),
        Setting("BUDGET_IMPORT_READER_SECONDS", "120",
                "time limit of the child process that reads .xls and .ods files, in seconds", _positive_int),
        Setting("BUDGET_ARCHIVE_DIR", str(Path("var") / "archive"),
                "folder holding the frozen report packs' files (`budget report monthly --freeze`), "
                "relative to the working directory unless absolute"),
        Setting("BUDGET_TODAY", "", "the day the dashboard takes for today (`YYYY-MM-DD`: its default "
                "as-of date and year; the page tests fix it); empty: the machine's date", _day),
        Setting("BUDGET_TEST_POSTGRES_URL", "", "PostgreSQL server for the tests; empty: the PostgreSQL half "
                "is skipped"),
    )
}


def get(name: str) -> Any:
    """The value of setting ``name``, parsed; its default when the variable is unset or empty."""
    setting = SETTINGS[name]
    raw = os.environ.get(name, "").strip() or setting.default
    try:
        return setting.parse(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"{name}={raw!r} is not valid: {exc}.") from None


def today() -> dt.date:
    """The dashboard's today: ``BUDGET_TODAY`` when set, else the machine's date."""
    return get("BUDGET_TODAY") or dt.date.today()


def database_url(explicit: str | None = None) -> str:
    """The database URL: ``--db`` first, then ``BUDGET_DATABASE_URL``, else ``var/budget.db``.

    The default SQLite file lives under the working directory; its folder is created on
    first use. ``postgresql://`` URLs are given the psycopg 3 driver.
    """
    url = explicit or get("BUDGET_DATABASE_URL")
    if not url:
        path = Path.cwd() / DEFAULT_SQLITE_PATH
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///") and url not in ("sqlite:///", "sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return url


def current_user() -> str:
    """Who the CLI acts as: ``BUDGET_USER``, else the login name."""
    return get("BUDGET_USER") or os.environ.get("USER") or "cli"
