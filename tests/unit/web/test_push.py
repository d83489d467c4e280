"""The live push on a real event loop with hand-made sockets: a slow screen has one message
in flight at most and then gets the newest picture, never a backlog; it holds up nobody;
a socket whose peer is gone is dropped."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

from acd.core.view import CenterView
from acd.runtime import Runtime
from acd.web.push import Feed, LivePush
from tests.unit.core.helpers import T0, Desk
from tests.unit.web.test_softphone import Quiet

DELAY = 0.01


class Television:
    """A screen that takes each message only when the test lets it."""

    def __init__(self, slow: bool) -> None:
        self.slow = slow
        self.shown: list[int] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.let_through = asyncio.Event()

    async def send_str(self, data: str) -> None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.slow:
                await self.let_through.wait()
                self.let_through.clear()
            self.shown.append(json.loads(data)["version"])
        finally:
            self.in_flight -= 1


class Gone:
    async def send_str(self, data: str) -> None:
        raise ConnectionResetError("peer gone")


def push_with_versions() -> tuple[LivePush, Feed, dict[str, int]]:
    """A push whose feed shows ``state['version']`` and counts how often it was built."""
    runtime = Runtime(Desk({"a1": {"urp"}}).engine, lambda: T0, Quiet(), Quiet())
    state = {"version": 0, "built": 0}

    def feed(view: CenterView, now: datetime) -> dict[str, Any]:
        state["built"] += 1
        return {"version": state["version"]}

    return LivePush(runtime, delay=DELAY), feed, state


async def settle() -> None:
    await asyncio.sleep(DELAY * 5)


def test_a_slow_screen_gets_one_message_at_a_time_and_then_the_newest() -> None:
    async def scenario() -> None:
        push, feed, state = push_with_versions()
        slow, fast = Television(slow=True), Television(slow=False)
        push.attach(slow, feed)
        push.attach(fast, feed)
        await settle()
        assert fast.shown == [0]
        assert slow.in_flight == 1  # version 0 on its way
        for version in range(1, 51):
            state["version"] = version
            push.changed()
            await asyncio.sleep(DELAY / 2)
        await settle()
        assert fast.shown[-1] == 50  # the slow one held nobody up
        assert slow.most_in_flight == 1
        slow.let_through.set()  # version 0 arrives; then the newest, in one message
        await settle()
        assert slow.in_flight == 1
        slow.let_through.set()
        await settle()
        assert slow.shown == [0, 50]
        assert slow.most_in_flight == 1
        built = state["built"]
        await settle()
        assert state["built"] == built  # nothing changed: nothing more is made or sent

    asyncio.run(scenario())


def test_screens_sharing_a_feed_share_its_json_and_a_gone_peer_is_dropped() -> None:
    async def scenario() -> None:
        push, feed, state = push_with_versions()
        screens = [Television(slow=False) for _ in range(3)]
        for screen in screens:
            push.attach(screen, feed)
        push.attach(Gone(), feed)
        await settle()
        assert [s.shown for s in screens] == [[0], [0], [0]]
        assert state["built"] == 1  # one view, one JSON for the four
        assert len(push.screens) == 3

    asyncio.run(scenario())
