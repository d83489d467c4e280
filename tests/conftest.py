"""Shared fixtures."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator

import pytest

LOCK = "/tmp/centralino-test-ports.lock"


@pytest.fixture(scope="session")
def exclusive_ports() -> Iterator[None]:
    """Real-stack tests use fixed loopback ports: one test session at a time on a machine."""
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
        fcntl.flock(lock, fcntl.LOCK_UN)
