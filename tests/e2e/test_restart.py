"""An engine restart on the real stack: a caller waiting in music on hold keeps its place.

The engine runs with ``--keep-asterisk``, so stopping it (SIGTERM, as a supervisor does for
an upgrade) or killing it (SIGKILL, a crash) leaves Asterisk and the caller's wait loop
running; the next engine finds the caller in CoreShowChannels and takes it back.
"""

from __future__ import annotations

import os
import signal
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from demo.sipp import Answer
from tests.e2e.stack import Stack, eventually, start_engine, stop_engine
from tests.e2e.test_calls import agent_phone, caller

pytestmark = pytest.mark.stack


def healthy(stack: Stack) -> bool:
    try:
        with urllib.request.urlopen(stack.web + "/healthz", timeout=2) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


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
    return next((c for c in calls if c["caller"] == number), None)


@pytest.fixture
def engines(stack: Stack) -> Iterator[Stack]:
    """The module's engine replaced by kept-Asterisk ones; all stopped afterwards."""
    stop_engine(stack.engine)  # (it stops its Asterisk: the test's engines start their own)
    try:
        yield stack
    finally:
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
