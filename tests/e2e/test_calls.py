"""A real call path: sipp citizen -> Asterisk -> FastAGI IVR -> ACD -> sipp agent.

Every test runs the real parts: Asterisk 22, PostgreSQL, the engine as its own process,
sipp user agents; it reads the outcome where a supervisor would (contacts table, API).
"""

from __future__ import annotations

import itertools
import time
from typing import cast

import asyncpg
import pytest

from demo.sipp import Answer, NoAnswer, SippAgent, SippCaller
from tests.e2e.stack import Stack, eventually

pytestmark = pytest.mark.stack

AFTER_MENU = 2.5  # seconds from answer to the menu prompt (welcome prompt is short)


def agent_phone(stack: Stack, agent_id: str, behaviour: Answer | NoAnswer) -> SippAgent:
    agent = stack.cfg.agent(agent_id)
    assert agent is not None
    assert agent.contact is not None
    port = int(agent.contact.rsplit(":", 1)[1])
    return SippAgent(agent_id, port, behaviour)


def caller(stack: Stack, number: str, digit: str, hangup_after: float | None) -> SippCaller:
    return SippCaller(
        stack.number, stack.cfg.ports.sip, dtmf=[(AFTER_MENU, digit)],
        hangup_after=hangup_after, caller=number,
    )  # fmt: skip


def test_caller_presses_2_is_answered_by_agent_and_recorded(center: Stack) -> None:
    with agent_phone(center, "agent1", Answer(ring_seconds=0.5)):
        center.ready("agent1")
        result = caller(center, "3330000001", "2", hangup_after=6).run(timeout=40)
        assert result.ok, result.errors
        row = eventually(lambda: center.contact("3330000001"), 15, "the contact row")
    assert row["outcome"] == "answered"
    assert list(row["ivr_path"]) == ["2"]
    assert row["service"] == "informagiovani"
    assert row["agent_id"] == "agent1"
    assert row["dialled_number"] == center.number
    assert 0.3 <= row["wait_seconds"] <= 3, row
    assert 3 <= row["talk_seconds"] <= 8, row
    bridged = center.query(
        "select count(*) from contact_events where kind = 'Bridged' and contact_id = $1",
        row["contact_id"],
    )
    assert bridged[0][0] == 1


def test_unanswered_ring_moves_to_next_agent_while_caller_hears_music(center: Stack) -> None:
    with (
        agent_phone(center, "agent1", NoAnswer()),
        agent_phone(center, "agent2", Answer(ring_seconds=0.5)),
    ):
        center.ready("agent1")  # longest idle: rung first, never answers
        time.sleep(0.2)
        center.ready("agent2")
        call = caller(center, "3330000002", "1", hangup_after=12)
        call.start()
        eventually(lambda: _agent_state(center, "agent1") == "ringing", 15, "agent1 ringing")
        channels = center.asterisk().cli("core show channels concise")
        citizen = [line for line in channels.splitlines() if line.startswith("PJSIP/citizens")]
        assert citizen, channels
        assert "MusicOnHold" in citizen[0], channels
        result = call.wait(40)
        assert result.ok, result.errors
        row = eventually(lambda: center.contact("3330000002"), 15, "the contact row")
    assert row["outcome"] == "answered"
    assert row["agent_id"] == "agent2"
    assert row["wait_seconds"] >= 4  # agent1's ring time passed first
    states = center.query("select state from agent_states where agent_id = 'agent1' order by id")
    assert "ringing" in [s["state"] for s in states]


def test_caller_hanging_up_in_queue_is_abandoned_with_wait(center: Stack) -> None:
    result = caller(center, "3330000003", "1", hangup_after=3).run(timeout=30)
    assert result.ok, result.errors
    row = eventually(lambda: center.contact("3330000003"), 15, "the contact row")
    assert row["outcome"] == "abandoned"
    assert row["service"] == "urp"
    assert row["agent_id"] is None
    assert 2 <= row["wait_seconds"] <= 5, row


def test_twenty_callers_five_agents_each_answered_once(center: Stack) -> None:
    agents = [f"agent{i}" for i in range(1, 6)]
    phones = [agent_phone(center, a, Answer(ring_seconds=0.3, talk_seconds=2)) for a in agents]
    for phone in phones:
        phone.start()
    try:
        center.ready(*agents)
        crowd = SippCaller(
            center.number, center.cfg.ports.sip, dtmf=[(AFTER_MENU, "1")],
            caller="3339999999", calls=20, rate=10,
        )  # fmt: skip
        result = crowd.run(timeout=120)
        assert result.ok, result.errors
        rows = eventually(lambda: _crowd(center, 20), 20, "20 finished contacts")
    finally:
        for phone in phones:
            phone.stop()
    assert all(r["outcome"] == "answered" for r in rows), [r["outcome"] for r in rows]
    assert len({r["contact_id"] for r in rows}) == 20
    for agent in agents:
        talks = sorted((r["answered_at"], r["ended_at"]) for r in rows if r["agent_id"] == agent)
        for (_, end), (start, _) in itertools.pairwise(talks):
            assert end <= start, f"{agent} had two calls at once"


def _crowd(center: Stack, n: int) -> list[asyncpg.Record] | None:
    rows = center.query(
        "select * from contacts where caller_number = '3339999999' and ended_at is not null"
    )
    return rows if len(rows) >= n else None


def _agent_state(center: Stack, agent_id: str) -> str:
    agents = center.snapshot()["agents"]
    return cast(str, next(a["state"] for a in agents if a["id"] == agent_id))  # JSON
