"""The year-end outlook and payment timeliness on SQLite and PostgreSQL, on a small ledger whose
every expected figure is worked out by hand below.

The ledger (EUR unless said):
- AB A1 (M2): 2026 credits 1,000,000 commitment / 900,000 payment.
  ORG20: 100,000 a year, due 31 January, paid 20 days late in 2024 and 2025 (median delay 20);
  2026: received 1 Sept., due 1 Oct., committed 5 Sept., unpaid.
  QUICK: 2025 and 2026 calls of 10,000 paid within 20 days of receipt, before the due date.
  USDORG: 2026 call of USD 216,000 received 10 Sept., due 15 Dec., not committed, no history.
- AB A2 (M1): 2026 credits 100,000 / 100,000 (heading for a shortfall).
  LATE: 2025 call of 60,000 received 1 March, due 31 March, paid 10 April (delay 10); none yet
  in 2026 (an expected call).
  HEAVY: 2026 call of 80,000 due 1 March, committed, 30,000 paid on 1 March.
- USD on 30 Sept. 2026: 1.08 (ECB); what-if 1.20.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from budget.errors import BudgetError, ValidationError
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
from budget.services import outlook as ol
from budget.services import timeliness as tl

D = Decimal
AS_OF = dt.date(2026, 9, 30)


def _call(uow, org, ref, amount, received, due, cur="EUR"):
    register_assessment(uow, org, ref, [(cur, amount)], period_start=dt.date(received.year, 1, 1),
                        period_end=dt.date(received.year, 12, 31), due_date=due, received=received,
                        fiscal_year=received.year)


def _commit(uow, ref, org, call, amount, day):
    commit(uow, ref, org, entry_date=day, currency="EUR", amount=amount, assessment_reference=call)


def seed(ledger) -> None:
    with ledger.uow() as uow:
        register_allocation(uow, "A1", "UN", "M2", control_mode="warn")
        register_allocation(uow, "A2", "Security", "M1", control_mode="warn")
        for code, cur, dcode, ab in (("ORG20", "EUR", "M2", "A1"), ("QUICK", "EUR", "M2", "A1"),
                                     ("USDORG", "USD", "M2", "A1"), ("LATE", "EUR", "M1", "A2"),
                                     ("HEAVY", "EUR", "M1", "A2")):
            register_organisation(uow, OrganisationInput(code, f"{code} org", dcode, cur, ab))
        for year in (2024, 2025):
            for ab in ("A1", "A2"):
                for kind in ("commitment", "payment"):
                    record_credit(uow, ab, year, kind, "500000.00", entry_date=dt.date(year, 1, 1))
        record_credit(uow, "A1", 2026, "commitment", "1000000.00", entry_date=dt.date(2026, 1, 1))
        record_credit(uow, "A1", 2026, "payment", "900000.00", entry_date=dt.date(2026, 1, 1))
        record_credit(uow, "A2", 2026, "commitment", "100000.00", entry_date=dt.date(2026, 1, 1))
        record_credit(uow, "A2", 2026, "payment", "100000.00", entry_date=dt.date(2026, 1, 1))
        record_rates(uow, [("USD", dt.date(2026, 9, 1), D("1.0500")), ("USD", AS_OF, D("1.0800"))])
        for year in (2024, 2025):  # ORG20: due 31 Jan., paid in full 20 Feb. (20 days late)
            _call(uow, "ORG20", f"ORG20-{year}", "100000.00", dt.date(year, 1, 2), dt.date(year, 1, 31))
            _commit(uow, f"C-ORG20-{year}", "ORG20", f"ORG20-{year}", "100000.00", dt.date(year, 1, 10))
            record_payment(uow, f"P-ORG20-{year}", f"C-ORG20-{year}", entry_date=dt.date(year, 2, 20),
                           amount="100000.00")
        _call(uow, "ORG20", "ORG20-2026", "100000.00", dt.date(2026, 9, 1), dt.date(2026, 10, 1))
        _commit(uow, "C-ORG20-2026", "ORG20", "ORG20-2026", "100000.00", dt.date(2026, 9, 5))
        for year in (2025, 2026):  # QUICK: received 1 May, half on the 11th, the rest on the 21st
            _call(uow, "QUICK", f"QUICK-{year}", "10000.00", dt.date(year, 5, 1), dt.date(year, 6, 30))
            _commit(uow, f"C-QUICK-{year}", "QUICK", f"QUICK-{year}", "10000.00", dt.date(year, 5, 2))
            record_payment(uow, f"P1-QUICK-{year}", f"C-QUICK-{year}", entry_date=dt.date(year, 5, 11),
                           amount="5000.00")
            record_payment(uow, f"P2-QUICK-{year}", f"C-QUICK-{year}", entry_date=dt.date(year, 5, 21),
                           amount="5000.00")
        _call(uow, "USDORG", "USD-2026", "216000.00", dt.date(2026, 9, 10), dt.date(2026, 12, 15), cur="USD")
        _call(uow, "LATE", "LATE-2025", "60000.00", dt.date(2025, 3, 1), dt.date(2025, 3, 31))
        _commit(uow, "C-LATE-2025", "LATE", "LATE-2025", "60000.00", dt.date(2025, 3, 5))
        record_payment(uow, "P-LATE-2025", "C-LATE-2025", entry_date=dt.date(2025, 4, 10), amount="60000.00")
        _call(uow, "HEAVY", "HEAVY-2026", "80000.00", dt.date(2026, 2, 1), dt.date(2026, 3, 1))
        _commit(uow, "C-HEAVY-2026", "HEAVY", "HEAVY-2026", "80000.00", dt.date(2026, 2, 5))
        record_payment(uow, "P-HEAVY-2026", "C-HEAVY-2026", entry_date=dt.date(2026, 3, 1), amount="30000.00")
        uow.commit()


def run(ledger, **kw):
    with ledger.uow(write=False) as uow:
        return ol.outlook(uow, 2026, as_of=AS_OF, **kw)


def test_an_organisation_paying_twenty_days_late_two_years_running_is_expected_twenty_days_after_due(ledger):
    seed(ledger)
    o = run(ledger)
    assert o.delays == {"ORG20": 20, "QUICK": -40, "LATE": 10}
    (part,) = [p for p in o.parts if p.organisation == "ORG20"]
    assert (part.kind, part.source, part.day, part.eur) == ("payment", "open_commitment", dt.date(2026, 10, 21),
                                                             D("100000.00"))
    assert part.basis == "open commitment; due 2026-10-01 + median delay 20 days"


def test_a_usd_call_not_yet_committed_is_re_estimated_at_the_day_rate_and_at_a_given_rate(ledger):
    seed(ledger)
    at_day, given = run(ledger), run(ledger, rates={"USD": D("1.20")})
    for o, eur in ((at_day, D("200000.00")), (given, D("180000.00"))):  # 216,000 / 1.08 and / 1.20
        (need,) = o.credit_needs
        assert (need.organisation, need.currency, need.open, need.committed_eur) == ("USDORG", "USD",
                                                                                     D("216000.00"), D("0.00"))
        assert need.needed_eur == need.adjustment == eur
        parts = [p for p in o.parts if p.organisation == "USDORG"]
        assert [(p.kind, p.day, p.eur) for p in parts] == [("commitment", dt.date(2026, 10, 1), eur),
                                                           ("payment", dt.date(2026, 12, 15), eur)]
    assert [(r.currency, r.rate, r.source) for r in at_day.rates] == [("USD", D("1.0800"), "ECB 2026-09-30")]
    assert [(r.currency, r.source) for r in given.rates] == [("USD", "given")]
    # ± 5 %: 216,000 / 1.026 = 210,526.32 (euro weaker), 216,000 / 1.134 = 190,476.19 (stronger)
    (payment,) = [p for p in at_day.parts if p.organisation == "USDORG" and p.kind == "payment"]
    assert (payment.eur_weak, payment.eur_strong) == (D("210526.32"), D("190476.19"))


def test_a_call_of_last_year_not_yet_received_is_expected_at_last_years_amount(ledger):
    seed(ledger)
    o = run(ledger)
    parts = [p for p in o.parts if p.organisation == "LATE"]
    # received 1 March last year, so a year later is past: from the next day on; due then + 10 days
    assert [(p.kind, p.source, p.ab, p.amount, p.day, p.estimated) for p in parts] == [
        ("commitment", "expected_call", "A2", D("60000.00"), dt.date(2026, 10, 1), True),
        ("payment", "expected_call", "A2", D("60000.00"), dt.date(2026, 10, 11), True)]
    assert "late" in parts[0].basis


def test_the_basis_is_written_in_the_readers_language_with_their_dates(ledger):
    """One sentence per part from its facts, in English, French or Dutch, the dates written as
    the caller writes them; an early payer's median is said as days before the due date."""
    seed(ledger)
    o = run(ledger)
    (org20,) = [p for p in o.parts if p.organisation == "ORG20"]
    assert (org20.why.source, org20.why.due, org20.why.delay, org20.why.moved) == (
        "open_commitment", dt.date(2026, 10, 1), 20, False)

    def belgian(day: dt.date) -> str:
        return day.strftime("%d/%m/%Y")

    assert ol.describe(org20, "fr", belgian) == "engagement ouvert ; échéance le 01/10/2026 + délai médian de 20 jours"
    assert ol.describe(org20, "nl", belgian) == (
        "openstaande vastlegging; vervaldag 01/10/2026 + mediane vertraging van 20 dagen")
    late = [p for p in o.parts if p.organisation == "LATE"]
    assert [ol.describe(p, "fr") for p in late] == [
        "appel attendu (celui de l'an dernier : LATE-2025, reçu le 2025-03-01), en retard : engagé à réception",
        "appel attendu (celui de l'an dernier : LATE-2025, reçu le 2025-03-01), en retard ; "
        "échéance le 2026-10-01 + délai médian de 10 jours"]
    (heavy,) = [p for p in o.parts if p.organisation == "HEAVY"]
    assert ol.describe(heavy, "nl").endswith(": datum verstreken, verwacht vanaf de volgende dag")
    # QUICK pays 40 days early but owes nothing: the same part with its median, for the wording
    early = replace(org20, why=replace(org20.why, delay=-40))
    assert early.basis == "open commitment; due 2026-10-01 − 40 days (median: paid early)"
    with pytest.raises(ValidationError):
        ol.describe(org20, "de")


def test_an_ab_heading_for_a_shortfall_shows_it_and_the_other_lapses(ledger):
    seed(ledger)
    o = run(ledger)
    a1, a2 = o.rows
    # A2: committed 80,000 + expected call 60,000 = 140,000 against 100,000;
    #     paid 30,000 + HEAVY's 50,000 still open + LATE's 60,000 = 140,000 against 100,000.
    assert (a2.key, a2.committed, a2.expected_commitments, a2.commitment_balance) == (
        "A2", D("80000.00"), D("60000.00"), D("-40000.00"))
    assert (a2.paid_in_year, a2.expected_payments, a2.payment_balance) == (D("30000.00"), D("110000.00"),
                                                                          D("-40000.00"))
    # A1: committed 100,000 + 10,000, expected USD 200,000; paid 10,000, expected 100,000 + 200,000.
    assert (a1.projected_committed, a1.commitment_balance) == (D("310000.00"), D("690000.00"))
    assert (a1.projected_paid, a1.payment_balance) == (D("310000.00"), D("590000.00"))
    assert (o.total.projected_committed, o.total.projected_paid) == (D("450000.00"), D("450000.00"))
    heavy = [p for p in o.parts if p.organisation == "HEAVY"]
    assert [(p.day, p.eur) for p in heavy] == [(dt.date(2026, 10, 1), D("50000.00"))]
    assert heavy[0].basis.endswith(": already past, expected from the next day")


def test_the_cash_plan_runs_month_by_month_to_the_projected_year_end(ledger):
    seed(ledger)
    o = run(ledger)
    plan = {m.month: m for m in o.cash_plan}
    assert [(m, plan[m].paid, plan[m].expected_payments) for m in (3, 5, 10, 12)] == [
        (3, D("30000.00"), D("0.00")), (5, D("10000.00"), D("0.00")),
        (10, D("0.00"), D("210000.00")), (12, D("0.00"), D("200000.00"))]
    assert [plan[m].cumulative_paid for m in (3, 5, 9, 10, 11, 12)] == [
        D("30000.00"), D("40000.00"), D("40000.00"), D("250000.00"), D("250000.00"), D("450000.00")]
    assert [plan[m].cumulative_committed for m in (2, 5, 9, 10, 12)] == [
        D("80000.00"), D("90000.00"), D("190000.00"), D("450000.00"), D("450000.00")]
    assert plan[12].cumulative_paid == o.total.projected_paid


def test_the_outlook_by_directorate_and_organisation_adds_up_to_the_same_totals(ledger):
    seed(ledger)
    by_ab = run(ledger)
    by_dir = run(ledger, by="directorate")
    by_org = run(ledger, by="organisation")
    assert [(r.key, r.commitment_balance) for r in by_dir.rows] == [("M1", D("-40000.00")),
                                                                    ("M2", D("690000.00"))]
    assert by_org.total.commitment_credits is None
    for o in (by_dir, by_org):
        assert (o.total.projected_committed, o.total.projected_paid) == (
            by_ab.total.projected_committed, by_ab.total.projected_paid)
    scoped = run(ledger, directorates=["M1"])
    assert [r.key for r in scoped.rows] == ["A2"] and scoped.credit_needs == []


def test_an_outlook_outside_its_year_or_without_a_rate_is_refused_in_one_line(ledger):
    seed(ledger)
    with pytest.raises(ValidationError, match="as of a day of 2026"), ledger.uow(write=False) as uow:
        ol.outlook(uow, 2026, as_of=dt.date(2025, 12, 31))
    # a typo: a thousand times the known rate
    with pytest.raises(BudgetError, match="USD"), ledger.uow(write=False) as uow:
        ol.outlook(uow, 2026, as_of=AS_OF, rates={"USD": D("1080")})


def test_timeliness_counts_days_from_receipt_and_the_honour_roll(ledger):
    seed(ledger)
    with ledger.uow(write=False) as uow:
        t = tl.timeliness(uow, 2025, as_of=dt.date(2025, 12, 31))
    rows = {a.organisation: a for a in t.assessments}
    assert (rows["ORG20"].days_to_first, rows["ORG20"].days_to_full, rows["ORG20"].paid_by_due) == (49, 49, False)
    assert (rows["QUICK"].days_to_first, rows["QUICK"].days_to_full, rows["QUICK"].paid_by_due) == (10, 20, True)
    assert (rows["LATE"].days_to_full, rows["LATE"].delay) == (40, 10)
    orgs = {g.key: g for g in t.organisations}
    assert (orgs["QUICK"].honour_roll, orgs["ORG20"].honour_roll, orgs["LATE"].honour_roll) == (True, False, False)
    m2 = {g.key: g for g in t.directorates}["M2"]
    # ORG20 (100,000, late) and QUICK (10,000, on time): median (49 + 20) / 2; half by count, 1/11 by EUR
    assert (m2.median_days_to_full, m2.share_by_due_count, m2.share_by_due_eur) == (
        D("34.5"), D("0.5000"), D("0.0909"))


def test_a_partly_paid_call_has_a_first_payment_and_no_full_payment_yet(ledger):
    seed(ledger)
    with ledger.uow(write=False) as uow:
        t = tl.timeliness(uow, 2026, as_of=AS_OF)
    heavy = next(a for a in t.assessments if a.organisation == "HEAVY")
    assert (heavy.days_to_first, heavy.fully_paid, heavy.paid_by_due, heavy.within(30)) == (28, None, False, False)
    usd = next(a for a in t.assessments if a.organisation == "USDORG")
    assert (usd.first_paid, usd.paid_by_due, usd.within(30)) == (None, None, None)  # 20 days old, due in December


def test_the_backtest_of_a_past_year_measures_each_month_end_against_the_year_paid(ledger):
    seed(ledger)
    with ledger.uow(write=False) as uow:
        months = ol.backtest(uow, 2025)
    assert [m.as_of for m in months][:2] == [dt.date(2025, 1, 31), dt.date(2025, 2, 28)]
    # 2025 payments: ORG20 100,000 + QUICK 10,000 + LATE 60,000
    assert {m.actual_paid for m in months} == {D("170000.00")}
    # 31 January: ORG20's open 100,000, due 31 Jan. + 20 days; QUICK and LATE had no 2024 call,
    # so nothing announces them (-70,000, -41.18 %); at the year end nothing is left to come.
    assert (months[0].projected_paid, months[0].error, months[0].error_rate) == (
        D("100000.00"), D("-70000.00"), D("-0.4118"))
    assert months[-1].error == 0 and months[-1].error_rate == 0


def test_the_calls_timeliness_reads_are_the_registered_assessments(ledger):
    from budget.services.assessments import assessments

    seed(ledger)
    with ledger.uow() as uow:  # a reversed call is not live: neither read shows it
        from budget.services import reverse

        _call(uow, "LATE", "EXTRA-2025", "5000.00", dt.date(2025, 6, 1), dt.date(2025, 6, 30))
        uow.commit()
    with ledger.uow() as uow:
        from budget.services.reversals import live_entries

        extra = next(a for a in live_entries(uow, "assessment") if a.reference == "EXTRA-2025")
        reverse(uow, "assessment", extra.id, reason="registered twice")
        uow.commit()
    with ledger.uow(write=False) as uow:
        for years, as_of in (([2025, 2026], AS_OF), ([2024], dt.date(2024, 12, 31))):
            registered = [(r.organisation, r.directorate, r.reference, r.fiscal_year, r.received, r.due_date,
                           r.lines, r.eur) for y in years for r in assessments(uow, year=y, as_of=as_of)]
            read = [(r.organisation, r.directorate, r.reference, r.fiscal_year, r.received, r.due_date,
                     r.lines, r.eur) for r in tl.calls(uow, years, as_of=as_of)]
            assert sorted(read) == sorted(registered) and read
