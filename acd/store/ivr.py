"""The IVR's tables: walks (``ivr_sessions``, ``ivr_steps``), deposited acts, voice messages.

``IvrStore`` shares the ``Store``'s pool; like it, every coroutine translates asyncpg's
errors at the way out (``acd.store.errors``: StoreUnavailable, StoreRejected, StoreError).
Walks and voice messages are written through the ordered ``StoreWriter``
(``SaveWalkOp``, ``SaveVoiceMessageOp``, ``CloseVoiceMessageOp``, which it can spill to a
file as JSON and read back); lookups are read directly by the IVR runner.

A voice message is a task for its service's agents until it is handled (migration 028):
``SaveVoiceMessageOp`` inserts it (an empty one handled at once, as ``empty``),
``CloseVoiceMessageOp`` records who handled it and how; ``unhandled_voice_messages`` reads
back, at a start, those still to work (``acd.core.voice_message``); ``recent_voice_messages``
reads, for the supervisors' page (``acd.web.voice_message_page``), those of the last days.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import asyncpg

from acd.store.errors import translated
from acd.store.store import Executor, Store, require_aware
from ivr.acts import Act
from ivr.walk import SavedWalk, Visit

_SESSION = (
    "INSERT INTO ivr_sessions (contact_id, tree, language, outcome, left_at, started_at, "
    "ended_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (contact_id) DO UPDATE SET "
    "outcome = EXCLUDED.outcome, left_at = EXCLUDED.left_at, ended_at = EXCLUDED.ended_at"
)
_STEP = (
    "INSERT INTO ivr_steps (contact_id, seq, at, tree, node, entered, result) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING"
)
_ACT = (
    "INSERT INTO deposited_acts (number, addressee, deposited_on) VALUES ($1, $2, $3) "
    "ON CONFLICT (number) DO UPDATE SET addressee = EXCLUDED.addressee, "
    "deposited_on = EXCLUDED.deposited_on"
)


_MESSAGE = (
    "INSERT INTO voice_messages (contact_id, caller, file, recorded_at, write_id, name, service, "
    "language, ivr_path, handled_at, disposition) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING"
)
_CLOSE = (
    "UPDATE voice_messages SET handled_at = $2, handled_by = $3, disposition = $4 "
    "WHERE name = $1 AND handled_at IS NULL"
)
# A message's service and IVR path are its own since migration 028; older ones take their
# call's (a voicemail overflow's contact ended in the service whose queue it overflowed).
_STORED = """
SELECT v.name, v.contact_id, v.caller, v.file, v.recorded_at,
       coalesce(v.service, c.service, '') AS service, v.language,
       CASE WHEN cardinality(v.ivr_path) > 0 OR c.ivr_path IS NULL THEN v.ivr_path
            ELSE c.ivr_path END AS ivr_path,
       v.handled_at, v.handled_by, v.disposition
FROM voice_messages v LEFT JOIN contacts c ON c.contact_id = v.contact_id
"""


_CLOSED = {  # recent_voice_messages' ``closed``: the condition it adds
    None: "",
    "open": " AND m.handled_at IS NULL",
    "handled": " AND m.handled_at IS NOT NULL AND m.disposition IS DISTINCT FROM 'empty'",
    "empty": " AND m.handled_at IS NOT NULL AND m.disposition = 'empty'",
}


@dataclass(frozen=True, slots=True)
class StoredVoiceMessage:
    """A voice message as the store keeps it (``file`` '': its recording is gone, expired
    or erased by the privacy rules)."""

    name: str
    contact_id: str
    caller: str
    file: str
    recorded_at: datetime
    service: str
    language: str
    ivr_path: tuple[str, ...]
    handled_at: datetime | None
    handled_by: str | None
    disposition: str | None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> StoredVoiceMessage:
        values = dict(row)
        values["ivr_path"] = tuple(values["ivr_path"] or ())
        return cls(**values)


@dataclass(frozen=True, slots=True)
class HeldAct:
    number: str
    deposited_on: date
    collected_at: datetime | None


class IvrStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def save_walk(self, walk: SavedWalk) -> None:
        with translated(f"save IVR walk of {walk.call_id}"):
            async with self._pool.acquire() as conn:
                await write_walk(conn, walk)

    async def save_voice_message(
        self, call_id: str, caller: str, file: str, at: datetime, write_id: str | None = None
    ) -> None:
        with translated(f"save voice message of {call_id}"):
            await SaveVoiceMessageOp(call_id, caller, file, at).insert(self._pool, write_id)

    async def voice_message(self, name: str) -> StoredVoiceMessage | None:
        with translated(f"read voice message {name}"):
            row = await self._pool.fetchrow(_STORED + "WHERE v.name = $1", name)
        return None if row is None else StoredVoiceMessage.of(row)

    async def unhandled_voice_messages(self) -> list[StoredVoiceMessage]:
        """The messages still to work (not handled, their recording still there), the
        oldest first: the tasks an earlier run left."""
        with translated("read the voice messages to work"):
            rows = await self._pool.fetch(
                _STORED + "WHERE v.handled_at IS NULL AND v.file <> '' ORDER BY v.recorded_at, v.id"
            )
        return [StoredVoiceMessage.of(row) for row in rows]

    async def recent_voice_messages(
        self, since: datetime, service: str | None = None, limit: int = 500,
        closed: str | None = None,
    ) -> list[StoredVoiceMessage]:  # fmt: skip
        """The messages recorded since ``since`` (of ``service`` only, if given), the newest
        first: at most ``limit`` of them. ``closed``: None, every one; ``"open"``, those not
        handled yet; ``"handled"``, those handled; ``"empty"``, those closed as empty (the
        limit counts only the kind asked)."""
        require_aware(since, "since")
        if closed not in _CLOSED:
            raise ValueError(f"closed is one of {sorted(k for k in _CLOSED if k)}, not {closed!r}")
        with translated("read the recent voice messages"):
            rows = await self._pool.fetch(
                f"SELECT * FROM ({_STORED}) m WHERE m.recorded_at >= $1"
                f" AND ($2::text IS NULL OR m.service = $2){_CLOSED[closed]}"
                " ORDER BY m.recorded_at DESC, m.name DESC LIMIT $3",
                since, service, limit,
            )  # fmt: skip
        return [StoredVoiceMessage.of(row) for row in rows]

    async def import_acts(self, acts: Sequence[Act]) -> int:
        """Insert or update every act in one transaction: all of them, or none."""
        with translated("import deposited acts"):
            async with self._pool.acquire() as conn, conn.transaction():
                await conn.executemany(
                    _ACT, [(a.number, a.addressee, a.deposited_on) for a in acts]
                )
        return len(acts)

    async def act(self, number: str) -> HeldAct | None:
        with translated(f"read deposited act {number}"):
            row = await self._pool.fetchrow(
                "SELECT number, deposited_on, collected_at FROM deposited_acts WHERE number = $1",
                number,
            )
        return None if row is None else HeldAct(row[0], row[1], row[2])

    async def mark_collected(self, number: str, at: datetime) -> bool:
        """Mark the act collected; False if there is no such act still held."""
        require_aware(at, f"act {number} collected")
        with translated(f"mark act {number} collected"):
            status = await self._pool.execute(
                "UPDATE deposited_acts SET collected_at = $2 "
                "WHERE number = $1 AND collected_at IS NULL", number, at,
            )  # fmt: skip
        return bool(status.endswith(" 1"))

    async def count_acts(self) -> int:
        with translated("count deposited acts"):
            return int(await self._pool.fetchval("SELECT count(*) FROM deposited_acts"))


async def write_walk(conn: asyncpg.Connection, walk: SavedWalk) -> None:
    """The session and its steps together: in the transaction the connection is in (a
    store writer's batch, which fails or succeeds whole), else in one of their own."""
    require_aware(walk.ended_at, f"walk of {walk.call_id}")
    started = walk.visits[0].at if walk.visits else walk.ended_at
    rows = [(walk.call_id, i, v.at, v.tree, v.node, v.entered, v.result)
            for i, v in enumerate(walk.visits)]  # fmt: skip
    async with contextlib.AsyncExitStack() as stack:
        if not conn.is_in_transaction():
            await stack.enter_async_context(conn.transaction())
        await conn.execute(_SESSION, walk.call_id, walk.tree, walk.language,
                           walk.outcome, walk.left_at, started, walk.ended_at)  # fmt: skip
        await conn.executemany(_STEP, rows)


def ivr_store(store: Store) -> IvrStore:
    return IvrStore(store.pool)


@dataclass(frozen=True, slots=True)
class SaveWalkOp:
    walk: SavedWalk

    def __post_init__(self) -> None:
        require_aware(self.walk.ended_at, f"walk of {self.walk.call_id}")

    async def write(self, conn: asyncpg.Connection, write_id: str) -> None:
        """An upsert of the session and its steps (a savepoint): idempotent without the id."""
        await write_walk(conn, self.walk)

    def to_json(self) -> dict[str, Any]:
        w = self.walk
        visits = [[v.tree, v.node, v.at.isoformat(), v.entered, v.result] for v in w.visits]
        return {"call_id": w.call_id, "tree": w.tree, "language": w.language,
                "visits": visits, "outcome": w.outcome, "left_at": w.left_at,
                "ended_at": w.ended_at.isoformat()}  # fmt: skip

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SaveWalkOp:
        visits = tuple(
            Visit(t, n, datetime.fromisoformat(at), e, r) for t, n, at, e, r in d["visits"]
        )
        return cls(SavedWalk(d["call_id"], d["tree"], d["language"], visits, d["outcome"],
                             d["left_at"], datetime.fromisoformat(d["ended_at"])))  # fmt: skip


@dataclass(frozen=True, slots=True)
class SaveVoiceMessageOp:
    """A voice message kept: ``call_id`` left it; ``name`` is its id ("": the file's
    name); an empty one comes ``handled_at`` already, with its ``disposition``."""

    call_id: str
    caller: str
    file: str
    at: datetime
    name: str = ""
    service: str | None = None
    language: str = ""
    ivr_path: tuple[str, ...] = ()
    handled_at: datetime | None = None
    disposition: str | None = None

    def __post_init__(self) -> None:
        require_aware(self.at, f"voice message of {self.call_id}")
        require_aware(self.handled_at, f"voice message of {self.call_id} handled")

    async def write(self, conn: asyncpg.Connection, write_id: str) -> None:
        await self.insert(conn, write_id)

    async def insert(self, db: Executor, write_id: str | None) -> None:
        """Once: a batch written again (its write id) or a name kept already adds nothing."""
        await db.execute(_MESSAGE, self.call_id, self.caller, self.file, self.at, write_id,
                         self.name or Path(self.file).stem, self.service, self.language,
                         list(self.ivr_path), self.handled_at, self.disposition)  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        handled = self.handled_at.isoformat() if self.handled_at is not None else None
        return {"call_id": self.call_id, "caller": self.caller, "file": self.file,
                "at": self.at.isoformat(), "name": self.name, "service": self.service,
                "language": self.language, "ivr_path": list(self.ivr_path),
                "handled_at": handled, "disposition": self.disposition}  # fmt: skip

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SaveVoiceMessageOp:
        """(A line spilled before migration 028 has the first four fields alone.)"""
        handled = d.get("handled_at")
        return cls(d["call_id"], d["caller"], d["file"], datetime.fromisoformat(d["at"]),
                   d.get("name", ""), d.get("service"), d.get("language", ""),
                   tuple(d.get("ivr_path", ())),
                   datetime.fromisoformat(handled) if handled else None,
                   d.get("disposition"))  # fmt: skip


@dataclass(frozen=True, slots=True)
class CloseVoiceMessageOp:
    """The voice message ``name`` handled at ``at`` by ``agent_id``, with ``disposition``
    (a message handled already keeps its first handling: the write is idempotent)."""

    name: str
    agent_id: str
    disposition: str
    at: datetime

    def __post_init__(self) -> None:
        require_aware(self.at, f"voice message {self.name} handled")

    async def write(self, conn: asyncpg.Connection, write_id: str) -> None:
        await conn.execute(_CLOSE, self.name, self.at, self.agent_id, self.disposition)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "agent_id": self.agent_id, "disposition": self.disposition,
                "at": self.at.isoformat()}  # fmt: skip

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> CloseVoiceMessageOp:
        return cls(d["name"], d["agent_id"], d["disposition"], datetime.fromisoformat(d["at"]))
