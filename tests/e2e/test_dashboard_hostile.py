"""The dashboard against hostile values and situations (issue #16), through AppTest.

Log-out leaves nothing for the next user; a locked ledger does not hold the log-in and
never shows a traceback; names from files show as text, never as links or images.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from budget.ledger.db import make_engine, make_session_factory
from budget.services import users
from budget.services.reference import OrganisationInput, register_organisation
from budget.uow import UnitOfWork
from dashboards import common as c
from dashboards import login_db
from dashboards.common import CurrentUser
from dashboards.text import md

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")
PASSWORD = "a long enough password"
HOSTILE = "[click me](https://evil.example/x) ![t](http://evil.example/b.png) <img src=x>"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    """The demo ledger, an officer, a viewer of M2 and M3, an organisation with a hostile name."""
    path = tmp_path_factory.mktemp("hostile") / "demo.db"
    shutil.copy(demo_template, path)
    engine = make_engine(f"sqlite:///{path}")
    factory = make_session_factory(engine)
    with UnitOfWork(factory) as uow:
        users.add_user(uow, "olga", PASSWORD, "officer")
        users.add_user(uow, "victor", PASSWORD, "viewer", ["M2", "M3"])
        register_organisation(uow, OrganisationInput("EVIL", HOSTILE, "M2"))
        uow.commit()
    engine.dispose()
    return path


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "ledger.db"
    shutil.copy(template, path)
    users.THROTTLE.clear()
    yield path
    users.THROTTLE.clear()


def app(monkeypatch: pytest.MonkeyPatch, path: Path) -> AppTest:
    monkeypatch.setenv("BUDGET_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.delenv("BUDGET_DEMO", raising=False)
    return AppTest.from_file(APP, default_timeout=90)


def log_in(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="login_username").input(name)
    at.text_input(key="login_password").input(password)
    return at.button[0].click().run()


def texts(at: AppTest) -> list[str]:
    """Every string the page renders through Markdown."""
    out = [e.value for kind in ("markdown", "caption", "title", "header", "subheader", "error",
                                "warning", "info", "success") for e in getattr(at, kind)]
    return out + [m.label for m in at.metric] + [str(m.value) for m in at.metric]


def test_log_out_leaves_nothing_of_the_officers_report_for_the_next_user(monkeypatch, db):
    at = app(monkeypatch, db)
    at.run()
    log_in(at, "olga")
    assert at.session_state["user"] == CurrentUser("olga", "officer", None)
    at.switch_page("screens/reports.py").run()
    at.button(key="rep_generate").click().run()
    assert not at.exception
    assert len(at.get("download_button")) == 2 and at.success
    at.button(key="logout").click().run()
    assert not at.exception
    assert "user" not in at.session_state and "rep_result" not in at.session_state
    assert [s.value for s in at.subheader] == ["Log in"]
    assert not at.get("download_button") and not at.metric
    log_in(at, "victor")
    assert at.session_state["user"] == CurrentUser("victor", "viewer", ("M2", "M3"))
    at.switch_page("screens/reports.py").run()
    assert not at.exception and not at.error
    assert not at.get("download_button"), "the officer's files are still offered"
    assert not at.success and not at.metric
    assert "rep_result" not in at.session_state


def test_the_language_and_number_style_survive_a_log_out_but_nothing_else(monkeypatch, db):
    at = app(monkeypatch, db)
    at.run()
    log_in(at, "olga")
    at.session_state["lang"] = "fr"
    at.session_state["some_filter"] = "M2"
    at.run()
    at.button(key="logout").click().run()
    assert at.session_state["lang"] == "fr"
    assert "some_filter" not in at.session_state and "user" not in at.session_state


def test_log_in_works_while_another_connection_holds_the_write_lock(monkeypatch, db):
    at = app(monkeypatch, db)
    at.run()
    log_in(at, "olga", "a wrong password")  # the dashboard's engine exists from here on
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a long import holds the write lock
    try:
        started = time.perf_counter()
        log_in(at, "olga")
        assert time.perf_counter() - started < 15  # not the 30 s of the writers' queue
        assert not at.exception and not at.error
        assert at.session_state["user"].username == "olga"
    finally:
        holder.rollback()
        holder.close()


def test_a_ledger_locked_even_for_reading_answers_busy_in_a_line_not_a_traceback(monkeypatch, db):
    at = app(monkeypatch, db)
    at.run()
    log_in(at, "olga", "a wrong password")
    # The dashboard runs in this process: close its pooled connections, so that another
    # connection can take the file for itself (as a VACUUM or a copy tool would).
    c.engine().dispose()
    login_db.dispose()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE app_user SET failed_logins = failed_logins")
    try:
        started = time.perf_counter()
        log_in(at, "olga")
        assert time.perf_counter() - started < 15
        assert not at.exception
        assert [w.value for w in at.warning] == [
            "The ledger is busy with another change. Please try again in a moment; nothing "
            "was changed."]
        assert "user" not in at.session_state
    finally:
        holder.rollback()
        holder.close()


def test_an_unknown_name_and_a_real_one_get_the_same_answers_on_the_log_in_page(monkeypatch, db):
    answers = {}
    for name in ("olga", "nobody-at-all"):
        at = app(monkeypatch, db)
        at.run()
        answers[name] = [re.sub(r"\d+ s", "N s", log_in(at, name, "bad password").error[0].value)
                         for _ in range(users.FREE_ATTEMPTS + 1)]
        users.THROTTLE.clear()
    assert answers["olga"] == answers["nobody-at-all"] == (
        ["Wrong user name or password."] * users.FREE_ATTEMPTS
        + ["Too many failed log-ins in a row: try again in N s."])


def test_a_hostile_organisation_name_shows_as_text_in_its_heading(monkeypatch, db):
    at = app(monkeypatch, db)
    at.session_state["user"] = CurrentUser("olga", "officer", None)
    at.run()
    at.switch_page("screens/organisations.py").run()
    at.selectbox(key="org_detail").set_value("EVIL").run()
    assert not at.exception
    shown = texts(at)
    assert f"#### {md(HOSTILE)} (EVIL)" in shown
    for text in shown:
        # A link or an image needs a bare "](" or "<": every one of them is escaped.
        assert not re.search(r"(?<!\\)\]\(|(?<!\\)<(?!style)", text), text
