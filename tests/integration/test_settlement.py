"""The settlement days kept per assessment (``assessment_settlement``) against a replay of the
payments: the walk's rules by hand, then the stored days read as of every month end of the
demo ledger, on SQLite and PostgreSQL, equal to the payments dated by then walked again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from budget.ledger.models import Assessment
from budget.services import balances, settlement
from budget.services.settlement import Settled, walk

D = Decimal
DAY = dt.date(2026, 3, 1)


def day(n: int) -> dt.date:
    return DAY + dt.timedelta(days=n)


def test_an_assessment_is_paid_in_full_when_every_currency_reaches_what_it_assesses() -> None:
    lines = {"USD": D("100.00"), "EUR": D("50.00")}
    paid = [(day(0), "USD", D("40.00")), (day(5), "EUR", D("50.00")), (day(9), "USD", D("60.00"))]
    assert walk(lines, paid) == Settled(day(0), day(9), day(9))
    assert walk(lines, paid[:2]) == Settled(day(0), None, None)
    assert walk(lines, []) == Settled(None, None, None)


def test_a_refund_after_settlement_reopens_it_and_the_full_day_is_the_last_run() -> None:
    lines = {"EUR": D("100.00")}
    paid = [(day(0), "EUR", D("100.00")), (day(10), "EUR", D("-20.00")), (day(20), "EUR", D("20.00"))]
    s = walk(lines, paid)
    assert s == Settled(day(0), day(0), day(20))
    # As of a day of the first run the stored days cannot say (reopened later): replayed.
    assert s.as_of(day(5)) is None
    assert walk(lines, paid[:1]) == Settled(day(0), day(0), day(0))
    # Before anything was settled, and once the last run began, the stored days answer.
    assert s.as_of(day(-1)) == (None, None)
    assert s.as_of(day(25)) == (day(0), day(20))


def test_a_credit_returned_is_never_paid_in_full() -> None:
    assert walk({"EUR": D("-10.00")}, [(day(1), "EUR", D("5.00"))]) == Settled(day(1), None, None)


def test_the_stored_days_as_of_each_month_end_equal_the_payments_of_those_days_walked_again(demo_ledger) -> None:
    with demo_ledger.uow() as uow:
        session = uow.session
        assert balances.verify(session) == []
        years = sorted(session.scalars(select(Assessment.fiscal_year).distinct()))
        assert len(years) >= 2
        ends = [dt.date(y, m, 1) - dt.timedelta(days=1) for y in (*years, years[-1] + 1) for m in range(1, 13)
                if dt.date(y, m, 1) - dt.timedelta(days=1) >= dt.date(years[0], 1, 1)]
        checked = paid_seen = 0
        for end in ends:
            stored = settlement.paid_as_of(session, years, as_of=end)
            keys = {(a.organisation.code, a.reference): (a.organisation_id, a.reference)
                    for a in session.scalars(select(Assessment).where(Assessment.entry_date <= end))}
            lines = settlement.assessed(session, list(keys.values()))
            days = settlement.payment_days(session, list(keys.values()), as_of=end)
            for p in stored:
                key = keys[(p.organisation, p.reference)]
                again = walk(lines[key], days.get(key, []))
                assert (p.first_paid, p.fully_paid) == (again.first_paid_on, again.fully_paid_on), (end, p)
                checked += 1
                paid_seen += p.fully_paid is not None
        assert checked > 300 and paid_seen > 100
