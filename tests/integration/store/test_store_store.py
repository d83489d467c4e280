"""Store against a real PostgreSQL: round trips, upserts, the append-only log, errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest

from acd.core.contact import Contact
from acd.store.errors import StoreRejected, StoreUnavailable
from acd.store.store import Store
from tests.integration.store.helpers import T0, execute, fetch, full_contact, run_async

T = TypeVar("T")


def with_store(dsn: str, scenario: Callable[[Store], Awaitable[T]]) -> T:
    async def go() -> T:
        store = await Store.connect(dsn)
        try:
            return await scenario(store)
        finally:
            await store.close()

    return run_async(go())


def test_a_contact_round_trips_every_field(dsn: str) -> None:
    saved = full_contact()

    loaded = with_store(dsn, lambda s: _save_then_read(s, saved))

    assert loaded == saved
    assert loaded is not None
    assert loaded.ivr_path == ("main", "2", "anagrafe")  # a tuple again, not a list
    assert all(
        t is not None and t.utcoffset() is not None
        for t in (loaded.started_at, loaded.entered_queue_at, loaded.answered_at, loaded.ended_at)
    )
    assert loaded.started_at.microsecond == saved.started_at.microsecond


def test_a_minimal_contact_round_trips(dsn: str) -> None:
    saved = Contact("c-min", "anonymous", "0612", T0)
    assert with_store(dsn, lambda s: _save_then_read(s, saved)) == saved


def test_later_saves_overwrite_every_field(dsn: str) -> None:
    first = Contact("c1", "+39061", "0612", T0, ivr_path=("main",), service="tributi")
    last = full_contact("c1")
    cleared = replace(
        last, service=None, agent_id=None, outcome="abandoned", ivr_path=(), service_path=()
    )

    async def scenario(store: Store) -> list[Contact | None]:
        seen = []
        for version in (first, last, cleared):
            await store.save_contact(version)
            seen.append(await store.contact("c1"))
        return seen

    assert with_store(dsn, scenario) == [first, last, cleared]
    assert run_async(fetch(dsn, "SELECT count(*) AS n FROM contacts"))[0]["n"] == 1


def test_wait_and_talk_seconds_are_computed_like_the_contact(dsn: str) -> None:
    answered = full_contact("answered")
    abandoned = replace(full_contact("abandoned"), answered_at=None, agent_id=None)
    in_ivr = Contact("ivr", "+39061", "0612", T0)
    with_store(dsn, lambda s: _save_all(s, [answered, abandoned, in_ivr]))

    rows = run_async(fetch(dsn, "SELECT contact_id, wait_seconds, talk_seconds FROM contacts"))
    by_id = {r["contact_id"]: (r["wait_seconds"], r["talk_seconds"]) for r in rows}
    for c in (answered, abandoned, in_ivr):
        assert by_id[c.contact_id] == (c.wait_seconds(), c.talk_seconds())
    assert by_id["answered"] == (45.5, 174.5)


def test_missing_contact_is_none(dsn: str) -> None:
    assert with_store(dsn, lambda s: s.contact("nope")) is None


def test_contacts_since_filters_and_orders_by_start(dsn: str) -> None:
    contacts = [
        replace(full_contact(f"c{i}"), started_at=T0 + timedelta(minutes=m))
        for i, m in enumerate([5, -1, 0, 3])
    ]

    async def scenario(store: Store) -> list[str]:
        await _save_all(store, contacts)
        return [c.contact_id for c in await store.contacts_since(T0)]

    assert with_store(dsn, scenario) == ["c2", "c3", "c0"]


def test_wrap_ups_since_end_at_the_agents_next_state(dsn: str) -> None:
    changes = [("a1", "on_call", 0), ("a1", "wrap_up", 60), ("a2", "wrap_up", 70),
               ("a1", "ready", 75), ("a2", "paused", 100), ("a1", "wrap_up", 200),
               ("a3", "wrap_up", -10), ("a3", "ready", 5)]  # fmt: skip

    async def scenario(store: Store) -> list[tuple[str, datetime, datetime]]:
        for agent, state, second in changes:
            await store.record_agent_state(agent, state, "", T0 + timedelta(seconds=second))
        return await store.wrap_ups_since(T0)

    at = [T0 + timedelta(seconds=s) for s in (60, 75, 70, 100)]
    # a1's last wrap-up is not over; a3's started before T0
    assert with_store(dsn, scenario) == [("a1", at[0], at[1]), ("a2", at[2], at[3])]


def test_naive_datetimes_are_refused_not_shifted(dsn: str) -> None:
    naive = datetime(2025, 1, 1, 9, 0)

    async def scenario(store: Store) -> None:
        with pytest.raises(StoreRejected, match="naive"):
            await store.save_contact(Contact("c", "1", "2", naive))
        with pytest.raises(StoreRejected, match="naive"):
            await store.append_event(naive, "x", {})
        with pytest.raises(StoreRejected, match="naive"):
            await store.record_agent_state("a", "ready", "", naive)

    with_store(dsn, scenario)
    rows = run_async(fetch(dsn, "SELECT (SELECT count(*) FROM contacts) AS n"))
    assert rows[0]["n"] == 0


def test_events_are_appended_in_order_with_their_payload(dsn: str) -> None:
    async def scenario(store: Store) -> None:
        await store.append_event(T0, "CallArrived", {"caller": "+39061", "n": 1}, "c1")
        await store.append_event(T0, "AgentLoggedIn", {"agent": "a7", "skills": ["x", "y"]})

    with_store(dsn, scenario)
    rows = run_async(
        fetch(dsn, "SELECT at, contact_id, kind, payload::text FROM contact_events ORDER BY id")
    )
    assert [(r["at"], r["contact_id"], r["kind"]) for r in rows] == [
        (T0, "c1", "CallArrived"),
        (T0, None, "AgentLoggedIn"),
    ]
    assert rows[1]["payload"] == '{"agent": "a7", "skills": ["x", "y"]}'


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE contact_events SET kind = 'forged'",
        "UPDATE contact_events SET kind = 'forged' WHERE id < 0",  # even matching no row
        "DELETE FROM contact_events",
        "TRUNCATE contact_events",
    ],
)
def test_the_event_log_is_append_only(dsn: str, statement: str) -> None:
    with_store(dsn, lambda s: s.append_event(T0, "CallArrived", {}, "c1"))

    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        run_async(execute(dsn, statement))

    rows = run_async(fetch(dsn, "SELECT kind FROM contact_events"))
    assert [r["kind"] for r in rows] == ["CallArrived"]


def test_agent_states_come_back_in_time_order(dsn: str) -> None:
    later = T0 + timedelta(minutes=1)

    async def scenario(store: Store) -> list[tuple[str, str, datetime]]:
        await store.record_agent_state("a7", "paused", "lunch", later)
        await store.record_agent_state("a7", "ready", "", T0)
        await store.record_agent_state("a8", "ready", "", T0)
        return await store.agent_states("a7")

    assert with_store(dsn, scenario) == [("ready", "", T0), ("paused", "lunch", later)]


def test_unserialisable_payload_is_rejected(dsn: str) -> None:
    with pytest.raises(StoreRejected):
        with_store(dsn, lambda s: s.append_event(datetime.now(UTC), "x", {"bad": object()}))


def test_connect_to_a_missing_server_is_unavailable(tmp_path: Path) -> None:
    dsn = f"postgresql://postgres@/postgres?host={tmp_path}&port=5432"
    with pytest.raises(StoreUnavailable):
        run_async(Store.connect(dsn))


async def _save_then_read(store: Store, c: Contact) -> Contact | None:
    await store.save_contact(c)
    return await store.contact(c.contact_id)


async def _save_all(store: Store, contacts: list[Contact]) -> Any:
    for c in contacts:
        await store.save_contact(c)
