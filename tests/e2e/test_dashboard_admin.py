"""The Audit and Users pages through Streamlit's AppTest.

Audit: officers and admins read the trail (newest first, a page at a time, filtered, details
as ``key: value``, every matching line in the downloads); a viewer has no such page; an
officer limited to a directorate sees only the lines about it. Users: an admin adds,
disables, enables, resets a password and changes the access with the rules of
``budget users``; bad input is one message; nobody else gets the page.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from budget.demo import load_demo
from budget.ledger.db import make_engine, make_session_factory
from budget.ledger.migrate import upgrade
from budget.money import fmt
from budget.services import audit, users
from budget.uow import UnitOfWork
from dashboards.common import CurrentUser

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")
PASSWORD = "a good long password"
OFFICER = CurrentUser("officer1", "officer", None)
ADMIN = CurrentUser("root", "admin", None)
VIEWER = CurrentUser("reader", "viewer", None)


@pytest.fixture(autouse=True)
def fresh_throttle():
    users.THROTTLE.clear()
    yield
    users.THROTTLE.clear()


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo ledger with one admin account, built once."""
    path = tmp_path_factory.mktemp("admin") / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    factory = make_session_factory(engine)
    load_demo(factory)
    with UnitOfWork(factory, user="setup") as uow:
        users.add_user(uow, "root", PASSWORD, "admin")
        uow.commit()
    engine.dispose()
    return path


@pytest.fixture
def demo_url(demo_template: Path, tmp_path: Path) -> str:
    """A copy of the demo ledger for one test (the Users tests write to it)."""
    path = tmp_path / "demo.db"
    shutil.copy(demo_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def factory(demo_url: str):
    engine = make_engine(demo_url)
    yield make_session_factory(engine)
    engine.dispose()


def app(monkeypatch: pytest.MonkeyPatch, url: str, user: CurrentUser, lang: str = "en") -> AppTest:
    monkeypatch.setenv("BUDGET_DATABASE_URL", url)
    monkeypatch.delenv("BUDGET_DEMO", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user"] = user
    at.session_state["lang"] = lang
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    if not getattr(at, "_started", False):
        at.run()
        at._started = True  # type: ignore[attr-defined]
    return at.switch_page(f"screens/{page}.py").run()


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def shown(markdown: str) -> str:
    """A Markdown text as the browser shows it (escapes and word joiners removed)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """The bytes each download button would serve (its callable, run as on a click)."""
    import streamlit as st

    got: dict[str, bytes] = {}
    real = st.download_button

    def spy(label, data, *args, **kwargs):
        got[kwargs.get("file_name", "")] = data() if callable(data) else data
        return real(label, data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", spy)
    return got


# --------------------------------------------------------------------------- audit


def test_an_officer_reads_the_audit_trail_newest_first_a_page_at_a_time(monkeypatch, demo_url, factory):
    with UnitOfWork(factory, write=False) as uow:
        newest = audit.audit_page(uow, audit.AuditFilter(), offset=0, limit=50)
    assert newest.total > 50  # the demo writes hundreds of lines: more than one page
    got = downloads(monkeypatch)
    at = open_page(app(monkeypatch, demo_url, OFFICER), "audit")
    no_errors(at)
    assert at.title[0].value == "Audit trail"
    shown = at.dataframe[0].value
    assert len(shown) == 50
    assert list(shown.columns) == ["When (UTC)", "User", "Channel", "Action", "Concerns",
                                   "Id or code", "Batch", "Details"]
    assert list(shown["Id or code"]) == [e.entity_id or "" for e in newest.entries]
    assert any(f"of {newest.total}" in c.value for c in at.caption)
    # Every matching line in both downloads, not only the page on screen.
    book = openpyxl.load_workbook(io.BytesIO(got["audit-trail.xlsx"]))
    assert book.active.max_row == newest.total + 1
    rows = list(csv.reader(io.StringIO(got["audit-trail.csv"].decode("utf-8-sig"))))
    assert len(rows) == newest.total + 1 and rows[0][0] == "When (UTC)"

    # The second page continues where the first stopped.
    at.number_input(key=next(k for k in at.session_state if str(k).startswith("audit_pageno"))).set_value(2).run()
    no_errors(at)
    with UnitOfWork(factory, write=False) as uow:
        second = audit.audit_page(uow, audit.AuditFilter(), offset=50, limit=50)
    assert list(at.dataframe[0].value["Id or code"]) == [e.entity_id or "" for e in second.entries]


def test_the_audit_filters_narrow_the_trail_and_details_read_as_key_value(monkeypatch, demo_url, factory):
    at = open_page(app(monkeypatch, demo_url, OFFICER), "audit")
    at.selectbox(key="audit_action").set_value("pay").run()
    no_errors(at)
    grid = at.dataframe[0].value
    assert set(grid["Action"]) == {"payment"} and set(grid["Concerns"]) == {"payment"}
    with UnitOfWork(factory, write=False) as uow:
        pays = audit.audit_page(uow, audit.AuditFilter(action="pay"), offset=0, limit=50)
    at.selectbox(key="audit_detail").set_value(0).run()
    no_errors(at)
    details = [shown(m.value) for m in at.markdown if m.value.startswith("- **")]
    first = dict(pays.entries[0].details_items())
    assert details[-1].splitlines()[0] == f"- **amount**: {fmt(Decimal(first['amount']))}"
    assert f"- **reference**: {first['reference']}" in details[-1].splitlines()

    # A batch that does not exist: nothing, said plainly; dates the wrong way round: a warning.
    at.number_input(key="audit_batch").set_value(2_000_000).run()
    no_errors(at)
    assert any("No audit line matches" in i.value for i in at.info)
    import datetime as dt

    at.date_input(key="audit_from").set_value(dt.date(2026, 3, 1))
    at.date_input(key="audit_to").set_value(dt.date(2026, 1, 1)).run()
    no_errors(at)
    assert any("after the last day" in w.value for w in at.warning)


def test_a_viewer_gets_neither_the_audit_nor_the_users_page(monkeypatch, demo_url):
    at = app(monkeypatch, demo_url, VIEWER)
    at.run()
    no_errors(at)
    for page in ("audit", "users"):  # not in the viewer's navigation at all
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"screens/{page}.py")


def test_an_officer_limited_to_a_directorate_sees_only_lines_about_it(monkeypatch, demo_url, factory):
    m2 = CurrentUser("m2-officer", "officer", ("M2",))
    at = open_page(app(monkeypatch, demo_url, m2), "audit")
    no_errors(at)
    assert any("directorates (M2)" in c.value for c in at.caption)
    with UnitOfWork(factory, write=False) as uow:
        mine = audit.audit_count(uow, audit.AuditFilter(directorates=("M2",)))
        every = audit.audit_count(uow, audit.AuditFilter())
        lines = audit.audit_page(uow, audit.AuditFilter(directorates=("M2",)), limit=audit.MAX_LINES).entries
        from budget.services import views

        m2_orgs = {o.code for o in views.organisations(uow, ["M2"])}
    assert 0 < mine < every
    assert {e.entity for e in lines} <= {"organisation", "assessment", "commitment", "payment",
                                         "basic_allocation", "credit_movement", "commitment_adjustment"}
    orgs = {e.entity_id if e.entity == "organisation" else e.details.get("organisation")
            for e in lines} - {None}
    assert orgs and orgs <= m2_orgs
    # The user filter offers only users with lines in the officer's scope.
    assert "root" not in at.selectbox(key="audit_user").options


# --------------------------------------------------------------------------- users


def users_page(monkeypatch: pytest.MonkeyPatch, url: str, lang: str = "en") -> AppTest:
    return open_page(app(monkeypatch, url, ADMIN, lang), "users")


def add(at: AppTest, name: str, role: str = "viewer", password: str = "", again: str | None = None,
        dirs: list[str] | None = None) -> AppTest:
    at.text_input(key="ua_name").input(name)
    at.selectbox(key="ua_role").set_value(role)
    if dirs:
        at.multiselect(key="ua_dirs").set_value(dirs)
    at.text_input(key="ua_pw").input(password)
    at.text_input(key="ua_pw2").input(password if again is None else again)
    return at.button(key="FormSubmitter:users_add-Add the user").click().run()


def test_an_admin_adds_a_user_with_a_typed_password_audited_with_the_admin(monkeypatch, demo_url, factory):
    at = users_page(monkeypatch, demo_url)
    no_errors(at)
    assert list(at.dataframe[0].value["User name"]) == ["root"]
    add(at, "carol", "viewer", PASSWORD, dirs=["M2", "M3"])
    no_errors(at)
    assert any("User carol added" in s.value for s in at.success)
    assert not at.code  # a typed password is never shown back
    table = at.dataframe[0].value
    assert list(table["User name"]) == ["carol", "root"]
    assert table["Directorates"].iloc[0] == "M2, M3"
    with UnitOfWork(factory) as uow:
        assert users.authenticate(uow, "carol", PASSWORD).directorates == ("M2", "M3")
        trail = audit.audit_page(uow, audit.AuditFilter(action="add_user"), limit=5).entries
    assert (trail[0].user, trail[0].channel, trail[0].entity_id) == ("root", "dashboard", "carol")
    assert PASSWORD not in str(trail[0].details)


def test_a_generated_password_is_shown_once_and_works(monkeypatch, demo_url, factory):
    at = users_page(monkeypatch, demo_url)
    add(at, "dave", "officer")
    no_errors(at)
    assert len(at.code) == 1
    secret = at.code[0].value
    with UnitOfWork(factory) as uow:
        assert users.authenticate(uow, "dave", secret).role == "officer"
    at.run()  # the next run: gone
    assert not at.code


def test_bad_input_is_one_clear_message_and_writes_nothing(monkeypatch, demo_url, factory):
    at = users_page(monkeypatch, demo_url)
    with UnitOfWork(factory, write=False) as uow:
        before = users.list_users(uow)
    cases = [
        (dict(name="", password=PASSWORD), "Give a user name"),
        (dict(name="two words", password=PASSWORD), "no spaces"),
        (dict(name="eve", password="short"), "at least 8 characters"),
        (dict(name="eve", password=PASSWORD, again="something else"), "passwords differ"),
        (dict(name="root", password=PASSWORD), "already exists"),
    ]
    for kwargs, message in cases:
        add(at, **kwargs)
        assert not at.exception, kwargs
        assert any(message in e.value for e in at.error), (kwargs, [e.value for e in at.error])
    with UnitOfWork(factory, write=False) as uow:
        assert users.list_users(uow) == before


def pick(at: AppTest, name: str) -> AppTest:
    return at.selectbox(key="users_pick").set_value(name).run()


def test_an_admin_disables_enables_resets_and_changes_access(monkeypatch, demo_url, factory):
    with UnitOfWork(factory, user="setup") as uow:
        users.add_user(uow, "frank", PASSWORD, "viewer", ["M2"])
        uow.commit()
    at = pick(users_page(monkeypatch, demo_url), "frank")
    no_errors(at)
    at.button(key="ux_off_frank").click().run()
    no_errors(at)
    assert any("frank disabled" in s.value for s in at.success)
    with UnitOfWork(factory, write=False) as uow:
        assert not users.get_user(uow, "frank").active
    pick(at, "frank").button(key="ux_on_frank").click().run()
    no_errors(at)
    with UnitOfWork(factory, write=False) as uow:
        assert users.get_user(uow, "frank").active

    pick(at, "frank")
    at.selectbox(key="ux_role_frank").set_value("officer")
    at.multiselect(key="ux_dirs_frank").set_value([])
    at.button(key="FormSubmitter:users_access_frank-Save the role and directorates").click().run()
    no_errors(at)
    with UnitOfWork(factory, write=False) as uow:
        info = users.get_user(uow, "frank")
    assert (info.role, info.directorates) == ("officer", None)

    pick(at, "frank")
    at.button(key="FormSubmitter:users_reset_frank-Reset the password").click().run()
    no_errors(at)
    secret = at.code[0].value
    with UnitOfWork(factory) as uow:
        assert users.authenticate(uow, "frank", secret).username == "frank"
        actions = [e.action for e in audit.audit_page(
            uow, audit.AuditFilter(user="root"), limit=10).entries]
    assert actions == ["set_password", "set_access", "enable_user", "disable_user"]


def test_the_last_active_admin_cannot_be_disabled_nor_demoted(monkeypatch, demo_url, factory):
    at = pick(users_page(monkeypatch, demo_url, "fr"), "root")
    at.button(key="ux_off_root").click().run()
    assert not at.exception
    assert any("dernier administrateur actif" in e.value for e in at.error)
    at = pick(users_page(monkeypatch, demo_url), "root")
    at.selectbox(key="ux_role_root").set_value("viewer")
    at.button(key="FormSubmitter:users_access_root-Save the role and directorates").click().run()
    assert any("last active administrator" in e.value for e in at.error)
    with UnitOfWork(factory, write=False) as uow:
        info = users.get_user(uow, "root")
    assert (info.role, info.active) == ("admin", True)


def test_an_officer_gets_no_users_page(monkeypatch, demo_url):
    at = app(monkeypatch, demo_url, OFFICER)
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("screens/users.py")
    open_page(at, "audit")  # the officer's own pages are there
    no_errors(at)


def test_the_users_page_itself_refuses_a_non_admin(monkeypatch, demo_url):
    """Even reached directly (a navigation built for another role), the page says no."""
    import runpy

    from dashboards import common

    monkeypatch.setattr(common, "current_user", lambda: OFFICER)
    stopped: list[str] = []

    class Stop(Exception):
        pass

    import streamlit as st

    monkeypatch.setattr(st, "warning", lambda text, **_: stopped.append(text))
    monkeypatch.setattr(st, "stop", lambda: (_ for _ in ()).throw(Stop()))
    monkeypatch.setattr(st, "title", lambda *_a, **_k: None)
    monkeypatch.setattr(st, "caption", lambda *_a, **_k: None)
    with pytest.raises(Stop):
        runpy.run_path(str(Path(APP).parent / "screens" / "users.py"))
    assert stopped and "administrator" in stopped[0]
