"""A real PostgreSQL for the store tests: one embedded server, a fresh database per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from acd.store.embedded import EmbeddedPostgres
from tests.integration.store.helpers import execute, run_async


@pytest.fixture(scope="session")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    pg = EmbeddedPostgres(tmp_path_factory.mktemp("store-pg"))
    pg.start()
    yield pg
    pg.stop()


@pytest.fixture
def dsn(embedded: EmbeddedPostgres) -> Iterator[str]:
    """A DSN on an empty database of its own (CREATE DATABASE takes a few milliseconds)."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    run_async(execute(embedded.dsn(), f'CREATE DATABASE "{name}"'))
    yield embedded.dsn(name)
    run_async(execute(embedded.dsn(), f'DROP DATABASE "{name}" WITH (FORCE)'))
