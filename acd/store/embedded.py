"""A private PostgreSQL in the engine's data directory: the zero-setup default.

``resolve_database_url`` picks the server: ``CENTRALINO_DATABASE_URL`` names a real one;
without it, ``EmbeddedPostgres`` runs the binaries bundled by ``pgserver`` on a unix socket
in ``data_dir/postgres`` (initdb on first use, reused afterwards; as root, pgserver runs
the server as the system user ``pgserver`` and opens the path's parents for traversal).

``start()`` and ``stop()`` block (they run ``pg_ctl``); call them from a thread
(``asyncio.to_thread``) once the event loop is running.

Errors: a server that cannot start raises ``StoreUnavailable`` (see ``acd.store.errors``).
"""

from __future__ import annotations

import atexit
import json
import os
import re
import subprocess
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from acd.store.errors import StoreUnavailable

if TYPE_CHECKING:
    from pgserver.postgres_server import PostgresServer

DATABASE_URL_ENV = "CENTRALINO_DATABASE_URL"
_UNSAFE_PATH = re.compile(r"[^\w/.,:=@+-]")
_USER = "postgres"  # pgserver's initdb superuser, trusted on the socket


def resolve_database_url(
    data_dir: Path, environ: Mapping[str, str] | None = None
) -> tuple[str, EmbeddedPostgres | None]:
    """The DSN to use, and the embedded server to stop at shutdown (None for a real one)."""
    url = (os.environ if environ is None else environ).get(DATABASE_URL_ENV, "").strip()
    if url:
        return url, None
    embedded = EmbeddedPostgres(data_dir)
    return embedded.start(), embedded


class EmbeddedPostgres:
    def __init__(self, data_dir: Path) -> None:
        self.pgdata = Path(data_dir).expanduser().resolve() / "postgres"
        self._server: PostgresServer | None = None

    def start(self) -> str:
        """Start (or adopt an already running) server for ``data_dir``; return its DSN."""
        if self._server is None:
            if _UNSAFE_PATH.search(str(self.pgdata)):
                # pgserver hands the socket directory to pg_ctl unquoted, and pg_ctl runs
                # postgres through a shell: a space breaks the start, '&' or ';' worse.
                raise StoreUnavailable(
                    f"embedded PostgreSQL cannot live in {self.pgdata!s}: use a data directory "
                    f"without spaces or shell characters, or set {DATABASE_URL_ENV}"
                )
            self.pgdata.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._server = _get_server(self.pgdata)
            except (OSError, subprocess.SubprocessError) as exc:
                raise StoreUnavailable(
                    f"embedded PostgreSQL in {self.pgdata} did not start "
                    f"(see {self.pgdata / 'log'}): {exc}"
                ) from exc
        return self.dsn()

    def dsn(self, database: str = "postgres") -> str:
        """An asyncpg DSN for ``database`` on the running server."""
        if self._server is None:
            raise StoreUnavailable("embedded PostgreSQL is not started")
        info = self._server.get_postmaster_info()
        if info.socket_dir is None:  # pgserver only listens on TCP on Windows
            return self._server.get_uri(database)
        # Built here rather than taken from get_uri(), which leaves the socket path raw in
        # the query, where a '+' reads as a space; and the port names the socket file.
        host = quote(str(info.socket_dir), safe="/")
        return f"postgresql://{_USER}@/{quote(database)}?host={host}&port={info.port}"

    def stop(self) -> None:
        """Stop the server, unless another live process still holds a handle on it."""
        server, self._server = self._server, None
        if server is None:
            return
        try:
            server.cleanup()
        except (OSError, subprocess.SubprocessError) as exc:
            raise StoreUnavailable(f"embedded PostgreSQL in {self.pgdata} did not stop") from exc
        finally:
            # pgserver registers this for every handle; once stopped it only holds memory.
            atexit.unregister(server._cleanup)

    @property
    def running(self) -> bool:
        return self._server is not None


def _get_server(pgdata: Path) -> PostgresServer:
    # Imported on first use: importing pgserver probes platformdirs' runtime dir, which
    # warns when XDG_RUNTIME_DIR is unset (root, services) and falls back to /tmp.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
        from pgserver.postgres_server import PostgresServer, get_server

    with PostgresServer._lock:  # the lock pgserver takes around its own handle bookkeeping
        _forget_dead_handles(pgdata)
        _forget_stale_pidfile(pgdata)
    return get_server(pgdata, cleanup_mode="stop")


def _forget_dead_handles(pgdata: Path) -> None:
    # pgserver stops the server only when the last process holding a handle lets go; the
    # pids live in this file, so a crashed engine's pid would keep the server up forever.
    handles = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and _alive(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _forget_stale_pidfile(pgdata: Path) -> None:
    # After a power cut, postmaster.pid survives and its pid often belongs to some other
    # process after the reboot: pgserver would then "adopt" a server that does not exist
    # and postgres would refuse to start. A live pid not running our cluster is stale.
    pidfile = pgdata / "postmaster.pid"
    try:
        pid = int(pidfile.read_text().split("\n", 1)[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return  # no pid file, a dead pid (pg_ctl copes), or no /proc to ask
    if str(pgdata) not in cmdline.decode(errors="replace").split("\0"):
        pidfile.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True
