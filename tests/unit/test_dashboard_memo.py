"""The dashboard's in-process cache (``dashboards.common._Memo``), which replaced
``st.cache_resource`` for the cached reads: one shared value per key, made once even when
sessions ask at the same moment, and bounded in size and time."""

from __future__ import annotations

import threading
import time

import pytest

from dashboards.common import _Memo


def test_a_value_is_made_once_and_then_shared():
    memo = _Memo(max_entries=4, ttl=60)
    made = []
    first = memo.get(("k",), lambda: made.append(1) or ["value"])
    again = memo.get(("k",), lambda: made.append(1) or ["other"])
    assert again is first and made == [1]


def test_sessions_asking_for_the_same_key_at_once_wait_for_one_computation():
    memo = _Memo(max_entries=4, ttl=60)
    calls = []
    barrier = threading.Barrier(4)

    def slow() -> object:
        calls.append(1)
        time.sleep(0.05)
        return object()

    results: list[object] = []

    def ask() -> None:
        barrier.wait()
        results.append(memo.get(("same",), slow))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert all(r is results[0] for r in results)


def test_the_oldest_entries_go_beyond_the_size_limit():
    memo = _Memo(max_entries=2, ttl=60)
    for key in ("a", "b", "c"):
        memo.get(key, lambda k=key: k)
    assert memo.get("a", lambda: "made again") == "made again"
    assert memo.get("c", lambda: "made again") == "c"


def test_an_entry_older_than_its_time_limit_is_made_again():
    memo = _Memo(max_entries=2, ttl=0.01)
    memo.get("k", lambda: "old")
    time.sleep(0.02)
    assert memo.get("k", lambda: "new") == "new"


def test_a_failed_computation_is_not_kept_and_clear_forgets_everything():
    memo = _Memo(max_entries=2, ttl=60)
    with pytest.raises(ZeroDivisionError):
        memo.get("k", lambda: 1 / 0)
    assert memo.get("k", lambda: "ok") == "ok"
    memo.clear()
    assert memo.get("k", lambda: "after clear") == "after clear"
