"""Every domain error is refused with a clear message and leaves the ledger untouched.

Also: warn-mode availability control, the payment-credit warning, the immutability guard,
the ``Money`` column type on both databases, and the "last rate on or before" lookup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, func, insert, select
from sqlalchemy.exc import StatementError

from budget import errors
from budget.ledger.models import Payment
from budget.ledger.types import Money
from budget.services import (
    OrganisationInput,
    adjust_commitment,
    close_year,
    commit,
    rate_on,
    record_credit,
    record_payment,
    record_rates,
    register_allocation,
    register_assessment,
    register_organisation,
    reverse,
    views,
)
from budget.services.entries import find_commitment

D = Decimal
Y = 2025
AB = "14.54.11.35.40.01"
AB_WARN = "14.54.12.35.40.02"


def seed(ledger: Any) -> None:
    """Two ABs (block, warn), three organisations, credits and USD/CHF rates."""
    with ledger.uow() as uow:
        register_allocation(uow, AB, "UN contributions", "M2", control_mode="block")
        register_allocation(uow, AB_WARN, "Security contributions", "M1", control_mode="warn")
        register_organisation(uow, OrganisationInput("UN-RB", "United Nations regular budget", "M2", "USD", AB))
        register_organisation(uow, OrganisationInput("OSCE", "OSCE", "M1", "EUR", AB_WARN))
        register_organisation(uow, OrganisationInput("WIPO", "WIPO", "M4", "CHF", AB))
        record_credit(uow, AB, Y, "commitment", "100000.00")
        record_credit(uow, AB, Y, "payment", "50000.00")
        record_credit(uow, AB_WARN, Y, "commitment", "1000.00")
        record_credit(uow, AB_WARN, Y, "payment", "1000.00")
        record_rates(uow, [
            ("USD", dt.date(Y, 1, 3), D("1.0350")),  # a Friday
            ("USD", dt.date(Y, 1, 6), D("1.0400")),  # the Monday after
            ("USD", dt.date(Y, 6, 2), D("1.1000")),
            ("CHF", dt.date(Y, 1, 3), D("0.9400")),
        ])
        register_assessment(uow, "UN-RB", "ST/ADM/2025/1", [("USD", "20700.00")],
                            period_start=dt.date(Y, 1, 1), period_end=dt.date(Y, 12, 31),
                            due_date=dt.date(Y, 1, 31))
        commit(uow, "ENG-1", "UN-RB", entry_date=dt.date(Y, 1, 15), currency="USD",
               amount="20700.00", assessment_reference="ST/ADM/2025/1")
        record_payment(uow, "PAY-1", "ENG-1", entry_date=dt.date(Y, 1, 20), amount="10000.00")
        uow.commit()


def refused(ledger: Any, action: Callable[[Any], Any], error: type[errors.BudgetError], *words: str) -> str:
    """Run ``action`` in a unit of work: it must raise ``error``, mention ``words``, change nothing."""
    before = ledger.snapshot()
    with ledger.uow() as uow, pytest.raises(error) as info:
        action(uow)
        uow.commit()
    message = str(info.value)
    assert message and "\n" not in message, f"not one clear line: {message!r}"
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert "Traceback" not in message
    assert ledger.snapshot() == before, "the refused operation changed the database"
    return message


def test_unknown_organisation_is_refused_with_a_suggestion(ledger):
    seed(ledger)
    refused(ledger, lambda uow: commit(uow, "ENG-9", "UN-BR", entry_date=dt.date(Y, 2, 1), amount_eur="10.00"),
            errors.UnknownOrganisationError, "UN-BR", "Did you mean UN-RB")


def test_unknown_allocation_is_refused_with_a_suggestion(ledger):
    seed(ledger)
    refused(ledger, lambda uow: record_credit(uow, "14.54.11.35.40.10", Y, "commitment", "5.00"),
            errors.UnknownAllocationError, "14.54.11.35.40.10", "Did you mean")


def test_unknown_currency_is_refused(ledger):
    seed(ledger)
    refused(ledger, lambda uow: commit(uow, "ENG-9", "UN-RB", entry_date=dt.date(Y, 2, 1), currency="USX",
                                       amount="10.00"),
            errors.UnknownCurrencyError, "USX", "ISO 4217")
    refused(ledger, lambda uow: register_assessment(uow, "UN-RB", "A-9", [("ZZZ", "1.00")],
                                                    period_start=dt.date(Y, 1, 1), period_end=dt.date(Y, 12, 31),
                                                    due_date=dt.date(Y, 2, 1)),
            errors.UnknownCurrencyError, "ZZZ")


@pytest.mark.parametrize("amount", ["0", "0.00", "-5.00"])
def test_non_positive_amounts_are_refused(ledger, amount):
    seed(ledger)
    refused(ledger, lambda uow: commit(uow, "ENG-9", "OSCE", entry_date=dt.date(Y, 2, 1), amount_eur=amount),
            errors.NonPositiveAmountError, "above zero")
    refused(ledger, lambda uow: record_payment(uow, "PAY-9", "ENG-1", entry_date=dt.date(Y, 2, 1), amount=amount),
            errors.NonPositiveAmountError, "above zero")
    refused(ledger, lambda uow: record_credit(uow, AB, Y, "commitment", amount, "provisional"),
            errors.NonPositiveAmountError, "above zero")


def test_too_many_decimals_are_refused(ledger):
    seed(ledger)
    refused(ledger, lambda uow: commit(uow, "ENG-9", "OSCE", entry_date=dt.date(Y, 2, 1), amount_eur="10.005"),
            errors.ValidationError, "decimals")


def test_over_commitment_is_refused_in_block_mode(ledger):
    seed(ledger)
    refused(ledger, lambda uow: commit(uow, "ENG-9", "WIPO", entry_date=dt.date(Y, 2, 1), currency="CHF",
                                       amount="94000.00"),
            errors.OverCommitmentError, "exceeds", "available", AB)


def test_credit_reduction_below_what_is_committed_is_refused_in_block_mode(ledger):
    seed(ledger)
    refused(ledger, lambda uow: record_credit(uow, AB, Y, "commitment", "90000.00", "blocked"),
            errors.OverCommitmentError, "reduction")


def test_over_payment_is_refused_in_the_commitment_currency(ledger):
    seed(ledger)
    refused(ledger, lambda uow: record_payment(uow, "PAY-9", "ENG-1", entry_date=dt.date(Y, 6, 3),
                                               amount="10700.01"),
            errors.OverPaymentError, "USD 10,700.01", "USD 10,700.00 open", "ENG-1")


def test_decrease_below_what_is_paid_is_refused(ledger):
    seed(ledger)
    refused(ledger, lambda uow: adjust_commitment(uow, "ENG-1", "-10700.01", entry_date=dt.date(Y, 6, 3),
                                                  reason="scale revised"),
            errors.OverPaymentError, "already paid")


def test_missing_exchange_rate_is_refused(ledger):
    seed(ledger)
    refused(ledger, lambda uow: commit(uow, "ENG-9", "UN-RB", entry_date=dt.date(Y, 1, 2), currency="USD",
                                       amount="100.00"),
            errors.MissingExchangeRateError, "USD", "2025-01-02")
    refused(ledger, lambda uow: commit(uow, "ENG-9", "UN-RB", entry_date=dt.date(Y, 2, 1), currency="GBP",
                                       amount="100.00"),
            errors.MissingExchangeRateError, "GBP")


def test_entries_in_a_closed_year_are_refused(ledger):
    seed(ledger)
    with ledger.uow() as uow:
        close_year(uow, Y - 1)
        uow.commit()
    refused(ledger, lambda uow: record_credit(uow, AB, Y - 1, "commitment", "5.00"),
            errors.ClosedPeriodError, str(Y - 1), "closed")
    refused(ledger, lambda uow: commit(uow, "ENG-9", "OSCE", entry_date=dt.date(Y - 1, 12, 1), amount_eur="5.00"),
            errors.ClosedPeriodError, "closed")
    refused(ledger, lambda uow: record_payment(uow, "PAY-9", "ENG-1", entry_date=dt.date(Y - 1, 12, 31),
                                               amount="1.00"),
            errors.ClosedPeriodError, "closed")


@pytest.mark.parametrize("write", ["commitment", "payment", "assessment", "credit"])
def test_duplicate_references_are_refused(ledger, write):
    seed(ledger)
    actions = {
        "commitment": lambda uow: commit(uow, "ENG-1", "OSCE", entry_date=dt.date(Y, 2, 1), amount_eur="5.00"),
        "payment": lambda uow: record_payment(uow, "PAY-1", "ENG-1", entry_date=dt.date(Y, 2, 1), amount="5.00"),
        "assessment": lambda uow: register_assessment(
            uow, "UN-RB", "ST/ADM/2025/1", [("USD", "1.00")], period_start=dt.date(Y, 1, 1),
            period_end=dt.date(Y, 12, 31), due_date=dt.date(Y, 1, 31)),
        "credit": lambda uow: record_credit(uow, AB, Y, "commitment", "5.00"),
    }
    message = refused(ledger, actions[write], errors.DuplicateEntryError, "already")
    assert any(ref in message for ref in ("ENG-1", "PAY-1", "ST/ADM/2025/1", AB))


def test_reversal_with_dependent_entries_is_refused_and_names_them(ledger):
    seed(ledger)
    with ledger.uow() as uow:
        cid = find_commitment(uow, "ENG-1").id
        aid = find_commitment(uow, "ENG-1").assessment_id
    refused(ledger, lambda uow: reverse(uow, "commitment", cid, reason="typo"),
            errors.DependentEntriesError, "payment PAY-1")
    refused(ledger, lambda uow: reverse(uow, "assessment", aid, reason="typo"),
            errors.DependentEntriesError, "commitment ENG-1")


def test_reversing_twice_or_reversing_a_reversal_is_refused(ledger):
    seed(ledger)
    with ledger.uow() as uow:
        pid = uow.session.scalar(select(Payment.id).where(Payment.reference == "PAY-1"))
        mirror = reverse(uow, "payment", pid, reason="wrong amount")
        mid = mirror.id
        uow.commit()
    refused(ledger, lambda uow: reverse(uow, "payment", pid, reason="again"),
            errors.AlreadyReversedError, "already reversed")
    refused(ledger, lambda uow: reverse(uow, "payment", mid, reason="again"),
            errors.AlreadyReversedError, "itself a reversal")


def test_reason_is_required_for_reversals_and_adjustments(ledger):
    seed(ledger)
    with ledger.uow() as uow:
        pid = uow.session.scalar(select(Payment.id).where(Payment.reference == "PAY-1"))
    refused(ledger, lambda uow: reverse(uow, "payment", pid, reason="  "), errors.ValidationError, "reason")
    refused(ledger, lambda uow: adjust_commitment(uow, "ENG-1", "5.00", entry_date=dt.date(Y, 2, 1), reason=""),
            errors.ValidationError, "reason")


def test_warn_mode_commits_beyond_credits_with_a_warning_and_a_recorded_override(ledger):
    seed(ledger)
    with ledger.uow() as uow:
        res = commit(uow, "ENG-W", "OSCE", entry_date=dt.date(Y, 3, 1), amount_eur="1500.00")
        uow.commit()
    assert len(res.warnings) == 1
    assert "exceeds the EUR 1,000.00 available" in res.warnings[0]
    with ledger.uow(write=False) as uow:
        (o,) = views.overrides(uow, Y)
        ex = views.execution(uow, Y, "ab")
    assert (o.ab, o.control_mode, o.available, o.requested) == (AB_WARN, "warn", D("1000.00"), D("1500.00"))
    assert "warn mode" in o.reason
    row = next(r for r in ex.rows if r.key == AB_WARN)
    assert row.available == D("-500.00")


def test_warn_mode_credit_reduction_below_committed_records_an_override(ledger):
    seed(ledger)
    with ledger.uow() as uow:
        commit(uow, "ENG-W", "OSCE", entry_date=dt.date(Y, 3, 1), amount_eur="800.00")
        record_credit(uow, AB_WARN, Y, "commitment", "300.00", "blocked")
        uow.commit()
    with ledger.uow(write=False) as uow:
        (o,) = views.overrides(uow, Y)
    assert (o.available, o.requested) == (D("200.00"), D("300.00"))


def test_payments_beyond_payment_credits_pass_with_a_warning(ledger):
    seed(ledger)
    with ledger.uow() as uow:
        commit(uow, "ENG-W", "OSCE", entry_date=dt.date(Y, 3, 1), amount_eur="1000.00")
        first = record_payment(uow, "PAY-W1", "ENG-W", entry_date=dt.date(Y, 3, 2), amount="1000.00")
        record_credit(uow, AB_WARN, Y, "payment", "1.00", "blocked")
        commit(uow, "ENG-W2", "OSCE", entry_date=dt.date(Y, 3, 1), amount_eur="0.01",
               override_reason="test")
        second = record_payment(uow, "PAY-W2", "ENG-W2", entry_date=dt.date(Y, 3, 4), amount="0.01")
        uow.commit()
    assert first.warnings == []
    assert len(second.warnings) == 1
    assert "exceed its payment credits" in second.warnings[0]
    assert "1,000.01" in second.warnings[0] and "999.00" in second.warnings[0]


def test_payment_rows_cannot_be_changed_or_deleted_through_the_session(ledger):
    seed(ledger)
    before = ledger.snapshot()
    with ledger.uow() as uow:
        payment = uow.session.scalar(select(Payment).where(Payment.reference == "PAY-1"))
        payment.amount = D("1.00")
        with pytest.raises(errors.ImmutableEntryError, match="cannot be changed in place"):
            uow.session.flush()
    with ledger.uow() as uow:
        payment = uow.session.scalar(select(Payment).where(Payment.reference == "PAY-1"))
        uow.session.delete(payment)
        with pytest.raises(errors.ImmutableEntryError, match="cannot be deleted"):
            uow.commit()
    assert ledger.snapshot() == before


# --------------------------------------------------------------------------- Money type

probe_metadata = MetaData()
probe = Table(
    "money_probe", probe_metadata,
    Column("id", Integer, primary_key=True),
    Column("amount", Money),
    Column("raw", BigInteger),
)


@pytest.fixture
def money_table(ledger):
    probe_metadata.create_all(ledger.engine)
    yield probe
    probe_metadata.drop_all(ledger.engine)


VALUES = [D("0.01"), D("-0.01"), D("0.00"), D("1.10"), D("12345678901234.56"), D("-98765432109.99"),
          D("7"), D("0.1")]


def test_money_columns_round_trip_decimals_exactly(ledger, money_table):
    with ledger.engine.begin() as conn:
        conn.execute(insert(money_table), [{"id": i, "amount": v} for i, v in enumerate(VALUES)])
        conn.execute(insert(money_table), [{"id": 99, "amount": None}])
    with ledger.engine.connect() as conn:
        got = conn.execute(select(money_table.c.amount).order_by(money_table.c.id)).scalars().all()
        raw = conn.execute(select(money_table.c.id, money_table.c.amount.cast(BigInteger))).all()
    assert got == [v.quantize(D("0.01")) for v in VALUES] + [None]
    assert all(isinstance(v, Decimal) for v in got[:-1])
    assert [str(v) for v in got[:4]] == ["0.01", "-0.01", "0.00", "1.10"]
    # Stored as integer hundredths.
    assert dict(raw)[0] == 1 and dict(raw)[4] == 1234567890123456


def test_money_columns_refuse_floats_and_sub_cent_amounts(ledger, money_table):
    with ledger.engine.begin() as conn, pytest.raises(StatementError, match="never float"):
        conn.execute(insert(money_table), [{"id": 1, "amount": 0.1}])
    with ledger.engine.begin() as conn, pytest.raises(StatementError, match="more than two decimals"):
        conn.execute(insert(money_table), [{"id": 1, "amount": D("0.001")}])


def test_sum_in_sql_over_thousands_of_cents_is_exact(ledger, money_table):
    """A float column would drift here; integer hundredths stay exact on both databases."""
    values = [D(i) + D("0.01") * ((i * 7) % 100) for i in range(3000)] + [D("0.01")] * 1000 + [D("-0.07")] * 7
    with ledger.engine.begin() as conn:
        conn.execute(insert(money_table), [{"id": i, "amount": v} for i, v in enumerate(values)])
    with ledger.engine.connect() as conn:
        total = conn.execute(select(func.sum(money_table.c.amount))).scalar_one()
        count = conn.execute(select(func.count()).select_from(money_table)).scalar_one()
    assert count == len(values)
    assert isinstance(total, Decimal)
    assert total == sum(values, D(0))
    assert str(total) == str(sum(values, D(0)).quantize(D("0.01")))


# --------------------------------------------------------------------------- rates


def test_rate_lookup_takes_the_last_rate_published_on_or_before_the_day(ledger):
    seed(ledger)
    with ledger.uow(write=False) as uow:
        saturday = rate_on(uow, "usd", dt.date(Y, 1, 4))
        monday = rate_on(uow, "USD", dt.date(Y, 1, 6))
        later = rate_on(uow, "USD", dt.date(Y, 5, 31))
        euro = rate_on(uow, "EUR", dt.date(1999, 1, 1))
        with pytest.raises(errors.MissingExchangeRateError, match="on or before 2025-01-02"):
            rate_on(uow, "USD", dt.date(Y, 1, 2))
        with pytest.raises(errors.UnknownCurrencyError):
            rate_on(uow, "XYZ", dt.date(Y, 1, 6))
    assert (saturday.rate, saturday.published, saturday.date) == (D("1.0350"), dt.date(Y, 1, 3), dt.date(Y, 1, 4))
    assert (monday.rate, monday.published) == (D("1.0400"), dt.date(Y, 1, 6))
    assert (later.rate, later.published) == (D("1.0400"), dt.date(Y, 1, 6))
    assert euro.rate == 1


def test_payment_uses_the_rate_of_its_own_date_and_records_it(ledger):
    seed(ledger)
    with ledger.uow(write=False) as uow:
        p = uow.session.scalar(select(Payment).where(Payment.reference == "PAY-1"))
        # 20 January: the last rate is the one published on 6 January.
        assert (p.rate, p.rate_date, p.amount_eur) == (D("1.0400"), dt.date(Y, 1, 6), D("9615.38"))


def test_a_decrease_that_closes_a_foreign_commitment_leaves_no_euro_open(ledger):
    seed(ledger)
    with ledger.uow() as uow:
        # ENG-1: USD 20,700.00 committed at 1.0400 (EUR 19,903.85); PAY-1 paid USD 10,000.00 (EUR 9,615.38).
        # The decrease of USD 10,700.00 at the commitment rate is EUR 10,288.46: EUR 0.01 would stay open.
        adjust_commitment(uow, "ENG-1", "-10700.00", entry_date=dt.date(Y, 3, 1), reason="assessment reduced")
        uow.commit()
    with ledger.uow(write=False) as uow:
        assert views.open_commitments(uow) == []  # closed in USD ...
        totals = views.execution(uow, Y, "ab").totals
    assert totals.open == D("0.00")  # ... and in EUR: the residue is an exchange difference
    with ledger.uow(write=False) as uow:
        (diff,) = views.exchange_differences(uow, year=Y)
    assert diff.gain_eur == D("0.01")


def test_reversing_a_closing_decrease_reopens_the_commitment_and_its_euro_residue(ledger):
    seed(ledger)
    with ledger.uow() as uow:
        adj = adjust_commitment(uow, "ENG-1", "-10700.00", entry_date=dt.date(Y, 3, 1), reason="assessment reduced")
        uow.commit()
    with ledger.uow() as uow:
        reverse(uow, "adjustment", adj.entry.id, reason="reduction cancelled")
        uow.commit()
    with ledger.uow(write=False) as uow:
        (open_one,) = views.open_commitments(uow)
        assert (open_one.open, open_one.committed_eur) == (D("10700.00"), D("19903.85"))
        released, restored = views.exchange_differences(uow, year=Y)
        assert released.gain_eur + restored.gain_eur == 0
