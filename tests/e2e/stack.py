"""The real stack for end-to-end tests: Asterisk, PostgreSQL, the engine, sipp, HTTP."""

from __future__ import annotations

import asyncio
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from acd.asterisk.control import Asterisk
from acd.config.model import CenterConfig
from acd.store.embedded import EmbeddedPostgres
from tests.e2e.web_client import WebClient, add_account

T = TypeVar("T")
CONFIG = Path(__file__).with_name("center.yaml")
SUPERVISOR = ("sup", "orange-tram-in-the-rain")


def query(dsn: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    """The rows of one statement, on a connection of its own (outside any event loop)."""

    async def run() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(dsn)
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    return asyncio.run(run())


@dataclass
class Stack:
    cfg: CenterConfig
    data_dir: Path
    dsn: str
    engine: subprocess.Popen[bytes]
    log: Path
    config: Path = CONFIG
    db: EmbeddedPostgres | None = None  # the stack's PostgreSQL, to stop and start again

    @property
    def web(self) -> str:
        scheme = "https" if self.cfg.network.web.wants_tls else "http"
        return f"{scheme}://127.0.0.1:{self.cfg.ports.web}"

    @cached_property
    def supervisor(self) -> WebClient:
        """The tests' supervisor, signed in on first use (the stack fixture adds it)."""
        return WebClient(self.web, *SUPERVISOR, tls=self.tls_client())

    def tls_client(self) -> ssl.SSLContext | None:
        """Trusts the center's own certificate (generated into the data directory)."""
        if not self.cfg.network.web.wants_tls:
            return None
        cert = self.cfg.network.web.tls_cert or self.data_dir / "web-tls" / "cert.pem"
        return ssl.create_default_context(cafile=str(cert))

    def add_account(self, user: str, role: str, password: str, agent: str | None = None) -> None:
        add_account(self.config, self.data_dir, self.dsn, user, role, password, agent)

    def add_token(self, name: str, scope: str) -> str:
        """``centralino tokens add``, as an administrator would: the token it prints once."""
        argv = [sys.executable, "-m", "acd.cli", "tokens", "add", name, "--scope", scope,
                "--data-dir", str(self.data_dir)]  # fmt: skip
        done = subprocess.run(argv, env={**os.environ, "CENTRALINO_DATABASE_URL": self.dsn},
                              capture_output=True, text=True, check=True, timeout=60)  # fmt: skip
        return done.stdout.strip()

    def add_kiosk(self, kiosk: str) -> str:
        """``centralino kiosks add``: the totem's new device credential, printed once."""
        argv = [sys.executable, "-m", "acd.cli", "kiosks", "add", kiosk, "--config",
                str(self.config), "--data-dir", str(self.data_dir)]  # fmt: skip
        done = subprocess.run(argv, env={**os.environ, "CENTRALINO_DATABASE_URL": self.dsn},
                              capture_output=True, text=True, check=True, timeout=60)  # fmt: skip
        return done.stdout.strip()

    def revoke_kiosk(self, kiosk: str) -> None:
        argv = [sys.executable, "-m", "acd.cli", "kiosks", "revoke", kiosk, "--config",
                str(self.config), "--data-dir", str(self.data_dir)]  # fmt: skip
        subprocess.run(argv, env={**os.environ, "CENTRALINO_DATABASE_URL": self.dsn},
                       capture_output=True, text=True, check=True, timeout=60)  # fmt: skip

    @property
    def number(self) -> str:
        return self.cfg.numbers[0].number

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        """A JSON call as the tests' supervisor."""
        return self.supervisor.call(method, path, body)

    def ready(self, *agents: str) -> None:
        for agent in agents:
            status, body = self.api("POST", f"/api/agents/{agent}/ready")
            assert status == 200, body

    def log_out_everyone(self) -> None:
        for agent in self.cfg.agents:
            self.api("POST", f"/api/agents/{agent.id}/logout")

    def snapshot(self) -> dict[str, Any]:
        return self.api("GET", "/api/snapshot")[1]  # type: ignore[no-any-return]

    def asterisk(self) -> Asterisk:
        return Asterisk(self.cfg, self.data_dir)

    def query(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        return query(self.dsn, sql, *args)

    def contact(self, caller: str) -> asyncpg.Record | None:
        rows = self.query(
            "select * from contacts where caller_number = $1 and ended_at is not null", caller
        )
        return rows[0] if rows else None


def answers_healthy(web: str, context: ssl.SSLContext | None = None) -> bool:
    """Whether the engine at ``web`` answers /healthz with 200 (not yet, or gone: False)."""
    try:
        with urllib.request.urlopen(web + "/healthz", timeout=2, context=context) as resp:
            return bool(resp.status == 200)
    except urllib.error.HTTPError as exc:  # 503 while it starts: close its socket now
        exc.close()  # (left to the collector, its ResourceWarning fails a later test)
        return False
    except OSError:
        return False


def eventually(probe: Callable[[], T | None], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)


def start_engine(
    config: Path,
    data_dir: Path,
    dsn: str,
    log: Path,
    extra_env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
    code: Path | None = None,
) -> subprocess.Popen[bytes]:
    """``centralino run`` as its own process (``args``: more options, e.g. --keep-asterisk;
    ``code``: a checkout whose engine runs, instead of the one this runs from)."""
    env = dict(os.environ, CENTRALINO_DATABASE_URL=dsn, **(extra_env or {}))
    argv = [sys.executable, "-m", "acd.cli", "run", str(config), "--data-dir", str(data_dir),
            *args]  # fmt: skip
    with log.open("wb") as out:
        return subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, cwd=code)  # fmt: skip


def stop_engine(engine: subprocess.Popen[bytes]) -> None:
    if engine.poll() is None:
        engine.send_signal(signal.SIGTERM)
        try:
            engine.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(engine.pid, signal.SIGKILL)
            engine.wait()
