"""The website's callback requests (migration 030, ``web_callback_requests``): receipts.

A receipt is what the engine answered to one request of an API token with its
idempotency key: the callback it made or found pending, the answer given, and what the
daily limits count (the token's requests, the callbacks made for a number's pseudonym).
The rules (which limit, what a retry gets) are in ``acd.web.website_request``; the
handlers in ``acd.web.website_callbacks`` check and write inside one ``booking``: a
transaction whose receipt is written last, so a request refused on the way leaves nothing.

Errors: ``StoreError`` (``acd.store.errors``) for anything the database could not do.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from acd.store.errors import translated
from acd.store.store import require_aware

KEPT = timedelta(days=2)  # a receipt's life: the limits and the keys need one day of them
_FIELDS = ("token_id", "idempotency_key", "call_id", "created", "number_pseudonym",
           "body_digest", "status", "answer", "created_at")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Receipt:
    token_id: str
    idempotency_key: str
    call_id: str
    created: bool  # this request made the callback (else: it was pending already)
    number_pseudonym: str
    body_digest: str
    status: int  # 201 made, 200 found pending
    answer: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Count:
    """How many rows since a time, and the oldest of them (when the count goes down)."""

    n: int
    oldest: datetime | None


class Book:
    """The receipts, inside one transaction (``WebsiteRequests.booking``)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def receipt(self, token_id: str, key: str) -> Receipt | None:
        with translated("read a website request"):
            row = await self._conn.fetchrow(
                f"SELECT {', '.join(_FIELDS)} FROM web_callback_requests "
                "WHERE token_id = $1 AND idempotency_key = $2",
                token_id, key,
            )  # fmt: skip
        return None if row is None else _receipt(row)

    async def token_requests(self, token_id: str, since: datetime) -> Count:
        """The token's requests answered with a callback since ``since``."""
        with translated("count a token's website requests"):
            row = await self._conn.fetchrow(
                "SELECT count(*) AS n, min(created_at) AS oldest FROM web_callback_requests "
                "WHERE token_id = $1 AND created_at > $2",
                token_id, since,
            )  # fmt: skip
        return Count(row["n"], row["oldest"])

    async def callbacks_made_for(self, pseudonym: str, since: datetime) -> Count:
        """The callbacks made for a number (any token's requests) since ``since``."""
        with translated("count a number's website callbacks"):
            row = await self._conn.fetchrow(
                "SELECT count(*) AS n, min(created_at) AS oldest FROM web_callback_requests "
                "WHERE number_pseudonym = $1 AND created AND created_at > $2",
                pseudonym, since,
            )  # fmt: skip
        return Count(row["n"], row["oldest"])

    async def keep(self, r: Receipt) -> None:
        require_aware(r.created_at, "website request created_at")
        with translated("keep a website request"):
            await self._conn.execute(
                f"INSERT INTO web_callback_requests ({', '.join(_FIELDS)}) "
                f"VALUES ({', '.join(f'${i}' for i in range(1, len(_FIELDS) + 1))})",
                r.token_id, r.idempotency_key, r.call_id, r.created, r.number_pseudonym,
                r.body_digest, r.status, json.dumps(r.answer), r.created_at,
            )  # fmt: skip


class WebsiteRequests:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @asynccontextmanager
    async def booking(self) -> AsyncIterator[Book]:
        """A ``Book`` in one transaction: committed when the block ends, rolled back when
        it raises (whatever it raises: a refusal leaves nothing)."""
        with translated("open a website request"):
            conn = await self._pool.acquire()
        try:
            transaction = conn.transaction()
            with translated("open a website request"):
                await transaction.start()
            try:
                yield Book(conn)
            except BaseException:
                with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                    await transaction.rollback()  # (a broken connection: the pool drops it)
                raise
            with translated("keep a website request"):
                await transaction.commit()
        finally:
            await self._pool.release(conn)

    async def receipts_of(self, token_id: str, call_id: str) -> list[Receipt]:
        """The token's receipts naming callback ``call_id`` (none: not the token's)."""
        with translated("read a callback's website requests"):
            rows = await self._pool.fetch(
                f"SELECT {', '.join(_FIELDS)} FROM web_callback_requests "
                "WHERE token_id = $1 AND call_id = $2 ORDER BY created_at",
                token_id, call_id,
            )  # fmt: skip
        return [_receipt(row) for row in rows]


def _receipt(row: asyncpg.Record) -> Receipt:
    values = {f: row[f] for f in _FIELDS}
    values["answer"] = json.loads(values["answer"])
    return Receipt(**values)
