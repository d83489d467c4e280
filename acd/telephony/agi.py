"""FastAGI server: our own connection loop on asyncio.start_server, one session per call.

panoramisk 1.4's ``Application`` is not used (asterisk-notes.md, "panoramisk 1.4"):

- (1) it spins on empty reads when a connection closes before the end of the headers and
  freezes the loop; here an empty read is end of connection and the session just ends;
- (2) it reads Asterisk's unsolicited ``HANGUP`` line as the answer to the current command,
  shifting every later answer by one; here ``HANGUP`` (or a ``511`` reply, or a closed
  connection) raises ``ChannelGone`` and the session talks to Asterisk no more;
- (3) handlers are plain ``async def`` functions;
- (9) the server is created in ``start()``, inside the running loop.

A reply that never comes ends the session too (``AgiCommandTimeout``): a late answer would be
read as the next command's.

The environment (``agi_*: value`` lines, then a blank line) carries values the caller wrote:
its number, name, the number it dialled. The dialplan cleans them before the AGI runs, but a
CR or LF in one would end its line and start lines of the caller's writing: a blank line
would end the environment early and what follows would be read as the answer to the first
command. So a blank line ends the environment only after ``agi_threadid`` (which Asterisk
writes last, but for the script's arguments); a line that is not ``agi_NAME: value``, an
early blank line or a name that comes twice makes it malformed: the session is refused, with
a warning that quotes no value, and Asterisk is told ``FAILURE``, so that the dialplan plays
its fallback instead of leaving the caller in silence.

Only what the dialplan asks for is served (docs/reliability.md, "Bounds"): a session is
refused the same way (a WARNING, ``FAILURE``) when its script is not one the server knows
(``scripts``), when its ``agi_uniqueid`` is empty or is that of a session still live, and a
connection beyond ``max_sessions`` live ones is told ``FAILURE`` at once, its headers
unread (a bound hit: ``acd.bounds``).

Errors (all in acd.telephony.errors):

    TelephonyError
    └── AgiError
        ├── ChannelGone         the channel hung up: HANGUP, 511, connection closed
        ├── AgiCommandTimeout   no reply in time; the session has ended
        └── AgiCommandError     510/520 replies, unreadable replies, ANSWER failed
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field

from acd.bounds import BoundHits
from acd.telephony.errors import AgiCommandError, AgiCommandTimeout, AgiError, ChannelGone

log = logging.getLogger(__name__)

Handler = Callable[["AgiSession"], Awaitable[None]]

_MAX_HEADER_LINES = 200
_ENV_LINE = re.compile(r"(?P<name>agi_[a-z0-9_]+): (?P<value>.*)")
_LAST_NAME = "agi_threadid"  # the last line Asterisk writes, but for agi_arg_N
_SHOWN_NAME = re.compile(r"agi_[a-z_]{1,30}")  # a name the log may show: no digits in it
_REPLY = re.compile(r"(?P<code>\d{3})(?:[ -](?P<rest>.*))?")
_RESULT = re.compile(r"result=(?P<result>\S*)\s*(?:\((?P<data>.*)\))?\s*(?P<tail>.*)")
_PAIR = re.compile(r"(\w+)=(\S*)")
_SHOWN_SCRIPT = re.compile(r"[a-z_-]{1,30}")  # a script name the log may show
_PLAIN = re.compile(r"[A-Za-z0-9_.+:-]*")  # a variable's name or value MSet takes as it is
MAX_SESSIONS = 500  # live FastAGI connections: callers in the IVR, the wait loop's messages


@dataclass(frozen=True, slots=True)
class AgiReply:
    """One parsed reply line, e.g. ``200 result=1 (timeout) endpos=8000``."""

    code: int
    result: str = ""
    data: str = ""  # the text in parentheses
    extra: dict[str, str] = field(default_factory=dict)  # key=value pairs after it
    line: str = ""


def parse_reply(line: str) -> AgiReply:
    """Parse one reply line (``HANGUP`` is no reply); AgiCommandError if unreadable."""
    match = _REPLY.fullmatch(line)
    if match is None:
        raise AgiCommandError(f"unreadable AGI reply {line!r}")
    code, rest = int(match["code"]), match["rest"] or ""
    found = _RESULT.match(rest)
    if found is None:
        return AgiReply(code, line=line)
    extra = dict(_PAIR.findall(found["tail"]))
    return AgiReply(code, found["result"], found["data"] or "", extra, line)


def quote(argument: str) -> str:
    """Quote one AGI argument; a newline would inject a second command, so it is refused."""
    _refuse_newlines(argument)
    return '"' + argument.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _refuse_newlines(text: str) -> None:
    if "\n" in text or "\r" in text:
        raise ValueError(f"newline in AGI text {text!r}")


class AgiSession:
    """One FastAGI conversation: headers, then one command at a time, each with a timeout."""

    def __init__(
        self,
        headers: dict[str, str],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        command_timeout: float = 5.0,
        media_timeout: float = 30.0,
    ) -> None:
        self.headers = headers
        self._reader, self._writer = reader, writer
        self._command_timeout, self._media_timeout = command_timeout, media_timeout
        self._lock = asyncio.Lock()  # one command on the wire at a time
        self._ended = ""  # why the session can no longer talk to Asterisk

    @property
    def channel(self) -> str:
        return self.headers.get("agi_channel", "")

    @property
    def uniqueid(self) -> str:
        return self.headers.get("agi_uniqueid", "")

    @property
    def language(self) -> str:
        """The channel's language when the session began (``CHANNEL(language)``)."""
        return self.headers.get("agi_language", "")

    @property
    def script(self) -> str:
        """The network script path without its query: ``ivr`` for ``agi://host/ivr?x=1``."""
        return _script_of(self.headers)

    @property
    def gone(self) -> bool:
        return bool(self._ended)

    async def command(self, text: str, timeout: float | None = None) -> AgiReply:
        """Send one command and return its 200 reply.

        Raises ChannelGone, AgiCommandTimeout (the session then ends) or AgiCommandError.
        """
        _refuse_newlines(text)
        limit = self._command_timeout if timeout is None else timeout
        async with self._lock:
            if self._ended:
                raise ChannelGone(self._ended)
            try:
                async with asyncio.timeout(limit):  # (no task per command, as wait_for makes)
                    reply = await self._exchange(text)
            except TimeoutError as exc:
                self._ended = f"no reply to {text!r} within {limit:g} s"
                raise AgiCommandTimeout(self._ended) from exc
        if reply.code != 200:
            raise AgiCommandError(f"{text!r}: {reply.line}")
        return reply

    async def _exchange(self, text: str) -> AgiReply:
        try:
            self._writer.write(f"{text}\n".encode())
            await self._writer.drain()
            return await self._read_reply()
        except (ConnectionError, ValueError) as exc:  # reset, or a line over the reader's limit
            raise self._gone(f"connection lost: {exc}") from exc
        except AgiCommandError:
            self._ended = "unreadable reply"  # out of step with Asterisk from here on
            raise

    async def _read_reply(self) -> AgiReply:
        while True:
            line = await self._read_line()
            if line == "HANGUP":  # unsolicited: the channel hung up or was redirected
                raise self._gone("Asterisk sent HANGUP")
            if _ENV_LINE.fullmatch(line):  # (not quoted: the values are a caller's)
                raise AgiCommandError("an environment line where a reply was due: forged?")
            reply = parse_reply(line)
            if reply.code == 511:  # "Command Not Permitted on a dead channel"
                raise self._gone(line)
            if line[3:4] == "-":  # "520-Invalid command syntax": usage lines follow
                await self._skip_to(f"{reply.code} ")
            if reply.code != 100:  # "100 result=0 Trying..." precedes the real reply
                return reply

    async def _skip_to(self, prefix: str) -> None:
        while not (await self._read_line()).startswith(prefix):
            pass

    async def _read_line(self) -> str:
        raw = await self._reader.readline()
        if not raw.endswith(b"\n"):  # empty (or cut) read: the connection is closed
            raise self._gone("connection closed by Asterisk")
        return raw.decode("utf-8", "replace").rstrip("\r\n")

    def _gone(self, reason: str) -> ChannelGone:
        self._ended = reason
        return ChannelGone(reason)

    async def _alive_or_gone(self) -> None:
        """After result=-1 (failure or hang-up): raise ChannelGone if the channel is gone."""
        await self.command("CHANNEL STATUS")

    # -- what the IVR runner uses ----------------------------------------------------------

    async def answer(self) -> None:
        if (await self.command("ANSWER")).result == "-1":
            await self._alive_or_gone()
            raise AgiCommandError(f"ANSWER failed on {self.channel}")

    async def hangup(self) -> None:
        await self.command("HANGUP")
        self._ended = "hung up by the engine"

    async def stream_file(self, file: str, escape_digits: str = "") -> str | None:
        """Play ``file``; return the digit that interrupted it, or None."""
        text = f"STREAM FILE {quote(file)} {quote(escape_digits)}"
        reply = await self.command(text, self._media_timeout)
        if reply.result == "-1":
            await self._alive_or_gone()
            log.warning("could not play %r on %s", file, self.channel)
            return None
        return chr(int(reply.result)) if reply.result.isdigit() and reply.result != "0" else None

    async def get_data(self, file: str, timeout_ms: int, max_digits: int) -> str:
        """Play ``file`` and collect up to ``max_digits`` digits ('' on timeout)."""
        text = f"GET DATA {quote(file)} {int(timeout_ms)} {int(max_digits)}"
        budget = self._media_timeout + max(1, max_digits) * timeout_ms / 1000
        reply = await self.command(text, budget)
        if reply.result == "-1":
            await self._alive_or_gone()
            log.warning("GET DATA %r failed on %s", file, self.channel)
            return ""
        return reply.result

    async def set_variable(self, name: str, value: str) -> None:
        await self.command(f"SET VARIABLE {quote(name)} {quote(value)}")

    async def set_variables(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Set each variable in turn, in one round trip (the application ``MSet``) when no
        name or value holds more than letters, digits and ``_ . + : -``: MSet splits its
        argument at commas and '=' and reads quotes and backslashes; else one by one."""
        if all(_PLAIN.fullmatch(name) and _PLAIN.fullmatch(value) for name, value in pairs):
            await self.exec("MSet", ",".join(f"{name}={value}" for name, value in pairs))
            return
        for name, value in pairs:
            await self.set_variable(name, value)

    async def get_variable(self, name: str) -> str | None:
        reply = await self.command(f"GET VARIABLE {quote(name)}")
        return reply.data if reply.result == "1" else None

    async def set_language(self, language: str) -> None:
        await self.set_variable("CHANNEL(language)", language)

    async def exec(self, app: str, args: str = "", timeout: float | None = None) -> AgiReply:
        """Run a dialplan application (its result -2 means: no such application)."""
        if not re.fullmatch(r"\w+", app):
            raise ValueError(f"bad application name {app!r}")
        limit = self._media_timeout if timeout is None else timeout
        return await self.command(f"EXEC {app} {quote(args)}", limit)


@dataclass(frozen=True, slots=True)
class AgiEnvironment:
    """The ``agi_*`` headers of a session, and why they are malformed ('' if they are not)."""

    headers: dict[str, str]
    fault: str = ""


async def _read_headers(reader: asyncio.StreamReader) -> AgiEnvironment:
    """``agi_*: value`` lines up to the blank line after ``agi_threadid``; an empty read
    means the peer is gone. A faulty line is left out and noted, and reading goes on to
    the real end, so that no line of the environment is taken for a reply."""
    headers: dict[str, str] = {}
    fault = ""
    for _ in range(_MAX_HEADER_LINES):
        raw = await reader.readline()
        if not raw.endswith(b"\n"):  # 1.4 loops forever here, freezing the event loop
            raise ChannelGone("connection closed before the end of the headers")
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if not line and _LAST_NAME in headers:
            return AgiEnvironment(headers, fault)
        wrong = _fault(line, headers)
        if wrong:
            fault = fault or wrong
        else:
            name, _, value = line.partition(": ")
            headers[name] = value
    raise AgiError(f"more than {_MAX_HEADER_LINES} header lines")


def _fault(line: str, headers: dict[str, str]) -> str:
    """Why ``line`` cannot be Asterisk's at this point of the environment ('' if it can)."""
    if not line:
        return f"a blank line before {_LAST_NAME}"
    found = _ENV_LINE.fullmatch(line)
    if found is None:
        return "a line is not 'agi_NAME: value'"
    if found["name"] in headers:
        name = found["name"] if _SHOWN_NAME.fullmatch(found["name"]) else "a name"
        return f"{name} comes twice"
    return ""


async def _refuse(headers: dict[str, str], writer: asyncio.StreamWriter, why: str) -> None:
    """End a session the server will not run: ``FAILURE`` makes Asterisk end the AGI with
    AGISTATUS=FAILURE, and the dialplan plays its fallback."""
    log.warning("AGI session %s on %s refused: %s; the dialplan plays its fallback",
                headers.get("agi_uniqueid") or "?", headers.get("agi_channel", "?"),
                why)  # fmt: skip
    await _fail(writer)


async def _fail(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        writer.write(b"FAILURE\n")
        await writer.drain()


def _script_of(headers: dict[str, str]) -> str:
    return headers.get("agi_network_script", "").split("?", 1)[0]


def peer_of(writer: asyncio.StreamWriter) -> object:
    return writer.get_extra_info("peername")


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), 1.0)
    except TimeoutError:
        writer.transport.abort()  # the peer does not read: do not wait for it
    except OSError:
        pass


class AgiServer:
    """Accepts Asterisk's FastAGI connections and runs ``handler`` on each session."""

    def __init__(
        self,
        host: str,
        port: int,
        handler: Handler,
        *,
        header_timeout: float = 5.0,
        command_timeout: float = 5.0,
        media_timeout: float = 30.0,
        scripts: Collection[str] | None = None,
        max_sessions: int = MAX_SESSIONS,
        bounds: BoundHits | None = None,
    ) -> None:
        """``scripts``: the script names served (None: any, for tests of the protocol)."""
        self._host, self._port, self._handler = host, port, handler
        self._header_timeout = header_timeout
        self._timeouts = {"command_timeout": command_timeout, "media_timeout": media_timeout}
        self._scripts = None if scripts is None else frozenset(scripts)
        self._max_sessions = max_sessions
        self._bounds = bounds or BoundHits()
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[object]] = set()
        self._uniqueids: set[str] = set()  # of the sessions running their handler
        self._closing = False

    @property
    def port(self) -> int:
        """The bound port (the real one when constructed with port 0)."""
        if self._server is None or not self._server.sockets:
            return self._port
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def live_sessions(self) -> int:
        return len(self._connections)

    async def start(self) -> None:
        self._closing = False
        self._server = await asyncio.start_server(self._serve, self._host, self._port)
        log.info("FastAGI listening on %s:%s", self._host, self.port)

    async def close(self) -> None:
        """Stop listening and end every live session (their handlers are cancelled)."""
        self._closing = True
        server, self._server = self._server, None
        if server is not None:
            server.close()
        tasks = list(self._connections)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        if server is not None:
            await server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if self._closing or task is None:
            await _close(writer)
            return
        if len(self._connections) >= self._max_sessions:
            self._bounds.hit("agi_sessions", f"{self._max_sessions} FastAGI sessions live: a "
                             "new one told FAILURE (the dialplan plays its fallback)")  # fmt: skip
            await _fail(writer)
            await _close(writer)
            return
        self._connections.add(task)
        try:
            session = await self._open(reader, writer)
            if session is not None:
                self._uniqueids.add(session.uniqueid)
                try:
                    await self._run(session)
                finally:
                    self._uniqueids.discard(session.uniqueid)
        except asyncio.CancelledError:
            # Ended by close(). Finishing cancelled would make 3.11's start_server callback
            # call task.exception() and log a spurious "Exception in callback".
            log.info("FastAGI session from %s ended: server closing", peer_of(writer))
        finally:
            self._connections.discard(task)
            with contextlib.suppress(Exception):
                await _close(writer)

    async def _open(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> AgiSession | None:
        peer = peer_of(writer)
        try:
            env = await asyncio.wait_for(_read_headers(reader), self._header_timeout)
        except (TimeoutError, AgiError, ConnectionError, ValueError) as exc:
            log.info("FastAGI connection from %s ended before its headers: %s", peer, exc)
            return None
        why = self._unwanted(env)
        if why:
            await _refuse(env.headers, writer, why)
            return None
        return AgiSession(env.headers, reader, writer, **self._timeouts)

    def _unwanted(self, env: AgiEnvironment) -> str:
        """Why this session is not run ('' if it is)."""
        if env.fault:
            return f"malformed environment ({env.fault})"
        script, uniqueid = _script_of(env.headers), env.headers.get("agi_uniqueid", "")
        if self._scripts is not None and script not in self._scripts:
            shown = script if _SHOWN_SCRIPT.fullmatch(script) else "?"
            return f"unknown script {shown!r} (served: {', '.join(sorted(self._scripts))})"
        if not uniqueid.strip():
            return "no agi_uniqueid"
        if uniqueid in self._uniqueids:
            return "agi_uniqueid of a session still live"
        return ""

    async def _run(self, session: AgiSession) -> None:
        log.info("AGI session %s on %s (%s)", session.uniqueid, session.channel, session.script)
        try:
            await self._handler(session)
        except ChannelGone as exc:
            log.info("AGI session %s ended: %s", session.uniqueid, exc)
        except Exception:
            log.exception("AGI handler failed on %s", session.channel)
