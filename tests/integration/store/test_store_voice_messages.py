"""Voice messages as tasks in the store (migration 028): kept with their service, path and
language, an empty one handled at once; handled once by an agent, its first handling kept;
those still to work read back at a start, the oldest first, an older row's service and
path taken from its call's contact; exactly once through retries and the spill file."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta

import pytest

from acd.store.ivr import CloseVoiceMessageOp, IvrStore, SaveVoiceMessageOp, StoredVoiceMessage
from acd.store.store import Store, Write
from acd.store.writer import KINDS, SaveContactOp
from tests.integration.store.helpers import T0, execute, fetch, full_contact, run_async

SPOOL = "/srv/spool/voice-messages"
MESSAGE = SaveVoiceMessageOp("c1", "3331234567", f"{SPOOL}/c1-1.wav", T0, "c1-1", "urp",
                             "en", ("1", "3"))  # fmt: skip
T1 = T0 + timedelta(minutes=1)
EMPTY = SaveVoiceMessageOp("c2", "3337654321", f"{SPOOL}/c2-vm1.wav", T1, "c2-vm1", "urp", "it",
                           (), T1, "empty")  # fmt: skip


def _store_ops(dsn: str, ops: list[Write]) -> list[StoredVoiceMessage]:
    async def go() -> list[StoredVoiceMessage]:
        store = await Store.connect(dsn)
        try:
            await store.write_batch([(f"w{i}", op) for i, op in enumerate(ops)])
            return await IvrStore(store.pool).unhandled_voice_messages()
        finally:
            await store.close()

    return run_async(go())


def test_a_message_is_kept_and_read_back_until_it_is_handled(dsn: str) -> None:
    found = _store_ops(dsn, [MESSAGE, EMPTY])
    assert [m.name for m in found] == ["c1-1"]  # the empty one was handled at once
    [message] = found
    assert message == StoredVoiceMessage("c1-1", "c1", "3331234567", f"{SPOOL}/c1-1.wav",
                                         T0.astimezone(UTC), "urp", "en", ("1", "3"), None,
                                         None, None)  # fmt: skip
    rows = run_async(fetch(dsn, "SELECT name, handled_at, handled_by, disposition FROM "
                                "voice_messages ORDER BY id"))  # fmt: skip
    assert [tuple(r) for r in rows] == [
        ("c1-1", None, None, None),
        ("c2-vm1", T0 + timedelta(minutes=1), None, "empty"),
    ]

    closed = T0 + timedelta(minutes=5)
    again = CloseVoiceMessageOp("c1-1", "agent2", "altro", closed + timedelta(minutes=1))
    found = _store_ops(dsn, [CloseVoiceMessageOp("c1-1", "agent1", "pratica avviata", closed),
                             again])  # fmt: skip
    assert found == []
    row = run_async(fetch(dsn, "SELECT handled_at, handled_by, disposition FROM voice_messages "
                               "WHERE name = 'c1-1'"))[0]  # fmt: skip
    assert tuple(row) == (closed, "agent1", "pratica avviata")  # the first handling is kept

    async def one(name: str) -> StoredVoiceMessage | None:
        store = await Store.connect(dsn)
        try:
            return await IvrStore(store.pool).voice_message(name)
        finally:
            await store.close()

    assert run_async(one("c1-1")).disposition == "pratica avviata"  # type: ignore[union-attr]
    assert run_async(one("nope")) is None


def test_an_older_message_takes_its_calls_service_and_path_and_a_gone_one_is_left(
    dsn: str,
) -> None:
    contact = replace(full_contact("c3"), outcome="voicemail")
    _store_ops(dsn, [SaveContactOp(contact)])
    for contact_id, file, minutes in (("c3", f"{SPOOL}/c3-1.wav", -10), ("c4", "", -20)):
        run_async(execute(dsn, "INSERT INTO voice_messages (contact_id, caller, file, "
                          "recorded_at) VALUES ($1, '3330000000', $2, $3)", contact_id, file,
                          T0 + timedelta(minutes=minutes)))  # fmt: skip
    found = _store_ops(dsn, [MESSAGE])
    assert [(m.contact_id, m.service, m.ivr_path) for m in found] == [
        ("c3", "anagrafe", ("main", "2", "anagrafe")),  # as its call's contact says
        ("c1", "urp", ("1", "3")),
    ]  # c4's recording is gone (expired, erased): nothing to work
    assert found[0].name.startswith("m")


def test_a_message_is_kept_once_through_retries_and_the_spill_file(dsn: str) -> None:
    close = CloseVoiceMessageOp("c1-1", "agent1", "callback", T0 + timedelta(minutes=3))
    for op in (MESSAGE, EMPTY, close):
        kind = next(k for k, cls in KINDS.items() if isinstance(op, cls))
        assert KINDS[kind].from_json(op.to_json()) == op
    old = {"call_id": "c5", "caller": "333", "file": f"{SPOOL}/c5-1.wav", "at": T0.isoformat()}
    assert SaveVoiceMessageOp.from_json(old) == SaveVoiceMessageOp(
        "c5", "333", f"{SPOOL}/c5-1.wav", T0
    )
    _store_ops(dsn, [MESSAGE, MESSAGE, SaveVoiceMessageOp.from_json(old)])  # w0, w1: same name
    _store_ops(dsn, [MESSAGE])  # w0 again: a batch replayed
    rows = run_async(fetch(dsn, "SELECT name FROM voice_messages ORDER BY id"))
    assert [r["name"] for r in rows] == ["c1-1", "c5-1"]  # an old line: the file's name


def test_the_recent_messages_are_read_newest_first_by_service_handled_or_not(dsn: str) -> None:
    """The supervisors' page (acd.web.voice_message_page): the last days' messages, handled
    or not, empty or not, an older row's service from its call's contact."""
    older = SaveVoiceMessageOp("c6", "3330000006", f"{SPOOL}/c6-1.wav", T0 - timedelta(days=8),
                               "c6-1", "urp", "it", ())  # fmt: skip
    other = SaveVoiceMessageOp("c7", "3330000007", f"{SPOOL}/c7-vm1.wav", T1, "c7-vm1",
                               "anagrafe", "it", ("2",))  # fmt: skip
    close = CloseVoiceMessageOp("c1-1", "agent1", "altro", T1 + timedelta(minutes=1))
    _store_ops(dsn, [older, MESSAGE, EMPTY, other, close])

    async def recent(service: str | None, closed: str | None = None,
                     limit: int = 500) -> list[StoredVoiceMessage]:  # fmt: skip
        store = await Store.connect(dsn)
        try:
            return await IvrStore(store.pool).recent_voice_messages(
                T0 - timedelta(days=7), service, limit, closed)  # fmt: skip
        finally:
            await store.close()

    every = run_async(recent(None))
    assert [(m.name, m.service, m.handled_by, m.disposition) for m in every] == [
        ("c7-vm1", "anagrafe", None, None),  # (same minute as c2-vm1: by name, newest first)
        ("c2-vm1", "urp", None, "empty"),
        ("c1-1", "urp", "agent1", "altro"),
    ]  # c6-1 is older than 7 days
    assert [m.name for m in run_async(recent("urp"))] == ["c2-vm1", "c1-1"]
    assert run_async(recent("nessuno")) == []
    # the kind asked before the limit: the newest handled one though two are newer
    assert [m.name for m in run_async(recent(None, "handled", limit=1))] == ["c1-1"]
    assert [m.name for m in run_async(recent(None, "empty"))] == ["c2-vm1"]
    assert [m.name for m in run_async(recent(None, "open"))] == ["c7-vm1"]
    with pytest.raises(ValueError, match="closed is one of"):
        run_async(recent(None, "worked"))
