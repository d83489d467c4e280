"""AMI client: panoramisk 1.4's framing and request matching, our own lifecycle around it.

panoramisk parses messages (``Message``), builds and matches actions (``Action``) and dispatches
events (``Manager.dispatch``). The client owns what 1.4 gets wrong (asterisk-notes.md,
"panoramisk 1.4"):

- (4) one synchronous callback takes every event, in arrival order; an exception in
  ``on_event`` is logged and never kills the connection nor drops the rest of the chunk;
- (5) an async ``Originate`` resolves on its first Response; its ``OriginateResponse`` then
  reaches ``on_event`` like any other event;
- (6) every action has a timeout, and a Ping with a reply timeout notices a half-open
  connection and reconnects;
- (7) on disconnect every pending action fails at once with ``AmiNotConnected`` and is never
  re-sent; ``on_connected`` after every login lets the runtime re-sync instead;
- (8) bytes are decoded incrementally: a UTF-8 character split across two reads survives;
- (9) the Manager is created in ``start()``, inside the running loop.

The client also cuts the stream into messages itself (``ami_framing``): 1.4 would take a
header line that a caller's value added (a caller id with CR LF in it) for one of Asterisk's,
and a second ``Event`` makes it raise. A message ``ami_framing`` refuses is dropped with a
warning; one that cannot be Asterisk's inside a list answer drops the connection (what
follows it on the wire is the caller's), and the login after it re-syncs.

Errors (all in acd.telephony.errors):

    TelephonyError
    └── AmiError
        ├── AmiNotConnected     not logged in, or the connection dropped under the action
        ├── AmiActionTimeout    no answer within the action's timeout
        ├── AmiActionError      "Response: Error" (``.response`` has the headers)
        └── AmiUnsafeHeader     a CR or LF in a header: refused, nothing sent
"""

from __future__ import annotations

import asyncio
import codecs
import logging
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any

from panoramisk.actions import Action
from panoramisk.ami_protocol import AMIProtocol
from panoramisk.manager import Manager
from panoramisk.message import Message

from acd.telephony.ami_framing import Framer, Headers, ListGuard, Refused
from acd.telephony.errors import (
    AmiActionError,
    AmiActionTimeout,
    AmiError,
    AmiNotConnected,
    AmiUnsafeHeader,
)

log = logging.getLogger(__name__)

AmiAction = Mapping[str, str | Sequence[str]]
"""An action's headers; a sequence value repeats its header (several ``Variable`` lines)."""

AmiMessage = dict[str, str]
"""A response or event; the values of a repeated header are joined with newlines."""

_FAILED = ("error", "fail", "failure")
EVENT_CLASSES = "call,user,system"  # those of translate.EVENTS_USED (manager.conf.j2)


def message_to_dict(message: Mapping[str, Any]) -> AmiMessage:
    """A panoramisk Message as a plain dict, header names as Asterisk wrote them."""
    return {k: v if isinstance(v, str) else "\n".join(v) for k, v in message.items()}


def _describe(exc: object) -> str:
    if exc is None:
        return "connection closed by Asterisk"
    if isinstance(exc, BaseException):
        return str(exc) or type(exc).__name__
    return "Asterisk shut down"  # 1.4 passes the Shutdown event itself


def _is_async_originate(action: AmiAction) -> bool:
    name, is_async = action.get("Action", ""), action.get("Async", "")
    return (
        isinstance(name, str)
        and name.lower() == "originate"
        and isinstance(is_async, str)
        and is_async.lower() in ("true", "yes", "1")
    )


def _refuse_line_breaks(action: AmiAction) -> None:
    """AMI is a line protocol: a CR or LF in a value (a caller id comes from the caller)
    would end the header and start one of the sender's choosing."""
    for name, value in action.items():
        for text in (name, *([value] if isinstance(value, str) else value)):
            if "\r" in text or "\n" in text:
                raise AmiUnsafeHeader(f"{action.get('Action', '?')}: {name} holds a line break")


def _to_request(action: AmiAction) -> Any:
    headers = {k: v if isinstance(v, str) else list(v) for k, v in action.items()}
    # as_list=False: an async Originate resolves on "successfully queued" instead of waiting
    # for OriginateResponse, which then reaches on_event as an ordinary event.
    return Action(headers, as_list=False if _is_async_originate(action) else None)


_ANSWER_IDS = frozenset({"actionid", "commandid"})  # what panoramisk matches answers by


def _plain_event(headers: Headers) -> bool:
    """An event that answers no action (and is no Shutdown, which panoramisk handles)."""
    return (
        headers[0][0].lower() == "event"
        and headers[0][1].lower() != "shutdown"
        and not any(name.lower() in _ANSWER_IDS for name, _ in headers)
    )


def _message(headers: Headers) -> Any:
    """A panoramisk Message, as 1.4's own parser builds it (a repeated header: a list)."""
    fields: dict[str, Any] = {}
    for name, value in headers:
        if name not in fields:
            fields[name] = value
        elif isinstance(fields[name], list):
            fields[name].append(value)
        else:
            fields[name] = [fields[name], value]
    return Message(fields, "")


class _Protocol(AMIProtocol):  # type: ignore[misc]
    """panoramisk's AMI protocol, fixed at its edges (one instance per TCP connection)."""

    def __init__(self, manager: Manager) -> None:
        self._manager = manager
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._framer, self._guard = Framer(), ListGuard()
        self._lost = asyncio.Event()
        self._socket_closed = asyncio.Event()
        self.reason = ""
        self.closed = False
        self.forged = False  # given up: a message on it could not be Asterisk's

    @property
    def is_lost(self) -> bool:
        return self._lost.is_set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        # 1.4 wires these in Manager.connection_made, which the client does not use
        self.factory = self._manager
        self.encoding = "utf-8"
        self.log = log

    def data_received(self, data: bytes) -> None:
        # Only complete characters go on (1.4's decode(errors='ignore') drops split ones),
        # and our own framing replaces 1.4's.
        for frame in self._framer.feed(self._decoder.decode(data)):
            if self.closed:
                return  # given up: nothing more of this connection is read
            self._take(frame)

    def _take(self, frame: Headers | Refused) -> None:
        if isinstance(frame, Refused):
            log.warning("AMI message refused (%s): %s", frame.kind, frame.reason)
            if self._guard.listing:
                self._give_up(f"{frame.reason}, inside a list answer")
            return
        doubt = self._guard.check(dict(frame))
        if doubt:
            self._give_up(doubt)
        elif self._manager.on_event is not None and _plain_event(frame):
            self._deliver(frame)
        else:
            self.handle_message(_message(frame))

    def _deliver(self, frame: Headers) -> None:
        """An event that answers no action, straight to the client as a dict, as
        ``message_to_dict`` would make it (panoramisk's Message and dispatch skipped)."""
        event: dict[str, str] = {}
        for name, value in frame:
            event[name] = f"{event[name]}\n{value}" if name in event else value
        try:
            self._manager.on_event(event)
        except Exception:
            log.exception("AMI message skipped: %s %s", event.get("Event"),
                          event.get("Uniqueid", ""))  # fmt: skip

    def _give_up(self, reason: str) -> None:
        log.warning("AMI connection dropped: %s (a forged caller id?); it logs in again", reason)
        self.forged = True
        self.drop(f"forged AMI message: {reason}")

    def handle_message(self, message: Any) -> None:
        try:
            super().handle_message(message)
        except Exception:  # 1.4 would let it close the connection and drop the chunk's rest
            log.exception(
                "AMI message skipped: %s %s",
                message.get("Event") or message.get("Response"),
                message.get("Uniqueid", ""),
            )  # (not its CallerIDNum)

    def send(self, data: Any, as_list: bool | None = None) -> asyncio.Future[Any]:
        if self.closed:  # the transport would swallow the write and the action never end
            raise AmiNotConnected(f"AMI connection lost: {self.reason}")
        future: asyncio.Future[Any] = super().send(data, as_list=as_list)
        return future

    def forget(self, request: Any) -> None:
        """Stop matching answers to ``request`` (it timed out, or it is done)."""
        if self.responses.get(request.id) is request:
            del self.responses[request.id]

    def drop(self, reason: str) -> None:
        """Give this connection up: pending actions fail, the socket closes."""
        self._mark_lost(reason)
        self.close()

    def close(self) -> None:
        # 1.4 queues unanswered actions here and re-sends them after the next login: an
        # Originate could ring an agent late or twice. Fail them at once instead.
        error = AmiNotConnected(f"AMI connection lost: {self.reason or 'closed'}")
        for request in list(self.responses.values()):
            if not request.future.done():
                request.future.set_exception(error)
        self.responses.clear()
        if not self.closed:
            self.closed = True
            self.transport.abort()  # no flush: a half-open peer would stall close() forever

    def connection_lost(self, exc: object) -> None:
        self._mark_lost(_describe(exc))
        super().connection_lost(exc)
        if not self._socket_closed.is_set() and (exc is None or isinstance(exc, BaseException)):
            self._socket_closed.set()  # the transport's own call, not 1.4's Shutdown shortcut

    def _mark_lost(self, reason: str) -> None:
        if not self._lost.is_set():
            self.reason = reason
            self._lost.set()

    async def wait_lost(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._lost.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def wait_socket_closed(self, timeout: float = 1.0) -> None:
        try:
            await asyncio.wait_for(self._socket_closed.wait(), timeout)
        except TimeoutError:
            log.warning("AMI socket still open %.1f s after abort", timeout)


class _Manager(Manager):  # type: ignore[misc]
    """panoramisk's Manager, kept for event dispatch; the AmiClient owns the lifecycle.
    ``on_event``: where events that answer no action go, without panoramisk's Message."""

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self.on_event: Callable[[AmiMessage], None] | None = None
        # 1.4 registers a FullyBooted callback that re-sends pending actions (pitfall 7)
        self.callbacks.clear()
        self.patterns.clear()

    def connection_lost(self, exc: object) -> None:
        # 1.4 schedules its own reconnect here; the client's supervisor reconnects instead
        self._connected = False


def _call_safely(callback: Callable[..., None] | None, *args: Any) -> None:
    if callback is None:
        return
    try:
        callback(*args)
    except Exception:
        log.exception("AMI callback %r failed", callback)


class AmiClient:
    """One logical AMI connection that stays up: it reconnects and logs in again by itself."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        secret: str,
        on_event: Callable[[AmiMessage], None],
        on_connected: Callable[[], None] | None = None,
        on_lost: Callable[[str], None] | None = None,
        action_timeout: float = 5.0,
        *,
        ping_interval: float = 10.0,
        ping_timeout: float = 5.0,
        reconnect_delay: float = 2.0,
        connect_timeout: float = 5.0,
    ) -> None:
        self._host, self._port = host, port
        # Only the event classes the engine reads (manager.conf's read= and eventfilter
        # narrow it again on Asterisk's side: docs/security.md)
        self._login = {"Action": "Login", "Username": username, "Secret": secret,
                       "Events": EVENT_CLASSES}  # fmt: skip
        self._on_event, self._on_connected, self._on_lost = on_event, on_connected, on_lost
        self._action_timeout = action_timeout
        self._ping_interval, self._ping_timeout = ping_interval, ping_timeout
        self._reconnect_delay, self._connect_timeout = reconnect_delay, connect_timeout
        self._manager: _Manager | None = None
        self._task: asyncio.Task[None] | None = None
        self._protocol: _Protocol | None = None  # set while logged in
        self._logged_in = asyncio.Event()
        self._held: list[AmiMessage] | None = None  # events that beat on_connected
        self._closing = False

    @property
    def connected(self) -> bool:
        return self._protocol is not None and not self._protocol.is_lost

    async def start(self) -> None:
        """Start connecting in the background; ``on_connected`` tells when logged in."""
        if self._task is not None:
            return
        self._closing = False
        loop = asyncio.get_running_loop()
        self._manager = _Manager(loop=loop, host=self._host, port=self._port)
        self._manager.register_event("*", self._on_message)
        self._manager.on_event = self._on_plain_event
        self._task = asyncio.create_task(self._supervise(), name="ami-supervisor")

    async def wait_connected(self, timeout: float | None = None) -> None:
        try:
            await asyncio.wait_for(self._logged_in.wait(), timeout)
        except TimeoutError as exc:
            raise AmiNotConnected(f"no AMI login within {timeout} s") from exc

    async def close(self) -> None:
        """Disconnect for good: pending actions fail with AmiNotConnected, on_lost is not called."""
        self._closing = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait([task])

    async def send(self, action: AmiAction, timeout: float | None = None) -> list[AmiMessage]:
        """Send one action; return its Response, then any events of its list.

        Raises AmiUnsafeHeader (before anything is sent), AmiNotConnected, AmiActionTimeout
        or AmiActionError.
        """
        return await self.begin(action, timeout)

    def begin(
        self, action: AmiAction, timeout: float | None = None
    ) -> Coroutine[Any, Any, list[AmiMessage]]:
        """``send`` in two halves: the action is written now, in the caller's turn of the
        loop (AmiUnsafeHeader or AmiNotConnected raised here); awaiting what it returns
        gives the answer, as ``send`` does."""
        _refuse_line_breaks(action)
        protocol = self._protocol
        if protocol is None or protocol.is_lost:
            raise AmiNotConnected("not connected to AMI")
        limit = self._action_timeout if timeout is None else timeout
        request = _to_request(action)
        answer = protocol.send(request, request.as_list)
        return self._answer(protocol, request, answer, str(action.get("Action", "?")), limit)

    async def _request(
        self, protocol: _Protocol, action: AmiAction, timeout: float
    ) -> list[AmiMessage]:
        request = _to_request(action)
        answer = protocol.send(request, request.as_list)
        return await self._answer(protocol, request, answer, str(action.get("Action", "?")),
                                  timeout)  # fmt: skip

    async def _answer(
        self, protocol: _Protocol, request: Any, answer: asyncio.Future[Any], name: str,
        timeout: float,
    ) -> list[AmiMessage]:  # fmt: skip
        try:
            reply = await asyncio.wait_for(answer, timeout)
        except TimeoutError as exc:
            raise AmiActionTimeout(f"{name}: no answer within {timeout:g} s") from exc
        finally:
            protocol.forget(request)  # a late answer must find nothing to resolve
        if protocol.forged:  # the answer came with messages a caller wrote: not to be read
            raise AmiNotConnected(f"{name}: AMI connection lost: {protocol.reason}")
        messages = [message_to_dict(m) for m in (reply if isinstance(reply, list) else [reply])]
        if messages[0].get("Response", "").lower() in _FAILED:
            raise AmiActionError(name, messages[0])
        return messages

    # -- the connection's life -------------------------------------------------------------

    async def _supervise(self) -> None:
        while True:
            try:
                await self._session()
            except (OSError, TimeoutError, AmiError) as exc:
                log.warning("AMI %s:%s: %s", self._host, self._port, str(exc) or type(exc).__name__)
            except Exception:
                log.exception("AMI session failed")
            await asyncio.sleep(self._reconnect_delay)

    async def _session(self) -> None:
        self._held = []  # until on_connected has run
        protocol = await self._connect()
        try:
            await self._request(protocol, self._login, self._action_timeout)
            self._went_up(protocol)
            protocol.drop(await self._watch(protocol))
        finally:
            protocol.drop("closed by the client")
            self._went_down(protocol)
            await protocol.wait_socket_closed()

    async def _connect(self) -> _Protocol:
        loop = asyncio.get_running_loop()
        manager = self._manager
        connecting = loop.create_connection(lambda: _Protocol(manager), self._host, self._port)
        _, protocol = await asyncio.wait_for(connecting, self._connect_timeout)
        assert isinstance(protocol, _Protocol)
        return protocol

    async def _watch(self, protocol: _Protocol) -> str:
        """Wait until the connection drops; ping it so that a half-open one is noticed."""
        while not await protocol.wait_lost(self._ping_interval):
            try:
                await self._request(protocol, {"Action": "Ping"}, self._ping_timeout)
            except AmiActionTimeout:
                return f"no answer to Ping within {self._ping_timeout:g} s (half-open?)"
            except AmiError:
                pass  # an Error answer still proves the peer alive; a loss ends the loop
        return protocol.reason

    def _went_up(self, protocol: _Protocol) -> None:
        log.info("AMI logged in to %s:%s", self._host, self._port)
        self._protocol = protocol
        self._logged_in.set()
        _call_safely(self._on_connected)
        held, self._held = self._held or [], None
        for event in held:
            self._deliver(event)

    def _went_down(self, protocol: _Protocol) -> None:
        if self._protocol is not protocol:
            return  # never logged in on this connection: nothing was up
        self._protocol = None
        self._logged_in.clear()
        if not self._closing:
            log.warning("AMI connection lost: %s", protocol.reason)
            _call_safely(self._on_lost, protocol.reason)

    # -- events ----------------------------------------------------------------------------

    def _on_message(self, _manager: object, message: Mapping[str, Any]) -> None:
        """The one synchronous callback for every event: convert, keep the order, deliver."""
        self._on_plain_event(message_to_dict(message))

    def _on_plain_event(self, event: AmiMessage) -> None:
        if self._held is not None:
            self._held.append(event)  # arrived with the login answer: after on_connected
        else:
            self._deliver(event)

    def _deliver(self, event: AmiMessage) -> None:
        try:
            self._on_event(event)
        except Exception:
            log.exception("on_event failed on %s", event.get("Event", "?"))
