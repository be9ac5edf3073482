"""The dashboard's cached reads (``dashboards.common.cached``, on ``st.cache_resource``): one
shared value per read and data version, made once even when sessions ask at the same moment,
forgotten after a write, never kept when it failed."""

from __future__ import annotations

import shutil
import threading
import time

import pytest

from dashboards import common as c


@pytest.fixture
def dashboard_db(monkeypatch, tmp_path, sqlite_template):
    path = tmp_path / "ledger.db"
    shutil.copy(sqlite_template, path)
    monkeypatch.setenv("BUDGET_DATABASE_URL", f"sqlite:///{path}")
    c.clear_caches()
    yield path
    c.clear_caches()


def test_a_read_is_made_once_and_then_shared(dashboard_db):
    made = []

    def read(uow, year):
        made.append(year)
        return [year]

    first = c.cached(read, 2026)
    again = c.cached(read, 2026)
    assert again is first and made == [2026]
    assert c.cached(read, 2025) == [2025] and made == [2026, 2025]


def test_sessions_asking_for_the_same_read_at_once_wait_for_one_computation(dashboard_db):
    calls = []
    barrier = threading.Barrier(4)

    def slow(uow):
        calls.append(1)
        time.sleep(0.05)
        return object()

    results: list[object] = []

    def ask() -> None:
        barrier.wait()
        results.append(c.cached(slow))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert all(r is results[0] for r in results)


def test_a_failed_read_is_not_kept_and_a_write_forgets_every_read(dashboard_db):
    outcomes = iter([ZeroDivisionError, "ok", "after the write"])

    def read(uow):
        outcome = next(outcomes)
        if outcome is ZeroDivisionError:
            raise ZeroDivisionError
        return outcome

    with pytest.raises(ZeroDivisionError):
        c.cached(read)
    assert c.cached(read) == "ok"
    assert c.cached(read) == "ok"
    c.after_write()
    assert c.cached(read) == "after the write"
