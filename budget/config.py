"""Settings, from ``BUDGET_*`` environment variables with documented defaults."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_SQLITE_PATH = Path("var") / "budget.db"


def database_url(explicit: str | None = None) -> str:
    """The database URL: ``--db`` first, then ``BUDGET_DATABASE_URL``, else ``var/budget.db``.

    The default SQLite file lives under the working directory; its folder is created on
    first use. ``postgresql://`` URLs are given the psycopg 3 driver.
    """
    url = explicit or os.environ.get("BUDGET_DATABASE_URL") or ""
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
    return os.environ.get("BUDGET_USER") or os.environ.get("USER") or "cli"
