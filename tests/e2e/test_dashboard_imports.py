"""The Imports page through AppTest: upload, preview, problems, confirm, history and undo.

Runs on SQLite and PostgreSQL (``ledger``): the page is a door over the same pipeline as the
CLI, and every write it makes must be audited with the logged-in user.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from budget.ledger.models import AuditLog
from budget.services import views
from dashboards.common import CurrentUser

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(rows: list[list[object]], sheet: str = "Organisations") -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD = workbook([
    ["Code", "Nom", "Direction", "Devise"],
    ["UN-RB", "United Nations regular budget", "M2", "USD"],
    ["OSCE", "Organisation for Security and Co-operation in Europe", "M1", "EUR"],
])
BAD = workbook([
    ["Code", "Name", "Directorate", "Currency"],
    ["UN-RB", "United Nations regular budget", "M2", "USD"],
    ["NATO", "North Atlantic Treaty Organization", "M99", "EUR"],
    ["OPCW", "OPCW", "M5", "XYZ"],
])


def page(monkeypatch: pytest.MonkeyPatch, url: str, user: CurrentUser) -> AppTest:
    monkeypatch.setenv("BUDGET_DATABASE_URL", url)
    monkeypatch.delenv("BUDGET_DEMO", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user"] = user
    at.run()
    return at.switch_page("screens/import_files.py").run()


OFFICER = CurrentUser("officer1", "officer", None)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_the_import_page_previews_then_loads_a_file_audited_with_the_user(monkeypatch, ledger):
    at = page(monkeypatch, ledger.url, OFFICER)
    assert not at.exception and not at.error
    assert any("Choose a file" in i.value for i in at.info)
    before = ledger.snapshot()
    at.file_uploader(key="imp_file").set_value(("organisations.xlsx", GOOD, XLSX)).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Organisations" in at.subheader[0].value and "nothing is written yet" in at.subheader[0].value
    assert metric(at, "Rows read") == "2" and metric(at, "New") == "2"
    parsed = at.dataframe[0].value
    assert list(parsed["code"]) == ["UN-RB", "OSCE"] and set(parsed["status"]) == {"new"}
    assert ledger.snapshot() == before  # the preview wrote nothing

    at.button(key="imp_go").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Loaded as batch" in s.value for s in at.success)
    with ledger.uow(write=False) as uow:
        assert [o.code for o in views.organisations(uow)] == ["OSCE", "UN-RB"]
        batches = views.import_batches(uow)
        audit = {(a.user, a.channel) for a in uow.session.query(AuditLog)}
    assert len(batches) == 1 and batches[0].created_by == "officer1"
    assert audit == {("officer1", "dashboard")}

    # Loading the same file again changes nothing and says so.
    at.file_uploader(key="imp_file").set_value(("organisations.xlsx", GOOD, XLSX)).run()
    assert any("already in the ledger" in i.value for i in at.info)
    assert at.button(key="imp_go").disabled


def test_a_bad_file_shows_its_problems_and_cannot_be_loaded(monkeypatch, ledger):
    at = page(monkeypatch, ledger.url, OFFICER)
    before = ledger.snapshot()
    at.file_uploader(key="imp_file").set_value(("bad.xlsx", BAD, XLSX)).run()
    assert not at.exception
    assert any("problems" in e.value for e in at.error)
    problems = at.dataframe[0].value
    assert list(problems.columns) == ["Sheet", "Row", "Column", "Value", "Reason"]
    located = {(r.Sheet, int(r.Row), r.Value) for r in problems.itertuples()}
    assert ("Organisations", 4, "XYZ") in located
    assert at.button(key="imp_go").disabled
    assert ledger.snapshot() == before


def test_an_unrecognised_file_says_what_to_do(monkeypatch, ledger):
    at = page(monkeypatch, ledger.url, OFFICER)
    at.file_uploader(key="imp_file").set_value(
        ("notes.xlsx", workbook([["Colour", "Taste"], ["red", "sweet"]]), XLSX)).run()
    assert not at.exception
    assert any("match no known kind" in e.value for e in at.error)


def test_an_import_can_be_undone_from_the_history(monkeypatch, ledger):
    at = page(monkeypatch, ledger.url, OFFICER)
    at.file_uploader(key="imp_file").set_value(("organisations.xlsx", GOOD, XLSX)).run()
    at.button(key="imp_go").click().run()
    at.text_input(key="undo_reason").input("loaded the wrong file")
    next(b for b in at.button if b.label == "Undo this import").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("undone" in s.value for s in at.success), [s.value for s in at.success]
    with ledger.uow(write=False) as uow:
        batches = views.import_batches(uow)
    assert batches[0].undoes_batch_id == batches[1].id
    assert batches[0].created_by == "officer1"


def test_a_viewer_cannot_open_the_import_page(monkeypatch, ledger):
    monkeypatch.setenv("BUDGET_DATABASE_URL", ledger.url)
    monkeypatch.delenv("BUDGET_DEMO", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user"] = CurrentUser("reader", "viewer", None)
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("screens/import_files.py")
