"""StoreWriter: order kept, flush means written, a database restart loses nothing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import asyncpg
import pytest

from acd.store.embedded import EmbeddedPostgres
from acd.store.errors import StoreError, StoreRejected, WriterFull
from acd.store.store import Store
from acd.store.writer import AppendEventOp, RecordAgentStateOp, SaveContactOp, StoreWriter
from tests.integration.store.helpers import T0, fetch, full_contact, run_async

T = TypeVar("T")


def event(n: int) -> AppendEventOp:
    return AppendEventOp(T0 + timedelta(seconds=n), "Tick", {"n": n}, contact_id="c1")


async def logged_numbers(dsn: str) -> list[int]:
    rows = await fetch(dsn, "SELECT (payload->>'n')::int AS n FROM contact_events ORDER BY id")
    return [r["n"] for r in rows]


def with_writer(
    dsn: str, scenario: Callable[[StoreWriter], Awaitable[T]], max_backlog: int = 1000
) -> T:
    async def go() -> T:
        store = await Store.connect(dsn)
        writer = StoreWriter(store, max_backlog=max_backlog)
        try:
            return await scenario(writer)
        finally:
            await writer.close()
            await store.close()

    return run_async(go())


def test_writes_keep_submission_order_and_flush_waits_for_them(dsn: str) -> None:
    versions = [replace(full_contact("c1"), outcome=f"v{i}") for i in range(20)]

    async def scenario(writer: StoreWriter) -> list[int]:
        for i in range(200):
            writer.submit(event(i))  # synchronous: the caller never awaits the database
            if i % 10 == 0:
                writer.submit(SaveContactOp(versions[i // 10]))
        writer.submit(RecordAgentStateOp("a7", "ready", "", T0))
        await writer.flush()
        assert writer.backlog == 0
        return await logged_numbers(dsn)

    assert with_writer(dsn, scenario) == list(range(200))
    rows = run_async(fetch(dsn, "SELECT outcome FROM contacts"))
    assert [r["outcome"] for r in rows] == ["v19"]  # the last save won: upserts in order too
    assert len(run_async(fetch(dsn, "SELECT 1 FROM agent_states"))) == 1


def test_close_flushes_then_refuses_new_writes(dsn: str) -> None:
    async def scenario() -> StoreWriter:
        store = await Store.connect(dsn)
        writer = StoreWriter(store)
        for i in range(50):
            writer.submit(event(i))
        await writer.close()
        await store.close()
        return writer

    writer = run_async(scenario())
    assert run_async(logged_numbers(dsn)) == list(range(50))
    with pytest.raises(StoreError, match="closed"):
        writer.submit(event(50))


def test_a_rejected_write_is_set_aside_and_the_rest_go_on(
    dsn: str, caplog: pytest.LogCaptureFixture
) -> None:
    bad = AppendEventOp(T0, "Tick", {"n": object()})

    async def scenario(writer: StoreWriter) -> list[int]:
        writer.submit(event(1))
        writer.submit(bad)
        writer.submit(event(2))
        await writer.flush()
        assert [(op, type(err)) for op, err in writer.rejected] == [(bad, StoreRejected)]
        return await logged_numbers(dsn)

    with caplog.at_level(logging.ERROR, logger="acd.store.writer"):
        assert with_writer(dsn, scenario) == [1, 2]
    assert "store write rejected" in caplog.text


def test_naive_datetimes_are_refused_when_the_operation_is_made() -> None:
    with pytest.raises(StoreRejected, match="naive"):
        AppendEventOp(T0.replace(tzinfo=None), "Tick")
    with pytest.raises(StoreRejected, match="naive"):
        SaveContactOp(replace(full_contact(), ended_at=T0.replace(tzinfo=None)))


def test_a_full_backlog_refuses_loudly(dsn: str, caplog: pytest.LogCaptureFixture) -> None:
    async def scenario(writer: StoreWriter) -> list[int]:
        for i in range(5):  # no await in between: the writer task cannot drain yet
            writer.submit(event(i))
        with pytest.raises(WriterFull):
            writer.submit(event(5))
        await writer.flush()
        return await logged_numbers(dsn)

    with caplog.at_level(logging.WARNING, logger="acd.store.writer"):
        assert with_writer(dsn, scenario, max_backlog=5) == [0, 1, 2, 3, 4]
    assert "backlog near full" in caplog.text
    assert "backlog full" in caplog.text


def test_close_cancelled_while_the_database_is_down_stops_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        # min_size=0: the pool opens no connection until asked, and then cannot.
        pool = await asyncpg.create_pool(
            f"postgresql://postgres@/postgres?host={tmp_path}&port=5432", min_size=0
        )
        writer = StoreWriter(Store(pool), retry_initial=0.01, retry_max=0.05)
        writer.submit(event(1))
        flushing = asyncio.create_task(writer.flush())

        with pytest.raises(TimeoutError):
            await asyncio.wait_for(writer.close(), 0.2)
        with pytest.raises(StoreError, match="1 writes pending"):
            await flushing  # woken, not left waiting on a stopped writer
        await pool.close()

    with caplog.at_level(logging.WARNING, logger="acd.store.writer"):
        run_async(scenario())
    assert "database unavailable" in caplog.text
    assert "stopped with 1 writes not saved" in caplog.text


def test_writes_survive_a_database_restart(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pg = EmbeddedPostgres(tmp_path)
    dsn = pg.start()

    async def scenario() -> None:
        store = await Store.connect(dsn)
        writer = StoreWriter(store, retry_initial=0.02, retry_max=0.2)
        writer.submit(event(0))
        await writer.flush()
        assert writer.database_available

        await asyncio.to_thread(pg.stop)
        for i in range(1, 101):
            writer.submit(event(i))
        await asyncio.sleep(0.5)  # several failed attempts
        assert writer.backlog == 100
        assert not writer.database_available  # what /metrics says

        assert await asyncio.to_thread(pg.start) == dsn
        await writer.flush()
        assert writer.backlog == 0
        assert writer.database_available
        assert not writer.rejected
        await writer.close()
        await store.close()

    try:
        with caplog.at_level(logging.INFO, logger="acd.store.writer"):
            run_async(scenario())
        assert run_async(logged_numbers(dsn)) == list(range(101))
    finally:
        pg.stop()
    assert "database unavailable" in caplog.text
    assert "database back" in caplog.text
