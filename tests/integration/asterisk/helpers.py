"""Test peers for a real Asterisk: a raw AMI client, a tiny FastAGI responder, a test config."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asterisk.config
import yaml

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "examples" / "modena.yaml"
TEST_PORTS = {
    "sip": 25060,
    "ami": 25038,
    "agi": 24573,
    "asterisk_http": 28088,
    "rtp_start": 31000,
    "rtp_end": 31099,
}
AGENT_PORT = 25071  # agentN's phone listens on AGENT_PORT + N - 1

Message = dict[str, str]


def write_test_config(directory: Path, offset: int = 0) -> Path:
    """The sample center on test ports (+ ``offset``), agents on sipp phones."""
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    data["ports"] = {name: port + offset for name, port in TEST_PORTS.items()}
    for n, agent in enumerate(data["agents"]):
        agent["contact"] = f"sip:{agent['id']}@127.0.0.1:{AGENT_PORT + offset + n}"
    path = directory / "center.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


class ConfFile(asterisk.config.Config):  # type: ignore[misc]
    """pyst2's parser, closing the file it reads (its own load() leaks it)."""

    def load(self) -> None:
        with open(self.filename, encoding="utf-8") as f:
            self.raw_lines = f.readlines()

    def section(self, name: str) -> dict[str, list[str]]:
        category = next(c for c in self.categories if c.name == name)
        items: dict[str, list[str]] = {}
        for item in category.items:
            items.setdefault(item.name, []).append(item.value.strip())
        return items


class Ami:
    """Just enough AMI over a raw socket: login, actions, and waiting for events."""

    def __init__(self, port: int, username: str, secret: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buffer = b""
        self.seen: list[Message] = []
        self.banner = self._line()
        self.login = self.action("Login", Username=username, Secret=secret)

    def close(self) -> None:
        self.sock.close()

    def action(self, name: str, **fields: Any) -> Message:
        """Send an action and return its response (events read meanwhile are kept)."""
        action_id = f"t{time.monotonic_ns()}"
        lines = [f"Action: {name}", f"ActionID: {action_id}"]
        for key, value in fields.items():
            values = value if isinstance(value, list) else [value]
            lines += [f"{key}: {v}" for v in values]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return self.wait(lambda m: m.get("ActionID") == action_id and "Response" in m)

    def wait(self, match: Callable[[Message], bool], timeout: float = 10.0) -> Message:
        """The first message (already seen or coming) that matches."""
        found = next((m for m in self.seen if match(m)), None)
        deadline = time.monotonic() + timeout
        while found is None:
            self.sock.settimeout(max(deadline - time.monotonic(), 0.01))
            message = self._read()
            self.seen.append(message)
            found = message if match(message) else None
        return found

    def _read(self) -> Message:
        message: Message = {}
        while line := self._line():
            key, _, value = line.partition(": ")
            # a repeated header (ChanVariable) joined with newlines, as AmiClient does
            message[key] = f"{message[key]}\n{value}" if key in message else value
        return message

    def _line(self) -> str:
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("AMI closed the connection")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line.decode()


class FastAgi:
    """A FastAGI server on 127.0.0.1:port that runs a fixed script on every call.

    It records each session's ``agi_*`` headers and the replies to its commands.
    """

    def __init__(self, port: int, script: list[str]) -> None:
        self.script = script
        self.sessions: list[dict[str, Any]] = []
        self.done = threading.Event()
        self.server = _Server(("127.0.0.1", port), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FastAgi:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def _handler(self) -> type[socketserver.StreamRequestHandler]:
        agi = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                headers = {}
                while line := self.rfile.readline().decode().strip():
                    key, _, value = line.partition(": ")
                    headers[key] = value
                replies = [self._command(command) for command in agi.script]
                agi.sessions.append({"headers": headers, "replies": replies})
                agi.done.set()

            def _command(self, command: str) -> str:
                self.wfile.write(f"{command}\n".encode())
                return self.rfile.readline().decode().strip()

        return Handler


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def wait_for(check: Callable[[], Any], timeout: float = 10.0, every: float = 0.1) -> Any:
    """Poll ``check`` until it returns something true; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {check}")
        time.sleep(every)
    return result


def asterisk_pids(conf_file: str) -> list[int]:
    """Every process whose command line names this instance's asterisk.conf."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if conf_file.encode() in argv and b"asterisk" in argv[0]:
            pids.append(int(proc.name))
    return pids
