"""The execution rates are one definition (``figures.Credited``) for the year's totals, a row
of the execution and an AB's status: the report's per-AB table reads them, it divides nothing."""

from __future__ import annotations

from decimal import Decimal as D

from budget.services.ab_status import AllocationStatus
from budget.services.execution import ExecutionRow, Totals


def test_the_rates_of_a_row_the_totals_and_an_ab_are_the_same_rule():
    row = ExecutionRow("14.54.11", "UN", D("800.00"), D("300.00"), D("250.00"), D("0.00"),
                       commitment_credits=D("1000.00"), payment_credits=D("400.00"))
    totals = Totals(D("1000.00"), D("400.00"), D("800.00"), D("300.00"), D("500.00"), D("200.00"),
                    D("250.00"), D("0.00"))
    ab = AllocationStatus("14.54.11", "UN", "M2", "block", D("1000.00"), D("800.00"), D("400.00"),
                          D("250.00"), 0)
    assert (row.commitment_rate, row.payment_rate) == (D("0.8000"), D("0.6250"))
    assert (totals.commitment_rate, totals.payment_rate) == (row.commitment_rate, row.payment_rate)
    assert (ab.commitment_rate, ab.payment_rate) == (row.commitment_rate, row.payment_rate)


def test_no_credits_no_rate():
    by_org = ExecutionRow("FAO", "FAO", D("10.00"), D("5.00"), D("5.00"), D("10.00"))
    assert (by_org.commitment_rate, by_org.payment_rate) == (None, None)
    empty = ExecutionRow("AB", "AB", D("10.00"), D("5.00"), D("5.00"), D("0.00"),
                         commitment_credits=D("0.00"), payment_credits=D("0.00"))
    assert (empty.commitment_rate, empty.payment_rate) == (None, None)
