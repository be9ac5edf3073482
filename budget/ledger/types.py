"""Column types that keep money and rates exact on SQLite and PostgreSQL alike.

SQLite has no decimal type: ``Numeric`` comes back as a float there, and a ``SUM`` over a
million rows was measured off by 1.51. Integer hundredths are exact on both databases and
``SUM`` stays exact in SQL, so amounts are BigInteger behind a type that hands ``Decimal``.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class Money(TypeDecorator[Decimal]):
    """An amount stored as integer hundredths, handed to Python as ``Decimal`` (2 places)."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        return self.bind_column((value,))[0]

    def bind_column(self, values: Sequence[Any]) -> list[int | None]:
        """What is stored for each of ``values``: integer hundredths (None stays None), a
        bulk insert's whole column at once, one value for the ORM.

        Raises:
            TypeError: a float (never exact); ValueError: not finite, or beyond the cent.
        """
        try:  # a column of Decimals (a load's amounts): their exact fractions in one pass
            ratios: list[tuple[int, int] | None] = list(map(Decimal.as_integer_ratio, values))
        except (TypeError, ValueError, OverflowError):
            ratios = list(map(_ratio, values))
        present = [r for r in ratios if r is not None] if None in ratios else ratios
        if any(100 % d for d in {d for _, d in present}):  # type: ignore[misc]
            bad = next(v for v, r in zip(values, ratios, strict=True) if r is not None and 100 % r[1])
            raise ValueError(f"amount {bad} has more than two decimals")
        if present is ratios:
            return [n * (100 // d) for n, d in present]  # type: ignore[misc]
        return [None if r is None else r[0] * (100 // r[1]) for r in ratios]

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        # PostgreSQL hands SUM(bigint) back as numeric (Decimal); SQLite as int.
        return Decimal(int(value)).scaleb(-2)

    @property
    def python_type(self) -> type:
        return Decimal


def _ratio(value: Any) -> tuple[int, int] | None:
    """The exact fraction of one amount (None for None)."""
    if value is None:
        return None
    if isinstance(value, float):
        raise TypeError("Money columns take Decimal or int, never float")
    try:
        return (value if value.__class__ is Decimal else Decimal(value)).as_integer_ratio()
    except (ValueError, OverflowError):
        raise ValueError(f"amount {value} is not a finite number") from None


class Rate(TypeDecorator[Decimal]):
    """An exchange rate kept as decimal text, so no digit is ever lost."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("Rate columns take Decimal or str, never float")
        return str(Decimal(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(value)

    @property
    def python_type(self) -> type:
        return Decimal
