"""The desk's store against a real PostgreSQL: every agent who answered a contact (a
transfer: two) records its own disposition and notes, and sees the call among its own."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from acd.store.desk import DeskStore, PastContact
from acd.store.store import Store
from tests.integration.store.helpers import T0, fetch, full_contact, run_async


def test_each_agent_of_a_transferred_contact_records_its_own_disposition(dsn: str) -> None:
    first = replace(full_contact("k1"), agent_id="agent1", ended_at=None, outcome=None)
    second = replace(first, agent_id="agent2")  # the colleague answered after a transfer
    ended = replace(second, ended_at=T0 + timedelta(minutes=5), outcome="answered")

    async def scenario() -> tuple[list[bool], list[list[PastContact]], PastContact | None]:
        store = await Store.connect(dsn)
        try:
            for contact in (first, second, ended):
                await store.save_contact(contact)
            desk = DeskStore(store.pool)
            at = T0 + timedelta(minutes=6)
            mine = await desk.record_disposition("k1", "agent1", "transferred", "to A2", at)
            theirs = await desk.record_disposition("k1", "agent2", "solved", "done", at)
            stranger = await desk.record_disposition("k1", "agent3", "solved", "", at)
            calls = [await desk.agent_calls(a, T0) for a in ("agent1", "agent2", "agent3")]
            return [mine, theirs, stranger], calls, await desk.contact("k1")
        finally:
            await store.close()

    recorded, calls, contact = run_async(scenario())
    assert recorded == [True, True, False]  # agent3 never answered it
    ones, twos, threes = calls
    assert [(c.agent_id, c.disposition, c.notes) for c in ones] == [
        ("agent1", "transferred", "to A2")
    ]
    assert [(c.agent_id, c.disposition, c.notes) for c in twos] == [("agent2", "solved", "done")]
    assert threes == []
    assert contact is not None
    assert (contact.agent_id, contact.disposition) == ("agent2", "solved")  # the latest


def test_an_answered_contact_saved_has_its_handling(dsn: str) -> None:
    async def scenario() -> list[tuple[str, str]]:
        store = await Store.connect(dsn)
        try:
            await store.save_contact(full_contact("k2"))
            rows = await fetch(dsn, "SELECT contact_id, agent_id FROM contact_handlings")
            return [(r["contact_id"], r["agent_id"]) for r in rows]
        finally:
            await store.close()

    assert run_async(scenario()) == [("k2", "agent-7")]
