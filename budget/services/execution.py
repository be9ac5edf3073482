"""Execution of a fiscal year: credits, committed, paid, paid in the year, assessed, per
organisation, directorate, AB or currency, and month by month; the data version.

Aggregation happens in SQL (``SUM`` over integer cents, exact on SQLite and PostgreSQL);
Python only adds up the few grouped rows. ``as_of`` limits every figure to entries dated on
or before it; ``directorates`` limits organisations (and the ABs they own) to those.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Date,
    Engine,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import aliased

from budget.days import month_end
from budget.errors import ValidationError
from budget.ledger.models import (
    AuditLog,
    BasicAllocation,
    CreditMovement,
    Directorate,
    LedgerTotal,
    Organisation,
)
from budget.ledger.types import Money
from budget.money import ZERO, json_amount, ratio
from budget.services import balances
from budget.services.figures import Credited, Executed, available, open_amount
from budget.services.names import display_name
from budget.services.scope import ab_filter, as_decimal, org_filter, upto
from budget.uow import UnitOfWork

Dimension = Literal["organisation", "directorate", "ab", "currency"]


DIMENSIONS: tuple[str, ...] = ("organisation", "directorate", "ab", "currency")


def _version_query() -> Select[Any]:
    # Every write adds audit lines. The highest id alone can stay put when two writers
    # commit out of order (PostgreSQL): the count then still grows.
    return select(func.coalesce(func.max(AuditLog.id), 0) + func.count(AuditLog.id))


def data_version(uow: UnitOfWork) -> int:
    """A number that grows with every committed write (from the audit log): a cache key."""
    return int(uow.session.scalar(_version_query()) or 0)


@lru_cache(maxsize=8)
def _data_version_sql(dialect: Any) -> str:
    return str(_version_query().compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def data_version_of(engine: Engine) -> int:
    """:func:`data_version` read straight on a pooled connection, without a unit of work.

    The same query (an index seek), for a caller that checks the version on every request
    (the dashboard, on every script run): an ORM session with its BEGIN and ROLLBACK cost
    about twenty times the query. Each call reads the latest committed data, so a write
    from another process is seen at once: on SQLite the connection is in autocommit mode
    (see ``budget.ledger.db``), and returning a PostgreSQL connection to the pool ends its
    transaction.
    """
    sql = _data_version_sql(engine.dialect)
    conn = engine.raw_connection()
    try:
        cursor = conn.cursor()
        try:
            cursor.execute(sql)
            row = cursor.fetchone()
        finally:
            cursor.close()
    finally:
        conn.close()  # back to the pool (rolled back there)
    return int(row[0] or 0) if row else 0


@dataclass(frozen=True)
class Totals(Credited):
    """Headline figures of a fiscal year (EUR)."""

    commitment_credits: Decimal
    payment_credits: Decimal
    committed: Decimal
    paid: Decimal
    open: Decimal
    available: Decimal
    paid_in_year: Decimal
    assessed_eur: Decimal

    @property
    def paid_rate(self) -> Decimal | None:
        """Paid / committed, on the year's commitments."""
        return ratio(self.paid, self.committed)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, str | None] = {k: json_amount(v) for k, v in asdict(self).items()}
        for name in ("commitment_rate", "payment_rate", "paid_rate"):
            value = getattr(self, name)
            out[name] = None if value is None else str(value)
        return out


@dataclass(frozen=True)
class ExecutionRow(Executed, Credited):
    """One organisation, directorate, AB or currency in a year's execution."""

    key: str
    name: str
    committed: Decimal
    paid: Decimal
    paid_in_year: Decimal
    assessed_eur: Decimal
    assessed: dict[str, Decimal] = field(default_factory=dict)
    directorate: str | None = None
    commitment_credits: Decimal | None = None
    payment_credits: Decimal | None = None
    committed_original: Decimal | None = None
    paid_original: Decimal | None = None

    @property
    def available(self) -> Decimal | None:
        if self.commitment_credits is None:
            return None
        return available(self.commitment_credits, self.committed)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "key": self.key,
            "name": self.name,
            "committed": json_amount(self.committed),
            "paid": json_amount(self.paid),
            "open": json_amount(self.open),
            "paid_in_year": json_amount(self.paid_in_year),
            "assessed_eur": json_amount(self.assessed_eur),
            "assessed": {c: json_amount(v) for c, v in self.assessed.items()},
        }
        if self.directorate is not None:
            out["directorate"] = self.directorate
        if self.commitment_credits is not None:
            out["commitment_credits"] = json_amount(self.commitment_credits)
            out["payment_credits"] = json_amount(self.payment_credits or ZERO)
            out["available"] = json_amount(self.available or ZERO)
        if self.committed_original is not None:
            out["committed_original"] = json_amount(self.committed_original)
            out["paid_original"] = json_amount(self.paid_original or ZERO)
        return out


@dataclass(frozen=True)
class Execution:
    year: int
    by: str
    as_of: dt.date | None
    totals: Totals
    rows: list[ExecutionRow]

    def to_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "by": self.by,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "totals": self.totals.to_json(),
            "rows": [r.to_json() for r in self.rows],
        }


def _totals(
    uow: UnitOfWork,
    year: int,
    kinds: Sequence[str],
    as_of: dt.date | None,
    directorates: Sequence[str] | None,
    group: Sequence[str],
) -> list[Any]:
    """Sums of ``ledger_total`` for ``year`` and ``kinds``, grouped by ``group`` (any of
    ``organisation``, ``directorate``, ``ab``, ``currency``, ``month``; always by kind).

    The totals are kept per month of the entries' dates. As of a date, the rows of the
    months up to its month are summed; within that month, the entries dated after it are
    summed the same way (a date index range of at most a month) and taken off. As of a
    month end, or of a date on or after the last entry, no entry is read at all.
    Rows: (kind, *group keys, amount, amount_eur).
    """
    upto_month = partial = False
    if as_of is not None and as_of < (balances.latest_entry_date(uow.session) or as_of):
        upto_month = True
        partial = as_of < month_end(as_of.year, as_of.month)
    stmt = _totals_statement(tuple(group), upto_month, partial, directorates is not None)
    params: dict[str, Any] = {"year": year, "kinds": list(kinds)}
    if as_of is not None:
        params.update(as_of=as_of, as_of_month=as_of.year * 100 + as_of.month,
                      month_end=month_end(as_of.year, as_of.month))
    if directorates is not None:
        params["directorates"] = list(directorates)
    return list(uow.session.execute(stmt, params))


@lru_cache(maxsize=64)
def _totals_statement(group: tuple[str, ...], upto_month: bool, partial: bool, scoped: bool) -> Any:
    """The statement of :func:`_totals` for one shape, built once (values are parameters:
    building the construct cost more than running it on a small ledger)."""
    t = LedgerTotal
    cols = ("kind", "organisation_id", "ab_id", "currency", "entry_month", "amount", "amount_eur", "entries")
    year: Any = bindparam("year")
    kinds: Any = bindparam("kinds", expanding=True)
    kept = select(*(t.__table__.c[c] for c in cols)).where(t.fiscal_year == year, t.kind.in_(kinds))
    if upto_month:
        kept = kept.where(t.entry_month <= bindparam("as_of_month"))
    parts: list[Any] = [kept]
    if partial:
        as_of, month_end = bindparam("as_of", type_=Date), bindparam("month_end", type_=Date)
        after = union_all(*balances.total_sources(
            lambda m: and_(m.entry_date > as_of, m.entry_date <= month_end))).subquery()
        parts.append(select(after.c.kind, after.c.organisation_id, after.c.ab_id, after.c.currency,
                            after.c.entry_month, -after.c.amount, -after.c.amount_eur, -after.c.entries)
                     .where(after.c.fiscal_year == year, after.c.kind.in_(kinds)))
    both = union_all(*parts).subquery() if len(parts) > 1 else kept.subquery()
    row_ab = aliased(BasicAllocation)
    org_ab = aliased(BasicAllocation)
    # The month within the fiscal year, for the monthly curve: entries dated before the
    # year count in January, after it in December (a December commitment's exchange
    # difference settled in January). ``paid_in_year`` rows are kept under the calendar
    # year of the payment, so theirs is simply the month of the date.
    first, last = year * 100 + 1, year * 100 + 12
    keys = {
        "organisation": Organisation.code,
        "directorate": Organisation.directorate_code,
        # Assessed lines take the organisation's AB of today (as the entries' view did).
        "ab": case((both.c.kind == "assessed", org_ab.code), else_=row_ab.code),
        "currency": both.c.currency,
        "month": case((both.c.entry_month < first, 1), (both.c.entry_month > last, 12),
                      else_=both.c.entry_month - year * 100),
    }
    scope: ColumnElement[bool] = literal(True)
    if scoped:
        scope = case((both.c.organisation_id == 0, row_ab.directorate_code),
                     else_=Organisation.directorate_code).in_(bindparam("directorates", expanding=True))
    chosen = [keys[g] for g in group]
    return (
        select(both.c.kind, *chosen, type_coerce(func.sum(both.c.amount), Money),
               type_coerce(func.sum(both.c.amount_eur), Money))
        .select_from(both)
        .outerjoin(Organisation, Organisation.id == both.c.organisation_id)
        .outerjoin(row_ab, row_ab.id == both.c.ab_id)
        .outerjoin(org_ab, org_ab.id == Organisation.ab_id)
        .where(scope)
        .group_by(both.c.kind, *chosen)
        # Groups whose every entry is dated after ``as_of`` did not exist yet.
        .having(func.sum(both.c.entries) > 0)
    )


def _commitment_sums(
    uow: UnitOfWork, by: str, year: int, as_of: dt.date | None, directorates: Sequence[str] | None
) -> tuple[dict[Any, tuple[Decimal, ...]], ...]:
    """Committed, adjusted, paid (EUR, original) and paid in year (EUR) per ``by`` key."""
    out: dict[str, dict[Any, tuple[Decimal, ...]]] = {
        k: {} for k in ("commitment", "adjustment", "paid", "paid_in_year")}
    # ``paid_in_year``: payments dated in the year, whatever their commitment's year (those
    # totals are kept under the calendar year of the payment).
    for kind, key, amount, eur in _totals(uow, year, list(out), as_of, directorates, [by]):
        out[kind][key] = (as_decimal(eur),) if kind == "paid_in_year" else (as_decimal(eur), as_decimal(amount))
    return out["commitment"], out["adjustment"], out["paid"], out["paid_in_year"]


def _assessed(
    uow: UnitOfWork, by: str, year: int, as_of: dt.date | None, directorates: Sequence[str] | None
) -> dict[Any, dict[str, tuple[Decimal, Decimal]]]:
    out: dict[Any, dict[str, tuple[Decimal, Decimal]]] = defaultdict(dict)
    group = [by] if by == "currency" else [by, "currency"]
    for row in _totals(uow, year, ["assessed"], as_of, directorates, group):
        key, cur = row[1], row[1] if by == "currency" else row[2]
        out[key][cur] = (as_decimal(row[-2]), as_decimal(row[-1]))
    return out


def _credits(
    uow: UnitOfWork, year: int, as_of: dt.date | None, directorates: Sequence[str] | None
) -> dict[tuple[str, str], Decimal]:
    stmt = (
        select(BasicAllocation.code, CreditMovement.credit_type, func.sum(CreditMovement.amount))
        .join(BasicAllocation, BasicAllocation.id == CreditMovement.ab_id)
        .where(CreditMovement.fiscal_year == year, upto(CreditMovement.entry_date, as_of),
               ab_filter(directorates))
        .group_by(BasicAllocation.code, CreditMovement.credit_type)
    )
    return {(ab, kind): as_decimal(total) for ab, kind, total in uow.session.execute(stmt)}


def execution(
    uow: UnitOfWork,
    year: int,
    by: str = "organisation",
    *,
    as_of: dt.date | None = None,
    directorates: Sequence[str] | None = None,
    lang: str = "en",
) -> Execution:
    """Execution of fiscal ``year`` by organisation, directorate, AB or currency.

    Rows are named in ``lang`` (English where no French or Dutch name is given).

    ``committed`` is the year's commitments (with adjustments), ``paid`` what of them is
    paid, ``paid_in_year`` every payment dated in the year whatever its commitment's year
    (it is set against payment credits). Rows add up to the totals to the cent.
    """
    if by not in DIMENSIONS:
        raise ValidationError(f"Summaries are by {', '.join(DIMENSIONS)}, not {by!r}.")
    committed, adjusted, paid, paid_in_year = _commitment_sums(uow, by, year, as_of, directorates)
    assessed = _assessed(uow, by, year, as_of, directorates)
    credits = _credits(uow, year, as_of, directorates)

    names, extra, retired = _dimension_names(uow, by, directorates, lang)
    keys = set(committed) | set(adjusted) | set(paid) | set(paid_in_year) | set(assessed)
    if by == "ab":
        keys |= {ab for ab, _ in credits}
    keys |= set(names) if by in ("organisation", "directorate") else set()
    keys.discard(None)

    rows = []
    for k in sorted(keys, key=str):
        c = committed.get(k, (ZERO, ZERO))
        a = adjusted.get(k, (ZERO, ZERO))
        p = paid.get(k, (ZERO, ZERO))
        lines = assessed.get(k, {})
        rows.append(
            ExecutionRow(
                key=str(k),
                name=names.get(k, str(k)),
                committed=c[0] + a[0],
                paid=p[0],
                paid_in_year=paid_in_year.get(k, (ZERO,))[0],
                assessed_eur=sum((v[1] for v in lines.values()), ZERO),
                assessed={cur: v[0] for cur, v in sorted(lines.items())},
                directorate=extra.get(k) if by == "organisation" else None,
                commitment_credits=credits.get((k, "commitment"), ZERO) if by == "ab" else None,
                payment_credits=credits.get((k, "payment"), ZERO) if by == "ab" else None,
                committed_original=c[1] + a[1] if by == "currency" else None,
                paid_original=p[1] if by == "currency" else None,
            )
        )
    # A retired organisation or AB (its import undone) shows only where it still has a figure.
    rows = [r for r in rows if r.key not in retired or _has_figures(r)]
    commitment_credits = sum((v for (_, t), v in credits.items() if t == "commitment"), ZERO)
    payment_credits = sum((v for (_, t), v in credits.items() if t == "payment"), ZERO)
    total_committed = sum((r.committed for r in rows), ZERO)
    total_paid = sum((r.paid for r in rows), ZERO)
    totals = Totals(
        commitment_credits=commitment_credits,
        payment_credits=payment_credits,
        committed=total_committed,
        paid=total_paid,
        open=open_amount(total_committed, total_paid),
        available=available(commitment_credits, total_committed),
        paid_in_year=sum((r.paid_in_year for r in rows), ZERO),
        assessed_eur=sum((r.assessed_eur for r in rows), ZERO),
    )
    return Execution(year, by, as_of, totals, rows)


def _has_figures(r: ExecutionRow) -> bool:
    return any((r.committed, r.paid, r.paid_in_year, r.assessed_eur, r.commitment_credits, r.payment_credits))


def _dimension_names(
    uow: UnitOfWork, by: str, directorates: Sequence[str] | None, lang: str = "en"
) -> tuple[dict[Any, str], dict[Any, str], set[str]]:
    """Names (in ``lang``) by key, the organisations' directorates, the retired keys."""
    s = uow.session
    if by == "organisation":
        rows = s.execute(select(Organisation.code, Organisation.name, Organisation.name_fr,
                                Organisation.name_nl, Organisation.directorate_code, Organisation.active)
                         .where(org_filter(directorates)))
        names, dirs, retired = {}, {}, set()
        for r in rows:
            names[r.code], dirs[r.code] = display_name(r, lang), r.directorate_code
            if not r.active:
                retired.add(r.code)
        return names, dirs, retired
    if by == "directorate":
        stmt = select(Directorate.code, Directorate.name, Directorate.name_fr, Directorate.name_nl)
        if directorates is not None:
            stmt = stmt.where(Directorate.code.in_(list(directorates)))
        return {r.code: display_name(r, lang) for r in s.execute(stmt)}, {}, set()
    if by == "ab":
        found = list(s.execute(select(BasicAllocation.code, BasicAllocation.label, BasicAllocation.name_fr,
                                      BasicAllocation.name_nl, BasicAllocation.active)
                               .where(ab_filter(directorates))))
        return {r.code: display_name(r, lang) for r in found}, {}, {r.code for r in found if not r.active}
    return {}, {}, set()


@dataclass(frozen=True)
class MonthFigures:
    """One month of a fiscal year: amounts of the month and cumulated to its end."""

    month: int
    committed: Decimal
    paid_in_year: Decimal
    cumulative_committed: Decimal
    cumulative_paid: Decimal


def monthly(
    uow: UnitOfWork,
    year: int,
    *,
    as_of: dt.date | None = None,
    directorates: Sequence[str] | None = None,
) -> list[MonthFigures]:
    """Commitments of ``year`` and payments made in ``year``, month by month, cumulated.

    Entries of the year's commitments dated outside it (an exchange difference settled the
    next January) count in December, so the December cumulation equals the year's totals.
    """
    committed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    # Each entry counts under its month, clamped into the commitment's year (and payments
    # under the month and calendar year of their date): see ``_totals_statement``.
    for kind, month, _amount, eur in _totals(uow, year, ["commitment", "adjustment", "paid_in_year"],
                                             as_of, directorates, ["month"]):
        (paid if kind == "paid_in_year" else committed)[int(month)] += as_decimal(eur)
    out, cc, cp = [], ZERO, ZERO
    for month in range(1, 13):
        cc += committed[month]
        cp += paid[month]
        out.append(MonthFigures(month, committed[month], paid[month], cc, cp))
    return out
