"""Failed log-ins counted per user name and per client, whether the account exists or not.

A slow-down stored on the account itself answers differently for a real name (it waits
after a few failures) and an unknown one (it never does): that tells an attacker which
names exist. This throttle keys its counters on the *name typed* and on the *client*
(its network address), so a real and an invented name go through exactly the same states,
and one client trying many names is slowed down as well.

The counters live in the serving process (the dashboard is one process); they are
forgotten after :data:`FORGET_AFTER` without a failure, and the oldest are dropped beyond
:data:`MAX_KEYS` (a flood of invented names cannot fill the memory).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

#: Failed log-ins in a row allowed for one user name before the slow-down starts.
FREE_ATTEMPTS = 3
#: Failed log-ins allowed from one client (all names together) before it is slowed down.
CLIENT_FREE_ATTEMPTS = 10
#: First wait after the free attempts, then doubled for each further failure.
BASE_DELAY = dt.timedelta(seconds=2)
MAX_DELAY = dt.timedelta(minutes=5)
#: A counter with no failure for this long starts again from zero.
FORGET_AFTER = dt.timedelta(minutes=30)
MAX_KEYS = 100_000


def retry_delay(failures: int, free: int = FREE_ATTEMPTS) -> dt.timedelta:
    """How long to wait after ``failures`` failures in a row (``free`` of them cost nothing)."""
    if failures < free:
        return dt.timedelta(0)
    doublings = min(failures - free, 20)  # 2**20 × 2 s is far past the cap
    return min(BASE_DELAY * (2**doublings), MAX_DELAY)


@dataclass
class _Count:
    failures: int
    last: dt.datetime


class LoginThrottle:
    """Counts failed log-ins per key and says how long a key must still wait."""

    def __init__(self) -> None:
        self._counts: OrderedDict[str, _Count] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def keys(username: str, client: str | None) -> list[str]:
        """The counters one attempt touches: its user name, and its client when known."""
        keys = ["name:" + username.strip().casefold()]
        if client:
            keys.append("client:" + client)
        return keys

    def _current(self, key: str, now: dt.datetime) -> _Count | None:
        count = self._counts.get(key)
        if count is not None and now - count.last > FORGET_AFTER:
            del self._counts[key]
            return None
        return count

    def wait(self, keys: Iterable[str], now: dt.datetime) -> dt.timedelta:
        """How long the attempt must still wait (zero: it may be checked now)."""
        longest = dt.timedelta(0)
        with self._lock:
            for key in keys:
                count = self._current(key, now)
                if count is None:
                    continue
                free = CLIENT_FREE_ATTEMPTS if key.startswith("client:") else FREE_ATTEMPTS
                remaining = count.last + retry_delay(count.failures, free) - now
                longest = max(longest, remaining)
        return longest

    def failed(self, keys: Iterable[str], now: dt.datetime) -> None:
        """Count one failed attempt on each key."""
        with self._lock:
            for key in keys:
                count = self._current(key, now)
                self._counts[key] = _Count((count.failures if count else 0) + 1, now)
                self._counts.move_to_end(key)
            while len(self._counts) > MAX_KEYS:
                self._counts.popitem(last=False)

    def succeeded(self, username: str) -> None:
        """A right password: the user name starts again from zero (its client does not)."""
        with self._lock:
            self._counts.pop(self.keys(username, None)[0], None)

    def clear(self) -> None:
        """Forget every counter (tests)."""
        with self._lock:
            self._counts.clear()


#: The serving process's throttle.
THROTTLE = LoginThrottle()
