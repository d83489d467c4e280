"""A callback pending when its service closes waits for the next opening (real stack).

The center is callbacks.yaml with the URP open every day 08:00-09:59 and 10:00-18:00: a
minute closed. The hours' clock starts at a fake Wednesday 09:57:40 (``CENTRALINO_FAKE_NOW``)
when the engine starts, so a citizen accepts the offer while the URP is open; at 09:59 the
URP closes with the callback pending; an agent ready then is not given it and nothing is
dialled; at 10:00 it is dialled and bridged with that agent.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from demo.sipp import Answer
from tests.e2e.stack import Stack, eventually
from tests.e2e.test_callbacks import (
    _ended,
    agent,
    attempts,
    bridged_pair,
    callback_row,
    called_back_pending,
    line,
)
from tests.e2e.test_calls import agent_phone

pytestmark = pytest.mark.stack
FAKE_NOW = datetime.fromisoformat("2026-12-02T09:57:40+01:00")  # a Wednesday, open
ENGINE_ENV = {"CENTRALINO_FAKE_NOW": FAKE_NOW.isoformat()}
CLOSING, OPENING = FAKE_NOW.replace(minute=59, second=0), FAKE_NOW.replace(hour=10, minute=0,
                                                                           second=0)  # fmt: skip
_STARTED: list[float] = []  # when the engine was about to start (time.time)


def CENTER(folder: Path) -> Path:  # noqa: N802 (the conftest's hook name)
    """callbacks.yaml, the URP closed one minute a day (09:59-10:00)."""
    center = yaml.safe_load(Path(__file__).with_name("callbacks.yaml").read_text())
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    center["services"]["urp"]["hours"] = {day: ["08:00-09:59", "10:00-18:00"] for day in days}
    path = folder / "callback_hours.yaml"
    path.write_text(yaml.safe_dump(center, allow_unicode=True))
    return path


def PREPARE_DATA_DIR(data_dir: Path) -> None:  # noqa: N802 (the conftest's hook name)
    _STARTED.append(time.time())


def hours_clock() -> datetime:
    """The engine's hours' clock now, give or take its start: the engine reads the real
    time a few seconds after ``PREPARE_DATA_DIR``, so its clock is that much behind. Read
    on the wall clock, as the engine's is: a step of the machine's clock moves both."""
    return FAKE_NOW + timedelta(seconds=time.time() - _STARTED[0])


def wait_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - hours_clock()).total_seconds()))


def test_a_callback_pending_at_closing_time_is_dialled_at_the_next_opening(stack: Stack) -> None:
    number = "3331110040"
    phone = agent_phone(stack, "agent1", Answer(ring_seconds=0.3, talk_seconds=6))
    with called_back_pending(stack, number):
        accepted = hours_clock()
        assert accepted < CLOSING - timedelta(seconds=5), f"pending only at {accepted}: too late"
        wait_until(CLOSING + timedelta(seconds=10))  # (the engine's clock starts a little later)
        with phone, line(Answer(ring_seconds=0.5)):
            stack.ready("agent1")  # closed: the callback is not its to take
            while hours_clock() < OPENING - timedelta(seconds=3):
                state = agent(stack, "agent1")["state"]
                assert state == "ready", (f"{state} at {hours_clock():%H:%M:%S.%f}: "
                                          f"{_recent_states(stack)}")  # fmt: skip
                assert attempts(stack, number) == []
                time.sleep(1)
            eventually(lambda: bridged_pair(stack, "agent1"), 30, "the bridge at the opening")
            dialled = hours_clock()
            row = eventually(lambda: _ended(stack, number), 30, "the callback's end")
    print(f"pending from {accepted:%H:%M:%S}, closed at 09:59, bridged at {dialled:%H:%M:%S}")
    assert dialled >= OPENING - timedelta(seconds=3)  # (the clock read within its start)
    assert row["outcome"] == "answered"
    assert attempts(stack, number) == ["answered"]
    assert callback_row(stack, number)["agent_id"] == "agent1"


def _recent_states(stack: Stack) -> list[tuple[str, str, str]]:
    rows = stack.query("select state, reason, at from agent_states where agent_id = 'agent1' "
                       "order by id desc limit 6")  # fmt: skip
    return [(r["state"], r["reason"], f"{r['at']:%H:%M:%S.%f}") for r in rows]
