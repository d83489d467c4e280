"""The audit log on a real PostgreSQL: written through the ordered writer, read back latest
first with filters and pages, append-only, bad entries refused before they are queued."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest

from acd.store.audit import AppendAuditOp, AuditEntry, AuditQuery, AuditStore
from acd.store.errors import StoreRejected
from acd.store.store import Store
from acd.store.writer import StoreWriter
from tests.integration.store.helpers import T0, execute, run_async

ENTRIES = [
    AuditEntry(T0, "sup", "supervisor", "agent.pause", "agent", "agent1", {"reason": "break"}),
    AuditEntry(T0 + timedelta(seconds=1), "sup", "supervisor", "call.move", "call", "17.3",
               {"from": "urp", "to": "anagrafe"}),
    AuditEntry(T0 + timedelta(seconds=2), "capo", "supervisor", "supervision.whisper", "agent",
               "agent2", {"call_id": "17.4"}),
    AuditEntry(T0 + timedelta(seconds=3), "sup", "supervisor", "agent.logout", "agent",
               "agent2"),
]  # fmt: skip


def written(dsn: str) -> None:
    async def go() -> None:
        store = await Store.connect(dsn)
        writer = StoreWriter(store)
        try:
            for entry in ENTRIES:
                writer.submit(AppendAuditOp(entry))
            await writer.flush()
        finally:
            await writer.close()
            await store.close()

    run_async(go())


def find(dsn: str, query: AuditQuery) -> list[AuditEntry]:
    async def go() -> list[AuditEntry]:
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=1)
        try:
            return await AuditStore(pool).find(query)
        finally:
            await pool.close()

    return run_async(go())


def actions(entries: list[AuditEntry]) -> list[str]:
    return [e.action for e in entries]


def test_entries_come_back_latest_first_with_their_details(dsn: str) -> None:
    written(dsn)
    found = find(dsn, AuditQuery())
    assert actions(found) == ["agent.logout", "supervision.whisper", "call.move", "agent.pause"]
    move = found[2]
    assert (move.actor, move.role, move.target_kind, move.target_id) == (
        "sup", "supervisor", "call", "17.3")  # fmt: skip
    assert move.detail == {"from": "urp", "to": "anagrafe"}
    assert move.at == T0 + timedelta(seconds=1)
    assert move.id is not None


def test_filters_narrow_and_pages_go_on_from_the_last_id(dsn: str) -> None:
    written(dsn)
    assert actions(find(dsn, AuditQuery(actor="capo"))) == ["supervision.whisper"]
    assert actions(find(dsn, AuditQuery(action="agent."))) == ["agent.logout", "agent.pause"]
    assert actions(find(dsn, AuditQuery(action="agent"))) == []  # exact unless it ends in .
    on_agent2 = AuditQuery(target_kind="agent", target_id="agent2")
    assert actions(find(dsn, on_agent2)) == ["agent.logout", "supervision.whisper"]
    window = AuditQuery(since=T0 + timedelta(seconds=1), until=T0 + timedelta(seconds=3))
    assert actions(find(dsn, window)) == ["supervision.whisper", "call.move"]
    first = find(dsn, AuditQuery(limit=2))
    rest = find(dsn, AuditQuery(limit=2, before=first[-1].id))
    assert actions(first + rest) == actions(find(dsn, AuditQuery()))


def test_the_log_is_append_only(dsn: str) -> None:
    written(dsn)
    for sql in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log",
                "TRUNCATE audit_log"):  # fmt: skip
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            run_async(execute(dsn, sql))
    assert len(find(dsn, AuditQuery())) == len(ENTRIES)


def test_an_entry_the_store_would_refuse_is_refused_before_it_is_queued() -> None:
    with pytest.raises(StoreRejected, match="naive"):
        AppendAuditOp(AuditEntry(T0.replace(tzinfo=None), "sup", "supervisor", "x", "y", "z"))
    with pytest.raises(StoreRejected, match="1 to 200"):
        AppendAuditOp(AuditEntry(T0, "", "supervisor", "agent.ready", "agent", "agent1"))


def test_hidden_actions_are_left_out_exactly_or_by_prefix(dsn: str) -> None:
    written(dsn)
    hidden = find(dsn, AuditQuery(hidden=("agent.", "call.move")))
    assert actions(hidden) == ["supervision.whisper"]
    assert actions(find(dsn, AuditQuery(action="agent.", hidden=("agent.pause",)))) == [
        "agent.logout"
    ]
