"""Dashboard accounts: argon2 hashes, roles, directorate limits, log-in slow-down, CLI."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from budget import errors
from budget.cli import cli
from budget.ledger.models import AppUser
from budget.services import users

PASSWORD = "correct horse battery"


def test_a_password_is_stored_as_a_salted_argon2_hash_never_in_clear(ledger):
    with ledger.uow() as uow:
        users.add_user(uow, "alice", PASSWORD, "officer")
        users.add_user(uow, "bob", PASSWORD, "viewer")
        uow.commit()
    with ledger.uow(write=False) as uow:
        hashes = [u.password_hash for u in uow.session.query(AppUser).order_by(AppUser.username)]
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert PASSWORD not in "".join(hashes)
    assert hashes[0] != hashes[1]  # salted: same password, different hashes


def test_log_in_accepts_the_right_password_and_refuses_a_wrong_one(ledger):
    with ledger.uow() as uow:
        users.add_user(uow, "alice", PASSWORD, "viewer", ["m2", "M1"])
        uow.commit()
    with ledger.uow() as uow:
        info = users.authenticate(uow, "alice", PASSWORD)
    assert (info.role, info.directorates) == ("viewer", ("M1", "M2"))
    with ledger.uow() as uow, pytest.raises(errors.AuthenticationError, match="Wrong user name or password"):
        users.authenticate(uow, "alice", "not the password")
    with ledger.uow() as uow, pytest.raises(errors.AuthenticationError, match="Wrong user name or password"):
        users.authenticate(uow, "nobody", PASSWORD)


def test_failed_log_ins_in_a_row_slow_down_further_attempts_and_a_success_resets(ledger):
    with ledger.uow() as uow:
        users.add_user(uow, "alice", PASSWORD)
        uow.commit()
    t0 = dt.datetime(2026, 1, 1, 12, 0, 0)
    for i in range(users.FREE_ATTEMPTS):
        with ledger.uow() as uow, pytest.raises(errors.AuthenticationError, match="Wrong"):
            users.authenticate(uow, "alice", "bad", now=t0 + dt.timedelta(seconds=i))
    last = t0 + dt.timedelta(seconds=users.FREE_ATTEMPTS - 1)
    # Even the right password is refused while the account waits.
    with ledger.uow() as uow, pytest.raises(errors.AuthenticationError, match="try again in"):
        users.authenticate(uow, "alice", PASSWORD, now=last + dt.timedelta(seconds=1))
    later = last + users.retry_delay(users.FREE_ATTEMPTS) + dt.timedelta(seconds=1)
    with ledger.uow() as uow:
        assert users.authenticate(uow, "alice", PASSWORD, now=later).failed_logins == 0
    with ledger.uow(write=False) as uow:
        assert users.get_user(uow, "alice").failed_logins == 0
    assert users.retry_delay(users.FREE_ATTEMPTS + 1) == 2 * users.retry_delay(users.FREE_ATTEMPTS)
    assert users.retry_delay(100) == users.MAX_DELAY


def test_a_disabled_account_cannot_log_in_and_set_password_replaces_the_old_one(ledger):
    with ledger.uow() as uow:
        users.add_user(uow, "alice", PASSWORD)
        users.set_password(uow, "alice", "a brand new secret")
        uow.commit()
    with ledger.uow() as uow, pytest.raises(errors.AuthenticationError):
        users.authenticate(uow, "alice", PASSWORD)
    with ledger.uow() as uow:
        users.authenticate(uow, "alice", "a brand new secret")
        users.disable_user(uow, "alice")
        uow.commit()
    with ledger.uow() as uow, pytest.raises(errors.AuthenticationError, match="disabled"):
        users.authenticate(uow, "alice", "a brand new secret")


def test_account_rules_refuse_duplicates_short_passwords_unknown_roles_and_directorates(ledger):
    with ledger.uow() as uow:
        users.add_user(uow, "alice", PASSWORD)
        with pytest.raises(errors.DuplicateEntryError):
            users.add_user(uow, "alice", PASSWORD)
        with pytest.raises(errors.ValidationError, match="at least"):
            users.add_user(uow, "bob", "short")
        with pytest.raises(errors.ValidationError, match="role"):
            users.add_user(uow, "bob", PASSWORD, "boss")
        with pytest.raises(errors.UnknownDirectorateError):
            users.add_user(uow, "bob", PASSWORD, "viewer", ["M9"])


def test_user_management_is_written_to_the_audit_log(ledger):
    from budget.ledger.models import AuditLog

    with ledger.uow(user="root") as uow:
        users.add_user(uow, "alice", PASSWORD)
        users.disable_user(uow, "alice")
        uow.commit()
    with ledger.uow(write=False) as uow:
        actions = [(a.user, a.action) for a in uow.session.query(AuditLog).order_by(AuditLog.id)]
    assert actions == [("root", "add_user"), ("root", "disable_user")]


def test_the_users_cli_adds_lists_disables_and_sets_passwords(ledger):
    runner = CliRunner()
    db = ["--db", ledger.url]
    res = runner.invoke(cli, [*db, "users", "add", "carol", "--role", "viewer",
                              "--directorates", "M2,M3", "--password-stdin"], input=PASSWORD + "\n")
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, [*db, "users", "add", "dave", "--role", "officer"],
                        input=f"{PASSWORD}\n{PASSWORD}\n")
    assert res.exit_code == 0, res.output
    assert PASSWORD not in res.output  # the prompt hides the input
    res = runner.invoke(cli, [*db, "users", "list", "--json"])
    assert res.exit_code == 0
    assert '"directorates": [\n      "M2",\n      "M3"\n    ]' in res.output
    res = runner.invoke(cli, [*db, "users", "set-password", "carol", "--password-stdin"],
                        input="another good one\n")
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, [*db, "users", "disable", "carol"])
    assert res.exit_code == 0
    res = runner.invoke(cli, [*db, "users", "list"])
    assert "carol" in res.output and "no" in res.output
    res = runner.invoke(cli, [*db, "users", "add", "carol", "--password-stdin"], input=PASSWORD + "\n")
    assert res.exit_code == 1 and "already exists" in res.output
    res = runner.invoke(cli, [*db, "users", "disable", "nobody"])
    assert res.exit_code == 1
    with ledger.uow() as uow:
        assert users.authenticate(uow, "dave", PASSWORD).role == "officer"
