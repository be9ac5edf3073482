"""Loading files into the ledger, on SQLite and PostgreSQL: all or nothing, idempotent,
conflicts and corrections, undo and its refusal, concurrent double loads."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from decimal import Decimal
from types import SimpleNamespace

import imports_samples as S
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budget.services import bulk, views
from budget.services.reversals import live_entries
from imports import pipeline
from imports.pipeline import ImportOptions

D = Decimal
Y = S.Y


def load(ledger, data: bytes, name: str, kind: str | None = None, **options):
    return pipeline.load(ledger.factory, data, kind, name, ImportOptions(**options), user="tester")


def live(ledger, entity: str) -> list[SimpleNamespace]:
    """The live entries of one kind, as plain values (the session closes after reading)."""
    with ledger.uow(write=False) as uow:
        return [SimpleNamespace(**{c.key: getattr(e, c.key) for c in e.__table__.columns})
                for e in live_entries(uow, entity)]


def load_corpus(ledger):
    S.seed(ledger)
    a = load(ledger, S.messy_assessments_fr(), "appels.xlsx")
    c = load(ledger, S.messy_commitments_nl(), "vastleggingen.xlsx")
    p = load(ledger, S.messy_payments_en_csv(), "payments.csv")
    return a, c, p


def test_the_messy_corpus_loads_end_to_end_with_provenance_and_exact_figures(ledger):
    a, c, p = load_corpus(ledger)
    for result in (a, c, p):
        assert result.ok, result.problems
        assert result.batch is not None
    assert (a.kind, a.rows_new) == ("assessments", 5)
    assert (c.kind, c.rows_new) == ("commitments", 3)
    assert (p.kind, p.rows_new) == ("payments", 3)
    assessments = {x.reference: x for x in live(ledger, "assessment")}
    with ledger.uow(write=False) as uow:
        facts = bulk.assessment_facts(uow)
    assert facts[("UN-RB", "ST/ADM/SER.B/1100")].lines == {"USD": D("1234567.89"), "CHF": D("234567.89")}
    assert facts[("NATO", "NATO-CR-2024")].lines == {"EUR": D("-12345.67")}  # a credit returned
    assert assessments["ST/ADM/SER.B/1100"].source_sheet == "Appels 2025"
    assert assessments["ST/ADM/SER.B/1100"].batch_id == a.batch
    commitments = {x.reference: x for x in live(ledger, "commitment")}
    assert commitments["ENG-2025-001"].amount_eur == D("1175430.08")
    assert (commitments["ENG-2025-003"].source_sheet, commitments["ENG-2025-003"].source_row) == ("Vastleggingen", 7)
    payments = {x.reference: x for x in live(ledger, "payment")}
    usd = payments["PAY-001"]
    # no EUR amount in the file: the ECB rate of 3 March (last on or before 5 March) is used and recorded
    assert (usd.rate, usd.rate_date, usd.amount_eur) == (D("1.0500"), dt.date(Y, 3, 3), D("571428.57"))
    assert usd.batch_id == p.batch and usd.source_row == 4
    with ledger.uow(write=False) as uow:
        ex = views.execution(uow, Y, "organisation")
    assert ex.totals.committed == D("1175430.08") + D("845000.50") + D("1000000.00")
    assert ex.totals.paid == D("571428.57") + D("845000.50") + D("1000000.00")
    assert p.totals == {"EUR": D("1845000.50"), "USD": D("600000.00")}


def test_reloading_the_same_file_writes_nothing_and_says_so(ledger):
    load_corpus(ledger)
    before = ledger.snapshot()
    for data, name in ((S.messy_assessments_fr(), "a.xlsx"), (S.messy_commitments_nl(), "c.xlsx"),
                       (S.messy_payments_en_csv(), "p.csv")):
        again = load(ledger, data, name)
        assert again.ok and again.batch is None and again.rows_new == 0
        assert again.rows_unchanged == again.rows_read > 0
        assert "already loaded" in again.message
    assert ledger.snapshot() == before


def test_a_file_with_new_rows_adds_only_those(ledger):
    S.seed(ledger)
    load(ledger, S.commitments_xlsx([["E1", "2025-02-01", S.AB_SEC, "OSCE", 1000, None, None, None]]), "c.xlsx")
    first = load(ledger, S.payments_xlsx([["P1", "2025-03-01", "E1", 100, "EUR", 100]]), "p1.xlsx")
    second = load(ledger, S.payments_xlsx([["P1", "2025-03-01", "E1", 100, "EUR", 100],
                                           ["P2", "2025-03-02", "E1", 200, "EUR", None]]), "p2.xlsx")
    assert (first.rows_new, second.rows_new, second.rows_unchanged) == (1, 1, 1)
    assert sorted(x.reference for x in live(ledger, "payment")) == ["P1", "P2"]
    assert [r["status"] for r in second.rows] == ["unchanged", "new"]


def test_a_changed_row_is_a_conflict_that_writes_nothing(ledger):
    S.seed(ledger)
    load(ledger, S.commitments_xlsx([["E1", "2025-02-01", S.AB_SEC, "OSCE", 1000, None, None, None]]), "c.xlsx")
    load(ledger, S.payments_xlsx([["P1", "2025-03-01", "E1", 100, "EUR", 100]]), "p1.xlsx")
    before = ledger.snapshot()
    result = load(ledger, S.payments_xlsx([["P1", "2025-03-01", "E1", 150, "EUR", 150],
                                           ["P2", "2025-03-02", "E1", 200, "EUR", 200]]), "p2.xlsx")
    assert not result.ok and result.exit_code == 1
    assert (result.rows_conflict, result.rows_new) == (1, 1)
    [problem] = result.problems
    assert (problem.sheet, problem.row, problem.column, problem.value) == ("payments", 2, "reference", "P1")
    assert "conflict" in problem.message and "amount 100.00 → 150" in problem.message
    assert ledger.snapshot() == before


def test_with_corrections_a_changed_row_is_reversed_and_recorded_anew(ledger):
    S.seed(ledger)
    load(ledger, S.commitments_xlsx([["E1", "2025-02-01", S.AB_SEC, "OSCE", 1000, None, None, None]]), "c.xlsx")
    load(ledger, S.payments_xlsx([["P1", "2025-03-01", "E1", 100, "EUR", 100]]), "p1.xlsx")
    result = load(ledger, S.payments_xlsx([["P1", "2025-03-01", "E1", 150, "EUR", 150]]), "p2.xlsx",
                  corrections=True)
    assert result.ok, result.problems
    assert (result.rows_corrected, result.rows_new) == (1, 0)
    [payment] = live(ledger, "payment")
    assert (payment.amount, payment.revision, payment.batch_id) == (D("150.00"), 1, result.batch)
    with ledger.uow(write=False) as uow:
        ex = views.execution(uow, Y, "organisation")
    assert ex.totals.paid == D("150.00")
    undone = pipeline.undo(ledger.factory, result.batch)
    assert undone.reversed == {"payment": 1} and "load the earlier file again" in undone.note
    restored = load(ledger, S.payments_xlsx([["P1", "2025-03-01", "E1", 100, "EUR", 100]]), "p1.xlsx")
    assert restored.rows_new == 1
    [payment] = live(ledger, "payment")
    assert (payment.amount, payment.revision) == (D("100.00"), 2)


def test_corrections_also_apply_to_commitments_assessments_budget_and_organisations(ledger):
    S.seed(ledger)
    load(ledger, S.commitments_xlsx([["E1", "2025-02-01", S.AB_SEC, "OSCE", 1000, None, None, None]]), "c.xlsx")
    changed = S.commitments_xlsx([["E1", "2025-02-01", S.AB_SEC, "OSCE", 1200, None, None, None]])
    assert load(ledger, changed, "c2.xlsx").rows_conflict == 1
    assert load(ledger, changed, "c2.xlsx", corrections=True).rows_corrected == 1
    assert [c.amount_eur for c in live(ledger, "commitment")] == [D("1200.00")]
    orgs = S.xlsx({"o": [["code", "name", "directorate"],
                         ["OSCE", "Organisation for Security and Co-operation", "M1"]]})
    assert load(ledger, orgs, "o.xlsx").rows_conflict == 1
    assert load(ledger, orgs, "o.xlsx", corrections=True).ok
    budget = S.xlsx({"b": [["year", "ab", "commitment_credits", "payment_credits"],
                           [Y, S.AB_UN, "6000000", "5000000"]]})
    first = load(ledger, budget, "b.xlsx")
    assert first.rows_conflict == 1 and "commitment credits 5000000.00 → 6000000" in first.problems[0].message
    assert load(ledger, budget, "b.xlsx", corrections=True).ok
    with ledger.uow(write=False) as uow:
        ex = views.execution(uow, Y, "ab")
    assert {r.key: r.commitment_credits for r in ex.rows}[S.AB_UN] == D("6000000.00")


def test_a_dry_run_checks_everything_and_writes_nothing(ledger):
    S.seed(ledger)
    before = ledger.snapshot()
    result = pipeline.preview(ledger.factory, S.messy_assessments_fr(), filename="a.xlsx")
    assert result.ok and result.dry_run and result.batch is None and result.rows_new == 5
    assert list(result.frame()["status"]) == ["new"] * 5
    assert ledger.snapshot() == before


def test_undo_reverses_a_batch_and_is_refused_while_later_entries_depend_on_it(ledger):
    S.seed(ledger)
    c = load(ledger, S.commitments_xlsx([["E1", "2025-02-01", S.AB_SEC, "OSCE", 1000, None, None, None],
                                         ["E2", "2025-02-01", S.AB_SEC, "NATO", 500, None, None, None]]), "c.xlsx")
    p = load(ledger, S.payments_xlsx([["P1", "2025-03-01", "E1", 100, "EUR", 100],
                                      ["P2", "2025-03-02", "E2", 50, "EUR", 50]]), "p.xlsx")
    before = ledger.snapshot()
    with pytest.raises(Exception, match=r"payment P1.*payment P2|payment P2.*payment P1") as info:
        pipeline.undo(ledger.factory, c.batch, user="tester")
    assert "cannot be undone" in str(info.value)
    assert ledger.snapshot() == before
    undone = pipeline.undo(ledger.factory, p.batch, user="tester")
    assert undone.reversed == {"payment": 2}
    assert live(ledger, "payment") == []
    assert pipeline.undo(ledger.factory, c.batch, user="tester").reversed == {"commitment": 2}
    assert live(ledger, "commitment") == []
    history = pipeline.history(ledger.factory)
    assert history[0].undoes_batch_id == c.batch
    assert {b.id: b.undone_by for b in history}[p.batch] == undone.batch
    with pytest.raises(Exception, match="already undone"):
        pipeline.undo(ledger.factory, p.batch, user="tester")
    # an undone file can be loaded again: its rows are new again
    again = load(ledger, S.commitments_xlsx([["E1", "2025-02-01", S.AB_SEC, "OSCE", 1000, None, None, None]]), "c.xlsx")
    assert again.rows_new == 1


def test_undo_of_an_organisations_and_a_rates_batch_removes_what_it_added(ledger):
    S.seed(ledger)
    o = load(ledger, S.organisations_en(), "o.xlsx")
    fx = load(ledger, S.ECB_HIST_XML.encode(), "eurofxref-hist.xml")
    assert fx.rows_new == 4
    assert pipeline.undo(ledger.factory, fx.batch).removed == {"exchange_rate": 4}
    assert pipeline.undo(ledger.factory, o.batch).removed == {"organisation": 2}
    assert load(ledger, S.ECB_HIST_XML.encode(), "eurofxref-hist.xml").rows_new == 4


# --------------------------------------------------------------------------- bad files


def _where(result):
    return [(pr.row, pr.column, pr.message) for pr in result.problems]


def test_every_problem_of_a_bad_commitments_file_is_reported_and_nothing_written(ledger):
    S.seed(ledger)
    before = ledger.snapshot()
    rows = [
        ["C-OK", "2025-02-01", S.AB_SEC, "OSCE", 1000, None, None, None],          # 2 fine
        ["C-ORG", "2025-02-01", S.AB_SEC, "OSCEE", 1000, None, None, None],        # 3 unknown org
        ["C-AB", "2025-02-01", "14.99.99", "OSCE", 1000, None, None, None],        # 4 unknown AB
        ["C-CUR", "2025-02-01", S.AB_UN, "UN-RB", 1000, "XYZ", 1000, None],         # 5 unknown currency
        ["C-NEG", "2025-02-01", S.AB_SEC, "OSCE", -5, None, None, None],           # 6 non-positive
        ["C-OK", "2025-02-02", S.AB_SEC, "OSCE", 10, None, None, None],            # 7 duplicate key
        ["C-BIG", "2025-02-01", S.AB_SEC, "NATO", "9.000.000,00", None, None, None],  # 8 beyond credits
        ["C-DATE", "31/02/2025", S.AB_SEC, "OSCE", 10, None, None, None],          # 9 impossible date
        ["C-AMB", "2025-02-01", S.AB_SEC, "OSCE", "1.234", None, None, None],      # 10 ambiguous
        ["C-RATE", "2024-12-01", S.AB_UN, "UN-RB", None, "USD", 1000, None],        # 11 no rate yet
    ]
    result = load(ledger, S.commitments_xlsx(rows), "bad.xlsx")
    assert not result.ok and result.batch is None
    got = {row: (col, msg) for row, col, msg in _where(result)}
    assert sorted(got) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert got[3][0] == "organisation" and "Unknown organisation 'OSCEE'. Did you mean OSCE" in got[3][1]
    assert got[4][0] == "ab" and "Unknown basic allocation (AB) '14.99.99'" in got[4][1]
    assert got[5][0] == "currency" and "not an ISO 4217" in got[5][1]
    assert got[6][0] == "amount_eur" and "must be above zero" in got[6][1]
    assert got[7][0] == "reference" and "duplicate key C-OK: already on row 2" in got[7][1]
    assert got[8][0] == "amount_eur" and "exceeds the EUR" in got[8][1] and "available on AB" in got[8][1]
    assert got[9][0] == "date" and "not a real date" in got[9][1]
    assert got[10][0] == "amount_eur" and "ambiguous" in got[10][1]
    assert got[11][0] == "date" and "No USD exchange rate" in got[11][1]
    problem = next(pr for pr in result.problems if pr.row == 3)
    assert (problem.sheet, problem.value) == ("commitments", "OSCEE")
    assert ledger.snapshot() == before


def test_every_problem_of_a_bad_payments_file_is_reported_and_nothing_written(ledger):
    S.seed(ledger)
    load(ledger, S.commitments_xlsx([["E1", "2025-02-01", S.AB_SEC, "OSCE", 1000, None, None, None],
                                     ["U1", "2025-02-01", S.AB_UN, "UN-RB", None, "USD", 1035, None]]), "c.xlsx")
    before = ledger.snapshot()
    rows = [
        ["P1", "2025-03-01", "E1", 600, "EUR", 600],     # 2 fine
        ["P2", "2025-03-02", "E1", 500, "EUR", 500],     # 3 beyond what is open (400 left)
        ["P3", "2025-03-02", "E9", 5, "EUR", 5],         # 4 unknown commitment
        ["P4", "2025-03-02", "U1", 5, "EUR", 5],         # 5 currency of the commitment is USD
        ["P5", "2024-06-01", "U1", 5, "USD", None],      # 6 no USD rate on or before
        ["P6", "2025-03-02", "E1", 0, "EUR", 0],         # 7 non-positive
        ["P1", "2025-03-03", "E1", 1, "EUR", 1],         # 8 duplicate key
    ]
    result = load(ledger, S.payments_xlsx(rows), "bad-payments.xlsx")
    got = {row: (col, msg) for row, col, msg in _where(result)}
    assert sorted(got) == [3, 4, 5, 6, 7, 8], result.problems
    assert got[3][0] == "amount" and "exceeds the EUR 400.00 open on commitment E1" in got[3][1]
    assert got[4][0] == "commitment" and "No commitment 'E9'" in got[4][1]
    assert got[5][0] == "currency" and "pay in the commitment currency" in got[5][1]
    assert got[6][0] == "date" and "No USD exchange rate is published on or before 2024-06-01" in got[6][1]
    assert got[7][0] == "amount" and "above zero" in got[7][1]
    assert got[8][0] == "reference" and "duplicate key P1" in got[8][1]
    assert ledger.snapshot() == before


def test_bad_assessment_rows_are_reported_with_their_cells(ledger):
    S.seed(ledger)
    before = ledger.snapshot()
    data = S.xlsx({"Calls": [
        ["organisation", "reference", "year", "amount", "currency", "due_date"],
        ["UN-RB", "A-1", 2025, 0, "USD", "31/01/2025"],            # 2 zero
        ["UN-RBB", "A-2", 2025, 10, "USD", "31/01/2025"],          # 3 unknown org
        ["UN-RB", "A-3", 2025, 10, "USD", "31/13/2025"],           # 4 impossible date
        ["UN-RB", "A-4", 2025, 10, "USD", "2024-01-01"],           # 5 no rate on the due date
        ["UN-RB", "A-5", 2025, 10, "USD", "31/01/2025"],           # 6 fine
        ["UN-RB", "A-5", 2025, 20, "USD", "31/01/2025"],           # 7 same line twice
    ]})
    result = load(ledger, data, "calls.xlsx")
    got = {row: (col, msg) for row, col, msg in _where(result)}
    assert sorted(got) == [2, 3, 4, 5, 7]
    assert got[2] == ("amount", "amount is zero")
    assert got[3][0] == "organisation" and "Did you mean UN-RB" in got[3][1]
    assert got[4][0] == "due_date" and "not a real date" in got[4][1]
    assert "No USD exchange rate" in got[5][1]
    assert "duplicate key" in got[7][1]
    assert ledger.snapshot() == before


def test_a_commitment_beyond_credits_passes_with_a_warning_when_the_ab_is_in_warn_mode(ledger):
    S.seed(ledger, mode="warn", credits="1000.00")
    data = S.commitments_xlsx([["E1", "2025-02-01", S.AB_SEC, "OSCE", 5000, None, None, None]])
    result = load(ledger, data, "c.xlsx")
    assert result.ok
    assert any("exceeds the EUR 1,000.00 available" in w for w in result.warnings)


def test_a_budget_file_creates_a_labelled_ab_and_records_both_credits(ledger):
    S.seed(ledger)
    data = S.xlsx({"Begroting": [
        ["Begrotingsjaar", "Basisallocatie", "Vastleggingskredieten", "Vereffeningskredieten", "Omschrijving", "Fase"],
        [Y, "14.54.13.35.40.03", "1.500.000,00", "1.400.000,00", "Klimaat", "initiaal"],
        [Y, S.AB_UN, "100.000,00", "0", "", "geblokkeerd"],
    ]})
    result = load(ledger, data, "begroting.xlsx")
    assert result.ok, result.problems
    with ledger.uow(write=False) as uow:
        ex = {r.key: r for r in views.execution(uow, Y, "ab").rows}
    assert ex["14.54.13.35.40.03"].commitment_credits == D("1500000.00")
    assert ex[S.AB_UN].commitment_credits == D("4900000.00")


# --------------------------------------------------------------------------- fx


def test_ecb_files_load_once_and_a_revised_rate_needs_corrections(ledger):
    first = load(ledger, S.ecb_zip(), "eurofxref-hist.zip", kind="fx")
    assert (first.kind, first.rows_new) == ("fx", 6)
    assert load(ledger, S.ECB_HIST_CSV.encode(), "eurofxref-hist.csv").rows_unchanged == 6
    assert load(ledger, S.ECB_DAILY_XML.encode(), "eurofxref-daily.xml").rows_new == 2
    assert load(ledger, S.ECB_DAILY_CSV.encode(), "eurofxref.csv").rows_new == 1  # JPY only
    revised = S.ECB_HIST_CSV.replace("1.0299", "1.0300").encode()
    conflict = load(ledger, revised, "eurofxref-hist.csv")
    assert conflict.rows_conflict == 1 and conflict.problems[0].row == 2
    assert load(ledger, revised, "eurofxref-hist.csv", corrections=True).rows_corrected == 1
    with ledger.uow(write=False) as uow:
        from budget.services.fx import rate_on

        assert rate_on(uow, "USD", dt.date(2025, 1, 4)).rate == D("1.0300")


# --------------------------------------------------------------------------- concurrency


def test_two_loads_of_the_same_file_at_the_same_moment_write_it_once(ledger, monkeypatch):
    S.seed(ledger)
    load(ledger, S.commitments_xlsx([["E1", "2025-02-01", S.AB_SEC, "OSCE", 1000, None, None, None]]), "c.xlsx")
    data = S.payments_xlsx([[f"P{i}", "2025-03-01", "E1", 1, "EUR", 1] for i in range(20)])
    # Both loads check the ledger before either writes (on PostgreSQL); SQLite serialises
    # writers up front, so the barrier gives way there and the second load simply waits.
    barrier = threading.Barrier(2, timeout=3)
    real_open_batch = bulk.open_batch

    def open_batch_together(*args, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return real_open_batch(*args, **kwargs)

    monkeypatch.setattr(bulk, "open_batch", open_batch_together)
    results: list = []
    errors: list = []

    def run():
        try:
            results.append(load(ledger, data, "p.xlsx"))
        except Exception as exc:  # pragma: no cover - the test fails below with the error
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(r.rows_new for r in results if r.batch) == [20]
    assert all(r.ok for r in results), [r.problems for r in results]
    assert len(live(ledger, "payment")) == 20
    assert len([b for b in pipeline.history(ledger.factory) if b.kind == "payments"]) == 1
    loser = next(r for r in results if r.batch is None)
    assert loser.rows_unchanged == 20 and "already loaded" in loser.message


# --------------------------------------------------------------------------- fuzzing

values = st.one_of(st.none(), st.text(max_size=10), st.integers(-10**6, 10**9),
                   st.sampled_from(["E1", "OSCE", "EUR", "USD", "2025-03-01", "31/02/2025", "1.234", "-5",
                                    S.AB_SEC, "Total"]))


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(kind=st.sampled_from(["organisations", "budget", "assessments", "commitments", "payments"]),
       rows=st.lists(st.lists(values, min_size=4, max_size=8), min_size=1, max_size=4))
def test_any_small_workbook_gives_a_clean_load_or_a_list_of_problems(ledger, kind, rows):
    if ledger.backend != "sqlite":
        pytest.skip("fuzzing runs on SQLite; the same code path is covered on PostgreSQL above")
    from imports.specs import SPECS

    header = [c.name for c in SPECS[kind].columns]
    data = S.xlsx({"Data": [header, *rows]})
    result = pipeline.preview(ledger.factory, data, kind=kind, filename="fuzz.xlsx")
    assert result.ok or result.problems
    for pr in result.problems:
        assert pr.message


def test_a_peacekeeping_assessment_runs_july_to_june_from_its_period_columns(ledger):
    S.seed(ledger)
    data = S.xlsx({"PKO": [
        ["Organisatie", "Referentie", "Begin periode", "Einde periode", "Bedrag", "Munt", "Vervaldatum"],
        ["UN-PKO", "A/C.5/79/PKO", "01/07/2025", "30/06/2026", "2.500.000,00", "USD", "31/07/2025"],
    ]})
    result = load(ledger, data, "pko.xlsx")
    assert result.ok, result.problems
    with ledger.uow(write=False) as uow:
        fact = bulk.assessment_facts(uow)[("UN-PKO", "A/C.5/79/PKO")]
    assert (fact.period_start, fact.period_end, fact.fiscal_year) == (dt.date(2025, 7, 1), dt.date(2026, 6, 30), 2025)


def test_the_named_sheet_is_the_one_loaded(ledger):
    S.seed(ledger)
    head = ["reference", "date", "ab", "organisation", "amount_eur"]
    data = S.xlsx({"2025": [head, ["E1", "2025-02-01", S.AB_SEC, "OSCE", 100]],
                   "2025-bis": [head, ["E2", "2025-02-01", S.AB_SEC, "OSCE", 200],
                                ["E3", "2025-02-02", S.AB_SEC, "NATO", 5]]})
    result = load(ledger, data, "c.xlsx", sheet="2025-bis")
    assert result.sheet == "2025-bis" and result.rows_new == 2
    assert sorted(c.reference for c in live(ledger, "commitment")) == ["E2", "E3"]
