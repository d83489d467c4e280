"""/metrics: the collector over the real core, runtime and meter, read back as Prometheus
parses it; its catalogue against what it yields, the docs and the Grafana dashboard."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from acd.core import commands as c
from acd.core import events as e
from acd.core.engine import Engine
from acd.core.model import RoutingAgent, ServiceRules
from acd.meter import Meter, Thresholds
from acd.runtime import Runtime
from acd.web.metrics import CATALOGUE, EngineCollector, Health, make_registry
from tests.unit.core.helpers import T0

ROOT = Path(__file__).parents[3]
DASHBOARD = ROOT / "docs/grafana/centralino.json"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def at(self, seconds: float) -> None:
        self.now = T0 + timedelta(seconds=seconds)


class Quiet:
    async def execute(self, command: c.Command) -> None: ...
    def save_contact(self, contact: Any) -> None: ...
    def append_event(self, at: datetime, kind: str, payload: dict[str, Any]) -> None: ...
    def record_agent_state(self, agent_id: str, state: str, reason: str, at: datetime) -> None: ...
    def save_callback(self, record: Any) -> None: ...
    def save_callback_attempt(self, record: Any) -> None: ...
    def close_voice_message(self, *args: Any) -> None: ...


def center() -> tuple[Runtime, Clock]:
    """URP (T 20 s, S 5 s) served by a1; Informagiovani (T 25 s, S 8 s) by nobody."""
    services = {"urp": ServiceRules("urp"), "info": ServiceRules("info")}
    engine = Engine(services, [RoutingAgent("a1", "A", "a1", {"urp": 1})])
    meter = Meter({"urp": Thresholds(20, 5), "info": Thresholds(25, 8)})
    clock = Clock()
    return Runtime(engine, clock, Quiet(), Quiet(), meter), clock


async def feed(runtime: Runtime, clock: Clock, script: list[tuple[float, e.Event]]) -> None:
    for at, event in script:
        clock.at(at)
        await runtime.request(event)


def arrives(call_id: str, service: str) -> list[e.Event]:
    return [e.CallArrived(call_id, f"PJSIP/citizens-{call_id}", "3331234567", "0590000000"),
            e.CallerEntered(call_id, service, ("1",))]  # fmt: skip


def a_morning(runtime: Runtime, clock: Clock) -> None:
    """k1 answered by a1 after 3 s; k2 gone in 3 s, k3 in 30 s (info); k4 still waiting."""

    async def go() -> None:
        await runtime.start()
        await feed(runtime, clock, [(0, e.AgentWentReady("a1"))])
        await feed(runtime, clock, [(1, ev) for ev in arrives("k1", "urp")])
        (ring,) = [x for x in runtime.engine.view().rings]
        await feed(runtime, clock, [(4, e.AgentAnswered(ring.ring_id)), (4, e.Bridged("k1")),
                                    (60, e.HungUp("k1"))])  # fmt: skip
        await feed(runtime, clock, [(100, ev) for ev in arrives("k2", "info")])
        await feed(runtime, clock, [(103, e.HungUp("k2"))])
        await feed(runtime, clock, [(110, ev) for ev in arrives("k3", "info")])
        await feed(runtime, clock, [(140, e.HungUp("k3"))])
        await feed(runtime, clock, [(150, ev) for ev in arrives("k4", "info")])
        await runtime.close()

    asyncio.run(go())


def scrape(runtime: Runtime, health: Health | None = None) -> dict[str, list[Sample]]:
    """What Prometheus would read: sample lists by family name."""
    health = health or Health(lambda: True, lambda: True, lambda: 0)
    text = generate_latest(make_registry(runtime, health)).decode()
    return {f.name: f.samples for f in text_string_to_metric_families(text)}


def value(samples: list[Sample], name: str, **labels: str) -> float:
    (found,) = [s.value for s in samples if s.name == name and s.labels == labels]
    return found


def test_a_morning_as_prometheus_reads_it() -> None:
    runtime, clock = center()
    a_morning(runtime, clock)
    clock.at(170)
    got = scrape(runtime)
    # now, from the read model
    assert value(got["centralino_calls_waiting"], "centralino_calls_waiting", service="info") == 1
    assert value(got["centralino_calls_waiting"], "centralino_calls_waiting", service="urp") == 0
    longest = got["centralino_longest_wait_seconds"]
    assert value(longest, "centralino_longest_wait_seconds", service="info") == 20
    assert value(got["centralino_agents"], "centralino_agents", state="ready") == 1
    assert value(got["centralino_agents"], "centralino_agents", state="on_call") == 0
    staffed = got["centralino_service_agents_staffed"]
    assert value(staffed, "centralino_service_agents_staffed", service="urp") == 1
    assert value(staffed, "centralino_service_agents_staffed", service="info") == 0
    # finished calls, from the meter
    offered = got["centralino_calls_offered"]
    assert value(offered, "centralino_calls_offered_total", service="urp") == 1
    assert value(offered, "centralino_calls_offered_total", service="info") == 2
    answered = got["centralino_calls_answered"]
    assert value(answered, "centralino_calls_answered_total", service="urp") == 1
    gone = got["centralino_calls_abandoned"]
    assert value(gone, "centralino_calls_abandoned_total", service="info", short="true") == 1
    assert value(gone, "centralino_calls_abandoned_total", service="info", short="false") == 1
    waits = got["centralino_queue_wait_seconds"]
    urp = {"service": "urp", "outcome": "answered"}
    assert value(waits, "centralino_queue_wait_seconds_count", **urp) == 1
    assert value(waits, "centralino_queue_wait_seconds_sum", **urp) == 3
    assert value(waits, "centralino_queue_wait_seconds_bucket", **urp, le="5.0") == 1
    info = {"service": "info", "outcome": "abandoned"}
    assert value(waits, "centralino_queue_wait_seconds_bucket", **info, le="25.0") == 1  # T
    assert value(waits, "centralino_queue_wait_seconds_bucket", **info, le="+Inf") == 2
    # the day's service level, by definition (reports.service_level)
    level = got["centralino_service_level_today"]
    name = "centralino_service_level_today"
    assert value(level, name, service="urp", definition="answered_only") == 1
    assert value(level, name, service="info", definition="incl_abandons") == 0  # 0 / 1 long
    assert value(level, name, service="info", definition="incl_early") == 0.5  # 3 s <= 25 s
    assert not [s for s in level if s.labels == {"service": "info", "definition": "answered_only"}]
    target = got["centralino_service_level_target_seconds"]
    assert value(target, "centralino_service_level_target_seconds", service="info") == 25
    # the engine
    handled = value(got["centralino_events_handled"], "centralino_events_handled_total")
    timed = got["centralino_core_event_handling_seconds"]
    assert value(timed, "centralino_core_event_handling_seconds_count") == handled
    assert handled == runtime.handled >= 14
    assert value(got["centralino_events_failed"], "centralino_events_failed_total") == 0


def test_the_service_level_starts_again_at_midnight_in_the_centers_zone() -> None:
    runtime, clock = center()
    runtime.meter.zone = rome = ZoneInfo("Europe/Rome")
    a_morning(runtime, clock)  # 09:00 UTC: 10:00 in Rome
    clock.now = T0.replace(hour=22, minute=59).astimezone(rome)  # 23:59 in Rome
    assert scrape(runtime)["centralino_service_level_today"]
    clock.now = T0.replace(hour=23, minute=0)  # midnight in Rome
    got = scrape(runtime)
    assert got["centralino_service_level_today"] == []
    offered = got["centralino_calls_offered"]  # counters go on
    assert value(offered, "centralino_calls_offered_total", service="info") == 2


def test_the_parts_outside_the_core() -> None:
    runtime, _ = center()
    health = Health(ami_connected=lambda: False, database_available=lambda: False,
                    store_backlog=lambda: 42)  # fmt: skip
    with runtime.meter.ivr_session(), runtime.meter.ivr_session():
        got = scrape(runtime, health)
    assert value(got["centralino_ami_connected"], "centralino_ami_connected") == 0
    assert value(got["centralino_database_available"], "centralino_database_available") == 0
    assert value(got["centralino_store_backlog"], "centralino_store_backlog") == 42
    sessions = got["centralino_ivr_sessions_in_progress"]
    assert value(sessions, "centralino_ivr_sessions_in_progress") == 2
    assert value(got["centralino_core_alive"], "centralino_core_alive") == 0  # not started
    assert runtime.meter.ivr_sessions == 0


def test_one_view_per_scrape() -> None:
    runtime, _ = center()
    views = 0
    real = runtime.engine.view

    def counted() -> Any:
        nonlocal views
        views += 1
        return real()

    runtime.engine.view = counted  # type: ignore[method-assign]
    scrape(runtime)
    assert views == 1


def test_the_catalogue_is_what_the_collector_yields() -> None:
    runtime, clock = center()
    a_morning(runtime, clock)
    collector = EngineCollector(runtime, Health(lambda: True, lambda: True, lambda: 0))
    yielded = {(f.name, f.type) for f in collector.collect()}
    assert yielded == {(m.name, m.kind) for m in CATALOGUE}
    assert len({m.name for m in CATALOGUE}) == len(CATALOGUE)
    for metric in CATALOGUE:
        assert re.fullmatch(r"centralino_[a-z_]+", metric.name), metric
        assert not metric.name.endswith("_total"), metric  # prometheus_client adds it


def test_the_docs_describe_every_metric() -> None:
    text = (ROOT / "docs/metrics.md").read_text()
    for metric in CATALOGUE:
        shown = metric.samples()[0] if metric.kind == "counter" else metric.name
        assert f"`{shown}`" in text, metric.name
        for label in metric.labels:
            assert f"`{label}`" in text, (metric.name, label)


def panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in board.get("panels", []):
        yield panel
        yield from panels(panel)  # a collapsed row holds its panels


def test_the_dashboard_asks_only_for_what_is_exported() -> None:
    board = json.loads(DASHBOARD.read_text())
    (source,) = board["__inputs"]
    assert (source["name"], source["type"], source["pluginId"]) == (
        "DS_PROMETHEUS", "datasource", "prometheus")  # fmt: skip
    exported = {sample for m in CATALOGUE for sample in m.samples()}
    queries = [v["query"] for v in board["templating"]["list"] if v["type"] == "query"]
    named: set[str] = set()
    for panel in panels(board):
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == "${DS_PROMETHEUS}", panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${DS_PROMETHEUS}", panel["title"]
            queries.append(target["expr"])
    for query in queries:
        names = set(re.findall(r"\bcentralino_[a-z_]+\b", query))
        assert names, query
        assert names <= exported, (query, names - exported)
        named |= names
    unshown = {m.name for m in CATALOGUE if not set(m.samples()) & named}
    assert not unshown, f"no panel shows {sorted(unshown)}"


def test_bound_hits_are_counted_by_bound() -> None:
    runtime, _ = center()
    runtime.meter.bounds.hit("agi_sessions", "refused")
    runtime.meter.bounds.hit("agi_sessions", "refused")
    runtime.meter.bounds.hit("telephony_outbox", "not sent")
    collector = EngineCollector(runtime, Health(lambda: True, lambda: True, lambda: 0))
    (family,) = [f for f in collector.collect() if f.name == "centralino_bound_hits"]
    got = {s.labels["bound"]: s.value for s in family.samples if s.name.endswith("_total")}
    assert got == {"agi_sessions": 2, "telephony_outbox": 1}
