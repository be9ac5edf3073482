"""Migrations never lose data silently: a downgrade that would drop tables holding rows refuses.

A downgrade function calls :func:`refuse_dropping_rows` with the tables it is about to drop.
When one of them holds rows the downgrade stops (nothing is dropped: Alembic runs it in a
transaction) with one line naming the tables, their row counts and the way to allow it:
``alembic -x i-know-this-drops-data=1 downgrade ...``, or, from code,
``config.attributes["i-know-this-drops-data"] = True``.
Derived tables (the projections ``budget db rebuild-balances`` recomputes) and the seeded
directorates are not data a downgrade can lose, and are not listed by their callers.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

FLAG = "i-know-this-drops-data"


def _allowed() -> bool:
    from alembic import context

    given = context.get_x_argument(as_dictionary=True).get(FLAG)
    if given is not None and str(given).strip().lower() in ("1", "true", "yes", "on", ""):
        return True
    return bool(context.config.attributes.get(FLAG))


def rows_held(bind: sa.Connection, tables: Iterable[str]) -> dict[str, int]:
    """Tables among ``tables`` that exist and hold rows, with their row counts."""
    inspector = sa.inspect(bind)
    held: dict[str, int] = {}
    for name in tables:
        if inspector.has_table(name):
            count = bind.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
            if count:
                held[name] = int(count)
    return held


def refuse_dropping_rows(tables: Iterable[str]) -> None:
    """Stop the downgrade when one of ``tables`` holds rows, unless explicitly allowed."""
    from alembic import op
    from alembic.util import CommandError

    if _allowed():
        return
    held = rows_held(op.get_bind(), tables)
    if held:
        listed = ", ".join(f"{name} ({count} rows)" for name, count in sorted(held.items()))
        raise CommandError(
            f"this downgrade would drop tables holding data: {listed}; back the database up, then "
            f"run it with `-x {FLAG}=1` if the data may go")


def refuse_dropping_values(columns: Iterable[tuple[str, str]], flags: Iterable[tuple[str, str]] = ()) -> None:
    """Stop the downgrade when one of ``columns`` (table, column) holds a value (not NULL),
    or one of the boolean ``flags`` is false somewhere (its default is true), unless
    explicitly allowed: dropping a column loses what was written into it."""
    from alembic import op
    from alembic.util import CommandError

    if _allowed():
        return
    bind = op.get_bind()
    held = {}
    checks: list[tuple[str, str, sa.ColumnElement[bool]]] = [(t, c, sa.column(c).is_not(None)) for t, c in columns]
    checks += [(t, c, sa.column(c, sa.Boolean) == sa.false()) for t, c in flags]
    for table, column, condition in checks:
        count = bind.execute(sa.select(sa.func.count()).select_from(sa.table(table, sa.column(column)))
                             .where(condition)).scalar_one()
        if count:
            held[f"{table}.{column}"] = int(count)
    if held:
        listed = ", ".join(f"{name} ({count} values)" for name, count in sorted(held.items()))
        raise CommandError(
            f"this downgrade would drop columns holding data: {listed}; back the database up, then "
            f"run it with `-x {FLAG}=1` if the data may go")
