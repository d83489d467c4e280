"""The store tests' PostgreSQL (one embedded server, a fresh database per test)."""

from tests.integration.store.conftest import dsn, embedded

__all__ = ["dsn", "embedded"]
