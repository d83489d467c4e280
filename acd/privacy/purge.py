"""The retention purge: what is past its time pseudonymised, blanked or deleted, in batches.

``purge`` does one pass; ``PurgeJob`` runs it every day at ``privacy.purge_at`` (the center's
time) inside the engine, and ``centralino privacy purge`` runs it once (cron). Each batch is
its own short transaction on a pooled connection, with a pause between batches: the core
never waits on it (it never goes through the core's loop nor the ordered writer), and
a call's writes wait at most one batch's locks.

A pass, with ``Cutoffs`` = now minus each retention:
0. Asterisk's queue_log (the fallback queue's calls, with their numbers) loses its lines
   from before the numbers' cutoff: first, since each engine start records its calls again;
1. numbers: contacts started before the cutoff whose number is in clear, a batch at a time;
   every table's handler puts the pseudonym where the number was (``pseudonymise``);
2. each table's own retention (``expire``): IVR digits, recordings, the event log, notes,
   the audit trail, the website's callback requests (two days); the recordings' files
   deleted once their batch committed;
3. the spool swept of files older than the recordings' retention (orphans included).

The contacts stay (pseudonymised): the reports count the same before and after.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg

from acd.config.privacy_model import Privacy
from acd.privacy.files import delete, sweep, trim_queue_log
from acd.privacy.numbers import Pseudonyms
from acd.store.audit import AuditEntry
from acd.store.errors import StoreError, translated
from acd.store.privacy import TABLES, Cutoffs, PersonalTable, numbers_in_clear
from acd.store.website_requests import KEPT as REQUESTS_KEPT

log = logging.getLogger(__name__)
PAUSE_SECONDS = 0.05  # between batches: other sessions' statements get the locks first


def cutoffs(privacy: Privacy, now: datetime) -> Cutoffs:
    def days(n: int) -> datetime:
        return now - timedelta(days=n)

    return Cutoffs(numbers=days(privacy.numbers_in_clear_days),
                   digits=days(privacy.ivr_digits_days),
                   recordings=days(privacy.recordings_days),
                   history=days(privacy.history_days),
                   audit=days(privacy.audit_days),
                   requests=now - REQUESTS_KEPT)  # fmt: skip


async def purge(
    pool: asyncpg.Pool,
    privacy: Privacy,
    pseudonyms: Pseudonyms,
    now: datetime,
    spool: Path | None,
    tables: tuple[PersonalTable, ...] = TABLES,
    pause: float = PAUSE_SECONDS,
    queue_log: Path | None = None,
) -> dict[str, int]:
    """One pass (see the module docstring); what it did, by table and kind of change."""
    cut, size = cutoffs(privacy, now), privacy.batch
    counts: Counter[str] = Counter()
    counts["queue_log.expired"] = await asyncio.to_thread(trim_queue_log, queue_log, cut.numbers)
    with translated("privacy purge"):
        while True:
            async with pool.acquire() as conn, conn.transaction():
                found = await numbers_in_clear(conn, cut.numbers, size)
                numbers = {contact: (n, pseudonyms.of(n)) for contact, n in found}
                for table in tables if numbers else ():
                    counts[f"{table.name}.pseudonymised"] += await table.pseudonymise(conn, numbers)
            if len(found) < size:
                break
            await asyncio.sleep(pause)
        for table in tables:
            while True:
                async with pool.acquire() as conn, conn.transaction():
                    done = await table.expire(conn, cut, size)
                counts[f"{table.name}.expired"] += done.rows
                counts["recordings.deleted"] += await asyncio.to_thread(delete, spool, done.files)
                if done.rows < size:
                    break
                await asyncio.sleep(pause)
    swept = await asyncio.to_thread(sweep, spool, privacy.recordings_days, now.timestamp())
    counts["recordings.deleted"] += swept
    return {k: v for k, v in sorted(counts.items()) if v}


def purge_entry(counts: dict[str, int], now: datetime, actor: str, role: str) -> AuditEntry:
    """The audit trail's record of a pass: who ran it and what it changed."""
    return AuditEntry(now, actor, role, "privacy.purge", "retention", now.date().isoformat(),
                      counts)  # fmt: skip


def next_run(now: datetime, at: str, zone: ZoneInfo) -> datetime:
    """The next ``at`` (HH:MM, the center's time) after ``now``."""
    hour, minute = map(int, at.split(":"))
    local = now.astimezone(zone)
    day = local.date()
    for _ in range(3):  # today, tomorrow; a DST gap may skip one
        candidate = datetime.combine(day, time(hour, minute), zone)
        if candidate > now:
            return candidate
        day += timedelta(days=1)
    return now + timedelta(days=1)


class PurgeJob:
    """The daily purge inside the engine: never raises, logs what it did (counts only)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        privacy: Privacy,
        pseudonyms: Pseudonyms,
        spool: Path | None,
        zone: ZoneInfo,
        clock: Callable[[], datetime],
        record: Callable[[AuditEntry], None],
        queue_log: Path | None = None,
        pause: float = PAUSE_SECONDS,
    ) -> None:
        self._pool, self._privacy, self._pseudonyms = pool, privacy, pseudonyms
        self._spool, self._zone, self._clock, self._record = spool, zone, clock, record
        self._queue_log, self._pause = queue_log, pause

    async def run_forever(self) -> None:
        while True:
            now = self._clock()
            wait = next_run(now, self._privacy.purge_at, self._zone) - now
            await asyncio.sleep(wait.total_seconds())
            await self.run_once()

    async def run_once(self) -> dict[str, int]:
        now = self._clock()
        try:
            counts = await purge(self._pool, self._privacy, self._pseudonyms, now, self._spool,
                                 pause=self._pause, queue_log=self._queue_log)  # fmt: skip
        except (StoreError, OSError) as exc:
            log.warning("privacy purge stopped, tried again at the next run: %s", exc)
            return {}
        self._record(purge_entry(counts, now, "centralino", "system"))
        log.info("privacy purge done: %s", counts or "nothing past its retention")
        return counts
