"""The store layer's errors, and the one place that maps asyncpg's onto them.

    StoreError                  anything the store could not do
     +-- StoreUnavailable       the server cannot be reached or is going away: retry later
     +-- StoreRejected          the server (or the store) refused this data: retrying won't help
     +-- MigrationError         the schema cannot be brought up to date: do not start
     +-- WriterFull             the background writer's backlog is full: the write was not taken

Callers outside ``acd.store`` never see an asyncpg exception: every public coroutine wraps
its database work in ``translated()``, which re-raises ``from`` the original.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg


class StoreError(Exception):
    """The store could not do what was asked."""


class StoreUnavailable(StoreError):
    """The database cannot be reached now (down, restarting, out of connections)."""


class StoreRejected(StoreError):
    """The data was refused (constraint, append-only log, naive datetime, bad value)."""


class MigrationError(StoreError):
    """A migration file is malformed or failed to apply."""


class WriterFull(StoreError):
    """The writer's backlog reached its bound; the operation was not queued."""


# Transient: the same statement may succeed once the server is back (classes 08, 53, 57).
# TimeoutError is an OSError since Python 3.11, so a connect timeout lands here too.
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InsufficientResourcesError,
    asyncpg.OperatorInterventionError,
)
# Permanent for this data: classes 22 and 23, our own RAISE (the append-only trigger), and
# client-side encoding failures (asyncpg raises ValueError/TypeError subclasses for those).
_REJECTED: tuple[type[BaseException], ...] = (
    asyncpg.DataError,
    asyncpg.IntegrityConstraintViolationError,
    asyncpg.RaiseError,
    ValueError,
    TypeError,
)


@contextmanager
def translated(what: str, refused: type[StoreError] | None = None) -> Iterator[None]:
    """Re-raise asyncpg and socket errors met while doing ``what`` as StoreError subclasses.

    Transient failures become StoreUnavailable; the others StoreRejected (bad data) or
    StoreError, or ``refused`` for both when given (migrations: MigrationError).
    """
    try:
        yield
    except StoreError:
        raise
    except _UNAVAILABLE as exc:
        raise StoreUnavailable(f"{what}: {exc}") from exc
    except _REJECTED as exc:
        raise (refused or StoreRejected)(f"{what}: {exc}") from exc
    except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise (refused or StoreError)(f"{what}: {exc}") from exc
