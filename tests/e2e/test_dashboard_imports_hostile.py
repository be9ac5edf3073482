"""Hostile uploads on the Imports page: a clear message for the user, the server lives on.

The sparse workbook (cells at A1 and XFD1048576) used to abort the Streamlit server for
every user; a hidden sheet used to be skipped without a word. SQLite only: the refusal comes
before the database, and the page is the same door over the pipeline on both.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import hostile_samples as H
import pytest
from conftest import Ledger
from streamlit.testing.v1 import AppTest

from budget.ledger.db import make_engine, make_session_factory
from dashboards.common import CurrentUser

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OFFICER = CurrentUser("officer1", "officer", None)


@pytest.fixture()
def sqlite_ledger(tmp_path: Path, sqlite_template: Path) -> Ledger:
    path = tmp_path / "ledger.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    return Ledger("sqlite", url, engine, make_session_factory(engine))


def page(monkeypatch: pytest.MonkeyPatch, url: str) -> AppTest:
    monkeypatch.setenv("BUDGET_DATABASE_URL", url)
    monkeypatch.delenv("BUDGET_DEMO", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user"] = OFFICER
    at.run()
    return at.switch_page("screens/import_files.py").run()


def shown(markdown: str) -> str:
    """A Markdown text as the browser shows it (values in texts are escaped: ``sparse\\.xlsx``)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def test_the_sparse_workbook_upload_shows_one_clear_message_and_writes_nothing(monkeypatch, sqlite_ledger):
    at = page(monkeypatch, sqlite_ledger.url)
    before = sqlite_ledger.snapshot()
    at.file_uploader(key="imp_file").set_value(("sparse.xlsx", H.sparse(1_048_576, 16_384), XLSX)).run()
    assert not at.exception
    assert any("sparse.xlsx: refused" in shown(e.value) and "BUDGET_IMPORT_MAX_CELLS" in shown(e.value)
               for e in at.error)
    assert sqlite_ledger.snapshot() == before
    sqlite_ledger.engine.dispose()


def test_a_hidden_sheet_is_named_in_a_warning_of_the_preview(monkeypatch, sqlite_ledger):
    at = page(monkeypatch, sqlite_ledger.url)
    data = H.xlsx({"Organisations": H.sheet_xml(H.table([["Code", "Nom", "Direction"], ["OIF", "Francophonie", "M2"]])),
                   "Old": H.sheet_xml(H.table([["Code", "Nom", "Direction"], ["OLD", "Old", "M2"]]))},
                  hidden=["Old"])
    at.file_uploader(key="imp_file").set_value(("orgs.xlsx", data, XLSX)).run()
    assert not at.exception
    assert any("sheet 'Old' is hidden and was not read" in shown(w.value) for w in at.warning)
    sqlite_ledger.engine.dispose()
