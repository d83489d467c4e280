"""Build, start, stop and query Centralino's own Asterisk instance.

``Asterisk(cfg, data_dir)`` renders the configuration into the instance directory (see
``paths``), synthesises the prompts and the queue announcement's phrases, hands Asterisk
its own directories (``ownership``) and runs ``chroot ROOT asterisk -C <conf> -f -q`` in its
own process group, confined (``CONFINE``, umask 077); Asterisk then becomes the root's
unprivileged ``asterisk`` account (``account``). A managed start (the default, and the
context manager) keeps the process as a child; a detached start (the CLI) leaves it running
after we exit. Either way its pid goes to ``{data_dir}/asterisk.pid``,
which ``stop()`` and ``status()`` use.

A start that fails says why: no root (run ``build``), a port already taken (which, and by
whom), or the log lines of a configuration Asterisk refused.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from acd.asterisk.account import run_as
from acd.asterisk.errors import (
    AsteriskBuildError,
    AsteriskNotRunning,
    AsteriskStartError,
    UnknownAgent,
    UnknownTrunk,
)
from acd.asterisk.ownership import hand_over
from acd.asterisk.paths import InstancePaths, default_root
from acd.asterisk.ports import address_here, describe_owner, port_free, port_owners
from acd.asterisk.process import cmdline, kill_group, pid_alive, read_pid, wait_gone
from acd.asterisk.prompts import (
    prompt_path,
    synthesize_announcements,
    synthesize_callback_phrases,
    synthesize_prompts,
    synthesize_schedule_phrases,
)
from acd.asterisk.render import CONF_DIR, render_config
from acd.asterisk.secret import (
    load_agent_passwords,
    load_or_create_secret,
    load_trunk_password,
    store_trunk_password,
)
from acd.config.model import CenterConfig
from acd.config.trunk_model import RegistrationTrunk

ROOT_MARKER = ".centralino-root-complete"
RUN_ARGS = ("-f", "-q", "-n")  # foreground (we manage it), quiet, no colours in the log
# Asterisk keeps CAP_NET_ADMIN when it leaves root (PR_SET_KEEPCAPS, for QoS marks we do
# not use); in the host's network namespace that would let it rewrite the firewall, the
# bans of fail2ban included. With keep_caps locked off it cannot: leaving root drops every
# capability. (Taking net_admin out of the bounding set instead is worse: Asterisk then
# fails to narrow its kept capabilities and keeps them all.) no_new_privs: no setuid
# program of the root (su, mount ...) can give root back to a subverted Asterisk.
CONFINE = ("setpriv", "--no-new-privs", "--securebits=+keep_caps_locked")

LOOPBACK = "127.0.0.1"
LOG_WORDS = ("ERROR", "WARNING", "Unable", "unable", "failed", "Failed")
EXPECTED = "Unable to keep capabilities."  # at every start: CONFINE's doing, not a problem
UMASK = 0o077  # what Asterisk creates (recordings, logs, its database) is its own only


class Asterisk:
    def __init__(self, cfg: CenterConfig, data_dir: str | Path, root: Path | None = None):
        self.cfg = cfg
        self.paths = InstancePaths(root or default_root(), Path(data_dir))
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Asterisk:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def ami_secret(self) -> str:
        return load_or_create_secret(self.paths.secret_file)

    def agent_passwords(self) -> dict[str, str]:
        """Every agent's (and supervisor's) desk phone SIP password, as the rendering needs
        them (a removed one's goes)."""
        owners = self.cfg.phone_owners()
        return load_agent_passwords(self.paths.agent_passwords_file, owners)

    def agent_password(self, agent_id: str) -> str:
        """One agent's (or supervisor's) desk phone SIP password, for its phone's settings
        (made if it has none yet)."""
        if agent_id not in self.cfg.phone_owners():
            raise UnknownAgent(f"no agent or supervisor {agent_id!r} in the configuration")
        path = self.paths.agent_passwords_file
        return load_agent_passwords(path, [agent_id], drop_removed=False)[agent_id]

    def softphone_passwords(self) -> dict[str, str]:
        """Every agent's and supervisor's browser softphone password (``agent_passwords``'
        twin), and each kiosk's, by its endpoint (``kiosk-ID``: no agent may be named so)."""
        owners = [*self.cfg.phone_owners(), *(k.endpoint for k in self.cfg.kiosks.totems)]
        return load_agent_passwords(self.paths.softphone_passwords_file, owners)

    def trunk_passwords(self) -> dict[str, str]:
        """Each registration trunk's password; ``TrunkSecretError`` says which is missing."""
        return {
            trunk.name: load_trunk_password(self.paths.trunk_secret_file(trunk.name), trunk.name)
            for trunk in self._registration_trunks()
        }

    def store_trunk_password(self, trunk: str, password: str) -> None:
        """Keep the provider's password of registration trunk ``trunk`` (used at start)."""
        if trunk not in {t.name for t in self._registration_trunks()}:
            raise UnknownTrunk(f"no registration trunk {trunk!r} in the configuration")
        store_trunk_password(self.paths.trunk_secret_file(trunk), password)

    def _registration_trunks(self) -> list[RegistrationTrunk]:
        return [t for t in self.cfg.trunks_in_use() if isinstance(t, RegistrationTrunk)]

    def prompt_path(self, lang: str, name: str) -> str:
        return prompt_path(self.paths, lang, name)

    # -- build --------------------------------------------------------------------------

    @property
    def root_ready(self) -> bool:
        """Has ``build-root.sh`` completed the root?"""
        root = self.paths.root
        return (root / ROOT_MARKER).exists() and (root / "usr/sbin/asterisk").exists()

    def build(self) -> None:
        """Build the Asterisk root with ``build-root.sh`` (a complete root is reused)."""
        with resources.as_file(CONF_DIR / "build-root.sh") as script:
            argv = ["bash", str(script), str(self.paths.root)]
            result = subprocess.run(argv, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise AsteriskBuildError(f"building {self.paths.root} failed:\n{result.stderr}")

    # -- start --------------------------------------------------------------------------

    def start(self, timeout: float = 30.0, detach: bool = False) -> None:
        """Render, synthesise, run, and return once Asterisk is fully booted."""
        trunk_passwords = self.trunk_passwords()  # a missing one is said before all else
        self._check_startable()
        account = run_as(self.paths.root)
        render_config(
            self.cfg, self.paths, self.ami_secret, self.agent_passwords(), trunk_passwords,
            self.softphone_passwords(),
        )  # fmt: skip
        synthesize_prompts(self.cfg, self.paths)
        synthesize_announcements(self.paths)
        synthesize_callback_phrases(self.cfg, self.paths)
        synthesize_schedule_phrases(self.cfg, self.paths)
        hand_over(self.paths, account)
        offsets = self._log_offsets()
        pid = self._launch_detached() if detach else self._launch_managed()
        self.paths.pid_file.write_text(f"{pid}\n")
        try:
            self._wait_booted(pid, time.monotonic() + timeout, offsets)
        except BaseException:  # a failed or interrupted start leaves nothing running
            self._terminate(pid)
            raise

    def _check_startable(self) -> None:
        root = self.paths.root
        if not self.root_ready:
            raise AsteriskStartError(
                f"no Asterisk root in {root}: build it first with `centralino asterisk build`"
                f" (in a checkout: asterisk-conf/build-root.sh {root})"
            )
        if shutil.which(CONFINE[0]) is None:
            raise AsteriskStartError(f"{CONFINE[0]} is missing: install util-linux")
        pid = self.running_pid()
        if pid is not None:
            raise AsteriskStartError(
                f"Asterisk is already running for {self.paths.data_dir} (pid {pid}, "
                f"instance {self.paths.name}); stop it first"
            )
        self._check_ports()

    def _check_ports(self) -> None:
        for label, host, port, proto in self._ports():
            if not address_here(host):
                raise AsteriskStartError(
                    f"{label} address {host} is not an address of this machine"
                    " (network.sip.bind in the config)"
                )
            if not port_free(port, proto, host):
                raise AsteriskStartError(
                    f"{label} port {host}:{port}/{proto} is already taken by "
                    f"{describe_owner(port, proto)}; stop it or change ports.* in the config"
                )

    def _ports(self) -> list[tuple[str, str, int, str]]:
        """What Asterisk listens on: (label, address, port, protocol)."""
        p, sip = self.cfg.ports, str(self.cfg.network.sip.bind)
        return [
            ("SIP", sip, p.sip, "udp"),
            ("AMI", LOOPBACK, p.ami, "tcp"),
            ("HTTP", LOOPBACK, p.asterisk_http, "tcp"),
        ]

    def _argv(self, *args: str) -> list[str]:
        return ["chroot", str(self.paths.root), "asterisk", "-C", self.paths.conf_file, *args]

    def _launch_managed(self) -> int:
        with _open_console_log(self.paths.console_log) as log:
            self._proc = subprocess.Popen(
                [*CONFINE, *self._argv(*RUN_ARGS)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                umask=UMASK,
            )
        return self._proc.pid

    def _launch_detached(self) -> int:
        """Start through a shell that backgrounds Asterisk and exits: not our child."""
        # Asterisk inherits the log as stdout and stderr; only the shell's stderr, a pipe
        # that nothing else holds open, carries the pid back.
        script = '"$@" </dev/null 2>&1 & echo $! >&2'
        argv = ["sh", "-c", script, "sh", *CONFINE, *self._argv(*RUN_ARGS)]
        with _open_console_log(self.paths.console_log) as log:
            out = subprocess.run(argv, stdout=log, stderr=subprocess.PIPE, text=True,
                                 check=True, timeout=10, umask=UMASK)  # fmt: skip
        return int(out.stderr.strip())

    def _wait_booted(self, pid: int, deadline: float, offsets: dict[Path, int]) -> None:
        control_socket = self.paths.host("run", "asterisk.ctl")
        while not (control_socket.exists() and self._booted(deadline)):
            if not pid_alive(pid):
                raise AsteriskStartError(self._explain("Asterisk exited while starting", offsets))
            if time.monotonic() > deadline:
                raise AsteriskStartError(self._explain("Asterisk did not boot in time", offsets))
            time.sleep(0.05)
        if not pid_alive(pid):
            raise AsteriskStartError(self._explain("Asterisk exited while starting", offsets))
        self._check_listening(pid, offsets)

    def _booted(self, deadline: float) -> bool:
        remaining = max(deadline - time.monotonic(), 0.5)
        try:
            self._rx("core waitfullybooted", timeout=remaining)
        except AsteriskNotRunning:
            return False
        return True

    def _check_listening(self, pid: int, offsets: dict[Path, int]) -> None:
        """Booted is not enough: a transport that could not bind only logs an error."""
        for label, host, port, proto in self._ports():
            if pid not in port_owners(port, proto):
                why = f"{label} port {host}:{port}/{proto} is not Asterisk's"
                if not port_free(port, proto, host):
                    why += f": it is taken by {describe_owner(port, proto)}"
                raise AsteriskStartError(self._explain(why, offsets))
        if not _accepts(self.cfg.ports.ami):
            raise AsteriskStartError(self._explain("AMI does not accept connections", offsets))

    def _log_offsets(self) -> dict[Path, int]:
        logs = (self.paths.console_log, self.paths.messages_log)
        return {log: log.stat().st_size if log.exists() else 0 for log in logs}

    def _explain(self, what: str, offsets: dict[Path, int]) -> str:
        """``what`` and the problem lines Asterisk logged since the start."""
        console = _read_from(self.paths.console_log, offsets[self.paths.console_log])
        messages = _read_from(self.paths.messages_log, offsets[self.paths.messages_log])
        # Timestamped console lines repeat messages.log; the others came before the logger.
        lines = [line for line in console if not line.startswith("[")] + messages
        problems = [line for line in lines if any(w in line for w in LOG_WORDS)
                    and line != EXPECTED]  # fmt: skip
        shown = (problems or lines)[-15:]
        logs = ", ".join(str(log) for log in offsets)
        return "\n  ".join([f"{what} (instance {self.paths.name}; logs: {logs})", *shown])

    # -- stop ---------------------------------------------------------------------------

    def stop(self, timeout: float = 10.0) -> None:
        """``core stop now``, then SIGTERM, then SIGKILL: no Asterisk process is left."""
        pid = self.running_pid()
        if pid is not None:
            with contextlib.suppress(AsteriskNotRunning):
                self._rx("core stop now", timeout=timeout)
            self._terminate(pid, timeout)
        self._reap()
        self.paths.pid_file.unlink(missing_ok=True)

    def _terminate(self, pid: int, grace: float = 0.0) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if wait_gone(pid, grace):
                break
            kill_group(pid, sig)
            grace = 3.0
        self._reap()
        self.paths.pid_file.unlink(missing_ok=True)

    def _reap(self) -> None:
        if self._proc is not None:
            self._proc.wait(timeout=5)
            self._proc = None

    # -- query --------------------------------------------------------------------------

    def running_pid(self) -> int | None:
        """The pid of this instance's Asterisk, from our pid file or Asterisk's own."""
        for pid_file in (self.paths.pid_file, self.paths.host("run", "asterisk.pid")):
            pid = read_pid(pid_file)
            if pid is not None and pid_alive(pid) and self._is_ours(pid):
                return pid
        return None

    def _is_ours(self, pid: int) -> bool:
        argv = cmdline(pid)
        return bool(argv) and "asterisk" in argv[0] and self.paths.conf_file in argv

    def status(self) -> str:
        pid = self.running_pid()
        where = f"instance {self.paths.name} ({self.paths.host_base})"
        if pid is None:
            return f"stopped: {where}"
        p, sip = self.cfg.ports, self.cfg.network.sip.bind
        try:
            uptime = self._rx("core show uptime seconds").strip().replace("\n", "; ")
        except AsteriskNotRunning as exc:
            uptime = f"but its control socket does not answer: {exc}"
        return (
            f"running: pid {pid}, {where}\n"
            f"SIP {sip}:{p.sip}/udp, AMI 127.0.0.1:{p.ami}, HTTP 127.0.0.1:"
            f"{p.asterisk_http}, RTP {p.rtp_start}-{p.rtp_end}\n{uptime}"
        )

    def cli(self, command: str, timeout: float = 10.0) -> str:
        """Run an Asterisk CLI command on this instance and return its output."""
        if self.running_pid() is None:
            raise AsteriskNotRunning(f"Asterisk is not running for {self.paths.data_dir}")
        return self._rx(command, timeout)

    def _rx(self, command: str, timeout: float = 10.0) -> str:
        try:
            result = subprocess.run(
                self._argv("-rx", command), capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired as exc:
            raise AsteriskNotRunning(f"no answer to {command!r} in {timeout} s") from exc
        if result.returncode != 0 or result.stdout.startswith("Unable to connect"):
            raise AsteriskNotRunning(f"{command!r}: {(result.stdout + result.stderr).strip()}")
        return result.stdout


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return False
    return True


def _open_console_log(path: Path) -> BinaryIO:
    """Asterisk's stdout, appended to by root in Asterisk's own log directory: never through
    a symbolic link that Asterisk could have put there."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW
    return os.fdopen(os.open(path, flags, 0o640), "ab")


def _read_from(path: Path, offset: int) -> list[str]:
    try:
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as f:
            f.seek(offset)
            return f.read().decode(errors="replace").splitlines()
    except OSError:
        return []
