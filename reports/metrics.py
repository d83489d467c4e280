"""Prometheus metrics read from the live engine at scrape time (no double bookkeeping)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from acd.core.engine import Engine
from agents.states import AgentState


class EngineCollector(Collector):
    def __init__(self, engine: Engine, handled: Callable[[], int]) -> None:
        self.engine = engine
        self.handled = handled

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        waiting = GaugeMetricFamily(
            "centralino_calls_waiting", "Calls in a service's queue", labels=["service"]
        )
        for name, queue in self.engine.queues.items():
            waiting.add_metric([name], len(queue))
        yield waiting
        agents = GaugeMetricFamily("centralino_agents", "Agents by state", labels=["state"])
        counts = Counter(seat.state for seat in self.engine.seats.values())
        for state in AgentState:
            agents.add_metric([state.value], counts.get(state, 0))
        yield agents
        yield CounterMetricFamily(
            "centralino_events_handled", "Events handled by the ACD core", value=self.handled()
        )


def make_registry(engine: Engine, handled: Callable[[], int]) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(EngineCollector(engine, handled))
    return registry
