"""The engine stopped while a citizen calls: Asterisk's fallback queue answers.

The engine runs with ``--keep-asterisk`` and is stopped, so its FastAGI port is closed; the
dialplan sends the caller to the fallback queue (queues.conf), whose static members are the
desk phones of the agents holding the fallback service. The engine started again routes new
calls itself, and records the fallback's call from queue_log as ``answered_by_fallback``.
"""

from __future__ import annotations

import pytest

from demo.sipp import Answer, SippCaller
from tests.e2e.stack import Stack, eventually, stop_engine
from tests.e2e.test_calls import agent_phone, caller
from tests.e2e.test_restart import engines, start  # noqa: F401 (the fixture)

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
