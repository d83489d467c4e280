"""``centralino run``: the local Asterisk and the engine, until cancelled.

An engine restart need not drop calls: ``--keep-asterisk`` leaves Asterisk running on exit
and a run finding this data directory's Asterisk running uses it (so does one after a
crash); the engine then takes back the callers waiting in music on hold
(``acd.telephony.resume``).
"""

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
async def local_asterisk(
    cfg: CenterConfig, data_dir: Path, keep: bool = False
) -> AsyncIterator[Asterisk]:
    """The project's own Asterisk for this data directory; stopped on the way out unless
    ``keep``. One already running (kept by the previous run, or left by a crash) is used
    as it is, calls and all: the engine takes back the callers waiting in its queues."""
    asterisk = Asterisk(cfg, data_dir)
    pid = await asyncio.to_thread(asterisk.running_pid)
    if pid is not None:
        log.warning("using the Asterisk already running for %s (pid %d)", data_dir, pid)
    else:
        await asyncio.to_thread(asterisk.build)
        await asyncio.to_thread(asterisk.start)
    try:
        yield asterisk
    finally:
        if keep:
            log.warning("leaving Asterisk running with its calls (--keep-asterisk)")
        else:
            await asyncio.to_thread(asterisk.stop)


@contextlib.asynccontextmanager
async def running_center(
    cfg: CenterConfig, data_dir: Path, keep_asterisk: bool = False
) -> AsyncIterator[Center]:
    async with local_asterisk(cfg, data_dir, keep_asterisk) as asterisk:
        softphones = await asyncio.to_thread(asterisk.softphone_passwords)
        center = Center(cfg, data_dir, asterisk.ami_secret, asterisk.prompt_path,
                        instance=asterisk.paths, softphone_passwords=softphones)  # fmt: skip
        try:
            await center.start()
            yield center
        finally:
            await center.stop()


async def run_engine(cfg: CenterConfig, data_dir: Path, keep_asterisk: bool = False) -> int:
    await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
    async with running_center(cfg, data_dir, keep_asterisk) as center:
        print(f"centralino: running; sign in on {center.web_url}login", flush=True)
        await asyncio.Event().wait()
    return 0
