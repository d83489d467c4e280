"""What the live metrics count that the read model does not hold.

The read model (``Engine.view``) says what is true now: calls waiting, agents' states. What
happened (calls offered, answered, abandoned, their waits, the day's service level) the core
keeps no counters of: the runtime hands ``Meter`` every contact the core saves
(``SaveContact``) and the time each event took, and ``acd.web.metrics`` reads both at scrape
time. So the bookkeeping lives once, here, beside the core rather than inside it.

- Finished contacts that entered a queue (a ``SaveContact`` with ``ended_at`` and a
  service: the core saves a contact several times, and ends it once) are counted by their
  last service: offered, answered, abandoned (short or not), and their queue wait in a
  histogram by outcome.
- The day's service level per service: a ``reports.service_level.Tally`` of the contacts
  that entered the queue today in the center's time zone, started again at midnight. The
  composition root seeds it from the store at start, so a restart keeps the day.
- The core's handling time per event, and IVR sessions in progress.

Everything runs on the one event loop: plain counts, no locks.
"""

from __future__ import annotations

import bisect
import contextlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo

from acd.core.contact import Contact, Outcome
from reports.service_level import Tally

# The center's defaults for a service the configuration does not give: T (the service
# level's threshold, as ``services.*.service_level_seconds``) and S (a short abandon).
DEFAULT_TARGET_SECONDS = 20.0
DEFAULT_SHORT_ABANDON_SECONDS = 5.0
# Queue waits (seconds): the services' T and S are added, so that a bucket ends at each.
WAIT_BUCKETS = (5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 180.0, 300.0, 600.0,
                900.0, 1800.0)  # fmt: skip
# The core's time per event (seconds): a few microseconds usually, 100 us is the target.
HANDLING_BUCKETS = (1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 1e-2, 0.1, 1.0)
WAIT_OUTCOMES = (Outcome.ANSWERED, Outcome.ABANDONED)  # the waits the histogram keeps


@dataclass(frozen=True, slots=True)
class Thresholds:
    """A service's service-level threshold T and short-abandon threshold S, in seconds."""

    target: float = DEFAULT_TARGET_SECONDS
    short: float = DEFAULT_SHORT_ABANDON_SECONDS


class Histogram:
    """Counts per bucket (upper bounds, plus one above the last) and the sum of the values."""

    __slots__ = ("bounds", "counts", "total")

    def __init__(self, bounds: Iterable[float]) -> None:
        self.bounds = tuple(sorted({float(b) for b in bounds}))
        self.counts = [0] * (len(self.bounds) + 1)
        self.total = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += 1  # a bound is "<= le"
        self.total += value

    def cumulative(self) -> list[tuple[float, int]]:
        """(upper bound, values at or under it), the last bound ``inf``: Prometheus's shape."""
        running, out = 0, []
        for bound, count in zip((*self.bounds, float("inf")), self.counts, strict=True):
            running += count
            out.append((bound, running))
        return out


@dataclass(slots=True)
class ServiceCounts:
    """A service's finished contacts since the engine started."""

    waits: dict[Outcome, Histogram]
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    short_abandons: int = 0


@dataclass(slots=True)
class Day:
    """The day's tallies, by service; ``date`` in the center's time zone."""

    date: date
    tallies: dict[str, Tally] = field(default_factory=dict)


class Meter:
    def __init__(
        self, thresholds: Mapping[str, Thresholds] | None = None, zone: tzinfo = UTC
    ) -> None:
        """``thresholds``: each configured service's (its series exist from the start)."""
        self.thresholds = dict(thresholds or {})
        self.zone = zone
        bounds = [
            *WAIT_BUCKETS,
            *(v for t in self.thresholds.values() for v in (t.target, t.short)),
        ]
        self.wait_bounds = tuple(sorted({b for b in bounds if b > 0}))
        self.services: dict[str, ServiceCounts] = {}
        for service in self.thresholds:
            self._counts(service)
        self.handling = Histogram(HANDLING_BUCKETS)
        self.ivr_sessions = 0
        self._day = Day(date.min)

    def of(self, service: str) -> Thresholds:
        return self.thresholds.get(service) or Thresholds()

    # -- what the runtime and the composition root report --------------------------------

    def contact_saved(self, contact: Contact) -> None:
        """Every contact the core saves; only a finished one that queued is counted."""
        if contact.ended_at is None or contact.service is None:
            return
        wait = contact.wait_seconds()
        if wait is None or contact.outcome is None:
            return
        counts, limits = self._counts(contact.service), self.of(contact.service)
        counts.offered += 1
        if contact.outcome == Outcome.ANSWERED:
            counts.answered += 1
            counts.waits[Outcome.ANSWERED].observe(wait)
        elif contact.outcome == Outcome.ABANDONED:
            counts.abandoned += 1
            counts.short_abandons += wait < limits.short
            counts.waits[Outcome.ABANDONED].observe(wait)
        self.count_today(contact)

    def count_today(self, contact: Contact) -> None:
        """Into the day's tally if it entered the queue today (also the start's seeding)."""
        entered, service, outcome = contact.entered_queue_at, contact.service, contact.outcome
        wait = contact.wait_seconds()
        if entered is None or service is None or outcome is None or wait is None:
            return
        day = self._today(entered)
        if day is None:  # it entered on an earlier day: that day's gauge is gone
            return
        limits = self.of(service)
        day.tallies.setdefault(service, Tally()).add(outcome, wait, limits.short, limits.target)

    def event_handled(self, seconds: float) -> None:
        self.handling.observe(seconds)

    @contextlib.contextmanager
    def ivr_session(self) -> Iterator[None]:
        """Around one IVR session (its FastAGI conversation), however it ends."""
        self.ivr_sessions += 1
        try:
            yield
        finally:
            self.ivr_sessions -= 1

    # -- what the collector reads --------------------------------------------------------

    def today(self, now: datetime) -> Mapping[str, Tally]:
        """The day's tallies by service (none yet after midnight)."""
        day = self._today(now)
        return {} if day is None else day.tallies

    def _today(self, at: datetime) -> Day | None:
        """The day ``at`` falls on, started afresh when it is a new one; None: a past day."""
        local = at.astimezone(self.zone).date()
        if local > self._day.date:
            self._day = Day(local)
        return self._day if local == self._day.date else None

    def _counts(self, service: str) -> ServiceCounts:
        counts = self.services.get(service)
        if counts is None:
            waits = {outcome: Histogram(self.wait_bounds) for outcome in WAIT_OUTCOMES}
            counts = self.services[service] = ServiceCounts(waits)
        return counts
