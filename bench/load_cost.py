"""What the processes under load cost, read from /proc: CPU seconds and resident memory.

A process's CPU is its own (every thread's) user and system time plus that of its children
it has reaped; ``tree=True`` adds its live descendants (PostgreSQL's backends). The machine's
CPU (every core, every process) says how much else ran meanwhile.
"""

from __future__ import annotations

import os
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, tree: bool = False) -> float:
    """User + system seconds of ``pid`` (and reaped children; and live descendants if
    ``tree``); 0 for a process that is gone."""
    total = _own(pid, reaped=True)
    if tree:
        total += sum(_own(child, reaped=True) for child in _descendants(pid))
    return total


def _own(pid: int, reaped: bool) -> float:
    fields = _stat(pid)
    if not fields:
        return 0.0
    # fields after the ")" of the command: state is [0]; utime [11], stime [12],
    # cutime [13], cstime [14]
    ticks = int(fields[11]) + int(fields[12])
    if reaped:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICK


def _stat(pid: int) -> list[str]:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    return text.rsplit(")", 1)[1].split()


def _descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))):
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        out += children
        todo += children
    return out


def rss_mb(pid: int) -> float | None:
    """Resident memory of ``pid`` in MB (VmRSS), None if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def machine_seconds() -> tuple[float, float, float]:
    """(busy, total, stolen) CPU seconds of the whole machine since boot, all cores; stolen:
    the time a virtual machine's cores waited for the host (other guests), inside busy."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    total = sum(values[:8])  # user .. steal (guest time is inside user)
    return (total - idle) / TICK, total / TICK, values[7] / TICK
