"""Figures right on every date (issue: business dates, corrections, stale rates, EUR-only
commitments, exposure). Every expected figure is worked out by hand in the test.

A small 2025 scenario on SQLite and PostgreSQL: UN regular budget assessed USD 100,000.00,
received 10 January, due 9 February; rates published every weekday at hand-picked values.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from click.testing import CliRunner

from budget import errors
from budget.cli import cli
from budget.services import (
    OrganisationInput,
    commit,
    record_credit,
    record_payment,
    record_rates,
    register_allocation,
    register_assessment,
    register_organisation,
    reverse,
    views,
)
from budget.services.assessments import assessments

D = Decimal
Y = 2025
AB = "14.54.11.35.40.01"


@pytest.fixture(autouse=True)
def default_rate_age(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests run with the product's default: a rate at most 7 days old."""
    monkeypatch.delenv("BUDGET_MAX_RATE_AGE_DAYS", raising=False)


def weekdays(start: dt.date, end: dt.date) -> list[dt.date]:
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    return [d for d in days if d.weekday() < 5]


def seed(ledger: Any, *, rates_until: dt.date = dt.date(Y, 12, 31)) -> None:
    """AB with credits, one USD organisation; USD at 1.0400 in January-February, 1.0500 in
    March, 1.1000 from April (one rate per weekday, as the ECB publishes)."""
    with ledger.uow() as uow:
        register_allocation(uow, AB, "UN contributions", "M2", control_mode="block")
        register_organisation(uow, OrganisationInput("UN-RB", "United Nations regular budget", "M2", "USD", AB))
        register_organisation(uow, OrganisationInput("UNESCO", "UNESCO", "M2", "USD", AB))
        for year in (Y, Y + 1):
            record_credit(uow, AB, year, "commitment", "500000.00")
            record_credit(uow, AB, year, "payment", "500000.00")

        def usd(day: dt.date) -> Decimal:
            return D("1.0400") if day.month <= 2 else D("1.0500") if day.month == 3 else D("1.1000")

        record_rates(uow, [("USD", d, usd(d)) for d in weekdays(dt.date(Y, 1, 2), rates_until)])
        uow.commit()


def assess_un(uow: Any, received: dt.date | None = dt.date(Y, 1, 10)) -> None:
    register_assessment(uow, "UN-RB", "ST/ADM/2025/1", [("USD", "100000.00")],
                        period_start=dt.date(Y, 1, 1), period_end=dt.date(Y, 12, 31),
                        due_date=dt.date(Y, 2, 9), received=received)


def invoke(url: str, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--db", url, *args], catch_exceptions=False)


def test_a_backfilled_assessment_counts_from_the_day_it_was_received(ledger):
    seed(ledger)
    with ledger.uow() as uow:  # typed today (December 2026), received in January 2025
        assess_un(uow)
        uow.commit()
    with ledger.uow(write=False) as uow:
        before = views.arrears(uow, dt.date(Y, 1, 9))
        on_june_30 = views.arrears(uow, dt.date(Y, 6, 30))
        listed = assessments(uow, year=Y, as_of=dt.date(Y, 1, 31))
    assert before.overdue == [] and before.not_yet_due == []
    [line] = on_june_30.overdue
    assert (line.currency, line.outstanding, line.days_overdue) == ("USD", D("100000.00"), 141)
    assert line.outstanding_eur == D("96153.85")  # 100,000 / 1.04 (rate of the due date)
    assert [(a.reference, a.received) for a in listed] == [("ST/ADM/2025/1", dt.date(Y, 1, 10))]


def test_an_assessment_without_a_date_received_counts_from_its_due_date_at_the_latest(ledger):
    seed(ledger)
    with ledger.uow() as uow:
        assess_un(uow, received=None)
        uow.commit()
    with ledger.uow(write=False) as uow:
        [row] = assessments(uow)
    assert row.received == dt.date(Y, 2, 9)  # earlier than today


def test_a_date_received_in_the_future_is_refused(ledger):
    seed(ledger)
    with ledger.uow() as uow, pytest.raises(errors.ValidationError, match="in the future"):
        assess_un(uow, received=dt.date.today() + dt.timedelta(days=1))


def test_the_cli_records_the_date_received(ledger):
    seed(ledger)
    result = invoke(ledger.url, "assess", "UN-RB", "A-2", "--line", "USD:10.00", "--start", "2025-01-01",
                    "--end", "2025-12-31", "--due", "2025-03-01", "--received", "2025-01-20")
    assert result.exit_code == 0, result.output
    assert "received 2025-01-20" in result.output
    listed = json.loads(invoke(ledger.url, "assessments", "list", "--year", "2025", "--json").stdout)
    assert [(a["reference"], a["received"], a["lines"]) for a in listed] == [("A-2", "2025-01-20", {"USD": "10.00"})]


def test_a_2025_payment_corrected_in_2026_changes_2025_and_leaves_2026_untouched(ledger):
    seed(ledger)
    with ledger.uow() as uow:
        assess_un(uow)
        commit(uow, "ENG-1", "UN-RB", entry_date=dt.date(Y, 1, 15), currency="USD", amount="100000.00",
               assessment_reference="ST/ADM/2025/1")
        paid = record_payment(uow, "PAY-1", "ENG-1", entry_date=dt.date(Y, 3, 10), amount="40000.00").entry
        uow.commit()
    with ledger.uow() as uow:  # typed now, in 2026
        mirror = reverse(uow, "payment", paid.id, reason="wrong amount")
        uow.commit()
    assert mirror.entry_date == dt.date(Y, 3, 10)
    with ledger.uow(write=False) as uow:
        y2025 = views.execution(uow, Y, "organisation").totals
        y2026 = views.execution(uow, Y + 1, "organisation").totals
        june = views.arrears(uow, dt.date(Y, 6, 30))
    assert y2025.paid_in_year == D("0.00")  # 38,095.24 paid (40,000 / 1.05), then cancelled
    assert y2026.paid_in_year == D("0.00")
    assert [x.outstanding for x in june.overdue] == [D("100000.00")]


def test_a_stale_rate_is_refused_and_a_given_rate_accepted(ledger):
    seed(ledger, rates_until=dt.date(Y, 2, 7))  # the rates were loaded up to Friday 7 February only
    with ledger.uow() as uow:
        assess_un(uow)
        uow.commit()
    before = ledger.snapshot()
    result = invoke(ledger.url, "commit", "ENG-1", "UN-RB", "--date", "2025-03-03", "--currency", "USD",
                    "--amount", "100000.00", "--assessment", "ST/ADM/2025/1")
    assert result.exit_code == 1
    assert "published on 2025-02-07" in result.stderr and "give the rate" in result.stderr
    assert ledger.snapshot() == before
    stale = invoke(ledger.url, "fx", "rate", "USD", "2025-03-03")
    assert stale.exit_code == 1 and "2025-02-07" in stale.stderr
    fresh = invoke(ledger.url, "fx", "rate", "USD", "2025-02-14", "--json")  # a Friday, 7 days later
    assert json.loads(fresh.stdout)["published"] == "2025-02-07"
    given = invoke(ledger.url, "commit", "ENG-1", "UN-RB", "--date", "2025-03-03", "--currency", "USD",
                   "--amount", "100000.00", "--rate", "1.0600", "--assessment", "ST/ADM/2025/1")
    assert given.exit_code == 0, given.output
    assert "EUR 94,339.62" in given.stdout  # 100,000 / 1.06


def test_an_eur_only_commitment_of_a_dollar_call_takes_its_line_and_the_implied_rate(ledger):
    seed(ledger)
    with ledger.uow() as uow:
        assess_un(uow)
        result = commit(uow, "ENG-1", "UN-RB", entry_date=dt.date(Y, 1, 15), amount_eur="92000.00",
                        assessment_reference="ST/ADM/2025/1")
        uow.commit()
    e = result.entry
    assert (e.currency, e.amount, e.amount_eur, e.rate) == ("USD", D("100000.00"), D("92000.00"),
                                                            D("1.0869565217"))
    assert result.warnings == []
    with ledger.uow() as uow:
        record_payment(uow, "PAY-1", "ENG-1", entry_date=dt.date(Y, 3, 3), amount="40000.00")
        uow.commit()
    exposure = json.loads(invoke(ledger.url, "exposure", "--as-of", "2025-02-28", "--json").stdout)
    assert exposure == {
        "as_of": "2025-02-28",
        "currencies": [{"currency": "USD", "open": "100000.00", "eur_booked": "92000.00", "rate": "1.0400",
                        "rate_date": "2025-02-28", "eur_at_rate": "96153.85", "difference": "4153.85"}],
        "total": {"eur_booked": "92000.00", "eur_at_rate": "96153.85", "difference": "4153.85"},
    }
    with ledger.uow(write=False) as uow:
        [april] = views.exposure(uow, as_of=dt.date(Y, 4, 1))
    # 60,000 open: booked 92,000 x 60% = 55,200.00; at 1.10 = 54,545.45
    assert (april.open, april.eur_booked, april.eur_at_rate, april.difference) == (
        D("60000.00"), D("55200.00"), D("54545.45"), D("-654.55"))
    # The text says which: a loss in February, a gain in April (the same totals as --json).
    assert invoke(ledger.url, "exposure", "--as-of", "2025-02-28").stdout.splitlines()[-1] == (
        "total: EUR 92,000.00 booked, EUR 96,153.85 at the day's rates, latent loss EUR 4,153.85")
    assert invoke(ledger.url, "exposure", "--as-of", "2025-04-01").stdout.splitlines()[-1] == (
        "total: EUR 55,200.00 booked, EUR 54,545.45 at the day's rates, latent gain EUR 654.55")


def test_an_eur_only_commitment_of_a_split_call_needs_its_currency(ledger):
    seed(ledger)
    with ledger.uow() as uow:
        record_rates(uow, [("CHF", d, D("0.9400")) for d in weekdays(dt.date(Y, 1, 2), dt.date(Y, 2, 28))])
        register_assessment(uow, "UNESCO", "U/2025", [("USD", "1000.00"), ("CHF", "500.00")],
                            period_start=dt.date(Y, 1, 1), period_end=dt.date(Y, 12, 31),
                            due_date=dt.date(Y, 2, 9), received=dt.date(Y, 1, 10))
        uow.commit()
    with ledger.uow() as uow, pytest.raises(errors.ValidationError, match="split"):
        commit(uow, "ENG-2", "UNESCO", entry_date=dt.date(Y, 1, 15), amount_eur="950.00",
               assessment_reference="U/2025")
    with ledger.uow() as uow:
        chf = commit(uow, "ENG-2", "UNESCO", entry_date=dt.date(Y, 1, 15), amount_eur="530.00", currency="CHF",
                     assessment_reference="U/2025").entry
        uow.commit()
    assert (chf.currency, chf.amount, chf.amount_eur) == ("CHF", D("500.00"), D("530.00"))


def test_committing_beyond_what_is_assessed_is_a_recorded_warning(ledger):
    seed(ledger)
    with ledger.uow() as uow:
        assess_un(uow)
        result = commit(uow, "ENG-1", "UN-RB", entry_date=dt.date(Y, 1, 15), currency="USD", amount="100000.01",
                        assessment_reference="ST/ADM/2025/1")
        uow.commit()
    assert result.warnings == ["Commitment ENG-1 of USD 100,000.01 is more than the USD 100,000.00 of "
                               "assessment ST/ADM/2025/1 not yet committed."]
    audit = json.loads(invoke(ledger.url, "audit", "--entity", "commitment", "--json").stdout)
    assert audit[0]["action"] == "commit" and audit[0]["details"]["warnings"] == result.warnings


def test_realised_differences_are_listed_with_their_rates(ledger):
    seed(ledger)
    with ledger.uow() as uow:
        assess_un(uow)
        commit(uow, "ENG-1", "UN-RB", entry_date=dt.date(Y, 1, 15), currency="USD", amount="100000.00",
               assessment_reference="ST/ADM/2025/1")  # at 1.04: EUR 96,153.85
        record_payment(uow, "PAY-1", "ENG-1", entry_date=dt.date(Y, 4, 1), amount="100000.00")  # at 1.10
        uow.commit()
    out = json.loads(invoke(ledger.url, "fx", "differences", "--year", "2025", "--month", "2025-04", "--json").stdout)
    # paid EUR 90,909.09 for EUR 96,153.85 committed: a gain of 5,244.76
    assert out["differences"] == [{
        "date": "2025-04-01", "commitment": "ENG-1", "payment": "PAY-1", "organisation": "UN-RB",
        "directorate": "M2", "currency": "USD", "commitment_rate": "1.0400", "payment_rate": "1.1000",
        "committed_eur": "96153.85", "gain_eur": "5244.76"}]
    assert (out["gains_eur"], out["losses_eur"], out["net_eur"]) == ("5244.76", "0.00", "5244.76")
    march = json.loads(invoke(ledger.url, "fx", "differences", "--year", "2025", "--month", "2025-03",
                              "--json").stdout)
    assert march["differences"] == []


def test_credit_history_lists_every_movement_of_the_year(ledger):
    seed(ledger)
    out = json.loads(invoke(ledger.url, "credits", "history", "--year", "2025", "--json").stdout)
    assert [(x["credit_type"], x["stage"], x["amount"]) for x in out] == [
        ("commitment", "initial", "500000.00"), ("payment", "initial", "500000.00")]
    # As of a day: the movements dated by then (the Budget lines page, the pack's make-up).
    with ledger.uow() as uow:
        record_credit(uow, AB, Y, "commitment", "25000.00", "adjustment", entry_date=dt.date(Y, 6, 1))
        uow.commit()
    with ledger.uow(write=False) as uow:  # (the seed's initial credits are dated the day it ran)
        may = views.credit_history(uow, Y, as_of=dt.date(Y, 5, 31))
        june = views.credit_history(uow, Y, as_of=dt.date(Y, 6, 1))
        every = views.credit_history(uow, Y)
    assert (may, [x.stage for x in june]) == ([], ["adjustment"])
    assert [x.stage for x in every] == ["adjustment", "initial", "initial"]


def credit_returned(uow: Any) -> None:
    """UN-RB returns USD 30,000.00 (an unspent balance), received and due 1 March 2025."""
    register_assessment(uow, "UN-RB", "CR/2024", [("USD", "-30000.00")],
                        period_start=dt.date(Y - 1, 1, 1), period_end=dt.date(Y - 1, 12, 31), fiscal_year=Y,
                        due_date=dt.date(Y, 3, 1), received=dt.date(Y, 3, 1))


def status_of(uow: Any, day: dt.date, code: str = "UN-RB") -> str:
    from budget.services.organisation_status import organisation_status

    return next(o.status for o in organisation_status(uow, Y, as_of=day) if o.code == code)


def test_a_credit_returned_is_set_against_what_is_owed_from_the_day_it_is_received(ledger):
    seed(ledger)
    with ledger.uow() as uow:
        assess_un(uow)
        credit_returned(uow)
        uow.commit()
    with ledger.uow(write=False) as uow:
        february = views.arrears(uow, dt.date(Y, 2, 28))
        march = views.arrears(uow, dt.date(Y, 3, 31))
        status = status_of(uow, dt.date(Y, 3, 31))
        left = views.credits_available(uow, dt.date(Y, 3, 31))
    assert [x.outstanding for x in february.overdue] == [D("100000.00")]
    [line] = march.overdue
    # 100,000 - 30,000 = 70,000 left; its EUR share: 96,153.85 x 70% = 67,307.695 -> 67,307.70
    assert (line.outstanding, line.outstanding_eur) == (D("70000.00"), D("67307.70"))
    assert march.total_eur == D("67307.70") and left == {}
    assert status == "overdue"


def test_a_credit_left_over_is_a_credit_to_use_never_a_negative_arrear(ledger):
    seed(ledger)
    with ledger.uow() as uow:
        assess_un(uow)
        commit(uow, "ENG-1", "UN-RB", entry_date=dt.date(Y, 1, 15), currency="USD", amount="100000.00",
               assessment_reference="ST/ADM/2025/1")
        record_payment(uow, "PAY-1", "ENG-1", entry_date=dt.date(Y, 2, 3), amount="100000.00")
        credit_returned(uow)
        uow.commit()
    with ledger.uow(write=False) as uow:
        march = views.arrears(uow, dt.date(Y, 3, 31))
        left = views.credits_available(uow, dt.date(Y, 3, 31))
        statuses = (status_of(uow, dt.date(Y, 2, 28)), status_of(uow, dt.date(Y, 3, 31)))
        from budget.reports.monthly import build_monthly

        report = build_monthly(uow, "2025-03")
    assert march.overdue == [] and march.total_eur == D("0.00")
    # USD 30,000 at the rate of its due date (Saturday 1 March: Friday's 1.04) = EUR 28,846.15
    assert left == {("UN-RB", "USD"): (D("30000.00"), D("28846.15"))}
    assert statuses == ("paid", "credit")
    assert next(o.status for o in report.by_organisation if o.code == "UN-RB") == "credit"


def test_a_closed_year_does_not_move_when_a_later_payment_realises_an_exchange_difference(ledger):
    from budget.services import close_year

    seed(ledger)
    with ledger.uow() as uow:
        record_credit(uow, AB, Y - 1, "commitment", "200000.00")
        commit(uow, "ENG-2024", "UN-RB", entry_date=dt.date(Y - 1, 12, 10), currency="USD", amount="100000.00",
               rate_used="1.0400")  # EUR 96,153.85
        close_year(uow, Y - 1)
        uow.commit()
    with ledger.uow(write=False) as uow:
        before = views.execution(uow, Y - 1, "ab").totals
    with ledger.uow() as uow:  # paid in 2025 at 1.10: EUR 90,909.09, a gain of 5,244.76
        result = record_payment(uow, "PAY-1", "ENG-2024", entry_date=dt.date(Y, 1, 20), amount="100000.00",
                                rate_used="1.1000")
        uow.commit()
    assert result.exchange_difference == D("5244.76")
    with ledger.uow(write=False) as uow:
        after = views.execution(uow, Y - 1, "ab").totals
        this_year = views.execution(uow, Y, "ab").totals
        differences = views.exchange_differences(uow, year=Y)
    assert (after.committed, after.commitment_credits) == (before.committed, before.commitment_credits)
    assert after.committed == D("96153.85")
    assert this_year.committed == D("-5244.76")  # the gain is released on 2025's credits
    assert [(d.commitment, d.gain_eur) for d in differences] == [("ENG-2024", D("5244.76"))]


def test_write_commands_print_what_they_recorded_as_json_and_adjust_takes_a_negative_amount(ledger):
    seed(ledger)
    committed = invoke(ledger.url, "commit", "ENG-1", "UN-RB", "--date", "2025-01-15", "--currency", "USD",
                       "--amount", "100000.00", "--json")
    assert committed.exit_code == 0, committed.output
    out = json.loads(committed.stdout)
    assert out["recorded"]["entity"] == "commitment"
    assert (out["recorded"]["amount"], out["recorded"]["amount_eur"], out["recorded"]["rate"]) == (
        "100000.00", "96153.85", "1.0400")
    decreased = invoke(ledger.url, "adjust", "ENG-1", "-45000", "--date", "2025-02-03", "--reason", "revised call",
                       "--json")
    assert decreased.exit_code == 0, decreased.output
    # USD -45,000 at the commitment's rate 1.04 = EUR -43,269.23
    assert (json.loads(decreased.stdout)["recorded"]["amount"],
            json.loads(decreased.stdout)["recorded"]["amount_eur"]) == ("-45000.00", "-43269.23")
