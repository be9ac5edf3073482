"""The monthly report's data agrees with the service layer to the cent, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from reports_seed import MONTH, Y, seed_report_ledger

from budget import errors
from budget.money import ZERO
from budget.reports.monthly import build_monthly, monthly_report
from budget.services import record_payment, register_assessment, reverse, views
from budget.services.organisation_status import organisation_status
from budget.services.periods import payments_between

END = dt.date(Y, 10, 31)


def test_report_figures_equal_the_service_layer_figures_exactly(ledger):
    seed_report_ledger(ledger.factory)
    report = monthly_report(ledger.factory, MONTH)
    with ledger.uow(write=False) as uow:
        ex = views.execution(uow, Y, "organisation", as_of=END)
        by_dir = views.execution(uow, Y, "directorate", as_of=END)
        last = views.execution(uow, Y - 1, "directorate", as_of=dt.date(Y - 1, 10, 31))
        arrears = views.arrears(uow, END)
        opened = views.open_commitments(uow, as_of=END)
        fx_year = views.exchange_differences(uow, year=Y, end=END)
        fx_month = views.exchange_differences(uow, start=dt.date(Y, 10, 1), end=END)
        month = views.monthly(uow, Y, as_of=END)
    cur = report.summary.current
    assert (cur.commitment_credits, cur.payment_credits, cur.committed, cur.paid, cur.open,
            cur.available, cur.paid_in_year) == (
        ex.totals.commitment_credits, ex.totals.payment_credits, ex.totals.committed,
        ex.totals.paid, ex.totals.open, ex.totals.available, ex.totals.paid_in_year)
    assert cur.commitment_rate == ex.totals.commitment_rate
    assert report.summary.previous.committed == last.totals.committed
    assert report.summary.previous.paid_in_year == last.totals.paid_in_year
    assert [(o.code, o.committed, o.paid, o.open, o.assessed_eur) for o in report.by_organisation] == [
        (r.key, r.committed, r.paid, r.open, r.assessed_eur) for r in ex.rows]
    # The directorate rows are summed from the organisation rows: the same as the service's.
    assert [(d.code, d.name, d.assessed_eur, d.committed, d.paid, d.open, d.paid_rate,
             d.paid_in_year) for d in report.by_directorate] == [
        (r.key, r.name, r.assessed_eur, r.committed, r.paid, r.open, r.paid_rate, r.paid_in_year)
        for r in by_dir.rows]
    assert report.by_directorate_total["committed"] == by_dir.totals.committed
    assert report.by_organisation_total["committed"] == ex.totals.committed
    assert report.lists.overdue_total["outstanding_eur"] == arrears.total_eur == cur.overdue_eur
    assert dict((a.bucket, a.outstanding_eur) for a in report.lists.ageing) == arrears.buckets
    assert report.lists.open_commitments_total["open_eur"] == sum((c.open_eur for c in opened), ZERO)
    assert report.lists.fx_year_total["gain_eur"] == sum((d.gain_eur for d in fx_year), ZERO)
    assert list(report.lists.fx_month) == fx_month and fx_month
    # Payments listed for the month add up to what the monthly curve counts as paid in it.
    assert report.lists.payments_total["amount_eur"] == month[9].paid_in_year
    assert report.curve_this_year.months[-1].cumulative_paid == ex.totals.paid_in_year
    assert report.curve_this_year.months[-1].cumulative_committed == ex.totals.committed


def test_report_of_the_demo_month_equals_the_service_layer(demo_ledger):
    report = monthly_report(demo_ledger.factory, "2026-10")
    end = dt.date(2026, 10, 31)
    with demo_ledger.uow(write=False) as uow:
        ex = views.execution(uow, 2026, "organisation", as_of=end)
        arrears = views.arrears(uow, end)
        paid = views.monthly(uow, 2026, as_of=end)[9].paid_in_year
    assert report.summary.current.committed == ex.totals.committed
    assert report.summary.current.paid_in_year == ex.totals.paid_in_year
    assert report.summary.current.available == ex.totals.available
    assert report.by_organisation_total["open"] == ex.totals.open
    assert report.lists.overdue_total["outstanding_eur"] == arrears.total_eur
    assert report.lists.payments_total["amount_eur"] == paid
    assert len(report.by_organisation) == len(ex.rows) >= 40


def test_statuses_say_paid_partly_paid_overdue_to_pay_and_not_yet_assessed(ledger):
    seed_report_ledger(ledger.factory)
    with ledger.uow() as uow:
        # A partial payment on UNESCO (not due before December): partly paid.
        record_payment(uow, "PAY-UNESCO-PART", f"ENG-{Y}-UNESCO-USD", entry_date=dt.date(Y, 10, 3),
                       amount="1000.00")
        uow.commit()
    report = monthly_report(ledger.factory, MONTH)
    status = {o.code: o.status for o in report.by_organisation}
    assert status == {"COE": "paid", "EVIL": "paid", "NATO": "overdue", "OHCHR": "not_assessed",
                      "OSCE": "overdue", "UN-PKO": "overdue", "UN-RB": "paid",
                      "UNESCO": "partly_paid"}
    unesco = next(o for o in report.by_organisation if o.code == "UNESCO")
    assert unesco.due_date == dt.date(Y, 12, 1)
    assert unesco.assessed == (("CHF", Decimal("456789.10")), ("USD", Decimal("1234567.89")))


def test_the_reports_status_and_due_date_are_the_pages_for_every_organisation(ledger):
    """One rule (organisation_status.statuses): a reversed assessment gives no due date in
    either, where the page used to show the reversed call's date."""
    seed_report_ledger(ledger.factory)
    with ledger.uow() as uow:
        wrong = register_assessment(uow, "OHCHR", f"OHCHR/{Y}", [("CHF", "1000.00")],
                                    period_start=dt.date(Y, 1, 1), period_end=dt.date(Y, 12, 31),
                                    due_date=dt.date(Y, 3, 31), received=dt.date(Y, 2, 1))
        reverse(uow, "assessment", wrong.id, reason="sent to the wrong member state")
        uow.commit()
    report = monthly_report(ledger.factory, MONTH)
    with ledger.uow(write=False) as uow:
        page = organisation_status(uow, Y, as_of=END)
    assert [(o.code, o.status, o.due_date) for o in report.by_organisation] == [
        (s.code, s.status, s.due_date) for s in page]
    assert next((s.status, s.due_date) for s in page if s.code == "OHCHR") == ("not_assessed", None)


def test_the_same_ledger_and_month_give_the_same_fingerprint(ledger):
    seed_report_ledger(ledger.factory)
    first = monthly_report(ledger.factory, MONTH, generated_at=dt.datetime(2026, 1, 1, 9))
    second = monthly_report(ledger.factory, MONTH, generated_at=dt.datetime(2026, 2, 1, 17))
    assert first.fingerprint == second.fingerprint
    assert len(first.fingerprint) == 64
    with ledger.uow() as uow:
        # An entry after the month end changes nothing of the month...
        record_payment(uow, "PAY-LATER", f"ENG-{Y}-OSCE", entry_date=dt.date(Y, 11, 3), amount="10.00")
        uow.commit()
    assert monthly_report(ledger.factory, MONTH).fingerprint == first.fingerprint
    with ledger.uow() as uow:
        # ...one inside it changes the fingerprint.
        record_payment(uow, "PAY-INSIDE", f"ENG-{Y}-OSCE", entry_date=dt.date(Y, 10, 3), amount="10.00")
        uow.commit()
    assert monthly_report(ledger.factory, MONTH).fingerprint != first.fingerprint


def test_the_pdf_selection_of_each_long_list_plus_its_others_line_equals_the_list_totals(ledger):
    seed_report_ledger(ledger.factory)
    report = monthly_report(ledger.factory, MONTH, top=2)
    h = report.highlights
    lists = ((h.payments, report.lists.payments, report.lists.payments_total),
             (h.open_commitments, report.lists.open_commitments, report.lists.open_commitments_total),
             (h.overdue, report.lists.overdue, report.lists.overdue_total),
             (h.fx_month, report.lists.fx_month, report.lists.fx_month_total),
             (h.fx_year, report.lists.fx_year, report.lists.fx_year_total))
    assert sum(1 for sel, _, _ in lists if sel.more) >= 3, "the seed has lists longer than 2"
    for sel, every, total in lists:
        assert sel.count == len(every) and len(sel.lines) == min(2, len(every))
        assert set(sel.lines) <= set(every)
        for key, value in total.values:
            shown = sum((getattr(x, key) for x in sel.lines), ZERO)
            assert shown + sel.others[key] == value, key
        if sel.more:
            # The printed lines are the largest ones.
            smallest_shown = min(abs(getattr(x, sel.ranked_by)) for x in sel.lines)
            assert all(abs(getattr(x, sel.ranked_by)) <= smallest_shown
                       for x in every if x not in sel.lines)
    # The selection is derived from the lists: it does not change the fingerprint.
    assert report.fingerprint == monthly_report(ledger.factory, MONTH).fingerprint


def test_a_directorate_report_holds_only_that_directorate(ledger):
    seed_report_ledger(ledger.factory)
    report = monthly_report(ledger.factory, MONTH, directorates=["m1"])
    assert report.header.directorates == ("M1",)
    assert {o.directorate for o in report.by_organisation} == {"M1"}
    assert {p.directorate for p in report.lists.payments} == {"M1"}
    assert [d.code for d in report.by_directorate] == ["M1"]
    assert report.summary.current.commitment_credits == Decimal("8000000.00")
    with ledger.uow(write=False) as uow:
        ex = views.execution(uow, Y, "organisation", as_of=END, directorates=["M1"])
    assert report.summary.current.committed == ex.totals.committed


def test_an_unknown_directorate_or_a_malformed_month_is_refused(ledger):
    with pytest.raises(errors.UnknownDirectorateError, match="Did you mean"):
        monthly_report(ledger.factory, MONTH, directorates=["M22"])
    with ledger.uow(write=False) as uow, pytest.raises(errors.ValidationError, match="YYYY-MM"):
        build_monthly(uow, "10/2025")


def test_payments_of_the_month_include_reversals_as_negative_lines(ledger):
    seed_report_ledger(ledger.factory)
    with ledger.uow(write=False) as uow:
        lines = payments_between(uow, dt.date(Y, 10, 1), END)
    nato = [(p.amount_eur, p.reversal) for p in lines if p.reference == f"PAY-{Y}-NATO-2"]
    assert nato == [(Decimal("432109.87"), False), (Decimal("-432109.87"), True)]


def test_an_empty_ledger_gives_a_report_of_zeros(ledger):
    report = monthly_report(ledger.factory, "2026-01")
    assert report.summary.current.committed == ZERO
    assert report.by_organisation == () and report.lists.payments == ()
    assert report.summary.current.commitment_rate is None
