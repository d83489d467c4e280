"""``centralino run``: the local Asterisk and the engine, until cancelled."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from acd.asterisk.control import Asterisk
from acd.bootstrap import Center
from acd.config.model import CenterConfig

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def local_asterisk(cfg: CenterConfig, data_dir: Path) -> AsyncIterator[Asterisk]:
    """The project's own Asterisk for this data directory; stopped on the way out."""
    asterisk = Asterisk(cfg, data_dir)
    await asyncio.to_thread(asterisk.build)
    await asyncio.to_thread(asterisk.start)
    try:
        yield asterisk
    finally:
        await asyncio.to_thread(asterisk.stop)


@contextlib.asynccontextmanager
async def running_center(cfg: CenterConfig, data_dir: Path) -> AsyncIterator[Center]:
    async with local_asterisk(cfg, data_dir) as asterisk:
        center = Center(
            cfg, data_dir, asterisk.ami_secret, asterisk.prompt_path, instance=asterisk.paths
        )
        try:
            await center.start()
            yield center
        finally:
            await center.stop()


async def run_engine(cfg: CenterConfig, data_dir: Path) -> int:
    data_dir.mkdir(parents=True, exist_ok=True)
    async with running_center(cfg, data_dir):
        print(f"centralino: running; live page on http://127.0.0.1:{cfg.ports.web}/", flush=True)
        await asyncio.Event().wait()
    return 0
