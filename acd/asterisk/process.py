"""Processes by pid: alive (zombies count as dead), their command line, ending them."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

PROC = Path("/proc")


def pid_alive(pid: int) -> bool:
    """True while the process runs; a zombie (exited, not yet reaped) is dead."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def cmdline(pid: int) -> list[str]:
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return []
    return raw.decode(errors="replace").rstrip("\0").split("\0")


def wait_gone(pid: int, timeout: float) -> bool:
    """Poll until the process has ended; False if it still runs after ``timeout``."""
    deadline = time.monotonic() + timeout
    while pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def kill_group(pid: int, sig: signal.Signals) -> None:
    """Signal the process, and its group when it leads one; a gone process is fine.

    A managed Asterisk leads its own group; a detached one is in its launcher's group.
    """
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        pass


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None
