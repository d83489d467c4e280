"""The callbacks' tables (``callbacks``, ``callback_attempts``: migrations 018, 019).

Written through the ordered ``StoreWriter``: ``SaveCallbackOp`` upserts the callback's row
(the latest record wins, so a batch written twice changes nothing more),
``SaveCallbackAttemptOp`` appends an attempt with its write id (``ON CONFLICT (write_id) DO
NOTHING``: exactly once through retries and spill-file replays). Both go to the spill file
as JSON and come back from it.

``CallbackStore`` reads them back: the pending callbacks at an engine start (taken back into
their queues at their place: their first entry comes from their contact) and for the panel;
those ended since midnight for the wallboard's day (``callbacks_ended_at_idx``, migration
031).
It shares the ``Store``'s pool and translates asyncpg's errors like it
(``acd.store.errors``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from acd.core.callback import (
    AttemptRecord,
    AttemptResult,
    CallbackOrigin,
    CallbackOutcome,
    CallbackRecord,
    CallbackState,
)
from acd.store.errors import translated
from acd.store.store import Executor, require_aware

_FIELDS = ("call_id", "service", "number", "language", "priority", "requirement",
           "requested_at", "state", "attempts", "due", "agent_id", "outcome",
           "ended_at", "origin", "note", "scheduled_for")  # fmt: skip
_TIMES = ("requested_at", "due", "ended_at", "scheduled_for")
_UPSERT = (
    f"INSERT INTO callbacks ({', '.join(_FIELDS)}) "
    f"VALUES ({', '.join(f'${i}' for i in range(1, len(_FIELDS) + 1))}) "
    "ON CONFLICT (call_id) DO UPDATE SET " + ", ".join(f"{f} = EXCLUDED.{f}" for f in _FIELDS[1:])
)
_ATTEMPT = (
    "INSERT INTO callback_attempts (call_id, attempt, agent_id, started_at, ended_at, result, "
    "write_id) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (write_id) DO NOTHING"
)
_PENDING = f"""
SELECT {", ".join(f"b.{f}" for f in _FIELDS)},
       COALESCE(c.entered_queue_at, b.scheduled_for, b.requested_at) AS entered_at
FROM callbacks b LEFT JOIN contacts c ON c.contact_id = b.call_id
WHERE b.ended_at IS NULL
ORDER BY entered_at, b.call_id
"""


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat()


def _time(s: str | None) -> datetime | None:
    return None if s is None else datetime.fromisoformat(s)


async def upsert_callback(db: Executor, r: CallbackRecord) -> None:
    for name in _TIMES:
        require_aware(getattr(r, name), f"callback {r.call_id} {name}")
    values = [getattr(r, f) for f in _FIELDS]
    values[_FIELDS.index("state")] = r.state.value
    values[_FIELDS.index("outcome")] = r.outcome.value if r.outcome is not None else None
    values[_FIELDS.index("origin")] = r.origin.value
    await db.execute(_UPSERT, *values)


@dataclass(frozen=True, slots=True)
class SaveCallbackOp:
    record: CallbackRecord

    def __post_init__(self) -> None:
        for name in _TIMES:
            require_aware(getattr(self.record, name), f"callback {self.record.call_id} {name}")

    async def write(self, conn: asyncpg.Connection, write_id: str) -> None:
        await upsert_callback(conn, self.record)  # an upsert: idempotent without the id

    def to_json(self) -> dict[str, Any]:
        r = self.record
        values: dict[str, Any] = {f: getattr(r, f) for f in _FIELDS}
        values.update(state=r.state.value, outcome=r.outcome.value if r.outcome else None,
                      requested_at=_iso(r.requested_at), due=_iso(r.due),
                      ended_at=_iso(r.ended_at), origin=r.origin.value,
                      scheduled_for=_iso(r.scheduled_for))  # fmt: skip
        return values

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SaveCallbackOp:
        return cls(record_from(d))


def record_from(d: Mapping[str, Any]) -> CallbackRecord:
    """A record from a row (datetimes) or a spilled JSON object (ISO texts)."""

    def when(name: str) -> datetime | None:
        v = d[name]
        return _time(v) if isinstance(v, str) else v

    requested = when("requested_at")
    assert requested is not None
    outcome = d["outcome"]
    return CallbackRecord(
        d["call_id"], d["service"], d["number"], d["language"], float(d["priority"]),
        d["requirement"], requested, CallbackState(d["state"]), int(d["attempts"]),
        when("due"), d["agent_id"], CallbackOutcome(outcome) if outcome else None,
        when("ended_at"), CallbackOrigin(d.get("origin") or "queue"), d.get("note") or "",
        when("scheduled_for") if "scheduled_for" in d else None,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class SaveCallbackAttemptOp:
    record: AttemptRecord

    def __post_init__(self) -> None:
        r = self.record
        require_aware(r.started_at, f"callback attempt of {r.call_id}")
        require_aware(r.ended_at, f"callback attempt of {r.call_id}")

    async def write(self, conn: asyncpg.Connection, write_id: str) -> None:
        r = self.record
        await conn.execute(_ATTEMPT, r.call_id, r.attempt, r.agent_id, r.started_at,
                           r.ended_at, r.result.value, write_id)  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        r = self.record
        return {"call_id": r.call_id, "attempt": r.attempt, "agent_id": r.agent_id,
                "started_at": r.started_at.isoformat(), "ended_at": r.ended_at.isoformat(),
                "result": r.result.value}  # fmt: skip

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SaveCallbackAttemptOp:
        return cls(AttemptRecord(d["call_id"], int(d["attempt"]), d["agent_id"],
                                 datetime.fromisoformat(d["started_at"]),
                                 datetime.fromisoformat(d["ended_at"]),
                                 AttemptResult(d["result"])))  # fmt: skip


@dataclass(frozen=True, slots=True)
class PendingCallback:
    """A callback not yet over, and when its call first entered its queue (its place)."""

    record: CallbackRecord
    entered_at: datetime


class CallbackStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def pending(self) -> list[PendingCallback]:
        """Every callback not yet over, the longest waiting first."""
        with translated("read the pending callbacks"):
            rows = await self._pool.fetch(_PENDING)
        return [PendingCallback(record_from(row), row["entered_at"]) for row in rows]

    async def ended_since(self, t: datetime) -> list[CallbackRecord]:
        """The callbacks that ended at or after ``t``, in the order they ended."""
        require_aware(t, "ended_since")
        with translated("read the callbacks ended"):
            rows = await self._pool.fetch(
                f"SELECT {', '.join(_FIELDS)} FROM callbacks WHERE ended_at >= $1 "
                "ORDER BY ended_at, call_id", t)  # fmt: skip
        return [record_from(row) for row in rows]

    async def one(self, call_id: str) -> CallbackRecord | None:
        """Callback ``call_id`` as last stored (None: no such callback, or not written yet)."""
        with translated(f"read callback {call_id}"):
            row = await self._pool.fetchrow(
                f"SELECT {', '.join(_FIELDS)} FROM callbacks WHERE call_id = $1", call_id
            )
        return None if row is None else record_from(row)

    async def outcomes_since(self, t: datetime) -> dict[str, int]:
        """The callbacks asked for since ``t``, by outcome ("pending": not yet over)."""
        with translated("count the callbacks"):
            rows = await self._pool.fetch(
                "SELECT coalesce(outcome, 'pending') AS outcome, count(*) AS n FROM callbacks "
                "WHERE requested_at >= $1 GROUP BY 1", t)  # fmt: skip
        return {row["outcome"]: row["n"] for row in rows}

    async def attempts(self, call_id: str) -> list[AttemptRecord]:
        with translated(f"read the attempts of callback {call_id}"):
            rows = await self._pool.fetch(
                "SELECT call_id, attempt, agent_id, started_at, ended_at, result "
                "FROM callback_attempts WHERE call_id = $1 ORDER BY id", call_id)  # fmt: skip
        return [AttemptRecord(r["call_id"], r["attempt"], r["agent_id"], r["started_at"],
                              r["ended_at"], AttemptResult(r["result"])) for r in rows]  # fmt: skip
