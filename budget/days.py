"""Calendar helpers every layer shares (the last day of a month), pure and dependency-free."""

from __future__ import annotations

import calendar
import datetime as dt


def month_end(year: int, month: int) -> dt.date:
    """The last day of ``month`` (1-12) of ``year``: 29 February in a leap year."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])
