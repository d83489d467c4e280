"""Hand-written fakes speaking the real protocols on 127.0.0.1, and a strict test runner.

- ``FakeAmiServer``: Asterisk's side of AMI (greeting, Login, Ping, Originate ...), answering
  from recorded replies and recording every action it receives, per connection;
- ``FakeAsterisk``: Asterisk's side of one FastAGI call (headers, then scripted replies),
  recording every command it receives;
- ``run``: asyncio.run with a deadline that fails if the test leaves tasks behind.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from panoramisk.message import Message

from acd.telephony.agi import AgiServer
from acd.telephony.ami import AmiClient, AmiMessage, message_to_dict

# -- running -------------------------------------------------------------------------------


def run(main: Callable[[], Coroutine[Any, Any, None]], timeout: float = 5.0) -> None:
    """asyncio.run, failing on tasks left behind and on errors only the loop saw."""
    unhandled: list[dict[str, Any]] = []

    async def checked() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda _, ctx: unhandled.append(ctx))
        await asyncio.wait_for(main(), timeout)
        for _ in range(3):  # let closed transports run their connection_lost
            await asyncio.sleep(0)
        left = asyncio.all_tasks() - {asyncio.current_task()}
        assert not left, f"tasks left behind: {left}"

    asyncio.run(checked())
    assert not unhandled, f"errors seen by the loop only: {unhandled}"


async def until(condition: Callable[[], bool], timeout: float = 2.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


# -- AMI transcripts (Asterisk 22) ---------------------------------------------------------


def wire(*messages: str) -> str:
    """AMI messages as Asterisk writes them: CRLF lines, a blank line after each."""
    lines = ([line.strip() for line in m.strip().splitlines()] for m in messages)
    return "".join("\r\n".join(m) + "\r\n\r\n" for m in lines)


def event(text: str) -> AmiMessage:
    """A transcript event as the AmiClient hands it to on_event (panoramisk's own parser)."""
    message = Message.from_line(wire(text).strip())
    assert message is not None
    return message_to_dict(message)


GREETING = "Asterisk Call Manager/9.0.0\r\n"
FULLY_BOOTED = """
    Event: FullyBooted
    Privilege: system,all
    Uptime: 52
    LastReload: 52
    Status: Fully Booted
"""
LOGIN_OK = wire(
    """
    Response: Success
    ActionID: {id}
    Message: Authentication accepted
    """,
    FULLY_BOOTED,
)
LOGIN_FAILED = wire("Response: Error\nActionID: {id}\nMessage: Authentication failed")
PONG = wire("Response: Success\nActionID: {id}\nPing: Pong\nTimestamp: 1732806000.123456")
ORIGINATE_QUEUED = wire("Response: Success\nActionID: {id}\nMessage: Originate successfully queued")
HANGUP_OK = wire("Response: Success\nActionID: {id}\nMessage: Channel Hungup")
NO_SUCH_CHANNEL = wire("Response: Error\nActionID: {id}\nMessage: No such channel")
BRIDGE_OK = wire("Response: Success\nActionID: {id}\nMessage: Channels have been bridged")
BRIDGE_FAILED = wire(
    "Response: Error\nActionID: {id}\nMessage: Channel1 does not exist: PJSIP/trunk-00000003"
)
PERMISSION_DENIED = wire("Response: Error\nActionID: {id}\nMessage: Permission denied")
OK = wire("Response: Success\nActionID: {id}")

NEWCHANNEL_AGENT = """
    Event: Newchannel
    Privilege: call,all
    Channel: PJSIP/agent1-00000004
    ChannelState: 0
    ChannelStateDesc: Down
    CallerIDNum: 3331234567
    CallerIDName: <unknown>
    ConnectedLineNum: <unknown>
    ConnectedLineName: <unknown>
    Language: it
    Context: centralino-connect
    Exten: s
    Priority: 1
    Uniqueid: ring-7
    Linkedid: ring-7
"""
HANGUP_AGENT = """
    Event: Hangup
    Privilege: call,all
    Channel: PJSIP/agent1-00000004
    ChannelState: 6
    ChannelStateDesc: Up
    CallerIDNum: 3331234567
    CallerIDName: <unknown>
    Language: it
    Context: centralino-connect
    Exten: s
    Priority: 3
    Uniqueid: ring-7
    Linkedid: ring-7
    Cause: 16
    Cause-txt: Normal Clearing
"""
AGENT_ANSWERED = """
    Event: UserEvent
    Privilege: user,all
    Channel: PJSIP/agent1-00000004
    ChannelState: 6
    ChannelStateDesc: Up
    Language: it
    Context: centralino-connect
    Exten: s
    Priority: 2
    Uniqueid: ring-7
    Linkedid: ring-7
    UserEvent: CentralinoAgentAnswered
    Ring: ring-7
"""
BRIDGE_ENTER_CALLER = """
    Event: BridgeEnter
    Privilege: call,all
    BridgeUniqueid: 5e8b3f7a-6c1d-4a39-9a70-2f1c1e1d2a11
    BridgeType: basic
    BridgeTechnology: simple_bridge
    BridgeCreator: <unknown>
    BridgeName: <unknown>
    BridgeNumChannels: 1
    BridgeVideoSourceMode: none
    Channel: PJSIP/trunk-00000003
    ChannelState: 6
    ChannelStateDesc: Up
    CallerIDNum: 3331234567
    CallerIDName: Niccolò Rossi
    Language: it
    Context: centralino-wait
    Exten: s
    Priority: 4
    Uniqueid: 1732806000.3
    Linkedid: 1732806000.3
"""
CALLER_NEWCHANNEL = """
    Event: Newchannel
    Privilege: call,all
    Channel: PJSIP/trunk-00000003
    ChannelState: 4
    ChannelStateDesc: Ring
    CallerIDNum: 3331234567
    CallerIDName: Niccolò Rossi
    ConnectedLineNum: <unknown>
    ConnectedLineName: <unknown>
    Language: it
    Context: centralino-in
    Exten: 059200000
    Priority: 1
    Uniqueid: 1732806000.3
    Linkedid: 1732806000.3
"""
ORIGINATE_BUSY = """
    Event: OriginateResponse
    Privilege: call,all
    ActionID: centralino-ring/ring-9
    Response: Failure
    Channel: PJSIP/agent2
    Context: centralino-connect
    Exten: s
    Reason: 5
    Uniqueid: ring-9
    CallerIDNum: 3331234567
    CallerIDName: <unknown>
"""


# -- the fake AMI server -------------------------------------------------------------------

Reply = str | None | Callable[[dict[str, Any]], str | None]
"""A wire template (``{id}`` becomes the ActionID), None for silence, or a function."""


def parse_action(raw: str) -> dict[str, Any]:
    """One action's headers; a repeated header becomes a list, as in ``Variable``."""
    action: dict[str, Any] = {}
    for line in raw.strip().split("\r\n"):
        key, _, value = line.partition(": ")
        if key in action:
            old = action[key]
            action[key] = [*old, value] if isinstance(old, list) else [old, value]
        else:
            action[key] = value
    return action


@dataclass
class AmiConnection:
    writer: asyncio.StreamWriter
    actions: list[dict[str, Any]] = field(default_factory=list)
    closed_by_client: bool = False

    def names(self) -> list[str]:
        return [a["Action"] for a in self.actions]


class FakeAmiServer:
    def __init__(self) -> None:
        self.replies: dict[str, Reply] = {
            "login": LOGIN_OK,
            "ping": PONG,
            "originate": ORIGINATE_QUEUED,
            "hangup": HANGUP_OK,
            "bridge": BRIDGE_OK,
        }
        self.connections: list[AmiConnection] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def last(self) -> AmiConnection:
        return self.connections[-1]

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks))
        await self._server.wait_closed()

    async def push(self, data: str | bytes) -> None:
        """Write to the newest connection, as Asterisk writes events."""
        writer = self.last.writer
        writer.write(data.encode() if isinstance(data, str) else data)
        await writer.drain()

    def drop(self) -> None:
        """Break the newest connection (Asterisk restarting, a network cut)."""
        self.last.writer.transport.abort()

    def all_actions(self) -> list[dict[str, Any]]:
        return [a for c in self.connections for a in c.actions]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        connection = AmiConnection(writer)
        self.connections.append(connection)
        try:
            writer.write(GREETING.encode())
            await self._answer_actions(reader, connection)
        except asyncio.CancelledError:
            pass  # closed by close(); ending cancelled makes 3.11's start_server log noise
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _answer_actions(self, reader: asyncio.StreamReader, conn: AmiConnection) -> None:
        while True:
            try:
                raw = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                conn.closed_by_client = True
                return
            action = parse_action(raw.decode())
            conn.actions.append(action)
            reply = self._reply(action)
            if reply:
                conn.writer.write(reply.replace("{id}", action.get("ActionID", "")).encode())
                await conn.writer.drain()

    def _reply(self, action: dict[str, Any]) -> str | None:
        reply = self.replies.get(action.get("Action", "").lower(), OK)
        return reply(action) if callable(reply) else reply


@dataclass
class Recorder:
    """The AmiClient's callbacks, written down in order."""

    log: list[str] = field(default_factory=list)
    events: list[AmiMessage] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def on_event(self, ev: AmiMessage) -> None:
        self.events.append(ev)
        self.log.append(ev.get("Event", "?"))

    def on_connected(self) -> None:
        self.log.append("connected")

    def on_lost(self, reason: str) -> None:
        self.reasons.append(reason)
        self.log.append("lost")

    @property
    def logins(self) -> int:
        return self.log.count("connected")

    def names(self) -> list[str]:
        return [e.get("Event", "?") for e in self.events]


@contextlib.asynccontextmanager
async def ami_pair(
    on_event: Callable[[AmiMessage], None] | None = None, **tuning: Any
) -> AsyncIterator[tuple[FakeAmiServer, AmiClient, Recorder]]:
    """A fake Asterisk and a logged-in AmiClient; both closed on the way out."""
    server, recorder = FakeAmiServer(), Recorder()
    await server.start()
    settings: dict[str, Any] = {"reconnect_delay": 0.05, "action_timeout": 2.0, **tuning}
    client = AmiClient(
        "127.0.0.1",
        server.port,
        "centralino",
        "s3cret",
        on_event or recorder.on_event,
        recorder.on_connected,
        recorder.on_lost,
        **settings,
    )
    try:
        await client.start()
        await client.wait_connected(2.0)
        yield server, client, recorder
    finally:
        await client.close()
        await server.close()


# -- the fake Asterisk for FastAGI ---------------------------------------------------------

AGI_HEADERS = (
    "agi_network: yes\n"
    "agi_network_script: ivr?lang=it\n"
    "agi_request: agi://127.0.0.1:4573/ivr?lang=it\n"
    "agi_channel: PJSIP/trunk-00000003\n"
    "agi_language: it\n"
    "agi_type: PJSIP\n"
    "agi_uniqueid: 1732806000.3\n"
    "agi_version: 22.10.1\n"
    "agi_callerid: 3331234567\n"
    "agi_calleridname: Niccolò Rossi\n"
    "agi_callingpres: 0\n"
    "agi_callingani2: 0\n"
    "agi_callington: 0\n"
    "agi_callingtns: 0\n"
    "agi_dnid: 059200000\n"
    "agi_rdnis: unknown\n"
    "agi_context: centralino-in\n"
    "agi_extension: 059200000\n"
    "agi_priority: 2\n"
    "agi_enhanced: 0.0\n"
    "agi_threadid: 140245067364032\n"
    "\n"
)
DEAD_CHANNEL = "511 Command Not Permitted on a dead channel or intercept routine\n"


class FakeAsterisk:
    """Asterisk's side of one FastAGI call: headers, then one scripted reply per command.

    A reply of None answers nothing; once the script is used up every command gets 511,
    as on a channel that hung up.
    """

    def __init__(self, port: int, replies: list[str | None], headers: str = AGI_HEADERS) -> None:
        self.port, self.headers = port, headers
        self.replies = list(replies)
        self.commands: list[str] = []
        self.heard = asyncio.Event()  # set at the first command
        self.saw_eof = False

    async def call(self) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            writer.write(self.headers.encode())
            await writer.drain()
            await self._answer(reader, writer)
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        script = iter(self.replies)
        try:
            while line := await reader.readline():
                self.commands.append(line.decode().rstrip("\n"))
                self.heard.set()
                reply = next(script, DEAD_CHANNEL)
                if reply is not None:
                    writer.write(reply.encode())
                    await writer.drain()
        except ConnectionResetError:
            pass  # the engine closed with our last reply unread: the kernel sends a reset
        self.saw_eof = True


async def serve_one_call(
    server_handler: Callable[[Any], Awaitable[None]],
    replies: list[str | None],
    **timeouts: Any,  # header_timeout, command_timeout, media_timeout (float)
) -> FakeAsterisk:
    """Run one FastAGI call against a fresh AgiServer with ``server_handler``."""
    server = AgiServer("127.0.0.1", 0, server_handler, **timeouts)
    await server.start()
    try:
        asterisk = FakeAsterisk(server.port, replies)
        await asyncio.wait_for(asterisk.call(), 3.0)
        return asterisk
    finally:
        await server.close()
