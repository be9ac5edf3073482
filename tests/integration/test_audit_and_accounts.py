"""The audit read model (filters, pages, directorate scope) and the account rules the Users
page and ``budget users`` share, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from budget import errors
from budget.cli import cli
from budget.services import audit, users
from budget.services.reference import OrganisationInput, register_allocation, register_organisation

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def fresh_throttle():
    users.THROTTLE.clear()
    yield
    users.THROTTLE.clear()


def two_directorates(ledger) -> None:
    """An organisation in M2 and one in M3, each registered by another user."""
    with ledger.uow(user="ann", channel="cli") as uow:
        register_allocation(uow, "AB-M2", "UN", directorate="M2")
        register_organisation(uow, OrganisationInput("UN-RB", "UN regular budget", "M2"))
        uow.commit()
    with ledger.uow(user="bob", channel="dashboard") as uow:
        register_organisation(uow, OrganisationInput("COE", "Council of Europe", "M3"))
        users.add_user(uow, "carol", PASSWORD)
        uow.commit()


def test_the_trail_filters_by_user_action_entity_channel_and_pages_newest_first(ledger):
    two_directorates(ledger)
    with ledger.uow(write=False) as uow:
        every = audit.audit_page(uow, audit.AuditFilter(), limit=100)
        first = audit.audit_page(uow, audit.AuditFilter(), offset=0, limit=2)
        second = audit.audit_page(uow, audit.AuditFilter(), offset=2, limit=2)
        by_bob = audit.audit_page(uow, audit.AuditFilter(user="bob"), limit=100)
        orgs = audit.audit_page(uow, audit.AuditFilter(entity="organisation", channel="cli"), limit=100)
        added = audit.audit_count(uow, audit.AuditFilter(action="add_user"))
        today = audit.audit_count(uow, audit.AuditFilter(start=dt.date.today(), end=dt.date.today()))
        before = audit.audit_count(uow, audit.AuditFilter(end=dt.date(2000, 1, 1)))
        choices = audit.audit_choices(uow)
    assert every.total == 4 and [e.action for e in every.entries] == [
        "add_user", "register", "register", "register"]
    assert first.entries + second.entries == every.entries
    assert {e.user for e in by_bob.entries} == {"bob"} and by_bob.total == 2
    assert [e.entity_id for e in orgs.entries] == ["UN-RB"]
    assert (added, today, before) == (1, 4, 0)
    assert choices.users == ("ann", "bob") and choices.channels == ("cli", "dashboard")


def test_a_limited_reader_sees_only_lines_about_its_directorates(ledger):
    two_directorates(ledger)
    with ledger.uow(write=False) as uow:
        m2 = audit.audit_page(uow, audit.AuditFilter(directorates=("M2",)), limit=100)
        none = audit.audit_count(uow, audit.AuditFilter(directorates=()))
        choices = audit.audit_choices(uow, ("M3",))
    assert {(e.entity, e.entity_id) for e in m2.entries} == {("organisation", "UN-RB"),
                                                            ("basic_allocation", "AB-M2")}
    assert none == 0
    assert choices.users == ("bob",) and choices.entities == ("organisation",)


def test_details_read_as_key_value_lines():
    entry = audit.AuditEntry(dt.datetime(2026, 1, 2, 3, 4, 5), "ann", "cli", "pay", "payment", "7",
                             None, {"reference": "PAY-1", "amount": "10.00", "lines": {"USD": "1"},
                             "reason": None})
    assert entry.details_text() == 'amount: 10.00\nlines: {"USD": "1"}\nreason: –\nreference: PAY-1'
    assert entry.details_text(" · ").count(" · ") == 3


def test_the_last_active_admin_can_be_neither_disabled_nor_demoted(ledger):
    with ledger.uow() as uow:
        users.add_user(uow, "root", PASSWORD, "admin")
        users.add_user(uow, "alice", PASSWORD, "officer")
        uow.commit()
    with ledger.uow() as uow:
        with pytest.raises(users.AccountRuleError, match="last active admin") as caught:
            users.disable_user(uow, "root")
        assert caught.value.rule == "last_admin"
        with pytest.raises(users.AccountRuleError, match="last active admin"):
            users.set_access(uow, "root", role="viewer")
        users.set_access(uow, "root", role="admin", directorates=["M2"])  # same role: fine
        users.set_access(uow, "alice", role="admin")
        users.disable_user(uow, "root")  # another admin exists now
        with pytest.raises(users.AccountRuleError, match="last active admin"):
            users.set_access(uow, "alice", role="officer")
        users.enable_user(uow, "root")
        users.set_access(uow, "alice", role="officer")
        uow.commit()
    with ledger.uow(write=False) as uow:
        infos = {u.username: (u.role, u.active) for u in users.list_users(uow)}
        actions = [e.action for e in audit.audit_trail(uow, entity="app_user")]
    assert infos == {"root": ("admin", True), "alice": ("officer", True)}
    assert actions[:3] == ["set_access", "enable_user", "disable_user"]


def test_a_successful_log_in_is_the_accounts_last_log_in_a_failure_is_not(ledger):
    with ledger.uow() as uow:
        users.add_user(uow, "alice", PASSWORD)
        uow.commit()
    t0 = dt.datetime(2026, 5, 1, 9, 30)
    with ledger.uow() as uow:
        users.authenticate(uow, "alice", PASSWORD, now=t0)
    with ledger.uow() as uow, pytest.raises(errors.AuthenticationError):
        users.authenticate(uow, "alice", "wrong password", now=t0 + dt.timedelta(hours=1))
    with ledger.uow(write=False) as uow:
        info = users.get_user(uow, "alice")
        lines = audit.audit_count(uow, audit.AuditFilter())
    assert info.last_login_at == t0 and info.to_json()["last_login"] == "2026-05-01T09:30:00"
    assert lines == 1  # the add only: a log-in is no audit line (nor a new data version)


def test_a_password_too_long_and_a_temporary_password(ledger):
    with ledger.uow() as uow:
        with pytest.raises(users.AccountRuleError, match="at most"):
            users.add_user(uow, "alice", "x" * (users.MAX_PASSWORD_LENGTH + 1))
        secret = users.temporary_password()
        assert len(secret) >= 16 and secret != users.temporary_password()
        users.add_user(uow, "alice", secret)
        uow.commit()
    with ledger.uow() as uow:
        assert users.authenticate(uow, "alice", secret).username == "alice"


def test_the_cli_enables_refuses_the_last_admin_and_lists_the_last_log_in(ledger):
    runner = CliRunner()
    db = ["--db", ledger.url]
    res = runner.invoke(cli, [*db, "users", "add", "root", "--role", "admin", "--password-stdin"],
                        input=PASSWORD + "\n")
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, [*db, "users", "disable", "root"])
    assert res.exit_code == 1 and "last active admin" in res.output
    res = runner.invoke(cli, [*db, "users", "set-access", "root", "--role", "viewer"])
    assert res.exit_code == 1 and "last active admin" in res.output
    res = runner.invoke(cli, [*db, "users", "add", "bea", "--password-stdin"], input=PASSWORD + "\n")
    runner.invoke(cli, [*db, "users", "disable", "bea"])
    res = runner.invoke(cli, [*db, "users", "enable", "bea"])
    assert res.exit_code == 0 and "bea enabled" in res.output
    res = runner.invoke(cli, [*db, "users", "list"])
    assert "last log-in" in res.output and "never" in res.output
