"""The dashboard's own reads (budget.services.organisation_status) equal the core views, on
SQLite and PostgreSQL: the directorates summed from the organisations, the fiscal years
read by index seeks, last year's December cumulation used by the overview's caption."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from budget.services import ab_status, fx_history, organisation_status, views

YEAR = dt.date.today().year
AB = "14.54.11.35.40.01"


def populate(ledger) -> None:
    """Two years of a few entries: credits, USD and EUR commitments, payments, an assessment."""
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
        register_allocation(uow, AB, "UN contributions", "M2")
        register_organisation(uow, OrganisationInput("UN-RB", "UN regular budget", "M2", "USD", AB))
        register_organisation(uow, OrganisationInput("OSCE", "OSCE", "M1", "EUR", AB))
        register_organisation(uow, OrganisationInput("IDLE", "Nothing yet", "M3", "EUR", AB))
        record_rates(uow, [("USD", dt.date(YEAR - 1, 1, 2), Decimal("1.0800")),
                           ("USD", dt.date(YEAR, 1, 2), Decimal("1.0350"))])
        for year in (YEAR - 1, YEAR):
            record_credit(uow, AB, year, "commitment", "1000000.00", entry_date=dt.date(year, 1, 1))
            record_credit(uow, AB, year, "payment", "900000.00", entry_date=dt.date(year, 1, 1))
            register_assessment(uow, "UN-RB", f"ST/ADM/{year}", [("USD", "414000.00")],
                                period_start=dt.date(year, 1, 1), period_end=dt.date(year, 12, 31),
                                due_date=dt.date(year, 1, 31))
            commit(uow, f"ENG-{year}", "UN-RB", entry_date=dt.date(year, 1, 15), currency="USD",
                   amount="414000.00", assessment_reference=f"ST/ADM/{year}")
            record_payment(uow, f"PAY-{year}", f"ENG-{year}", entry_date=dt.date(year, 1, 20),
                           amount="103500.00")
            commit(uow, f"OS-{year}", "OSCE", entry_date=dt.date(year, 1, 16), amount_eur="12345.67")
            record_payment(uow, f"OSP-{year}", f"OS-{year}", entry_date=dt.date(year, 1, 25),
                           amount="2345.67")
        uow.commit()


def test_directorates_summed_from_the_organisations_equal_execution_by_directorate(ledger):
    populate(ledger)
    with ledger.uow(write=False) as uow:
        for scope in (None, ("M2",), ("M1", "M3")):
            for year, as_of in ((YEAR, dt.date.today()), (YEAR - 1, None)):
                ex = views.execution(uow, year, "directorate", as_of=as_of, directorates=scope)
                statuses = organisation_status.organisation_status(uow, year, as_of=as_of, directorates=scope)
                rows = organisation_status.directorate_status(statuses, views.directorates_list(uow), scope)
                assert [r.code for r in rows] == [r.key for r in ex.rows]
                for mine, theirs in zip(rows, ex.rows, strict=True):
                    assert mine.name == theirs.name
                    assert (mine.committed, mine.paid, mine.paid_in_year, mine.assessed_eur) == (
                        theirs.committed, theirs.paid, theirs.paid_in_year, theirs.assessed_eur)
                    assert mine.organisations == sum(1 for s in statuses if s.directorate == mine.code)
                assert sum((r.committed for r in rows), Decimal(0)) == ex.totals.committed
                assert sum((r.paid for r in rows), Decimal(0)) == ex.totals.paid
    with ledger.uow(write=False) as uow:
        m2 = organisation_status.directorate_status(organisation_status.organisation_status(uow, YEAR),
                                                    views.directorates_list(uow))
    assert {r.code for r in m2 if r.committed} == {"M1", "M2"}


def test_the_fiscal_years_read_by_index_seeks_equal_the_years_with_data(ledger):
    with ledger.uow(write=False) as uow:
        assert organisation_status.fiscal_years(uow) == views.years_with_data(uow) == []
    populate(ledger)
    with ledger.uow(write=False) as uow:
        assert organisation_status.fiscal_years(uow) == views.years_with_data(uow) == [YEAR - 1, YEAR]


def test_last_years_december_cumulation_equals_its_execution_totals(ledger):
    populate(ledger)
    with ledger.uow(write=False) as uow:
        for scope in (None, ("M2",)):
            december = views.monthly(uow, YEAR - 1, directorates=scope)[-1]
            totals = views.execution(uow, YEAR - 1, "directorate", directorates=scope).totals
            assert december.cumulative_committed == totals.committed > 0
            assert december.cumulative_paid == totals.paid_in_year > 0


def test_the_budget_lines_status_equals_execution_by_ab(ledger):
    populate(ledger)
    with ledger.uow() as uow:
        from budget.services import register_allocation

        register_allocation(uow, "14.54.11.35.40.02", "Unused line", "M1")
        uow.commit()
    with ledger.uow(write=False) as uow:
        for scope in (None, ("M2",), ("M1",)):
            for year, as_of in ((YEAR, dt.date.today()), (YEAR - 1, None), (YEAR, dt.date(YEAR, 1, 15))):
                ex = views.execution(uow, year, "ab", as_of=as_of, directorates=scope)
                mine = ab_status.allocation_status(uow, year, as_of=as_of, directorates=scope)
                assert [a.code for a in mine] == [r.key for r in ex.rows]
                for a, r in zip(mine, ex.rows, strict=True):
                    assert (a.commitment_credits, a.committed, a.payment_credits, a.paid_in_year) == (
                        r.commitment_credits, r.committed, r.payment_credits, r.paid_in_year)
                    assert a.available == r.available


def test_the_rates_used_are_the_same_read_with_or_without_a_directorate_limit(ledger):
    populate(ledger)
    with ledger.uow(write=False) as uow:
        every = [d.code for d in views.directorates_list(uow)]
        whole = fx_history.rates_used(uow, YEAR)
        assert whole == fx_history.rates_used(uow, YEAR, directorates=every)
        assert [(r.currency, r.payments, r.amount) for r in whole] == [("USD", 1, Decimal("103500.00"))]
        assert fx_history.rates_used(uow, YEAR, directorates=["M1"]) == []



def test_the_data_version_read_on_a_pooled_connection_sees_another_processs_write_at_once(ledger):
    """The dashboard checks the version on every run without a unit of work: a write
    committed elsewhere (here another engine, as the CLI would be) must show on the next
    check, and it must equal the unit of work's reading."""
    from budget.ledger.db import make_engine, make_session_factory
    from budget.uow import UnitOfWork

    with ledger.uow(write=False) as uow:
        before = views.data_version(uow)
    assert views.data_version_of(ledger.engine) == before
    assert views.data_version_of(ledger.engine) == before  # the pooled connection, again
    elsewhere = make_engine(ledger.url)
    try:
        with UnitOfWork(make_session_factory(elsewhere), user="cli", channel="cli") as uow:
            uow.audit("test", "nothing")
            uow.commit()
    finally:
        elsewhere.dispose()
    after = views.data_version_of(ledger.engine)
    assert after > before
    with ledger.uow(write=False) as uow:
        assert views.data_version(uow) == after


def test_an_organisations_exchange_differences_are_the_ledgers_with_their_rates(demo_ledger):
    """The detail's exchange differences are exchange.differences_on, the same lines (rates
    included) as the Exchange rates page and the CLI list for that organisation."""
    with demo_ledger.uow(write=False) as uow:
        every = views.exchange_differences(uow)
        codes = sorted({d.organisation for d in every})
        assert len(codes) >= 2, "the demo has foreign-currency payments"
        for code in codes:
            detail = organisation_status.organisation_detail(uow, code)
            assert detail.exchange_differences == [d for d in every if d.organisation == code]
            assert all(d.commitment_rate and d.payment_rate for d in detail.exchange_differences)


def test_an_organisations_past_years_are_the_years_execution(demo_ledger):
    """The detail's years (one SQL read per figure across the years) equal the execution of
    each year by organisation, the figures of every other page, as of today and of a past day."""
    with demo_ledger.uow(write=False) as uow:
        years = organisation_status.fiscal_years(uow)
        for as_of in (None, dt.date(years[-1], 3, 31)):
            ex = {y: {r.key: r for r in views.execution(uow, y, "organisation", as_of=as_of).rows}
                  for y in years}
            for code in ("FAO", "UN-RB", "NATO-CIV", "OSCE", "UNESCO"):
                mine = organisation_status.organisation_years(uow, code, as_of=as_of)
                assert len(mine) >= 2, (code, as_of)
                for y in mine:
                    row = ex[y.year][code]
                    assert (y.assessed_eur, y.committed, y.paid) == (row.assessed_eur, row.committed, row.paid), \
                        (code, y.year, as_of)
