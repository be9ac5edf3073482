"""The service layer on SQLite and PostgreSQL: the money flow and its invariants."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from budget import errors
from budget.services import (
    OrganisationInput,
    adjust_commitment,
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
from budget.services.entries import find_commitment

D = Decimal
Y = 2025


def seed(ledger, mode: str = "block") -> None:
    with ledger.uow() as uow:
        register_allocation(uow, "14.54.11.35.40.01", "UN contributions", "M2", control_mode=mode)
        register_organisation(
            uow, OrganisationInput("UN-RB", "United Nations regular budget", "M2", "USD", "14.54.11.35.40.01")
        )
        register_organisation(uow, OrganisationInput("OSCE", "OSCE", "M1", "EUR", "14.54.11.35.40.01"))
        record_credit(uow, "14.54.11.35.40.01", Y, "commitment", "1000000.00", entry_date=dt.date(Y, 1, 1))
        record_credit(uow, "14.54.11.35.40.01", Y, "payment", "900000.00", entry_date=dt.date(Y, 1, 1))
        record_rates(
            uow,
            [
                ("USD", dt.date(Y, 1, 2), D("1.0350")),
                ("USD", dt.date(Y, 3, 3), D("1.0500")),
                ("USD", dt.date(Y, 6, 2), D("1.1000")),
            ],
        )
        uow.commit()


def test_commitment_and_payment_flow_adds_up_to_the_cent(ledger):
    seed(ledger)
    with ledger.uow() as uow:
        register_assessment(
            uow,
            "UN-RB",
            "ST/ADM/2025/1",
            [("USD", "414000.00")],
            period_start=dt.date(Y, 1, 1),
            period_end=dt.date(Y, 12, 31),
            due_date=dt.date(Y, 1, 31),
        )
        res = commit(
            uow,
            "ENG-1",
            "UN-RB",
            entry_date=dt.date(Y, 1, 15),
            currency="USD",
            amount="414000.00",
            assessment_reference="ST/ADM/2025/1",
        )
        assert res.entry.amount_eur == D("400000.00")
        record_payment(uow, "PAY-1", "ENG-1", entry_date=dt.date(Y, 3, 5), amount="210000.00")
        pay2 = record_payment(uow, "PAY-2", "ENG-1", entry_date=dt.date(Y, 6, 3), amount="204000.00")
        uow.commit()
    # 210000/1.05 = 200000.00 ; 204000/1.1 = 185454.55 ; committed 400000 → gain 14545.45
    assert pay2.exchange_difference == D("14545.45")
    with ledger.uow(write=False) as uow:
        ex = views.execution(uow, Y, "organisation")
        assert ex.totals.committed == D("385454.55")
        assert ex.totals.paid == D("385454.55")
        assert ex.totals.open == D("0.00")
        assert ex.totals.available == D("614545.45")
        assert sum((r.committed for r in ex.rows), D(0)) == ex.totals.committed
        diffs = views.exchange_differences(uow, year=Y)
        assert [d.gain_eur for d in diffs] == [D("14545.45")]
        assert views.arrears(uow, dt.date(Y, 12, 31)).overdue == []


def test_commitment_beyond_available_credits_is_refused_in_block_mode(ledger):
    seed(ledger)
    before = ledger.snapshot()
    with ledger.uow() as uow, pytest.raises(errors.OverCommitmentError, match="exceeds"):
        commit(uow, "ENG-X", "OSCE", entry_date=dt.date(Y, 2, 1), amount_eur="1000000.01")
    assert ledger.snapshot() == before


def test_override_is_recorded_with_its_reason(ledger):
    seed(ledger)
    with ledger.uow() as uow:
        commit(
            uow,
            "ENG-X",
            "OSCE",
            entry_date=dt.date(Y, 2, 1),
            amount_eur="1000000.01",
            override_reason="budget adjustment voted next week",
        )
        uow.commit()
    with ledger.uow(write=False) as uow:
        (o,) = views.overrides(uow)
        assert o.reason == "budget adjustment voted next week"
        assert o.requested == D("1000000.01")


def test_payment_beyond_open_amount_is_refused(ledger):
    seed(ledger)
    with ledger.uow() as uow:
        commit(uow, "ENG-2", "OSCE", entry_date=dt.date(Y, 2, 1), amount_eur="1000.00")
        uow.commit()
    with ledger.uow() as uow, pytest.raises(errors.OverPaymentError, match=r"exceeds the EUR 1,000\.00 open"):
        record_payment(uow, "PAY-9", "ENG-2", entry_date=dt.date(Y, 2, 2), amount="1000.01")


def test_reversal_of_everything_returns_figures_to_zero(ledger):
    seed(ledger)
    with ledger.uow() as uow:
        commit(uow, "ENG-3", "UN-RB", entry_date=dt.date(Y, 1, 15), currency="USD", amount="1035.00")
        adjust_commitment(uow, "ENG-3", "103.50", entry_date=dt.date(Y, 2, 1), reason="revised scale")
        record_payment(uow, "PAY-3", "ENG-3", entry_date=dt.date(Y, 6, 3), amount="1138.50")
        uow.commit()
    with ledger.uow() as uow:
        c = find_commitment(uow, "ENG-3")
        with pytest.raises(errors.DependentEntriesError, match="payment PAY-3"):
            reverse(uow, "commitment", c.id, reason="test")
    with ledger.uow() as uow:
        for entity in ("payment", "adjustment", "commitment", "credit"):
            from budget.services.reversals import live_entries

            for e in live_entries(uow, entity):
                if getattr(e, "kind", "adjustment") == "adjustment":
                    reverse(uow, entity, e.id, reason="clean up")
        uow.commit()
    with ledger.uow(write=False) as uow:
        t = views.execution(uow, Y, "ab").totals
        assert (t.commitment_credits, t.payment_credits, t.committed, t.paid, t.paid_in_year) == (D("0.00"),) * 5
        assert views.open_commitments(uow) == []
