"""What an agent's desk reads and writes: a caller's last contacts, its IVR walk, the
agent's calls of the day, and the disposition and notes of a call (migrations 008, 010).

Every agent who answered a contact has its row in ``contact_handlings`` (a trigger on
``contacts`` makes it), with its own disposition and notes: after a transfer each agent
records its part. The contact keeps the latest one recorded, which the screen pop shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from acd.store.errors import translated
from acd.store.ivr import IvrStore, StoredVoiceMessage

_PAST = ("contact_id, started_at, service, outcome, agent_id, disposition, notes, "
         "wait_seconds, talk_seconds, caller_number")  # fmt: skip
# the same, with the handling agent's own disposition and notes (``h``: contact_handlings)
_HANDLED = ("c.contact_id, c.started_at, c.service, c.outcome, h.agent_id, h.disposition, "
            "h.notes, c.wait_seconds, c.talk_seconds, c.caller_number")  # fmt: skip


@dataclass(frozen=True, slots=True)
class PastContact:
    contact_id: str
    started_at: datetime
    service: str | None
    outcome: str | None
    agent_id: str | None
    disposition: str | None
    notes: str | None
    wait_seconds: float | None
    talk_seconds: float | None
    caller_number: str


@dataclass(frozen=True, slots=True)
class IvrStep:
    tree: str
    node: str
    entered: str
    result: str


class DeskStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def record_disposition(
        self, contact_id: str, agent_id: str, disposition: str, notes: str, at: datetime
    ) -> bool:
        """False unless ``contact_id`` is a call ``agent_id`` answered (first, last, or in
        between: a transfer)."""
        with translated(f"record the disposition of {contact_id}"):
            async with self._pool.acquire() as conn, conn.transaction():
                done = await conn.execute(
                    "UPDATE contact_handlings SET disposition = $3, notes = $4, disposed_at = $5"
                    " WHERE contact_id = $1 AND agent_id = $2",
                    contact_id, agent_id, disposition, notes, at,
                )  # fmt: skip
                if not done.endswith(" 1"):
                    return False
                await conn.execute(
                    "UPDATE contacts SET disposition = $2, notes = $3, disposed_at = $4"
                    " WHERE contact_id = $1",
                    contact_id, disposition, notes, at,
                )  # fmt: skip
        return True

    async def handled(self, contact_id: str, agent_id: str) -> PastContact | None:
        """The contact as ``agent_id`` handled it (its own disposition and notes), if it
        answered it."""
        with translated(f"read contact {contact_id}"):
            row = await self._pool.fetchrow(
                f"SELECT {_HANDLED} FROM contact_handlings h JOIN contacts c USING (contact_id)"
                " WHERE h.contact_id = $1 AND h.agent_id = $2",
                contact_id, agent_id,
            )  # fmt: skip
        return None if row is None else PastContact(**dict(row))

    async def contact(self, contact_id: str) -> PastContact | None:
        with translated(f"read contact {contact_id}"):
            row = await self._pool.fetchrow(
                f"SELECT {_PAST} FROM contacts WHERE contact_id = $1", contact_id
            )
        return None if row is None else PastContact(**dict(row))

    async def last_contacts(
        self, caller: str, other_than: str, limit: int = 5
    ) -> list[PastContact]:
        """The caller's latest contacts before this one, newest first."""
        with translated("read a caller's last contacts"):
            rows = await self._pool.fetch(
                f"SELECT {_PAST} FROM contacts WHERE caller_number = $1 AND contact_id <> $2"
                " ORDER BY started_at DESC LIMIT $3",
                caller, other_than, limit,
            )  # fmt: skip
        return [PastContact(**dict(row)) for row in rows]

    async def agent_calls(self, agent_id: str, since: datetime) -> list[PastContact]:
        """The calls ``agent_id`` answered since ``since`` (those it transferred too), newest
        first, each with its own disposition and notes."""
        with translated(f"read the calls of {agent_id}"):
            rows = await self._pool.fetch(
                f"SELECT {_HANDLED} FROM contact_handlings h JOIN contacts c USING (contact_id)"
                " WHERE h.agent_id = $1 AND h.answered_at >= $2"
                " ORDER BY c.started_at DESC LIMIT 200",
                agent_id, since,
            )  # fmt: skip
        return [PastContact(**dict(row)) for row in rows]

    async def voice_message(self, name: str) -> StoredVoiceMessage | None:
        """A voice message as stored (its recording's file among the rest)."""
        return await IvrStore(self._pool).voice_message(name)

    async def recent_voice_messages(
        self, since: datetime, service: str | None = None, limit: int = 500,
        closed: str | None = None,
    ) -> list[StoredVoiceMessage]:  # fmt: skip
        """The voice messages recorded since ``since``, the newest first (``IvrStore``)."""
        return await IvrStore(self._pool).recent_voice_messages(since, service, limit, closed)

    async def ivr_walk(self, contact_id: str) -> tuple[str | None, list[IvrStep]]:
        """The IVR session's language (None if none was saved) and its steps in order."""
        with translated(f"read the IVR walk of {contact_id}"):
            async with self._pool.acquire() as conn:
                language = await conn.fetchval(
                    "SELECT language FROM ivr_sessions WHERE contact_id = $1", contact_id
                )
                rows = await conn.fetch(
                    "SELECT tree, node, entered, result FROM ivr_steps WHERE contact_id = $1"
                    " ORDER BY seq",
                    contact_id,
                )
        return language, [IvrStep(**dict(row)) for row in rows]
