"""PostgreSQL stopped for 60 s under load on the real stack: routing goes on, /healthz says
degraded, and afterwards every contact and event is in the database exactly once.

The engine keeps its records in the store writer's spill file in the data directory while
the database is away and writes them back, in order, once it answers (docs/reliability.md).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from demo.sipp import Answer
from tests.e2e.stack import Stack, eventually
from tests.e2e.test_calls import agent_phone, caller

pytestmark = pytest.mark.stack

OUTAGE = 60.0  # seconds
CALLS = 10  # during the outage, one every OUTAGE / CALLS seconds


def _health(stack: Stack) -> dict[str, object]:
    status, body = stack.api("GET", "/healthz")
    assert status == 200, body  # degraded is not down: calls are still routed
    return body  # type: ignore[no-any-return]


def test_postgres_away_for_a_minute_under_load_loses_nothing(center: Stack) -> None:
    assert center.db is not None
    numbers = [f"33300090{n:02d}" for n in range(CALLS + 2)]
    with agent_phone(center, "agent1", Answer(ring_seconds=0.3)), \
         agent_phone(center, "agent2", Answer(ring_seconds=0.3)):  # fmt: skip
        center.ready("agent1", "agent2")
        center.supervisor.login()  # (sessions live in the database: sign in before)
        assert caller(center, numbers[0], "2", hangup_after=3).run(timeout=40).ok
        center.db.stop()
        stopped = time.monotonic()
        results = []
        with ThreadPoolExecutor(4) as pool:
            for number in numbers[1:-1]:
                results.append(pool.submit(caller(center, number, "2", hangup_after=3).run, 40))
                time.sleep(OUTAGE / CALLS)
                body = _health(center)
            degraded = eventually(lambda: _health(center)["status"] == "degraded", 10, "degraded")
            assert degraded
            assert body["database"] is False
            outcomes = [r.result() for r in results]
        assert all(o.ok for o in outcomes), [o.errors for o in outcomes]  # routing went on
        spilled = int(_health(center)["spilled"])  # type: ignore[call-overload]
        time.sleep(max(0.0, OUTAGE - (time.monotonic() - stopped)))
        center.db.start()
        eventually(lambda: _health(center)["writer_backlog"] == 0 or None, 60, "the backlog")
        assert _health(center)["status"] == "ok"
        assert caller(center, numbers[-1], "2", hangup_after=3).run(timeout=40).ok
        eventually(lambda: center.contact(numbers[-1]), 15, "the last contact")
    assert spilled > 0
    rows = center.query(
        "SELECT caller_number, outcome FROM contacts WHERE caller_number = ANY($1)", numbers
    )
    assert sorted(r["caller_number"] for r in rows) == numbers  # every contact, once
    assert {r["outcome"] for r in rows} == {"answered"}
    ids = center.query("SELECT contact_id FROM contacts WHERE caller_number = ANY($1)", numbers)
    per_contact = center.query(
        "SELECT contact_id, kind, count(*) AS n FROM contact_events "
        "WHERE contact_id = ANY($1) AND kind = 'CallerEntered' GROUP BY 1, 2",
        [r["contact_id"] for r in ids],
    )
    assert len(per_contact) == len(numbers)  # every call's entry event ...
    assert {r["n"] for r in per_contact} == {1}  # ... exactly once
    dupes = center.query(
        "SELECT write_id FROM contact_events WHERE write_id IS NOT NULL "
        "GROUP BY 1 HAVING count(*) > 1"
    )
    assert dupes == []
    health = _health(center)
    recorded = center.query("SELECT count(*) AS n FROM contact_events")[0]["n"]
    assert recorded >= int(health["events_handled"])  # type: ignore[call-overload]
