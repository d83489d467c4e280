"""Estimated wait: from the call's place, the agents staffed for it and recent handle times.

With ``staffed`` agents all busy, one of them frees up on average every ``aht / staffed``
seconds; the call at ``position`` (1 = next) is taken at the ``position``-th such moment.
The simulator measures how good this is against the real waits.
"""

from __future__ import annotations

from collections import deque


def estimate_wait(position: int, staffed: int, aht_seconds: float) -> float | None:
    """Seconds until the call at ``position`` is answered; None when nobody can take it."""
    if staffed <= 0 or position <= 0:
        return None
    return position * aht_seconds / staffed


class HandleTimes:
    """The last ``size`` handle times (talk + wrap-up) of one service, and their mean."""

    def __init__(self, size: int, default_seconds: float) -> None:
        self._samples: deque[float] = deque(maxlen=size)
        self._sum = 0.0
        self._default = default_seconds

    def add(self, seconds: float) -> None:
        if len(self._samples) == self._samples.maxlen:
            self._sum -= self._samples[0]
        self._samples.append(seconds)
        self._sum += seconds

    def mean(self) -> float:
        return self._sum / len(self._samples) if self._samples else self._default
