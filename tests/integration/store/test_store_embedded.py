"""EmbeddedPostgres and resolve_database_url, against the real bundled binaries."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from acd.store.embedded import DATABASE_URL_ENV, EmbeddedPostgres, resolve_database_url
from acd.store.errors import StoreUnavailable
from acd.store.store import Store
from tests.integration.store.helpers import execute, fetch, run_async


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # '+' is read as a space in a URL query: the DSN must quote the socket path.
    return tmp_path_factory.mktemp("centralino+data")


@pytest.fixture
def pg(data_dir: Path) -> Iterator[EmbeddedPostgres]:
    pg = EmbeddedPostgres(data_dir)
    yield pg
    pg.stop()


async def server_pid(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("SELECT pg_backend_pid()"))
    finally:
        await conn.close()


def test_starts_a_cluster_then_reuses_it_quickly(pg: EmbeddedPostgres, data_dir: Path) -> None:
    dsn = pg.start()
    assert dsn.startswith("postgresql://")
    run_async(execute(dsn, "CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)"))
    pg.stop()
    with pytest.raises(FileNotFoundError):  # really stopped: the socket is gone
        run_async(server_pid(dsn))

    began = time.monotonic()
    assert pg.start() == dsn
    warm = time.monotonic() - began

    assert (data_dir / "postgres" / "PG_VERSION").exists()
    assert run_async(fetch(dsn, "SELECT x FROM kept"))[0]["x"] == 42
    assert warm < 2.0, f"warm start took {warm:.2f}s"


def test_stop_is_not_blocked_by_a_crashed_engines_handle(
    pg: EmbeddedPostgres, data_dir: Path
) -> None:
    dsn = pg.start()
    pg.stop()
    handles = data_dir / "postgres" / ".handle_pids.json"
    handles.write_text(json.dumps([_dead_pid()]))  # an engine killed while holding it

    pg.start()
    pg.stop()

    with pytest.raises(FileNotFoundError):  # the socket is gone
        run_async(server_pid(dsn))


def test_a_stale_pidfile_from_before_a_reboot_is_ignored(
    pg: EmbeddedPostgres, data_dir: Path
) -> None:
    pidfile = data_dir / "postgres" / "postmaster.pid"
    pg.start()
    lines = pidfile.read_text().splitlines(keepends=True)
    pg.stop()
    # After a power cut the file survives, and its pid now belongs to another process.
    # (Not ours: pgserver, fooled, would "stop" that process by terminating it.)
    with subprocess.Popen(["sleep", "60"]) as bystander:
        try:
            pidfile.write_text("".join([f"{bystander.pid}\n", *lines[1:]]))
            dsn = pg.start()
            assert run_async(server_pid(dsn)) > 0
            pg.stop()
            assert bystander.poll() is None
        finally:
            bystander.kill()


def test_the_environment_selects_a_real_server(
    embedded: EmbeddedPostgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, embedded.dsn())

    dsn, own = resolve_database_url(tmp_path)

    assert (dsn, own) == (embedded.dsn(), None)
    assert not (tmp_path / "postgres").exists()  # no embedded cluster was made
    run_async(_connect_and_close(dsn))


def test_without_the_environment_the_embedded_server_is_used(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, "  ")  # set but blank counts as unset

    dsn, own = resolve_database_url(data_dir)

    assert own is not None
    try:
        assert own.running
        assert own.dsn() == dsn
        run_async(_connect_and_close(dsn))
    finally:
        own.stop()


@pytest.mark.parametrize("name", ["with space", "a&b", "a;b", "a$b"])
def test_paths_pg_ctl_would_mangle_are_refused_clearly(tmp_path: Path, name: str) -> None:
    with pytest.raises(StoreUnavailable, match="CENTRALINO_DATABASE_URL"):
        EmbeddedPostgres(tmp_path / name).start()
    assert not (tmp_path / name).exists()


async def _connect_and_close(dsn: str) -> None:
    store = await Store.connect(dsn)
    await store.close()


def _dead_pid() -> int:
    pid = 2**22 - 1  # above the default pid_max range in practice; check anyway
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid -= 1
