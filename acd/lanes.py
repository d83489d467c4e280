"""Telephony commands sent side by side, in order wherever they concern the same thing.

The core's commands for one call must reach Asterisk in the order the core gave them (a
Setvar before its Bridge, a ring before its StopRinging, a hang-up of a ring's leg before
the same agent's next ring). Commands for different calls need no order, and sending them
one after the other made one slow AMI action (up to its timeout, 5 s) delay every call
behind it. So each command names what it touches (``ids_of``: its call, ring, channels,
agent, spy): it waits only for the commands still in flight that share one of them, and
takes over their names, so that a chain stays one chain even when a later command names
only part of it (a StopRinging names its ring, not its agent). A leg's own id (a ring's,
a spy's, a callback's citizen's) is remembered with what its first command named, for as
long as the channel directory remembers channels: a later hang-up that names only the
agent's leg still comes after the caller's Redirect out of that bridge (a leg hung up first
would end the bridge and send the caller to its hang-up).

At most ``in_flight`` commands are under way at once; past that ``put`` waits, and the
runtime's bounded outbox fills behind it as before.

A command that waits for none in flight may begin in the caller's own turn of the loop:
``begin`` (optional) writes it at once and returns what finishes it, or None (the command
goes the usual way, in a task of its own).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any

from acd.core import commands as c

IN_FLIGHT = 32  # AMI actions under way at once; Asterisk answers them in turn anyway
ORDER_FIELDS = ("call_id", "ring_id", "caller_channel", "agent_id", "agent_leg",
                "colleague_leg", "spy_id", "leg", "channel_id")  # fmt: skip
LEGS = ("ring_id", "spy_id", "leg")  # a leg's own id: later commands may name only it
KIN_KEPT = 20_000  # legs remembered (as many as the channel directory's channels)

log = logging.getLogger(__name__)
Send = Callable[[c.TelephonyCommand], Awaitable[None]]
Begin = Callable[[c.TelephonyCommand], Coroutine[Any, Any, None] | None]


def ids_of(command: c.TelephonyCommand) -> Iterator[str]:
    """What a command touches, by the ids Asterisk and the core share (empty ones left out)."""
    for name in ORDER_FIELDS:
        value = getattr(command, name, "")
        if value:
            yield value


@dataclasses.dataclass(eq=False)
class _Sending:
    ids: frozenset[str]
    task: asyncio.Task[None] | None = None


class Lanes:
    def __init__(self, send: Send, in_flight: int = IN_FLIGHT, begin: Begin | None = None) -> None:
        self._send, self._begin = send, begin
        self._free = in_flight  # commands that may start now
        self._room = asyncio.Event()  # set when one more may start
        self._latest: dict[str, _Sending] = {}  # id -> the last command naming it, in flight
        self._sending: set[_Sending] = set()
        self._kin: OrderedDict[str, frozenset[str]] = OrderedDict()  # leg -> what it concerns

    def __len__(self) -> int:
        return len(self._sending)

    async def put(self, command: c.TelephonyCommand) -> None:
        """Start sending ``command`` once the earlier ones it depends on are sent."""
        while not self._free:
            self._room.clear()
            await self._room.wait()
        self._start(command)

    def put_nowait(self, command: c.TelephonyCommand) -> bool:
        """``put`` without waiting: False (nothing done) when ``in_flight`` are under way."""
        if not self._free:
            return False
        self._start(command)
        return True

    def _start(self, command: c.TelephonyCommand) -> None:
        self._free -= 1
        ids = self._concerns(command)
        before = {self._latest[i] for i in ids if i in self._latest}
        for earlier in before:
            ids |= earlier.ids
        sending = _Sending(frozenset(ids))
        waits = [earlier.task for earlier in before if earlier.task is not None]
        begun = None if waits else self._begun(command)
        sending.task = asyncio.create_task(begun or self._after(waits, command))
        sending.task.add_done_callback(lambda _: self._done(sending))
        self._sending.add(sending)
        for i in sending.ids:
            self._latest[i] = sending

    def _concerns(self, command: c.TelephonyCommand) -> set[str]:
        ids = set(ids_of(command))
        for kin in [self._kin[i] for i in ids if i in self._kin]:
            ids |= kin
        for leg in filter(None, (getattr(command, name, "") for name in LEGS)):
            self._kin[leg] = frozenset(ids)
            self._kin.move_to_end(leg)
            if len(self._kin) > KIN_KEPT:
                self._kin.popitem(last=False)
        return ids

    def _begun(self, command: c.TelephonyCommand) -> Coroutine[Any, Any, None] | None:
        if self._begin is None:
            return None
        try:
            return self._begin(command)
        except Exception:  # a bug: the usual way then
            log.exception("telephony command not begun at once")
            return None

    async def _after(self, waits: list[asyncio.Task[None]], command: c.TelephonyCommand) -> None:
        if waits:
            await asyncio.wait(waits)  # their failures are theirs: logged by ``send``
        await self._send(command)

    def _done(self, sending: _Sending) -> None:
        assert sending.task is not None
        if not sending.task.cancelled() and (failure := sending.task.exception()):
            log.error("telephony command failed", exc_info=failure)  # ``send`` should have
        self._free += 1
        self._room.set()
        self._sending.discard(sending)
        for i in sending.ids:
            if self._latest.get(i) is sending:
                del self._latest[i]

    async def drain(self) -> None:
        """Wait until everything put so far is sent."""
        while self._sending:
            await asyncio.wait([s.task for s in self._sending if s.task is not None])

    async def close(self) -> None:
        """Stop what is still under way (the runtime is closing)."""
        tasks = [s.task for s in self._sending if s.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
