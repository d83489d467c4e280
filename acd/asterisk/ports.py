"""Is a local port free, and if not, which process holds it (from /proc, no extra tools)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

PROC = Path("/proc")
_KIND = {"udp": socket.SOCK_DGRAM, "tcp": socket.SOCK_STREAM}


def port_free(port: int, proto: str, host: str = "127.0.0.1") -> bool:
    """Can host:port be bound (as Asterisk binds it, with SO_REUSEADDR)?"""
    with socket.socket(socket.AF_INET, _KIND[proto]) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def address_here(host: str) -> bool:
    """Is ``host`` an address of this machine (or 0.0.0.0), so that it can be bound?"""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind((host, 0))
        except OSError:
            return False
    return True


def port_owners(port: int, proto: str) -> list[int]:
    """The pids holding a socket bound to ``port`` (listening, for TCP)."""
    inodes = _socket_inodes(port, proto)
    return sorted(pid for pid, inode in _process_sockets() if inode in inodes)


def describe_owner(port: int, proto: str) -> str:
    """``pid 123 (sipp)`` or ``an unknown process`` (another namespace, say)."""
    owners = [f"pid {pid} ({process_name(pid)})" for pid in port_owners(port, proto)]
    return ", ".join(dict.fromkeys(owners)) or "an unknown process"


def process_name(pid: int) -> str:
    try:
        return (PROC / str(pid) / "comm").read_text().strip()
    except OSError:
        return "?"


def _socket_inodes(port: int, proto: str) -> set[str]:
    inodes = set()
    for table in (f"{proto}", f"{proto}6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for fields in (line.split() for line in lines):
            listening = proto == "udp" or fields[3] == "0A"
            if listening and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def _process_sockets() -> list[tuple[int, str]]:
    """(pid, socket inode) for every socket of every process we can see."""
    found = []
    for proc in PROC.iterdir():
        if proc.name.isdigit():
            links = _fd_links(proc)
            found += [(int(proc.name), ln[8:-1]) for ln in links if ln.startswith("socket:[")]
    return found


def _fd_links(proc: Path) -> list[str]:
    links = []
    try:
        fds = list((proc / "fd").iterdir())
    except OSError:  # gone, or not ours to read
        return []
    for fd in fds:
        try:
            links.append(os.readlink(fd))
        except OSError:  # closed meanwhile
            continue
    return links
