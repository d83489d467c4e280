"""The demo's citizens on the real stack: one sipp process starts calls at the rate asked,
however long each call lasts (sipp's default bound on calls at once, which counts none of
the scenario's variable pauses, once held the demo to one call at a time)."""

from __future__ import annotations

import asyncpg
import pytest

from demo.sipp import Citizen, SippCallers
from tests.e2e.stack import Stack, eventually

pytestmark = pytest.mark.stack

AFTER_MENU = 2.5  # seconds from answer to the menu prompt
RATE = 60  # calls a minute
CALLS = 20  # 19 s from the first to the last
STAY = 8.0  # seconds each citizen waits in line after keying: several calls at once


def test_calls_start_at_the_rate_asked_while_earlier_ones_last(center: Stack) -> None:
    citizens = [Citizen(f"33388{i:05d}", ((AFTER_MENU, "1"),), STAY) for i in range(CALLS)]
    crowd = SippCallers(center.number, center.cfg.ports.sip, citizens, CALLS, RATE, CALLS)
    result = crowd.run(timeout=60)
    assert result.ok, (result.placed, result.errors)
    assert result.placed == CALLS, (result.placed, result.errors)
    rows = eventually(lambda: _ended(center), 20, f"{CALLS} ended contacts")
    assert {r["caller_number"] for r in rows} == {c.caller for c in citizens}
    assert {r["outcome"] for r in rows} == {"abandoned"}  # nobody was logged in
    starts = sorted(r["started_at"] for r in rows)
    span = (starts[-1] - starts[0]).total_seconds()
    asked = (CALLS - 1) * 60 / RATE
    assert abs(span - asked) <= 0.1 * asked, f"{CALLS} calls over {span:.1f} s, asked {asked} s"


def _ended(center: Stack) -> list[asyncpg.Record] | None:
    rows = center.query(
        "select * from contacts where caller_number like '33388%' and ended_at is not null"
    )
    return rows if len(rows) >= CALLS else None
