"""Prometheus metrics, made at scrape time from one read-model snapshot and the live meter.

What is true now (calls waiting, longest wait, agents by state) comes from one
``Engine.view()`` per scrape; what happened (calls offered, answered, abandoned, waits, the
day's service level, the core's time per event, IVR sessions) from ``acd.meter.Meter``,
which the runtime feeds; the engine's health from the AMI client and the store writer,
as ``/healthz`` reads them. Nothing is kept here: a scrape costs one view and a walk over
the services.

Names follow Prometheus's conventions: the ``centralino_`` prefix, base units (seconds,
ratios from 0 to 1), ``_total`` on counters (``prometheus_client`` adds it), ``_bucket``,
``_sum`` and ``_count`` on histograms. ``CATALOGUE`` lists every family the collector
exports, with its labels and meaning: docs/metrics.md and the Grafana dashboard
(docs/grafana/centralino.json) are checked against it by the unit tests.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from prometheus_client import CollectorRegistry
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.core import (
    Metric as Family,
)
from prometheus_client.registry import Collector

from acd.core.view import CenterView
from acd.meter import Histogram, Meter
from acd.runtime import Runtime
from agents.states import AgentState
from reports.service_level import Tally

Kind = Literal["gauge", "counter", "histogram"]


@dataclass(frozen=True, slots=True)
class Metric:
    """One metric family the collector exports."""

    name: str
    kind: Kind
    help: str
    labels: tuple[str, ...] = ()

    def samples(self) -> tuple[str, ...]:
        """The names its samples carry in the exposition (what a query names)."""
        if self.kind == "counter":
            return (f"{self.name}_total",)
        if self.kind == "histogram":
            return tuple(f"{self.name}_{part}" for part in ("bucket", "sum", "count"))
        return (self.name,)

    def gauge(self) -> GaugeMetricFamily:
        assert self.kind == "gauge", self
        return GaugeMetricFamily(self.name, self.help, labels=list(self.labels))

    def counter(self) -> CounterMetricFamily:
        assert self.kind == "counter", self
        return CounterMetricFamily(self.name, self.help, labels=list(self.labels))

    def histogram(self) -> HistogramMetricFamily:
        assert self.kind == "histogram", self
        return HistogramMetricFamily(self.name, self.help, labels=list(self.labels))


S = ("service",)
# Queues and agents, now (the read model)
CALLS_WAITING = Metric(
    "centralino_calls_waiting",
    "gauge",
    "Calls in the service's queue, those ringing an agent included",
    S,
)
CALLS_RINGING = Metric(
    "centralino_calls_ringing",
    "gauge",
    "Calls in the service's queue that an agent's phone rings for",
    S,
)
LONGEST_WAIT = Metric(
    "centralino_longest_wait_seconds",
    "gauge",
    "How long the longest-waiting call in the queue has waited (0: none)",
    S,
)
CALLBACKS_PENDING = Metric(
    "centralino_callbacks_pending",
    "gauge",
    "Calls in the service's queue whose callers hung up to be called back, not yet reached",
    S,
)
AGENTS = Metric("centralino_agents", "gauge", "Agents by state", ("state",))
STAFFED = Metric(
    "centralino_service_agents_staffed",
    "gauge",
    "Agents logged in who meet the service's requirement",
    S,
)
READY = Metric(
    "centralino_service_agents_ready", "gauge", "Agents ready who meet the service's requirement", S
)
BUSY = Metric(
    "centralino_service_agents_busy", "gauge", "Agents ringing or talking for the service", S
)
# Finished calls (the meter, fed by the contacts the core saves)
OFFERED = Metric(
    "centralino_calls_offered",
    "counter",
    "Calls that entered the service's queue, counted when they end",
    S,
)
ANSWERED = Metric("centralino_calls_answered", "counter", "Calls answered by an agent", S)
ABANDONED = Metric(
    "centralino_calls_abandoned",
    "counter",
    "Callers who hung up in the queue; short: within the short-abandon threshold",
    ("service", "short"),
)
QUEUE_WAIT = Metric(
    "centralino_queue_wait_seconds",
    "histogram",
    "Seconds from entering the queue to answer or abandon",
    ("service", "outcome"),
)
SERVICE_LEVEL = Metric(
    "centralino_service_level_today",
    "gauge",
    "Service level of the calls that entered the queue today (0-1), by definition",
    ("service", "definition"),
)
TARGET = Metric(
    "centralino_service_level_target_seconds", "gauge", "The service level's threshold T", S
)
SHORT = Metric(
    "centralino_short_abandon_threshold_seconds",
    "gauge",
    "A caller gone within it is a short abandon",
    S,
)
# The engine
HANDLED = Metric("centralino_events_handled", "counter", "Events handled by the ACD core")
FAILED = Metric(
    "centralino_events_failed", "counter", "Events whose handling raised (a bug, logged)"
)
HANDLING = Metric(
    "centralino_core_event_handling_seconds", "histogram", "Time the core took to handle one event"
)
INBOX = Metric("centralino_inbox_events", "gauge", "Events waiting for the core")
CORE_ALIVE = Metric(
    "centralino_core_alive", "gauge", "1 while the core loop runs and keeps up with its inbox"
)
AMI = Metric("centralino_ami_connected", "gauge", "1 while the AMI connection is logged in")
DATABASE = Metric(
    "centralino_database_available",
    "gauge",
    "0 while the store writer finds the database unavailable",
)
BACKLOG = Metric("centralino_store_backlog", "gauge", "Store writes waiting to be written")
IVR = Metric(
    "centralino_ivr_sessions_in_progress",
    "gauge",
    "IVR sessions (FastAGI conversations with a caller) in progress",
)
BOUND_HITS = Metric(
    "centralino_bound_hits",
    "counter",
    "Times a bounded queue, table or connection set was full (docs/reliability.md, Bounds)",
    ("bound",),
)
CATALOGUE = (CALLS_WAITING, CALLS_RINGING, LONGEST_WAIT, AGENTS, STAFFED, READY, BUSY,
             CALLBACKS_PENDING, OFFERED, ANSWERED, ABANDONED, QUEUE_WAIT, SERVICE_LEVEL, TARGET,
             SHORT, HANDLED, FAILED, HANDLING, INBOX, CORE_ALIVE, AMI, DATABASE, BACKLOG, IVR,
             BOUND_HITS)  # fmt: skip
# The ``definition`` label: reports.service_level's three ratios
DEFINITIONS: dict[str, Callable[[Tally], float | None]] = {
    "answered_only": Tally.service_level,  # answered within T / answered
    "incl_abandons": Tally.service_level_incl_abandons,  # ... / (answered + abandoned > S)
    "incl_early": Tally.service_level_incl_early,  # (answered + abandoned within T) / both
}


@dataclass(frozen=True)
class Health:
    """The parts outside the core, as the readiness probe sees them."""

    ami_connected: Callable[[], bool]
    database_available: Callable[[], bool]
    store_backlog: Callable[[], int]


class EngineCollector(Collector):
    def __init__(self, runtime: Runtime, health: Health) -> None:
        self.runtime = runtime
        self.health = health

    def collect(self) -> Iterator[Family]:
        view, now, meter = self.runtime.engine.view(), self.runtime.clock(), self.runtime.meter
        yield from _queues(view, now)
        yield from _agents(view)
        yield from _finished(meter)
        yield from _today(meter, now, [q.service for q in view.queues])
        yield from self._engine(meter)

    def _engine(self, meter: Meter) -> Iterator[Family]:
        runtime, health = self.runtime, self.health
        yield _single(HANDLED, runtime.handled)
        yield _single(FAILED, runtime.failed)
        handling = HANDLING.histogram()
        _add_histogram(handling, [], meter.handling)
        yield handling
        yield _single(INBOX, runtime.inbox.qsize())
        yield _single(CORE_ALIVE, runtime.alive())
        yield _single(AMI, health.ami_connected())
        yield _single(DATABASE, health.database_available())
        yield _single(BACKLOG, health.store_backlog())
        yield _single(IVR, meter.ivr_sessions)
        hits = BOUND_HITS.counter()
        for bound, count in sorted(meter.bounds.counts.items()):
            hits.add_metric([bound], count)
        yield hits


def _queues(view: CenterView, now: datetime) -> Iterator[Family]:
    waiting, ringing = CALLS_WAITING.gauge(), CALLS_RINGING.gauge()
    longest, staffed = LONGEST_WAIT.gauge(), STAFFED.gauge()
    ready, busy, callbacks = READY.gauge(), BUSY.gauge(), CALLBACKS_PENDING.gauge()
    for q in view.queues:
        label = [q.service]
        waiting.add_metric(label, len(q.calls))
        ringing.add_metric(label, q.ringing)
        oldest = q.oldest_entry
        longest.add_metric(label, max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        staffed.add_metric(label, q.agents_staffed)
        ready.add_metric(label, q.agents_ready)
        busy.add_metric(label, q.agents_busy)
        callbacks.add_metric(label, q.callbacks_pending)
    yield from (waiting, ringing, longest, staffed, ready, busy, callbacks)


def _agents(view: CenterView) -> Iterator[Family]:
    agents = AGENTS.gauge()
    counts = Counter(agent.state for agent in view.agents)
    for state in AgentState:
        agents.add_metric([state.value], counts.get(state, 0))
    yield agents


def _finished(meter: Meter) -> Iterator[Family]:
    offered, answered, abandoned = OFFERED.counter(), ANSWERED.counter(), ABANDONED.counter()
    waits = QUEUE_WAIT.histogram()
    for service, counts in meter.services.items():
        offered.add_metric([service], counts.offered)
        answered.add_metric([service], counts.answered)
        abandoned.add_metric([service, "false"], counts.abandoned - counts.short_abandons)
        abandoned.add_metric([service, "true"], counts.short_abandons)
        for outcome, histogram in counts.waits.items():
            _add_histogram(waits, [service, outcome.value], histogram)
    yield from (offered, answered, abandoned, waits)


def _today(meter: Meter, now: datetime, services: list[str]) -> Iterator[Family]:
    """The day's service level (no sample for a ratio with nothing under it yet)."""
    level, target, short = SERVICE_LEVEL.gauge(), TARGET.gauge(), SHORT.gauge()
    tallies = meter.today(now)
    for service in services:
        limits = meter.of(service)
        target.add_metric([service], limits.target)
        short.add_metric([service], limits.short)
        tally = tallies.get(service)
        for definition, ratio in DEFINITIONS.items():
            value = ratio(tally) if tally is not None else None
            if value is not None:
                level.add_metric([service, definition], value)
    yield from (level, target, short)


def _single(metric: Metric, value: float) -> Family:
    family = metric.counter() if metric.kind == "counter" else metric.gauge()
    family.add_metric([], float(value))
    return family


def _add_histogram(family: HistogramMetricFamily, labels: list[str], histogram: Histogram) -> None:
    buckets = [(_le(bound), count) for bound, count in histogram.cumulative()]
    family.add_metric(labels, buckets, histogram.total)


def _le(bound: float) -> str:
    return "+Inf" if math.isinf(bound) else repr(bound)


def make_registry(runtime: Runtime, health: Health) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(EngineCollector(runtime, health))
    return registry
