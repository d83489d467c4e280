"""Login throttling: too many wrong passwords for one account, or from one address, and
further attempts wait. Pure (the clock is passed in) and bounded in memory.

Each key (an account name, an address) keeps the times of its recent failures, at most
``limit`` of them; at ``limit`` failures within ``window`` the key waits until the oldest
of them leaves the window. Only the ``max_keys`` most recently failed keys of each kind are
remembered: a flood of made-up names cannot exhaust memory (it forgets the oldest names,
while the flooding address itself stays counted).
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass
class _Failures:
    limit: int
    window: timedelta
    max_keys: int
    _times: OrderedDict[str, deque[datetime]] = field(default_factory=OrderedDict)

    def wait(self, key: str, now: datetime) -> timedelta:
        times = self._recent(key, now)
        if len(times) < self.limit:
            return timedelta(0)
        return times[0] + self.window - now

    def failed(self, key: str, now: datetime) -> None:
        times = self._recent(key, now)
        times.append(now)
        self._times[key] = times
        self._times.move_to_end(key)
        while len(self._times) > self.max_keys:
            self._times.popitem(last=False)

    def forget(self, key: str) -> None:
        self._times.pop(key, None)

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        times = self._times.get(key, deque(maxlen=self.limit))
        while times and times[0] + self.window <= now:
            times.popleft()
        return times

    def __len__(self) -> int:
        return len(self._times)


class LoginThrottle:
    def __init__(
        self,
        per_account: int = 5,
        per_address: int = 20,
        window: timedelta = timedelta(minutes=15),
        max_keys: int = 10_000,
    ) -> None:
        self._accounts = _Failures(per_account, window, max_keys)
        self._addresses = _Failures(per_address, window, max_keys)

    def wait(self, user_name: str, address: str, now: datetime) -> timedelta:
        """How long a login for ``user_name`` from ``address`` must wait (zero: go)."""
        return max(self._accounts.wait(user_name, now), self._addresses.wait(address, now))

    def failed(self, user_name: str, address: str, now: datetime) -> None:
        self._accounts.failed(user_name, now)
        self._addresses.failed(address, now)

    def succeeded(self, user_name: str) -> None:
        """The account's count starts over (its address's does not: it may be guessing
        other accounts' passwords too)."""
        self._accounts.forget(user_name)

    @property
    def remembered(self) -> int:
        return len(self._accounts) + len(self._addresses)
