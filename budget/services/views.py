"""The read side: execution, arrears, open commitments, exchange differences, as plain data.

Aggregation happens in SQL (``SUM`` over integer cents, exact on SQLite and PostgreSQL);
Python only adds up the few grouped rows. Every function returns frozen dataclasses.
``as_of`` limits every figure to entries dated on or before it; ``directorates`` limits
organisations (and the ABs they own) to those directorates.
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
    BigInteger,
    ColumnElement,
    Date,
    Engine,
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

from budget.errors import ValidationError
from budget.ledger.models import (
    Assessment,
    AssessmentLine,
    AuditLog,
    AvailabilityOverride,
    BasicAllocation,
    Commitment,
    CommitmentAdjustment,
    CreditMovement,
    Directorate,
    ImportBatch,
    LedgerTotal,
    OpenAssessmentItem,
    OpenCommitmentItem,
    Organisation,
    Payment,
)
from budget.ledger.types import Money
from budget.money import ZERO, json_amount, ratio, round_cents, to_eur
from budget.services import balances
from budget.uow import UnitOfWork

Dimension = Literal["organisation", "directorate", "ab", "currency"]
DIMENSIONS: tuple[str, ...] = ("organisation", "directorate", "ab", "currency")


def _d(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(value).quantize(Decimal("0.01"))


def data_version(uow: UnitOfWork) -> int:
    """A number that changes with every write (the last audit line): a cache key."""
    return int(uow.session.scalar(select(func.coalesce(func.max(AuditLog.id), 0))) or 0)


@lru_cache(maxsize=8)
def _data_version_sql(dialect: Any) -> str:
    return str(select(func.coalesce(func.max(AuditLog.id), 0)).compile(
        dialect=dialect, compile_kwargs={"literal_binds": True}))


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


# --------------------------------------------------------------------------- execution


@dataclass(frozen=True)
class Totals:
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
    def commitment_rate(self) -> Decimal | None:
        """Committed / commitment credits."""
        return ratio(self.committed, self.commitment_credits)

    @property
    def payment_rate(self) -> Decimal | None:
        """Paid in the year / payment credits."""
        return ratio(self.paid_in_year, self.payment_credits)

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
class ExecutionRow:
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
    def open(self) -> Decimal:
        return self.committed - self.paid

    @property
    def available(self) -> Decimal | None:
        if self.commitment_credits is None:
            return None
        return self.commitment_credits - self.committed

    @property
    def paid_rate(self) -> Decimal | None:
        return ratio(self.paid, self.committed)

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


_upto = balances.upto


def _in_year(column: Any, year: int) -> ColumnElement[bool]:
    return and_(column >= dt.date(year, 1, 1), column <= dt.date(year, 12, 31))


def _org_filter(directorates: Sequence[str] | None) -> ColumnElement[bool]:
    if directorates is None:
        return literal(True)
    return Organisation.directorate_code.in_(list(directorates))


def _ab_filter(directorates: Sequence[str] | None) -> ColumnElement[bool]:
    if directorates is None:
        return literal(True)
    return BasicAllocation.directorate_code.in_(list(directorates))


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
        partial = as_of < _month_end(as_of)
    stmt = _totals_statement(tuple(group), upto_month, partial, directorates is not None)
    params: dict[str, Any] = {"year": year, "kinds": list(kinds)}
    if as_of is not None:
        params.update(as_of=as_of, as_of_month=as_of.year * 100 + as_of.month, month_end=_month_end(as_of))
    if directorates is not None:
        params["directorates"] = list(directorates)
    return list(uow.session.execute(stmt, params))


def _month_end(day: dt.date) -> dt.date:
    following = day.replace(day=28) + dt.timedelta(days=4)
    return following - dt.timedelta(days=following.day)


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
        out[kind][key] = (_d(eur),) if kind == "paid_in_year" else (_d(eur), _d(amount))
    return out["commitment"], out["adjustment"], out["paid"], out["paid_in_year"]


def _assessed(
    uow: UnitOfWork, by: str, year: int, as_of: dt.date | None, directorates: Sequence[str] | None
) -> dict[Any, dict[str, tuple[Decimal, Decimal]]]:
    out: dict[Any, dict[str, tuple[Decimal, Decimal]]] = defaultdict(dict)
    group = [by] if by == "currency" else [by, "currency"]
    for row in _totals(uow, year, ["assessed"], as_of, directorates, group):
        key, cur = row[1], row[1] if by == "currency" else row[2]
        out[key][cur] = (_d(row[-2]), _d(row[-1]))
    return out


def _credits(
    uow: UnitOfWork, year: int, as_of: dt.date | None, directorates: Sequence[str] | None
) -> dict[tuple[str, str], Decimal]:
    stmt = (
        select(BasicAllocation.code, CreditMovement.credit_type, func.sum(CreditMovement.amount))
        .join(BasicAllocation, BasicAllocation.id == CreditMovement.ab_id)
        .where(CreditMovement.fiscal_year == year, _upto(CreditMovement.entry_date, as_of),
               _ab_filter(directorates))
        .group_by(BasicAllocation.code, CreditMovement.credit_type)
    )
    return {(ab, kind): _d(total) for ab, kind, total in uow.session.execute(stmt)}


def execution(
    uow: UnitOfWork,
    year: int,
    by: str = "organisation",
    *,
    as_of: dt.date | None = None,
    directorates: Sequence[str] | None = None,
) -> Execution:
    """Execution of fiscal ``year`` by organisation, directorate, AB or currency.

    ``committed`` is the year's commitments (with adjustments), ``paid`` what of them is
    paid, ``paid_in_year`` every payment dated in the year whatever its commitment's year
    (it is set against payment credits). Rows add up to the totals to the cent.
    """
    if by not in DIMENSIONS:
        raise ValidationError(f"Summaries are by {', '.join(DIMENSIONS)}, not {by!r}.")
    committed, adjusted, paid, paid_in_year = _commitment_sums(uow, by, year, as_of, directorates)
    assessed = _assessed(uow, by, year, as_of, directorates)
    credits = _credits(uow, year, as_of, directorates)

    names, extra = _dimension_names(uow, by, directorates)
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
    commitment_credits = sum((v for (_, t), v in credits.items() if t == "commitment"), ZERO)
    payment_credits = sum((v for (_, t), v in credits.items() if t == "payment"), ZERO)
    total_committed = sum((r.committed for r in rows), ZERO)
    total_paid = sum((r.paid for r in rows), ZERO)
    totals = Totals(
        commitment_credits=commitment_credits,
        payment_credits=payment_credits,
        committed=total_committed,
        paid=total_paid,
        open=total_committed - total_paid,
        available=commitment_credits - total_committed,
        paid_in_year=sum((r.paid_in_year for r in rows), ZERO),
        assessed_eur=sum((r.assessed_eur for r in rows), ZERO),
    )
    return Execution(year, by, as_of, totals, rows)


def _dimension_names(
    uow: UnitOfWork, by: str, directorates: Sequence[str] | None
) -> tuple[dict[Any, str], dict[Any, str]]:
    s = uow.session
    if by == "organisation":
        rows = s.execute(select(Organisation.code, Organisation.name, Organisation.directorate_code)
                         .where(_org_filter(directorates)))
        names, dirs = {}, {}
        for c, n, d in rows:
            names[c], dirs[c] = n, d
        return names, dirs
    if by == "directorate":
        stmt = select(Directorate.code, Directorate.name)
        if directorates is not None:
            stmt = stmt.where(Directorate.code.in_(list(directorates)))
        return {c: n for c, n in s.execute(stmt)}, {}
    if by == "ab":
        stmt = select(BasicAllocation.code, BasicAllocation.label).where(_ab_filter(directorates))
        return {c: (label or c) for c, label in s.execute(stmt)}, {}
    return {}, {}


# --------------------------------------------------------------------------- monthly


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
        (paid if kind == "paid_in_year" else committed)[int(month)] += _d(eur)
    out, cc, cp = [], ZERO, ZERO
    for month in range(1, 13):
        cc += committed[month]
        cp += paid[month]
        out.append(MonthFigures(month, committed[month], paid[month], cc, cp))
    return out


# --------------------------------------------------------------------------- arrears

AGEING_BUCKETS: tuple[str, ...] = ("0-30", "31-90", "91-365", "> 365")


def ageing_bucket(days_overdue: int) -> str:
    """The ageing bucket of an amount ``days_overdue`` days past its due date (>= 1)."""
    if days_overdue <= 30:
        return "0-30"
    if days_overdue <= 90:
        return "31-90"
    if days_overdue <= 365:
        return "91-365"
    return "> 365"


@dataclass(frozen=True)
class OutstandingLine:
    """What is still to pay on one currency line of an assessment."""

    organisation: str
    organisation_name: str
    directorate: str
    reference: str
    fiscal_year: int
    currency: str
    due_date: dt.date
    assessed: Decimal
    paid: Decimal
    outstanding: Decimal
    outstanding_eur: Decimal
    days_overdue: int

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0

    @property
    def bucket(self) -> str | None:
        return ageing_bucket(self.days_overdue) if self.overdue else None

    def to_json(self) -> dict[str, Any]:
        return {
            "organisation": self.organisation,
            "organisation_name": self.organisation_name,
            "directorate": self.directorate,
            "reference": self.reference,
            "fiscal_year": self.fiscal_year,
            "currency": self.currency,
            "due_date": self.due_date.isoformat(),
            "assessed": json_amount(self.assessed),
            "paid": json_amount(self.paid),
            "outstanding": json_amount(self.outstanding),
            "outstanding_eur": json_amount(self.outstanding_eur),
            "days_overdue": self.days_overdue,
            "bucket": self.bucket,
        }


@dataclass(frozen=True)
class Arrears:
    """Overdue assessment lines as of a date, with ageing, and what is not yet due."""

    as_of: dt.date
    overdue: list[OutstandingLine]
    not_yet_due: list[OutstandingLine]

    @property
    def buckets(self) -> dict[str, Decimal]:
        """Overdue EUR equivalent per ageing bucket (every bucket present)."""
        out = {b: ZERO for b in AGEING_BUCKETS}
        for line in self.overdue:
            out[line.bucket or "0-30"] += line.outstanding_eur
        return out

    @property
    def total_eur(self) -> Decimal:
        return sum((line.outstanding_eur for line in self.overdue), ZERO)

    @property
    def by_currency(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for line in self.overdue:
            out[line.currency] += line.outstanding
        return dict(sorted(out.items()))

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "total_eur": json_amount(self.total_eur),
            "by_currency": {c: json_amount(v) for c, v in self.by_currency.items()},
            "buckets": {b: json_amount(v) for b, v in self.buckets.items()},
            "overdue": [line.to_json() for line in self.overdue],
            "not_yet_due": [line.to_json() for line in self.not_yet_due],
        }


def _outstanding_rows(
    uow: UnitOfWork, as_of: dt.date, directorates: Sequence[str] | None, year: int | None
) -> list[tuple[Any, ...]]:
    """(organisation code, name, directorate, reference, currency, assessed, assessed EUR,
    due date, fiscal year, paid or credited) of the lines open as of ``as_of``, net of the
    credits returned (:func:`net_credits`), amounts in integer cents."""
    out = _outstanding_rows_before_credits(uow, as_of, directorates)
    credits = _credit_cents(uow, as_of, directorates)
    if credits:
        out = net_credits(out, credits)[0]
    if year is not None:
        out = [r for r in out if r[8] == year]
    return out


def _outstanding_rows_before_credits(
    uow: UnitOfWork, as_of: dt.date, directorates: Sequence[str] | None
) -> list[tuple[Any, ...]]:
    """The rows of :func:`_outstanding_rows` before credits returned are set against them."""
    # The open lines come from the maintained projection (a few thousand rows, whatever the
    # ledger's length); the lines touched by an entry dated after ``as_of`` are recomputed as
    # of that date from the entries, so a past date gives exactly the full query's answer.
    changed = balances.changed_assessments_after(as_of)
    item = OpenAssessmentItem
    # Left out: the keys changed after ``as_of`` (an anti-join: SQLite re-ran a row-value
    # ``NOT IN (subquery)`` for every row).
    gone = changed.subquery()
    current = (
        select(item.organisation_id, item.reference, item.currency, item.fiscal_year, item.due_date,
               item.assessed, item.assessed_eur, item.paid)
        .outerjoin(gone, and_(gone.c[0] == item.organisation_id, gone.c[1] == item.reference))
        .where(gone.c[0].is_(None))
    )
    recomputed = balances.assessment_sums(as_of, changed)
    both = union_all(current, recomputed).subquery()
    cond = [_org_filter(directorates)]
    rows = uow.session.execute(
        select(Organisation.code, Organisation.name, Organisation.directorate_code,
               both.c.reference, both.c.currency, type_coerce(both.c.assessed, BigInteger),
               type_coerce(both.c.assessed_eur, BigInteger), type_coerce(both.c.due_date, Date),
               both.c.fiscal_year, type_coerce(both.c.paid, BigInteger))
        .select_from(both)
        .join(Organisation, Organisation.id == both.c.organisation_id)
        .where(*cond)
    ).all()
    # Integer cents (never NULL: every branch adds numbers), worked out with integers: a
    # ledger's few thousand open lines then cost milliseconds, not Decimal by Decimal.
    out = []
    for ocode, oname, dcode, ref, cur, amount, eur, due, fy, settled in rows:
        amount, eur, settled = int(amount), int(eur), int(settled)
        if amount > 0 and amount > settled:
            out.append((ocode, oname, dcode, ref, cur, amount, eur, due, fy, settled))
    return out


def _credit_cents(
    uow: UnitOfWork, as_of: dt.date, directorates: Sequence[str] | None
) -> dict[tuple[str, str], tuple[int, int]]:
    """Credits returned, as of ``as_of``: (organisation code, currency) -> (amount, EUR) in
    positive cents, from the assessment lines whose (organisation, reference, currency) nets
    below zero (a reversed credit nets to zero)."""
    credited = (
        select(Assessment.organisation_id.label("oid"), Assessment.reference.label("ref"),
               AssessmentLine.currency.label("cur"))
        .join(Assessment, Assessment.id == AssessmentLine.assessment_id)
        .where(AssessmentLine.amount < 0, Assessment.entry_date <= as_of).distinct().subquery()
    )
    net = (
        select(Organisation.code, AssessmentLine.currency,
               type_coerce(func.sum(AssessmentLine.amount), BigInteger),
               type_coerce(func.sum(AssessmentLine.amount_eur), BigInteger))
        .select_from(credited)
        .join(Assessment, and_(Assessment.organisation_id == credited.c.oid, Assessment.reference == credited.c.ref))
        .join(AssessmentLine, and_(AssessmentLine.assessment_id == Assessment.id,
                                   AssessmentLine.currency == credited.c.cur))
        .join(Organisation, Organisation.id == Assessment.organisation_id)
        .where(Assessment.entry_date <= as_of, _org_filter(directorates))
        .group_by(Organisation.code, Assessment.reference, AssessmentLine.currency)
    )
    out: dict[tuple[str, str], tuple[int, int]] = {}
    for code, cur, amount, eur in uow.session.execute(net):
        if int(amount) < 0:
            a, e = out.get((code, cur), (0, 0))
            out[(code, cur)] = (a - int(amount), e - int(eur))
    return out


def net_credits(
    rows: list[tuple[Any, ...]], credits: dict[tuple[str, str], tuple[int, int]]
) -> tuple[list[tuple[Any, ...]], dict[tuple[str, str], tuple[int, int]]]:
    """The rule for credits returned (DOMAIN.md): set against what the organisation is owed in
    the same currency, oldest due date first; what is left is a credit to use, never a
    negative arrear. ``rows`` as :func:`_outstanding_rows` (cents, ``settled`` at index 9);
    returns the rows still open and the credit left per (organisation, currency)."""
    left = {k: v[0] for k, v in credits.items()}
    out = []
    for r in sorted(rows, key=lambda r: (r[7], r[3], r[4])):
        key = (r[0], r[4])
        take = min(left.get(key, 0), r[5] - r[9])
        if take:
            left[key] -= take
            r = (*r[:9], r[9] + take)
        if r[5] > r[9]:
            out.append(r)
    remaining = {k: (a, _share_half_up(credits[k][1], a, credits[k][0])) for k, a in left.items() if a > 0}
    return out, remaining


def credits_available(
    uow: UnitOfWork, as_of: dt.date, *, directorates: Sequence[str] | None = None
) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    """Credit left to use per (organisation, currency) as of ``as_of``: (amount, EUR at the
    credit lines' own rates), after :func:`net_credits` against what is owed."""
    credits = _credit_cents(uow, as_of, directorates)
    if not credits:
        return {}
    rows = _outstanding_rows_before_credits(uow, as_of, directorates)
    _, left = net_credits(rows, credits)
    return {k: (_cents(a), _cents(e)) for k, (a, e) in sorted(left.items())}


@dataclass(frozen=True)
class ArrearsSummary:
    """The figures of :class:`Arrears` without its lines (a headline costs no list)."""

    as_of: dt.date
    total_eur: Decimal
    overdue_count: int
    buckets: dict[str, Decimal]
    by_currency: dict[str, Decimal]
    not_yet_due_count: int
    not_yet_due_eur: Decimal


def arrears_summary(
    uow: UnitOfWork, as_of: dt.date, *, directorates: Sequence[str] | None = None
) -> ArrearsSummary:
    """Overdue total, ageing buckets, per currency, and what is not yet due, as of ``as_of``.

    The same cents as :func:`arrears` (each line's EUR share rounded as there, then added).
    """
    buckets = dict.fromkeys(AGEING_BUCKETS, 0)
    by_currency: dict[str, int] = defaultdict(int)
    overdue = later = later_eur = 0
    for *_, cur, amount, eur, due, _fy, settled in _outstanding_rows(uow, as_of, directorates, None):
        left = amount - settled
        left_eur = _share_half_up(eur, left, amount)
        days = (as_of - due).days
        if days > 0:
            overdue += 1
            buckets[ageing_bucket(days)] += left_eur
            by_currency[cur] += left
        else:
            later += 1
            later_eur += left_eur
    return ArrearsSummary(
        as_of=as_of, total_eur=_cents(sum(buckets.values())), overdue_count=overdue,
        buckets={b: _cents(v) for b, v in buckets.items()},
        by_currency={c: _cents(v) for c, v in sorted(by_currency.items())},
        not_yet_due_count=later, not_yet_due_eur=_cents(later_eur),
    )


@dataclass(frozen=True)
class LineSlice:
    """The ``top`` largest lines (by outstanding EUR) of a list, kept in the list's order, with
    the count and EUR total of the whole list."""

    lines: list[OutstandingLine]
    count: int
    total_eur: Decimal


@dataclass(frozen=True)
class ArrearsView:
    """What an arrears page shows: the figures, the largest overdue lines, and the largest
    lines not yet due falling due on or before each date asked for."""

    summary: ArrearsSummary
    overdue: LineSlice
    due: list[LineSlice]


def arrears_view(
    uow: UnitOfWork,
    as_of: dt.date,
    *,
    directorates: Sequence[str] | None = None,
    top: int = 200,
    due_by: Sequence[dt.date] = (),
) -> ArrearsView:
    """:func:`arrears_summary` plus the ``top`` largest overdue lines (in :func:`arrears`'s
    order) and, per date of ``due_by``, the ``top`` largest lines not yet due by then (in
    :func:`outstanding`'s order). One pass over the open lines in integer cents; line objects
    only for the lines kept. The same cents as the full lists."""
    import heapq

    rows = []
    for ocode, oname, dcode, ref, cur, amount, eur, due, fy, settled in _outstanding_rows(
            uow, as_of, directorates, None):
        left = amount - settled
        rows.append((due, ocode, ref, cur, oname, dcode, fy, amount, settled, left,
                     _share_half_up(eur, left, amount), (as_of - due).days))
    rows.sort(key=lambda r: r[:4])  # outstanding()'s order; arrears' overdue order is the same

    def line(r: tuple[Any, ...]) -> OutstandingLine:
        due, ocode, ref, cur, oname, dcode, fy, amount, settled, left, left_eur, days = r
        return OutstandingLine(
            organisation=ocode, organisation_name=oname, directorate=dcode, reference=ref,
            fiscal_year=int(fy), currency=cur, due_date=due, assessed=_cents(amount),
            paid=_cents(settled), outstanding=_cents(left), outstanding_eur=_cents(left_eur),
            days_overdue=max(0, days))

    def sliced(chosen: list[tuple[Any, ...]]) -> LineSlice:
        keep = set(heapq.nlargest(top, range(len(chosen)), key=lambda i: chosen[i][10]))
        return LineSlice([line(r) for i, r in enumerate(chosen) if i in keep], len(chosen),
                         _cents(sum(r[10] for r in chosen)))

    buckets = dict.fromkeys(AGEING_BUCKETS, 0)
    by_currency: dict[str, int] = defaultdict(int)
    overdue, later = [], []
    for r in rows:
        if r[11] > 0:
            overdue.append(r)
            buckets[ageing_bucket(r[11])] += r[10]
            by_currency[r[3]] += r[9]
        else:
            later.append(r)
    summary = ArrearsSummary(
        as_of=as_of, total_eur=_cents(sum(buckets.values())), overdue_count=len(overdue),
        buckets={b: _cents(v) for b, v in buckets.items()},
        by_currency={c: _cents(v) for c, v in sorted(by_currency.items())},
        not_yet_due_count=len(later), not_yet_due_eur=_cents(sum(r[10] for r in later)),
    )
    return ArrearsView(summary, sliced(overdue), [sliced([r for r in later if r[0] <= end]) for end in due_by])


def outstanding(
    uow: UnitOfWork,
    as_of: dt.date,
    *,
    directorates: Sequence[str] | None = None,
    year: int | None = None,
) -> list[OutstandingLine]:
    """Every assessment line with something left to pay as of ``as_of``.

    Assessed amounts are net of reversals and corrections; paid amounts are the payments,
    dated on or before ``as_of``, on commitments linked to the assessment in that currency.
    The EUR equivalent is the outstanding share of the line's EUR value at its recorded rate.
    """
    out = []
    for ocode, oname, dcode, ref, cur, amount, eur, due, fy, settled in _outstanding_rows(
            uow, as_of, directorates, year):
        left = amount - settled
        out.append(OutstandingLine(
            organisation=ocode, organisation_name=oname, directorate=dcode, reference=ref,
            fiscal_year=int(fy), currency=cur, due_date=due, assessed=_cents(amount),
            paid=_cents(settled), outstanding=_cents(left),
            outstanding_eur=_cents(_share_half_up(eur, left, amount)),
            days_overdue=max(0, (as_of - due).days),
        ))
    out.sort(key=lambda line: (line.due_date, line.organisation, line.reference, line.currency))
    return out


def _cents(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


def _share_half_up(total: int, part: int, whole: int) -> int:
    """``total * part / whole`` rounded half away from zero, exactly (integers, ``whole`` > 0).

    The same cent as ``round_cents(Decimal)`` of the quotient: for amounts below a hundred
    billion, Decimal's 28 digits cannot move a quotient across a half cent.
    """
    sign = -1 if total < 0 else 1
    return sign * ((2 * abs(total) * part + whole) // (2 * whole))


def arrears(
    uow: UnitOfWork, as_of: dt.date, *, directorates: Sequence[str] | None = None
) -> Arrears:
    """Overdue assessments with ageing buckets as of ``as_of``, and what is not yet due."""
    lines = outstanding(uow, as_of, directorates=directorates)
    overdue = sorted((x for x in lines if x.overdue), key=lambda x: (-x.days_overdue, x.organisation))
    return Arrears(as_of, overdue, [x for x in lines if not x.overdue])


# --------------------------------------------------------------------------- commitments


@dataclass(frozen=True)
class OpenCommitment:
    """A commitment with something still to pay."""

    reference: str
    entry_date: dt.date
    fiscal_year: int
    organisation: str
    organisation_name: str
    directorate: str
    ab: str
    currency: str
    committed: Decimal
    paid: Decimal
    committed_eur: Decimal
    paid_eur: Decimal
    rate: Decimal

    @property
    def open(self) -> Decimal:
        return self.committed - self.paid

    @property
    def open_eur(self) -> Decimal:
        """Commitment credits still held: committed EUR less the EUR paid (at payment rates)."""
        return self.committed_eur - self.paid_eur

    @property
    def open_eur_booked(self) -> Decimal:
        """The open part at the commitment's own rate: committed EUR x open / committed."""
        return booked_eur(self.open, self.committed, self.committed_eur)


def booked_eur(open_amount: Decimal, committed: Decimal, committed_eur: Decimal) -> Decimal:
    """What ``open_amount`` of a commitment of ``committed`` (worth ``committed_eur``) is worth
    at the commitment's own rate, to the cent (realised differences play no part)."""
    if committed == 0:
        return ZERO
    return round_cents(committed_eur * open_amount / committed)


def open_commitments(
    uow: UnitOfWork,
    *,
    as_of: dt.date | None = None,
    year: int | None = None,
    directorates: Sequence[str] | None = None,
    organisation: str | None = None,
    limit: int | None = None,
) -> list[OpenCommitment]:
    """Live commitments with an open amount (in their currency) as of ``as_of``, largest
    open EUR first; ``limit``: only the first ones (a page's table, not the whole book)."""
    return _open_commitments(uow, as_of=as_of, year=year, directorates=directorates,
                             organisation=organisation, limit=limit)


def open_commitments_count(
    uow: UnitOfWork,
    *,
    as_of: dt.date | None = None,
    year: int | None = None,
    directorates: Sequence[str] | None = None,
) -> tuple[int, Decimal]:
    """How many commitments are open as of ``as_of``, and their open EUR in total."""
    sums = _open_commitment_sums(as_of)
    cond = [_org_filter(directorates), _upto(Commitment.entry_date, as_of)]
    if year is not None:
        cond.append(Commitment.fiscal_year == year)
    n, total = uow.session.execute(
        select(func.count(), type_coerce(func.coalesce(func.sum(sums.c.committed_eur - sums.c.paid_eur), 0),
                                         Money))
        .select_from(sums)
        .join(Commitment, Commitment.id == sums.c.commitment_id)
        .join(Organisation, Organisation.id == Commitment.organisation_id)
        .where(*cond)
    ).one()
    return int(n), _d(total)


def _open_commitments(
    uow: UnitOfWork,
    *,
    as_of: dt.date | None = None,
    year: int | None = None,
    directorates: Sequence[str] | None = None,
    organisation: str | None = None,
    foreign_only: bool = False,
    limit: int | None = None,
) -> list[OpenCommitment]:
    """:func:`open_commitments`; ``foreign_only`` keeps the non-EUR ones (all that
    :func:`exposure` values), so their sums skip the EUR commitments' payments."""
    s = uow.session
    cond = [_org_filter(directorates), _upto(Commitment.entry_date, as_of)]
    if year is not None:
        cond.append(Commitment.fiscal_year == year)
    if organisation is not None:
        cond.append(Organisation.code == organisation)
    if foreign_only:
        cond.append(Commitment.currency != "EUR")
    # Open commitments come from the maintained projection; those touched by an entry dated
    # after ``as_of`` are recomputed as of that date from the entries (see
    # :mod:`budget.services.balances`), the others are today what they were then.
    sums = _open_commitment_sums(as_of)
    # Columns, not ORM objects: no identity map to fill for thousands of rows.
    stmt = (
        select(Commitment.reference, Commitment.entry_date, Commitment.fiscal_year,
               Commitment.currency, type_coerce(sums.c.committed, Money),
               type_coerce(sums.c.committed_eur, Money), Commitment.rate,
               Organisation.code, Organisation.name, Organisation.directorate_code,
               BasicAllocation.code, type_coerce(sums.c.paid, Money), type_coerce(sums.c.paid_eur, Money))
        .select_from(sums)
        .join(Commitment, Commitment.id == sums.c.commitment_id)
        .join(Organisation, Organisation.id == Commitment.organisation_id)
        .join(BasicAllocation, BasicAllocation.id == Commitment.ab_id)
        .where(*cond)
    )
    if limit is not None:
        stmt = stmt.order_by((sums.c.committed_eur - sums.c.paid_eur).desc(), Commitment.reference).limit(limit)
    out = []
    for (ref, day, fy, cur, committed, committed_eur, rate, ocode, oname, dcode, ab,
         paid, paid_eur) in s.execute(stmt):
        committed, settled = _d(committed), _d(paid)
        if committed - settled == 0:
            continue
        out.append(OpenCommitment(
            reference=ref, entry_date=day, fiscal_year=fy,
            organisation=ocode, organisation_name=oname, directorate=dcode, ab=ab,
            currency=cur, committed=committed, paid=settled,
            committed_eur=_d(committed_eur), paid_eur=_d(paid_eur), rate=rate,
        ))
    out.sort(key=lambda o: (-o.open_eur, o.reference))
    return out


def _open_commitment_sums(as_of: dt.date | None) -> Any:
    """Subquery (commitment_id, committed, committed_eur, paid, paid_eur) of the commitments
    open as of ``as_of``: the maintained projection, with the commitments touched by an entry
    dated after ``as_of`` recomputed as of that date from the entries."""
    item = OpenCommitmentItem
    current = select(item.commitment_id, item.committed, item.committed_eur, item.paid, item.paid_eur)
    if as_of is None:
        return current.subquery()
    changed = balances.changed_commitments_after(as_of)
    return union_all(current.where(item.commitment_id.not_in(changed)),
                     balances.commitment_sums(as_of, changed)).subquery()


def Money_(value: Any) -> Decimal:
    """A SUM from a subquery as Decimal.

    The subquery's SUM columns keep the ``Money`` type, so the value arrives already
    converted from hundredths: scaling it again turned EUR 600.00 into 6.00.
    """
    return _d(value)


# --------------------------------------------------------------------------- exchange


@dataclass(frozen=True)
class ExchangeDifference:
    """An exchange difference realised when a foreign-currency commitment was settled."""

    entry_date: dt.date
    commitment: str
    payment: str
    organisation: str
    directorate: str
    currency: str
    committed_eur: Decimal
    #: Positive: a gain (less EUR paid than committed); negative: a loss.
    gain_eur: Decimal
    commitment_rate: Decimal | None = None
    #: The settling payment's rate (None: realised by a decrease that closed the commitment).
    payment_rate: Decimal | None = None

    def to_json(self) -> dict[str, Any]:
        return {"date": self.entry_date.isoformat(), "commitment": self.commitment, "payment": self.payment,
                "organisation": self.organisation, "directorate": self.directorate, "currency": self.currency,
                "commitment_rate": None if self.commitment_rate is None else str(self.commitment_rate),
                "payment_rate": None if self.payment_rate is None else str(self.payment_rate),
                "committed_eur": json_amount(self.committed_eur), "gain_eur": json_amount(self.gain_eur)}


def exchange_differences(
    uow: UnitOfWork,
    *,
    year: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    directorates: Sequence[str] | None = None,
) -> list[ExchangeDifference]:
    """Realised exchange differences (net of reversed payments), by date of settlement."""
    cond = [CommitmentAdjustment.kind == "exchange_difference", _org_filter(directorates)]
    if year is not None:
        cond.append(_in_year(CommitmentAdjustment.entry_date, year))
    if start is not None:
        cond.append(CommitmentAdjustment.entry_date >= start)
    if end is not None:
        cond.append(CommitmentAdjustment.entry_date <= end)
    return _differences(uow, cond)


def _differences(uow: UnitOfWork, cond: list[Any], limit: int | None = None) -> list[ExchangeDifference]:
    # Columns, not ORM objects: loading every adjustment and commitment as objects cost
    # seconds on a twenty-year ledger.
    stmt = (
        select(CommitmentAdjustment.entry_date, Commitment.reference, CommitmentAdjustment.reference,
               Organisation.code, Organisation.directorate_code, Commitment.currency,
               Commitment.amount_eur, CommitmentAdjustment.amount_eur, CommitmentAdjustment.id,
               Commitment.rate, Payment.rate)
        .join(Commitment, Commitment.id == CommitmentAdjustment.commitment_id)
        .join(Organisation, Organisation.id == Commitment.organisation_id)
        .outerjoin(Payment, Payment.id == CommitmentAdjustment.payment_id)
        .where(*cond)
    )
    if limit is None:
        stmt = stmt.order_by(CommitmentAdjustment.entry_date, CommitmentAdjustment.id)
    else:  # the largest, ties in date order, then shown in date order
        stmt = stmt.order_by(func.abs(CommitmentAdjustment.amount_eur).desc(),
                             CommitmentAdjustment.entry_date, CommitmentAdjustment.id).limit(limit)
    rows = sorted(uow.session.execute(stmt), key=lambda r: (r[0], r[8]))
    return [
        ExchangeDifference(
            entry_date=day, commitment=com_ref, payment=adj_ref.removeprefix("FX-"),
            organisation=ocode, directorate=dcode, currency=cur, committed_eur=committed_eur,
            gain_eur=-adj_eur, commitment_rate=com_rate, payment_rate=pay_rate,
        )
        for day, com_ref, adj_ref, ocode, dcode, cur, committed_eur, adj_eur, _id, com_rate, pay_rate in rows
    ]


@dataclass(frozen=True)
class DifferenceSlice:
    """The ``top`` largest realised differences (by size, shown in date order), with the
    count, gains and losses of all of them."""

    lines: list[ExchangeDifference]
    count: int
    gains: Decimal
    losses: Decimal


def exchange_difference_view(
    uow: UnitOfWork,
    *,
    year: int,
    end: dt.date | None = None,
    directorates: Sequence[str] | None = None,
    top: int = 200,
) -> DifferenceSlice:
    """:func:`exchange_differences` of ``year`` up to ``end``, summed in SQL, with only the
    ``top`` largest as lines (a page's table; the download reads them all)."""
    cond = [CommitmentAdjustment.kind == "exchange_difference", _org_filter(directorates),
            _in_year(CommitmentAdjustment.entry_date, year), _upto(CommitmentAdjustment.entry_date, end)]
    gain = -CommitmentAdjustment.amount_eur
    n, gains, losses = uow.session.execute(
        select(func.count(),
               type_coerce(func.coalesce(func.sum(case((gain > 0, gain), else_=0)), 0), Money),
               type_coerce(func.coalesce(func.sum(case((gain < 0, gain), else_=0)), 0), Money))
        .select_from(CommitmentAdjustment)
        .join(Commitment, Commitment.id == CommitmentAdjustment.commitment_id)
        .join(Organisation, Organisation.id == Commitment.organisation_id)
        .where(*cond)
    ).one()
    return DifferenceSlice(_differences(uow, cond, top), int(n), _d(gains), _d(losses))


@dataclass(frozen=True)
class Exposure:
    """What is still to pay on open commitments in one foreign currency, as booked and at the
    rate in force on the day (``rate`` None: no usable rate that day)."""

    currency: str
    open: Decimal
    eur_booked: Decimal
    rate: Decimal | None
    rate_date: dt.date | None
    eur_at_rate: Decimal | None

    @property
    def difference(self) -> Decimal | None:
        """EUR at the day's rate minus EUR as booked: positive is a latent loss (more EUR needed)."""
        if self.eur_at_rate is None:
            return None
        return self.eur_at_rate - self.eur_booked

    def to_json(self) -> dict[str, Any]:
        def amount(value: Decimal | None) -> str | None:
            return None if value is None else json_amount(value)

        return {"currency": self.currency, "open": json_amount(self.open),
                "eur_booked": json_amount(self.eur_booked), "rate": None if self.rate is None else str(self.rate),
                "rate_date": None if self.rate_date is None else self.rate_date.isoformat(),
                "eur_at_rate": amount(self.eur_at_rate), "difference": amount(self.difference)}


def exposure(
    uow: UnitOfWork, *, as_of: dt.date | None = None, directorates: Sequence[str] | None = None
) -> list[Exposure]:
    """Open foreign-currency commitments per currency as of ``as_of`` (default today), as
    booked and at the rate in force that day."""
    day = as_of or dt.date.today()
    return exposure_of(uow, _open_commitments(uow, as_of=day, directorates=directorates, foreign_only=True),
                       as_of=day)


def exposure_of(
    uow: UnitOfWork, commitments: Sequence[OpenCommitment], *, as_of: dt.date | None = None
) -> list[Exposure]:
    """:func:`exposure` of open commitments already read (a report reads them once)."""
    from budget.errors import MissingExchangeRateError
    from budget.services.fx import rate_on

    day = as_of or dt.date.today()
    per: dict[str, tuple[Decimal, Decimal]] = {}
    for c in commitments:
        if c.currency != "EUR":
            amount, eur = per.get(c.currency, (ZERO, ZERO))
            per[c.currency] = (amount + c.open, eur + c.open_eur_booked)
    out = []
    for cur, (open_amount, booked) in sorted(per.items()):
        try:
            quote = rate_on(uow, cur, day)
        except MissingExchangeRateError:
            out.append(Exposure(cur, open_amount, booked, None, None, None))
            continue
        out.append(Exposure(cur, open_amount, booked, quote.rate, quote.published,
                            to_eur(open_amount, cur, quote.rate)))
    return out


# --------------------------------------------------------------------------- listings


@dataclass(frozen=True)
class OrganisationInfo:
    code: str
    name: str
    body: str | None
    directorate: str
    currency: str
    ab: str | None


def organisations(uow: UnitOfWork, directorates: Sequence[str] | None = None) -> list[OrganisationInfo]:
    rows = uow.session.execute(
        select(Organisation.code, Organisation.name, Organisation.body, Organisation.directorate_code,
               Organisation.currency, BasicAllocation.code)
        .outerjoin(BasicAllocation, BasicAllocation.id == Organisation.ab_id)
        .where(_org_filter(directorates)).order_by(Organisation.code)
    )
    return [OrganisationInfo(*r) for r in rows]


@dataclass(frozen=True)
class DirectorateInfo:
    code: str
    name: str


def directorates_list(uow: UnitOfWork) -> list[DirectorateInfo]:
    rows = uow.session.execute(select(Directorate.code, Directorate.name).order_by(Directorate.code))
    return [DirectorateInfo(*r) for r in rows]


@dataclass(frozen=True)
class AllocationInfo:
    code: str
    label: str
    directorate: str | None
    control_mode: str


def allocations(uow: UnitOfWork, directorates: Sequence[str] | None = None) -> list[AllocationInfo]:
    rows = uow.session.execute(
        select(BasicAllocation.code, BasicAllocation.label, BasicAllocation.directorate_code,
               BasicAllocation.control_mode).where(_ab_filter(directorates)).order_by(BasicAllocation.code)
    )
    return [AllocationInfo(*r) for r in rows]


@dataclass(frozen=True)
class CreditLine:
    ab: str
    fiscal_year: int
    credit_type: str
    stage: str
    reference: str
    entry_date: dt.date
    amount: Decimal
    reversal: bool
    note: str | None


def credit_history(
    uow: UnitOfWork, year: int, *, ab: str | None = None, directorates: Sequence[str] | None = None
) -> list[CreditLine]:
    """Every credit movement of ``year`` (optionally one AB), in date order."""
    cond = [CreditMovement.fiscal_year == year, _ab_filter(directorates)]
    if ab is not None:
        cond.append(BasicAllocation.code == ab)
    rows = uow.session.execute(
        select(BasicAllocation.code, CreditMovement.fiscal_year, CreditMovement.credit_type,
               CreditMovement.stage, CreditMovement.reference, CreditMovement.entry_date,
               CreditMovement.amount, CreditMovement.reverses_id.is_not(None), CreditMovement.note)
        .join(BasicAllocation, BasicAllocation.id == CreditMovement.ab_id)
        .where(*cond).order_by(CreditMovement.entry_date, CreditMovement.id)
    )
    return [CreditLine(*r) for r in rows]


@dataclass(frozen=True)
class OverrideInfo:
    ab: str
    fiscal_year: int
    control_mode: str
    available: Decimal
    requested: Decimal
    reason: str
    created_by: str
    created_at: dt.datetime


def overrides(uow: UnitOfWork, year: int | None = None) -> list[OverrideInfo]:
    stmt = (
        select(BasicAllocation.code, AvailabilityOverride.fiscal_year, AvailabilityOverride.control_mode,
               AvailabilityOverride.available, AvailabilityOverride.requested,
               AvailabilityOverride.override_reason, AvailabilityOverride.created_by,
               AvailabilityOverride.created_at)
        .join(BasicAllocation, BasicAllocation.id == AvailabilityOverride.ab_id)
        .order_by(AvailabilityOverride.id)
    )
    if year is not None:
        stmt = stmt.where(AvailabilityOverride.fiscal_year == year)
    return [OverrideInfo(*r) for r in uow.session.execute(stmt)]


@dataclass(frozen=True)
class BatchInfo:
    id: int
    kind: str
    file_name: str
    sha256: str
    created_by: str
    created_at: dt.datetime
    rows_read: int
    rows_new: int
    rows_unchanged: int
    rows_conflict: int
    rows_corrected: int
    undoes_batch_id: int | None
    undone_by: int | None


def import_batches(uow: UnitOfWork, limit: int | None = None) -> list[BatchInfo]:
    """The import history, newest first, with the batch that undid each one."""
    undo = select(ImportBatch.undoes_batch_id.label("bid"), ImportBatch.id.label("uid")).where(
        ImportBatch.undoes_batch_id.is_not(None)).subquery()
    stmt = (
        select(ImportBatch.id, ImportBatch.kind, ImportBatch.file_name, ImportBatch.sha256,
               ImportBatch.created_by, ImportBatch.created_at, ImportBatch.rows_read,
               ImportBatch.rows_new, ImportBatch.rows_unchanged, ImportBatch.rows_conflict,
               ImportBatch.rows_corrected, ImportBatch.undoes_batch_id, undo.c.uid)
        .outerjoin(undo, undo.c.bid == ImportBatch.id)
        .order_by(ImportBatch.id.desc())
    )
    if limit:
        stmt = stmt.limit(limit)
    return [BatchInfo(*tuple(r)) for r in uow.session.execute(stmt)]


def years_with_data(uow: UnitOfWork) -> list[int]:
    """Fiscal years that have credits, assessments or commitments, ascending."""
    years: set[int] = set()
    for col in (CreditMovement.fiscal_year, Commitment.fiscal_year, Assessment.fiscal_year):
        years |= {y for (y,) in uow.session.execute(select(col).distinct())}
    return sorted(years)

