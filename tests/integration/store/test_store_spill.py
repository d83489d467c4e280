"""Nothing lost while PostgreSQL is away: the writer's spill file, a crash, a replay.

Each test runs its own embedded PostgreSQL, stopped and started again under the writer.
Rows are counted by write id: every write is in the database exactly once, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from acd.store.embedded import EmbeddedPostgres
from acd.store.spill import FILE_NAME
from acd.store.store import Store
from acd.store.writer import RecordAgentStateOp, StoreWriter
from tests.integration.store.helpers import T0, fetch, run_async
from tests.integration.store.test_store_writer import event, logged_numbers


def fast(store: Store, data: Path, **more: float) -> StoreWriter:
    """Short retries and grace; ``more``: other StoreWriter figures."""
    figures = {"retry_initial": 0.02, "retry_max": 0.1, "spill_after": 0.2, "probe_every": 0.2}
    return StoreWriter(store, spill_dir=data, **{**figures, **more})  # type: ignore[arg-type]


async def once_each(dsn: str) -> None:
    """No write id twice, none missing from the numbers' sequence."""
    rows = await fetch(dsn, "SELECT write_id, count(*) AS n FROM contact_events GROUP BY 1")
    assert all(r["n"] == 1 for r in rows)
    numbers = await logged_numbers(dsn)
    assert numbers == list(range(len(numbers)))


def test_writes_spill_while_postgres_is_away_and_come_back_in_order(tmp_path: Path) -> None:
    pg, data = EmbeddedPostgres(tmp_path / "pg"), tmp_path / "data"
    dsn = pg.start()

    async def scenario() -> None:
        store = await Store.connect(dsn)
        writer = fast(store, data, max_backlog=50)
        writer.submit(event(0))
        await writer.flush()
        await asyncio.to_thread(pg.stop)
        for i in range(1, 301):
            writer.submit(event(i))  # memory full at 50: the file takes them, never refused
            if i % 100 == 0:
                writer.submit(RecordAgentStateOp("a7", "ready", "", T0))
                await asyncio.sleep(0.3)
        await asyncio.sleep(0.5)
        assert not writer.database_available
        assert writer.backlog == 303
        assert writer.spilled == 303  # past the grace all of it is on disk
        assert (data / FILE_NAME).stat().st_mode & 0o777 == 0o600
        assert await asyncio.to_thread(pg.start) == dsn
        await writer.flush()
        assert (writer.backlog, writer.spilled, writer.database_available) == (0, 0, True)
        assert not (data / FILE_NAME).exists()
        await writer.close()
        await store.close()

    try:
        run_async(scenario(), timeout=60)
        assert run_async(logged_numbers(dsn)) == list(range(301))
        run_async(once_each(dsn))
        assert len(run_async(fetch(dsn, "SELECT 1 FROM agent_states"))) == 3
    finally:
        pg.stop()


def test_close_while_postgres_is_away_is_bounded_and_the_next_start_replays(
    tmp_path: Path,
) -> None:
    pg, data = EmbeddedPostgres(tmp_path / "pg"), tmp_path / "data"
    dsn = pg.start()

    async def first_run() -> float:
        store = await Store.connect(dsn)
        writer = fast(store, data, close_within=1.0, spill_after=60)
        await asyncio.to_thread(pg.stop)
        for i in range(100):
            writer.submit(event(i))
        started = time.monotonic()
        await writer.close()  # nothing spilled yet (60 s grace): close puts it in the file
        store._pool.terminate()
        assert writer.spilled == 100
        return time.monotonic() - started

    async def second_run() -> None:
        store = await Store.connect(dsn)
        writer = fast(store, data)
        assert writer.backlog == 100
        await writer.flush()  # the file left behind is written first
        await writer.close()
        await store.close()

    try:
        assert run_async(first_run()) < 3
        pg.start()
        run_async(second_run())
        assert run_async(logged_numbers(dsn)) == list(range(100))
        assert not (data / FILE_NAME).exists()
    finally:
        pg.stop()


_CRASHING = textwrap.dedent("""
    import asyncio, sys
    from pathlib import Path
    from acd.store.store import Store
    from acd.store.writer import StoreWriter
    from tests.integration.store.test_store_writer import event

    async def main() -> None:
        store = await Store.connect(sys.argv[1])
        writer = StoreWriter(store, spill_dir=Path(sys.argv[2]), retry_initial=0.02,
                             retry_max=0.05, spill_after=0.1, batch_size=7)
        print("ready", flush=True)
        i = 0
        while True:  # until killed
            writer.submit(event(i))
            i += 1
            await asyncio.sleep(0.002)

    asyncio.run(main())
""")


def test_a_kill_during_the_spill_and_one_during_the_replay_duplicate_nothing(
    tmp_path: Path,
) -> None:
    pg, data = EmbeddedPostgres(tmp_path / "pg"), tmp_path / "data"
    dsn = pg.start()
    env = {**os.environ, "PYTHONPATH": str(Path.cwd())}
    child = subprocess.Popen([sys.executable, "-c", _CRASHING, dsn, str(data)],
                             stdout=subprocess.PIPE, env=env)  # fmt: skip
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(0.5)  # some written
        pg.stop()
        time.sleep(1.5)  # some spilled
        child.send_signal(signal.SIGKILL)  # a crash, mid-spill
        child.wait(10)
        spilled = (data / FILE_NAME).read_bytes().count(b"\n")
        assert spilled > 20
        pg.start()

        async def replay(crash_after: float | None) -> None:
            store = await Store.connect(dsn)
            writer = fast(store, data, batch_size=5)
            if crash_after is None:
                await writer.flush()
                await writer.close()
            else:  # a second crash, mid-replay: once a first batch is written (not on a
                # timer: a fast replay would be over), the file stays, partly written
                async with writer._progress:
                    waiting = writer._progress.wait_for(lambda: writer._done > 0)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(waiting, crash_after)
                writer._task.cancel()
                await asyncio.gather(writer._task, return_exceptions=True)
                assert (data / FILE_NAME).exists()
            await store.close()

        run_async(replay(crash_after=5.0))
        run_async(replay(crash_after=None))
        assert not (data / FILE_NAME).exists()
        run_async(once_each(dsn))  # what the crash kept in memory only is the one loss
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.stdout is not None:
            child.stdout.close()
        pg.stop()
