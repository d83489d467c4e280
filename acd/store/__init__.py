"""The PostgreSQL store (asyncpg): contacts, the contact event log, agent state changes.

embedded.py   resolve_database_url(), EmbeddedPostgres: a private server by default
migrate.py    migrations/NNN_name.sql, applied once each, recorded in schema_migrations
store.py      Store: the typed reads and writes, the only asyncpg user besides migrate
writer.py     StoreWriter: writes queued in order off the runtime's event loop step
errors.py     the layer's errors, translated from asyncpg at the boundary:

StoreError                  anything the store could not do
 +-- StoreUnavailable       the server cannot be reached or is going away: retry later
 +-- StoreRejected          the data was refused: retrying won't help
 +-- MigrationError         the schema cannot be brought up to date: do not start
 +-- WriterFull             the writer's backlog is full: the write was not taken
"""

from acd.store.embedded import EmbeddedPostgres, resolve_database_url
from acd.store.errors import (
    MigrationError,
    StoreError,
    StoreRejected,
    StoreUnavailable,
    WriterFull,
)
from acd.store.migrate import migrate
from acd.store.store import Store
from acd.store.writer import (
    AppendEventOp,
    RecordAgentStateOp,
    SaveContactOp,
    StoreWriter,
    WriteOp,
)

__all__ = [
    "AppendEventOp",
    "EmbeddedPostgres",
    "MigrationError",
    "RecordAgentStateOp",
    "SaveContactOp",
    "Store",
    "StoreError",
    "StoreRejected",
    "StoreUnavailable",
    "StoreWriter",
    "WriteOp",
    "WriterFull",
    "migrate",
    "resolve_database_url",
]
