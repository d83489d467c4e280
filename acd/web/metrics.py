"""Prometheus metrics read from the core's read model at scrape time (no double bookkeeping)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from acd.core.view import CenterView
from agents.states import AgentState


class EngineCollector(Collector):
    def __init__(self, view: Callable[[], CenterView], handled: Callable[[], int]) -> None:
        self.view = view
        self.handled = handled

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        view = self.view()
        waiting = GaugeMetricFamily(
            "centralino_calls_waiting", "Calls in a service's queue", labels=["service"]
        )
        for queue in view.queues:
            waiting.add_metric([queue.service], len(queue.calls))
        yield waiting
        agents = GaugeMetricFamily("centralino_agents", "Agents by state", labels=["state"])
        counts = Counter(agent.state for agent in view.agents)
        for state in AgentState:
            agents.add_metric([state.value], counts.get(state, 0))
        yield agents
        yield CounterMetricFamily(
            "centralino_events_handled", "Events handled by the ACD core", value=self.handled()
        )


def make_registry(view: Callable[[], CenterView], handled: Callable[[], int]) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(EngineCollector(view, handled))
    return registry
