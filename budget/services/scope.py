"""The filters every read shares: as of a day, within a year, within some directorates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    literal,
)

from budget.ledger.models import (
    BasicAllocation,
    Organisation,
)
from budget.money import ZERO
from budget.services import open_sums


def as_decimal(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(value).quantize(Decimal("0.01"))


upto = open_sums.upto


def in_year(column: Any, year: int) -> ColumnElement[bool]:
    return and_(column >= dt.date(year, 1, 1), column <= dt.date(year, 12, 31))


def org_filter(directorates: Sequence[str] | None) -> ColumnElement[bool]:
    if directorates is None:
        return literal(True)
    return Organisation.directorate_code.in_(list(directorates))


def ab_filter(directorates: Sequence[str] | None) -> ColumnElement[bool]:
    if directorates is None:
        return literal(True)
    return BasicAllocation.directorate_code.in_(list(directorates))
