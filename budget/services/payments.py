"""Payments: the rules of one payment, applied alike by the one-row service and the bulk load.

A payment settles (part of) a commitment in the commitment's currency, never beyond what is
open on it, in an open fiscal year, at the rate of its own date (or a rate or EUR amount
given). When it brings a foreign-currency commitment to zero, the difference between the EUR
committed and the EUR paid is realised as an exchange difference. The one-row path
(:func:`record_payment`) and the bulk path (:func:`record_payment_columns`, 100,000-row
files) read the same :class:`Position` and call the same rule functions, a payment's
refusal being the first it meets in this order: :func:`payment_terms`, the duplicate check,
:func:`check_within_open`, :func:`budget.services.fx.convert`, :func:`settlement_difference`.
:func:`payment_terms` and the conversion take columns (one payment is a column of one); the
checks that run over the earlier payments go row after row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import func, select

from budget import bounds
from budget.errors import (
    BudgetError,
    ClosedPeriodError,
    DuplicateEntryError,
    NotFoundError,
    OverPaymentError,
    ValidationError,
)
from budget.ledger.models import Commitment, Payment
from budget.money import checked, fmt, money_column, normalise_currency, positive
from budget.services import entries, fx
from budget.services.bulk import closed_years, insert_columns, payment_keys, rate_book
from budget.services.positions import CHUNK, Position, positions
from budget.uow import UnitOfWork


def live_positions(uow: UnitOfWork, references: Sequence[str]) -> dict[str, Position]:
    """The positions of the live commitments with these references (unknown ones are absent),
    their organisations locked first (:meth:`budget.uow.UnitOfWork.lock`), so the positions
    stay true until the payments are written."""
    refs = sorted(set(references))
    found: list[Any] = []
    for start in range(0, len(refs), CHUNK):
        found += uow.session.execute(entries.live(Commitment, Commitment.reference.in_(refs[start:start + CHUNK]))
                                     .with_only_columns(Commitment.id, Commitment.organisation_id)).all()
    if uow.write:
        uow.lock(organisations=[org for _, org in found])
    return {p.reference: p for p in positions(uow, [cid for cid, _ in found]).values()}


def _refused(error: BudgetError, field_name: str) -> BudgetError:
    error.field = field_name
    return error


@dataclass
class Terms:
    """What :func:`payment_terms` settles for a column of payments: position ``i`` holds
    payment ``i``'s reference, currency and amount, unless ``refused`` holds its refusal."""

    references: list[str | None]
    currencies: list[str | None]
    amounts: list[Decimal | None]
    refused: dict[int, BudgetError]

    def one(self, index: int = 0) -> tuple[str, str, Decimal]:
        """Payment ``index``'s (reference, currency, amount); its refusal raised."""
        if index in self.refused:
            raise self.refused[index]
        ref, cur, value = self.references[index], self.currencies[index], self.amounts[index]
        assert ref is not None and cur is not None and value is not None
        return ref, cur, value


def payment_terms(
    references: Sequence[object], positions: Sequence[Position | None], commitment_references: Sequence[object],
    currencies: Sequence[object], amounts: Sequence[object], days: Sequence[dt.date], closed: Container[int],
    max_amount: Decimal | None = None,
) -> Terms:
    """The checks of payments that need no running total (one payment, as a column of one,
    or a load's column), in order: reference, commitment, currency (the commitment's),
    amount (exact, above zero), open year. ``max_amount``: ``BUDGET_MAX_AMOUNT`` already
    read (a load reads it once). Each refusal is the first check a payment fails, its
    ``field`` set.
    """
    n = len(references)
    out = Terms([None] * n, [None] * n, [None] * n, {})
    codes: dict[object, str] = {}  # each currency as written, once normalised
    for i, (reference, position, currency) in enumerate(zip(references, positions, currencies, strict=True)):
        try:
            try:
                out.references[i] = ref = entries.clean_reference(reference, "payment")
            except BudgetError as exc:
                raise _refused(exc, "reference") from None
            if position is None:
                raise _refused(NotFoundError(f"No commitment {commitment_references[i]!r} is recorded."), "commitment")
            written = currency or position.currency
            cur = codes.get(written) or _currency(written)
            codes[written] = cur
            if cur != position.currency:
                raise _refused(ValidationError(
                    f"Payment {ref} is in {cur} but commitment {position.reference} is in {position.currency}: "
                    "pay in the commitment currency."), "currency")
            out.currencies[i] = cur
        except BudgetError as exc:
            out.refused[i] = exc
    _amounts_and_years(out, amounts, days, closed, max_amount)
    return out


def _amounts_and_years(terms: Terms, amounts: Sequence[object], days: Sequence[dt.date], closed: Container[int],
                       max_amount: Decimal | None) -> None:
    """The last checks of :func:`payment_terms`: the amount, then the year, of the payments
    not refused yet (their amounts checked as one column)."""
    at: Sequence[int] = range(len(amounts))
    values, currencies = amounts, terms.currencies
    if terms.refused:
        at = [i for i in at if i not in terms.refused]
        values, currencies = [amounts[i] for i in at], [terms.currencies[i] for i in at]
    # The payments not refused yet all have their currency.
    exact = money_column(values, cast("list[str]", currencies), limit=max_amount)
    for i, value in zip(at, exact, strict=True):
        try:
            try:
                terms.amounts[i] = positive(checked(value), f"Payment {terms.references[i]}: the amount")
            except BudgetError as exc:
                raise _refused(exc, "amount") from None
            if days[i].year in closed:
                raise _refused(ClosedPeriodError(f"Fiscal year {days[i].year} is closed: no entry can be added to it."),
                               "date")
        except BudgetError as exc:
            terms.refused[i] = exc
            terms.amounts[i] = terms.currencies[i] = None


def _currency(written: object) -> str:
    try:
        return normalise_currency(written)
    except BudgetError as exc:
        raise _refused(exc, "currency") from None


def check_within_open(ref: str, currency: str, value: Decimal, position: Position) -> None:
    """A payment never goes beyond what is open on its commitment, in the commitment's currency."""
    if value > position.open:
        raise _refused(OverPaymentError(
            f"Payment {ref} of {currency} {fmt(value)} exceeds the {currency} {fmt(position.open)} open "
            f"on commitment {position.reference}."), "amount")


def settlement_difference(position: Position, value: Decimal, eur: Decimal) -> Decimal | None:
    """The exchange difference a payment realises (committed EUR minus EUR paid, positive a
    gain) when it brings a foreign-currency commitment to zero; None otherwise."""
    if position.currency == "EUR" or value != position.open:
        return None
    difference = position.committed_eur - (position.paid_eur + eur)
    return difference or None


def duplicate(ref: str) -> BudgetError:
    return _refused(DuplicateEntryError(f"Payment {ref} is already recorded."), "reference")


# --------------------------------------------------------------------------- one payment


def record_payment(
    uow: UnitOfWork,
    reference: str,
    commitment_reference: str,
    *,
    entry_date: dt.date,
    amount: object,
    currency: str | None = None,
    amount_eur: object | None = None,
    rate_used: object | None = None,
    source_sheet: str | None = None,
    source_row: int | None = None,
    force_rate: bool = False,
) -> entries.WriteResult:
    """Pay (part of) a commitment, never beyond what is open in the commitment currency.

    Without ``amount_eur`` or ``rate_used`` the EUR amount comes from the ECB rate of the
    payment date, and the rate used is recorded. When a foreign-currency commitment is fully
    paid, the difference between its committed and paid EUR is recorded as an exchange
    difference that brings the commitment to what was really paid.
    """
    cref = str(commitment_reference).strip()
    position = live_positions(uow, [cref]).get(cref)
    ref, cur, value = payment_terms([reference], [position], [commitment_reference], [currency], [amount],
                                    [entry_date], closed_years(uow)).one()
    assert position is not None
    try:
        revision = entries.next_revision(uow, Payment, Payment.reference == ref)
    except DuplicateEntryError:
        raise duplicate(ref) from None
    check_within_open(ref, cur, value, position)
    eur, r, rate_date, rate_source = entries.tagged(
        "amount_eur" if amount_eur is not None else "date",
        lambda: entries.conversion(uow, cur, value, entry_date, amount_eur, rate_used, force_rate))
    row = Payment(
        reference=ref, entry_date=entry_date, commitment_id=position.commitment_id, currency=cur,
        amount=value, amount_eur=eur, rate=r, rate_date=rate_date, rate_source=rate_source,
        revision=revision, source_sheet=source_sheet, source_row=source_row, **uow.stamp(),
    )
    uow.session.add(row)
    uow.session.flush()
    uow.audit("pay", "payment", row.id, reference=ref, commitment=position.reference,
              currency=cur, amount=value, amount_eur=eur, rate=r)
    result = entries.WriteResult(row)
    difference = settlement_difference(position, value, eur)
    commitment = uow.session.get(Commitment, position.commitment_id)
    assert commitment is not None
    if difference is not None:
        result.exchange_difference = difference
        entries.record_exchange_difference(uow, commitment, row, difference, entry_date)
    result.warnings.extend(payment_credit_warnings(uow, {(position.ab_id, position.ab_code, entry_date.year)}))
    return result


def payment_credit_warnings(uow: UnitOfWork, keys: set[tuple[int, str, int]]) -> list[str]:
    """A warning per (AB, year) whose payments dated in the year exceed its payment credits."""
    out = []
    for ab_id, ab_code, year in sorted(keys, key=lambda k: (k[1], k[2])):
        credits = entries.credits_of(uow, ab_id, year, "payment")
        # The AB's commitments as a sub-query, not a join: SQLite then reads the payments by
        # commitment, in the order they were written, instead of one lookup per payment by
        # date (a 100,000-payment year: 0.03 s instead of 0.17 s).
        paid = Decimal(uow.session.scalar(
            select(func.coalesce(func.sum(Payment.amount_eur), 0))
            .where(Payment.commitment_id.in_(select(Commitment.id).where(Commitment.ab_id == ab_id)),
                   Payment.entry_date >= dt.date(year, 1, 1), Payment.entry_date <= dt.date(year, 12, 31))) or 0)
        if paid > credits:
            out.append(f"Payments of {year} on AB {ab_code} (EUR {fmt(paid)}) exceed its payment credits "
                       f"(EUR {fmt(credits)}).")
    return out


# --------------------------------------------------------------------------- many payments


@dataclass
class PaymentColumns:
    """Many payments as columns: position ``i`` of every list is payment ``i`` (what an
    import of a large file hands over). ``rate_used`` None: no rate given for any payment;
    ``source_sheet``: one sheet for all, or one per payment."""

    reference: Sequence[Any]
    commitment_reference: Sequence[Any]
    entry_date: Sequence[dt.date]
    amount: Sequence[Any]
    currency: Sequence[Any]
    amount_eur: Sequence[Any]
    rate_used: Sequence[Any] | None = None
    source_sheet: str | Sequence[str | None] | None = None
    source_row: Sequence[int | None] | None = None

    def __len__(self) -> int:
        return len(self.reference)


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


#: The columns :func:`record_payment_columns` writes, in the order it hands them over.
_WRITTEN = ("reference", "entry_date", "commitment_id", "currency", "amount", "amount_eur", "rate", "rate_date",
            "rate_source", "revision", "source_row", "source_sheet")


def record_payment_columns(uow: UnitOfWork, cols: PaymentColumns, *, write: bool = True) -> BulkOutcome:
    """Record many payments with the rules of :func:`record_payment`, all or nothing.

    Each payment goes through the same checks in the same order, the commitments' positions
    running over the earlier payments of the call; every refusal is returned (with the
    payment's index and the field at fault) and, if there is any, nothing is written. The
    ledger is read once for all: positions, payment references, closed years, rates.
    """
    out = BulkOutcome()
    n = len(cols)
    crefs = [str(c).strip() for c in cols.commitment_reference]
    pos_of = live_positions(uow, crefs)
    existing, revisions = payment_keys(uow, [str(r or "").strip() for r in cols.reference])
    limit = bounds.max_amount()  # read once for the call, not once per amount
    known: dict[tuple[str, dt.date], Decimal | None] = {}

    def check_rate(currency: str, value: Decimal, day: dt.date) -> Decimal:
        if (currency, day) not in known:
            known[(currency, day)] = fx.known_rate(uow, currency, day)
        return fx.rate_within_band(currency, value, day, known[(currency, day)])

    pos_col = list(map(pos_of.get, crefs))
    terms = payment_terms(cols.reference, pos_col, cols.commitment_reference, cols.currency, cols.amount,
                          cols.entry_date, closed_years(uow), limit)
    # Converted before the running checks (a conversion reads no running total); the
    # conversion of a payment those checks refuse is not used.
    conv = fx.convert(terms.currencies, terms.amounts, cols.entry_date, amounts_eur=cols.amount_eur,
                      given_rates=cols.rate_used, lookup=rate_book(uow, {p.currency for p in pos_of.values()},
                                                                   cols.entry_date),
                      check_rate=check_rate, max_amount=limit)
    settled = _in_order(terms, conv, pos_col, cols, existing, out)
    if out.problems or not write:
        return out
    sheets = cols.source_sheet if cols.source_sheet is not None and not isinstance(cols.source_sheet, str) \
        else [cols.source_sheet] * n
    refs = terms.references
    out.written = insert_columns(uow, Payment, dict(zip(_WRITTEN, (
        refs, cols.entry_date, [p.commitment_id for p in pos_col], terms.currencies,  # type: ignore[union-attr]
        terms.amounts, conv.eur, conv.rate, conv.rate_date, conv.source,
        [revisions.get(r, -1) + 1 for r in refs] if revisions else [0] * n,  # type: ignore[arg-type]
        cols.source_row if cols.source_row is not None else [None] * n, sheets), strict=True)) if n else {})
    uow.audit("record_payments", "payment", None, count=out.written)
    # Exchange differences: few (one per settled foreign-currency commitment), recorded by
    # the one-row rule with its availability handling, in the order of the payments.
    for ref, day, pos, difference in settled:
        payment = uow.session.scalar(entries.live(Payment, Payment.reference == ref))
        commitment = uow.session.get(Commitment, pos.commitment_id)
        assert payment is not None and commitment is not None
        entries.record_exchange_difference(uow, commitment, payment, difference, day)
        out.exchange_differences[ref] = difference
    out.warnings.extend(payment_credit_warnings(uow, {(p.ab_id, p.ab_code, day.year) for p, day in zip(
        pos_col, cols.entry_date, strict=True) if p is not None}))
    return out


def _in_order(terms: Terms, conv: fx.Conversions, positions: list[Position | None], cols: PaymentColumns,
              existing: set[str], out: BulkOutcome) -> list[tuple[str, dt.date, Position, Decimal]]:
    """The checks that run over the earlier payments of a call, payment after payment: the
    duplicate reference, the amount within what is open, then the conversion's refusal;
    each accepted payment moves its commitment's position. Returns the settling payments
    (reference, date, position, exchange difference); the refusals go to ``out``."""
    settled: list[tuple[str, dt.date, Position, Decimal]] = []
    seen: set[str] = set()
    refs, curs, values = terms.references, terms.currencies, terms.amounts
    for i, (pos, value, eur) in enumerate(zip(positions, values, conv.eur, strict=True)):
        try:
            if i in terms.refused:
                raise terms.refused[i]
            ref, cur = refs[i], curs[i]
            assert pos is not None and value is not None and ref is not None and cur is not None
            if ref in existing or ref in seen:
                raise duplicate(ref)
            check_within_open(ref, cur, value, pos)
            if i in conv.refused:
                raise _refused(conv.refused[i], "amount_eur" if cols.amount_eur[i] is not None else "date")
        except BudgetError as exc:
            out.problems.append(ItemProblem(i, exc.field or "reference", exc))
            continue
        assert eur is not None
        seen.add(ref)
        difference = settlement_difference(pos, value, eur)
        if difference is not None:
            settled.append((ref, cols.entry_date[i], pos, difference))
        pos.paid += value
        pos.paid_eur += eur
    return settled
