"""Migrations run once, are recorded, roll back as a whole, and don't race."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest

from acd.store.errors import MigrationError
from acd.store.migrate import load_migrations, migrate
from tests.integration.store.helpers import execute, fetch, run_async


async def _migrate(dsn: str, directory: Path | None = None) -> list[str]:
    conn = await asyncpg.connect(dsn)
    try:
        return await (migrate(conn) if directory is None else migrate(conn, directory))
    finally:
        await conn.close()


def test_migrations_apply_once_and_are_recorded(dsn: str) -> None:
    names = [m.name for m in load_migrations()]
    assert names[0] == "001_initial_schema"

    assert run_async(_migrate(dsn)) == names
    assert run_async(_migrate(dsn)) == []

    rows = run_async(fetch(dsn, "SELECT version, name, applied_at FROM schema_migrations"))
    assert [(r["version"], r["name"]) for r in rows] == [
        (m.version, m.name) for m in load_migrations()
    ]
    assert all(isinstance(r["applied_at"], datetime) and r["applied_at"].tzinfo for r in rows)
    tables = run_async(fetch(dsn, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
    assert {"contacts", "contact_events", "agent_states"} <= {r["tablename"] for r in tables}


def test_two_engines_starting_at_once_apply_each_migration_once(dsn: str) -> None:
    async def both() -> list[list[str]]:
        return list(await asyncio.gather(_migrate(dsn), _migrate(dsn)))

    results = sorted(run_async(both()))
    assert results == [[], [m.name for m in load_migrations()]]


def test_a_failing_migration_leaves_no_trace_and_names_its_file(dsn: str, tmp_path: Path) -> None:
    (tmp_path / "001_first.sql").write_text("CREATE TABLE first (id int);")
    (tmp_path / "002_broken.sql").write_text("CREATE TABLE second (id int); SELEC 1;")

    with pytest.raises(MigrationError, match=r"002_broken\.sql"):
        run_async(_migrate(dsn, tmp_path))

    rows = run_async(fetch(dsn, "SELECT name FROM schema_migrations"))
    assert [r["name"] for r in rows] == ["001_first"]
    tables = run_async(fetch(dsn, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
    assert "second" not in {r["tablename"] for r in tables}

    (tmp_path / "002_broken.sql").write_text("CREATE TABLE second (id int);")
    assert run_async(_migrate(dsn, tmp_path)) == ["002_broken"]


@pytest.mark.parametrize("name", ["1_short.sql", "001-dash.sql", "001_Upper.sql"])
def test_badly_named_files_are_refused(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=re.escape(name)):
        load_migrations(tmp_path)


def test_duplicate_versions_are_refused(tmp_path: Path) -> None:
    (tmp_path / "001_a.sql").write_text("SELECT 1;")
    (tmp_path / "001_b.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="version 1"):
        load_migrations(tmp_path)


def test_an_account_that_may_not_take_the_purge_role_is_told_what_to_ask_the_dba(
    dsn: str,
) -> None:
    """An external server's account without CREATEROLE (docs/privacy.md): migration 023
    stops with what the DBA must run, and passes once the DBA granted the role."""
    account = f"app_{uuid.uuid4().hex[:8]}"
    database = urlsplit(dsn).path.lstrip("/")
    run_async(execute(dsn, f"CREATE ROLE {account} LOGIN"))
    run_async(execute(dsn, f'ALTER DATABASE "{database}" OWNER TO {account}'))
    run_async(execute(dsn, f"ALTER SCHEMA public OWNER TO {account}"))
    as_app = dsn.replace("postgresql://postgres@", f"postgresql://{account}@", 1)
    assert as_app != dsn
    try:
        # (the role exists already on this shared server: the other tests' migrations)
        with pytest.raises(MigrationError) as refused:
            run_async(_migrate(as_app))
        said = str(refused.value)
        assert "023_privacy_purge_role.sql" in said
        assert f"{account} may not take the privacy purge's role centralino_privacy" in said
        assert f"GRANT centralino_privacy TO {account}" in said
        run_async(execute(dsn, f"GRANT centralino_privacy TO {account}"))  # the DBA's part
        assert "023_privacy_purge_role" in run_async(_migrate(as_app))
    finally:
        run_async(execute(dsn, f"REASSIGN OWNED BY {account} TO postgres"))
        run_async(execute(dsn, f"DROP OWNED BY {account}"))
