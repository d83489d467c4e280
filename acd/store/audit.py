"""The audit log's table (migration 012): who did what, when, on whom or what.

Entries are appended through the ordered ``StoreWriter`` (``AppendAuditOp``), so recording
one never waits on the database, in a request or in the core's loop, and is bounded like
every write. ``AuditStore.find`` reads them back, latest first, filtered; like the other
stores it translates asyncpg's errors at the way out (``acd.store.errors``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from acd.store.errors import StoreRejected, translated
from acd.store.store import Executor, require_aware

MAX_ROWS = 500  # one page of ``find`` at most
_TEXT_LIMIT = 200  # actor, role, action, kinds and ids are short words, not documents
_COLUMNS = "id, at, actor, role, action, target_kind, target_id, detail"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One act: ``actor`` (an account's user name, or an API token's name) acting as
    ``role``, did ``action`` (a dotted word: ``agent.pause``, ``call.move`` ...) to the
    ``target_kind`` ``target_id`` (an agent, a call ...) at ``at``; ``detail``: the act's
    own figures (a pause's reason, a move's services ...). ``id``: the store's, once kept."""

    at: datetime
    actor: str
    role: str
    action: str
    target_kind: str
    target_id: str
    detail: Mapping[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """What to read: each filter given narrows it. ``action`` ending in ``.`` is a prefix
    (``agent.``: every act on agents); ``hidden``: actions left out, each exact or a prefix
    the same way (what the reader may not see); ``before``: entries older than that id (the
    next page); at most ``limit`` entries, latest first."""

    actor: str | None = None
    action: str | None = None
    target_kind: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before: int | None = None
    limit: int = 100
    hidden: tuple[str, ...] = ()


def check_entry(entry: AuditEntry) -> None:
    require_aware(entry.at, f"audit {entry.action}")
    words = (entry.actor, entry.role, entry.action, entry.target_kind, entry.target_id)
    if not all(words) or any(len(w) > _TEXT_LIMIT for w in words):
        raise StoreRejected(f"audit {entry.action!r}: actor, role, action and target are "
                            f"1 to {_TEXT_LIMIT} characters")  # fmt: skip


@dataclass(frozen=True, slots=True)
class AppendAuditOp:
    entry: AuditEntry

    def __post_init__(self) -> None:
        check_entry(self.entry)  # refused now, to the one recording it, not in the log

    async def write(self, conn: asyncpg.Connection, write_id: str) -> None:
        await insert_entry(conn, self.entry, write_id)

    def to_json(self) -> dict[str, Any]:
        e = self.entry
        return {"at": e.at.isoformat(), "actor": e.actor, "role": e.role, "action": e.action,
                "target_kind": e.target_kind, "target_id": e.target_id,
                "detail": dict(e.detail)}  # fmt: skip

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> AppendAuditOp:
        at = datetime.fromisoformat(d["at"])
        return cls(AuditEntry(at, d["actor"], d["role"], d["action"], d["target_kind"],
                              d["target_id"], d["detail"]))  # fmt: skip


async def insert_entry(db: Executor, entry: AuditEntry, write_id: str | None) -> None:
    """One entry; a ``write_id`` already kept inserts nothing (a retry, a replay)."""
    await db.execute(
        "INSERT INTO audit_log (at, actor, role, action, target_kind, target_id, detail, "
        "write_id) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8) "
        "ON CONFLICT (write_id) DO NOTHING",
        entry.at, entry.actor, entry.role, entry.action, entry.target_kind,
        entry.target_id, json.dumps(dict(entry.detail)), write_id,
    )  # fmt: skip


class AuditStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def append(self, entry: AuditEntry) -> None:
        check_entry(entry)
        with translated(f"append audit {entry.action}"):
            await insert_entry(self._pool, entry, None)

    async def find(self, query: AuditQuery) -> list[AuditEntry]:
        """The entries ``query`` asks for, latest first."""
        where, args = _conditions(query)
        args.append(max(1, min(query.limit, MAX_ROWS)))
        sql = (f"SELECT {_COLUMNS} FROM audit_log{where} "
               f"ORDER BY at DESC, id DESC LIMIT ${len(args)}")  # fmt: skip
        with translated("read the audit log"):
            rows = await self._pool.fetch(sql, *args)
        return [_entry(row) for row in rows]


def _conditions(query: AuditQuery) -> tuple[str, list[Any]]:
    """The WHERE clause of ``query`` and its arguments (values always as parameters)."""
    parts: list[str] = []
    args: list[Any] = []

    def add(sql: str, value: Any) -> None:
        args.append(value)
        parts.append(sql.replace("?", f"${len(args)}"))

    for column in ("actor", "target_kind", "target_id"):
        value = getattr(query, column)
        if value:
            add(f"{column} = ?", value)
    if query.action and query.action.endswith("."):
        add("starts_with(action, ?)", query.action)
    elif query.action:
        add("action = ?", query.action)
    for action in query.hidden:
        add("NOT starts_with(action, ?)" if action.endswith(".") else "action <> ?", action)
    if query.since is not None:
        require_aware(query.since, "audit since")
        add("at >= ?", query.since)
    if query.until is not None:
        require_aware(query.until, "audit until")
        add("at < ?", query.until)
    if query.before is not None:
        add("id < ?", query.before)
    return (f" WHERE {' AND '.join(parts)}" if parts else ""), args


def _entry(row: Mapping[str, Any]) -> AuditEntry:
    values = dict(row)
    values["detail"] = json.loads(values["detail"])
    return AuditEntry(**values)
