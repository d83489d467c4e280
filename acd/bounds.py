"""Where a structure that grows with load stops growing: every bound hit is counted and said.

A queue, dict or task set that grows with the calls, the screens or the connections has a
bound (docs/reliability.md, "Bounds"); what happens when it is hit is the owner's policy
(refuse the newcomer, drop the oldest, hold the rest). The owner calls ``BoundHits.hit``:
the count by bound goes to ``/metrics`` (``centralino_bound_hits_total{bound=...}``) and a
WARNING says which bound and what was done, at most once per bound every ``QUIET`` seconds
(a flood must not flood the log too; the count keeps every hit).
"""

from __future__ import annotations

import logging
import time
from collections import Counter

log = logging.getLogger(__name__)

QUIET = 10.0  # seconds between two log lines for the same bound


class BoundHits:
    """Counts of bound hits by bound name; one per engine (the meter holds it)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._said: dict[str, float] = {}

    def hit(self, bound: str, what_was_done: str) -> None:
        """``bound`` was reached: count it and, unless said lately, log what was done."""
        self.counts[bound] += 1
        now = time.monotonic()
        if now - self._said.get(bound, -QUIET) >= QUIET:
            self._said[bound] = now
            log.warning("bound %s reached (%d times so far): %s", bound, self.counts[bound],
                        what_was_done)  # fmt: skip
