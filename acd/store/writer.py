"""Store writes off the runtime's path: queued in order, written in batches by one task.

The runtime's event loop step must never wait on the database, and no write may be lost
or reordered. So ``submit(op)`` only appends to memory; a single task takes the writes in
order, up to ``batch_size`` at a time (waiting ``batch_wait``, 50 ms, for more when fewer
wait: under load a batch of a few writes costs little more than one), and writes each batch
in one transaction, retried with capped exponential backoff for as long
as the database is unavailable. One writer, one batch in flight: order is kept.

Every write gets an id when submitted (the writer's boot id and a sequence number). Events,
agent states, voice messages and callback attempts are inserted with it, ON CONFLICT DO
NOTHING; contacts, callbacks and IVR walks are upserts: a batch written twice (the
connection dropped after the server committed it, or a replay after a crash) adds no row
twice.

Nothing lost while PostgreSQL is away (given ``spill_dir``, the data directory): once the
database has been away for ``spill_after`` seconds, or when ``max_backlog`` writes wait in
memory, the waiting writes are appended to the spill file (``acd.store.spill``, one JSON
line each, fsynced). Everything in the file is older than everything in memory, so the
file is written back first, in order, when the database answers again, then removed; a
file left by a crash is written back first at the next start. ``close()`` flushes for at
most ``close_within`` seconds and puts the rest in the file.

Errors (see ``acd.store.errors``):

    StoreError          submit() after close(), or flush() on a writer that died
     +-- WriterFull     submit() with memory full and no spill file (or a file that cannot
                        be written: disk full)
     +-- StoreRejected  raised by an operation's constructor for data the store would
                        refuse (naive datetime): the caller hears it, not the log

A write the store rejects anyway (StoreRejected or any non-transient error, or one JSON
cannot hold when spilled) is not retried: it is logged with its content, counted in
``rejected_total`` and the last ``rejected_kept`` are kept in ``rejected``.

``database_available`` is what the writer last learned of the database: False from a write
that found it unavailable until one goes through (or is rejected: the database answered);
with nothing to write, it asks the database every ``probe_every`` seconds. ``backlog``
says how much is waiting, ``spilled`` how much of it is in the file.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import asyncpg

from acd.core.contact import Contact, EndCause
from acd.store.audit import AppendAuditOp
from acd.store.callbacks import SaveCallbackAttemptOp, SaveCallbackOp
from acd.store.errors import StoreError, StoreUnavailable, WriterFull
from acd.store.ivr import CloseVoiceMessageOp, SaveVoiceMessageOp, SaveWalkOp
from acd.store.spill import FILE_NAME, SpillFile, encode
from acd.store.store import (
    AGENT_STATE_STATEMENT,
    CONTACT_STATEMENT,
    EVENT_STATEMENT,
    Store,
    check_contact,
    contact_row,
    insert_agent_state,
    insert_event,
    require_aware,
    upsert_contact,
)

log = logging.getLogger(__name__)


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat()


def _time(s: str | None) -> datetime | None:
    return None if s is None else datetime.fromisoformat(s)


@dataclass(frozen=True, slots=True)
class SaveContactOp:
    contact: Contact

    def __post_init__(self) -> None:
        check_contact(self.contact)

    statement: ClassVar[str] = CONTACT_STATEMENT  # an upsert: idempotent without the id
    log_only: ClassVar[bool] = False

    def row(self, write_id: str) -> tuple[Any, ...]:
        return tuple(contact_row(self.contact))

    async def write(self, conn: asyncpg.Connection, write_id: str) -> None:
        await upsert_contact(conn, self.contact)

    def to_json(self) -> dict[str, Any]:
        values = {f.name: getattr(self.contact, f.name) for f in fields(Contact)}
        return {name: _iso(v) if isinstance(v, datetime) else list(v) if isinstance(v, tuple)
                else v for name, v in values.items()}  # fmt: skip

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SaveContactOp:
        values: dict[str, Any] = {}
        for f in fields(Contact):
            v, kind = d.get(f.name), str(f.type)
            if "datetime" in kind:
                v = _time(v)
            elif "tuple" in kind:
                v = tuple(v or ())
            elif "EndCause" in kind and v is not None:
                v = EndCause(v)
            if f.name in d or "datetime" in kind:
                values[f.name] = v
        return cls(Contact(**values))


@dataclass(frozen=True, slots=True)
class AppendEventOp:
    at: datetime
    kind: str
    payload: Mapping[str, Any] = field(default_factory=dict)  # owned by the op from now on
    contact_id: str | None = None

    def __post_init__(self) -> None:
        require_aware(self.at, f"event {self.kind}")

    statement: ClassVar[str] = EVENT_STATEMENT
    log_only: ClassVar[bool] = True  # the event log: no trigger, no other table reads it

    def row(self, write_id: str) -> tuple[Any, ...]:
        return (self.at, self.contact_id, self.kind, json.dumps(self.payload), write_id)

    async def write(self, conn: asyncpg.Connection, write_id: str) -> None:
        await insert_event(conn, self.at, self.kind, self.payload, self.contact_id, write_id)

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "kind": self.kind, "payload": self.payload,
                "contact_id": self.contact_id}  # fmt: skip

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> AppendEventOp:
        return cls(datetime.fromisoformat(d["at"]), d["kind"], d["payload"], d["contact_id"])


@dataclass(frozen=True, slots=True)
class RecordAgentStateOp:
    agent_id: str
    state: str
    reason: str
    at: datetime

    def __post_init__(self) -> None:
        require_aware(self.at, f"agent {self.agent_id} state {self.state}")

    statement: ClassVar[str] = AGENT_STATE_STATEMENT  # its trigger reads the contacts
    log_only: ClassVar[bool] = False

    def row(self, write_id: str) -> tuple[Any, ...]:
        return (self.agent_id, self.state, self.reason, self.at, write_id)

    async def write(self, conn: asyncpg.Connection, write_id: str) -> None:
        await insert_agent_state(conn, self.agent_id, self.state, self.reason, self.at, write_id)

    def to_json(self) -> dict[str, Any]:
        return {"agent_id": self.agent_id, "state": self.state, "reason": self.reason,
                "at": self.at.isoformat()}  # fmt: skip

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> RecordAgentStateOp:
        return cls(d["agent_id"], d["state"], d["reason"], datetime.fromisoformat(d["at"]))


WriteOp = (
    SaveContactOp
    | AppendEventOp
    | RecordAgentStateOp
    | SaveWalkOp
    | SaveVoiceMessageOp
    | CloseVoiceMessageOp
    | AppendAuditOp
    | SaveCallbackOp
    | SaveCallbackAttemptOp
)
# The name of each kind of write in the spill file (stable: files outlive a version).
KINDS: dict[str, type[WriteOp]] = {
    "contact": SaveContactOp,
    "event": AppendEventOp,
    "agent_state": RecordAgentStateOp,
    "walk": SaveWalkOp,
    "voice_message": SaveVoiceMessageOp,
    "audit": AppendAuditOp,
    "callback": SaveCallbackOp,
    "callback_attempt": SaveCallbackAttemptOp,
    "voice_message_handled": CloseVoiceMessageOp,
}
_KIND_OF = {cls: kind for kind, cls in KINDS.items()}


def decode(kind: str, values: dict[str, Any]) -> WriteOp:
    return KINDS[kind].from_json(values)


Entry = tuple[str, WriteOp]  # (write id, op)


class StoreWriter:
    """Must be created inside the running event loop (it starts its task at once).

    ``spill_dir``: where the spill file lives (the data directory); None: no file, and
    ``submit`` refuses (WriterFull) once ``max_backlog`` writes wait in memory.
    """

    def __init__(
        self,
        store: Store,
        *,
        max_backlog: int = 100_000,
        retry_initial: float = 0.1,
        retry_max: float = 5.0,
        spill_dir: Path | None = None,
        spill_after: float = 2.0,
        batch_size: int = 200,
        batch_wait: float = 0.05,  # a bigger batch costs the engine and the database less
        close_within: float = 5.0,
        probe_every: float = 5.0,
        rejected_kept: int = 100,
    ) -> None:
        self._store = store
        self._memory: deque[Entry] = deque()
        self._max_backlog = max_backlog
        # Warn once when 80% full, and again only after it has drained below half.
        self._warn_at = max(1, max_backlog * 4 // 5)
        self._calm_at = max_backlog // 2
        self._warned = False
        self._retry_initial = retry_initial
        self._retry_max = retry_max
        self._spill = None if spill_dir is None else SpillFile(spill_dir / FILE_NAME, decode)
        self._spill_after = spill_after
        self._batch_size = batch_size
        self._batch_wait = batch_wait
        self._close_within = close_within
        self._probe_every = probe_every
        self._boot = secrets.token_hex(6)  # write ids: unique across restarts
        self._seq = 0
        left = self._spill.pending if self._spill else 0  # a crash's spill file: first
        if left:
            log.warning("store spill file %s holds %d writes: written first", FILE_NAME, left)
        self._submitted = left
        self._done = 0  # written or rejected; done in submit order
        self._arrived = asyncio.Event()
        self._progress = asyncio.Condition()
        self._closed = False  # close() called: submit() refuses
        self._stopped = False  # the task has ended: nothing more will be written
        self._in_flight: list[Entry] = []  # taken from memory, being written
        self.rejected: deque[tuple[WriteOp, StoreError]] = deque(maxlen=rejected_kept)
        self.rejected_total = 0
        self.database_available = True
        self._task = asyncio.get_running_loop().create_task(self._run(), name="store-writer")

    @property
    def backlog(self) -> int:
        """Writes submitted (or left in a spill file) and not yet written, the spilled ones
        and the batch in flight included."""
        return self._submitted - self._done

    @property
    def spilled(self) -> int:
        """Writes in the spill file, waiting to be replayed."""
        return self._spill.pending if self._spill else 0

    def submit(self, op: WriteOp) -> None:
        """Queue ``op`` behind everything submitted before it. Never blocks on the database:
        with memory full, the waiting writes go to the spill file (fsynced) first."""
        if self._closed or self._stopped:
            raise StoreError(f"store writer is closed: {op!r} not taken")
        if len(self._memory) >= self._max_backlog:
            if self._spill is None or not self._spill_out(list(self._memory)):
                log.error(
                    "store writer backlog full (%d operations): refusing a %s",
                    self.backlog,
                    type(op).__name__,
                )  # (its repr holds callers' numbers)
                raise WriterFull(f"{self._max_backlog} store writes already waiting")
            self._memory.clear()
        self._seq += 1
        self._memory.append((f"{self._boot}-{self._seq}", op))
        self._submitted += 1
        self._arrived.set()
        if not self._warned and len(self._memory) >= self._warn_at:
            self._warned = True
            log.warning(
                "store writer backlog near full: %d of %d operations waiting in memory "
                "(database slow or down?); %s",
                len(self._memory),
                self._max_backlog,
                "then they go to the spill file" if self._spill else "then submit() refuses",
            )

    async def flush(self) -> None:
        """Return when everything submitted before this call is written (or rejected)."""
        target = self._submitted
        async with self._progress:
            await self._progress.wait_for(lambda: self._done >= target or self._stopped)
        if self._done < target:
            raise StoreError(f"store writer stopped with {target - self._done} writes pending")

    async def close(self) -> None:
        """Refuse new operations, flush for at most ``close_within`` seconds, stop the task,
        and put what is left in the spill file (replayed at the next start). Cancelled, it
        stops at once."""
        self._closed = True
        try:
            await asyncio.wait_for(self.flush(), self._close_within)
        except (TimeoutError, StoreError) as exc:
            log.warning("store writer not flushed at close: %s", exc or "time out")
        finally:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            left = self._in_flight + list(self._memory)
            self._in_flight, self._memory = [], deque()
            if left and self._spill is not None and self._spill_out(left):
                log.warning("store writer stopped: %d writes kept in the spill file %s",
                            len(left), self._spill.path)  # fmt: skip
            elif self.backlog - self.spilled:
                log.error("store writer stopped with %d writes not saved",
                          self.backlog - self.spilled)  # fmt: skip

    def _spill_out(self, entries: list[Entry]) -> bool:
        """Append ``entries`` to the spill file; False (logged) if the file cannot take them.
        A write JSON cannot hold is rejected here."""
        assert self._spill is not None
        lines = []
        for write_id, op in entries:
            try:
                lines.append(encode(write_id, _KIND_OF[type(op)], op.to_json()))
            except (TypeError, ValueError) as exc:
                self._reject(op, exc)
                self._done += 1
        try:
            self._spill.append(lines)
        except OSError as exc:
            log.error("store spill file %s not written: %s", self._spill.path, exc)
            return False
        return True

    async def _run(self) -> None:
        try:
            while True:
                if self._spill is not None and self._spill.pending:
                    await self._replay_some()
                elif self._memory:
                    await self._write_from_memory()
                else:
                    await self._idle()
                if self._warned and len(self._memory) <= self._calm_at:
                    self._warned = False
                    log.info("store writer backlog back to %d operations", len(self._memory))
        finally:
            self._stopped = True
            await self._notify()  # wake flush() waiters: they must not wait for a dead task

    async def _idle(self) -> None:
        """Wait for a write; with none for ``probe_every`` seconds, ask the database whether
        it answers (``database_available`` then stays true to it)."""
        self._arrived.clear()
        try:
            await asyncio.wait_for(self._arrived.wait(), self._probe_every)
        except TimeoutError:
            try:
                await self._store.ping()
            except StoreError as exc:
                if self.database_available:
                    log.warning("database unavailable (no writes waiting): %s", exc)
                self.database_available = False
            else:
                if not self.database_available:
                    log.info("database back (no writes were waiting)")
                self.database_available = True

    async def _write_from_memory(self) -> None:
        if len(self._memory) < self._batch_size and self._batch_wait:
            await asyncio.sleep(self._batch_wait)  # a few more make the batch cheaper
        count = min(self._batch_size, len(self._memory))
        self._in_flight = [self._memory.popleft() for _ in range(count)]
        await self._deliver(self._in_flight, from_file=False)
        self._in_flight = []  # (not on cancel: close() spills them)

    async def _replay_some(self) -> None:
        assert self._spill is not None
        entries, end, bad = self._spill.read(self._batch_size)
        await self._count_done(bad)
        await self._deliver(entries, from_file=True)
        self._spill.replayed(end, len(entries) + bad)

    async def _deliver(self, entries: list[Entry], *, from_file: bool) -> None:
        """Write ``entries`` in order, one transaction for all, retried while the database
        is away. A rejected batch is written again one by one, so only the bad write is set
        aside. Past ``spill_after`` seconds away, the memory goes to the spill file (the
        batch too, if it came from memory: the file is then written first)."""
        delay, failed_since, one_by_one, i = self._retry_initial, None, False, 0
        while i < len(entries):
            chunk = entries[i : i + 1] if one_by_one else entries[i:]
            try:
                await self._store.write_batch(chunk)
            except StoreUnavailable as exc:
                self.database_available = False
                if failed_since is None:
                    failed_since = time.monotonic()
                    log.warning("database unavailable, holding store writes: %s", exc)
                elif time.monotonic() - failed_since >= self._spill_after and self._spill_away(
                    [] if from_file else entries[i:]
                ):
                    return  # the rest of the batch is in the file: written from there
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._retry_max)
                continue
            except Exception as exc:  # one bad write must not stop the ones behind it
                if len(chunk) > 1:
                    one_by_one = True
                    continue
                self._reject(chunk[0][1], exc)
            self.database_available = True
            if failed_since is not None:
                log.info("database back after %.1fs", time.monotonic() - failed_since)
                failed_since = None
            i += len(chunk)
            await self._count_done(len(chunk))

    def _spill_away(self, batch: list[Entry]) -> bool:
        """Memory (behind ``batch``, taken from it) to the spill file; True if ``batch`` is
        there now."""
        if self._spill is None or not (batch or self._memory):
            return False
        if not self._spill_out(batch + list(self._memory)):
            return False
        self._memory.clear()
        return bool(batch)

    def _reject(self, op: WriteOp, exc: BaseException) -> None:
        error = exc if isinstance(exc, StoreError) else StoreError(repr(exc))
        log.error("store write rejected, not retried: a %s: %s", type(op).__name__, exc,
                  exc_info=exc)  # fmt: skip
        self.rejected.append((op, error))
        self.rejected_total += 1

    async def _count_done(self, n: int) -> None:
        if n:
            self._done += n
            async with self._progress:
                self._progress.notify_all()

    async def _notify(self) -> None:
        async with self._progress:
            self._progress.notify_all()
