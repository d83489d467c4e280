"""The engine stopped while a citizen calls: Asterisk's fallback queue answers.

The engine runs with ``--keep-asterisk`` and is stopped, so its FastAGI port is closed; the
dialplan sends the caller to the fallback queue (queues.conf), whose static members are the
desk phones of the agents holding the fallback service. The engine started again routes new
calls itself, and records the fallback's call from queue_log as ``answered_by_fallback``.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
import yaml

from demo.sipp import Answer, SippCaller
from tests.e2e.stack import Stack, eventually, stop_engine
from tests.e2e.test_calls import agent_phone, caller
from tests.e2e.test_restart import engines, start, waiting  # noqa: F401 (the fixture)

pytestmark = pytest.mark.stack


def test_the_fallback_answers_while_the_engine_is_stopped(engines: Stack) -> None:  # noqa: F811
    stack = engines
    start(stack, "fallback-before")
    stop_engine(stack.engine)  # SIGTERM; Asterisk goes on (--keep-asterisk), FastAGI is gone
    away = "3330009001"
    with agent_phone(stack, "agent1", Answer(ring_seconds=0.5, talk_seconds=3)):
        citizen = SippCaller(stack.number, stack.cfg.ports.sip, hangup_after=None, caller=away)
        result = citizen.run(timeout=60)  # the agent hangs up after the talk
    assert result.ok, result.errors
    messages = stack.asterisk().paths.host("log", "messages.log").read_text()
    assert "sent to the fallback queue" in messages
    assert away not in messages  # the caller's number is not logged
    # The engine back: it records the fallback's call, and routes a new caller itself.
    start(stack, "fallback-after")
    row = eventually(lambda: stack.contact(away), 30, "the fallback's call recorded")
    assert (row["outcome"], row["agent_id"], row["service"]) == (
        "answered_by_fallback", "agent1", "informagiovani")  # fmt: skip
    assert row["answered_at"] is not None, dict(row)
    assert row["talk_seconds"] >= 2, dict(row)
    print(f"fallback call: wait {row['wait_seconds']:.0f} s, talk {row['talk_seconds']:.0f} s")
    back = "3330009002"
    with agent_phone(stack, "agent2", Answer(ring_seconds=0.3, talk_seconds=2)):
        stack.ready("agent2")
        result = caller(stack, back, "2", hangup_after=None).run(timeout=60)
    assert result.ok, result.errors
    routed = eventually(lambda: stack.contact(back), 15, "the engine's contact")
    assert (routed["outcome"], routed["agent_id"]) == ("answered", "agent2")
    assert list(routed["ivr_path"]) == ["2"]
    # read again at the next poll: still one row for the fallback's call
    assert len(stack.query("select 1 from contacts where caller_number = $1", away)) == 1


def test_a_caller_waiting_when_the_engine_goes_away_is_answered_by_the_fallback(
    engines: Stack,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The engine killed while a caller waits in its queue: the caller hears the music on
    (the dialplan's loop), each announcement's AGI fails, and after
    ``fallback.engine_away_seconds`` (30 here, the least allowed) the fallback queue answers."""
    stack, number = engines, "3330009003"
    cfg = yaml.safe_load(stack.config.read_text())
    cfg["fallback"]["engine_away_seconds"] = 30
    cfg.setdefault("routing", {})["announce_every_seconds"] = 5
    away_cfg = tmp_path / "center-away.yaml"
    away_cfg.write_text(yaml.safe_dump(cfg, allow_unicode=True))
    stack.config = away_cfg
    start(stack, "away-before")
    with caller(stack, number, "2", hangup_after=None) as citizen:
        eventually(lambda: waiting(stack, number), 30, "the caller in the queue")
        os.kill(stack.engine.pid, signal.SIGKILL)
        stack.engine.wait(timeout=30)
        gone = time.monotonic()
        with agent_phone(stack, "agent1", Answer(ring_seconds=0.5, talk_seconds=3)):
            result = citizen.wait(timeout=90)  # the fallback's agent hangs up after the talk
        waited = time.monotonic() - gone
    assert result.ok, result.errors
    messages = stack.asterisk().paths.host("log", "messages.log").read_text()
    assert "sent to the fallback queue" in messages
    assert number not in messages
    print(f"the engine away: the fallback answered after {waited:.0f} s (with the talk)")
    assert waited >= 30
