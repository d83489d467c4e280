"""Store writes off the runtime's path: queued in order, written by one background task.

The runtime's event loop step must never wait on the database, and no write may be lost
or reordered. So ``submit(op)`` only appends to a bounded queue; a single task takes the
operations one at a time and retries the one at the head, with capped exponential
backoff, for as long as the database is unavailable. One writer, one in flight: order is
kept. Delivery is at least once: if the connection drops after the server committed but
before it answered, the retry writes that operation again (harmless for save_contact, an
upsert; a duplicate row for an event or an agent state).

Errors (see ``acd.store.errors``):

    StoreError          submit() after close(), or flush() on a writer that died
     +-- WriterFull     submit() when max_backlog operations are already waiting
     +-- StoreRejected  raised by an operation's constructor for data the store would
                        refuse (naive datetime): the caller hears it, not the log

An operation the store rejects anyway (StoreRejected or any non-transient error) is not
retried: it is logged with its content and kept in ``rejected``.

``database_available`` is what the writer last learned of the database: False from a write
that found it unavailable until one goes through (or is rejected: the database answered).
With nothing to write it keeps the last answer; ``backlog`` says how much is waiting.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from acd.core.contact import Contact
from acd.store.audit import AppendAuditOp
from acd.store.errors import StoreError, StoreUnavailable, WriterFull
from acd.store.ivr import SaveVoiceMessageOp, SaveWalkOp
from acd.store.store import Store, check_contact, require_aware

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SaveContactOp:
    contact: Contact

    def __post_init__(self) -> None:
        check_contact(self.contact)

    async def apply(self, store: Store) -> None:
        await store.save_contact(self.contact)


@dataclass(frozen=True, slots=True)
class AppendEventOp:
    at: datetime
    kind: str
    payload: Mapping[str, Any] = field(default_factory=dict)  # owned by the op from now on
    contact_id: str | None = None

    def __post_init__(self) -> None:
        require_aware(self.at, f"event {self.kind}")

    async def apply(self, store: Store) -> None:
        await store.append_event(self.at, self.kind, self.payload, self.contact_id)


@dataclass(frozen=True, slots=True)
class RecordAgentStateOp:
    agent_id: str
    state: str
    reason: str
    at: datetime

    def __post_init__(self) -> None:
        require_aware(self.at, f"agent {self.agent_id} state {self.state}")

    async def apply(self, store: Store) -> None:
        await store.record_agent_state(self.agent_id, self.state, self.reason, self.at)


WriteOp = (
    SaveContactOp
    | AppendEventOp
    | RecordAgentStateOp
    | SaveWalkOp
    | SaveVoiceMessageOp
    | AppendAuditOp
)


class StoreWriter:
    """Must be created inside the running event loop (it starts its task at once)."""

    def __init__(
        self,
        store: Store,
        *,
        max_backlog: int = 100_000,
        retry_initial: float = 0.1,
        retry_max: float = 5.0,
    ) -> None:
        self._store = store
        self._queue: asyncio.Queue[WriteOp] = asyncio.Queue(max_backlog)
        self._max_backlog = max_backlog
        # Warn once when 80% full, and again only after it has drained below half.
        self._warn_at = max(1, max_backlog * 4 // 5)
        self._calm_at = max_backlog // 2
        self._warned = False
        self._retry_initial = retry_initial
        self._retry_max = retry_max
        self._submitted = 0
        self._done = 0  # written or rejected; operations are numbered in submit order
        self._progress = asyncio.Condition()
        self._closed = False  # close() called: submit() refuses
        self._stopped = False  # the task has ended: nothing more will be written
        self.rejected: list[tuple[WriteOp, StoreError]] = []
        self.database_available = True
        self._task = asyncio.get_running_loop().create_task(self._run(), name="store-writer")

    @property
    def backlog(self) -> int:
        """Operations submitted and not yet written (including the one in flight)."""
        return self._submitted - self._done

    def submit(self, op: WriteOp) -> None:
        """Queue ``op`` behind everything submitted before it. Never blocks."""
        if self._closed or self._stopped:
            raise StoreError(f"store writer is closed: {op!r} not taken")
        try:
            self._queue.put_nowait(op)
        except asyncio.QueueFull:
            log.error(
                "store writer backlog full (%d operations): refusing a %s",
                self.backlog,
                type(op).__name__,
            )  # (its repr holds callers' numbers)
            raise WriterFull(f"{self._max_backlog} store writes already waiting") from None
        self._submitted += 1
        if not self._warned and self._queue.qsize() >= self._warn_at:
            self._warned = True
            log.warning(
                "store writer backlog near full: %d of %d operations waiting (database slow "
                "or down?); submit() will refuse writes when full",
                self._queue.qsize(),
                self._max_backlog,
            )

    async def flush(self) -> None:
        """Return when everything submitted before this call is written (or rejected)."""
        target = self._submitted
        async with self._progress:
            await self._progress.wait_for(lambda: self._done >= target or self._stopped)
        if self._done < target:
            raise StoreError(f"store writer stopped with {target - self._done} writes pending")

    async def close(self) -> None:
        """Refuse new operations, flush, stop the task. Cancelled, it stops at once."""
        self._closed = True
        try:
            await self.flush()
        finally:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            if self.backlog:
                log.error("store writer stopped with %d writes not saved", self.backlog)

    async def _run(self) -> None:
        try:
            while True:
                op = await self._queue.get()
                await self._write(op)
                self._done += 1
                if self._warned and self._queue.qsize() <= self._calm_at:
                    self._warned = False
                    log.info("store writer backlog back to %d operations", self._queue.qsize())
                await self._notify()
        finally:
            self._stopped = True
            await self._notify()  # wake flush() waiters: they must not wait for a dead task

    async def _notify(self) -> None:
        async with self._progress:
            self._progress.notify_all()

    async def _write(self, op: WriteOp) -> None:
        delay = self._retry_initial
        failed_since: float | None = None
        while True:
            try:
                await op.apply(self._store)
            except StoreUnavailable as exc:
                self.database_available = False
                if failed_since is None:
                    failed_since = time.monotonic()
                    log.warning("database unavailable, holding store writes: %s", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._retry_max)
                continue
            except Exception as exc:  # one bad write must not stop the ones behind it
                error = exc if isinstance(exc, StoreError) else StoreError(repr(exc))
                log.error(
                    "store write rejected, not retried: a %s: %s",
                    type(op).__name__,
                    exc,
                    exc_info=exc,
                )
                self.rejected.append((op, error))
            self.database_available = True
            if failed_since is not None:
                log.info("database back after %.1fs", time.monotonic() - failed_since)
            return
