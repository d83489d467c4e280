"""The callbacks' tables: a callback upserted at each change and read back while pending (at
its contact's first entry), its attempts exactly once through retries and the spill file,
and ``close_unended`` leaving a pending callback's contact open."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta

from acd.core.callback import (
    AttemptRecord,
    AttemptResult,
    CallbackOrigin,
    CallbackOutcome,
    CallbackRecord,
    CallbackState,
)
from acd.store.callbacks import (
    CallbackStore,
    PendingCallback,
    SaveCallbackAttemptOp,
    SaveCallbackOp,
)
from acd.store.store import Store, Write
from acd.store.writer import KINDS, SaveContactOp
from tests.integration.store.helpers import T0, fetch, full_contact, run_async

RECORD = CallbackRecord("c1", "urp", "+393331234567", "en", 1.5, "lang.en >= 1",
                        T0 + timedelta(seconds=90), CallbackState.LIVE, 0, None, None)  # fmt: skip
ATTEMPT = AttemptRecord("c1", 1, "agent1", T0 + timedelta(minutes=5),
                        T0 + timedelta(minutes=6), AttemptResult.BUSY)  # fmt: skip


def open_contact(contact_id: str) -> SaveContactOp:
    c = full_contact(contact_id)
    return SaveContactOp(replace(c, answered_at=None, ended_at=None, agent_id=None, outcome=None))


def test_a_callback_is_upserted_and_read_back_while_pending(dsn: str) -> None:
    waiting = replace(RECORD, state=CallbackState.DEFERRED, attempts=1,
                      due=T0 + timedelta(minutes=16), agent_id="agent1")  # fmt: skip
    done = replace(RECORD, call_id="c2", state=CallbackState.DONE,
                   outcome=CallbackOutcome.CANCELLED, ended_at=T0 + timedelta(hours=1))  # fmt: skip
    orphan = replace(RECORD, call_id="c3")  # its contact not written (yet)
    web = replace(RECORD, call_id="c4", state=CallbackState.DEFERRED, origin=CallbackOrigin.WEB,
                  note="carta d'identità", scheduled_for=T0 + timedelta(days=1))  # fmt: skip

    async def go() -> tuple[list[PendingCallback], list[CallbackRecord | None]]:
        store = await Store.connect(dsn)
        try:
            ops: list[Write] = [open_contact("c1"), SaveCallbackOp(RECORD), SaveCallbackOp(waiting),
                   SaveCallbackOp(done), SaveCallbackOp(orphan), SaveCallbackOp(web)]  # fmt: skip
            await store.write_batch([(f"w{i}", op) for i, op in enumerate(ops)])
            callbacks = CallbackStore(store.pool)
            return await callbacks.pending(), [await callbacks.one(c) for c in ("c2", "c9")]
        finally:
            await store.close()

    found, (ended, unknown) = run_async(go())
    assert unknown is None
    assert ended is not None
    assert (ended.outcome, ended.ended_at) == (CallbackOutcome.CANCELLED, done.ended_at)
    assert [p.record.call_id for p in found] == ["c1", "c3", "c4"]
    first, second, third = found
    assert first.record == replace(waiting, requested_at=waiting.requested_at.astimezone(UTC),
                                   due=(T0 + timedelta(minutes=16)).astimezone(UTC))  # fmt: skip
    assert first.entered_at == T0 + timedelta(seconds=20)  # its contact's first entry
    assert second.entered_at == orphan.requested_at  # no contact: when it asked
    assert third.entered_at == T0 + timedelta(days=1)  # scheduled: its time
    assert (third.record.origin, third.record.note) == (CallbackOrigin.WEB, "carta d'identità")


def test_attempts_are_kept_once_through_a_retry_and_the_spill_file(dsn: str) -> None:
    scheduled = replace(RECORD, due=T0, origin=CallbackOrigin.AGENT, note="n", scheduled_for=T0)
    for op in (SaveCallbackOp(scheduled), SaveCallbackAttemptOp(ATTEMPT)):
        kind = next(k for k, cls in KINDS.items() if cls is type(op))
        assert KINDS[kind].from_json(op.to_json()) == op  # the spill file's round trip

    async def go() -> int:
        store = await Store.connect(dsn)
        try:
            batch: list[tuple[str, Write]] = [
                ("b1-1", SaveCallbackAttemptOp(ATTEMPT)),
                ("b1-2", SaveCallbackOp(RECORD)),
            ]
            await store.write_batch(batch)
            await store.write_batch(batch)  # the same batch again (a replay)
            again = replace(ATTEMPT, result=AttemptResult.ANSWERED)
            await store.write_batch([("b1-3", SaveCallbackAttemptOp(again))])
            rows = await fetch(dsn, "SELECT count(*) AS n FROM callback_attempts")
            assert [a.result for a in await CallbackStore(store.pool).attempts("c1")] == [
                AttemptResult.BUSY, AttemptResult.ANSWERED]  # fmt: skip
            return int(rows[0]["n"])
        finally:
            await store.close()

    assert run_async(go()) == 2


def test_close_unended_leaves_a_pending_callbacks_contact_open(dsn: str) -> None:
    async def go() -> list[str]:
        store = await Store.connect(dsn)
        try:
            ended = replace(RECORD, call_id="c2", state=CallbackState.DONE,
                            outcome=CallbackOutcome.FAILED, ended_at=T0)  # fmt: skip
            ops: list[Write] = [open_contact("c1"), open_contact("c2"), open_contact("c3"),
                   SaveCallbackOp(RECORD), SaveCallbackOp(ended)]  # fmt: skip
            await store.write_batch([(f"w{i}", op) for i, op in enumerate(ops)])
            later = T0 + timedelta(hours=1)
            closed = await store.close_unended(frozenset(), later, later, "engine-restart")
            return sorted(c.contact_id for c in closed)
        finally:
            await store.close()

    assert run_async(go()) == ["c2", "c3"]


def test_the_callbacks_ended_since_a_time_in_the_order_they_ended(dsn: str) -> None:
    """What the wallboard's day reads back at a start (``callbacks_ended_at_idx``)."""

    def ended(call_id: str, minutes: int, outcome: CallbackOutcome) -> CallbackRecord:
        return replace(RECORD, call_id=call_id, state=CallbackState.DONE, outcome=outcome,
                       ended_at=T0 + timedelta(minutes=minutes))  # fmt: skip

    records = [ended("c4", 30, CallbackOutcome.FAILED), ended("c2", 10, CallbackOutcome.ANSWERED),
               ended("c3", -10, CallbackOutcome.ANSWERED), RECORD]  # fmt: skip

    async def go() -> list[CallbackRecord]:
        store = await Store.connect(dsn)
        try:
            ops: list[Write] = [SaveCallbackOp(r) for r in records]
            await store.write_batch([(f"w{i}", op) for i, op in enumerate(ops)])
            async with store.pool.acquire() as conn:  # a tiny table: seq scans off to ask
                await conn.execute("SET enable_seqscan = off")
                plan = await conn.fetch("EXPLAIN SELECT * FROM callbacks WHERE ended_at >= $1", T0)
                await conn.execute("RESET enable_seqscan")
            assert "callbacks_ended_at_idx" in str([dict(r) for r in plan])
            return await CallbackStore(store.pool).ended_since(T0)
        finally:
            await store.close()

    found = run_async(go())
    assert [(r.call_id, r.outcome) for r in found] == [
        ("c2", CallbackOutcome.ANSWERED), ("c4", CallbackOutcome.FAILED)]  # fmt: skip
