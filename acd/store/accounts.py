"""The accounts table (migration 006): plain reads and writes, asyncpg's errors translated
(``acd.store.errors``). The rules (roles, passwords) are in ``acd.access.accounts``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from acd.store.errors import translated

_COLUMNS = (
    "user_name, display_name, role, agent_id, password_hash, disabled, created_at, last_login"
)


@dataclass(frozen=True, slots=True)
class AccountRow:
    user_name: str
    display_name: str
    role: str
    agent_id: str | None
    password_hash: str
    disabled: bool
    created_at: datetime
    last_login: datetime | None


class AccountStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def insert(self, row: AccountRow) -> bool:
        """False when the user name (or the agent) already has an account."""
        with translated(f"add account {row.user_name}"):
            done = await self._pool.execute(
                f"INSERT INTO accounts ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                "ON CONFLICT DO NOTHING",
                row.user_name, row.display_name, row.role, row.agent_id, row.password_hash,
                row.disabled, row.created_at, row.last_login,
            )  # fmt: skip
        return bool(done.endswith(" 1"))

    async def get(self, user_name: str) -> AccountRow | None:
        with translated(f"read account {user_name}"):
            row = await self._pool.fetchrow(
                f"SELECT {_COLUMNS} FROM accounts WHERE user_name = $1", user_name
            )
        return None if row is None else AccountRow(**dict(row))

    async def all(self) -> list[AccountRow]:
        with translated("read accounts"):
            rows = await self._pool.fetch(f"SELECT {_COLUMNS} FROM accounts ORDER BY user_name")
        return [AccountRow(**dict(row)) for row in rows]

    async def update(self, user_name: str, **values: object) -> bool:
        """Set ``values`` (column names fixed by the callers) on one account; False if none."""
        names = list(values)
        sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(names, start=2))
        with translated(f"update account {user_name}"):
            done = await self._pool.execute(
                f"UPDATE accounts SET {sets} WHERE user_name = $1", user_name, *values.values()
            )
        return bool(done.endswith(" 1"))

    async def set_password_hash(self, user_name: str, password_hash: str) -> bool:
        """A new password closes every session of the account, in the same transaction."""
        with translated(f"set the password of {user_name}"):
            async with self._pool.acquire() as conn, conn.transaction():
                done = await conn.execute(
                    "UPDATE accounts SET password_hash = $2 WHERE user_name = $1",
                    user_name, password_hash,
                )  # fmt: skip
                await conn.execute("DELETE FROM web_sessions WHERE user_name = $1", user_name)
        return bool(done.endswith(" 1"))
