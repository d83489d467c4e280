"""Schema migrations: ``migrations/NNN_name.sql``, applied in order, once, and recorded.

The files are package data, read through ``importlib.resources`` (or from any directory
given, as the tests do).

Each file runs in its own transaction together with its row in ``schema_migrations``
(version, name, applied_at), so a file that fails leaves no trace and is tried again at the
next start. A session advisory lock serialises engines that start at the same time: the
second one waits, then finds nothing left to do.

Errors (see ``acd.store.errors``): MigrationError for a malformed directory or a file whose
SQL fails; StoreUnavailable when the connection drops.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

import asyncpg

from acd.store.errors import MigrationError, translated

MIGRATIONS_DIR: Traversable = resources.files("acd.store") / "migrations"

# Any fixed 64-bit key will do; advisory locks are per database, so this only serialises
# Centralino migrations against each other. (Bytes of "cntrlino".)
_LOCK_KEY = 0x636E74726C696E6F
_FILE_NAME = re.compile(r"(?P<version>\d{3,})_(?P<label>[a-z0-9_]+)\.sql")

_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str  # the file name without ".sql", e.g. "001_initial_schema"
    path: Traversable


def load_migrations(directory: Traversable = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files in ``directory``, in version order."""
    migrations: dict[int, Migration] = {}
    files = (p for p in directory.iterdir() if p.name.endswith(".sql"))
    for path in sorted(files, key=lambda p: p.name):
        match = _FILE_NAME.fullmatch(path.name)
        if match is None:
            raise MigrationError(f"{path}: not named NNN_name.sql (lower case, digits, _)")
        version = int(match["version"])
        if version in migrations:
            raise MigrationError(
                f"{path}: version {version} also used by {migrations[version].path}"
            )
        migrations[version] = Migration(version, path.name.removesuffix(".sql"), path)
    return [migrations[v] for v in sorted(migrations)]


async def migrate(conn: asyncpg.Connection, directory: Traversable = MIGRATIONS_DIR) -> list[str]:
    """Apply the migrations not yet recorded; return their names, in the order applied."""
    migrations = load_migrations(directory)
    with translated("migrate"):
        await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
        try:
            await conn.execute(_CREATE_TABLE)
            done = {
                row["version"] for row in await conn.fetch("SELECT version FROM schema_migrations")
            }
            pending = [m for m in migrations if m.version not in done]
            for migration in pending:
                await _apply(conn, migration)
        finally:
            if not conn.is_closed():  # a dropped session has released its locks already
                await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
    return [m.name for m in pending]


async def _apply(conn: asyncpg.Connection, migration: Migration) -> None:
    sql = migration.path.read_text(encoding="utf-8")
    with translated(f"migration {migration.path.name}", refused=MigrationError):
        async with conn.transaction():
            await conn.execute(sql)
            await conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                migration.version,
                migration.name,
            )
    log.info("applied migration %s", migration.name)
