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


def test_a_read_is_keyed_by_the_values_of_its_arguments_and_refuses_values_without_a_faithful_repr(
        dashboard_db):
    """The key is the arguments' ``repr``: equal values share a read, different ones (even
    alike as text, 1 and "1") do not, and an object whose ``repr`` may not tell it apart is
    refused instead of risking two results mixed up."""
    import datetime as dt
    from dataclasses import dataclass
    from decimal import Decimal

    @dataclass(frozen=True)
    class Span:
        start: dt.date
        end: dt.date

    made = []

    def read(uow, *args, **kwargs):
        made.append((args, kwargs))
        return len(made)

    span = Span(dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert c.cached(read, 1, span, directorates=("D1",)) == 1
    assert c.cached(read, 1, Span(dt.date(2026, 1, 1), dt.date(2026, 3, 31)), directorates=["D1"]) == 1
    assert c.cached(read, "1", span, directorates=("D1",)) == 2
    assert c.cached(read, 1, span, directorates=None) == 3
    assert c.cached(read, Decimal("1.5"), {"b", "a"}) == 4
    assert c.cached(read, Decimal("1.5"), {"a", "b"}) == 4

    class Opaque:
        pass

    with pytest.raises(TypeError):
        c.cached(read, Opaque())

    @dataclass
    class Mutable:
        day: dt.date

    with pytest.raises(TypeError):
        c.cached(read, Mutable(dt.date(2026, 1, 1)))
