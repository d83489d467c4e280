"""The recordings' files: deleted only inside the spool, never through a link; and
Asterisk's queue_log trimmed of its old lines (``trim_queue_log``).

A row's ``file`` is a path the store kept; root runs the purge, so a path outside the
recording spool (a corrupted row, a link Asterisk planted) is left alone and logged.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from acd.telephony.queue_log import lines_without_caller, recent_lines

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


def trim_queue_log(path: Path | None, before: datetime) -> int:
    """Asterisk's queue_log without its lines from before ``before`` (each call's lines hold
    the caller's number); how many went. Rewritten in place, never through a link: Asterisk
    keeps the file open for appending (O_APPEND), so its next line lands at the new end;
    a line it appended while this read is kept. Only a line appended in the instant between
    that read and the truncation would be lost: the purge runs once a day, when the engine
    is up and the fallback queue takes no calls."""
    return _rewrite(path, lambda text: recent_lines(text, before))


def erase_from_queue_log(path: Path | None, number: str) -> int:
    """Asterisk's queue_log without the lines of ``number``'s calls (a citizen's erasure:
    else the next start would read them back as contacts, the number in clear); how many
    went. Rewritten in place as ``trim_queue_log`` does."""
    return _rewrite(path, lambda text: lines_without_caller(text, number))


def _rewrite(path: Path | None, keep: Callable[[bytes], tuple[bytes, int]]) -> int:
    if path is None:
        return 0
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW)
    except FileNotFoundError:
        return 0
    with os.fdopen(fd, "r+b") as file:
        kept, dropped = keep(file.read())
        if dropped:
            kept += file.read()  # appended meanwhile
            file.seek(0)
            file.write(kept)
            file.truncate()
    return dropped
