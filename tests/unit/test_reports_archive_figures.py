"""The figures a frozen pack keeps and how two sets of them are compared (pure logic)."""

from __future__ import annotations

from budget.reports.archive import Change, compare


def figures(**over):
    base = {
        "header": {"year": 2025, "month": 10, "directorates": None},
        "summary": {"current": {"paid": "100.00", "open": "50.00"}},
        "by_organisation": [{"code": "OSCE", "paid": "10.00"}, {"code": "NATO", "paid": "90.00"}],
        "by_organisation_total": {"paid": "100.00"},
        "payments": [
            {"organisation": "NATO", "reference": "P-1", "commitment": "C-1", "currency": "EUR",
             "amount_eur": "90.00", "reversal": False},
        ],
    }
    base.update(over)
    return base


def test_the_same_figures_give_no_change():
    assert compare(figures(), figures()) == ()


def test_a_changed_figure_is_named_by_its_path_with_both_values():
    after = figures(by_organisation=[{"code": "OSCE", "paid": "11.00"}, {"code": "NATO", "paid": "90.00"}],
                    summary={"current": {"paid": "101.00", "open": "50.00"}})
    assert compare(figures(), after) == (
        Change("summary.current.paid", "100.00", "101.00"),
        Change("by_organisation[OSCE].paid", "10.00", "11.00"),
    )


def test_a_line_added_or_gone_is_one_change_holding_the_whole_line():
    payment = {"organisation": "OSCE", "reference": "P-2", "commitment": "C-2", "currency": "EUR",
               "amount_eur": "1.00", "reversal": False}
    before = figures()
    after = figures(payments=[*before["payments"], payment], by_organisation=[{"code": "NATO", "paid": "90.00"}])
    assert compare(before, after) == (
        Change("by_organisation[OSCE]", {"code": "OSCE", "paid": "10.00"}, None),
        Change("payments[OSCE/P-2/C-2/EUR]", None, payment),
    )


def test_a_reversal_and_lines_with_the_same_key_stay_apart():
    line = {"organisation": "NATO", "reference": "P-1", "commitment": "C-1", "currency": "EUR",
            "amount_eur": "90.00", "reversal": False}
    reversal = {**line, "amount_eur": "-90.00", "reversal": True}
    twice = figures(payments=[line, line])
    assert compare(figures(), figures(payments=[line, reversal])) == (
        Change("payments[NATO/P-1/C-1/EUR/reversal]", None, reversal),
    )
    assert compare(figures(), twice) == (Change("payments[NATO/P-1/C-1/EUR #2]", None, line),)


def test_a_list_that_was_empty_gains_only_its_new_lines():
    payment = {"organisation": "OSCE", "reference": "P-2", "commitment": "C-2", "currency": "EUR",
               "amount_eur": "1.00", "reversal": False}
    assert compare(figures(payments=[]), figures(payments=[payment])) == (
        Change("payments[OSCE/P-2/C-2/EUR]", None, payment),
    )
