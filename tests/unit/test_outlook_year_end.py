"""Lapse or shortfall on 31 December: one rule (``outlook.year_end``) read by the CLI, the
page, the pack's brief and its outlook sheet."""

from __future__ import annotations

from decimal import Decimal as D

from budget.services.outlook import LAPSE, SHORTFALL, OutlookRow, lapses, shortfalls, year_end


def row(key: str, credits: str, projected: str) -> OutlookRow:
    return OutlookRow(key, D(credits), D(credits), D(projected), D(0), D(projected), D(0), D(0), D(0))


def test_a_balance_of_zero_lapses_nothing_short_and_a_cent_below_is_a_shortfall():
    assert year_end(D("0.00")) == LAPSE
    assert year_end(D("1000.00")) == LAPSE
    assert year_end(D("-0.01")) == SHORTFALL
    assert year_end(None) is None


def test_the_shortfalls_are_the_abs_below_zero_largest_first_with_the_eur_short():
    rows = [row("A", "100.00", "90.00"), row("B", "100.00", "100.01"), row("C", "100.00", "250.00"),
            row("D", "100.00", "100.00"), row("E", "100.00", "250.00")]
    assert shortfalls(rows, "payment") == [("C", D("150.00")), ("E", D("150.00")), ("B", D("0.01"))]
    assert shortfalls(rows, "commitment") == shortfalls(rows, "payment")
    # What lapses: credits left over, more than nothing (D is even: neither).
    assert lapses(rows, "commitment") == [("A", D("10.00"))]
    no_credits = OutlookRow("F", None, None, D(5), D(0), D(5), D(0), D(0), D(0))
    assert year_end(no_credits.balance("payment")) is None
