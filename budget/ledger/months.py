"""The calendar year and month of a date column in SQL, as the derived tables key them.

On SQLite a date is stored as ``YYYY-MM-DD`` text: its year and month are read from the
text itself, which costs far less than ``strftime`` (the upkeep of the totals reads them
for every payment of a 100,000-row load, several times). Elsewhere ``EXTRACT`` does it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, cast, extract, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class entry_year(FunctionElement[int]):
    """The calendar year of a date column (an integer)."""

    type = Integer()
    inherit_cache = True


class entry_month(FunctionElement[int]):
    """The calendar month of a date column as ``yyyymm`` (202610), as ``ledger_total`` keys it."""

    type = Integer()
    inherit_cache = True


@compiles(entry_year)
def _year(element: entry_year, compiler: Any, **kw: Any) -> str:
    (day,) = element.clauses
    return str(compiler.process(cast(extract("year", day), Integer), **kw))


@compiles(entry_month)
def _month(element: entry_month, compiler: Any, **kw: Any) -> str:
    (day,) = element.clauses
    # 100 written out, not bound: the expression is compiled anew wherever it stands, and a
    # GROUP BY must read exactly as its SELECT.
    hundred = literal_column("100", Integer)
    return str(compiler.process(cast(extract("year", day), Integer) * hundred + cast(extract("month", day), Integer),
                                **kw))


@compiles(entry_year, "sqlite")
def _sqlite_year(element: entry_year, compiler: Any, **kw: Any) -> str:
    (day,) = element.clauses
    return f"CAST(substr({compiler.process(day, **kw)}, 1, 4) AS INTEGER)"


@compiles(entry_month, "sqlite")
def _sqlite_month(element: entry_month, compiler: Any, **kw: Any) -> str:
    (day,) = element.clauses
    text = compiler.process(day, **kw)
    return f"(CAST(substr({text}, 1, 4) AS INTEGER) * 100 + CAST(substr({text}, 6, 2) AS INTEGER))"
