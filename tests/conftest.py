"""Shared fixtures."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator

import pytest

# scripts/test.sh runs a second real-stack session in a network namespace of its own
# (``unshare --net``: its loopback ports are its own too) and names another lock for it.
LOCK = os.environ.get("CENTRALINO_PORT_LOCK") or "/tmp/centralino-test-ports.lock"


@pytest.fixture(scope="session")
def exclusive_ports() -> Iterator[None]:
    """Real-stack tests use fixed loopback ports: one test session at a time in a network
    namespace."""
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
        fcntl.flock(lock, fcntl.LOCK_UN)
