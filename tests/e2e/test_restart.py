"""An engine restart on the real stack: a caller waiting in music on hold keeps its place.

The engine runs with ``--keep-asterisk``, so stopping it (SIGTERM, as a supervisor does for
an upgrade) or killing it (SIGKILL, a crash) leaves Asterisk and the caller's wait loop
running; the next engine finds the caller in CoreShowChannels and takes it back.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from acd.privacy.numbers import masked
from demo.sipp import Answer, NoAnswer, SippCaller
from tests.e2e.stack import Stack, answers_healthy, eventually, start_engine, stop_engine
from tests.e2e.test_call_controls import channels, leg
from tests.e2e.test_calls import agent_phone, caller

pytestmark = pytest.mark.stack


def healthy(stack: Stack) -> bool:
    return answers_healthy(stack.web)


def start(stack: Stack, name: str) -> None:
    """A new engine for ``stack`` that leaves Asterisk running when it stops."""
    log = stack.log.with_name(f"engine-{name}.log")
    stack.engine = start_engine(stack.config, stack.data_dir, stack.dsn, log,
                                args=("--keep-asterisk",))  # fmt: skip
    stack.log = log
    eventually(lambda: stack.engine.poll() is not None or healthy(stack), 90, f"engine {name}")
    assert stack.engine.poll() is None, log.read_text()[-3000:]


def waiting(stack: Stack, number: str) -> dict[str, Any] | None:
    if not healthy(stack):
        return None
    calls = [c for q in stack.snapshot()["queues"] for c in q["calls"]]
    return next((c for c in calls if c["caller"] == masked(number)), None)


@pytest.fixture
def engines(stack: Stack) -> Iterator[Stack]:
    """The module's engine replaced by kept-Asterisk ones; all stopped afterwards (agents
    logged out first: a start takes back the agents as the last engine left them)."""
    if healthy(stack):  # (the module's first engine; a later test finds it stopped)
        stack.log_out_everyone()
    stop_engine(stack.engine)  # (it stops its Asterisk: the test's engines start their own)
    try:
        yield stack
    finally:
        if healthy(stack):
            stack.log_out_everyone()
        stop_engine(stack.engine)
        stack.asterisk().stop()
        print(stack.log.read_text()[-4000:])


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_a_waiting_caller_is_taken_back_after_an_engine_restart(
    engines: Stack, how: signal.Signals
) -> None:
    stack, number = engines, f"33300005{how.value:02d}"
    start(stack, f"{how.name}-before")
    with caller(stack, number, "2", hangup_after=None) as citizen:
        before = eventually(lambda: waiting(stack, number), 30, "the caller in the queue")
        # Its contact written (the store writes within 50 ms): a kill before that leaves
        # the channel's marks only, the entry's time to the millisecond and no IVR path.
        eventually(lambda: (open_row(stack, number) or {}).get("entered_queue_at"), 10,
                   "the queued contact in PostgreSQL")  # fmt: skip
        session = stack.supervisor.cookie()
        stopped = time.monotonic()
        os.kill(stack.engine.pid, how)
        stack.engine.wait(timeout=30)
        time.sleep(1)  # the gap: nobody runs the queue; Asterisk keeps the music playing
        start(stack, f"{how.name}-after")
        restart_gap = time.monotonic() - stopped
        after = eventually(lambda: waiting(stack, number), 30, "the caller taken back")
        assert (after["call_id"], after["entered_at"]) == (before["call_id"], before["entered_at"])
        # The supervisor is still signed in, with the same session (kept in PostgreSQL).
        assert session is not None
        assert stack.supervisor.call("GET", "/api/me")[0] == 200
        now_held = stack.supervisor.cookie()
        assert now_held is not None
        assert now_held.value == session.value
        with agent_phone(stack, "agent1", Answer(ring_seconds=0.3, talk_seconds=2)):
            waited_at_least = time.monotonic() - stopped  # it entered before the stop
            stack.ready("agent1")
            result = citizen.wait(timeout=30)  # the agent hangs up after the talk
        assert result.ok, result.errors
    row = eventually(lambda: stack.contact(number), 15, "the contact row")
    assert (row["outcome"], row["agent_id"]) == ("answered", "agent1")
    assert row["service"] == "informagiovani"
    assert list(row["ivr_path"]) == ["2"]  # the first run's record, kept
    assert row["entered_queue_at"] == datetime.fromisoformat(before["entered_at"])
    # the wait counts from the first entry, across the restart
    assert row["wait_seconds"] > waited_at_least > restart_gap, row


def open_row(stack: Stack, number: str) -> Any:
    rows = stack.query("select * from contacts where caller_number = $1", number)
    return rows[0] if rows and rows[0]["ended_at"] is None else None


def rows(stack: Stack, *numbers: str) -> dict[str, Any]:
    found = stack.query("select * from contacts where caller_number = any($1::text[])",
                        list(numbers))  # fmt: skip
    return {row["caller_number"]: row for row in found}


def all_ended(stack: Stack, *numbers: str) -> dict[str, Any] | None:
    found = rows(stack, *numbers)
    return found if all(found.get(n, {}).get("ended_at") for n in numbers) else None


@contextlib.contextmanager
def three_calls(stack: Stack, base: str, talk: float) -> Iterator[tuple[str, str, str]]:
    """A caller talking with agent1 (for ``talk`` seconds), one waiting in the queue, one
    in the IVR's menu: their numbers."""
    talking, waiting_, in_ivr = (f"{base}{i}" for i in (1, 2, 3))
    with contextlib.ExitStack() as calls:
        calls.enter_context(agent_phone(stack, "agent1", Answer(ring_seconds=0.3,
                                                                  talk_seconds=talk)))  # fmt: skip
        stack.ready("agent1")
        calls.enter_context(caller(stack, talking, "2", hangup_after=None))
        eventually(lambda: any(a["state"] == "on_call" for a in stack.snapshot()["agents"]),
                   30, "the talk")  # fmt: skip
        calls.enter_context(caller(stack, waiting_, "2", hangup_after=None))
        eventually(lambda: waiting(stack, waiting_), 30, "the second caller in the queue")
        ivr = SippCaller(stack.number, stack.cfg.ports.sip, hangup_after=None, caller=in_ivr)
        calls.enter_context(ivr)  # keys nothing: the menu waits (4 s, once more: 4 s)
        eventually(lambda: open_row(stack, in_ivr), 10, "the third caller in the IVR")
        yield talking, waiting_, in_ivr


def test_a_clean_stop_closes_every_open_contact(engines: Stack) -> None:
    stack = engines
    start(stack, "clean-stop")
    with three_calls(stack, "33300007", talk=60) as numbers:
        stop_engine(stack.engine)  # SIGTERM; Asterisk keeps the calls (--keep-asterisk)
        closed = rows(stack, *numbers)
    talking, waiting_, in_ivr = numbers
    fates = {n: (r["outcome"], r["end_cause"]) for n, r in closed.items()}
    # The IVR caller, its FastAGI session closed first, may be heard hanging up before AMI
    # closes (the dialplan says sorry and hangs up), or its IVR outcome may be set when the
    # stop closes it: closed either way.
    assert fates.pop(in_ivr) in {("system-ended", "system-stop"), ("ivr-hangup", None),
                                 ("ivr-hangup", "system-stop")}  # fmt: skip
    assert fates == {
        talking: ("answered", "system-stop"),
        waiting_: ("system-ended", "system-stop"),
    }
    assert all(r["ended_at"] is not None for r in closed.values())
    assert closed[talking]["agent_id"] == "agent1"
    # The next engine takes back the waiting caller (its contact open again), agent1 on
    # its call (still talking in Asterisk: the contact open again, nothing offered to it),
    # and the IVR caller, queued by the dialplan for the IVR tree's default service.
    start(stack, "after-clean-stop")
    eventually(lambda: waiting(stack, waiting_), 30, "the waiting caller taken back")
    eventually(lambda: open_row(stack, waiting_), 10, "its contact open again")
    eventually(lambda: waiting(stack, in_ivr), 30, "the IVR caller queued")
    agent = agent_state(stack, "agent1")
    assert (agent["state"], agent["call_id"]) == ("on_call", closed[talking]["contact_id"])
    eventually(lambda: open_row(stack, talking), 10, "the talk's contact open again")


def test_after_a_crash_the_calls_that_ended_meanwhile_are_closed(engines: Stack) -> None:
    stack = engines
    start(stack, "crash")
    with three_calls(stack, "33300008", talk=6) as numbers:
        talking, waiting_, in_ivr = numbers
        os.kill(stack.engine.pid, signal.SIGKILL)
        stack.engine.wait(timeout=30)
        # Meanwhile the agent ends the talk; the IVR caller, its FastAGI gone, is queued by
        # the dialplan for the IVR tree's default service (the first, urp).
        time.sleep(8)
        start(stack, "after-crash")
        ended = eventually(lambda: all_ended(stack, talking), 30, "the ended talk closed")
        # agent1, on a call at the crash and off the phone now, is back ready: it answers
        # the callers taken back, the IVR's too
        answered = eventually(lambda: stack.contact(waiting_), 30, "the waiting caller answered")
        from_ivr = eventually(lambda: stack.contact(in_ivr), 40, "the IVR caller answered")
    assert (answered["outcome"], answered["agent_id"]) == ("answered", "agent1")
    assert (ended[talking]["outcome"], ended[talking]["end_cause"]) == (
        "answered",
        "engine-restart",
    )
    assert (from_ivr["outcome"], from_ivr["agent_id"], from_ivr["service"]) == (
        "answered",
        "agent1",
        "urp",
    )
    assert "contact(s) left open by an earlier run were closed" in stack.log.read_text()


def agent_state(stack: Stack, agent_id: str) -> dict[str, Any]:
    return next(a for a in stack.snapshot()["agents"] if a["id"] == agent_id)


def test_after_a_crash_a_talk_goes_on_a_ring_is_reconciled_an_ivr_caller_is_queued(
    engines: Stack,
) -> None:
    """kill -9 with a caller talking (agent1), one ringing agent2 (who never answers), one in
    the IVR; the next engine puts agent1 back on its call, whose contact closes once, as
    answered, when the caller hangs up; hangs up agent2's ring (agent2 ready, the caller at
    its place); queues the IVR caller; both are answered."""
    stack, base = engines, "33300009"
    talking, ringing, in_ivr = (f"{base}{i}" for i in (1, 2, 3))
    start(stack, "talk-ring-ivr")
    with contextlib.ExitStack() as calls:
        calls.enter_context(agent_phone(stack, "agent1", Answer(ring_seconds=0.3)))
        stack.ready("agent1")
        talker = calls.enter_context(caller(stack, talking, "2", hangup_after=35))
        eventually(lambda: agent_state(stack, "agent1")["state"] == "on_call", 30, "the talk")
        call_id = agent_state(stack, "agent1")["call_id"]
        unanswered = calls.enter_context(agent_phone(stack, "agent2", NoAnswer()))
        stack.ready("agent2")
        calls.enter_context(caller(stack, ringing, "2", hangup_after=None))
        eventually(lambda: agent_state(stack, "agent2")["state"] == "ringing", 30, "the ring")
        ivr = SippCaller(stack.number, stack.cfg.ports.sip, hangup_after=None, caller=in_ivr)
        calls.enter_context(ivr)
        eventually(lambda: open_row(stack, in_ivr), 10, "the third caller in the IVR")
        os.kill(stack.engine.pid, signal.SIGKILL)
        stack.engine.wait(timeout=30)
        start(stack, "after-talk-ring-ivr")
        # agent1 is back on its call, the contact open; agent2's old ring is gone
        agent1 = eventually(lambda: (a := agent_state(stack, "agent1"))["state"] != "logged_out"
                            and a, 15, "agent1 taken back")  # fmt: skip
        assert (agent1["state"], agent1["call_id"]) == ("on_call", call_id)
        eventually(lambda: open_row(stack, talking), 10, "the talk's contact open")
        eventually(lambda: agent_state(stack, "agent2")["state"] != "ringing"
                   or agent_state(stack, "agent2")["call_id"] != ringing, 15,
                   "agent2's old ring ended")  # fmt: skip
        eventually(lambda: waiting(stack, in_ivr), 30, "the IVR caller queued")
        # agent2 now answers: the caller it rang for, then the IVR's
        unanswered.stop()
        calls.enter_context(agent_phone(stack, "agent2", Answer(ring_seconds=0.3,
                                                                  talk_seconds=2)))  # fmt: skip
        if agent_state(stack, "agent2")["state"] == "paused":  # missed the new rings meanwhile
            stack.ready("agent2")
        first = eventually(lambda: stack.contact(ringing), 40, "the rung caller answered")
        second = eventually(lambda: stack.contact(in_ivr), 40, "the IVR caller answered")
        result = talker.wait(timeout=60)  # the talking caller hangs up on its own
        assert result.ok, result.errors
        talk = eventually(lambda: stack.contact(talking), 15, "the talk closed")
    assert (talk["outcome"], talk["agent_id"], talk["end_cause"]) == ("answered", "agent1", None)
    assert talk["talk_seconds"] > 20, talk  # from the first answer, across the restart
    assert len(stack.query("select 1 from contacts where caller_number = $1", talking)) == 1
    assert (first["outcome"], first["agent_id"]) == ("answered", "agent2")
    assert (second["outcome"], second["agent_id"], second["service"]) == ("answered", "agent2",
                                                                          "urp")  # fmt: skip
    assert agent_state(stack, "agent1")["state"] == "ready"  # wrap-up of 0 s: ready again
    log = stack.log.read_text()
    assert "taking back agent1's talk" in log


def test_after_a_crash_a_consultation_is_ended_and_its_call_held_with_its_agent(
    engines: Stack,
) -> None:
    """kill -9 while agent1 consults agent2 (the caller on hold): the next engine takes the
    call back on hold with agent1, hangs the colleague's leg up, and agent1 resumes: the
    caller and agent1's leg in one bridge again, the contact answered by agent1, once."""
    stack, number = engines, "3330009101"
    start(stack, "consult-before")
    with contextlib.ExitStack() as calls:
        calls.enter_context(agent_phone(stack, "agent1", Answer(ring_seconds=0.3)))
        calls.enter_context(agent_phone(stack, "agent2", Answer(ring_seconds=0.3)))
        stack.ready("agent1")
        talker = calls.enter_context(caller(stack, number, "2", hangup_after=40))
        eventually(lambda: agent_state(stack, "agent1")["state"] == "on_call", 30, "the talk")
        call_id = agent_state(stack, "agent1")["call_id"]
        stack.ready("agent2")
        status, answer = stack.api("POST", "/api/agents/agent1/call/consult", {"agent": "agent2"})
        assert status == 200, answer
        eventually(lambda: agent_state(stack, "agent2")["state"] == "on_call", 30,
                   "agent2 consulted")  # fmt: skip
        eventually(lambda: bridged_with(stack, "PJSIP/agent1-", "PJSIP/agent2-"), 15,
                   "the two agents' legs bridged")  # fmt: skip
        os.kill(stack.engine.pid, signal.SIGKILL)
        stack.engine.wait(timeout=30)
        start(stack, "consult-after")
        agent1 = eventually(lambda: (a := agent_state(stack, "agent1"))["state"] == "on_call"
                            and a, 20, "agent1 taken back on its call")  # fmt: skip
        assert agent1["call_id"] == call_id
        eventually(lambda: leg(stack, "PJSIP/agent2-") is None, 15, "the colleague's leg hung up")
        status, answer = stack.api("POST", "/api/agents/agent1/call/resume", {})
        assert status == 200, answer
        eventually(lambda: bridged_with(stack, "PJSIP/agent1-", "PJSIP/citizens"), 15,
                   "the caller back with agent1")  # fmt: skip
        result = talker.wait(timeout=60)
        assert result.ok, result.errors
        talk = eventually(lambda: stack.contact(number), 15, "the contact closed")
    assert (talk["outcome"], talk["agent_id"]) == ("answered", "agent1")
    assert len(stack.query("select 1 from contacts where caller_number = $1", number)) == 1
    assert "consultation on" in stack.log.read_text()


def bridged_with(stack: Stack, first: str, second: str) -> bool:
    """Whether a channel named from ``first`` and one from ``second`` share a bridge."""
    legs = channels(stack)
    bridges = {ch["bridge"] for ch in legs if ch["channel"].startswith(first) and ch["bridge"]}
    return any(ch["channel"].startswith(second) and ch["bridge"] in bridges for ch in legs)
