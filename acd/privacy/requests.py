"""A citizen's requests about its number: a copy of everything held (GDPR art. 15, 20) and
erasure (art. 17). Both go through every handler of ``acd.store.privacy.TABLES``.

``export`` reads in one read-only, repeatable-read transaction (one consistent picture)
and writes a zip, 0600, never over an existing file: ``LEGGIMI.txt`` (what is inside, in
Italian and English), one JSON file per table, the voice messages' recordings under
``voice-messages/``. ``erase`` changes every table in one transaction, then deletes the
recordings; the contacts stay with their number replaced by a random marker, so the
reports' counts do not change. Both return counts only: the caller records them in the
audit trail (``audit_entry``), under the number's pseudonym, never the number.
"""

from __future__ import annotations

import asyncio
import json
import os
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg

from acd.privacy.files import delete, erase_from_queue_log, inside
from acd.privacy.numbers import Pseudonyms, erased_marker
from acd.store.audit import AuditEntry
from acd.store.errors import translated
from acd.store.privacy import TABLES, PersonalTable, Subject, find_contacts

README = """Dati personali conservati da Centralino per il numero {number}
Personal data Centralino holds for the number {number}

Estratto il / exported on: {at}

{tables}
Ogni file .json elenca le righe di una tabella; docs/privacy.md spiega cosa contiene
ciascuna, perché e per quanto tempo. Le registrazioni sono in voice-messages/.
Each .json file lists one table's rows; docs/privacy.md says what each holds, why and for
how long. The recordings are in voice-messages/.
"""


class ExportRefused(Exception):
    """The archive cannot be written where asked (it exists, or its folder does not)."""


async def export(
    pool: asyncpg.Pool,
    number: str,
    pseudonyms: Pseudonyms,
    spool: Path | None,
    out: Path,
    now: datetime,
    tables: tuple[PersonalTable, ...] = TABLES,
) -> dict[str, int]:
    """Write the archive of ``number`` to ``out``; rows per table and recordings copied."""
    with translated("export a citizen's data"):
        async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read",
                                                             readonly=True):  # fmt: skip
            subject = await find_contacts(conn, Subject(number, pseudonyms.of(number), ""))
            data = {table.name: await table.export(conn, subject) for table in tables}
    return await asyncio.to_thread(_write_archive, out, number, now, data, spool)


def _write_archive(
    out: Path, number: str, now: datetime, data: dict[str, list[dict[str, Any]]],
    spool: Path | None,
) -> dict[str, int]:  # fmt: skip
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise ExportRefused(f"{out} exists already: name another file") from exc
    except OSError as exc:
        raise ExportRefused(f"{out}: {exc.strerror}") from exc
    counts = {name: len(rows) for name, rows in data.items()}
    recordings = [m["file"] for m in data.get("voice_messages", []) if m.get("file")]
    with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as z:
        for name, rows in data.items():
            z.writestr(f"{name}.json", json.dumps(rows, ensure_ascii=False, indent=2))
        copied = 0
        for file in recordings:
            path = inside(spool, file) if spool is not None else None
            if path is not None:
                z.write(path, f"voice-messages/{path.name}")
                copied += 1
        counts["recordings"] = copied
        lines = "".join(
            f"  {name}.json: {n}\n" for name, n in counts.items() if name != "recordings"
        )
        lines += f"  voice-messages/: {copied}\n"
        z.writestr("LEGGIMI.txt", README.format(number=number, at=now.isoformat(), tables=lines))
    return counts


async def erase(
    pool: asyncpg.Pool,
    number: str,
    pseudonyms: Pseudonyms,
    spool: Path | None,
    tables: tuple[PersonalTable, ...] = TABLES,
    queue_log: Path | None = None,
) -> dict[str, int]:
    """Remove or blank ``number``'s data everywhere; rows changed per table, recordings
    deleted, Asterisk's queue_log lines dropped (first: the engine reads that file again
    every 10 s and would write the fallback's calls back as contacts)."""
    files: list[str] = []
    counts: dict[str, int] = {"queue_log": await asyncio.to_thread(erase_from_queue_log,
                                                                   queue_log, number)}  # fmt: skip
    with translated("erase a citizen's data"):
        async with pool.acquire() as conn, conn.transaction():
            subject = Subject(number, pseudonyms.of(number), erased_marker())
            subject = await find_contacts(conn, subject)
            for table in tables:
                done = await table.erase(conn, subject)
                counts[table.name] = done.rows
                files += done.files
    counts["recordings"] = await asyncio.to_thread(delete, spool, files)
    return counts


def audit_entry(
    action: str, number: str, pseudonyms: Pseudonyms, counts: dict[str, int], now: datetime,
    actor: str, role: str,
) -> AuditEntry:  # fmt: skip
    """``privacy.export`` or ``privacy.erase`` of the citizen known by its pseudonym."""
    return AuditEntry(now, actor, role, action, "citizen", pseudonyms.of(number), counts)
