"""The store: contacts, the contact event log and agent state changes in PostgreSQL.

``Store`` is the only class here that talks to asyncpg, and each public coroutine
translates asyncpg's errors at the way out (``acd.store.errors``):

    StoreError          anything else the database did not do
     +-- StoreUnavailable   cannot reach the server now: the same call may work later
     +-- StoreRejected      refused data (naive datetime, constraint, append-only log)
     +-- MigrationError     from ``connect``: the schema could not be brought up to date

The runtime does not await these in its event loop step: it submits writes to
``StoreWriter`` (``acd.store.writer``), which writes them in order, a batch per transaction
(``write_batch``), each with its write id: events and agent states are inserted ``ON
CONFLICT (write_id) DO NOTHING``, so a batch written twice (a retry after a lost answer, a
replay of the spill file) adds no row twice.

A batch costs few round trips to the server: a write that is one row of one statement
(``RowWrite``) goes with the next ones of the same statement in one ``executemany`` (one
round trip, each row still its own execution: row triggers fire in order); the contact
event log's rows (``log_only``: no trigger or other write reads them) go together at the
end of their batch, in their order. Everything else keeps its order in the batch.

Every command has a time limit (``COMMAND_TIMEOUT``): a server that hangs is a server away.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any, ClassVar, NamedTuple, Protocol, TypeAlias, cast

import asyncpg

from acd.core.contact import Contact
from acd.store.errors import StoreRejected, translated
from acd.store.migrate import migrate

# Column names are the Contact field names, so the SQL follows the dataclass; a new field
# without its migration fails loudly at the first save instead of being dropped.
_COLUMNS = tuple(f.name for f in fields(Contact))
CONTACT_STATEMENT = _UPSERT_CONTACT = (
    f"INSERT INTO contacts ({', '.join(_COLUMNS)}) "
    f"VALUES ({', '.join(f'${i}' for i in range(1, len(_COLUMNS) + 1))}) "
    "ON CONFLICT (contact_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS[1:])
)
_SELECT_CONTACTS = f"SELECT {', '.join(_COLUMNS)} FROM contacts"
EVENT_STATEMENT = _EVENT = (
    "INSERT INTO contact_events (at, contact_id, kind, payload, write_id) "
    "VALUES ($1, $2, $3, $4::jsonb, $5) ON CONFLICT (write_id) DO NOTHING"
)
AGENT_STATE_STATEMENT = _AGENT_STATE = (
    "INSERT INTO agent_states (agent_id, state, reason, at, write_id) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (write_id) DO NOTHING"
)
# Seconds: a statement (or a connection attempt) that takes longer fails as unavailable.
COMMAND_TIMEOUT = 10.0
CONNECT_TIMEOUT = 5.0

# A pool or one of its connections: both run statements the same way.
Executor: TypeAlias = asyncpg.Pool | asyncpg.Connection


class Write(Protocol):
    """One write of the store writer, done on a connection inside the batch's transaction."""

    async def write(self, conn: asyncpg.Connection, write_id: str) -> None: ...


class RowWrite(Write, Protocol):
    """A write that is one row of ``statement`` (``row``: its arguments), which
    ``write_batch`` sends along with its neighbours; ``log_only``: a row of the contact event
    log, which nothing else in a batch reads (sent at the batch's end)."""

    statement: ClassVar[str]
    log_only: ClassVar[bool]

    def row(self, write_id: str) -> tuple[Any, ...]: ...


class Rows(NamedTuple):
    """Rows of one statement, sent in one round trip (executemany)."""

    statement: str
    rows: list[tuple[Any, ...]]


def batch_steps(writes: Sequence[tuple[str, Write]]) -> list[Rows | tuple[str, Write]]:
    """The batch's writes as few round trips, in order (see the module's docstring): runs
    of rows, and (write id, write) pairs done by themselves."""
    steps: list[Rows | tuple[str, Write]] = []
    log: list[tuple[Any, ...]] = []
    for write_id, any_write in writes:
        if not hasattr(any_write, "row"):  # (isinstance of a runtime Protocol is slow)
            steps.append((write_id, any_write))
            continue
        write = cast(RowWrite, any_write)
        if write.log_only:
            log.append(write.row(write_id))
        elif steps and isinstance(steps[-1], Rows) and steps[-1].statement == write.statement:
            steps[-1].rows.append(write.row(write_id))
        else:
            steps.append(Rows(write.statement, [write.row(write_id)]))
    if log:
        steps.append(Rows(EVENT_STATEMENT, log))
    return steps


async def _send(conn: asyncpg.Connection, step: Rows | tuple[str, Write]) -> None:
    if not isinstance(step, Rows):
        await step[1].write(conn, step[0])
    elif len(step.rows) == 1:
        await conn.execute(step.statement, *step.rows[0])
    else:
        await conn.executemany(step.statement, step.rows)  # (atomic: asyncpg >= 0.22)


class Store:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._writing: asyncpg.Connection | None = None  # held by write_batch between batches

    @classmethod
    async def connect(cls, dsn: str, *, min_size: int = 1, max_size: int = 4) -> Store:
        """Open a connection pool on ``dsn`` and bring the schema up to date."""
        with translated("connect"):
            pool = await asyncpg.create_pool(
                dsn,
                min_size=min_size,
                max_size=max_size,
                command_timeout=COMMAND_TIMEOUT,
                timeout=CONNECT_TIMEOUT,
            )
        try:
            with translated("migrate"):
                async with pool.acquire() as conn:
                    await migrate(conn)
        except BaseException:
            pool.terminate()  # nothing to wait for: no caller ever saw this pool
            raise
        return cls(pool)

    async def close(self) -> None:
        conn, self._writing = self._writing, None
        if conn is not None:
            await self._pool.release(conn)
        await self._pool.close()

    @property
    def pool(self) -> asyncpg.Pool:
        """For the store's other tables (``acd.store.ivr``), which share the pool."""
        return self._pool

    async def write_batch(self, writes: Sequence[tuple[str, Write]]) -> None:
        """Do every write, in order, in one transaction: all of them or none.

        The batches keep one connection between them: a connection given back to the pool
        is reset (a round trip), which costs as much as a small batch. After a failure it
        goes back to the pool (reset, or replaced if broken) and the next batch takes one.
        """
        with translated(f"write a batch of {len(writes)}"):
            steps = batch_steps(writes)  # (a value the database cannot take: rejected)
            conn, self._writing = self._writing or await self._pool.acquire(), None
            try:
                if len(steps) == 1 and isinstance(steps[0], Rows):  # atomic by itself
                    await _send(conn, steps[0])
                else:
                    async with conn.transaction():
                        for step in steps:
                            await _send(conn, step)
            except BaseException:
                await self._pool.release(conn)
                raise
            self._writing = conn

    async def ping(self) -> None:
        """Raise StoreUnavailable unless the server answers now."""
        with translated("ping"):
            await self._pool.fetchval("SELECT 1")

    async def save_contact(self, c: Contact) -> None:
        """Insert the contact, or overwrite every field of the one with its contact_id."""
        with translated(f"save contact {c.contact_id}"):
            await upsert_contact(self._pool, c)

    async def append_event(
        self,
        at: datetime,
        kind: str,
        payload: Mapping[str, Any],
        contact_id: str | None = None,
        write_id: str | None = None,
    ) -> None:
        with translated(f"append event {kind}"):
            await insert_event(self._pool, at, kind, payload, contact_id, write_id)

    async def record_agent_state(
        self, agent_id: str, state: str, reason: str, at: datetime, write_id: str | None = None
    ) -> None:
        """Log a state change; ``reason`` is "" when there is none."""
        with translated(f"record agent {agent_id} state {state}"):
            await insert_agent_state(self._pool, agent_id, state, reason, at, write_id)

    async def contact(self, contact_id: str) -> Contact | None:
        with translated(f"read contact {contact_id}"):
            row = await self._pool.fetchrow(f"{_SELECT_CONTACTS} WHERE contact_id = $1", contact_id)
        return None if row is None else _contact(row)

    async def contacts_since(self, t: datetime) -> list[Contact]:
        """Contacts started at or after ``t``, oldest first."""
        require_aware(t, "contacts_since")
        with translated("read contacts"):
            rows = await self._pool.fetch(
                f"{_SELECT_CONTACTS} WHERE started_at >= $1 ORDER BY started_at, contact_id", t
            )
        return [_contact(row) for row in rows]

    async def close_unended(
        self, live: frozenset[str], before: datetime, at: datetime, cause: str, limit: int = 5000
    ) -> list[Contact]:
        """Close contacts left open by an earlier run: started before ``before`` (this
        run's start) and not after a week earlier, no ``ended_at``, no channel in ``live``,
        no pending callback (it lives in the store: the start takes it back).

        They end at ``at`` with ``cause``; the outcome is ``answered`` if they were, the
        IVR's own label if they left it with one (and never queued), else ``system-ended``
        (``acd.core.contact.unfinished_outcome``). At most ``limit`` at a time, oldest first:
        the closed ones are returned."""
        require_aware(before, "close_unended")
        require_aware(at, "close_unended")
        since = before - timedelta(days=7)
        with translated("close contacts left open"):
            rows = await self._pool.fetch(_CLOSE_UNENDED, since, before, sorted(live), limit,
                                          at, cause)  # fmt: skip
        return [_contact(row) for row in rows]

    async def wrap_ups_since(self, t: datetime) -> list[tuple[str, datetime, datetime]]:
        """(agent, start, end) of the wrap-ups that started at or after ``t`` and ended (the
        agent's next state), in the order they ended."""
        require_aware(t, "wrap_ups_since")
        with translated("read wrap-ups"):
            rows = await self._pool.fetch(_WRAP_UPS, t)
        return [(row["agent_id"], row["at"], row["until"]) for row in rows]

    async def last_agent_states(
        self, agent_ids: list[str], before: datetime
    ) -> list[tuple[str, str, str, datetime]]:
        """Each agent's last (agent, state, reason, at) before ``before``, if it has one."""
        require_aware(before, "last_agent_states")
        with translated("read the agents' last states"):
            rows = await self._pool.fetch(_LAST_STATES, agent_ids, before)
        return [(row["agent_id"], row["state"], row["reason"], row["at"]) for row in rows]

    async def last_activity(self, before: datetime) -> datetime | None:
        """When an earlier run last logged an event (about when it stopped)."""
        require_aware(before, "last_activity")
        with translated("read the last activity"):
            at = await self._pool.fetchval(
                "SELECT max(at) FROM contact_events WHERE at < $1", before
            )
        return at if isinstance(at, datetime) else None

    async def agent_states(self, agent_id: str) -> list[tuple[str, str, datetime]]:
        """The agent's (state, reason, at) changes, oldest first."""
        with translated(f"read agent {agent_id} states"):
            rows = await self._pool.fetch(
                "SELECT state, reason, at FROM agent_states WHERE agent_id = $1 ORDER BY at, id",
                agent_id,
            )
        return [(row["state"], row["reason"], row["at"]) for row in rows]


_CLOSE_UNENDED = f"""
UPDATE contacts SET ended_at = $5, end_cause = $6,
    outcome = CASE WHEN answered_at IS NOT NULL THEN 'answered'
                   WHEN entered_queue_at IS NULL AND outcome IS NOT NULL THEN outcome
                   ELSE 'system-ended' END
WHERE contact_id IN (
    SELECT contact_id FROM contacts
    WHERE started_at >= $1 AND started_at < $2 AND ended_at IS NULL
      AND NOT (contact_id = ANY($3::text[]))
      AND NOT EXISTS (SELECT 1 FROM callbacks b
                      WHERE b.call_id = contacts.contact_id AND b.ended_at IS NULL)
    ORDER BY started_at LIMIT $4
)
RETURNING {", ".join(_COLUMNS)}
"""

_LAST_STATES = """
SELECT a.agent_id, s.state, s.reason, s.at
FROM unnest($1::text[]) AS a(agent_id)
CROSS JOIN LATERAL (
    SELECT state, reason, at FROM agent_states
    WHERE agent_id = a.agent_id AND at < $2 ORDER BY at DESC, id DESC LIMIT 1
) AS s
ORDER BY a.agent_id
"""

_WRAP_UPS = """
SELECT agent_id, at, until FROM (
    SELECT agent_id, state, at,
           lead(at) OVER (PARTITION BY agent_id ORDER BY at, id) AS until
    FROM agent_states WHERE at >= $1
) AS changes
WHERE state = 'wrap_up' AND until IS NOT NULL
ORDER BY until
"""


async def upsert_contact(db: Executor, c: Contact) -> None:
    await db.execute(_UPSERT_CONTACT, *contact_row(c))


def contact_row(c: Contact) -> list[Any]:
    """The arguments of ``CONTACT_STATEMENT`` (the contact checked first)."""
    check_contact(c)
    return [getattr(c, column) for column in _COLUMNS]


async def insert_event(
    db: Executor,
    at: datetime,
    kind: str,
    payload: Mapping[str, Any],
    contact_id: str | None,
    write_id: str | None,
) -> None:
    require_aware(at, f"event {kind}")
    await db.execute(_EVENT, at, contact_id, kind, json.dumps(payload), write_id)


async def insert_agent_state(
    db: Executor, agent_id: str, state: str, reason: str, at: datetime, write_id: str | None
) -> None:
    require_aware(at, f"agent {agent_id} state {state}")
    await db.execute(_AGENT_STATE, agent_id, state, reason, at, write_id)


def require_aware(t: datetime | None, what: str) -> None:
    """Refuse naive datetimes: asyncpg would silently take them as UTC."""
    if t is not None and t.utcoffset() is None:
        raise StoreRejected(f"{what}: naive datetime {t.isoformat()} (give it a timezone)")


def check_contact(c: Contact) -> None:
    for name in ("started_at", "entered_queue_at", "answered_at", "ended_at"):
        require_aware(getattr(c, name), f"contact {c.contact_id} {name}")


def _contact(row: Mapping[str, Any]) -> Contact:
    values = dict(row)
    values["ivr_path"] = tuple(values["ivr_path"])
    values["service_path"] = tuple(values["service_path"])
    return Contact(**values)
