"""The maintained projections (open items, per-year totals) give exactly what the entries
give, today and as of past dates, on SQLite and PostgreSQL; the light reads built on them
(arrears summary, the first open commitments, their count) agree with the full lists."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from conftest import DEMO_TODAY
from sqlalchemy import select

from budget.ledger.models import Commitment, Organisation
from budget.money import ZERO
from budget.services import balances, open_sums, views

TODAY = DEMO_TODAY  # the demo_ledger fixture's day
DATES = (dt.date(2024, 6, 30), dt.date(2025, 3, 31), dt.date(2025, 7, 16), dt.date(2025, 12, 31),
         dt.date(2026, 10, 31), TODAY)


def _open_from_entries(uow, day):
    """(reference, committed, paid, committed EUR, paid EUR) open as of ``day``, from the entries."""
    sums = {r.commitment_id: r for r in uow.session.execute(open_sums.commitment_sums(day))}
    refs = dict(uow.session.execute(select(Commitment.id, Commitment.reference)
                                    .where(Commitment.id.in_(list(sums)))).all())
    return {(refs[i], r.committed, r.paid, r.committed_eur, r.paid_eur) for i, r in sums.items()}


def _outstanding_from_entries(uow, day):
    codes = dict(uow.session.execute(select(Organisation.id, Organisation.code)).all())
    return {(codes[r.organisation_id], r.reference, r.currency, r.assessed, r.paid)
            for r in uow.session.execute(open_sums.assessment_sums(day))}


def test_open_items_read_through_the_projections_equal_the_entries_as_of_any_date(demo_ledger):
    with demo_ledger.uow(write=False) as uow:
        assert balances.verify(uow.session) == []
        for day in DATES:
            got = {(o.reference, o.committed, o.paid, o.committed_eur, o.paid_eur)
                   for o in views.open_commitments(uow, as_of=day)}
            assert got == _open_from_entries(uow, day), day
            # Before the credits returned are set against them (a rule of its own, tested in
            # test_core_business_dates.py): the projection's lines equal the entries'.
            lines = {(r[0], r[3], r[4], Decimal(r[5]).scaleb(-2), Decimal(r[9]).scaleb(-2))
                     for r in views.outstanding_rows_before_credits(uow, day, None)}
            assert lines == _outstanding_from_entries(uow, day), day


def test_execution_and_monthly_as_of_past_dates_equal_the_entries_of_those_dates(demo_ledger):
    with demo_ledger.uow(write=False) as uow:
        for day in DATES:
            for year in (2024, 2025, 2026):
                direct: dict[str, Decimal] = defaultdict(lambda: ZERO)
                for source in balances.total_sources(lambda m, d=day: m.entry_date <= d):
                    for r in uow.session.execute(source):
                        if r.fiscal_year == year:
                            direct[r.kind] += r.amount_eur
                for by in views.DIMENSIONS:
                    t = views.execution(uow, year, by, as_of=day).totals
                    assert (t.committed, t.paid, t.paid_in_year) == (
                        direct["commitment"] + direct["adjustment"], direct["paid"],
                        direct["paid_in_year"]), (day, year, by)
                    assert t.commitment_credits == direct["credit_commitment"], (day, year, by)
                    if by != "ab":  # by AB, lines of organisations without an AB have no row
                        assert t.assessed_eur == direct["assessed"], (day, year, by)
                months = views.monthly(uow, year, as_of=day)
                assert months[-1].cumulative_committed == direct["commitment"] + direct["adjustment"]
                assert months[-1].cumulative_paid == direct["paid_in_year"]


def test_arrears_summary_and_the_first_open_commitments_agree_with_the_full_lists(demo_ledger):
    with demo_ledger.uow(write=False) as uow:
        directorates = [d.code for d in views.directorates_list(uow)][2:5]
        for day in DATES:
            for scope in (None, directorates):
                full = views.arrears(uow, day, directorates=scope)
                s = views.arrears_summary(uow, day, directorates=scope)
                assert (s.total_eur, s.overdue_count, s.buckets, s.by_currency) == (
                    full.total_eur, len(full.overdue), full.buckets, full.by_currency), (day, scope)
                assert s.not_yet_due_count == len(full.not_yet_due)
                assert s.not_yet_due_eur == sum((x.outstanding_eur for x in full.not_yet_due), ZERO)
                assert full.not_yet_due_eur == s.not_yet_due_eur
                for year in (None, day.year):
                    everything = views.open_commitments(uow, as_of=day, year=year, directorates=scope)
                    assert views.open_commitments(uow, as_of=day, year=year, directorates=scope,
                                                  limit=3) == everything[:3]
                    n, total = views.open_commitments_count(uow, as_of=day, year=year, directorates=scope)
                    assert (n, total) == (len(everything), sum((o.open_eur for o in everything), ZERO))


def _largest(items, top):
    import heapq

    keep = set(heapq.nlargest(top, range(len(items)), key=lambda i: items[i].outstanding_eur))
    return [x for i, x in enumerate(items) if i in keep]


def test_arrears_view_is_the_largest_lines_of_the_full_lists_with_their_counts_and_totals(demo_ledger):
    with demo_ledger.uow(write=False) as uow:
        for day in DATES:
            ends = (day + dt.timedelta(days=30), day + dt.timedelta(days=90))
            full = views.arrears(uow, day)
            for top in (3, 200):
                v = views.arrears_view(uow, day, top=top, due_by=ends)
                assert v.summary == views.arrears_summary(uow, day)
                assert v.overdue.lines == _largest(full.overdue, top), (day, top)
                assert (v.overdue.count, v.overdue.total_eur) == (len(full.overdue), full.total_eur)
                for end, got in zip(ends, v.due, strict=True):
                    due = full.falling_due(end)  # what a page's download lists
                    assert due == [x for x in full.not_yet_due if x.due_date <= end]
                    assert got.lines == _largest(due, top), (day, end, top)
                    assert (got.count, got.total_eur) == (
                        len(due), sum((x.outstanding_eur for x in due), ZERO))


def test_exchange_difference_view_is_the_largest_of_the_full_list_with_its_sums(demo_ledger):
    import heapq

    with demo_ledger.uow(write=False) as uow:
        for year, end in ((2024, None), (2025, dt.date(2025, 9, 30)), (2026, TODAY)):
            full = views.exchange_differences(uow, year=year, end=end)
            assert full, "the demo realises exchange differences"
            for top in (2, 200):
                v = views.exchange_difference_view(uow, year=year, end=end, top=top)
                keep = set(heapq.nlargest(top, range(len(full)), key=lambda i: abs(full[i].gain_eur)))
                assert v.lines == [d for i, d in enumerate(full) if i in keep], (year, top)
                assert v.count == len(full)
                assert v.gains == sum((d.gain_eur for d in full if d.gain_eur > 0), ZERO)
                assert v.losses == sum((d.gain_eur for d in full if d.gain_eur < 0), ZERO)


def test_concurrent_payments_on_one_assessment_keep_the_projections_exact(ledger):
    """Officers paying the lines of one assessment at the same moment (threads, each its own
    transaction): the open items and totals equal the entries afterwards (PostgreSQL
    serialises the upkeep; SQLite serialises writers)."""
    import threading

    from budget.services import (
        OrganisationInput,
        commit,
        record_credit,
        record_payment,
        register_allocation,
        register_assessment,
        register_organisation,
    )

    with ledger.uow() as uow:
        register_allocation(uow, "AB-1", "Contributions", "M2", "warn")
        register_organisation(uow, OrganisationInput("ORG", "An organisation", "M2", "EUR", "AB-1"))
        record_credit(uow, "AB-1", 2026, "commitment", Decimal("100000"), entry_date=dt.date(2026, 1, 2))
        register_assessment(uow, "ORG", "AS-1", [("EUR", Decimal("8000"))], fiscal_year=2026,
                            period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 12, 31),
                            due_date=dt.date(2026, 3, 1), received=dt.date(2026, 1, 5))
        for i in range(4):
            commit(uow, f"C-{i}", "ORG", entry_date=dt.date(2026, 1, 10), amount_eur=Decimal("2000"),
                   assessment_reference="AS-1")
        uow.commit()
    errors: list[BaseException] = []

    def pay(i: int) -> None:
        try:
            for k in range(3):
                with ledger.uow(user=f"officer-{i}") as uow:
                    record_payment(uow, f"P-{i}-{k}", f"C-{i}", entry_date=dt.date(2026, 2, 1 + k),
                                   amount=Decimal("500"))
                    uow.commit()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=pay, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    with ledger.uow(write=False) as uow:
        assert balances.verify(uow.session) == []
        [line] = views.outstanding(uow, dt.date(2026, 6, 30))
        assert (line.paid, line.outstanding) == (Decimal("6000.00"), Decimal("2000.00"))
        assert {o.reference: o.open for o in views.open_commitments(uow)} == {
            f"C-{i}": Decimal("500.00") for i in range(4)}
        assert views.execution(uow, 2026, "organisation").totals.paid == Decimal("6000.00")
