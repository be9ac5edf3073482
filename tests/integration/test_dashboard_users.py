"""Dashboard accounts: argon2 hashes, roles, directorate limits, log-in slow-down, CLI."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import time

import pytest
from click.testing import CliRunner
from sqlalchemy.exc import OperationalError

from budget import errors
from budget.busy import is_busy
from budget.cli import cli
from budget.ledger.db import make_session_factory
from budget.ledger.models import AppUser
from budget.services import login_throttle as throttle_mod
from budget.services import users
from budget.services.login_throttle import LoginThrottle
from budget.uow import UnitOfWork

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def fresh_throttle():
    """The process's log-in throttle starts empty for every test (it is keyed on names)."""
    users.THROTTLE.clear()
    yield
    users.THROTTLE.clear()


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


def attempts(ledger, name: str, password: str, t0: dt.datetime, n: int, client: str | None = None,
             throttle: LoginThrottle | None = None) -> list[tuple[str, float]]:
    """``n`` log-ins a tenth of a second apart: (answer, seconds taken) of each."""
    out = []
    for i in range(n):
        started = time.perf_counter()
        try:
            with ledger.uow() as uow:
                users.authenticate(uow, name, password, now=t0 + dt.timedelta(seconds=i / 10),
                                   client=client, throttle=throttle or users.THROTTLE)
            answer = "ok"
        except errors.AuthenticationError as exc:
            answer = re.sub(r"\d+ s", "N s", exc.message)
        out.append((answer, time.perf_counter() - started))
    return out


def test_an_unknown_name_gets_the_same_answers_and_slow_down_as_a_real_account(ledger):
    with ledger.uow() as uow:
        users.add_user(uow, "alice", PASSWORD)
        uow.commit()
    t0 = dt.datetime(2026, 1, 1, 12, 0, 0)
    real = attempts(ledger, "alice", "bad password", t0, users.FREE_ATTEMPTS + 2)
    unknown = attempts(ledger, "nobody", "bad password", t0, users.FREE_ATTEMPTS + 2)
    assert [a for a, _ in real] == [a for a, _ in unknown] == (
        ["Wrong user name or password."] * users.FREE_ATTEMPTS
        + ["Too many failed log-ins in a row: try again in N s."] * 2)


def test_an_unknown_and_a_real_name_take_the_same_order_of_time(ledger):
    with ledger.uow() as uow:
        users.add_user(uow, "alice", PASSWORD)
        uow.commit()
    t0 = dt.datetime(2026, 1, 1, 12, 0, 0)
    attempts(ledger, "warm-up", "bad password", t0, 1, throttle=LoginThrottle())

    def measured() -> tuple[list, list]:
        users.THROTTLE.clear()  # each round starts as the first did
        return (attempts(ledger, "alice", "bad password", t0, users.FREE_ATTEMPTS + 2),
                attempts(ledger, "nobody", "bad password", t0, users.FREE_ATTEMPTS + 2))

    def same_order(real: list, unknown: list) -> bool:
        # argon2 dominates a checked attempt (tens of ms), a refused one costs none: the
        # two names stay within a factor of ten of each other, attempt by attempt.
        return all(max(a, b) < 10 * min(a, b) + 0.005 for (_, a), (_, b) in zip(real, unknown, strict=True))

    # Wall-clock times on a shared machine: a spike of load in one round is measured again
    # (up to three rounds); a real difference between the names shows in every round.
    for _ in range(3):
        real, unknown = measured()
        if same_order(real, unknown):
            break
    assert same_order(real, unknown), (real, unknown)
    checked, refused = real[0][1], real[-1][1]
    assert refused < checked  # the slow-down answers without checking the password


def test_one_client_trying_many_names_is_slowed_down_whatever_the_names(ledger):
    t0 = dt.datetime(2026, 1, 1, 12, 0, 0)
    answers = [attempts(ledger, f"guess{i}", "bad password", t0 + dt.timedelta(seconds=i), 1,
                        client="203.0.113.9")[0][0]
               for i in range(throttle_mod.CLIENT_FREE_ATTEMPTS + 1)]
    assert answers[:-1] == ["Wrong user name or password."] * throttle_mod.CLIENT_FREE_ATTEMPTS
    assert answers[-1].startswith("Too many failed log-ins")
    # Another client is not held back by that one.
    other = attempts(ledger, "guess-other", "bad", t0 + dt.timedelta(seconds=11), 1, client="198.51.100.7")
    assert other[0][0] == "Wrong user name or password."


def test_log_in_checks_the_password_while_a_long_write_holds_the_ledger(ledger):
    """The read needs no lock; the attempt's record gives up quickly and the answer stands."""
    if ledger.backend != "sqlite":
        pytest.skip("the write lock held from a second connection is SQLite's")
    from budget.busy import short_wait_engine

    with ledger.uow() as uow:
        users.add_user(uow, "alice", PASSWORD, "officer")
        uow.commit()
    factory = make_session_factory(short_wait_engine(ledger.url, 300))
    path = ledger.url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a long import, say
    holder.execute("UPDATE app_user SET failed_logins = failed_logins")
    try:
        def read() -> UnitOfWork:
            return UnitOfWork(factory, write=False)

        def write() -> UnitOfWork:
            return UnitOfWork(factory, write=True)

        started = time.perf_counter()
        info = users.log_in(read, write, "alice", PASSWORD)
        with pytest.raises(errors.AuthenticationError, match="Wrong user name"):
            users.log_in(read, write, "alice", "bad password")
        assert time.perf_counter() - started < 5
        assert info.role == "officer"
        assert users.THROTTLE.wait(users.THROTTLE.keys("alice", None), dt.datetime.now()) == dt.timedelta(0)
    finally:
        holder.rollback()
        holder.close()
        factory.kw["bind"].dispose()


def test_a_locked_sqlite_file_and_a_postgresql_lock_timeout_count_as_busy(ledger):
    from sqlalchemy import text

    if ledger.backend == "sqlite":
        engine = short_wait_engine_for(ledger.url)
        holder = sqlite3.connect(ledger.url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(OperationalError) as caught, engine.begin() as conn:
                conn.execute(text("UPDATE app_user SET failed_logins = 0"))
        finally:
            holder.rollback()
            holder.close()
            engine.dispose()
    else:
        other = ledger.engine.connect()
        other.begin()
        other.execute(text("LOCK TABLE app_user IN ACCESS EXCLUSIVE MODE"))
        try:
            with pytest.raises(OperationalError) as caught, ledger.engine.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = 200"))
                conn.execute(text("SELECT count(*) FROM app_user"))
        finally:
            other.rollback()
            other.close()
    assert is_busy(caught.value)
    assert not is_busy(OperationalError("SELECT 1", {}, Exception("no such table: x")))


def short_wait_engine_for(url: str):
    from budget.busy import short_wait_engine

    return short_wait_engine(url, 200)


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
