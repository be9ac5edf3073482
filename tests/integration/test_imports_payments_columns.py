"""Payments are loaded column by column: every check still holds, on SQLite and PostgreSQL,
and every problem still points at its sheet, Excel row, column and value."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import imports_samples as S
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from budget.errors import BudgetError
from budget.ledger.models import CommitmentAdjustment, Payment
from budget.services import payments
from imports import pipeline
from imports.pipeline import ImportOptions

D = Decimal


def load(ledger, data: bytes, name: str, **options):
    return pipeline.load(ledger.factory, data, "payments", name, ImportOptions(**options), user="tester")


def commitments(ledger, rows):
    result = pipeline.load(ledger.factory, S.commitments_xlsx(rows), "commitments", "c.xlsx", user="tester")
    assert result.ok, result.problems


def test_every_problem_of_a_big_messy_payments_sheet_is_at_its_row_and_cell_and_nothing_is_written(ledger):
    S.seed(ledger)
    commitments(ledger, [["E1", "2025-02-01", S.AB_SEC, "OSCE", 1000, None, None, None],
                         ["E2", "2025-02-01", S.AB_SEC, "NATO", 1000, None, None, None],
                         ["U1", "2025-02-01", S.AB_UN, "UN-RB", None, "USD", 1035, None]])
    before = ledger.snapshot()
    fine = [[f"OK-{i}", "2025-03-01", "E1", 1, "EUR", 1] for i in range(300)]  # rows 3-302
    sheet = [
        ["Payments export"],                                   # 1 title
        ["reference", "date", "commitment", "amount", "currency", "amount_eur"],  # 2
        *fine,                                                 # 3-302: 300 EUR on E1
        ["B-1", "2025-03-02", "E1", 400, "EUR", 400],          # 303 fine: 700 paid on E1
        ["B-2", "2025-03-02", "E1", 301, "EUR", 301],          # 304 beyond: 300 left
        ["B-3", "2025-03-02", "E1", 300, "EUR", 300],          # 305 fine: the refused row does not count
        ["B-4", "2025-03-02", "E1", 1, "EUR", 1],              # 306 beyond: nothing left
        [None] * 6,                                            # 307 blank
        ["reference", "date", "commitment", "amount", "currency", "amount_eur"],  # 308 header again
        ["B-5", "31/02/2025", "E1", "1.234", "EUR", None],     # 309 two bad cells
        ["B-6", "2025-03-02", "E9", 5, "EUR", 5],              # 310 unknown commitment
        ["OK-7", "2025-03-02", "E1", 1, "EUR", 1],             # 311 duplicate of row 10
        ["B-7", "2024-06-01", "U1", 5, "USD", None],           # 312 no USD rate then
        ["B-8", "2025-03-02", "U1", 5, "EUR", 5],              # 313 not the commitment currency
        ["B-9", "2025-03-02", "E2", 0, "EUR", 0],              # 314 not above zero
        ["B-10", "2025-03-02", "E2", 5, "EUR", 6],             # 315 EUR amount differs
        ["B-11", "2025-03-02", "E2", 5.555, "EUR", None],      # 316 three decimals
        ["Total", None, None, 9999, None, None],               # 317 total
    ]
    result = load(ledger, S.xlsx({"Betalingen": sheet}), "bad.xlsx")
    assert not result.ok and result.batch is None
    got = [(pr.sheet, pr.row, pr.column, pr.value) for pr in result.problems]
    assert got == [  # sorted by row, then column name
        ("Betalingen", 304, "amount", "301"), ("Betalingen", 306, "amount", "1"),
        ("Betalingen", 309, "amount", "1.234"), ("Betalingen", 309, "date", "31/02/2025"),
        ("Betalingen", 310, "commitment", "E9"), ("Betalingen", 311, "reference", "OK-7"),
        ("Betalingen", 312, "date", "2024-06-01"), ("Betalingen", 313, "currency", "EUR"),
        ("Betalingen", 314, "amount", "0"), ("Betalingen", 315, "amount_eur", "6"),
        ("Betalingen", 316, "amount", "5.555"),
    ]
    messages = {pr.row: pr.message for pr in result.problems if pr.column != "date" or pr.row != 309}
    assert "exceeds the EUR 300.00 open on commitment E1" in messages[304]
    assert "exceeds the EUR 0.00 open on commitment E1" in messages[306]
    assert "duplicate key OK-7: already on row 10" in messages[311]
    assert "No commitment 'E9'" in messages[310]
    assert "No USD exchange rate is published on or before 2024-06-01" in messages[312]
    assert "pay in the commitment currency" in messages[313]
    assert "above zero" in messages[314]
    assert "cannot be worth EUR 6.00" in messages[315]
    assert "at most 2 decimals" in messages[316]
    assert result.rows_read == 312  # the blank, repeated header and total rows are not data
    assert ledger.snapshot() == before


def test_payments_that_settle_a_dollar_commitment_in_one_file_record_its_exchange_difference(ledger):
    S.seed(ledger)
    # 1035 USD at the rate of 2 January (1.0350): EUR 1000.00 committed
    commitments(ledger, [["U1", "2025-02-01", S.AB_UN, "UN-RB", None, "USD", 1035, None]])
    data = S.payments_xlsx([["P1", "2025-03-05", "U1", 535, "USD", None],     # at 1.0500: EUR 509.52
                            ["P2", "2025-06-03", "U1", 500, "USD", None]])    # at 1.1000: EUR 454.55
    result = load(ledger, data, "p.xlsx")
    assert result.ok, result.problems
    with ledger.uow(write=False) as uow:
        paid = {p.reference: (p.amount_eur, p.rate, p.rate_date, p.rate_source)
                for p in uow.session.scalars(select(Payment))}
        [adjustment] = uow.session.scalars(select(CommitmentAdjustment)
                                           .where(CommitmentAdjustment.kind == "exchange_difference")).all()
        settling = uow.session.get(Payment, adjustment.payment_id)
        assert settling is not None and settling.reference == "P2"
        # the EUR committed but not paid is released from the commitment
        assert adjustment.amount_eur == -(D("1000.00") - D("509.52") - D("454.55"))
    assert paid["P1"] == (D("509.52"), D("1.0500"), dt.date(2025, 3, 3), "ECB")
    assert paid["P2"][0] == D("454.55") and paid["P2"][2] == dt.date(2025, 6, 2)


def test_a_warning_says_when_the_payments_of_a_year_exceed_its_payment_credits(ledger):
    S.seed(ledger, mode="warn", credits="1000.00")
    commitments(ledger, [["E1", "2025-02-01", S.AB_SEC, "OSCE", 5000, None, None, None]])
    first = load(ledger, S.payments_xlsx([["P1", "2025-03-01", "E1", 600, "EUR", 600]]), "p1.xlsx")
    assert first.ok and first.warnings == []
    second = load(ledger, S.payments_xlsx([["P2", "2025-03-02", "E1", 300, "EUR", None],
                                           ["P3", "2025-03-03", "E1", 200, "EUR", 200]]), "p2.xlsx")
    assert second.ok, second.problems
    assert second.warnings == [f"Payments of 2025 on AB {S.AB_SEC} (EUR 1,100.00) exceed its payment "
                               "credits (EUR 1,000.00)."]


def test_provenance_survives_a_sheet_name_with_quotes_and_rows_keep_their_excel_numbers(ledger):
    S.seed(ledger)
    commitments(ledger, [["E1", "2025-02-01", S.AB_SEC, "OSCE", 1000, None, None, None]])
    head = ["reference", "date", "commitment", "amount", "currency", "amount_eur"]
    data = S.xlsx({"Paiements d'O'Neil": [["Export"], head, ["P1", "2025-03-01", "E1", 10, "EUR", 10], [None] * 6,
                                          ["P2", "2025-03-02", "E1", 20.5, "EUR", None]]})
    result = load(ledger, data, "p.xlsx")
    assert result.ok, result.problems
    with ledger.uow(write=False) as uow:
        rows = {p.reference: (p.source_sheet, p.source_row, p.batch_id, p.created_by, p.revision, p.amount)
                for p in uow.session.scalars(select(Payment))}
    assert rows == {"P1": ("Paiements d'O'Neil", 3, result.batch, "tester", 0, D("10.00")),
                    "P2": ("Paiements d'O'Neil", 5, result.batch, "tester", 0, D("20.50"))}
    assert [(r["row"], r["status"]) for r in result.rows] == [(3, "new"), (5, "new")]


def test_payments_at_par_and_converted_ones_interleaved_are_stored_in_file_order(ledger):
    S.seed(ledger)
    commitments(ledger, [["E1", "2025-02-01", S.AB_SEC, "OSCE", 1000, None, None, None],
                         ["U1", "2025-02-01", S.AB_UN, "UN-RB", None, "USD", 1035, None]])
    data = S.payments_xlsx([["P1", "2025-03-01", "E1", 10, "EUR", 10],
                            ["P2", "2025-03-02", "E1", 20.25, "EUR", None],
                            ["P3", "2025-03-05", "U1", 105, "USD", None],
                            ["P4", "2025-03-06", "E1", 30, "EUR", 30],
                            ["P5", "2025-03-07", "U1", 21, "USD", 20]])
    result = load(ledger, data, "p.xlsx")
    assert result.ok, result.problems
    with ledger.uow(write=False) as uow:
        stored = [(p.reference, p.currency, p.amount, p.amount_eur, p.rate, p.rate_date, p.rate_source, p.source_row)
                  for p in uow.session.scalars(select(Payment).order_by(Payment.id))]
    assert stored == [
        ("P1", "EUR", D("10.00"), D("10.00"), D("1"), None, "par", 2),
        ("P2", "EUR", D("20.25"), D("20.25"), D("1"), None, "par", 3),
        ("P3", "USD", D("105.00"), D("100.00"), D("1.0500"), dt.date(2025, 3, 3), "ECB", 4),
        ("P4", "EUR", D("30.00"), D("30.00"), D("1"), None, "par", 5),
        ("P5", "USD", D("21.00"), D("20.00"), D("1.0500000000"), None, "computed", 6),
    ]


# --------------------------------------------------------------------------- one rule, two paths


@dataclass
class Item:
    """One payment to record: the arguments of ``record_payment``."""

    reference: str
    commitment_reference: str
    entry_date: dt.date
    amount: Decimal
    currency: str | None = None
    amount_eur: Decimal | None = None
    rate_used: Decimal | None = None


def as_columns(items: list[Item]) -> payments.PaymentColumns:
    return payments.PaymentColumns([i.reference for i in items], [i.commitment_reference for i in items],
                                   [i.entry_date for i in items], [i.amount for i in items],
                                   [i.currency for i in items], [i.amount_eur for i in items],
                                   [i.rate_used for i in items])


def one_by_one(uow, items: list[Item]) -> tuple[list[tuple[int, str | None, str]], dict[str, Decimal]]:
    """``record_payment`` for each payment in turn (a refused one leaves nothing behind)."""
    problems, differences = [], {}
    for index, i in enumerate(items):
        try:
            with uow.session.begin_nested():
                result = payments.record_payment(
                    uow, i.reference, i.commitment_reference, entry_date=i.entry_date, amount=i.amount,
                    currency=i.currency, amount_eur=i.amount_eur, rate_used=i.rate_used)
        except BudgetError as exc:
            problems.append((index, exc.field, str(exc)))
            continue
        if result.exchange_difference is not None:
            differences[result.entry.reference] = result.exchange_difference
    return problems, differences


def stored(uow) -> list[tuple]:
    return [(p.reference, p.entry_date, p.currency, p.amount, p.amount_eur, p.rate, p.rate_date, p.rate_source,
             p.revision) for p in uow.session.scalars(select(Payment).where(Payment.reference != "P0")
                                                      .order_by(Payment.id))]


_AMOUNTS = [D(x) for x in ("0", "-5", "0.001", "0.10", "1", "100", "250.5", "400", "900", "1035", "1E+20", "NaN")]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.builds(
    Item,
    reference=st.sampled_from(["P0", "P1", "P2", "P3", " P4 ", "", "X" * 121]),
    commitment_reference=st.sampled_from(["E1", "E2", "U1", "E9", " E2 "]),
    entry_date=st.sampled_from([dt.date(2025, 3, 1), dt.date(2025, 3, 5), dt.date(2025, 6, 3),
                                dt.date(2024, 6, 1), dt.date(2023, 1, 2)]),
    amount=st.sampled_from(_AMOUNTS),
    currency=st.sampled_from(["EUR", "eur", "USD", None, "", "XXX", "CHF"]),
    amount_eur=st.one_of(st.none(), st.sampled_from(_AMOUNTS)),
    rate_used=st.sampled_from([None, None, D("1.05"), D("0")]),
), min_size=1, max_size=12))
@example([Item("P1", "E1", dt.date(2025, 3, 1), D("100"), "EUR"),
          Item("P2", "U1", dt.date(2025, 3, 5), D("1000"), "USD"),
          Item("P3", "E2", dt.date(2025, 3, 1), D("400.10"), "EUR", D("400.1")),
          Item("P4", "U1", dt.date(2025, 6, 3), D("35"))])      # settles U1
@example([Item("P1", "U1", dt.date(2025, 3, 5), D("900"), "USD", D("1"))])   # implies 900 USD/EUR: implausible
@example([Item("A", "E1", dt.date(2025, 3, 1), D("600"), "eur"), Item(" ", "E1", dt.date(2025, 3, 1), D("1"), "EUR"),
          Item("B", "E1", dt.date(2025, 3, 1), D("500"), None, D("500")),          # beyond: what is left
          Item("C", "E1", dt.date(2025, 3, 1), D("0.001"), "EUR"),
          Item("D", "E1", dt.date(2025, 3, 1), D("10"), "XXX1"),
          Item("A", "E1", dt.date(2025, 3, 1), D("1"), "EUR")])                   # duplicate
def test_a_bulk_load_refuses_and_writes_what_record_payment_one_by_one_does(closed_ledger, items):
    """The bulk path is the one-row rule applied to many rows: the same refusals (index, field,
    message), the same rows written, the same exchange differences."""
    ledger = closed_ledger
    with ledger.uow() as uow:  # rolled back: nothing is committed
        want_problems, want_differences = one_by_one(uow, items)
        want_rows = stored(uow)
    with ledger.uow() as uow:
        outcome = payments.record_payment_columns(uow, as_columns(items), write=not want_problems)
        assert [(p.index, p.field, str(p.error)) for p in outcome.problems] == want_problems
        if not want_problems:
            assert stored(uow) == want_rows
            assert outcome.exchange_differences == want_differences


@pytest.fixture
def closed_ledger(ledger):
    if ledger.backend != "sqlite":
        pytest.skip("hypothesis runs on SQLite; the examples above run on both")
    from budget.services.reference import close_year

    S.seed(ledger)
    commitments(ledger, [["E1", "2025-02-01", S.AB_SEC, "OSCE", 1000, None, None, None],
                         ["E2", "2025-02-01", S.AB_SEC, "NATO", 500, None, None, None],
                         ["U1", "2025-02-01", S.AB_UN, "UN-RB", None, "USD", 1035, None]])
    assert load(ledger, S.payments_xlsx([["P0", "2025-02-10", "E1", 100, "EUR", 100]]), "p0.xlsx").ok
    with ledger.uow() as uow:
        close_year(uow, 2024)
        uow.commit()
    return ledger


def test_no_payment_at_all_writes_nothing_and_refuses_nothing(ledger):
    S.seed(ledger)
    before = ledger.snapshot()
    with ledger.uow() as uow:
        outcome = payments.record_payment_columns(uow, as_columns([]))
        uow.commit()
    assert (outcome.written, outcome.problems, outcome.warnings) == (0, [], [])
    assert {k: v for k, v in ledger.snapshot().items() if k != "audit_log"} == \
        {k: v for k, v in before.items() if k != "audit_log"}
