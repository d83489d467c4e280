"""A service's queue: calls in order of their key (virtual arrival time, then arrival).

The key's first part is the entry time minus the priority's head start (see
``RoutingPolicy``): it never changes while the call waits, so sorted lists stay sorted.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator
from typing import TypeVar

QueueKey = tuple[float, int, str]  # (virtual arrival, arrival sequence, call id)


def queue_key(priority: float, seq: int, call_id: str, entered: float = 0.0,
              aging_seconds: float = 60.0) -> QueueKey:  # fmt: skip
    return (entered - priority * aging_seconds, seq, call_id)


class ServiceQueue:
    """Sorted keys. A call being rung stays in place, so that it keeps its place if the ring
    fails; the calls being rung are also kept apart (``ringing``), since a caller's position
    counts only the calls ahead that still wait: one being rung is about to be answered."""

    def __init__(self) -> None:
        self._keys: list[QueueKey] = []
        self._ringing: list[QueueKey] = []

    def add(self, key: QueueKey) -> None:
        insort(self._keys, key)

    def remove(self, key: QueueKey) -> None:
        discard(self._keys, key)
        discard(self._ringing, key)

    def ring_started(self, key: QueueKey) -> None:
        insort(self._ringing, key)

    def ring_ended(self, key: QueueKey) -> None:
        """The ring failed (or the agent dropped before the bridge): the call waits again."""
        discard(self._ringing, key)

    def position(self, key: QueueKey) -> int:
        """1-based place in line among the calls that wait (not those being rung)."""
        return bisect_left(self._keys, key) - bisect_left(self._ringing, key) + 1

    def waiting(self) -> int:
        """The calls that wait, not counting those being rung."""
        return len(self._keys) - len(self._ringing)

    def __iter__(self) -> Iterator[QueueKey]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


_K = TypeVar("_K", QueueKey, tuple[float, float, str])


def discard(keys: list[_K], key: _K) -> None:
    """Remove ``key`` from the sorted list ``keys`` if it is there."""
    i = bisect_left(keys, key)
    if i < len(keys) and keys[i] == key:
        del keys[i]
