"""The web_sessions and api_tokens tables (migration 007): plain reads and writes.

Rows are found by the SHA-256 of the secret the client holds (``acd.access``), never by the
secret itself. The rules (timeouts, scopes) are in ``acd.access.sessions`` and
``acd.access.tokens``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from acd.store.errors import translated


@dataclass(frozen=True, slots=True)
class SessionRow:
    id_hash: bytes
    user_name: str
    csrf: str
    address: str
    created_at: datetime
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class SessionOwner:
    """The account a session belongs to, as it is now (disabled since? role changed?)."""

    role: str
    agent_id: str | None
    display_name: str
    disabled: bool


@dataclass(frozen=True, slots=True)
class TokenRow:
    token_id: str
    name: str
    scope: str
    secret_hash: bytes
    created_at: datetime
    last_used: datetime | None
    revoked_at: datetime | None


class SessionStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def insert(self, row: SessionRow) -> None:
        with translated(f"open a session for {row.user_name}"):
            await self._pool.execute(
                "INSERT INTO web_sessions (id_hash, user_name, csrf, address, created_at, "
                "last_seen) VALUES ($1, $2, $3, $4, $5, $6)",
                row.id_hash, row.user_name, row.csrf, row.address, row.created_at,
                row.last_seen,
            )  # fmt: skip

    async def get(self, id_hash: bytes) -> tuple[SessionRow, SessionOwner] | None:
        with translated("read a session"):
            row = await self._pool.fetchrow(
                "SELECT s.id_hash, s.user_name, s.csrf, s.address, s.created_at, s.last_seen,"
                " a.role, a.agent_id, a.display_name, a.disabled"
                " FROM web_sessions s JOIN accounts a USING (user_name) WHERE s.id_hash = $1",
                id_hash,
            )
        if row is None:
            return None
        session = SessionRow(*(row[k] for k in SessionRow.__slots__))
        return session, SessionOwner(row["role"], row["agent_id"], row["display_name"],
                                     row["disabled"])  # fmt: skip

    async def touch(self, id_hash: bytes, at: datetime) -> None:
        with translated("refresh a session"):
            await self._pool.execute(
                "UPDATE web_sessions SET last_seen = $2 WHERE id_hash = $1", id_hash, at
            )

    async def delete(self, id_hash: bytes) -> None:
        with translated("close a session"):
            await self._pool.execute("DELETE FROM web_sessions WHERE id_hash = $1", id_hash)

    async def delete_user(self, user_name: str) -> None:
        """Every session of one account (disabled, or its password changed)."""
        with translated(f"close the sessions of {user_name}"):
            await self._pool.execute("DELETE FROM web_sessions WHERE user_name = $1", user_name)

    async def delete_stale(self, idle_before: datetime, created_before: datetime) -> int:
        with translated("drop expired sessions"):
            done = await self._pool.execute(
                "DELETE FROM web_sessions WHERE last_seen < $1 OR created_at < $2",
                idle_before, created_before,
            )  # fmt: skip
        return int(done.split()[-1])


class TokenStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def insert(self, row: TokenRow) -> None:
        with translated(f"add token {row.name}"):
            await self._pool.execute(
                "INSERT INTO api_tokens (token_id, name, scope, secret_hash, created_at,"
                " last_used, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                row.token_id, row.name, row.scope, row.secret_hash, row.created_at,
                row.last_used, row.revoked_at,
            )  # fmt: skip

    async def get(self, token_id: str) -> TokenRow | None:
        with translated(f"read token {token_id}"):
            row = await self._pool.fetchrow(
                "SELECT * FROM api_tokens WHERE token_id = $1", token_id
            )
        return None if row is None else TokenRow(**dict(row))

    async def all(self) -> list[TokenRow]:
        with translated("read tokens"):
            rows = await self._pool.fetch("SELECT * FROM api_tokens ORDER BY created_at")
        return [TokenRow(**dict(row)) for row in rows]

    async def used(self, token_id: str, at: datetime) -> None:
        with translated(f"note the use of token {token_id}"):
            await self._pool.execute(
                "UPDATE api_tokens SET last_used = $2 WHERE token_id = $1", token_id, at
            )

    async def revoke(self, token_id: str, at: datetime) -> bool:
        with translated(f"revoke token {token_id}"):
            done = await self._pool.execute(
                "UPDATE api_tokens SET revoked_at = $2 WHERE token_id = $1"
                " AND revoked_at IS NULL",
                token_id, at,
            )  # fmt: skip
        return bool(done.endswith(" 1"))
