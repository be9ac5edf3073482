"""Periods (month, quarter, year to date, custom) and their figures, the year-over-year
comparison, the rate history and the exposure what-if, on SQLite and PostgreSQL, against
figures worked out by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from budget.bounds import OutOfBoundsError
from budget.errors import ValidationError
from budget.services import exchange, fx_history, periods, views
from budget.services.periods import Period, period, period_of

D = Decimal
AB2, AB1 = "14.54.11.35.40.01", "14.54.11.35.40.02"


def populate(ledger) -> None:
    """2024 and 2025, by hand (EUR):

    2024: OSCE (M1) committed 10,000.00 on 10 Feb, paid 4,000.00 on 5 May; UN-RB (M2)
    committed USD 108,000 at 1.08 = 100,000.00 on 1 Mar, paid USD 54,000 = 50,000.00 on 15 Apr.
    2025: OSCE paid 3,000.00 more on its 2024 commitment on 10 Jan; OSCE committed 12,000.00
    on 20 Jan, paid 5,000.00 on 10 Apr and 1,000.00 on 1 Jul; UN-RB committed USD 103,500 at
    1.035 = 100,000.00 on 14 Feb, paid USD 51,750 = 50,000.00 on 20 May. USD is 1.20 from
    2 Jun 2025.
    """
    from budget.services import (
        OrganisationInput,
        commit,
        record_credit,
        record_payment,
        record_rates,
        register_allocation,
        register_assessment,
        register_organisation,
    )

    with ledger.uow() as uow:
        register_allocation(uow, AB2, "UN contributions", "M2")
        register_allocation(uow, AB1, "Security contributions", "M1")
        register_organisation(uow, OrganisationInput("UN-RB", "UN regular budget", "M2", "USD", AB2))
        register_organisation(uow, OrganisationInput("OSCE", "OSCE", "M1", "EUR", AB1))
        record_rates(uow, [("USD", dt.date(2024, 1, 2), D("1.0800")), ("USD", dt.date(2025, 1, 2), D("1.0350")),
                           ("USD", dt.date(2025, 6, 2), D("1.2000"))])
        for year in (2024, 2025):
            for ab in (AB1, AB2):
                record_credit(uow, ab, year, "commitment", "500000.00", entry_date=dt.date(year, 1, 1))
                record_credit(uow, ab, year, "payment", "400000.00", entry_date=dt.date(year, 1, 1))
            register_assessment(uow, "UN-RB", f"ST/ADM/{year}", [("USD", "200000.00")],
                                period_start=dt.date(year, 1, 1), period_end=dt.date(year, 12, 31),
                                due_date=dt.date(year, 1, 31))
        commit(uow, "OS-2024", "OSCE", entry_date=dt.date(2024, 2, 10), amount_eur="10000.00")
        record_payment(uow, "OSP-2024-1", "OS-2024", entry_date=dt.date(2024, 5, 5), amount="4000.00")
        commit(uow, "UN-2024", "UN-RB", entry_date=dt.date(2024, 3, 1), currency="USD", amount="108000.00",
               assessment_reference="ST/ADM/2024")
        record_payment(uow, "UNP-2024", "UN-2024", entry_date=dt.date(2024, 4, 15), amount="54000.00")
        record_payment(uow, "OSP-2024-2", "OS-2024", entry_date=dt.date(2025, 1, 10), amount="3000.00")
        commit(uow, "OS-2025", "OSCE", entry_date=dt.date(2025, 1, 20), amount_eur="12000.00")
        record_payment(uow, "OSP-2025-1", "OS-2025", entry_date=dt.date(2025, 4, 10), amount="5000.00")
        record_payment(uow, "OSP-2025-2", "OS-2025", entry_date=dt.date(2025, 7, 1), amount="1000.00")
        commit(uow, "UN-2025", "UN-RB", entry_date=dt.date(2025, 2, 14), currency="USD", amount="103500.00",
               assessment_reference="ST/ADM/2025")
        record_payment(uow, "UNP-2025", "UN-2025", entry_date=dt.date(2025, 5, 20), amount="51750.00")
        uow.commit()


def figures(ex, key):
    row = next(r for r in ex.rows if r.key == key)
    return (row.committed, row.paid, row.paid_in_year, row.open_at_end)


# --------------------------------------------------------------------------- choosing


def test_each_kind_of_period_has_the_dates_a_reader_expects():
    today = dt.date(2025, 5, 15)
    assert period_of("month", 2025, month=2, today=today) == Period(dt.date(2025, 2, 1), dt.date(2025, 2, 28), "month")
    assert period_of("month", 2024, month=2, today=today).end == dt.date(2024, 2, 29)
    assert period_of("quarter", 2025, quarter=4, today=today) == Period(
        dt.date(2025, 10, 1), dt.date(2025, 12, 31), "quarter")
    assert period_of("ytd", 2025, as_of=dt.date(2025, 3, 3), today=today) == Period(
        dt.date(2025, 1, 1), dt.date(2025, 3, 3), "ytd")
    assert period_of("ytd", 2024, today=today).end == dt.date(2024, 12, 31)
    assert period_of("year", 2024, today=today) == Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31), "year")
    # A month, quarter or year still running ends today (compared "to the same day").
    assert period_of("month", 2025, month=5, today=today).end == today
    assert period_of("quarter", 2025, quarter=2, today=today).end == today
    assert period_of("year", 2025, today=today).end == today
    assert period_of("custom", 2025, start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 1)).kind == "custom"


def test_the_same_period_a_year_earlier_keeps_its_days_and_29_february_becomes_the_28th():
    assert Period(dt.date(2024, 1, 1), dt.date(2024, 2, 29)).a_year_earlier() == Period(
        dt.date(2023, 1, 1), dt.date(2023, 2, 28))
    assert Period(dt.date(2025, 4, 1), dt.date(2025, 6, 30), "quarter").a_year_earlier().kind == "quarter"


@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda: period(dt.date(2025, 3, 2), dt.date(2025, 3, 1)), ValidationError, "after its end"),
    (lambda: period(dt.date(2024, 12, 1), dt.date(2025, 1, 31)), ValidationError, "two fiscal years"),
    (lambda: period(dt.date(1900, 1, 1), dt.date(1900, 2, 1)), OutOfBoundsError, "1990–2100"),
    (lambda: period_of("month", 2025, month=13), ValidationError, "not a month"),
    (lambda: period_of("quarter", 2025, quarter=0), ValidationError, "not a quarter"),
    (lambda: period_of("week", 2025), ValidationError, "not 'week'"),
    (lambda: period_of("custom", 2025, start=dt.date(2025, 1, 1)), ValidationError, "first and its last day"),
    (lambda: period_of("ytd", 3000), OutOfBoundsError, "out of range"),
])
def test_a_bad_period_is_refused_with_a_clear_message(call, error, words):
    with pytest.raises(error, match=words):
        call()


# --------------------------------------------------------------------------- figures


def test_a_quarters_figures_are_those_dated_in_it_and_its_balances_those_at_its_end(ledger):
    populate(ledger)
    q2 = period_of("quarter", 2025, quarter=2, today=dt.date(2026, 1, 1))
    q1 = period_of("quarter", 2025, quarter=1, today=dt.date(2026, 1, 1))
    with ledger.uow(write=False) as uow:
        ex = periods.period_execution(uow, q2, "directorate")
        assert figures(ex, "M1") == (D("0.00"), D("5000.00"), D("5000.00"), D("7000.00"))
        assert figures(ex, "M2") == (D("0.00"), D("50000.00"), D("50000.00"), D("50000.00"))
        assert (ex.totals.committed, ex.totals.paid, ex.totals.paid_in_year, ex.totals.open_at_end) == (
            D("0.00"), D("55000.00"), D("55000.00"), D("57000.00"))
        first = periods.period_execution(uow, q1, "directorate")
        # The January payment on the 2024 commitment counts against 2025's payment credits.
        assert figures(first, "M1") == (D("12000.00"), D("0.00"), D("3000.00"), D("12000.00"))
        assert figures(first, "M2") == (D("100000.00"), D("0.00"), D("0.00"), D("100000.00"))
        by_ab = periods.period_execution(uow, q2, "ab")
        assert figures(by_ab, AB1)[:3] == (D("0.00"), D("5000.00"), D("5000.00"))


def test_the_four_quarters_add_up_to_the_year_and_year_to_date_equals_the_yearly_figure(ledger):
    populate(ledger)
    later = dt.date(2026, 6, 1)
    with ledger.uow(write=False) as uow:
        for by in ("directorate", "ab", "organisation"):
            year = views.execution(uow, 2025, by, as_of=dt.date(2025, 12, 31))
            quarters = [periods.period_execution(uow, period_of("quarter", 2025, quarter=q, today=later), by)
                        for q in range(1, 5)]
            assert sum((q.totals.committed for q in quarters), D(0)) == year.totals.committed == D("112000.00")
            assert sum((q.totals.paid for q in quarters), D(0)) == year.totals.paid == D("56000.00")
            assert sum((q.totals.paid_in_year for q in quarters), D(0)) == year.totals.paid_in_year == D("59000.00")
            for as_of in (dt.date(2025, 2, 14), dt.date(2025, 6, 30)):
                ytd = periods.period_execution(uow, period_of("ytd", 2025, as_of=as_of), by)
                yearly = views.execution(uow, 2025, by, as_of=as_of)
                assert [(r.key, r.committed, r.paid, r.paid_in_year, r.open_at_end) for r in ytd.rows] == [
                    (r.key, r.committed, r.paid, r.paid_in_year, r.open) for r in yearly.rows]
                assert ytd.totals.committed == yearly.totals.committed
                assert ytd.totals.paid_in_year == yearly.totals.paid_in_year


def test_the_year_over_year_table_compares_the_same_days_and_its_rows_add_up_to_its_totals(ledger):
    populate(ledger)
    with ledger.uow(write=False) as uow:
        q2 = periods.year_over_year(uow, period_of("quarter", 2025, quarter=2, today=dt.date(2026, 1, 1)))
        assert q2.last_period == Period(dt.date(2024, 4, 1), dt.date(2024, 6, 30), "quarter")
        rows = {r.key: r for r in q2.rows}
        assert (rows["M1"].paid_in_year.this, rows["M1"].paid_in_year.last) == (D("5000.00"), D("4000.00"))
        assert rows["M1"].paid_in_year.difference == D("1000.00")
        assert rows["M1"].paid_in_year.rate == D("0.2500")
        assert rows["M2"].paid_in_year.difference == D("0.00") and rows["M2"].paid_in_year.rate == D("0")
        assert rows["M3"].paid_in_year.rate is None  # nothing last year: no percentage
        assert q2.totals.paid_in_year.this == D("55000.00") and q2.totals.paid_in_year.last == D("54000.00")
        assert q2.totals.paid_in_year.rate == D("0.0185")  # 1,000 / 54,000
        # Paid on each year's own commitments: 55,000 in Q2 2025, 54,000 in Q2 2024.
        assert (q2.totals.paid.this, q2.totals.paid.last) == (D("55000.00"), D("54000.00"))
        ytd = periods.year_over_year(uow, period_of("ytd", 2025, as_of=dt.date(2025, 6, 30)), "ab")
        rows = {r.key: r for r in ytd.rows}
        assert (rows[AB1].committed.this, rows[AB1].committed.last, rows[AB1].committed.rate) == (
            D("12000.00"), D("10000.00"), D("0.2000"))
        assert (rows[AB1].paid_in_year.this, rows[AB1].paid_in_year.last, rows[AB1].paid_in_year.rate) == (
            D("8000.00"), D("4000.00"), D("1.0000"))
        for yoy in (q2, ytd):
            for figure in ("committed", "paid_in_year", "paid"):
                for side in ("this", "last", "difference"):
                    column = [getattr(getattr(r, figure), side) for r in yoy.rows]
                    assert sum(column, D(0)) == getattr(getattr(yoy.totals, figure), side)
        yearly = views.execution(uow, 2025, "ab", as_of=dt.date(2025, 6, 30)).totals
        assert ytd.totals.committed.this == yearly.committed
        assert ytd.totals.paid_in_year.this == yearly.paid_in_year
        last = views.execution(uow, 2024, "ab", as_of=dt.date(2024, 6, 30)).totals
        assert ytd.totals.committed.last == last.committed and ytd.totals.paid_in_year.last == last.paid_in_year


def test_a_directorate_limit_holds_in_the_period_figures(ledger):
    populate(ledger)
    with ledger.uow(write=False) as uow:
        q2 = period_of("quarter", 2025, quarter=2, today=dt.date(2026, 1, 1))
        mine = periods.year_over_year(uow, q2, directorates=("M1",))
        assert [r.key for r in mine.rows] == ["M1"]
        assert mine.totals.paid_in_year.this == D("5000.00")


# --------------------------------------------------------------------------- rates


def test_commitments_booked_the_same_day_at_the_same_rate_make_one_dot():
    day = dt.date(2026, 3, 2)

    def booked(ref: str, on: dt.date, rate: str) -> fx_history.CommitmentRate:
        return fx_history.CommitmentRate(on, ref, "UN", "M2", D("10.00"), D("9.00"), D(rate))

    groups = fx_history.booked_together([booked("B", day, "1.08"), booked("C", day + dt.timedelta(days=1), "1.08"),
                                         booked("A", day, "1.08"), booked("D", day, "1.09")])
    assert [[u.reference for u in g] for g in groups] == [["A", "B"], ["D"], ["C"]]


def test_the_rate_history_and_the_commitments_rates_come_from_the_ledger(ledger):
    populate(ledger)
    with ledger.uow(write=False) as uow:
        assert fx_history.rate_currencies(uow) == ["USD"]
        history = fx_history.rate_history(uow, "usd", start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
        assert [(p.rate_date, p.rate) for p in history] == [
            (dt.date(2025, 1, 2), D("1.0350")), (dt.date(2025, 6, 2), D("1.2000"))]
        used = fx_history.commitment_rates(uow, "USD", start=dt.date(2024, 1, 1), end=dt.date(2025, 12, 31))
        assert [(c.reference, c.rate, c.amount_eur) for c in used] == [
            ("UN-2024", D("1.0800"), D("100000.00")), ("UN-2025", D("1.0350"), D("100000.00"))]
        assert fx_history.commitment_rates(uow, "USD", start=dt.date(2024, 1, 1), end=dt.date(2025, 12, 31),
                                           directorates=("M1",)) == []


def test_the_what_if_moves_each_rate_and_totals_every_column_to_the_cent(ledger):
    populate(ledger)
    with ledger.uow(write=False) as uow:
        exp = views.exposure(uow, as_of=dt.date(2025, 6, 30))
    # Open: UN-2024 USD 54,000 booked EUR 50,000.00; UN-2025 USD 51,750 booked 50,000.00.
    (usd,) = exp
    assert (usd.open, usd.eur_booked, usd.rate) == (D("105750.00"), D("100000.00"), D("1.2000"))
    assert usd.eur_at_rate == D("88125.00")  # 105,750 / 1.20
    same = exchange.exposure_what_if(exp)
    assert same.rows[0].eur_at_shock == usd.eur_at_rate and same.change == D("0.00")
    up = exchange.exposure_what_if(exp, {"USD": D("10")})
    row = up.rows[0]
    assert row.shocked_rate == D("1.32")
    assert row.eur_at_shock == D("80113.64")  # 105,750 / 1.32 = 80,113.636...
    assert row.difference == D("-19886.36") and row.change == D("-8011.36")
    assert (up.eur_booked, up.eur_at_rate, up.eur_at_shock, up.difference, up.change) == (
        D("100000.00"), D("88125.00"), D("80113.64"), D("-19886.36"), D("-8011.36"))
    down = exchange.exposure_what_if(exp, {"USD": D("-50")})
    assert down.rows[0].shocked_rate == D("0.6") and down.eur_at_shock == D("176250.00")


def test_a_missing_rate_shows_no_eur_figure_and_leaves_the_totals_at_a_rate_unknown():
    exp = [exchange.Exposure("USD", D("100.00"), D("90.00"), D("1.25"), dt.date(2025, 1, 2), D("80.00")),
           exchange.Exposure("CHF", D("50.00"), D("52.00"), None, None, None)]
    w = exchange.exposure_what_if(exp, {"USD": D("25"), "CHF": D("5")})
    assert [r.eur_at_shock for r in w.rows] == [D("64.00"), None]
    assert [r.change for r in w.rows] == [D("-16.00"), None]
    # Not 64.00 (USD alone): the CHF is owed too. As the exposure's own totals say.
    assert (w.eur_booked, w.eur_at_rate, w.eur_at_shock, w.difference, w.change) == (
        D("142.00"), None, None, None, None)
    t = exchange.exposure_totals(exp)
    assert (t.eur_booked, t.eur_at_rate, t.difference) == (w.eur_booked, w.eur_at_rate, w.difference)
    with_rates = exchange.exposure_what_if(exp[:1])
    assert (with_rates.eur_at_rate, with_rates.difference) == (D("80.00"), D("-10.00"))


@pytest.mark.parametrize("value", ["50.01", "-51", "1e9", "abc", "NaN", "2.555", "9" * 41])
def test_a_move_outside_minus_50_to_50_percent_is_refused(value):
    with pytest.raises(ValidationError):
        exchange.shock_percent(value)


def test_a_move_is_read_in_either_decimal_form():
    assert exchange.shock_percent("-12,5") == D("-12.50")
    assert exchange.shock_percent("5 %") == D("5.00")


def test_two_periods_split_anywhere_in_the_year_add_up_to_the_year_row_by_row(ledger):
    populate(ledger)
    later = dt.date(2026, 6, 1)
    with ledger.uow(write=False) as uow:
        year = periods.period_execution(uow, period_of("year", 2025, today=later), "organisation")
        whole = {r.key: (r.committed, r.paid, r.paid_in_year) for r in year.rows}
        day = dt.date(2025, 1, 1)
        while day < dt.date(2025, 12, 31):
            first = periods.period_execution(uow, period(dt.date(2025, 1, 1), day), "organisation")
            second = periods.period_execution(uow, period(day + dt.timedelta(days=1), dt.date(2025, 12, 31)),
                                              "organisation")
            rest = {r.key: r for r in second.rows}
            for r in first.rows:
                s = rest[r.key]
                assert (r.committed + s.committed, r.paid + s.paid, r.paid_in_year + s.paid_in_year) == \
                    whole[r.key], (day, r.key)
            assert second.totals.open_at_end == year.totals.open_at_end
            day += dt.timedelta(days=11)
