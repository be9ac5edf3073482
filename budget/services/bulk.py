"""Batch-oriented writes and reads for imports: the same invariants, without per-row queries.

The importers (``imports/``) call these instead of building queries: facts about existing
entries (for idempotent re-loads and conflicts), import batches and their undo, a fast bulk
insert, and :func:`record_payments`, which applies every check of
:func:`budget.services.entries.record_payment` to thousands of payments with the commitment
positions, stored rates and existing references loaded once.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from itertools import compress, groupby, pairwise, repeat
from operator import eq, is_not, itemgetter, methodcaller, ne
from typing import Any

from sqlalchemy import Table, and_, delete, func, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.types import TypeDecorator

from budget import bounds
from budget.errors import (
    BudgetError,
    DependentEntriesError,
    NotFoundError,
    ValidationError,
)
from budget.ledger.models import (
    Assessment,
    AssessmentLine,
    BasicAllocation,
    Commitment,
    CommitmentAdjustment,
    CreditMovement,
    ExchangeRate,
    FiscalYearClosure,
    ImportBatch,
    Organisation,
    Payment,
    utcnow,
)
from budget.money import ALL_CURRENCIES, CENT, fmt, money, normalise_currency
from budget.services import entries, fx
from budget.uow import UnitOfWork

CHUNK = 900  # bound parameters per IN (...) list: well under SQLite's and PostgreSQL's limits


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --------------------------------------------------------------------------- fast insert


def fast_insert(uow: UnitOfWork, model: type, rows: Sequence[dict[str, Any]]) -> int:
    """Insert ``rows`` into ``model``'s table with one DBAPI ``executemany``.

    The column types' own bind processors convert the values (Money to cents, Rate to text,
    dates), so what is stored is exactly what the ORM would store; provenance comes from
    the unit of work. The ORM's per-row bookkeeping is skipped: that is what made 200,000
    ECB rates take 8 s instead of 2 s.
    """
    if not rows:
        return 0
    table: Table = model.__table__  # type: ignore[attr-defined]
    bounds.check_rows(table, rows)
    conn = uow.session.connection()
    dialect = conn.dialect
    stamp = uow.stamp()
    constants: dict[str, Any] = {"created_at": utcnow(), **stamp}
    columns = [c for c in table.columns if not c.primary_key]
    keys = [c.key for c in columns]
    defaults: dict[str, Any] = {}
    for c in columns:
        if c.key in constants:
            defaults[c.key] = constants[c.key]
        elif c.default is not None and getattr(c.default, "is_scalar", False):
            defaults[c.key] = getattr(c.default, "arg", None)
        else:
            defaults[c.key] = None
    procs = [_bind_processor(c.type, dialect) for c in columns]
    # Column by column: columns no row carries are constants, converted once; the others
    # are converted with one comprehension each (much cheaper than a loop per cell).
    carried = set().union(*(r.keys() for r in rows[:50]))
    n = len(rows)
    columns_values: list[list[Any]] = []
    for key, proc in zip(keys, procs, strict=True):
        default = defaults[key]
        if key not in carried:
            value = proc(default) if proc is not None and default is not None else default
            columns_values.append([value] * n)
            continue
        try:
            raw = list(map(itemgetter(key), rows))
        except KeyError:  # some rows leave the column out: they take its default
            raw = [r.get(key, default) for r in rows]
        if proc is not None:
            raw = [None if v is None else proc(v) for v in raw]
        columns_values.append(raw)
    params = list(zip(*columns_values, strict=True))
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    quoted = ", ".join(dialect.identifier_preparer.quote(k) for k in [c.name for c in columns])
    sql = f"INSERT INTO {table.name} ({quoted}) VALUES ({', '.join([mark] * len(columns))})"
    conn.exec_driver_sql(sql, params)
    return len(rows)


def _bind_processor(type_: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """The function converting a Python value to what the driver takes, for one column.

    A ``TypeDecorator`` over a type the driver takes as is (``Money`` over BigInteger) gets
    its own ``process_bind_param`` directly, without SQLAlchemy's wrapper around it: the
    same result, one call less per cell.
    """
    if dialect.name == "sqlite" and type(type_).__name__ == "Date":
        return methodcaller("isoformat")
    impl = type_.dialect_impl(dialect)
    if isinstance(type_, TypeDecorator) and impl.impl_instance.bind_processor(dialect) is None:
        return partial(impl.process_bind_param, dialect=dialect)
    return impl.bind_processor(dialect)


def _insert_columns(uow: UnitOfWork, model: type, columns: dict[str, Sequence[Any]],
                    constants: dict[str, Any], *, ready: Iterable[str] = (),
                    repeating: Iterable[str] = (),
                    alike: tuple[Sequence[bool], dict[str, Any], dict[str, str]] | None = None) -> int:
    """Insert rows given as columns with one DBAPI ``executemany`` (see :func:`fast_insert`).

    ``columns`` holds the values per column, ``constants`` the columns every row shares
    (provenance comes from the unit of work). Values are converted by the column types'
    own bind processors, except in the ``ready`` columns (already what the driver takes);
    in the ``repeating`` ones (dates, rates) each distinct value is converted once. On
    SQLite the constants are written into the statement as SQL literals (quoted by the
    dialect), so each row binds only its own values: 100,000 rows bind 800,000 fewer
    parameters.

    ``alike`` (flags, fixed, same), on SQLite: the flagged rows all hold the ``fixed``
    values (column -> value as the driver takes it) and, for each column of ``same``, the
    value of another column. Runs of consecutive flagged rows go in with a statement that
    writes those as literals and binds the other column once: fewer parameters again,
    and the rows still go in in their order (their ids follow the file).
    """
    n = len(next(iter(columns.values())))
    if not n:
        return 0
    table: Table = model.__table__  # type: ignore[attr-defined]
    bounds.check_columns(table, {**{k: [v] * n for k, v in constants.items()}, **columns})
    conn = uow.session.connection()
    dialect = conn.dialect
    shared: dict[str, Any] = {"created_at": utcnow(), **uow.stamp(), **constants}
    ready, repeating = set(ready), set(repeating)
    bound: list[tuple[str, Sequence[Any]]] = []
    inline: list[tuple[str, str]] = []
    for c in table.columns:
        if c.primary_key:
            continue
        proc = None if c.key in ready else _bind_processor(c.type, dialect)
        if c.key in columns:
            values = columns[c.key]
            if proc is not None:
                if c.key in repeating:
                    # Keyed by identity: equal Decimals may be written differently
                    # (1.05 and 1.050), and a rate is stored as written.
                    if Decimal in set(map(type, values)):
                        by_id = {id(v): v for v in values}
                        by_key = {k: None if v is None else proc(v) for k, v in by_id.items()}
                        values = [by_key[id(v)] for v in values]
                    else:
                        converted = {v: None if v is None else proc(v) for v in set(values)}
                        values = list(map(converted.__getitem__, values))
                else:
                    values = [None if v is None else proc(v) for v in values]
            bound.append((c.name, values))
            continue
        if c.key in shared:
            value = shared[c.key]
        elif c.default is not None and getattr(c.default, "is_scalar", False):
            value = getattr(c.default, "arg", None)
        else:
            value = None
        if value is not None and proc is not None:
            value = proc(value)
        literal = _sql_literal(value, dialect) if dialect.paramstyle == "qmark" else None
        if literal is None:
            bound.append((c.name, [value] * n))
        else:
            inline.append((c.name, literal))
    qmark = dialect.paramstyle == "qmark"
    mark = "?" if qmark else "%s"
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name, _ in [*bound, *inline])
    head = f"INSERT INTO {quote(table.name)} ({names}) VALUES "
    sql = head + "(" + ", ".join([mark] * len(bound) + [literal for _, literal in inline]) + ")"
    runs = _runs(alike[0]) if alike is not None and qmark and n else None
    if runs is None or len(runs) > max(4, n // 200):  # (a run per handful of rows: not worth it)
        conn.exec_driver_sql(sql, list(zip(*(values for _, values in bound), strict=True)))
        return n
    assert alike is not None
    _, fixed, same = alike
    own = [(name, values) for name, values in bound if name not in fixed and name not in same]
    number = {name: k for k, (name, _) in enumerate(own, start=1)}
    marks = []
    for name, _ in bound:
        literal = _sql_literal(fixed[name], dialect) if name in fixed else None
        if name in fixed and literal is None:
            raise ValueError(f"{name}: {fixed[name]!r} cannot be written as a literal")
        marks.append(literal if literal is not None else f"?{number[same.get(name, name)]}")
    short = head + "(" + ", ".join(marks + [literal for _, literal in inline]) + ")"
    every = list(zip(*(values for _, values in bound), strict=True))
    fewer = list(zip(*(values for _, values in own), strict=True))
    for start, end, flagged in runs:
        conn.exec_driver_sql(short if flagged else sql, (fewer if flagged else every)[start:end])
    return n


def _runs(flags: Sequence[bool]) -> list[tuple[int, int, bool]]:
    """Consecutive runs of equal flags: (start, end, flag)."""
    changes = [i for i in range(1, len(flags)) if flags[i] != flags[i - 1]]
    return [(a, b, bool(flags[a])) for a, b in pairwise([0, *changes, len(flags)])]


def _sql_literal(value: Any, dialect: Any) -> str | None:
    """``value`` as an SQL literal when it is NULL, an integer or a text (else None: bind it)."""
    from sqlalchemy import String

    if value is None:
        return "NULL"
    if value.__class__ is int:
        return str(value)
    if value.__class__ is str:
        quote = String().literal_processor(dialect)
        return quote(value) if quote is not None else None
    return None


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class OrganisationFact:
    code: str
    name: str
    directorate: str
    currency: str
    ab: str | None
    body: str | None


def organisation_facts(uow: UnitOfWork) -> dict[str, OrganisationFact]:
    """Every organisation by code, with its reference data."""
    ab = aliased(BasicAllocation)
    stmt = select(Organisation.code, Organisation.name, Organisation.directorate_code,
                  Organisation.currency, ab.code, Organisation.body).outerjoin(ab, ab.id == Organisation.ab_id)
    return {r[0]: OrganisationFact(*r) for r in uow.session.execute(stmt)}


def allocation_codes(uow: UnitOfWork) -> list[str]:
    """Codes of every basic allocation."""
    return list(uow.session.scalars(select(BasicAllocation.code)))


@dataclass(frozen=True)
class CreditFact:
    id: int
    amount: Decimal


def credit_facts(uow: UnitOfWork) -> dict[tuple[str, int, str, str, str], CreditFact]:
    """Live credit movements by (AB, year, credit type, stage, reference)."""
    stmt = entries.live(CreditMovement).join(BasicAllocation, BasicAllocation.id == CreditMovement.ab_id)
    stmt = stmt.add_columns(BasicAllocation.code)
    out = {}
    for cm, code in uow.session.execute(stmt):
        out[(code, cm.fiscal_year, cm.credit_type, cm.stage, cm.reference)] = CreditFact(cm.id, cm.amount)
    return out


@dataclass(frozen=True)
class AssessmentFact:
    id: int
    fiscal_year: int
    period_start: dt.date
    period_end: dt.date
    due_date: dt.date
    lines: dict[str, Decimal]
    received: dt.date


def assessment_facts(uow: UnitOfWork) -> dict[tuple[str, str], AssessmentFact]:
    """Live assessments by (organisation code, reference) with their currency lines."""
    stmt = entries.live(Assessment).join(Organisation, Organisation.id == Assessment.organisation_id)
    stmt = stmt.add_columns(Organisation.code)
    found = list(uow.session.execute(stmt))
    lines: dict[int, dict[str, Decimal]] = defaultdict(dict)
    ids = [a.id for a, _ in found]
    for chunk in _chunks(ids):
        for aid, cur, amount in uow.session.execute(
            select(AssessmentLine.assessment_id, AssessmentLine.currency, AssessmentLine.amount)
            .where(AssessmentLine.assessment_id.in_(chunk))
        ):
            lines[aid][cur] = amount
    return {
        (code, a.reference): AssessmentFact(a.id, a.fiscal_year, a.period_start, a.period_end,
                                            a.due_date, dict(lines[a.id]), a.entry_date)
        for a, code in found
    }


@dataclass(frozen=True)
class CommitmentFact:
    id: int
    entry_date: dt.date
    ab: str
    organisation: str
    currency: str
    amount: Decimal
    amount_eur: Decimal
    rate: Decimal
    assessment_reference: str | None


def commitment_facts(uow: UnitOfWork, references: Iterable[str]) -> dict[str, CommitmentFact]:
    """Live commitments among ``references``."""
    refs = sorted(set(references))
    out: dict[str, CommitmentFact] = {}
    ab = aliased(BasicAllocation)
    for chunk in _chunks(refs):
        stmt = (entries.live(Commitment, Commitment.reference.in_(chunk))
                .join(ab, ab.id == Commitment.ab_id)
                .join(Organisation, Organisation.id == Commitment.organisation_id)
                .outerjoin(Assessment, Assessment.id == Commitment.assessment_id)
                .add_columns(ab.code, Organisation.code, Assessment.reference))
        for c, ab_code, org_code, a_ref in uow.session.execute(stmt):
            out[c.reference] = CommitmentFact(c.id, c.entry_date, ab_code, org_code, c.currency,
                                              c.amount, c.amount_eur, c.rate, a_ref)
    return out


@dataclass(frozen=True)
class PaymentFact:
    id: int
    entry_date: dt.date
    commitment: str
    currency: str
    amount: Decimal
    amount_eur: Decimal
    rate: Decimal
    rate_source: str


def payment_facts(uow: UnitOfWork, references: Iterable[str]) -> dict[str, PaymentFact]:
    """Live payments among ``references``."""
    wanted = set(references)
    out: dict[str, PaymentFact] = {}
    pay = Payment.__table__
    com = Commitment.__table__
    rev = aliased(Payment)
    base = (
        select(pay.c.id, pay.c.reference, pay.c.entry_date, com.c.reference, pay.c.currency,
               pay.c.amount, pay.c.amount_eur, pay.c.rate, pay.c.rate_source)
        .join(com, com.c.id == pay.c.commitment_id)
        .where(pay.c.reverses_id.is_(None))
        .where(~select(rev.id).where(rev.reverses_id == pay.c.id).exists())
    )
    # Thousands of references: one scan of the table beats hundreds of IN (...) lists.
    batches = ([base] if len(wanted) > 5 * CHUNK
               else [base.where(pay.c.reference.in_(c)) for c in _chunks(sorted(wanted))])
    for stmt in batches:
        for pid, ref, day, cref, cur, amount, eur, r, src in uow.session.execute(stmt):
            if ref in wanted:
                out[ref] = PaymentFact(pid, day, cref, cur, amount, eur, r, src)
    return out


def closed_years(uow: UnitOfWork) -> set[int]:
    return set(uow.session.scalars(select(FiscalYearClosure.fiscal_year)))


# --------------------------------------------------------------------------- rates


def correct_rates(uow: UnitOfWork, rates: Iterable[tuple[str, dt.date, Decimal]], source: str = "ECB") -> int:
    """Replace stored rates by revised ones (the ECB rarely revises); each change audited.

    Rates are reference data, not financial entries: entries keep the rate they used. The
    row keeps the batch that first loaded it (so undoing the correcting batch never deletes
    a rate that existed before it); the audit log keeps the old and new values.
    """
    n = 0
    for cur, day, value in rates:
        row = uow.session.scalar(select(ExchangeRate).where(ExchangeRate.currency == cur,
                                                            ExchangeRate.rate_date == day))
        if row is None:
            continue
        before = row.rate
        row.rate = value
        row.source = source
        uow.audit("correct_rate", "exchange_rate", row.id, currency=cur, date=day,
                  before=before, after=value)
        n += 1
    uow.session.flush()
    return n


class _RateBook:
    """Stored rates of some currencies, for "last on or before" look-ups without queries."""

    def __init__(self, uow: UnitOfWork, currencies: Iterable[str],
                 span: tuple[dt.date, dt.date] | None = None) -> None:
        """``span`` (first, last day): only the rates those days can use are loaded."""
        self.days: dict[str, list[dt.date]] = {}
        self.values: dict[str, list[tuple[Decimal, str]]] = {}
        curs = sorted(set(currencies) - {"EUR"})
        if not curs:
            return
        stmt = (select(ExchangeRate.currency, ExchangeRate.rate_date, ExchangeRate.rate, ExchangeRate.source)
                .where(ExchangeRate.currency.in_(curs))
                .order_by(ExchangeRate.currency, ExchangeRate.rate_date))
        if span is not None:
            # From the last rate on or before the first day (per currency) to the last day:
            # a year of payments needs a year of rates, not the whole history.
            first, last = span
            floors = dict(uow.session.execute(
                select(ExchangeRate.currency, func.max(ExchangeRate.rate_date))
                .where(ExchangeRate.currency.in_(curs), ExchangeRate.rate_date <= first)
                .group_by(ExchangeRate.currency)).all())
            stmt = stmt.where(ExchangeRate.rate_date <= last, or_(*(
                and_(ExchangeRate.currency == c, ExchangeRate.rate_date >= (floors.get(c) or first)) for c in curs)))
        for cur, day, value, src in uow.session.execute(stmt):
            self.days.setdefault(cur, []).append(day)
            self.values.setdefault(cur, []).append((value, src))

    def on(self, currency: str, day: dt.date) -> tuple[Decimal, dt.date, str] | None:
        days = self.days.get(currency)
        if not days:
            return None
        i = bisect.bisect_right(days, day) - 1
        if i < 0:
            return None
        value, src = self.values[currency][i]
        return value, days[i], src


# --------------------------------------------------------------------------- payments


@dataclass(slots=True)
class PaymentInput:
    """One payment to record (the arguments of ``record_payment``)."""

    reference: str
    commitment_reference: str
    entry_date: dt.date
    amount: Decimal
    currency: str | None = None
    amount_eur: Decimal | None = None
    rate_used: Decimal | None = None
    source_sheet: str | None = None
    source_row: int | None = None


@dataclass(frozen=True)
class ItemProblem:
    """Why one item of a bulk write is refused: index, field, the error."""

    index: int
    field: str
    error: BudgetError


@dataclass
class BulkOutcome:
    written: int = 0
    problems: list[ItemProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    exchange_differences: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class _Position:
    commitment_id: int
    reference: str
    currency: str
    ab_id: int
    ab_code: str
    fiscal_year: int
    committed: Decimal
    committed_eur: Decimal
    paid: Decimal
    paid_eur: Decimal


def _positions(uow: UnitOfWork, references: Sequence[str]) -> dict[str, _Position]:
    out: dict[str, _Position] = {}
    refs = sorted(set(references))
    for chunk in _chunks(refs):
        # Columns, not ORM objects: a file may pay thousands of commitments.
        stmt = (entries.live(Commitment, Commitment.reference.in_(chunk))
                .with_only_columns(Commitment.id, Commitment.reference, Commitment.currency, Commitment.ab_id,
                                   BasicAllocation.code, Commitment.fiscal_year, Commitment.amount,
                                   Commitment.amount_eur)
                .join(BasicAllocation, BasicAllocation.id == Commitment.ab_id))
        found = list(uow.session.execute(stmt))
        ids = [c.id for c in found]
        adj = dict.fromkeys(ids, (Decimal(0), Decimal(0)))
        for cid, a, e in uow.session.execute(
            select(CommitmentAdjustment.commitment_id, func.sum(CommitmentAdjustment.amount),
                   func.sum(CommitmentAdjustment.amount_eur))
            .where(CommitmentAdjustment.commitment_id.in_(ids)).group_by(CommitmentAdjustment.commitment_id)
        ):
            adj[cid] = (Decimal(a or 0), Decimal(e or 0))
        paid = dict.fromkeys(ids, (Decimal(0), Decimal(0)))
        for cid, a, e in uow.session.execute(
            select(Payment.commitment_id, func.sum(Payment.amount), func.sum(Payment.amount_eur))
            .where(Payment.commitment_id.in_(ids)).group_by(Payment.commitment_id)
        ):
            paid[cid] = (Decimal(a or 0), Decimal(e or 0))
        for cid, ref, cur, ab_id, ab_code, year, amount, eur in found:
            out[ref] = _Position(cid, ref, cur, ab_id, ab_code, year, amount + adj[cid][0], eur + adj[cid][1],
                                 paid[cid][0], paid[cid][1])
    return out


def _payment_keys(uow: UnitOfWork, references: Sequence[str]) -> tuple[set[str], dict[str, int]]:
    """Live payment references among ``references`` and the highest revision of each."""
    rev = aliased(Payment)
    reversed_ = select(rev.id).where(rev.reverses_id == Payment.id).exists()
    base = select(Payment.reference, Payment.revision, reversed_).where(Payment.reverses_id.is_(None))
    wanted = set(references)
    results: list[Any] = []
    if len(wanted) > 5 * CHUNK:
        # Thousands of references: one scan of the table beats hundreds of IN (...) lists.
        results = [r for r in uow.session.execute(base) if r[0] in wanted]
    else:
        for chunk in _chunks(sorted(wanted)):
            results += list(uow.session.execute(base.where(Payment.reference.in_(chunk))))
    live: set[str] = set()
    top: dict[str, int] = {}
    for ref, revision, is_reversed in results:
        if not is_reversed:
            live.add(ref)
        top[ref] = max(top.get(ref, -1), revision)
    return live, top


@dataclass
class PaymentColumns:
    """Many payments as columns: position ``i`` of every list is payment ``i``.

    What an import of a large file hands over (see :func:`record_payment_columns`): a few
    lists instead of one object per payment. ``rate_used`` None means no rate is given for
    any payment; ``source_sheet`` is one sheet for all, or one per payment.
    """

    reference: Sequence[str]
    commitment_reference: Sequence[str]
    entry_date: Sequence[dt.date]
    amount: Sequence[Decimal]
    currency: Sequence[str | None]
    amount_eur: Sequence[Decimal | None]
    rate_used: Sequence[Decimal | None] | None = None
    source_sheet: str | Sequence[str | None] | None = None
    source_row: Sequence[int | None] | None = None

    def __len__(self) -> int:
        return len(self.reference)

    @classmethod
    def from_inputs(cls, items: Sequence[PaymentInput]) -> PaymentColumns:
        """The same payments, given one by one as :class:`PaymentInput`."""
        return cls([i.reference for i in items], [i.commitment_reference for i in items],
                   [i.entry_date for i in items], [i.amount for i in items], [i.currency for i in items],
                   [i.amount_eur for i in items], [i.rate_used for i in items],
                   [i.source_sheet for i in items], [i.source_row for i in items])


def record_payments(uow: UnitOfWork, items: Sequence[PaymentInput], *, write: bool = True) -> BulkOutcome:
    """Record many payments with the checks of ``record_payment``, all or nothing.

    See :func:`record_payment_columns` (the same, for payments given as columns).
    """
    return record_payment_columns(uow, PaymentColumns.from_inputs(items), write=write)


def record_payment_columns(uow: UnitOfWork, cols: PaymentColumns, *, write: bool = True) -> BulkOutcome:
    """Record many payments with the checks of ``record_payment``, all or nothing.

    Every payment is checked, in this order (its first failure is its problem): reference,
    commitment, currency (that of the commitment), amount (exact, above zero), open year,
    duplicate, not beyond what is open on the commitment counting the earlier payments of
    the same call, and the EUR amount or the exchange rate of its date. When any payment
    is refused nothing is written and every refusal is returned (``ItemProblem.index`` is
    the position in ``cols``). Otherwise the payments go in with one ``executemany``,
    exchange differences are recorded for the foreign-currency commitments they settle,
    and warnings say when a year's payments exceed its payment credits.

    The checks run column by column: each distinct commitment, currency, date and rate is
    looked up once, and the payments that might fail a check (an empty reference, an
    unknown commitment, an amount with too many decimals...) are sent through the same
    checks one by one, so each refusal and its message are those of ``record_payment``.
    """
    from budget.errors import DuplicateEntryError, OverPaymentError

    out = BulkOutcome()
    n = len(cols.reference)
    refs = _trimmed(cols.reference)
    commitment_of = {c: str(c).strip() for c in set(cols.commitment_reference)}
    crefs = list(map(commitment_of.__getitem__, cols.commitment_reference))
    positions = _positions(uow, list(commitment_of.values()))
    existing, revisions = _payment_keys(uow, refs)
    closed = closed_years(uow)
    days = set(cols.entry_date)
    try:
        span = (min(days), max(days)) if days else None
    except TypeError:  # not all dates: the rate book holds every rate
        span = None
    book = _RateBook(uow, {p.currency for p in positions.values()}, span)
    rates = _QuoteCache(book)
    dates = cols.entry_date
    amounts = cols.amount
    given_eur = cols.amount_eur
    given_rate = cols.rate_used

    # --- stateless checks, screened column by column; suspects are checked one by one.
    pos_list = list(map(positions.get, crefs))
    currency_of = {ref: pos.currency for ref, pos in positions.items()}
    suspects: set[int] = set()
    if max(map(len, refs), default=1) > 120 or "" in refs:
        suspects.update(i for i, r in enumerate(refs) if not r or len(r) > 120)
    if len(positions) < len(commitment_of):  # some commitment is unknown
        suspects.update(i for i, pos in enumerate(pos_list) if pos is None)
    given_cur = cols.currency
    if None in given_cur or "" in given_cur:
        given_cur = [c or currency_of.get(r) for c, r in zip(given_cur, crefs, strict=True)]
    normal: dict[Any, str | None] = {}
    for c in set(given_cur):
        try:
            normal[c] = normalise_currency(c)
        except BudgetError:
            normal[c] = None
    curs: list[Any] = list(map(normal.__getitem__, given_cur))
    expected = list(map(currency_of.get, crefs))
    if curs != expected:
        suspects.update(i for i, (a, b) in enumerate(zip(curs, expected, strict=True)) if a != b)
    # Amounts in hundredths (what the Money column stores): exact when the truncated
    # hundredths equal the scaled amount. ``vals`` keeps the amounts as given (equal in
    # value to ``money``'s result, which only adds trailing zeros) for the arithmetic.
    vals: list[Any] = list(amounts)
    cents: list[Any] = [None] * n
    try:
        if set(map(type, amounts)) != {Decimal} or any(ALL_CURRENCIES.get(c, 2) != 2 for c in set(curs) if c):
            raise ArithmeticError
        scaled = list(map(Decimal.scaleb, amounts, repeat(2)))
        cents = list(map(int, scaled))
        if cents != scaled:
            suspects.update(i for i, (c, s) in enumerate(zip(cents, scaled, strict=True)) if c != s)
        if vals and min(cents) <= 0:
            suspects.update(i for i, c in enumerate(cents) if c <= 0)
    except (ArithmeticError, ValueError):  # not all finite Decimals in two-decimal currencies
        suspects.update(range(n))
    if closed:
        shut = {d for d in set(dates) if d.year in closed}
        if shut:
            suspects.update(i for i, d in enumerate(dates) if d in shut)
    errors: dict[int, tuple[str, BudgetError]] = {}
    for i in sorted(suspects):
        checked = _check_payment(refs[i], pos_list[i], given_cur[i], amounts[i], dates[i], closed,
                                 cols.commitment_reference[i])
        if isinstance(checked[1], BudgetError):
            errors[i] = (checked[0], checked[1])
        else:
            curs[i], vals[i] = checked
            cents[i] = _cents(vals[i])

    # --- conversion to EUR (its refusal comes after the duplicate and open-amount checks).
    eurs: list[Any] = list(vals)
    rate_list: list[Any] = [_PAR] * n
    rate_dates: list[Any] = [None] * n
    sources: list[Any] = ["par"] * n
    conv_errors: dict[int, tuple[str, BudgetError]] = {}
    # A EUR payment whose EUR amount is absent or the amount itself is at par (the default
    # above); the others are converted one by one.
    # (With ``map`` and ``compress``: no Python step per payment. A EUR amount read from
    # the same cell value as the amount is the very same object.)
    foreign = sorted({*compress(range(n), map(ne, curs, repeat("EUR"))),
                      *(i for i in compress(range(n), map(is_not, given_eur, vals))
                        if given_eur[i] is not None and given_eur[i] != vals[i])})
    for i in foreign:
        if i in errors:
            continue
        cur = curs[i]
        try:
            eurs[i], rate_list[i], rate_dates[i], sources[i] = _convert(
                rates, cur, vals[i], given_eur[i], given_rate[i] if given_rate is not None else None, dates[i])
        except BudgetError as exc:
            conv_errors[i] = ("amount_eur" if given_eur[i] is not None else "date", exc)

    # --- duplicates and open amounts: a plain sum per commitment when nothing can go wrong.
    totals: dict[str, Decimal] = {}
    clean = not errors and not conv_errors and len(set(refs)) == n and existing.isdisjoint(refs)
    if clean:
        totals = dict.fromkeys(commitment_of.values(), Decimal(0))
        # (files list the payments of a commitment together, as a rule: one sum per run)
        for c, run in groupby(zip(crefs, vals, strict=True), key=itemgetter(0)):
            totals[c] += sum(map(itemgetter(1), run))
        clean = all(t <= positions[c].committed - positions[c].paid for c, t in totals.items())
    settled: list[tuple[int, _Position, Decimal]] = []
    if clean:
        accepted: list[int] | None = None  # all of them
        full = [c for c, t in totals.items() if positions[c].currency != "EUR"
                and t == positions[c].committed - positions[c].paid]
        if full:
            # A payment that brings a foreign-currency commitment to zero settles it: the
            # last one of that commitment here (every amount is above zero).
            rows_of: dict[str, list[int]] = defaultdict(list)
            for i, c in enumerate(crefs):
                rows_of[c].append(i)
            for c in full:
                pos = positions[c]
                paid_eur = pos.paid_eur + sum((eurs[i] for i in rows_of[c]), Decimal(0))
                settled.append((rows_of[c][-1], pos, pos.committed_eur - paid_eur))
            settled.sort(key=itemgetter(0))  # in the order of the payments, as one by one
        for c, t in totals.items():
            positions[c].paid += t
    else:
        accepted = []
        seen: set[str] = set()
        for i in range(n):
            if i in errors:
                out.problems.append(ItemProblem(i, *errors[i]))
                continue
            ref = refs[i]
            if ref in existing or ref in seen:
                out.problems.append(ItemProblem(i, "reference", DuplicateEntryError(
                    f"Payment {ref} is already recorded.")))
                continue
            known = pos_list[i]
            assert known is not None
            pos = known
            value, cur = vals[i], curs[i]
            open_amount = pos.committed - pos.paid
            if value > open_amount:
                out.problems.append(ItemProblem(i, "amount", OverPaymentError(
                    f"Payment {ref} of {cur} {fmt(value)} exceeds the {cur} {fmt(open_amount)} open "
                    f"on commitment {pos.reference}.")))
                continue
            if i in conv_errors:
                out.problems.append(ItemProblem(i, *conv_errors[i]))
                continue
            seen.add(ref)
            if value == open_amount and cur != "EUR":
                settled.append((i, pos, pos.committed_eur - (pos.paid_eur + eurs[i])))
            pos.paid += value
            pos.paid_eur += eurs[i]
            accepted.append(i)
    if out.problems or not write:
        return out

    # --- the write: one executemany, then what depends on the payments being there.
    def pick(values: Sequence[Any]) -> Sequence[Any]:
        return values if accepted is None else [values[i] for i in accepted]

    id_of = {ref: pos.commitment_id for ref, pos in positions.items()}
    ab_of = {ref: (pos.ab_id, pos.ab_code) for ref, pos in positions.items()}
    kept_refs, kept_crefs, kept_dates = pick(refs), pick(crefs), pick(dates)
    kept_vals, kept_eurs = pick(vals), pick(eurs)
    amount_cents = pick(cents)
    if accepted is None:  # the EUR amount is the amount itself but where it was converted
        eur_cents = list(amount_cents)
        for i in foreign:
            if eurs[i] is not vals[i]:
                eur_cents[i] = _cents(eurs[i])
    else:
        eur_cents = [a if e is v else _cents(e) for a, e, v in zip(amount_cents, kept_eurs, kept_vals, strict=True)]
    # Rates as stored (decimal text): the one of a EUR payment at par once, the others each.
    to_text = _bind_processor(Payment.__table__.c.rate.type, uow.session.connection().dialect)
    par_text = to_text(_PAR) if to_text is not None else _PAR
    rate_texts: list[Any] = [par_text] * n
    for i in foreign:
        if rate_list[i] is not _PAR:
            rate_texts[i] = to_text(rate_list[i]) if to_text is not None else rate_list[i]
    kept_sources = pick(sources)
    columns: dict[str, Sequence[Any]] = {
        "reference": kept_refs, "entry_date": kept_dates,
        "commitment_id": list(map(id_of.__getitem__, kept_crefs)), "currency": pick(curs),
        "amount": amount_cents, "amount_eur": eur_cents, "rate": pick(rate_texts),
        "rate_date": pick(rate_dates), "rate_source": kept_sources,
        "source_row": pick(cols.source_row) if cols.source_row is not None else [None] * len(kept_refs),
    }
    constants: dict[str, Any] = {"reason": None, "reverses_id": None}
    if revisions:
        columns["revision"] = [revisions.get(r, -1) + 1 for r in kept_refs]
    else:
        constants["revision"] = 0
    if cols.source_sheet is None or isinstance(cols.source_sheet, str):
        constants["source_sheet"] = cols.source_sheet
    else:
        columns["source_sheet"] = pick(cols.source_sheet)
    # Payment credits per (AB, year): read before the insert, plus what this call pays.
    year_of = {d: d.year for d in set(kept_dates)}
    paying: dict[tuple[tuple[int, str], int], Decimal] = {}
    one_ab, one_year = {ab_of[c] for c in set(kept_crefs)}, set(year_of.values())
    if len(one_ab) == 1 and len(one_year) == 1:  # the usual file: one AB, one year
        paying[(one_ab.pop(), one_year.pop())] = sum(kept_eurs, Decimal(0))
    else:
        keys = zip(map(ab_of.__getitem__, kept_crefs), map(year_of.__getitem__, kept_dates), strict=True)
        for key, e in zip(keys, kept_eurs, strict=True):
            paying[key] = paying[key] + e if key in paying else e
    paid_before = {key: _paid_on(uow, key[0][0], key[1]) for key in paying}
    # EUR payments at par (most of a file, usually) share their currency, rate and source
    # and their EUR amount is the amount: those rows bind only what differs.
    at_par = (list(map(eq, kept_sources, repeat(_PAR_SOURCE))),
              {"currency": "EUR", "rate": par_text, "rate_date": None, "rate_source": "par"},
              {"amount_eur": "amount"})
    _insert_columns(uow, Payment, columns, constants, ready={"amount", "amount_eur", "rate"},
                    repeating={"entry_date", "rate_date"}, alike=at_par)
    out.written = len(kept_refs)
    uow.audit("record_payments", "payment", None, count=out.written)
    # Exchange differences: few (one per settled foreign-currency commitment), so the
    # single-row service function records them with its own availability handling.
    for index, pos, difference in settled:
        if difference == 0:
            continue
        payment = uow.session.scalar(entries.live(Payment, Payment.reference == refs[index]))
        commitment = uow.session.get(Commitment, pos.commitment_id)
        assert payment is not None and commitment is not None
        entries._record_exchange_difference(uow, commitment, payment, difference, dates[index])
        out.exchange_differences[refs[index]] = difference
    for key, amount in paying.items():
        (ab_id, ab_code), year = key
        credits = entries.credits_of(uow, ab_id, year, "payment")
        paid = paid_before[key] + amount
        if paid > credits:
            out.warnings.append(f"Payments of {year} on AB {ab_code} (EUR {fmt(paid)}) exceed its "
                                f"payment credits (EUR {fmt(credits)}).")
    return out


def _check_payment(ref: str, pos: _Position | None, given: Any, amount: Any, day: dt.date, closed: set[int],
                   commitment_reference: Any) -> tuple[str, BudgetError] | tuple[str, Decimal]:
    """The checks of one payment that need no running total, in ``record_payment``'s order.

    Returns (field, error) for the first one it fails, else (currency, amount).
    """
    from budget.errors import ClosedPeriodError

    if not ref or len(ref) > 120:
        try:
            ref = entries._reference(ref, "payment")
        except BudgetError as exc:
            return "reference", exc
    if pos is None:
        return "commitment", NotFoundError(f"No commitment {commitment_reference!r} is recorded.")
    try:
        cur = normalise_currency(given or pos.currency)
    except BudgetError as exc:
        return "currency", exc
    if cur != pos.currency:
        return "currency", ValidationError(
            f"Payment {ref} is in {cur} but commitment {pos.reference} is in {pos.currency}: "
            "pay in the commitment currency.")
    try:
        value = _money(amount, cur)
        if value <= 0:
            entries.positive(value, f"Payment {ref}: the amount")
    except BudgetError as exc:
        return "amount", exc
    if day.year in closed:
        return "date", ClosedPeriodError(f"Fiscal year {day.year} is closed: no entry can be added to it.")
    return cur, value


def _trimmed(references: Sequence[Any]) -> list[str]:
    """The references as texts without surrounding spaces (as ``record_payment`` reads them)."""
    if set(map(type, references)) == {str}:
        return list(map(str.strip, references))
    return [r.strip() if r.__class__ is str else str(r or "").strip() for r in references]


def _cents(value: Decimal) -> int:
    """Hundredths of an amount already checked to the cent (what a Money column stores)."""
    return int(value.scaleb(2))


def _paid_on(uow: UnitOfWork, ab_id: int, year: int) -> Decimal:
    """EUR paid in ``year`` on the commitments of one AB (as ``_payment_credit_warning`` sums it)."""
    paid = uow.session.scalar(
        select(func.coalesce(func.sum(Payment.amount_eur), 0))
        .join(Commitment, Commitment.id == Payment.commitment_id)
        .where(Commitment.ab_id == ab_id,
               Payment.entry_date >= dt.date(year, 1, 1),
               Payment.entry_date <= dt.date(year, 12, 31))
    )
    return Decimal(paid or 0)


class _QuoteCache:
    """The rate book's "last on or before" answers, each (currency, date) looked up once."""

    def __init__(self, book: _RateBook) -> None:
        self.book = book
        self.found: dict[tuple[str, dt.date], tuple[Decimal, dt.date, str] | None] = {}

    def on(self, currency: str, day: dt.date) -> tuple[Decimal, dt.date, str] | None:
        key = (currency, day)
        if key not in self.found:
            self.found[key] = self.book.on(currency, day)
        return self.found[key]


_PAR = Decimal(1)  # the rate of a EUR amount
_PAR_SOURCE = "par"


def _money(value: object, currency: str = "EUR") -> Decimal:
    """:func:`budget.money.money`, with a shortcut for what a parsed workbook nearly always
    holds: a finite Decimal already in whole cents, in a currency with two decimals.

    The result is the same (``money`` also returns the amount quantized to the cent); the
    shortcut only skips the second quantize and the checks it would repeat, 100,000 times.
    """
    if value.__class__ is Decimal and ALL_CURRENCIES.get(currency, 2) == 2 and value.is_finite():
        cents = value.quantize(CENT)
        if cents == value:
            return cents
    return money(value, currency)


def _convert(
    book: _RateBook | _QuoteCache, cur: str, value: Decimal, amount_eur: Decimal | None,
    rate_used: Decimal | None, entry_date: dt.date,
) -> tuple[Decimal, Decimal, dt.date | None, str]:
    """:func:`budget.services.fx.convert` with the stored rates preloaded in ``book``."""
    c = fx.convert(cur, value, entry_date, amount_eur=amount_eur, given_rate=rate_used,
                   lookup=lambda currency, day: fx.usable_quote(currency, day, book.on(currency, day)))
    return c.eur, c.rate, c.rate_date, c.source


# --------------------------------------------------------------------------- batches


def open_batch(
    uow: UnitOfWork,
    kind: str,
    file_name: str,
    sha256: str,
    *,
    rows_read: int = 0,
    rows_new: int = 0,
    rows_unchanged: int = 0,
    rows_conflict: int = 0,
    rows_corrected: int = 0,
    undoes_batch_id: int | None = None,
    note: str | None = None,
) -> int:
    """Record an import batch and tag the unit of work with it; return its id."""
    batch = ImportBatch(
        kind=kind, file_name=file_name[:300], sha256=sha256, created_by=uow.user,
        rows_read=rows_read, rows_new=rows_new, rows_unchanged=rows_unchanged,
        rows_conflict=rows_conflict, rows_corrected=rows_corrected,
        undoes_batch_id=undoes_batch_id, note=note,
    )
    uow.session.add(batch)
    uow.session.flush()
    uow.batch_id = batch.id
    uow.audit("import" if undoes_batch_id is None else "undo_import", "import_batch", batch.id,
              kind=kind, file=file_name, sha256=sha256, rows_new=rows_new)
    return batch.id


@dataclass(frozen=True)
class UndoOutcome:
    batch: int
    undone_batch: int
    reversed: dict[str, int]
    removed: dict[str, int]
    note: str = ""


_UNDO_ORDER: tuple[tuple[str, Any], ...] = (
    ("payment", Payment), ("adjustment", CommitmentAdjustment), ("commitment", Commitment),
    ("assessment", Assessment), ("credit", CreditMovement),
)


def undo_batch(uow: UnitOfWork, batch_id: int, *, reason: str | None = None) -> UndoOutcome:
    """Reverse every live entry a batch wrote, as a new batch that undoes it.

    Payments go first, then adjustments, commitments, assessments and credits, so the
    batch's own entries never block each other. Entries of *later* batches that stand on
    them (a payment on one of its commitments) block the undo: every one is named in the
    refusal, and nothing is written. Organisations the batch created are removed when
    nothing refers to them; rates it loaded are removed.

    Raises:
        NotFoundError: no such batch.
        DependentEntriesError: later entries depend on the batch, or it was already undone.
    """
    batch = uow.session.get(ImportBatch, batch_id)
    if batch is None:
        raise NotFoundError(f"No import batch {batch_id}.")
    if batch.undoes_batch_id is not None:
        raise ValidationError(
            f"Batch {batch_id} is itself an undo (of batch {batch.undoes_batch_id}); load the file again instead."
        )
    undone = uow.session.scalar(select(ImportBatch.id).where(ImportBatch.undoes_batch_id == batch_id))
    if undone is not None:
        raise DependentEntriesError(f"Batch {batch_id} was already undone by batch {undone}.")
    new_id = open_batch(uow, batch.kind, batch.file_name, batch.sha256, undoes_batch_id=batch_id,
                        note=reason or f"undo of batch {batch_id}")
    why = reason or f"undo of import batch {batch_id} ({batch.file_name})"
    blockers: list[str] = []
    counts: dict[str, int] = {}
    for entity, model in _UNDO_ORDER:
        conds = [model.batch_id == batch_id]
        if model is CommitmentAdjustment:
            conds.append(CommitmentAdjustment.kind == "adjustment")
        for entry in list(uow.session.scalars(entries.live(model, *conds).order_by(model.id.desc()))):
            try:
                with uow.session.begin_nested():
                    entries.reverse(uow, entity, entry.id, reason=why)
                counts[entity] = counts.get(entity, 0) + 1
            except BudgetError as exc:
                blockers.append(str(exc))
    removed: dict[str, int] = {}
    orgs = list(uow.session.scalars(select(Organisation).where(Organisation.batch_id == batch_id)))
    for org in orgs:
        used = [m.__tablename__ for m in (Assessment, Commitment)
                if uow.session.scalar(select(m.id).where(m.organisation_id == org.id).limit(1)) is not None]
        if used:
            blockers.append(f"Organisation {org.code} is used by {' and '.join(used)} entries: "
                            "it cannot be removed.")
        else:
            uow.session.delete(org)
            removed["organisation"] = removed.get("organisation", 0) + 1
    deleted: Any = uow.session.execute(delete(ExchangeRate).where(ExchangeRate.batch_id == batch_id))
    n_rates = deleted.rowcount
    if n_rates:
        removed["exchange_rate"] = n_rates
    if blockers:
        raise DependentEntriesError(
            f"Batch {batch_id} cannot be undone while later entries depend on it: "
            + " | ".join(blockers)
        )
    corrected = sum(
        int(uow.session.scalar(select(func.count()).select_from(model).where(
            model.batch_id == batch_id, model.reverses_id.is_not(None))) or 0)
        for _, model in _UNDO_ORDER
    )
    note = ""
    if corrected:
        # A reversal cannot itself be reversed: the entries this batch corrected stay
        # reversed. Loading the earlier file again records them anew (they are then new).
        note = (f"this batch had corrected {corrected} earlier entr{'y' if corrected == 1 else 'ies'}; "
                "they stay reversed: load the earlier file again to restore them")
    uow.session.flush()
    uow.audit("undo_import", "import_batch", batch_id, undo_batch=new_id, reversed=counts, removed=removed)
    return UndoOutcome(new_id, batch_id, counts, removed, note)
