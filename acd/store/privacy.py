"""The tables that hold a citizen's personal data, each behind one handler (``TABLES``).

A handler answers for its own table, on a connection inside the caller's transaction:

    export(conn, subject)            every row about the subject, as plain JSON values
    erase(conn, subject)             remove or blank what is personal; rows kept for counts
    pseudonymise(conn, numbers)      after ``numbers_in_clear_days``: contact -> (number,
                                     pseudonym) for a batch of contacts, put the pseudonym
    expire(conn, cutoffs, batch)     its own retention: at most ``batch`` rows a call

``erase`` and ``expire`` return ``Done`` (rows changed, recording files no longer pointed
at, for the caller to delete once the transaction committed). A table another branch adds
(callbacks, callback attempts) is one more handler in ``TABLES``: docs/privacy.md.

The append-only logs (contact_events, audit_log) are changed only under the role
``centralino_privacy`` (migration 023), taken for the statement's transaction alone
(``as_purge``).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

import asyncpg

from acd.config.kiosk_model import KIOSK_ORIGIN

PURGE_ROLE = "centralino_privacy"
# A citizen's number still in clear: not yet a pseudonym nor erased, and not a district
# totem's origin (kiosk:ID, a device of the center: its contacts stay countable by kiosk).
_IN_CLEAR = (
    "NOT (starts_with(caller_number, 'p:') OR starts_with(caller_number, 'x:')"
    f" OR starts_with(caller_number, '{KIOSK_ORIGIN}'))"
)


@dataclass(frozen=True, slots=True)
class Subject:
    """A citizen: its number in clear, its pseudonym, what its number becomes when erased,
    and the contacts found under either (``find_contacts``)."""

    number: str
    pseudonym: str
    erased_as: str
    contact_ids: tuple[str, ...] = ()

    @property
    def numbers(self) -> list[str]:
        return [self.number, self.pseudonym]


@dataclass(frozen=True, slots=True)
class Cutoffs:
    """Rows from before these instants are past their retention."""

    numbers: datetime
    digits: datetime
    recordings: datetime
    history: datetime
    audit: datetime
    requests: datetime  # the website's callback requests (kept two days, whatever the config)


@dataclass(slots=True)
class Done:
    rows: int = 0
    files: list[str] = field(default_factory=list)


class PersonalTable(Protocol):
    name: str

    async def export(self, conn: asyncpg.Connection, s: Subject) -> list[dict[str, Any]]: ...
    async def erase(self, conn: asyncpg.Connection, s: Subject) -> Done: ...
    async def pseudonymise(
        self, conn: asyncpg.Connection, numbers: Mapping[str, tuple[str, str]]
    ) -> int: ...
    async def expire(self, conn: asyncpg.Connection, cut: Cutoffs, batch: int) -> Done: ...


@asynccontextmanager
async def as_purge(conn: asyncpg.Connection) -> AsyncIterator[None]:
    """The statements inside run as the purge role (inside a transaction only)."""
    await conn.execute(f"SET LOCAL ROLE {PURGE_ROLE}")
    try:
        yield
    finally:
        await conn.execute("RESET ROLE")


async def find_contacts(conn: asyncpg.Connection, s: Subject) -> Subject:
    """``s`` with the contacts its number or pseudonym called from, or left messages in."""
    rows = await conn.fetch(
        "SELECT contact_id FROM contacts WHERE caller_number = ANY($1::text[]) UNION "
        "SELECT contact_id FROM voice_messages WHERE caller = ANY($1::text[]) ORDER BY 1",
        s.numbers,
    )
    return Subject(s.number, s.pseudonym, s.erased_as, tuple(r["contact_id"] for r in rows))


async def numbers_in_clear(
    conn: asyncpg.Connection, before: datetime, batch: int
) -> list[tuple[str, str]]:
    """(contact, number) of up to ``batch`` contacts started before ``before`` whose number
    is still in clear, oldest first, locked for this transaction (others skipped)."""
    rows = await conn.fetch(
        f"SELECT contact_id, caller_number FROM contacts WHERE {_IN_CLEAR} AND started_at < $1 "
        "ORDER BY started_at LIMIT $2 FOR UPDATE SKIP LOCKED",
        before, batch,
    )  # fmt: skip
    return [(r["contact_id"], r["caller_number"]) for r in rows]


def plain(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row as JSON's own values (times as ISO text, jsonb parsed)."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif key in ("payload", "detail") and isinstance(value, str):
            value = json.loads(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[key] = value
    return out


def _ids(numbers: Mapping[str, tuple[str, str]]) -> tuple[list[str], list[str], list[str]]:
    ids = list(numbers)
    return ids, [numbers[i][0] for i in ids], [numbers[i][1] for i in ids]


class Contacts:
    """One row per call: the caller's number, the agents' dispositions and notes (here and
    in ``contact_handlings``). Rows stay: the reports count them."""

    name = "contacts"

    async def export(self, conn: asyncpg.Connection, s: Subject) -> list[dict[str, Any]]:
        rows = await conn.fetch(
            "SELECT c.*, COALESCE((SELECT json_agg(h ORDER BY h.answered_at) "
            "  FROM contact_handlings h WHERE h.contact_id = c.contact_id), '[]') AS handlings "
            "FROM contacts c WHERE contact_id = ANY($1::text[]) ORDER BY started_at",
            list(s.contact_ids),
        )
        return [plain({**r, "handlings": json.loads(r["handlings"])}) for r in rows]

    async def erase(self, conn: asyncpg.Connection, s: Subject) -> Done:
        ids = list(s.contact_ids)
        done = await conn.execute(
            "UPDATE contacts SET caller_number = $2, notes = NULL WHERE contact_id = ANY($1)",
            ids, s.erased_as,
        )  # fmt: skip
        await conn.execute(
            "UPDATE contact_handlings SET notes = NULL WHERE contact_id = ANY($1)", ids
        )
        return Done(_count(done))

    async def pseudonymise(
        self, conn: asyncpg.Connection, numbers: Mapping[str, tuple[str, str]]
    ) -> int:
        ids, _, pseudonyms = _ids(numbers)
        done = await conn.execute(
            "UPDATE contacts c SET caller_number = m.p FROM unnest($1::text[], $2::text[]) "
            "AS m(id, p) WHERE c.contact_id = m.id",
            ids, pseudonyms,
        )  # fmt: skip
        return _count(done)

    async def expire(self, conn: asyncpg.Connection, cut: Cutoffs, batch: int) -> Done:
        """The agents' free notes go with the contact history (dispositions stay: counted),
        at most ``batch`` contacts' and ``batch`` handlings' a call: the rows counted are
        both, so the purge calls again while either had a full batch."""
        done = await conn.execute(
            "UPDATE contacts SET notes = NULL WHERE contact_id IN (SELECT contact_id FROM "
            "contacts WHERE notes IS NOT NULL AND started_at < $1 ORDER BY started_at LIMIT $2)",
            cut.history, batch,
        )  # fmt: skip
        handled = await conn.execute(
            "UPDATE contact_handlings SET notes = NULL WHERE (contact_id, agent_id) IN (SELECT "
            "contact_id, agent_id FROM contact_handlings WHERE notes IS NOT NULL AND "
            "answered_at < $1 ORDER BY answered_at LIMIT $2)",
            cut.history, batch,
        )  # fmt: skip
        return Done(_count(done) + _count(handled))


class ContactEvents:
    """The event log: each event's payload; a call's arrival holds the caller's number."""

    name = "contact_events"
    _NUMBER_KEYS = ("caller_number", "number")  # CallArrived, CallerResumed; callbacks'

    async def export(self, conn: asyncpg.Connection, s: Subject) -> list[dict[str, Any]]:
        rows = await conn.fetch(
            "SELECT id, at, contact_id, kind, payload FROM contact_events "
            "WHERE contact_id = ANY($1::text[]) ORDER BY id",
            list(s.contact_ids),
        )
        return [plain(r) for r in rows]

    async def erase(self, conn: asyncpg.Connection, s: Subject) -> Done:
        async with as_purge(conn):
            done = await conn.execute(
                "DELETE FROM contact_events WHERE contact_id = ANY($1::text[])",
                list(s.contact_ids),
            )
        return Done(_count(done))

    async def pseudonymise(
        self, conn: asyncpg.Connection, numbers: Mapping[str, tuple[str, str]]
    ) -> int:
        ids, clear, pseudonyms = _ids(numbers)
        total = 0
        async with as_purge(conn):
            for key in self._NUMBER_KEYS:
                done = await conn.execute(
                    "UPDATE contact_events e SET payload = jsonb_set(payload, $3, to_jsonb(m.p)) "
                    "FROM unnest($1::text[], $2::text[], $4::text[]) AS m(id, p, n) "
                    "WHERE e.contact_id = m.id AND e.payload ->> $5 = m.n",
                    ids, pseudonyms, [key], clear, key,
                )  # fmt: skip
                total += _count(done)
        return total

    async def expire(self, conn: asyncpg.Connection, cut: Cutoffs, batch: int) -> Done:
        async with as_purge(conn):
            done = await conn.execute(
                "DELETE FROM contact_events WHERE id IN (SELECT id FROM contact_events "
                "WHERE at < $1 ORDER BY at LIMIT $2)",
                cut.history, batch,
            )  # fmt: skip
        return Done(_count(done))


class IvrWalks:
    """Each call's way through the IVR: what the caller keyed (menu keys, act numbers)."""

    name = "ivr_steps"

    async def export(self, conn: asyncpg.Connection, s: Subject) -> list[dict[str, Any]]:
        rows = await conn.fetch(
            "SELECT s.contact_id, i.tree AS session_tree, i.language, i.outcome, s.seq, s.at, "
            "s.tree, s.node, s.entered, s.result FROM ivr_steps s "
            "LEFT JOIN ivr_sessions i USING (contact_id) "
            "WHERE s.contact_id = ANY($1::text[]) ORDER BY s.contact_id, s.seq",
            list(s.contact_ids),
        )
        return [plain(r) for r in rows]

    async def erase(self, conn: asyncpg.Connection, s: Subject) -> Done:
        done = await conn.execute(
            "UPDATE ivr_steps SET entered = '' WHERE contact_id = ANY($1::text[]) "
            "AND entered <> ''",
            list(s.contact_ids),
        )
        return Done(_count(done))

    async def pseudonymise(
        self, conn: asyncpg.Connection, numbers: Mapping[str, tuple[str, str]]
    ) -> int:
        return 0  # no number here

    async def expire(self, conn: asyncpg.Connection, cut: Cutoffs, batch: int) -> Done:
        done = await conn.execute(
            "UPDATE ivr_steps SET entered = '' WHERE (contact_id, seq) IN (SELECT contact_id, "
            "seq FROM ivr_steps WHERE entered <> '' AND at < $1 ORDER BY at LIMIT $2)",
            cut.digits, batch,
        )  # fmt: skip
        return Done(_count(done))


class VoiceMessages:
    """Messages left for the back office: the caller's number and the recording's file."""

    name = "voice_messages"

    async def export(self, conn: asyncpg.Connection, s: Subject) -> list[dict[str, Any]]:
        rows = await conn.fetch(
            "SELECT id, contact_id, caller, file, recorded_at, handled_at FROM voice_messages "
            "WHERE contact_id = ANY($1::text[]) OR caller = ANY($2::text[]) ORDER BY id",
            list(s.contact_ids), s.numbers,
        )  # fmt: skip
        return [plain(r) for r in rows]

    async def erase(self, conn: asyncpg.Connection, s: Subject) -> Done:
        rows = await conn.fetch(
            "UPDATE voice_messages v SET caller = $3, file = '' FROM voice_messages old "
            "WHERE v.id = old.id AND (v.contact_id = ANY($1::text[]) OR v.caller = ANY($2)) "
            "RETURNING old.file",
            list(s.contact_ids), s.numbers, s.erased_as,
        )  # fmt: skip
        return Done(len(rows), [r["file"] for r in rows if r["file"]])

    async def pseudonymise(
        self, conn: asyncpg.Connection, numbers: Mapping[str, tuple[str, str]]
    ) -> int:
        ids, clear, pseudonyms = _ids(numbers)
        done = await conn.execute(
            "UPDATE voice_messages v SET caller = m.p FROM unnest($1::text[], $2::text[], "
            "$3::text[]) AS m(id, p, n) WHERE v.contact_id = m.id AND v.caller = m.n",
            ids, pseudonyms, clear,
        )  # fmt: skip
        return _count(done)

    async def expire(self, conn: asyncpg.Connection, cut: Cutoffs, batch: int) -> Done:
        rows = await conn.fetch(
            "UPDATE voice_messages v SET file = '' FROM (SELECT id, file FROM voice_messages "
            "WHERE file <> '' AND recorded_at < $1 ORDER BY recorded_at LIMIT $2 FOR UPDATE) "
            "AS old WHERE v.id = old.id RETURNING old.file",
            cut.recordings, batch,
        )  # fmt: skip
        return Done(len(rows), [r["file"] for r in rows])


class AuditTrail:
    """Who read or changed personal data: kept for its own retention, never erased on a
    citizen's request (it is the proof the request was answered)."""

    name = "audit_log"

    async def export(self, conn: asyncpg.Connection, s: Subject) -> list[dict[str, Any]]:
        rows = await conn.fetch(
            "SELECT at, actor, role, action, target_kind, target_id, detail FROM audit_log "
            "WHERE (target_kind IN ('contact', 'call') AND target_id = ANY($1::text[])) "
            "OR (target_kind = 'citizen' AND target_id = $2) ORDER BY at, id",
            list(s.contact_ids), s.pseudonym,
        )  # fmt: skip
        return [plain(r) for r in rows]

    async def erase(self, conn: asyncpg.Connection, s: Subject) -> Done:
        return Done()

    async def pseudonymise(
        self, conn: asyncpg.Connection, numbers: Mapping[str, tuple[str, str]]
    ) -> int:
        return 0  # entries name contacts and pseudonyms, never a number

    async def expire(self, conn: asyncpg.Connection, cut: Cutoffs, batch: int) -> Done:
        async with as_purge(conn):
            done = await conn.execute(
                "DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < $1 "
                "ORDER BY at LIMIT $2)",
                cut.audit, batch,
            )  # fmt: skip
        return Done(_count(done))


class CallbackPending(Exception):
    """An erasure asked while the engine still means to call the number back."""


class Callbacks:
    """Callbacks (migrations 018, 019, 029): the number to call, the note left with it and,
    in the attempts, when and by whom it was tried (the note goes with the number). An
    ended callback's number follows its contact's; one still pending keeps it (the engine
    needs it to call), so an erasure is refused until the callback is cancelled (the
    supervisors' /callbacks page), and the retention is checked at load against the
    callbacks' retry window."""

    name = "callbacks"
    _MINE = "(call_id = ANY($1::text[]) OR number = ANY($2::text[]))"

    async def export(self, conn: asyncpg.Connection, s: Subject) -> list[dict[str, Any]]:
        rows = await conn.fetch(
            "SELECT b.*, COALESCE((SELECT json_agg(a ORDER BY a.id) FROM callback_attempts a "
            f"WHERE a.call_id = b.call_id), '[]') AS tried FROM callbacks b WHERE {self._MINE} "
            "ORDER BY requested_at",
            list(s.contact_ids), s.numbers,
        )  # fmt: skip
        return [plain({**r, "tried": json.loads(r["tried"])}) for r in rows]

    async def erase(self, conn: asyncpg.Connection, s: Subject) -> Done:
        pending = await conn.fetch(
            f"SELECT call_id FROM callbacks WHERE {self._MINE} AND ended_at IS NULL",
            list(s.contact_ids), s.numbers,
        )  # fmt: skip
        if pending:
            raise CallbackPending(
                f"a callback to this number is pending ({pending[0]['call_id']}): cancel it "
                "on the supervisors' /callbacks page, then erase"
            )
        done = await conn.execute(
            f"UPDATE callbacks SET number = $3, note = '' WHERE {self._MINE}",
            list(s.contact_ids), s.numbers, s.erased_as,
        )  # fmt: skip
        return Done(_count(done))

    async def pseudonymise(
        self, conn: asyncpg.Connection, numbers: Mapping[str, tuple[str, str]]
    ) -> int:
        ids, clear, pseudonyms = _ids(numbers)
        done = await conn.execute(
            "UPDATE callbacks b SET number = m.p, note = '' FROM unnest($1::text[], $2::text[], "
            "$3::text[]) AS m(id, p, n) WHERE b.call_id = m.id AND b.number = m.n "
            "AND b.ended_at IS NOT NULL",
            ids, pseudonyms, clear,
        )  # fmt: skip
        return _count(done)

    async def expire(self, conn: asyncpg.Connection, cut: Cutoffs, batch: int) -> Done:
        """A callback that was still pending when its contact's number was pseudonymised
        and has ended since: its number blanked (the contact keeps the pseudonym)."""
        done = await conn.execute(
            "UPDATE callbacks SET number = 'x:' || md5(random()::text), note = '' "
            "WHERE call_id IN ("
            "SELECT call_id FROM callbacks WHERE ended_at IS NOT NULL AND requested_at < $1 "
            "AND NOT (starts_with(number, 'p:') OR starts_with(number, 'x:')) "
            "ORDER BY requested_at LIMIT $2)",
            cut.numbers, batch,
        )  # fmt: skip
        return Done(_count(done))


class WebCallbackRequests:
    """The website's callback requests (migration 030): receipts for the daily limits and
    the idempotency keys, the number as its pseudonym, the body as a keyed digest. Found by
    the pseudonym, or by their callback (its contact, its number in ``callbacks``); an
    erasure deletes them (nothing counts them but the limits), the purge after two days."""

    name = "web_callback_requests"
    _MINE = (
        "(number_pseudonym = $1 OR call_id = ANY($2::text[]) OR call_id IN "
        "(SELECT call_id FROM callbacks WHERE number = ANY($3::text[])))"
    )

    async def export(self, conn: asyncpg.Connection, s: Subject) -> list[dict[str, Any]]:
        rows = await conn.fetch(
            "SELECT token_id, idempotency_key, call_id, created, status, answer, created_at "
            f"FROM web_callback_requests WHERE {self._MINE} ORDER BY created_at",
            s.pseudonym, list(s.contact_ids), s.numbers,
        )  # fmt: skip
        return [plain({**r, "answer": json.loads(r["answer"])}) for r in rows]

    async def erase(self, conn: asyncpg.Connection, s: Subject) -> Done:
        done = await conn.execute(
            f"DELETE FROM web_callback_requests WHERE {self._MINE}",
            s.pseudonym, list(s.contact_ids), s.numbers,
        )  # fmt: skip
        return Done(_count(done))

    async def pseudonymise(
        self, conn: asyncpg.Connection, numbers: Mapping[str, tuple[str, str]]
    ) -> int:
        return 0  # a pseudonym from the start

    async def expire(self, conn: asyncpg.Connection, cut: Cutoffs, batch: int) -> Done:
        done = await conn.execute(
            "DELETE FROM web_callback_requests WHERE (token_id, idempotency_key) IN ("
            "SELECT token_id, idempotency_key FROM web_callback_requests WHERE created_at < $1 "
            "ORDER BY created_at LIMIT $2)",
            cut.requests, batch,
        )  # fmt: skip
        return Done(_count(done))


# Every table with a citizen's data, in the order an export lists them (the website's
# requests before the callbacks: an erasure finds them by the callbacks' numbers).
TABLES: tuple[PersonalTable, ...] = (
    Contacts(), ContactEvents(), IvrWalks(), VoiceMessages(), WebCallbackRequests(),
    Callbacks(), AuditTrail(),
)  # fmt: skip


def _count(status: str) -> int:
    """The row count of a command status such as ``UPDATE 3`` or ``DELETE 0``."""
    return int(status.rsplit(" ", 1)[-1])
