"""The recordings' files: deleted only inside the spool, never through a link.

A row's ``file`` is a path the store kept; root runs the purge, so a path outside the
recording spool (a corrupted row, a link Asterisk planted) is left alone and logged.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)


def inside(spool: Path, file: str) -> Path | None:
    """``file`` when it is a regular file directly in ``spool`` (not a link), else None."""
    path = Path(file)
    if path.parent.resolve() != spool.resolve() or path.is_symlink() or not path.is_file():
        return None
    return path


def delete(spool: Path | None, files: Iterable[str]) -> int:
    """Delete each file that is inside ``spool``; how many were."""
    if spool is None:
        return 0
    deleted = 0
    for file in files:
        path = inside(spool, file)
        if path is None:
            if os.path.lexists(file):
                log.warning("recording %s not deleted: not a file of the spool", Path(file).name)
            continue
        path.unlink(missing_ok=True)
        deleted += 1
    return deleted


def sweep(spool: Path | None, older_than_days: int, now: float | None = None) -> int:
    """Delete the spool's files last changed more than ``older_than_days`` ago, rows or not
    (a recording whose row was never written, or whose deletion failed once)."""
    if spool is None or not spool.is_dir():
        return 0
    limit = (time.time() if now is None else now) - older_than_days * 86_400
    deleted = 0
    for entry in os.scandir(spool):
        if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < limit:
            os.unlink(entry.path)
            deleted += 1
    return deleted
