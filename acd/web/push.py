"""Live pages over websockets: each open socket gets its feed again after changes.

A *feed* turns the center's view into the JSON one kind of page shows (the live page's
snapshot, the wallboard, an agent's desk). After the core handles an event the runtime
calls ``LivePush.changed``; ``DELAY`` later (gathering a burst of events into one message)
every socket that is behind gets its feed as it is then. The view is built once per round
for all of them, and each feed's JSON once for the sockets that share it.

A socket never has more than one message in flight. While a slow screen (a television
on a weak network, a browser tab in the background) is still taking the last message,
changes only mark it *stale*; when that send is over it gets the picture as it is then, in
one message. So nothing queues up for it, however slow it is, and it can never hold up
the others: each socket is sent to by its own task. A socket whose peer is gone is dropped
at its next send, or by the websocket's heartbeat.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from aiohttp import WSMsgType, web

from acd.core.view import CenterView
from acd.runtime import Runtime

Feed = Callable[[CenterView, datetime], dict[str, Any]]
DELAY = 0.2  # seconds from a change to the round that sends it
HEARTBEAT = 20.0  # seconds between pings; a peer that does not answer is closed


class Socket(Protocol):
    async def send_str(self, data: str) -> None: ...


class Screen:
    """One open socket and what it shows."""

    __slots__ = ("busy", "feed", "socket", "stale")

    def __init__(self, socket: Socket, feed: Feed) -> None:
        self.socket, self.feed = socket, feed
        self.busy = False  # a message is on its way
        self.stale = False  # something changed since the last message it was given


class LivePush:
    def __init__(self, runtime: Runtime, delay: float = DELAY) -> None:
        self.runtime = runtime
        self.delay = delay
        self.screens: dict[Socket, Screen] = {}
        self._pending = False
        self._sending: set[asyncio.Task[None]] = set()

    def changed(self) -> None:
        """The center changed: every screen is behind."""
        for screen in self.screens.values():
            screen.stale = True
        self._soon()

    def attach(self, socket: Socket, feed: Feed) -> Screen:
        """A new screen: it gets its first message at the next round."""
        screen = self.screens[socket] = Screen(socket, feed)
        screen.stale = True
        self._soon()
        return screen

    def detach(self, socket: Socket) -> None:
        self.screens.pop(socket, None)

    def _soon(self) -> None:
        if not self._pending and any(s.stale and not s.busy for s in self.screens.values()):
            self._pending = True
            asyncio.get_running_loop().call_later(self.delay, self._round)

    def _round(self) -> None:
        self._pending = False
        due = [s for s in self.screens.values() if s.stale and not s.busy]
        if not due:
            return
        view, now = self.runtime.engine.view(), self.runtime.clock()
        made: dict[Feed, str] = {}
        for screen in due:
            if screen.feed not in made:
                made[screen.feed] = json.dumps(screen.feed(view, now))
            screen.stale, screen.busy = False, True
            task = asyncio.ensure_future(self._send(screen, made[screen.feed]))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def _send(self, screen: Screen, text: str) -> None:
        try:
            await screen.socket.send_str(text)
        except ConnectionError:  # its peer is gone
            self.detach(screen.socket)
        finally:
            screen.busy = False
        if screen.stale:
            self._soon()

    async def serve(self, request: web.Request, feed: Feed) -> web.WebSocketResponse:
        """Open a socket, send the feed now and after every change, until it closes."""
        ws = web.WebSocketResponse(heartbeat=HEARTBEAT)
        await ws.prepare(request)
        self.attach(ws, feed)
        try:
            async for msg in ws:
                if msg.type == WSMsgType.ERROR:
                    break
        finally:
            self.detach(ws)
        return ws
