"""Open items: the projections that let "what is still to pay" be read without the history.

Entries are never updated, so what is open on a commitment or an assessment line is a sum
over its whole history. Summing a twenty-year ledger of a million entries for every page
cost seconds; the open items are a few thousand. Projection tables hold them:

- ``open_commitment_item``: each live commitment with an open amount, with its running
  committed / paid sums (commitment currency and EUR);
- ``open_assessment_item``: each assessment line (organisation, reference, currency) not fully
  paid, with assessed / paid sums, due date and fiscal year;
- ``ledger_total``: the entries' sums per year, kind, organisation, AB, currency and month;
- ``assessment_settlement``: the days each assessment was paid (:mod:`budget.services.settlement`).

They are **derived, never edited by hand**: :func:`refresh` recomputes, from the entries, the
rows touched by the entries a unit of work wrote (it notes their ids), in its transaction,
just before it commits (:meth:`budget.uow.UnitOfWork.commit`), so a row is always what the
full query over the entries gives, whatever path wrote them. :func:`rebuild` recomputes
everything (migrations, the synthetic benchmark ledger, ``budget db rebuild-balances``);
:func:`verify` compares them with a full recomputation (``budget db check-balances``).

What "open" means is one statement per kind of item, in :mod:`budget.services.open_sums`;
the projections are kept equal to it. Reading "as of" a past date uses the projections too:
the items touched by entries dated after that date are recomputed as of the date with the
same statements, the others are the same as today. A report for last
month therefore reads one month of changes, not twenty years.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    Table,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    tuple_,
    type_coerce,
    union,
    union_all,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from budget.ledger.models import (
    Assessment,
    AssessmentLine,
    Commitment,
    CommitmentAdjustment,
    CreditMovement,
    LedgerTotal,
    OpenAssessmentItem,
    OpenCommitmentItem,
    Payment,
    charged_year,
)
from budget.ledger.months import entry_month, entry_year
from budget.ledger.types import Money
from budget.services import settlement
from budget.services.open_sums import as_money, assessment_sums, commitment_sums

if TYPE_CHECKING:
    from budget.uow import UnitOfWork

#: Entry tables whose new rows can change an open item.
WATCHED = (Assessment, Commitment, CommitmentAdjustment, Payment, CreditMovement)

def _table(model: Any) -> Table:
    """A mapped class's table, typed as one (``__table__`` is a plain FromClause to mypy)."""
    table: Table = model.__table__
    return table


# --------------------------------------------------------------------------- what changed


def _changed_commitments(window: Any) -> Any:
    """Commitments touched by the new commitments (and the ones they reverse) or adjustments
    selected by ``window``; new payments are handled apart (:func:`_new_payments`)."""
    return union(
        select(Commitment.id).where(window(Commitment)),
        select(Commitment.reverses_id).where(window(Commitment), Commitment.reverses_id.is_not(None)),
        select(CommitmentAdjustment.commitment_id).where(window(CommitmentAdjustment)),
    )


def _changed_assessments(window: Any) -> Any:
    """(organisation_id, reference) of the new assessments selected by ``window``."""
    return select(Assessment.organisation_id, Assessment.reference).where(window(Assessment)).distinct()


@dataclass
class _Paid:
    amount: int = 0
    eur: int = 0
    entries: int = 0
    reversal: bool = False

    def add(self, amount: int, eur: int, entries: int, reversal: bool) -> None:
        self.amount += amount
        self.eur += eur
        self.entries += entries
        self.reversal = self.reversal or reversal


def _new_payments(session: Session, windows: list[Any]) -> tuple[list[Any], list[Any]]:
    """The new payments summed in SQL per (commitment, currency, reversal, month), then
    folded per (commitment, currency, reversal) for the open items and per (commitment,
    month) for the totals: a load of 100,000 payments on a thousand commitments is a few
    thousand rows for Python. Amounts in integer cents."""
    is_rev = case((Payment.reverses_id.is_(None), 0), else_=1)
    month = entry_month(Payment.entry_date)
    per_item: dict[tuple[int, str, bool], list[int]] = defaultdict(lambda: [0, 0, 0])
    per_month: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for window in windows:
        # Core, not the ORM session: tens of thousands of plain rows, no entities to load.
        rows = session.connection().execute(
            select(Payment.commitment_id, Payment.currency, is_rev, month,
                   type_coerce(func.sum(Payment.amount), BigInteger),
                   type_coerce(func.sum(Payment.amount_eur), BigInteger), func.count())
            .where(window(Payment))
            .group_by(Payment.commitment_id, Payment.currency, is_rev, month))
        for cid, cur, rev, m, a, e, n in rows:
            for acc in (per_item[(cid, cur, bool(rev))], per_month[(cid, int(m))]):
                acc[0] += int(a)
                acc[1] += int(e)
                acc[2] += int(n)
    return ([(*k, *v) for k, v in per_item.items()], [(*k, *v) for k, v in per_month.items()])


def _in_chunks(session: Session, stmt_for: Any, items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for chunk in _chunks(items):
        out.extend(session.execute(stmt_for(chunk)))
    return out


def _apply_payments(
    session: Session, groups: tuple[list[Any], list[Any]], recompute_ids: set[int], recompute_keys: set[Any]
) -> None:
    """Add new payments to the projections without re-reading the commitments' history.

    Payments only add to sums, so an open item's paid amounts grow by exactly the new
    payments (settled items leave the projection). Items a payment reversal touches, items
    also touched by other new entries, and items not in the projection are recomputed from
    the entries instead (added to ``recompute_ids`` / ``recompute_keys``).
    """
    per_item, per_month = groups
    per_commitment: dict[int, _Paid] = defaultdict(_Paid)
    for cid, _cur, rev, amount, eur, n in per_item:
        per_commitment[cid].add(amount, eur, n, rev)
    ids = sorted(per_commitment)
    facts = {r[0]: r[1:] for r in _in_chunks(session, lambda chunk: select(
        Commitment.id, Commitment.fiscal_year, Commitment.organisation_id, Commitment.ab_id,
        Commitment.currency, Assessment.organisation_id, Assessment.reference)
        .outerjoin(Assessment, Assessment.id == Commitment.assessment_id)
        .where(Commitment.id.in_(chunk)), ids)}

    # Open commitments.
    simple = {cid: p for cid, p in per_commitment.items() if not p.reversal and cid not in recompute_ids}
    recompute_ids.update(cid for cid in per_commitment if cid not in simple)
    table = _table(OpenCommitmentItem)
    present = {r[0] for r in _in_chunks(session, lambda chunk: select(table.c.commitment_id).where(
        table.c.commitment_id.in_(chunk)), sorted(simple))}
    recompute_ids.update(cid for cid in simple if cid not in present)
    if present:
        session.execute(
            update(table).where(table.c.commitment_id == bindparam("cid"))
            .values(paid=table.c.paid + bindparam("amount", type_=Money),
                    paid_eur=table.c.paid_eur + bindparam("eur", type_=Money)),
            [{"cid": cid, "amount": _decimal(simple[cid].amount), "eur": _decimal(simple[cid].eur)}
             for cid in sorted(present)],
            execution_options={"synchronize_session": False},
        )
        for chunk in _chunks(sorted(present)):
            session.execute(delete(table).where(table.c.commitment_id.in_(chunk),
                                                table.c.committed == table.c.paid))

    # Open assessment lines: paid in a currency on commitments linked to the assessment.
    per_line: dict[tuple[int, str, str], _Paid] = defaultdict(_Paid)
    for cid, cur, rev, amount, eur, n in per_item:
        org, ref = facts[cid][4], facts[cid][5]
        if org is not None:
            per_line[(org, ref, cur)].add(amount, eur, n, rev)
    touched = {(org, ref) for org, ref, _ in per_line}
    unsafe = {(org, ref) for (org, ref, _), p in per_line.items() if p.reversal} | (touched & recompute_keys)
    simple_lines = {k: p for k, p in per_line.items() if (k[0], k[1]) not in unsafe}
    recompute_keys.update(unsafe)
    items = _table(OpenAssessmentItem)
    key = tuple_(items.c.organisation_id, items.c.reference, items.c.currency)
    present_lines = {tuple(r) for r in _in_chunks(session, lambda chunk: select(
        items.c.organisation_id, items.c.reference, items.c.currency).where(key.in_(chunk)),
        sorted(simple_lines))}
    recompute_keys.update((k[0], k[1]) for k in simple_lines if k not in present_lines)
    if present_lines:
        session.execute(
            update(items).where(items.c.organisation_id == bindparam("oid"),
                                items.c.reference == bindparam("ref"),
                                items.c.currency == bindparam("cur"))
            .values(paid=items.c.paid + bindparam("amount", type_=Money)),
            [{"oid": k[0], "ref": k[1], "cur": k[2], "amount": _decimal(simple_lines[k].amount)}
             for k in sorted(present_lines)],
            execution_options={"synchronize_session": False},
        )
        for chunk in _chunks(sorted(present_lines)):
            session.execute(delete(items).where(key.in_(chunk), items.c.assessed <= items.c.paid))

    # Totals: paid (the commitment's year) and paid in year (the payment's calendar year),
    # both under the payment's month.
    totals: dict[tuple[Any, ...], _Paid] = defaultdict(_Paid)
    for cid, month, amount, eur, n in per_month:
        fy, org, ab, ccur = facts[cid][0], facts[cid][1], facts[cid][2], facts[cid][3]
        totals[(fy, "paid", org, ab, ccur, month)].add(amount, eur, n, False)
        totals[(month // 100, "paid_in_year", org, ab, ccur, month)].add(amount, eur, n, False)
    _upsert_totals(session, [
        {**dict(zip(_TOTAL_KEY, k, strict=True)), "amount": _decimal(p.amount),
         "amount_eur": _decimal(p.eur), "entries": p.entries}
        for k, p in sorted(totals.items(), key=lambda kv: tuple(map(str, kv[0])))])


def _decimal(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


# --------------------------------------------------------------------------- upkeep


#: Entry tables whose new rows change the projections.
WATCHED_TABLES = tuple(_table(m).name for m in WATCHED)

#: The ``ledger_total`` kinds each entry table feeds (payments: by :func:`_apply_payments`).
_KINDS_OF = {"commitment": ("commitment",), "commitment_adjustment": ("adjustment",),
             "assessment": ("assessed",), "credit_movement": ("credit_commitment", "credit_payment"),
             "payment": ()}

#: Most id runs in one window: each is a ``BETWEEN`` in an ``OR`` (SQLite bounds the depth
#: of an expression at 1,000).
_RUNS_PER_WINDOW = 200


def id_runs(ids: Any) -> list[tuple[int, int]]:
    """Sorted ids as runs of consecutive ids: ``[1, 2, 3, 7]`` -> ``[(1, 3), (7, 7)]``."""
    ordered = sorted(set(ids))
    if ordered and ordered[-1] - ordered[0] + 1 == len(ordered):
        return [(ordered[0], ordered[-1])]  # one run, as a bulk insert writes: no walk needed
    runs: list[tuple[int, int]] = []
    for i in ordered:
        if runs and i == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def _windows(table: str, ids: Any) -> list[Any]:
    """Conditions selecting exactly the rows ``ids`` of ``table`` (a few, however many ids:
    a bulk insert is one run), each usable as ``window(model)`` in the queries here."""
    runs = id_runs(ids)
    out = []
    for start in range(0, len(runs), _RUNS_PER_WINDOW):
        chunk = runs[start:start + _RUNS_PER_WINDOW]

        def window(model: Any, chunk: list[tuple[int, int]] = chunk) -> ColumnElement[bool]:
            if _table(model).name != table:
                return literal(False)
            return or_(*(model.id.between(lo, hi) if lo < hi else model.id == lo for lo, hi in chunk))

        out.append(window)
    return out


def refresh(uow: UnitOfWork, written: Mapping[str, Collection[int]]) -> None:
    """Bring the projections up to date with the entries a unit of work wrote (``written``:
    ids per table), in its transaction, just before it commits.

    The open items those entries touch are recomputed from the entries (or, for plain new
    payments, added to), and the entries' sums are added to ``ledger_total``. The touched
    organisations are locked first (:meth:`budget.uow.UnitOfWork.lock`), so two writers of
    one organisation update its items one after the other, each reading what the other
    committed; the totals are added with ``INSERT ... ON CONFLICT DO UPDATE``, safe side by side.
    """
    session = uow.session
    windows = {t: _windows(t, written[t]) for t in WATCHED_TABLES if written.get(t)}
    if not windows:
        return
    recompute_ids: set[int] = set()
    recompute_keys: set[Any] = set()
    for table in ("commitment", "commitment_adjustment"):
        for window in windows.get(table, []):
            recompute_ids.update(i for i in session.scalars(_changed_commitments(window)) if i is not None)
    for window in windows.get("assessment", []):
        recompute_keys.update(tuple(k) for k in session.execute(_changed_assessments(window)))
    payments = _new_payments(session, windows["payment"]) if "payment" in windows else None
    paid_ids = {item[0] for item in payments[0]} if payments is not None else set()
    uow.lock(organisations={*_organisations_of(session, recompute_ids | paid_ids),
                            *(key[0] for key in recompute_keys)})
    if payments is not None:
        _apply_payments(session, payments, recompute_ids, recompute_keys)
    ids, keys = sorted(recompute_ids), sorted(recompute_keys)
    settlement.replace(session, {*keys, *(k for w in windows.get("payment", []) for k in
                                          settlement.touched_by_payments(session, w))})
    for chunk in _chunks(ids):
        _replace_commitments(session, select(Commitment.id).where(Commitment.id.in_(chunk)))
    for chunk in _chunks(keys):
        _replace_assessments(session, select(Assessment.organisation_id, Assessment.reference)
                             .where(tuple_(Assessment.organisation_id, Assessment.reference).in_(chunk))
                             .distinct())
    for table, table_windows in windows.items():
        skip = tuple(k for k in _ALL_KINDS if k not in _KINDS_OF[table])
        if len(skip) < len(_ALL_KINDS):
            for window in table_windows:
                _add_totals(session, window, skip=skip)


def _organisations_of(session: Session, commitment_ids: set[int]) -> set[int]:
    return {org for chunk in _chunks(sorted(commitment_ids)) for org in session.scalars(
        select(Commitment.organisation_id).where(Commitment.id.in_(chunk)).distinct())}


def _chunks(items: list[Any], size: int = 2000) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _replace_commitments(session: Session, ids: Any) -> None:
    table = _table(OpenCommitmentItem)
    stmt = delete(table)
    if ids is not None:
        stmt = stmt.where(table.c.commitment_id.in_(ids))
    session.execute(stmt)
    sums = commitment_sums(None, None if ids is None else ids.subquery()).subquery()
    session.execute(insert(table).from_select(
        ["commitment_id", "committed", "committed_eur", "paid", "paid_eur"],
        select(sums.c.commitment_id, sums.c.committed, sums.c.committed_eur, sums.c.paid, sums.c.paid_eur),
    ))


def _replace_assessments(session: Session, keys: Any) -> None:
    table = _table(OpenAssessmentItem)
    stmt = delete(table)
    if keys is not None:
        stmt = stmt.where(tuple_(table.c.organisation_id, table.c.reference).in_(keys))
    session.execute(stmt)
    sums = assessment_sums(None, None if keys is None else keys.subquery()).subquery()
    cols = ["organisation_id", "reference", "currency", "fiscal_year", "due_date", "assessed",
            "assessed_eur", "paid"]
    session.execute(insert(table).from_select(cols, select(*(sums.c[c] for c in cols))))


def rebuild(session: Session, parts: tuple[str, ...] = ("open_items", "totals", "settlement")) -> None:
    """Recompute the projections from the entries (their source of truth).

    ``parts``: which ones (a migration rebuilds the tables it creates; the later ones do not
    exist yet at its revision).
    """
    session.flush()
    _lock_projections(session, parts)
    if "open_items" in parts:
        _replace_commitments(session, None)
        _replace_assessments(session, None)
    if "totals" in parts:
        session.execute(delete(_table(LedgerTotal)))
        _add_totals(session, _all)
    if "settlement" in parts:
        settlement.replace(session, None)


def _lock_projections(session: Session, parts: tuple[str, ...]) -> None:
    # PostgreSQL: a rebuild waits for the writers updating the projections to commit, and
    # they wait for it; each then sees the other's work (SQLite: one writer at a time).
    if session.get_bind().dialect.name == "postgresql":
        tables = [*(["open_commitment_item", "open_assessment_item"] if "open_items" in parts else []),
                  *(["ledger_total"] if "totals" in parts else []),
                  *(["assessment_settlement"] if "settlement" in parts else [])]
        session.execute(text(f"LOCK TABLE {', '.join(tables)} IN EXCLUSIVE MODE"))


@dataclass(frozen=True)
class Difference:
    """A projection row that differs from the entries' full recomputation."""

    table: str
    key: tuple[Any, ...]
    stored: tuple[Any, ...] | None
    expected: tuple[Any, ...] | None

    def __str__(self) -> str:
        return f"{self.table} {self.key}: stored {self.stored}, entries give {self.expected}"


def verify(session: Session) -> list[Difference]:
    """Every difference between the projections and a full recomputation (none: consistent)."""
    out: list[Difference] = []
    checks: list[tuple[str, Any, Any, int]] = [
        ("open_commitment_item", select(OpenCommitmentItem.commitment_id, OpenCommitmentItem.committed,
                                        OpenCommitmentItem.committed_eur, OpenCommitmentItem.paid,
                                        OpenCommitmentItem.paid_eur),
         commitment_sums(), 1),
        ("open_assessment_item", select(
            OpenAssessmentItem.organisation_id, OpenAssessmentItem.reference, OpenAssessmentItem.currency,
            OpenAssessmentItem.fiscal_year, OpenAssessmentItem.due_date, OpenAssessmentItem.assessed,
            OpenAssessmentItem.assessed_eur, OpenAssessmentItem.paid),
         assessment_sums(), 3),
    ]
    expected_totals = union_all(*total_sources(_all)).subquery()
    checks.append(("ledger_total", select(*(_table(LedgerTotal).c[c] for c in _TOTAL_COLUMNS)),
                   select(*(expected_totals.c[c] for c in _TOTAL_COLUMNS)), len(_TOTAL_KEY)))
    for name, stored_q, expected_q, width in checks:
        stored = {tuple(r[:width]): tuple(r[width:]) for r in session.execute(stored_q)}
        expected = {tuple(r[:width]): tuple(r[width:]) for r in session.execute(expected_q)}
        for key in sorted(stored.keys() | expected.keys(), key=str):
            if stored.get(key) != expected.get(key):
                out.append(Difference(name, key, stored.get(key), expected.get(key)))
    return out + [Difference("assessment_settlement", *d) for d in settlement.differences(session)]


# --------------------------------------------------------------------------- ledger totals


def total_sources(window: Any, skip: tuple[str, ...] = ()) -> list[Select[Any]]:
    """Per kind, the entries' sums grouped as in ``ledger_total``.

    ``window(model)`` is the condition on each entry table selecting the entries summed
    (new ids for the upkeep, a date range for "as of" corrections, ``True`` for all).
    Columns: fiscal_year, kind, organisation_id, ab_id, currency, entry_month (``yyyymm`` of
    the entry's date), amount, amount_eur, entries (how many entry rows: a group exists as
    of a date while it counts some). ``skip``: kinds left out.
    """
    zero = literal(0, Integer)
    p_year = entry_year(Payment.entry_date)
    p_month = entry_month(Payment.entry_date)

    def grouped(fy: Any, kind: str, org: Any, ab: Any, cur: Any, month: Any,
                amount: Any, eur: Any) -> Select[Any]:
        # Grouped by the expressions, not their labels: PostgreSQL would read a label that
        # is also a column name (``fiscal_year``) as the column.
        return (select(fy.label("fiscal_year"), literal(kind).label("kind"), org.label("organisation_id"),
                       ab.label("ab_id"), cur.label("currency"), month.label("entry_month"),
                       as_money(func.sum(amount)).label("amount"), as_money(func.sum(eur)).label("amount_eur"),
                       func.count().label("entries"))
                .group_by(*(e for e in (fy, org, ab, cur, month) if not isinstance(e, BindParameter))))

    sources = [
        grouped(Commitment.fiscal_year, "commitment", Commitment.organisation_id, Commitment.ab_id,
                Commitment.currency, entry_month(Commitment.entry_date), Commitment.amount,
                Commitment.amount_eur)
        .where(window(Commitment)),
        grouped(charged_year(), "adjustment", Commitment.organisation_id, Commitment.ab_id,
                Commitment.currency, entry_month(CommitmentAdjustment.entry_date),
                CommitmentAdjustment.amount, CommitmentAdjustment.amount_eur)
        .select_from(CommitmentAdjustment)
        .join(Commitment, Commitment.id == CommitmentAdjustment.commitment_id)
        .where(window(CommitmentAdjustment)),
        grouped(Commitment.fiscal_year, "paid", Commitment.organisation_id, Commitment.ab_id,
                Commitment.currency, p_month, Payment.amount, Payment.amount_eur)
        .select_from(Payment).join(Commitment, Commitment.id == Payment.commitment_id)
        .where(window(Payment)),
        grouped(p_year, "paid_in_year", Commitment.organisation_id, Commitment.ab_id,
                Commitment.currency, p_month, Payment.amount, Payment.amount_eur)
        .select_from(Payment).join(Commitment, Commitment.id == Payment.commitment_id)
        .where(window(Payment)),
        # ``+ 0``: grouping on the bare year made SQLite walk the year index over the whole
        # table rather than the date index over the few entries of an "as of" correction.
        grouped(Assessment.fiscal_year + 0, "assessed", Assessment.organisation_id, zero,
                AssessmentLine.currency, entry_month(Assessment.entry_date), AssessmentLine.amount,
                AssessmentLine.amount_eur)
        .select_from(AssessmentLine).join(Assessment, Assessment.id == AssessmentLine.assessment_id)
        .where(window(Assessment)),
        *(grouped(CreditMovement.fiscal_year, f"credit_{kind}", zero, CreditMovement.ab_id,
                  literal("EUR"), entry_month(CreditMovement.entry_date), CreditMovement.amount,
                  CreditMovement.amount)
          .where(window(CreditMovement), CreditMovement.credit_type == kind)
          for kind in ("commitment", "payment")),
    ]
    return [q for kind, q in zip(_ALL_KINDS, sources, strict=True) if kind not in skip]


_ALL_KINDS = ("commitment", "adjustment", "paid", "paid_in_year", "assessed", "credit_commitment",
              "credit_payment")
_TOTAL_KEY = ["fiscal_year", "kind", "organisation_id", "ab_id", "currency", "entry_month"]
_TOTAL_COLUMNS = [*_TOTAL_KEY, "amount", "amount_eur", "entries"]


def _upsert(session: Session) -> Any:
    """``INSERT ... ON CONFLICT DO UPDATE`` adding to ``ledger_total`` (SQLite or PostgreSQL)."""
    table = _table(LedgerTotal)
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
    return table, upsert


def _on_conflict_add(stmt: Any, table: Any) -> Any:
    return stmt.on_conflict_do_update(
        index_elements=_TOTAL_KEY,
        set_={"amount": table.c.amount + stmt.excluded.amount,
              "amount_eur": table.c.amount_eur + stmt.excluded.amount_eur,
              "entries": table.c.entries + stmt.excluded.entries},
    )


def _add_totals(session: Session, window: Any, *, skip: tuple[str, ...] = ()) -> None:
    """Add the sums of the entries selected by ``window`` to ``ledger_total`` (upsert);
    ``skip``: kinds left out."""
    table, upsert = _upsert(session)
    for source in total_sources(window, skip):
        sub = source.subquery()
        # ``WHERE true``: SQLite needs a WHERE before ON CONFLICT to parse INSERT ... SELECT.
        stmt = upsert(table).from_select(_TOTAL_COLUMNS, select(*(sub.c[c] for c in _TOTAL_COLUMNS))
                                         .where(literal(True)))
        session.execute(_on_conflict_add(stmt, table))


def _upsert_totals(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        table, upsert = _upsert(session)
        session.execute(_on_conflict_add(upsert(table), table), rows)


def _all(model: Any) -> ColumnElement[bool]:
    return literal(True)


def latest_entry_date(session: Session) -> dt.date | None:
    """The latest entry date in the ledger (each table's date index: a few page reads).

    Figures "as of" a date on or after it are the maintained totals as they stand.
    """
    days = [session.scalar(select(func.max(m.entry_date))) for m in WATCHED]
    found = [d if isinstance(d, dt.date) else dt.date.fromisoformat(d) for d in days if d is not None]
    return max(found) if found else None
