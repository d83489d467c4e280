"""A service's queue: calls in order of their key (virtual arrival time, then arrival).

The key's first part is the entry time minus the priority's head start (see
``RoutingPolicy``): it never changes while the call waits, so sorted lists stay sorted.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Iterator

QueueKey = tuple[float, int, str]  # (virtual arrival, arrival sequence, call id)


def queue_key(priority: float, seq: int, call_id: str, entered: float = 0.0,
              aging_seconds: float = 60.0) -> QueueKey:  # fmt: skip
    return (entered - priority * aging_seconds, seq, call_id)


class ServiceQueue:
    """Sorted keys; a call being rung stays in place so that it keeps its position."""

    def __init__(self) -> None:
        self._keys: list[QueueKey] = []

    def add(self, key: QueueKey) -> None:
        insort(self._keys, key)

    def remove(self, key: QueueKey) -> None:
        i = bisect_left(self._keys, key)
        if i < len(self._keys) and self._keys[i] == key:
            del self._keys[i]

    def first(self, waiting: Callable[[str], bool]) -> QueueKey | None:
        return next((k for k in self._keys if waiting(k[2])), None)

    def position(self, key: QueueKey) -> int:
        """1-based place in line."""
        return bisect_left(self._keys, key) + 1

    def __iter__(self) -> Iterator[QueueKey]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)
