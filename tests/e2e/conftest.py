"""One engine per test module, on its own ports, data dir and database.

A module chooses its center with a module-level ``CENTER = Path(...)`` (default
``tests/e2e/center.yaml``), or a function of the stack's folder that writes one there and
says where (a configuration with a date relative to today), and may give the engine more
environment with a module-level ``ENGINE_ENV`` dict, and put files in its data directory
before it starts with a module-level ``PREPARE_DATA_DIR(data_dir)`` (a trunk's password,
say); modules run one after another, so they can share the ports.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from acd.config import load_config
from acd.store.embedded import EmbeddedPostgres
from tests.e2e.stack import (
    CONFIG,
    SUPERVISOR,
    Stack,
    answers_healthy,
    eventually,
    start_engine,
    stop_engine,
)


def _healthy(stack: Stack) -> bool:
    context = stack.tls_client() if stack.data_dir.joinpath("web-tls").exists() else None
    if stack.cfg.network.web.wants_tls and context is None:
        return False  # the certificate is not made yet
    return answers_healthy(stack.web, context)


@pytest.fixture(scope="module")
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, exclusive_ports: None
) -> Iterator[Stack]:
    if not shutil.which("sipp"):
        pytest.fail("sipp is not installed (scripts/setup.sh installs sip-tester)")
    base = tmp_path_factory.mktemp("stack")
    db = EmbeddedPostgres(base / "db")
    dsn = db.start()
    log = base / "engine.log"
    config = getattr(request.module, "CENTER", CONFIG)
    if callable(config):  # written for this run
        config = config(base)
    extra_env = getattr(request.module, "ENGINE_ENV", {})  # e.g. CENTRALINO_FAKE_NOW
    getattr(request.module, "PREPARE_DATA_DIR", lambda _: None)(base / "data")
    engine = start_engine(config, base / "data", dsn, log, extra_env)
    cfg = load_config(config)
    s = Stack(cfg, base / "data", dsn, engine, log, config, db)
    try:
        eventually(lambda: engine.poll() is not None or _healthy(s), 120, "the engine")
        if engine.poll() is not None:
            pytest.fail(f"engine exited ({engine.returncode}):\n{log.read_text()[-3000:]}")
        s.add_account(SUPERVISOR[0], "supervisor", SUPERVISOR[1])
        yield s
    finally:
        stop_engine(engine)
        db.stop()
        shutil.rmtree(s.asterisk().paths.host_base, ignore_errors=True)
        print(Path(log).read_text()[-5000:])


@pytest.fixture
def center(stack: Stack) -> Iterator[Stack]:
    """The shared stack, with every agent logged out before and after the test."""
    stack.log_out_everyone()
    yield stack
    stack.log_out_everyone()
