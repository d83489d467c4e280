"""PostgreSQL's CPU per agent state as the engine writes them, this tree's triggers against
those before a migration, side by side.

    /var/cache/centralino/venv/bin/python bench/agent_states.py [--before 32] [--rounds 6]

One embedded PostgreSQL, two databases: one migrated with every migration, one with those
before ``--before`` (32: the agents' interval table's fast path). Each round appends 1,100
states (40 agents going paused, ready, ringing, on_call, wrap_up ... logged_out, 37 s apart)
to each database in turn, one transaction each, as the store writer does at low load, and
reads the backend's CPU from /proc. Prints the CPU per state of each, their ratio, and
whether the two interval tables came out the same.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from acd.store.embedded import EmbeddedPostgres
from acd.store.migrate import load_migrations, migrate
from acd.store.store import AGENT_STATE_STATEMENT

STATES = ("paused", "ready", "ringing", "on_call", "wrap_up", "ready", "ringing", "on_call",
          "wrap_up", "ready", "logged_out")  # fmt: skip
AGENTS, PER_ROUND = 40, 1100
START = datetime(2026, 11, 30, 7, tzinfo=UTC)
TABLE = (
    "SELECT agent_id, interval_start, round(ready::numeric, 6), round(paused::numeric, 6), "
    "round(ringing::numeric, 6), round(on_call::numeric, 6), round(wrap_up::numeric, 6), "
    "calls, pauses::text FROM agent_intervals ORDER BY 1, 2"
)


def backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def migrations_before(version: int, into: Path) -> Path:
    for m in load_migrations():
        if m.version < version:
            (into / f"{m.name}.sql").write_text(m.path.read_text())
    return into


async def append_round(conn: asyncpg.Connection, name: str, first: int) -> float:
    pid = await conn.fetchval("SELECT pg_backend_pid()")
    before = backend_cpu(pid)
    for i in range(first, first + PER_ROUND):
        agent, k = f"a{i % AGENTS}", i // AGENTS
        state = STATES[k % len(STATES)]
        at = START + timedelta(seconds=k * 37.3 + (i % AGENTS) * 0.01)
        async with conn.transaction():
            await conn.execute(AGENT_STATE_STATEMENT, agent, state,
                               "lunch" if state == "paused" else "", at, f"{name}-{i}")  # fmt: skip
    await asyncio.sleep(1.1)  # the backend's clock ticks
    return backend_cpu(pid) - before


async def compare(pg: EmbeddedPostgres, before: int, rounds: int, old_dir: Path) -> None:
    admin = await asyncpg.connect(pg.dsn())
    for db in ("this", "before"):
        await admin.execute(f"CREATE DATABASE {db}")
    await admin.close()
    conns = {db: await asyncpg.connect(pg.dsn(db)) for db in ("this", "before")}
    await migrate(conns["this"])
    await migrate(conns["before"], migrations_before(before, old_dir))
    cpu = dict.fromkeys(conns, 0.0)
    for r in range(rounds):
        for db, conn in conns.items():
            cpu[db] += await append_round(conn, db, r * PER_ROUND)
    states = rounds * PER_ROUND
    for db in conns:
        print(f"{db}: {1e3 * cpu[db] / states:.3f} ms of the backend's CPU per state ({states})")
    print(f"this / before: {cpu['this'] / cpu['before']:.2f}")
    tables = [[tuple(r) for r in await c.fetch(TABLE)] for c in conns.values()]
    print(f"interval rows {len(tables[0])}, the same in both: {tables[0] == tables[1]}")
    for conn in conns.values():
        await conn.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--before", type=int, default=32, help="the migration compared against")
    p.add_argument("--rounds", type=int, default=6)
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as work:
        pg = EmbeddedPostgres(Path(work) / "db")
        pg.start()
        try:
            old_dir = Path(work) / "before"
            old_dir.mkdir()
            asyncio.run(compare(pg, a.before, a.rounds, old_dir))
        finally:
            pg.stop()


if __name__ == "__main__":
    main()
