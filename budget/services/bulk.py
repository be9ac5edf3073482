"""What imports read and write in bulk: facts about existing entries (for idempotent re-loads
and conflicts), the lookups a load reads once (payment references, the rate book), a fast
insert of many rows, and import batches with their undo. No rule lives here: the rules are
the services' (:mod:`budget.services.payments` applies them to many payments).
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from itertools import repeat
from operator import is_, itemgetter, methodcaller
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
from budget.services import entries, fx, reversals
from budget.uow import UnitOfWork

CHUNK = 900  # bound parameters per IN (...) list: well under SQLite's and PostgreSQL's limits


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --------------------------------------------------------------------------- fast insert


def fast_insert(uow: UnitOfWork, model: type, rows: Sequence[dict[str, Any]]) -> int:
    """Insert ``rows`` (dicts) into ``model``'s table: :func:`insert_columns` on their columns.

    A column no one of the first 50 rows carries takes its default in every row; a row
    leaving out a column the others carry takes the column's default.
    """
    if not rows:
        return 0
    table: Table = model.__table__  # type: ignore[attr-defined]
    defaults = _column_defaults(uow, table)
    columns: dict[str, list[Any]] = {}
    for key in set().union(*(r.keys() for r in rows[:50])):
        try:
            columns[key] = list(map(itemgetter(key), rows))
        except KeyError:  # some rows leave the column out: they take its default
            columns[key] = [r.get(key, defaults.get(key)) for r in rows]
    return insert_columns(uow, model, columns)


def insert_columns(uow: UnitOfWork, model: type, columns: Mapping[str, Sequence[Any]]) -> int:
    """Insert rows given as columns (position ``i`` of each is row ``i``) into ``model``'s
    table with one DBAPI ``executemany``; return how many.

    The column types' own bind processors convert the values (Money to cents, Rate to text,
    dates), so what is stored is exactly what the ORM would store; a column not given takes
    its default, provenance comes from the unit of work. The ORM's per-row bookkeeping is
    skipped: that is what made 200,000 ECB rates take 8 s instead of 2 s.
    """
    n = len(next(iter(columns.values()), ()))
    if not n:
        return 0
    table: Table = model.__table__  # type: ignore[attr-defined]
    bounds.check_columns(table, columns)
    conn = uow.session.connection()
    dialect = conn.dialect
    defaults = _column_defaults(uow, table)
    names: list[str] = []
    marks: list[str] = []
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    columns_values: list[Sequence[Any]] = []
    for c in table.columns:
        if c.primary_key:
            continue
        values = _column_values(c, columns.get(c.key), defaults[c.key], n, dialect)
        # A value every row shares is written once in the statement when it needs no
        # quoting rules (provenance, NULLs): fewer parameters for the driver to bind per row.
        first = values[0]
        literal = _literal(first) if first is values[-1] else None
        if literal is not None and not all(map(is_, values, repeat(first))):
            literal = None
        if literal is None:
            columns_values.append(values)
        names.append(c.name)
        marks.append(literal or mark)
    ids: Sequence[int]
    if dialect.name == "postgresql":
        # Ids taken from the table's sequence first, so the unit of work knows its rows
        # (other writers may insert into the table at the same time).
        ids = list(conn.scalars(select(func.nextval(func.pg_get_serial_sequence(table.name, "id")))
                                .select_from(func.generate_series(1, n))))
        columns_values.insert(0, ids)
        names.insert(0, "id")
        marks.insert(0, mark)
    else:
        before = conn.scalar(select(func.coalesce(func.max(table.c.id), 0)))
    params = list(zip(*columns_values, strict=True)) if columns_values else [()] * n
    quoted = ", ".join(dialect.identifier_preparer.quote(k) for k in names)
    sql = f"INSERT INTO {table.name} ({quoted}) VALUES ({', '.join(marks)})"
    conn.exec_driver_sql(sql, params)
    if dialect.name != "postgresql":
        # SQLite has one writer at a time: the rows above the previous highest id are these.
        ids = range(int(before or 0) + 1, int(conn.scalar(select(func.max(table.c.id))) or 0) + 1)
    uow.wrote(table.name, ids)
    return n


def _column_values(column: Any, given: Sequence[Any] | None, default: Any, n: int, dialect: Any) -> list[Any]:
    """What the driver takes for one column of ``n`` rows: the values given, else the
    column's default (converted once), through the column type's bind processor."""
    proc = _bind_processor(column.type, dialect)
    if given is None:
        return [proc(default) if proc is not None and default is not None else default] * n
    whole = getattr(column.type, "bind_column", None)  # a type converting a column at once (Money)
    if whole is not None:
        return whole(given)
    return _converted(given, proc) if proc is not None else list(given)


#: Texts that can stand in single quotes in SQL as they are (no quote, backslash, percent
#: or parameter sign can occur in them).
_PLAIN_TEXT = re.compile(r"[A-Za-z0-9 _.:-]{0,100}")


def _literal(value: Any) -> str | None:
    """SQL text for a value when writing it needs no quoting rules: NULL, an integer, a
    plain text (:data:`_PLAIN_TEXT`); None for any other value (it is then bound)."""
    if value is None:
        return "NULL"
    if value.__class__ is int:
        return str(value)
    if value.__class__ is str and _PLAIN_TEXT.fullmatch(value):
        return f"'{value}'"
    return None


def _converted(values: Sequence[Any], proc: Callable[[Any], Any]) -> list[Any]:
    """``proc`` over ``values`` (None stays None); when the column holds few distinct
    objects (a load's dates, rates, currencies), each is converted once.

    Keyed by object, not by value: ``Decimal("1")`` and ``Decimal("1.0")`` are equal but
    their texts differ.
    """
    sample = values[:1000]
    if 2 * len(set(map(id, sample))) > len(sample):  # mostly distinct (amounts): at once
        return [None if v is None else proc(v) for v in values]
    ids = list(map(id, values))
    distinct = dict(zip(ids, values, strict=True))
    done = {key: None if v is None else proc(v) for key, v in distinct.items()}
    return list(map(done.__getitem__, ids))


def _column_defaults(uow: UnitOfWork, table: Table) -> dict[str, Any]:
    """Each column's value when a row gives none: the unit of work's provenance, the
    column's scalar default, else None."""
    constants: dict[str, Any] = {"created_at": utcnow(), **uow.stamp()}
    defaults: dict[str, Any] = {}
    for c in table.columns:
        if c.key in constants:
            defaults[c.key] = constants[c.key]
        elif c.default is not None and getattr(c.default, "is_scalar", False):
            defaults[c.key] = getattr(c.default, "arg", None)
        else:
            defaults[c.key] = None
    return defaults


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


@dataclass(frozen=True)
class OrganisationFact:
    code: str
    name: str
    directorate: str
    currency: str
    ab: str | None
    body: str | None
    name_fr: str | None = None
    name_nl: str | None = None
    active: bool = True


def organisation_facts(uow: UnitOfWork) -> dict[str, OrganisationFact]:
    """Every organisation by code, with its reference data."""
    ab = aliased(BasicAllocation)
    stmt = select(Organisation.code, Organisation.name, Organisation.directorate_code,
                  Organisation.currency, ab.code, Organisation.body, Organisation.name_fr,
                  Organisation.name_nl, Organisation.active).outerjoin(ab, ab.id == Organisation.ab_id)
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
    base = (
        select(pay.c.id, pay.c.reference, pay.c.entry_date, com.c.reference, pay.c.currency,
               pay.c.amount, pay.c.amount_eur, pay.c.rate, pay.c.rate_source)
        .join(com, com.c.id == pay.c.commitment_id)
        .where(*entries.live_conditions(Payment))
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


# --------------------------------------------------------------------------- lookups for loads


def payment_keys(uow: UnitOfWork, references: Sequence[str]) -> tuple[set[str], dict[str, int]]:
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


def rate_book(uow: UnitOfWork, currencies: Iterable[str], days: Sequence[dt.date]) -> Callable[[str, dt.date], Any]:
    """The "rate of the day" lookup of :func:`budget.services.fx.convert` for a load: the
    stored rates of ``currencies`` those ``days`` can use, read once, each (currency, day)
    looked up once, under the same rule as one entry (:func:`budget.services.fx.usable_quote`)."""
    try:
        span = (min(days), max(days)) if days else None
    except TypeError:  # not all dates: the book holds every rate
        span = None
    cache = _QuoteCache(_RateBook(uow, currencies, span))
    return lambda currency, day: fx.usable_quote(currency, day, cache.on(currency, day))


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


def _named_outside(uow: UnitOfWork, model: Any, column: Any, row_id: int, batches: tuple[int, int]) -> str | None:
    """The table of ``model`` when one of its rows names ``row_id`` (by ``column``) outside
    ``batches`` (the batch undone and its undo), ``''`` when only rows of those batches do,
    None when none does."""
    mine = model.batch_id.is_not(None) & model.batch_id.in_(batches)
    found = uow.session.execute(select(mine).where(column == row_id).order_by(mine).limit(1)).first()
    if found is None:
        return None
    return "" if found[0] else str(model.__tablename__)


def _remove_reference(uow: UnitOfWork, batch_id: int, batches: tuple[int, int],
                      blockers: list[str]) -> dict[str, int]:
    """Remove the organisations and ABs batch ``batch_id`` created; retire (``active`` false)
    those that only its own, now reversed, entries name (they cannot be deleted: a reversal
    never is). An organisation named by entries of other batches blocks the undo; an AB
    named elsewhere stays as it is."""
    removed: dict[str, int] = {}

    def count(what: str) -> None:
        removed[what] = removed.get(what, 0) + 1

    for org in list(uow.session.scalars(select(Organisation).where(Organisation.batch_id == batch_id))):
        found = [_named_outside(uow, m, m.organisation_id, org.id, batches) for m in (Assessment, Commitment)]
        if any(found):
            blockers.append(f"Organisation {org.code} is used by {' and '.join(f for f in found if f)} "
                            "entries: it cannot be removed.")
        elif "" in found:
            org.active = False
            count("organisation retired")
        else:
            uow.session.delete(org)
            count("organisation")
    uow.session.flush()
    for ab in list(uow.session.scalars(select(BasicAllocation).where(BasicAllocation.batch_id == batch_id))):
        found = [_named_outside(uow, m, m.ab_id, ab.id, batches) for m in (CreditMovement, Commitment, Organisation)]
        if any(found):
            continue
        if "" in found:
            ab.active = False
            count("basic_allocation retired")
        else:
            uow.session.delete(ab)
            count("basic_allocation")
    return removed


def undo_batch(uow: UnitOfWork, batch_id: int, *, reason: str | None = None) -> UndoOutcome:
    """Reverse every live entry a batch wrote, as a new batch that undoes it.

    Payments go first, then adjustments, commitments, assessments and credits, so the
    batch's own entries never block each other. Entries of *later* batches that stand on
    them (a payment on one of its commitments) block the undo: every one is named in the
    refusal, and nothing is written. Organisations and ABs the batch created are removed
    when nothing refers to them, retired when only its own reversed entries do; rates it
    loaded are removed.

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
                    reversals.reverse(uow, entity, entry.id, reason=why)
                counts[entity] = counts.get(entity, 0) + 1
            except BudgetError as exc:
                blockers.append(str(exc))
    removed = _remove_reference(uow, batch_id, (batch_id, new_id), blockers)
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
