"""The historical reports at scale: millions of contacts in PostgreSQL, three reports timed.

    python bench/reports.py --contacts 10000000          # about 10 million: see docs
    python bench/reports.py --contacts 1000000 --json
    python bench/reports.py --dsn postgresql://... --keep  # a server of your own

Starts an embedded PostgreSQL in a temporary directory (as ``acd.store.embedded`` does for
the engine) unless ``--dsn`` names one (its database must be empty: the script migrates
it and loads it), applies the migrations, then generates ``--contacts`` contacts over
``--days`` days (two years) ending on 2025-12-31, in Europe/Rome:

- 20 services, the first ones busier (weights 1/sqrt(rank): s00 gets 14 %); 200 agents,
  any agent any service; office hours 08:00-18:00 Monday to Friday (a late-morning peak),
  08:00-13:00 on Saturdays, closed on Sundays;
- outcomes: about 85 % answered in the service first reached (5 % of those then
  transferred to another: a service_path of 2), 7 % abandoned (a third of them short,
  under 5 s), 3 % overflowed to another service (two in three answered there), 2 %
  voicemail, 1 % overflow to a message, 1 % failed; 5-40 s of IVR before the queue;
- agent states: each day each agent logs in (paused, ``login``), goes ready, takes one
  15-minute pause and logs out; each answered call rings its agent 3 s, then on call,
  wrap-up (5-40 s) and ready; a call waits for an agent to be free, so the waits follow
  the load.

The rows go in with COPY (asyncpg ``copy_records_to_table``, in chunks; ``wait_seconds``
and ``talk_seconds`` are computed by PostgreSQL as they are generated columns). The
reports' indexes are dropped before the load and built after it, then ANALYZE; the
contact_handlings trigger (migration 010) is disabled during the load (the reports do not
read that table), and so are the interval tables' (migrations 014 and 017): they are rebuilt
from the loaded rows after the indexes (``rebuild_service_intervals()`` and
``rebuild_agent_intervals()``, each its own timing). Then the
server is restarted and each report is run through ``acd.reporting.make_report`` (SQL,
rows into Python, figures), 1 + ``--runs`` times: the
first run is "cold" (PostgreSQL's buffers empty; the OS page cache is not dropped), the
others "warm" (median given). The three reports:

    services, one service (s00, the busiest), a month (2025-11) by hours
    services, all services, a day (2025-11-12, a Wednesday) by 15 minutes
    agents, all agents, the same day by hours

Prints the load's timings, the rows and the reports' timings (store: SQL and rows into
Python; figures: the rest).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import heapq
import json
import math
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from acd.config.model import CenterConfig
from acd.reporting import ReportRequest, make_report, report_request
from acd.store.embedded import EmbeddedPostgres
from acd.store.migrate import migrate
from acd.store.reports import ReportStore
from reports.agent_time import AgentInterval, StateChange
from reports.history import IntervalCounts, QueuedContact

ZONE = ZoneInfo("Europe/Rome")
LAST_DAY = date(2025, 12, 31)
SERVICES = [f"s{i:02d}" for i in range(20)]
AGENTS = [f"a{i:03d}" for i in range(200)]
SERVICE_WEIGHTS = [1 / math.sqrt(i + 1) for i in range(len(SERVICES))]
# Calls per hour of a weekday from 08:00 (a late-morning peak), and of a Saturday.
WEEKDAY_HOURS = [6, 10, 12, 11, 9, 6, 7, 9, 8, 5]
SATURDAY_HOURS = [3, 5, 5, 4, 3]
RING, PAUSE = 3.0, 900.0
CHUNK = 200_000
# Disabled during the load (the interval table is rebuilt after it).
TRIGGERS = (("contacts", "contact_handled"), ("contacts", "contact_counted"),
            ("agent_states", "wrap_up_ended"), ("agent_states", "agent_states_added"))  # fmt: skip
CONTACT_COLUMNS = (
    "contact_id", "caller_number", "dialled_number", "started_at", "service",
    "entered_queue_at", "answered_at", "ended_at", "agent_id", "outcome", "service_path",
    "answered_in",
)  # fmt: skip
STATE_COLUMNS = ("agent_id", "state", "reason", "at")
REPORTS = (
    ("month of one service by hours", "services", "2025-11-01", "2025-11-30", "hour", "s00"),
    ("day of all services by 15 minutes", "services", "2025-11-12", "2025-11-12", "15min", ""),
    ("day of all agents by hours", "agents", "2025-11-12", "2025-11-12", "hour", ""),
)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def center() -> CenterConfig:
    data: dict[str, Any] = {
        "center": {"name": "bench center", "timezone": ZONE.key},
        "numbers": [{"number": "0590000000", "ivr": "main"}],
        "services": {s: {"name": s} for s in SERVICES},
        "agents": [{"id": a, "name": a, "skills": SERVICES} for a in AGENTS],
        "ivr": {"main": {"start": "q", "nodes": {"q": {"type": "enqueue", "service": "s00"}}}},
    }
    return CenterConfig.model_validate(data)


def _at(stamp: float) -> datetime:
    return EPOCH + timedelta(seconds=stamp)


def _local(day: date, hour: float) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=ZONE).timestamp() + hour * 3600


def days_and_counts(contacts: int, days: int) -> list[tuple[date, int]]:
    """Each open day and its contacts, adding up to ``contacts`` (a Saturday: 40 %)."""
    span = [LAST_DAY - timedelta(days=n) for n in reversed(range(days))]
    weights = [0.0 if d.weekday() == 6 else 0.4 if d.weekday() == 5 else 1.0 for d in span]
    total, given, out = sum(weights), 0, []
    running = 0.0
    for d, w in zip(span, weights, strict=True):
        running += w
        upto = round(contacts * running / total)
        if upto > given:
            out.append((d, upto - given))
        given = upto
    return out


class Generator:
    """Contacts and agent states, day by day, as COPY records."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.serial = 0
        self.service_cum = list(_cumulative(SERVICE_WEIGHTS))

    def day(self, d: date, count: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        rng = self.rng
        hours = SATURDAY_HOURS if d.weekday() == 5 else WEEKDAY_HOURS
        hour_cum = list(_cumulative(hours))
        opening = _local(d, 8)
        arrivals = sorted(
            opening + (bisect.bisect_right(hour_cum, rng.random() * hour_cum[-1]) + rng.random())
            * 3600
            for _ in range(count)
        )  # fmt: skip
        staff = AGENTS if d.weekday() < 5 else AGENTS[: len(AGENTS) * 3 // 10]
        states: list[tuple[Any, ...]] = []
        free: list[tuple[float, str]] = []
        pause_at: dict[str, float] = {}
        for agent in staff:
            states.append((agent, "paused", "login", _at(opening - 600)))
            states.append((agent, "ready", "", _at(opening - 300)))
            free.append((opening - 300, agent))
            pause_at[agent] = opening + rng.uniform(2, 0.8 * len(hours)) * 3600
        heapq.heapify(free)
        contacts = [self._contact(t, free, pause_at, states) for t in arrivals]
        for ready, agent in free:
            states.append((agent, "logged_out", "", _at(max(ready, opening) + 60)))
        return contacts, states

    def _contact(
        self,
        arrived: float,
        free: list[tuple[float, str]],
        pause_at: dict[str, float],
        states: list[tuple[Any, ...]],
    ) -> tuple[Any, ...]:
        rng = self.rng
        self.serial += 1
        first = SERVICES[bisect.bisect_right(self.service_cum, rng.random() * self.service_cum[-1])]
        other = SERVICES[rng.randrange(len(SERVICES))]
        if other == first:
            other = SERVICES[(SERVICES.index(first) + 1) % len(SERVICES)]
        entered = arrived + rng.uniform(5, 40)
        path, service, answered_in = [first], first, None
        agent: str | None = None
        answered: float | None = None
        u = rng.random()
        if u < 0.87:  # answered where it first queued (5 % then transferred)
            outcome, wait = "answered", rng.expovariate(1 / 15)
            if rng.random() < 0.05:
                path, service = [first, other], other
        elif u < 0.94:  # abandoned: a third short
            outcome = "abandoned"
            wait = rng.uniform(0, 5) if rng.random() < 1 / 3 else 5 + rng.expovariate(1 / 60)
        elif u < 0.97:  # overflowed after 120 s to another service
            path, service, wait = [first, other], other, 120 + rng.expovariate(1 / 20)
            outcome = "answered" if rng.random() < 2 / 3 else "abandoned"
        elif u < 0.99:  # a queue limit: voicemail, or a message
            outcome, wait = ("voicemail", 150.0) if u < 0.98 else ("overflow", 90.0)
        else:
            outcome, wait = "failed", rng.uniform(5, 30)
        if outcome in ("answered", "failed"):
            agent, answered = self._agent(entered + wait, free, pause_at, states)
            wait = answered - entered
            answered_in = service if len(path) > 1 and u >= 0.94 else first
        if outcome == "answered" and agent is not None and answered is not None:
            ended = answered + rng.lognormvariate(5.0, 0.6)  # about 180 s
            ready = ended + rng.uniform(5, 40)
            states.append((agent, "on_call", "", _at(answered)))
            states.append((agent, "wrap_up", "", _at(ended)))
            states.append((agent, "ready", "", _at(ready)))
            heapq.heappush(free, (ready, agent))
        elif outcome == "failed" and agent is not None and answered is not None:
            ended = answered + 2
            states.append((agent, "ready", "", _at(ended)))
            heapq.heappush(free, (ended, agent))
        else:
            ended = entered + wait + (30 if outcome == "voicemail" else 0)
        return (
            f"c{self.serial}", f"39{rng.randrange(10**9, 10**10)}", "0590000000",
            _at(arrived), service, _at(entered), None if answered is None else _at(answered),
            _at(ended), agent, outcome, path, answered_in,
        )  # fmt: skip

    def _agent(
        self,
        wanted: float,
        free: list[tuple[float, str]],
        pause_at: dict[str, float],
        states: list[tuple[Any, ...]],
    ) -> tuple[str, float]:
        """The agent free first: it rings (3 s) from when both it and the call are ready;
        one that is due its pause takes it first."""
        while True:
            ready, agent = heapq.heappop(free)
            if ready >= pause_at[agent]:
                pause_at[agent] = math.inf
                states.append((agent, "paused", "pausa", _at(ready)))
                states.append((agent, "ready", "", _at(ready + PAUSE)))
                heapq.heappush(free, (ready + PAUSE, agent))
                continue
            ring = max(wanted - RING, ready)
            states.append((agent, "ringing", "", _at(ring)))
            return agent, ring + RING


def _cumulative(weights: Sequence[float]) -> Iterator[float]:
    total = 0.0
    for w in weights:
        total += w
        yield total


async def load(conn: asyncpg.Connection, contacts: int, days: int, seed: int) -> dict[str, Any]:
    """Migrate, drop the reports' indexes, COPY the rows, build the indexes, ANALYZE."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    await migrate(conn)
    indexes = await conn.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
        "AND tablename IN ('contacts', 'agent_states') AND indexname NOT LIKE '%pkey'"
    )
    for row in indexes:
        await conn.execute(f'DROP INDEX "{row["indexname"]}"')
    for table, trigger in TRIGGERS:
        await conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
    await conn.execute("SET synchronous_commit = off")
    generator, generating, copying = Generator(seed), 0.0, 0.0
    rows = {"contacts": 0, "agent_states": 0}
    pending: dict[str, list[tuple[Any, ...]]] = {"contacts": [], "agent_states": []}

    async def flush(table: str, columns: Sequence[str]) -> None:
        nonlocal copying
        t = time.perf_counter()
        await conn.copy_records_to_table(table, records=pending[table], columns=columns)
        copying += time.perf_counter() - t
        rows[table] += len(pending[table])
        pending[table] = []

    for d, count in days_and_counts(contacts, days):
        t = time.perf_counter()
        day_contacts, day_states = generator.day(d, count)
        pending["contacts"] += day_contacts
        pending["agent_states"] += day_states
        generating += time.perf_counter() - t
        if len(pending["contacts"]) >= CHUNK:
            await flush("contacts", CONTACT_COLUMNS)
        if len(pending["agent_states"]) >= CHUNK:
            await flush("agent_states", STATE_COLUMNS)
    await flush("contacts", CONTACT_COLUMNS)
    await flush("agent_states", STATE_COLUMNS)
    for table, trigger in TRIGGERS:
        await conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
    timings["generate_seconds"], timings["copy_seconds"] = generating, copying
    t = time.perf_counter()
    await conn.execute("SET maintenance_work_mem = '512MB'")
    for row in indexes:
        await conn.execute(row["indexdef"])
    timings["index_seconds"] = time.perf_counter() - t
    t = time.perf_counter()
    await conn.execute("ANALYZE agent_states")  # the wrap-up probes use its index
    await conn.execute("SELECT rebuild_service_intervals()")
    timings["interval_table_seconds"] = time.perf_counter() - t
    t = time.perf_counter()
    await conn.execute("SELECT rebuild_agent_intervals()")
    timings["agent_table_seconds"] = time.perf_counter() - t
    t = time.perf_counter()
    await conn.execute("VACUUM ANALYZE contacts")  # ANALYZE, and all-visible pages
    await conn.execute("VACUUM ANALYZE agent_states")
    timings["analyze_seconds"] = time.perf_counter() - t
    timings["load_seconds"] = time.perf_counter() - started
    sizes = await conn.fetch(
        "SELECT relname, pg_total_relation_size(oid) AS bytes FROM pg_class "
        "WHERE relname IN ('contacts', 'agent_states', 'service_intervals', 'agent_intervals')"
    )
    return {
        **{k: round(v, 1) for k, v in timings.items()},
        "rows": rows,
        "megabytes": {r["relname"]: round(r["bytes"] / 2**20) for r in sizes},
    }


class TimedStore(ReportStore):
    """The report store, timing its reads (SQL and rows into Python) and counting rows; a
    report may read several times (the agents': the table, the last changes)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__(pool)
        self.seconds, self.rows = 0.0, 0

    def reset(self) -> None:
        self.seconds, self.rows = 0.0, 0

    def _count(self, started: float, rows: int) -> None:
        self.seconds += time.perf_counter() - started
        self.rows += rows

    async def queued_contacts(
        self, start: datetime, end: datetime, services: Sequence[str]
    ) -> list[QueuedContact]:
        t = time.perf_counter()
        out = await super().queued_contacts(start, end, services)
        self._count(t, len(out))
        return out

    async def service_intervals(
        self, start: datetime, end: datetime, services: Sequence[str]
    ) -> list[IntervalCounts]:
        t = time.perf_counter()
        out = await super().service_intervals(start, end, services)
        self._count(t, len(out))
        return out

    async def state_changes(
        self, start: datetime, end: datetime, agents: Sequence[str]
    ) -> list[StateChange]:
        t = time.perf_counter()
        out = await super().state_changes(start, end, agents)
        self._count(t, len(out))
        return out

    async def agent_intervals(
        self, start: datetime, end: datetime, agents: Sequence[str]
    ) -> list[AgentInterval]:
        t = time.perf_counter()
        out = await super().agent_intervals(start, end, agents)
        self._count(t, len(out))
        return out

    async def last_changes(self, agents: Sequence[str]) -> list[StateChange]:
        t = time.perf_counter()
        out = await super().last_changes(agents)
        self._count(t, len(out))
        return out


async def time_report(
    store: TimedStore, cfg: CenterConfig, request: ReportRequest
) -> dict[str, float]:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    store.reset()
    t = time.perf_counter()
    await make_report(store, cfg, request, now)
    total = time.perf_counter() - t
    return {"total": total, "store": store.seconds, "figures": total - store.seconds,
            "rows": store.rows}  # fmt: skip


async def time_reports(dsn: str, runs: int) -> list[dict[str, Any]]:
    cfg, out = center(), []
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
    try:
        store = TimedStore(pool)
        for name, kind, first, last, interval, who in REPORTS:
            request = report_request(cfg, kind, first, last, interval, service=who or None)
            cold = await time_report(store, cfg, request)
            warm = [await time_report(store, cfg, request) for _ in range(runs)]
            median = {k: statistics.median(w[k] for w in warm) for k in cold}
            out.append({
                "report": name, "rows": cold["rows"],
                "cold": {k: round(v, 3) for k, v in cold.items() if k != "rows"},
                "warm_median": {k: round(v, 3) for k, v in median.items() if k != "rows"},
                "warm_runs": [round(w["total"], 3) for w in warm],
            })  # fmt: skip
    finally:
        await pool.close()
    return out


async def _load(dsn: str, contacts: int, days: int, seed: int) -> dict[str, Any]:
    conn = await asyncpg.connect(dsn)
    try:
        return await load(conn, contacts, days, seed)
    finally:
        await conn.close()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--contacts", type=int, default=10_000_000)
    p.add_argument("--days", type=int, default=730)
    p.add_argument("--runs", type=int, default=3, help="warm runs of each report (median)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--dsn", help="a PostgreSQL with an empty database (default: embedded)")
    p.add_argument("--data-dir", help="where the embedded server lives (default: a temp dir)")
    p.add_argument("--no-load", action="store_true", help="time the reports of a loaded db")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    if args.contacts < 1 or args.days < 60 or args.runs < 1:
        p.error("--contacts must be at least 1, --days at least 60, --runs at least 1")
    temp = None if args.data_dir or args.dsn else tempfile.TemporaryDirectory(prefix="bench-")
    server = None if args.dsn else EmbeddedPostgres(Path(args.data_dir or temp.name))  # type: ignore[union-attr]
    try:
        dsn = args.dsn or server.start()  # type: ignore[union-attr]
        result: dict[str, Any] = {"contacts_asked": args.contacts, "days": args.days}
        if not args.no_load:
            result["load"] = asyncio.run(_load(dsn, args.contacts, args.days, args.seed))
        if server is not None:  # cold: PostgreSQL's buffers empty
            server.stop()
            dsn = server.start()
        result["reports"] = asyncio.run(time_reports(dsn, args.runs))
    finally:
        if server is not None and server.running:
            server.stop()
        if temp is not None:
            temp.cleanup()
    if args.json:
        print(json.dumps(result))
    else:
        _print(result)
    return 0


def _print(result: dict[str, Any]) -> None:
    if "load" in result:
        load = result["load"]
        print(
            f"loaded {load['rows']['contacts']:,} contacts and {load['rows']['agent_states']:,} "
            f"agent states over {result['days']} days in {load['load_seconds']} s "
            f"(generating {load['generate_seconds']} s, COPY {load['copy_seconds']} s, "
            f"indexes {load['index_seconds']} s, service table "
            f"{load['interval_table_seconds']} s, agent table {load['agent_table_seconds']} s, "
            f"VACUUM ANALYZE {load['analyze_seconds']} s); "
            f"MB: {load['megabytes']}"
        )
    for r in result["reports"]:
        cold, warm = r["cold"], r["warm_median"]
        print(
            f"{r['report']}: {r['rows']:,} rows; cold {cold['total']:.3f} s "
            f"(store {cold['store']:.3f}, figures {cold['figures']:.3f}); warm median "
            f"{warm['total']:.3f} s (store {warm['store']:.3f}, figures {warm['figures']:.3f}); "
            f"warm runs {r['warm_runs']}"
        )


if __name__ == "__main__":
    sys.exit(main())
