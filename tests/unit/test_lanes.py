"""Telephony commands go side by side, in order wherever they share a call, ring or agent."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Coroutine
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from acd.core import commands as c
from acd.lanes import Lanes, ids_of


def ring(ring_id: str, agent: str, call: str) -> c.RingAgent:
    return c.RingAgent(ring_id, agent, f"PJSIP/{agent}", call, f"ch-{call}", "", 20.0)


class Gated:
    """A telephony whose actions wait for the test to let them through."""

    def __init__(self) -> None:
        self.gates: dict[str, asyncio.Event] = {}
        self.started: list[str] = []

    async def send(self, command: c.TelephonyCommand) -> None:
        key = getattr(command, "ring_id", "") or next(ids_of(command))
        name = f"{type(command).__name__}:{key}"
        self.started.append(name)
        await self.gates.setdefault(name, asyncio.Event()).wait()

    def open(self, name: str) -> None:
        self.gates.setdefault(name, asyncio.Event()).set()


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_a_slow_action_holds_up_only_its_own_call() -> None:
    async def main() -> None:
        ami = Gated()
        lanes = Lanes(ami.send)
        await lanes.put(ring("r1", "a1", "k1"))  # AMI does not answer this one
        await lanes.put(ring("r2", "a2", "k2"))
        await settle()
        assert ami.started == ["RingAgent:r1", "RingAgent:r2"]
        await lanes.close()

    asyncio.run(main())


def test_a_chain_keeps_its_order_and_its_names() -> None:
    async def main() -> None:
        ami = Gated()
        lanes = Lanes(ami.send)
        await lanes.put(ring("r1", "a1", "k1"))
        await lanes.put(c.StopRinging("r1"))  # names the ring only
        await lanes.put(ring("r2", "a1", "k2"))  # the same agent: after the stop
        await settle()
        assert ami.started == ["RingAgent:r1"]
        ami.open("RingAgent:r1")
        await settle()
        assert ami.started == ["RingAgent:r1", "StopRinging:r1"]
        ami.open("StopRinging:r1")
        ami.open("RingAgent:r2")
        await settle()
        assert ami.started[-1] == "RingAgent:r2"
        assert len(lanes) == 0
        await lanes.close()

    asyncio.run(main())


def test_a_legs_hang_up_waits_for_its_callers_redirect() -> None:
    """A transfer: the caller back to the queue, then the agent's leg (named only by its
    ring id, whose ring was sent long before) hung up, in that order."""

    async def main() -> None:
        ami = Gated()
        lanes = Lanes(ami.send)
        ami.open("RingAgent:r1")
        await lanes.put(ring("r1", "a1", "k1"))
        await lanes.drain()
        await lanes.put(c.RequeueCaller("k1", "ch-k1", "urp"))  # AMI slow on this one
        await lanes.put(c.HangUpChannel("r1"))
        await settle()
        assert ami.started[-1] == "RequeueCaller:k1"
        ami.open("RequeueCaller:k1")
        await settle()
        assert ami.started[-1] == "HangUpChannel:r1"
        await lanes.close()

    asyncio.run(main())


def test_past_the_limit_put_waits() -> None:
    async def main() -> None:
        ami = Gated()
        lanes = Lanes(ami.send, in_flight=2)
        await lanes.put(c.HangUpChannel("x1"))
        await lanes.put(c.HangUpChannel("x2"))
        third = asyncio.create_task(lanes.put(c.HangUpChannel("x3")))
        await settle()
        assert not third.done()
        ami.open("HangUpChannel:x1")
        await settle()
        assert third.done()
        await lanes.close()

    asyncio.run(main())


def test_a_failed_action_does_not_stop_the_next() -> None:
    sent: list[str] = []

    async def send(command: c.TelephonyCommand) -> None:
        sent.append(type(command).__name__)
        if isinstance(command, c.RingAgent):
            raise RuntimeError("AMI said no")

    async def main() -> None:
        lanes = Lanes(send)
        await lanes.put(ring("r1", "a1", "k1"))
        await lanes.put(c.StopRinging("r1"))
        await settle()
        await lanes.close()

    asyncio.run(main())
    assert sent == ["RingAgent", "StopRinging"]


IDS = st.sampled_from(["k1", "k2", "k3", "r1", "r2", "a1", "a2"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(IDS, IDS, st.integers(0, 3)), min_size=1, max_size=12), st.randoms())
def test_commands_sharing_an_id_never_overlap_nor_overtake(
    steps: list[tuple[str, str, int]], rnd: random.Random
) -> None:
    log: list[tuple[str, int]] = []  # ("start"|"end", index)

    async def main() -> None:
        async def send(command: c.TelephonyCommand) -> None:
            index = int(command.ring_id)  # type: ignore[union-attr]
            log.append(("start", index))
            for _ in range(rnd.randint(0, 3)):
                await asyncio.sleep(0)
            log.append(("end", index))

        lanes = Lanes(send, in_flight=rnd.randint(1, 4))
        for index, (one, other, pause) in enumerate(steps):
            await lanes.put(c.RingAgent(str(index), one, "", other, "", "", 1.0))
            for _ in range(pause):
                await asyncio.sleep(0)
        await lanes.drain()
        assert len(lanes) == 0

    asyncio.run(main())
    position = {event: at for at, event in enumerate(log)}
    for i, (a, b, _) in enumerate(steps):
        for j in range(i + 1, len(steps)):
            if {a, b} & {steps[j][0], steps[j][1]}:
                assert position[("end", i)] < position[("start", j)]


def test_put_nowait_starts_while_there_is_room_and_put_waits_for_it() -> None:
    async def main() -> None:
        telephony = Gated()
        lanes = Lanes(telephony.send, in_flight=1)
        assert lanes.put_nowait(ring("r1", "a1", "k1"))
        assert not lanes.put_nowait(ring("r2", "a2", "k2"))  # no room: nothing done
        waiting = asyncio.create_task(lanes.put(ring("r3", "a3", "k3")))
        await settle()
        assert telephony.started == ["RingAgent:r1"]
        assert not waiting.done()
        telephony.open("RingAgent:r1")
        await settle()
        assert telephony.started == ["RingAgent:r1", "RingAgent:r3"]
        assert waiting.done()
        telephony.open("RingAgent:r3")
        await lanes.drain()
        assert lanes.put_nowait(ring("r4", "a4", "k4"))
        telephony.open("RingAgent:r4")
        await lanes.drain()

    asyncio.run(main())


def test_a_command_waiting_for_none_begins_in_the_callers_turn() -> None:
    """``begin`` is asked at once for a command with nothing before it in flight (what it
    returns finishes it); one that waits for an earlier command goes the usual way, and so
    does one ``begin`` declines or fails on."""

    async def main() -> None:
        telephony, begun = Gated(), list[str]()

        def begin(command: c.TelephonyCommand) -> Coroutine[Any, Any, None] | None:
            key = getattr(command, "ring_id", "")
            if key == "r9":
                raise RuntimeError("a bug")
            if not isinstance(command, c.RingAgent) or key == "r3":
                return None
            begun.append(key)
            return telephony.send(command)

        lanes = Lanes(telephony.send, begin=begin)
        assert lanes.put_nowait(ring("r1", "a1", "k1"))
        assert begun == ["r1"]  # now, before any turn of the loop
        assert lanes.put_nowait(c.StopRinging("r1"))  # waits for r1: not begun
        assert lanes.put_nowait(ring("r3", "a3", "k3"))  # declined
        assert lanes.put_nowait(ring("r9", "a9", "k9"))  # failed: the usual way
        await settle()
        assert begun == ["r1"]
        assert sorted(telephony.started) == ["RingAgent:r1", "RingAgent:r3", "RingAgent:r9"]
        for name in ("RingAgent:r1", "StopRinging:r1", "RingAgent:r3", "RingAgent:r9"):
            telephony.open(name)
        await lanes.drain()
        assert telephony.started[-1] == "StopRinging:r1"

    asyncio.run(main())
