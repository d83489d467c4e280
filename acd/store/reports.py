"""What the historical reports read: finished queued contacts, agents' state changes, IVR
sessions and callbacks of a time range, as the records of ``reports`` (which compute every figure).

Like the ``Store``, every coroutine translates asyncpg's errors at the way out
(``acd.store.errors``). The indexes each query uses are in docs/reports.md ("Queries and
indexes"): a month of one service by hours reads one range of
``contacts_first_service_entered_idx``; the agents' and the services' reports read their
interval tables (migrations 014 and 017) when they can.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import asyncpg

from acd.store.errors import translated
from acd.store.store import require_aware
from reports.agent_time import AgentInterval, StateChange
from reports.callbacks import CallbackRow
from reports.history import IntervalCounts, QueuedContact
from reports.ivr_usage import IvrSession
from reports.kiosks import KioskContact

# A contact counts for the service it first reached, from when it entered the queue. The
# wrap-up after an answered call is the answering agent's: from its change into wrap-up at
# the very instant the call ended (the core records both at once) to its next change into
# anything else (an extension is a wrap-up again).
_CONTACTS = """
SELECT c.entered_queue_at, c.service_path, c.service, c.outcome,
       c.answered_at IS NOT NULL AS answered, c.answered_in, c.wait_seconds,
       COALESCE(c.talk_seconds, 0) AS talk, COALESCE(w.seconds, 0) AS wrap
FROM contacts c
LEFT JOIN LATERAL (
    SELECT EXTRACT(EPOCH FROM (
        SELECT n.at FROM agent_states n
        WHERE n.agent_id = s.agent_id AND (n.at, n.id) > (s.at, s.id) AND n.state <> 'wrap_up'
        ORDER BY n.at, n.id LIMIT 1
    ) - s.at)::double precision AS seconds
    FROM agent_states s
    WHERE c.answered_at IS NOT NULL AND s.agent_id = c.agent_id AND s.at = c.ended_at
      AND s.state = 'wrap_up'
    ORDER BY s.id LIMIT 1
) w ON true
WHERE COALESCE(c.service_path[1], c.service) = ANY($3::text[])
  AND c.entered_queue_at >= $1 AND c.entered_queue_at < $2
  AND c.ended_at IS NOT NULL
ORDER BY c.entered_queue_at
"""

# The interval table (migration 014): quarter hours by their UTC start.
_SERVICE_INTERVALS = """
SELECT first_service, interval_start, offered, answered, abandoned, overflowed, voicemail,
       other, answered_wait, talk, wrap_up, longest_wait, answered_waits, abandoned_waits,
       abandoned_waits_down
FROM service_intervals
WHERE first_service = ANY($3::text[]) AND interval_start >= $1 AND interval_start < $2
"""

# The change in force when the range starts (each agent's last one before it), then the
# changes within it, oldest first.
_AGENT_STATES = """
SELECT agent_id, state, reason, at FROM (
    SELECT last.* FROM unnest($3::text[]) AS a(agent_id)
    CROSS JOIN LATERAL (
        SELECT s.id, s.agent_id, s.state, s.reason, s.at FROM agent_states s
        WHERE s.agent_id = a.agent_id AND s.at < $1 ORDER BY s.at DESC, s.id DESC LIMIT 1
    ) AS last
    UNION ALL
    SELECT id, agent_id, state, reason, at FROM agent_states
    WHERE agent_id = ANY($3::text[]) AND at >= $1 AND at < $2
) AS changes
ORDER BY agent_id, at, id
"""

# The agents' interval table (migration 017): quarter hours by their UTC start.
_AGENT_INTERVALS = """
SELECT agent_id, interval_start, ready, paused, ringing, on_call, wrap_up, calls, pauses::text
FROM agent_intervals
WHERE agent_id = ANY($3::text[]) AND interval_start >= $1 AND interval_start < $2
"""

# Each agent's last change: its stretch is still open, so not in the interval table.
_LAST_CHANGES = """
SELECT last.agent_id, last.state, last.reason, last.at FROM unnest($1::text[]) AS a(agent_id)
CROSS JOIN LATERAL (
    SELECT s.agent_id, s.state, s.reason, s.at FROM agent_states s
    WHERE s.agent_id = a.agent_id ORDER BY s.at DESC, s.id DESC LIMIT 1
) AS last
"""

# The tree a session left from is its last step's (a goto moves the caller to another).
_IVR_SESSIONS = """
SELECT COALESCE(last.tree, s.tree) AS tree, s.left_at AS node, s.outcome, s.language
FROM ivr_sessions s
LEFT JOIN LATERAL (
    SELECT tree FROM ivr_steps WHERE contact_id = s.contact_id ORDER BY seq DESC LIMIT 1
) AS last ON true
WHERE s.started_at >= $1 AND s.started_at < $2
"""

# The callbacks asked for in the range (``callbacks_requested_at_idx``), each with its calls
# out's results in order and the first answer (``callback_attempts_call_id_idx``).
_CALLBACKS = """
SELECT b.service, b.requested_at, b.outcome, COALESCE(a.results, '{}') AS results,
       a.reached_at, b.origin
FROM callbacks b
LEFT JOIN LATERAL (
    SELECT array_agg(t.result ORDER BY t.id) AS results,
           min(t.ended_at) FILTER (WHERE t.result = 'answered') AS reached_at
    FROM callback_attempts t WHERE t.call_id = b.call_id
) a ON true
WHERE b.service = ANY($3::text[]) AND b.requested_at >= $1 AND b.requested_at < $2
ORDER BY b.requested_at, b.call_id
"""

# The callers answered live (no callback) that entered a queue in the range, by the service
# that answered them (before migration 009: their last). The first service's range of
# ``contacts_first_service_entered_idx`` for each of ``$3`` (every service): a caller
# overflowed may be answered in another.
_ON_THE_LINE = """
SELECT COALESCE(c.answered_in, c.service) AS service, count(*) AS callers
FROM contacts c
WHERE COALESCE(c.service_path[1], c.service) = ANY($3::text[])
  AND c.entered_queue_at >= $1 AND c.entered_queue_at < $2
  AND c.answered_at IS NOT NULL
  AND COALESCE(c.answered_in, c.service) = ANY($4::text[])
  AND NOT EXISTS (SELECT 1 FROM callbacks b WHERE b.call_id = c.contact_id)
GROUP BY 1
"""


# A district totem's contacts (caller kiosk:ID), by when they started.
_KIOSK_CONTACTS = """
SELECT substr(caller_number, 7) AS kiosk, COALESCE(outcome, '') AS outcome,
       answered_at IS NOT NULL AS answered, wait_seconds, talk_seconds
FROM contacts
WHERE caller_number LIKE 'kiosk:%' AND started_at >= $1 AND started_at < $2
  AND ended_at IS NOT NULL
"""


class ReportStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def queued_contacts(
        self, start: datetime, end: datetime, services: Sequence[str]
    ) -> list[QueuedContact]:
        """Finished contacts of ``services`` (the first they reached) that entered the queue
        in ``[start, end)``, oldest first."""
        _check(start, end)
        with translated("read the contacts for a report"):
            rows = await self._pool.fetch(_CONTACTS, start, end, list(services))
        return [
            QueuedContact(
                row["entered_queue_at"], tuple(row["service_path"]), row["service"],
                row["outcome"], row["answered"], row["answered_in"], row["wait_seconds"],
                row["talk"], row["wrap"],
            )
            for row in rows
        ]  # fmt: skip

    async def service_intervals(
        self, start: datetime, end: datetime, services: Sequence[str]
    ) -> list[IntervalCounts]:
        """The interval table's quarter hours of ``services`` that start in ``[start, end)``:
        the counts of the contacts ``queued_contacts`` reads, when both are quarter hours."""
        _check(start, end)
        with translated("read the interval counts for a report"):
            rows = await self._pool.fetch(_SERVICE_INTERVALS, start, end, list(services))
        return [IntervalCounts(*row.values()) for row in rows]

    async def state_changes(
        self, start: datetime, end: datetime, agents: Sequence[str]
    ) -> list[StateChange]:
        """The agents' changes in ``[start, end)`` and the one in force at ``start``."""
        _check(start, end)
        with translated("read the agents' states for a report"):
            rows = await self._pool.fetch(_AGENT_STATES, start, end, list(agents))
        return [StateChange(r["agent_id"], r["state"], r["reason"], r["at"]) for r in rows]

    async def agent_intervals(
        self, start: datetime, end: datetime, agents: Sequence[str]
    ) -> list[AgentInterval]:
        """The agents' interval table's quarter hours that start in ``[start, end)``."""
        _check(start, end)
        with translated("read the agents' interval counts for a report"):
            rows = await self._pool.fetch(_AGENT_INTERVALS, start, end, list(agents))
        return [
            AgentInterval(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], json.loads(r[8]))
            for r in rows
        ]

    async def last_changes(self, agents: Sequence[str]) -> list[StateChange]:
        """Each agent's last change (of all), if it has one."""
        with translated("read the agents' last states for a report"):
            rows = await self._pool.fetch(_LAST_CHANGES, list(agents))
        return [StateChange(r["agent_id"], r["state"], r["reason"], r["at"]) for r in rows]

    async def ivr_sessions(self, start: datetime, end: datetime) -> list[IvrSession]:
        """The IVR sessions that started in ``[start, end)``."""
        _check(start, end)
        with translated("read the IVR sessions for a report"):
            rows = await self._pool.fetch(_IVR_SESSIONS, start, end)
        return [IvrSession(r["tree"], r["node"], r["outcome"], r["language"]) for r in rows]

    async def kiosk_contacts(self, start: datetime, end: datetime) -> list[KioskContact]:
        """The finished contacts of district totems that started in ``[start, end)``."""
        _check(start, end)
        with translated("read the kiosks' contacts for a report"):
            rows = await self._pool.fetch(_KIOSK_CONTACTS, start, end)
        return [KioskContact(r["kiosk"], r["outcome"], r["answered"], r["wait_seconds"],
                             r["talk_seconds"]) for r in rows]  # fmt: skip

    async def callbacks(
        self, start: datetime, end: datetime, services: Sequence[str]
    ) -> list[CallbackRow]:
        """The callbacks of ``services`` asked for in ``[start, end)``, oldest first."""
        _check(start, end)
        with translated("read the callbacks for a report"):
            rows = await self._pool.fetch(_CALLBACKS, start, end, list(services))
        return [CallbackRow(r["service"], r["requested_at"], r["outcome"], tuple(r["results"]),
                            r["reached_at"], r["origin"]) for r in rows]  # fmt: skip

    async def answered_on_the_line(
        self, start: datetime, end: datetime, every: Sequence[str], services: Sequence[str]
    ) -> dict[str, int]:
        """Per service of ``services``, the callers it answered live (not a callback) that
        entered a queue of ``every`` (the first they reached) in ``[start, end)``."""
        _check(start, end)
        with translated("read the calls answered for a report"):
            rows = await self._pool.fetch(_ON_THE_LINE, start, end, list(every), list(services))
        return {r["service"]: r["callers"] for r in rows}


def _check(start: datetime, end: datetime) -> None:
    require_aware(start, "report start")
    require_aware(end, "report end")
