"""Helpers for the store tests (no pytest-asyncio: each scenario gets its own event loop)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import asyncpg

from acd.core.contact import Contact

T = TypeVar("T")
ROME = ZoneInfo("Europe/Rome")
# Rome time, away from a DST change: Python never finds an aware datetime in a DST gap or
# fold equal to one in another zone, which would make round trips look lossy.
T0 = datetime(2025, 3, 14, 9, 30, 15, 123456, tzinfo=ROME)


def run_async(coro: Coroutine[Any, Any, T], timeout: float = 20) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


async def execute(dsn: str, sql: str, *args: object) -> str:
    conn = await asyncpg.connect(dsn)
    try:
        return str(await conn.execute(sql, *args))
    finally:
        await conn.close()


async def fetch(dsn: str, sql: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def full_contact(contact_id: str = "1700000000.42") -> Contact:
    """A contact with every field set, in Rome time (the store hands back UTC)."""
    return Contact(
        contact_id=contact_id,
        caller_number="+390612345678",
        dialled_number="0612",
        started_at=T0,
        ivr_path=("main", "2", "anagrafe"),
        service="anagrafe",
        entered_queue_at=T0 + timedelta(seconds=20),
        answered_at=T0 + timedelta(seconds=65, microseconds=500_000),
        ended_at=T0 + timedelta(minutes=4),
        agent_id="agent-7",
        outcome="answered",
        service_path=("urp", "anagrafe"),  # overflowed from the URP
    )
