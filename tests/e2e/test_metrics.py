"""/metrics on the real stack: a real call, scraped with a metrics token as Prometheus would,
parsed with prometheus_client's own parser, and checked against the call's contact row."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from demo.sipp import Answer, SippAgent, SippCaller
from tests.e2e.stack import Stack, eventually, start_engine, stop_engine
from tests.e2e.web_client import WebClient

pytestmark = pytest.mark.stack
AFTER_MENU = 2.5  # seconds from answer to the menu prompt
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture(scope="module")
def prometheus(stack: Stack) -> WebClient:
    return WebClient(stack.web, tls=stack.tls_client(), token=stack.add_token("prom", "metrics"))


def scrape(client: WebClient) -> Samples:
    status, body = client.raw("GET", "/metrics")
    assert status == 200, body[:200]
    families = text_string_to_metric_families(body.decode())
    return {(s.name, frozenset(s.labels.items())): s.value for f in families for s in f.samples}


def at(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def queued(client: WebClient, service: str) -> Samples | None:
    """A scrape that shows one caller in ``service``'s queue, or None."""
    samples = scrape(client)
    return samples if at(samples, "centralino_calls_waiting", service=service) == 1 else None


def test_nobody_scrapes_without_a_token(center: Stack) -> None:
    status, _ = WebClient(center.web, tls=center.tls_client()).raw("GET", "/metrics")
    assert status in (401, 403)


def test_a_real_call_as_prometheus_sees_it(center: Stack, prometheus: WebClient) -> None:
    service = "informagiovani"
    before = scrape(prometheus)
    agent = center.cfg.agent("agent1")
    assert agent is not None
    assert agent.contact is not None
    phone = SippAgent("agent1", int(agent.contact.rsplit(":", 1)[1]), Answer(0.5, talk_seconds=3))
    # The citizen stays until agent1 hangs up.
    caller = SippCaller(center.number, center.cfg.ports.sip, dtmf=[(AFTER_MENU, "2")],
                        caller="3330000077")  # fmt: skip
    with phone:
        caller.start()
        try:
            # in the IVR, then waiting in the queue with nobody logged in
            eventually(lambda: at(scrape(prometheus), "centralino_ivr_sessions_in_progress"),
                       10, "an IVR session")  # fmt: skip
            waiting = eventually(lambda: queued(prometheus, service), 15, "the caller queued")
            # (the IVR's session ends once its last command, the queued marks, is answered:
            # the core may have queued the caller a moment before)
            eventually(lambda: at(scrape(prometheus), "centralino_ivr_sessions_in_progress")
                       == 0, 5, "the IVR session ended")  # fmt: skip
            assert at(waiting, "centralino_service_agents_staffed", service=service) == 0
            eventually(lambda: at(scrape(prometheus), "centralino_longest_wait_seconds",
                                  service=service) >= 1, 5, "a longest wait")  # fmt: skip
            center.ready("agent1")
            row = eventually(lambda: center.contact("3330000077"), 30, "the contact row")
        finally:
            result = caller.wait(40)
    assert result.ok, result.errors
    assert row["outcome"] == "answered"
    after = scrape(prometheus)

    def grew(name: str, **labels: str) -> float:
        return at(after, name, **labels) - before.get((name, frozenset(labels.items())), 0.0)

    assert grew("centralino_calls_offered_total", service=service) == 1
    assert grew("centralino_calls_answered_total", service=service) == 1
    wait = {"service": service, "outcome": "answered"}
    assert grew("centralino_queue_wait_seconds_count", **wait) == 1
    assert grew("centralino_queue_wait_seconds_sum", **wait) == pytest.approx(
        row["wait_seconds"], abs=0.01
    )
    assert row["wait_seconds"] >= 1  # it waited for agent1
    assert grew("centralino_queue_wait_seconds_bucket", **wait, le="+Inf") == 1
    level = at(after, "centralino_service_level_today", service=service, definition="answered_only")
    assert level == (1.0 if row["wait_seconds"] <= 20 else 0.0)
    assert at(after, "centralino_service_level_target_seconds", service=service) == 20
    assert at(after, "centralino_calls_waiting", service=service) == 0
    assert at(after, "centralino_longest_wait_seconds", service=service) == 0
    assert at(after, "centralino_agents", state="ready") == 1
    assert at(after, "centralino_service_agents_staffed", service=service) == 1
    for health in ("centralino_ami_connected", "centralino_database_available",
                   "centralino_core_alive"):  # fmt: skip
        assert at(after, health) == 1, health
    # the call's events through the core (an agent's leg entering its bridge is not among
    # them: manager.conf leaves it out)
    assert grew("centralino_events_handled_total") >= 7
    handled = at(after, "centralino_events_handled_total")
    assert at(after, "centralino_core_event_handling_seconds_count") >= handled
    assert at(after, "centralino_store_backlog") >= 0


def test_an_abandon_is_counted_short_or_not_by_its_wait(
    center: Stack, prometheus: WebClient
) -> None:
    before = scrape(prometheus)
    caller = SippCaller(center.number, center.cfg.ports.sip, dtmf=[(AFTER_MENU, "1")],
                        hangup_after=2, caller="3330000078")  # fmt: skip
    result = caller.run(timeout=30)
    assert result.ok, result.errors
    row = eventually(lambda: center.contact("3330000078"), 15, "the contact row")
    assert row["outcome"] == "abandoned"
    after = scrape(prometheus)
    short = "true" if row["wait_seconds"] < 5 else "false"
    key = ("centralino_calls_abandoned_total", frozenset({("service", "urp"), ("short", short)}))
    assert after[key] - before.get(key, 0.0) == 1
    wait = ("centralino_queue_wait_seconds_sum",
            frozenset({("service", "urp"), ("outcome", "abandoned")}))  # fmt: skip
    assert after[wait] - before.get(wait, 0.0) == pytest.approx(row["wait_seconds"], abs=0.01)
    incl_early = at(after, "centralino_service_level_today", service="urp", definition="incl_early")
    assert 0 <= incl_early <= 1


def test_a_restart_keeps_the_days_service_level(stack: Stack, prometheus: WebClient) -> None:
    """Counters start again from zero; today's service level is read back from the store.
    (Last in the module: the engine it restarts is stopped at its end.)"""
    center = stack
    caller = SippCaller(center.number, center.cfg.ports.sip, dtmf=[(AFTER_MENU, "1")],
                        hangup_after=1, caller="3330000079")  # fmt: skip
    assert caller.run(timeout=30).ok
    eventually(lambda: center.contact("3330000079"), 15, "the contact row")
    before = scrape(prometheus)
    level = {k: v for k, v in before.items() if k[0] == "centralino_service_level_today"}
    assert level, "no service level today to keep"
    stop_engine(center.engine)
    center.log = center.log.with_name("engine-restarted.log")
    center.engine = start_engine(center.config, center.data_dir, center.dsn, center.log)
    try:
        after = eventually(lambda: scraped(prometheus), 90, "the engine back")
        assert {k: v for k, v in after.items() if k[0] == "centralino_service_level_today"} == level
        assert at(after, "centralino_calls_offered_total", service="urp") == 0
    finally:
        stop_engine(center.engine)


def scraped(client: WebClient) -> Samples | None:
    """A scrape once the engine answers, else None."""
    try:
        return scrape(client)
    except OSError:
        return None
