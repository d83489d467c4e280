"""The agents' interval table (migration 017) against the state changes: the agents' report
read from it equals the one counted from the changes, on the hand-built history of
``tests/reports_fixture.py`` (agent1's break across midnight, agent2's day when the clocks go
back) and on a generated one, with "now" after the period and inside it; a change inserted
out of order, a deletion and a correction keep the table what the backfill
(``rebuild_agent_intervals``) counts from the rows."""

from __future__ import annotations

import json
import math
from dataclasses import fields
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from acd.reporting import agent_figures, quarter_hours
from acd.store.reports import ReportStore
from acd.store.store import Store
from reports.agent_time import AgentFigures, AgentReport
from reports.periods import Interval, grid, period
from tests.integration.store.helpers import run_async
from tests.integration.store.test_service_intervals import generate
from tests.reports_fixture import load, rome

ROME = ZoneInfo("Europe/Rome")
AGENTS = ["agent1", "agent2", "agent3", "agent4", "agent5"]
LATER = datetime(2026, 1, 1, tzinfo=UTC)
ASKED = (("2025-10-24", "2025-10-25", Interval.DAY), ("2025-10-24", "2025-10-24", Interval.HOUR),
         ("2025-10-24", "2025-10-25", Interval.QUARTER_HOUR),
         ("2025-10-26", "2025-10-26", Interval.HOUR),
         ("2025-10-26", "2025-10-26", Interval.QUARTER_HOUR),
         ("2025-10-20", "2025-11-02", Interval.DAY), ("2025-10-01", "2025-10-31", Interval.WEEK),
         ("2025-10-01", "2025-10-31", Interval.MONTH))  # fmt: skip
# "now" after the periods, and inside them: a break, a call, a quarter hour's very edge.
NOWS = (LATER, rome(24, 23, 47, 12.5), rome(24, 9, 0, 17), rome(24, 10, 0), rome(25, 0, 10),
        rome(26, 2, 52, fold=1))  # fmt: skip


def both(dsn: str, first: str, last: str, every: Interval, now: datetime,
         agents: list[str]) -> tuple[list[AgentReport], list[AgentReport]]:  # fmt: skip
    async def read() -> tuple[list[AgentReport], list[AgentReport]]:
        store = await Store.connect(dsn)
        try:
            reports = ReportStore(store.pool)
            p = period(first, last, ROME, every)
            cells, until = grid(p, every), min(p.end, now, key=lambda t: t.timestamp())
            assert quarter_hours(cells)
            summed = await agent_figures(reports, cells, agents, until)
            raw = await agent_figures(reports, cells, agents, until, summary=False)
            return summed, raw
        finally:
            await store.close()

    return run_async(read())


def assert_same(summed: list[AgentReport], raw: list[AgentReport]) -> None:
    assert [(r.agent_id, len(r.intervals)) for r in summed] == [
        (r.agent_id, len(r.intervals)) for r in raw
    ]
    for a, b in zip(summed, raw, strict=True):
        for x, y in zip((*a.intervals, a.total), (*b.intervals, b.total), strict=True):
            assert_figures(x, y)


def assert_figures(x: AgentFigures, y: AgentFigures) -> None:
    """Equal, seconds to a tenth of a millisecond: the changes' path subtracts POSIX
    timestamps as floats (a quarter of a microsecond apart at 1.7e9), the table PostgreSQL's
    exact microseconds."""
    for f in fields(x):
        u, v = getattr(x, f.name), getattr(y, f.name)
        if isinstance(u, float) and isinstance(v, float):
            assert math.isclose(u, v, rel_tol=1e-9, abs_tol=1e-4), (f.name, u, v)
        elif isinstance(u, dict) and isinstance(v, dict):
            assert u.keys() == v.keys(), (f.name, u, v)
            assert all(math.isclose(u[k], v[k], abs_tol=1e-4) for k in u), (f.name, u, v)
        else:
            assert u == v, (f.name, u, v)


def compare_all(dsn: str, agents: list[str], asked: Any = ASKED, nows: Any = NOWS) -> int:
    calls = 0
    for now in nows:
        for first, last, every in asked:
            summed, raw = both(dsn, first, last, every, now, agents)
            assert_same(summed, raw)
            calls += sum(r.total.calls for r in raw)
    return calls


@pytest.fixture
def history(dsn: str) -> str:
    run_async(load(dsn))
    return dsn


def test_the_hand_built_history_gives_the_same_figures_from_either(history: str) -> None:
    assert compare_all(history, AGENTS) > 0


def test_the_day_the_clocks_go_back_counts_both_hours_from_two(history: str) -> None:
    (agent2,), _ = both(history, "2025-10-26", "2025-10-26", Interval.HOUR, LATER, ["agent2"])
    first, second, three = agent2.intervals[2:5]
    # 02:00-03:00 +02:00: "login" 300, ready 305 + 1,130, ringing 5, talking 60 (d1), then
    # the break from 02:50: 600
    assert (first.ready_seconds, first.ringing_seconds, first.talking_seconds) == (1_435, 5, 60)
    assert first.paused_by_reason == {"break": 600, "login": 300}
    # 02:00-03:00 +01:00: the break to 02:40 (2,400), ready 325 + 835, talking 40 (d3)
    assert (second.ready_seconds, second.talking_seconds, second.calls) == (1_160, 40, 1)
    assert second.paused_by_reason == {"break": 2_400}
    assert (three.ready_seconds, three.logged_in_seconds) == (1_800, 1_800)  # out at 03:30
    assert agent2.total.logged_in_seconds == 70 * 60 + 3_600
    assert agent2.total.calls == 2


def test_corrections_keep_the_table_what_the_backfill_counts(history: str) -> None:
    async def correct() -> None:
        conn = await asyncpg.connect(history)
        try:  # agent1 rang before c1 for longer (out of order), a pause is deleted, a moved
            await conn.execute(
                "INSERT INTO agent_states (agent_id, state, reason, at) VALUES "
                "('agent1', 'ringing', '', $1), ('agent1', 'paused', 'x', $2)",
                rome(24, 9, 0, 5), rome(24, 9, 20),
            )  # fmt: skip
            await conn.execute("DELETE FROM agent_states WHERE agent_id = 'agent2' "
                               "AND reason = 'back office'")  # fmt: skip
            await conn.execute("UPDATE agent_states SET at = at + interval '20 minutes' "
                               "WHERE agent_id = 'agent1' AND reason = 'break'")  # fmt: skip
        finally:
            await conn.close()

    run_async(correct())
    kept = run_async(table(history))
    compare_all(history, AGENTS, ASKED[:4], NOWS[:2])
    run_async(rebuild(history))
    assert run_async(table(history)) == kept


def test_a_generated_history_gives_the_same_figures_and_the_backfill_the_same_table(
    dsn: str,
) -> None:
    days = ((date(2025, 11, 12), 1500), (date(2025, 11, 13), 1500), (date(2025, 11, 15), 600))
    run_async(generate(dsn, days))
    asked = (("2025-11-12", "2025-11-12", Interval.QUARTER_HOUR),
             ("2025-11-10", "2025-11-16", Interval.HOUR),
             ("2025-11-01", "2025-11-30", Interval.DAY))  # fmt: skip
    agents = [f"a{i:03d}" for i in range(200)]
    nows = (LATER, datetime(2025, 11, 13, 10, 7, 30, tzinfo=UTC))
    assert compare_all(dsn, agents, asked, nows) > 0
    kept = run_async(table(dsn))
    run_async(rebuild(dsn))
    assert run_async(table(dsn)) == kept


async def table(dsn: str) -> list[tuple[Any, ...]]:
    """The table's rows with something in them, sums to the micro-second."""
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT * FROM agent_intervals ORDER BY agent_id, interval_start")
    finally:
        await conn.close()
    out = []
    for r in rows:
        values = tuple(round(v, 6) if isinstance(v, float) else v for v in r.values())
        pauses = {k: round(float(v), 6) for k, v in json.loads(r["pauses"]).items()}
        if any(values[2:8]) or any(pauses.values()):
            out.append((*values[:8], sorted((k, v) for k, v in pauses.items() if v)))
    return out


async def rebuild(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SELECT rebuild_agent_intervals()")
    finally:
        await conn.close()
