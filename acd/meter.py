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
- The day's figures per service: a ``reports.service_level.Tally`` of the contacts that
  entered the queue today in the center's time zone (service level, ASA, AHT), started
  again at midnight. A contact counts there in the service it first reached, with its fate
  there (``reports.history.fate``: one overflowed to another service is offered and
  overflowed in the first, not offered in the second), as the historical reports count it;
  the counters above (``/metrics``) keep its last service. AHT's wrap-up is the answering
  agent's, after the call: the runtime hands the meter every agent state change too
  (``agent_state``), and a wrap-up that starts when a call the agent answered ends is that
  call's.
- The last hours in 15-minute slots (``Trend``, for the wallboard's charts): the most
  calls that waited at once in each service (the runtime samples the queues' lengths every
  second) and a tally of the contacts that entered the queue in the slot.
- The day's callbacks per service (``callback_saved``: every ``SaveCallback``), counted
  once when they end, on the day they end: completed (the citizen answered) and failed (not
  reached: every attempt failed, the message left, a number the trunk may not dial); one
  cancelled is neither. The historical report counts them by their request instead
  (``reports.callbacks``).
- ``restore``: at start the composition root gives the meter the day's contacts, wrap-ups
  and callbacks ended from the store, so that a restart keeps the day and the charts.
- The core's handling time per event, IVR sessions in progress, and the bounds hit
  (``acd.bounds``).

Everything runs on the one event loop: plain counts, no locks.
"""

from __future__ import annotations

import bisect
import contextlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

from acd.bounds import BoundHits
from acd.core.callback import CallbackOutcome, CallbackRecord
from acd.core.contact import Contact, Outcome
from agents.states import AgentState
from reports.history import fate_of
from reports.service_level import ANSWERED, Definition, Tally

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
SLOT = timedelta(minutes=15)
TREND_SLOTS = 32  # 8 hours of 15-minute slots
# The service level a service shows unless its configuration chooses (as the reports do).
DEFAULT_DEFINITION = Definition.WITH_ABANDONS


@dataclass(frozen=True, slots=True)
class Thresholds:
    """A service's service-level threshold T and short-abandon threshold S, in seconds, and
    which service level it shows (``definition``)."""

    target: float = DEFAULT_TARGET_SECONDS
    short: float = DEFAULT_SHORT_ABANDON_SECONDS
    definition: Definition = DEFAULT_DEFINITION


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
class CallbacksToday:
    """A service's callbacks ended today: the citizen reached, or not (cancelled: neither)."""

    completed: int = 0
    failed: int = 0


@dataclass(slots=True)
class Day:
    """The day's tallies and callbacks, by service; ``date`` in the center's time zone."""

    date: date
    tallies: dict[str, Tally] = field(default_factory=dict)
    callbacks: dict[str, CallbacksToday] = field(default_factory=dict)
    callbacks_ended: set[str] = field(default_factory=set)  # counted once (saved again)


@dataclass(slots=True)
class Slot:
    """Fifteen minutes: the most calls waiting at once and the tally of the contacts that
    entered the queue in them, by service."""

    start: datetime  # UTC, on a quarter hour of the center's clock
    waiting: dict[str, int] = field(default_factory=dict)
    tallies: dict[str, Tally] = field(default_factory=dict)


class Trend:
    """The last ``size`` 15-minute slots, kept in memory (older ones are dropped)."""

    def __init__(self, zone: tzinfo, size: int = TREND_SLOTS) -> None:
        self.zone, self.size = zone, size
        self.slots: dict[datetime, Slot] = {}

    def start_of(self, at: datetime) -> datetime:
        """The slot ``at`` falls in: the quarter hour before it on the center's clock."""
        local = at.astimezone(self.zone)
        back = timedelta(minutes=local.minute % 15, seconds=local.second,
                         microseconds=local.microsecond)  # fmt: skip
        return (at - back).astimezone(UTC)

    def slot(self, at: datetime) -> Slot | None:
        """The slot of ``at``, made when new; None when it is older than the kept ones."""
        start = self.start_of(at)
        found = self.slots.get(start)
        if found is not None:
            return found
        newest = max(self.slots, default=start)
        if start <= newest - self.size * SLOT:
            return None
        made = self.slots[start] = Slot(start)
        for old in [s for s in self.slots if s <= max(newest, start) - self.size * SLOT]:
            del self.slots[old]
        return made

    def queues_now(self, lengths: Mapping[str, int], at: datetime) -> None:
        """A sample of every queue's length at ``at``."""
        slot = self.slot(at)
        if slot is None:
            return
        for service, length in lengths.items():
            if length >= slot.waiting.get(service, 0):
                slot.waiting[service] = length

    def window(self, now: datetime) -> list[tuple[datetime, Slot | None]]:
        """The last ``size`` slot starts up to ``now``'s, each with its slot if kept."""
        last = self.start_of(now)
        starts = [last - i * SLOT for i in range(self.size - 1, -1, -1)]
        return [(start, self.slots.get(start)) for start in starts]

    def restore_waiting(self, contacts: Iterable[Contact], since: datetime, now: datetime) -> None:
        """The most calls waiting at once in each kept slot from ``since`` (when the
        contacts start) to ``now``, from their times in the queue (entry to answer, or to
        the end; to ``now`` for one still waiting)."""
        moves: dict[str, list[tuple[datetime, int]]] = {}
        for c in contacts:
            if c.entered_queue_at is None or c.service is None:
                continue
            left = c.answered_at or c.ended_at or now
            moves.setdefault(c.service, []).extend(((c.entered_queue_at, 1), (left, -1)))
        for service, changes in moves.items():
            self._sweep(service, sorted(changes), self.start_of(since), now)

    def _sweep(
        self, service: str, changes: list[tuple[datetime, int]], first: datetime, now: datetime
    ) -> None:
        count, i = 0, 0
        for start, _ in self.window(now):
            if start < first:  # before the contacts read back: not known
                continue
            while i < len(changes) and changes[i][0] < start:
                count, i = count + changes[i][1], i + 1
            peak = count
            while i < len(changes) and changes[i][0] < start + SLOT:
                count, i = count + changes[i][1], i + 1
                peak = max(peak, count)
            slot = self.slot(start)
            if slot is not None:
                slot.waiting[service] = max(peak, slot.waiting.get(service, 0))


@dataclass(frozen=True, slots=True)
class Answered:
    """The last call an agent answered that ended: its wrap-up, if it starts at the call's
    end, counts for it."""

    service: str
    entered: datetime
    ended: datetime


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
        self.bounds = BoundHits()  # the adapters' bound hits (acd.bounds)
        self.trend = Trend(zone)
        self._day = Day(date.min)
        self._answered: dict[str, Answered] = {}  # by agent
        self._wrapping: dict[str, datetime] = {}  # agents in wrap-up, since

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
        """Into the day's tally if it entered the queue today, and into its slot's if that
        is kept (also the start's seeding): in the service it first reached, with its fate
        there, as the reports count it (``reports.history.fate``)."""
        entered, last, wait = contact.entered_queue_at, contact.service, contact.wait_seconds()
        if entered is None or last is None or contact.outcome is None or wait is None:
            return
        service = contact.service_path[0] if contact.service_path else last
        outcome = fate_of(contact.service_path, last, contact.outcome,
                          contact.answered_at is not None, contact.answered_in)  # fmt: skip
        limits, talk = self.of(service), contact.talk_seconds() or 0.0
        for tally in self._tallies(service, entered):
            tally.add(outcome, wait, limits.short, limits.target, talk)
        if outcome == ANSWERED and contact.agent_id and contact.ended_at:
            self._answered[contact.agent_id] = Answered(service, entered, contact.ended_at)

    def callback_saved(self, record: CallbackRecord) -> None:
        """Every callback record the core saves: one that ended today counts once."""
        if record.outcome is None or record.ended_at is None:
            return
        day = self._today(record.ended_at)
        if day is None or record.call_id in day.callbacks_ended:
            return
        day.callbacks_ended.add(record.call_id)
        counts = day.callbacks.setdefault(record.service, CallbacksToday())
        if record.outcome is CallbackOutcome.ANSWERED:
            counts.completed += 1
        elif record.outcome is not CallbackOutcome.CANCELLED:
            counts.failed += 1

    def agent_state(self, agent_id: str, state: AgentState, at: datetime) -> None:
        """Every agent state change the core records: a wrap-up's end counts it."""
        since = self._wrapping.pop(agent_id, None)
        if since is not None:
            self.wrap_up(agent_id, since, at)
        if state is AgentState.WRAP_UP:
            self._wrapping[agent_id] = at

    def wrap_up(self, agent_id: str, started: datetime, ended: datetime) -> None:
        """A wrap-up over: into the AHT of the call the agent answered, if it followed it
        (not after a transfer, whose call goes on with a colleague)."""
        call = self._answered.get(agent_id)
        if call is None or call.ended != started or ended <= started:
            return
        for tally in self._tallies(call.service, call.entered):
            tally.wrap_up += (ended - started).total_seconds()

    def restore(
        self,
        contacts: Iterable[Contact],
        wrap_ups: Iterable[tuple[str, datetime, datetime]],
        since: datetime,
        now: datetime,
    ) -> None:
        """The day so far, read back at start: the contacts started since ``since`` (the
        center's midnight), the agents' wrap-ups (agent, start, end) in the order they ended,
        and from both the calls waiting in each slot."""
        contacts = list(contacts)
        happened: list[tuple[datetime, int, Contact | tuple[str, datetime, datetime]]] = [
            (c.ended_at, 0, c) for c in contacts if c.ended_at is not None
        ]
        happened += [(end, 1, (agent, start, end)) for agent, start, end in wrap_ups]
        for _, _, item in sorted(happened, key=lambda x: (x[0], x[1])):  # a call, then its wrap
            if isinstance(item, Contact):
                self.count_today(item)
            else:
                self.wrap_up(*item)
        self.trend.restore_waiting(contacts, since, now)

    def queues_now(self, lengths: Mapping[str, int], at: datetime) -> None:
        """A sample of every queue's length (the runtime's, every second)."""
        self.trend.queues_now(lengths, at)

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

    def callbacks_today(self, now: datetime) -> Mapping[str, CallbacksToday]:
        """The day's callbacks ended, by service (none yet after midnight)."""
        day = self._today(now)
        return {} if day is None else day.callbacks

    def _today(self, at: datetime) -> Day | None:
        """The day ``at`` falls on, started afresh when it is a new one; None: a past day."""
        local = at.astimezone(self.zone).date()
        if local > self._day.date:
            self._day = Day(local)
        return self._day if local == self._day.date else None

    def _tallies(self, service: str, entered: datetime) -> Iterator[Tally]:
        """The tallies a contact that entered ``service``'s queue at ``entered`` counts in."""
        day = self._today(entered)
        if day is not None:  # else it entered on an earlier day: that day's gauge is gone
            yield day.tallies.setdefault(service, Tally())
        slot = self.trend.slot(entered)
        if slot is not None:
            yield slot.tallies.setdefault(service, Tally())

    def _counts(self, service: str) -> ServiceCounts:
        counts = self.services.get(service)
        if counts is None:
            waits = {outcome: Histogram(self.wait_bounds) for outcome in WAIT_OUTCOMES}
            counts = self.services[service] = ServiceCounts(waits)
        return counts
