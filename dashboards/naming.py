"""Names of organisations, ABs and directorates in the user's language (English fallback).

The rule is :func:`budget.services.names.display_name`; this module only hands it the
language of the session and keeps, per data version and language, the code -> name maps
that pages use to name the lines of reads that carry codes (arrears, open commitments).
"""

from __future__ import annotations

from typing import Any

from budget.services import names
from dashboards import common as c


def name_of(item: Any) -> str:
    """``item``'s name in the user's language (its English name when it has none)."""
    return names.display_name(item, c.lang())


def shown_names(kind: str) -> dict[str, str]:
    """Code -> name in the user's language of every ``kind`` (``organisation``, ``ab``,
    ``directorate``): once per data version and language."""
    return c.derived(("names", kind), lambda: c.cached(names.name_book).shown(kind, c.lang()))
