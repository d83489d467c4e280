"""The store writer's spill file: writes kept on disk while PostgreSQL is away.

One JSON line per write, ``{"id": write id, "op": kind, ...the op's fields}``, appended and
fsynced a batch at a time, so a crash loses nothing that reached the file (a line cut by
the crash is the last one, and is logged and skipped when read back). The file is read back
in order from a byte offset; once everything in it is written to the database it is removed.
A crash during that replay replays the file from the start again: harmless, every write is
idempotent by its id (``acd.store.store``).

It holds callers' numbers: created owner-only (0600), in the data directory.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FILE_NAME = "store-spill.jsonl"


class SpillFile:
    """``decode(kind, fields)`` makes an op again; it raises KeyError/ValueError/TypeError."""

    def __init__(self, path: Path, decode: Callable[[str, dict[str, Any]], Any]) -> None:
        self.path = path
        self._decode = decode
        self._offset = 0  # bytes already written to the database
        self.pending = self._count_lines()  # lines not yet written to the database

    def _count_lines(self) -> int:
        try:
            with self.path.open("rb") as f:
                return sum(1 for line in f if line.strip())
        except FileNotFoundError:
            return 0

    def append(self, lines: Iterable[str]) -> int:
        """Append the encoded writes and fsync; return how many."""
        data = "".join(line + "\n" for line in lines).encode()
        if not data:
            return 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new = not self.path.exists()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        if new:  # the file's name must survive a crash too
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        added = data.count(b"\n")
        self.pending += added
        return added

    def read(self, limit: int) -> tuple[list[tuple[str, Any]], int, int]:
        """Up to ``limit`` lines from the offset: the (id, op) pairs decoded, the offset after
        them, and how many lines could not be read back (logged, skipped)."""
        entries: list[tuple[str, Any]] = []
        bad = 0
        with self.path.open("rb") as f:
            f.seek(self._offset)
            end = self._offset
            for _ in range(limit):
                raw = f.readline()
                if not raw:
                    break
                end += len(raw)
                if not raw.strip():
                    continue
                try:
                    entries.append(self._entry(raw))
                except (ValueError, KeyError, TypeError) as exc:
                    bad += 1
                    log.error("store spill file %s: a line not read back, skipped: %s",
                              self.path, exc)  # fmt: skip
        return entries, end, bad

    def _entry(self, raw: bytes) -> tuple[str, Any]:
        fields = json.loads(raw)
        write_id, kind = fields.pop("id"), fields.pop("op")
        return str(write_id), self._decode(kind, fields)

    def replayed(self, offset: int, lines: int) -> None:
        """The lines up to ``offset`` are in the database; the file goes once all are."""
        self._offset = offset
        self.pending = max(0, self.pending - lines)
        if self._offset >= self.path.stat().st_size:
            self.path.unlink()
            self._offset = 0
            self.pending = 0
            log.info("store spill file replayed and removed")


def encode(write_id: str, kind: str, fields: dict[str, Any]) -> str:
    """One line; raises TypeError/ValueError for fields JSON cannot hold."""
    return json.dumps({"id": write_id, "op": kind, **fields}, separators=(",", ":"))
