"""The kiosk_credentials table (migration 022): plain reads and writes.

Rows are found by the credential id and checked by the SHA-256 of the secret the kiosk
holds, never by the secret itself; the rules are in ``acd.access.kiosks``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from acd.store.errors import translated


@dataclass(frozen=True, slots=True)
class KioskCredentialRow:
    credential_id: str
    kiosk_id: str
    secret_hash: bytes
    created_at: datetime
    last_used: datetime | None
    revoked_at: datetime | None


class KioskCredentialStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def replace(self, row: KioskCredentialRow) -> None:
        """``row`` becomes its kiosk's live credential; an earlier one is revoked with it
        (one transaction: never two live, never none half-made)."""
        with translated(f"add a credential for kiosk {row.kiosk_id}"):
            async with self._pool.acquire() as conn, conn.transaction():
                await conn.execute(
                    "UPDATE kiosk_credentials SET revoked_at = $2"
                    " WHERE kiosk_id = $1 AND revoked_at IS NULL",
                    row.kiosk_id, row.created_at,
                )  # fmt: skip
                await conn.execute(
                    "INSERT INTO kiosk_credentials (credential_id, kiosk_id, secret_hash,"
                    " created_at, last_used, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)",
                    row.credential_id, row.kiosk_id, row.secret_hash, row.created_at,
                    row.last_used, row.revoked_at,
                )  # fmt: skip

    async def get(self, credential_id: str) -> KioskCredentialRow | None:
        with translated(f"read kiosk credential {credential_id}"):
            row = await self._pool.fetchrow(
                "SELECT * FROM kiosk_credentials WHERE credential_id = $1", credential_id
            )
        return None if row is None else KioskCredentialRow(**dict(row))

    async def all(self) -> list[KioskCredentialRow]:
        with translated("read kiosk credentials"):
            rows = await self._pool.fetch(
                "SELECT * FROM kiosk_credentials ORDER BY kiosk_id, created_at"
            )
        return [KioskCredentialRow(**dict(row)) for row in rows]

    async def used(self, credential_id: str, at: datetime) -> None:
        with translated(f"note the use of kiosk credential {credential_id}"):
            await self._pool.execute(
                "UPDATE kiosk_credentials SET last_used = $2 WHERE credential_id = $1",
                credential_id, at,
            )  # fmt: skip

    async def revoke(self, kiosk_id: str, at: datetime) -> bool:
        """Revoke the kiosk's live credential; False when it has none."""
        with translated(f"revoke the credential of kiosk {kiosk_id}"):
            done = await self._pool.execute(
                "UPDATE kiosk_credentials SET revoked_at = $2"
                " WHERE kiosk_id = $1 AND revoked_at IS NULL",
                kiosk_id, at,
            )  # fmt: skip
        return bool(done.endswith(" 1"))
