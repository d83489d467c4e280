"""The store for one command line (``centralino acts``, ``centralino users``): the center's
database (embedded unless CENTRALINO_DATABASE_URL), opened, used once, closed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from acd.store.embedded import resolve_database_url
from acd.store.store import Store

T = TypeVar("T")


def run_with_store(data_dir: Path, work: Callable[[Store], Awaitable[T]]) -> T:
    """Run ``work`` on the store and return its result; ``StoreError`` when unusable."""

    async def run() -> T:
        dsn, embedded = await asyncio.to_thread(resolve_database_url, data_dir)
        try:
            store = await Store.connect(dsn)
            try:
                return await work(store)
            finally:
                await store.close()
        finally:
            if embedded is not None:
                await asyncio.to_thread(embedded.stop)

    return asyncio.run(run())
