"""The audit log, as the web and the commands use it: record an act, read acts back.

Every act a person does through the engine on someone else's behalf or data goes here:
who (the account, or an API token's name, and its role), what, when, on whom or what, and
the act's own details (``acd.store.audit.AuditEntry``). Recording never waits on the
database and never fails the act: it is queued on the store's ordered writer, and a write
the writer cannot take (its backlog full) is logged as an ERROR naming the act, never
raised. A request records its act only once the engine accepted it.

Actions are dotted words, the target's kind first. Those recorded so far::

    agent.login, agent.ready, agent.pause, agent.logout, agent.extend-wrap-up,
    agent.services                  a supervisor drove an agent (target: the agent)
    agent.call.hangup, .hold, .resume, .transfer, .consult, .complete
                                    a supervisor worked an agent's call controls
    call.move, call.priority        a supervisor moved or raised a waiting call (the call)
    callback.cancel, .reschedule    a supervisor, an agent for its own, or the website
                                    (``by``: website) on a callback (the call)
    callback.request                the city's website made a callback (the call; its
                                    service: never the number)
    supervision.listen, supervision.whisper, supervision.barge, supervision.stop
                                    a supervisor on an agent's call (the agent)

    contact.read                    a screen pop read (the contact)
    report.export                   a report downloaded as CSV (the report kind)
    privacy.export, privacy.erase   a citizen's request answered (``citizen``, the
                                    number's pseudonym: never the number)
    privacy.purge                   a retention pass (``retention``, its day)

docs/privacy.md lists them with the retention of the audit trail itself. The reads of
citizens' personal data (``PERSONAL_DATA``) are for an admin's eyes only (the role that
answers for the data, not the one that works with it): ``readable_by``.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from acd.access.accounts import Role
from acd.access.policy import Principal
from acd.store.audit import AppendAuditOp, AuditEntry, AuditQuery, AuditStore
from acd.store.errors import StoreError

log = logging.getLogger(__name__)
# The kinds of entry about citizens' personal data (a trailing "." is a prefix).
PERSONAL_DATA = ("contact.read", "report.export", "privacy.", "voice-message.play")


class AuditTrail(Protocol):
    def record(self, entry: AuditEntry) -> None: ...
    async def find(self, query: AuditQuery) -> list[AuditEntry]: ...


def entry(
    who: Principal,
    action: str,
    target: tuple[str, str],
    at: datetime,
    detail: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """The act ``action`` by ``who`` on ``target`` (kind, id) at ``at``."""
    role = who.role.value if who.role is not None else "token"
    return AuditEntry(at, who.name, role, action, target[0], target[1], dict(detail or {}))


def readable_by(who: Principal, query: AuditQuery) -> AuditQuery:
    """``query`` narrowed to what ``who`` may read: an admin every entry, anyone else (a
    supervisor) all but the personal-data kinds."""
    if who.role is Role.ADMIN:
        return query
    return replace(query, hidden=PERSONAL_DATA)


class StoreAudit:
    """The audit log in the store: appended through the writer, read from the table."""

    def __init__(self, submit: Callable[[AppendAuditOp], None], store: AuditStore) -> None:
        self._submit, self._store = submit, store

    def record(self, entry: AuditEntry) -> None:
        try:
            self._submit(AppendAuditOp(entry))
        except StoreError as exc:  # the act is done: say loudly that it went unrecorded
            log.error("audit: %s by %s on %s %s NOT recorded: %s", entry.action, entry.actor,
                      entry.target_kind, entry.target_id, exc)  # fmt: skip

    async def find(self, query: AuditQuery) -> list[AuditEntry]:
        return await self._store.find(query)


class MemoryAudit:
    """The audit log of an engine without a store (the web's tests): the latest acts in
    memory, read as the store reads them."""

    def __init__(self, keep: int = 1000) -> None:
        self.entries: deque[AuditEntry] = deque(maxlen=keep)

    def record(self, entry: AuditEntry) -> None:
        self.entries.append(entry)

    async def find(self, query: AuditQuery) -> list[AuditEntry]:
        found = [e for e in reversed(self.entries) if _matches(e, query)]
        return found[: query.limit]


def _matches(e: AuditEntry, q: AuditQuery) -> bool:
    action = q.action or ""
    return (
        not any(_is(e.action, hidden) for hidden in q.hidden)
        and (not q.actor or e.actor == q.actor)
        and (not q.target_kind or e.target_kind == q.target_kind)
        and (not q.target_id or e.target_id == q.target_id)
        and (not action or _is(e.action, action))
        and (q.since is None or e.at >= q.since)
        and (q.until is None or e.at < q.until)
    )


def _is(action: str, kind: str) -> bool:
    """Whether ``action`` is ``kind``: the same, or under it when it ends in "."."""
    return action.startswith(kind) if kind.endswith(".") else action == kind
