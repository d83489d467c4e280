"""The runtime's loop never stops silently: a failing event is logged, the next is taken."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

import pytest

from acd import runtime as rt
from acd.core import commands as c
from acd.core import events as e
from acd.core.callback import CallbackOrigin
from acd.core.engine import AcdError, Engine
from acd.core.model import RoutingAgent, ServiceRules
from acd.core.timers import MaxWaitTimer
from acd.lanes import IN_FLIGHT
from acd.redact import describe
from tests.unit.core.helpers import T0


class Broken(Engine):
    """The real core, made to fail on one kind of event (as a bug would)."""

    def handle(self, event: e.Event, now: datetime) -> list[c.Command]:
        if isinstance(event, e.CallArrived):
            raise RuntimeError("a bug")
        return super().handle(event, now)


class Kept:
    def __init__(self) -> None:
        self.states: list[tuple[str, str]] = []

    def save_contact(self, contact: Any) -> None: ...
    def append_event(self, at: datetime, kind: str, payload: dict[str, Any]) -> None: ...

    def save_callback(self, record: Any) -> None: ...
    def save_callback_attempt(self, record: Any) -> None: ...
    def close_voice_message(self, *args: Any) -> None: ...

    def record_agent_state(self, agent_id: str, state: str, reason: str, at: datetime) -> None:
        self.states.append((agent_id, state))


class Silent:
    async def execute(self, command: c.Command) -> None: ...


def test_an_event_that_raises_is_logged_without_numbers_and_the_core_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine = Broken({"urp": ServiceRules("urp")}, [RoutingAgent("a1", "A", "a1", {"urp": 1})])
    kept = Kept()

    async def main() -> None:
        runtime = rt.Runtime(engine, lambda: T0, Silent(), kept)
        await runtime.start()
        runtime.submit(e.CallArrived("k1", "PJSIP/citizens-1", "3331234567", "0592032032"))
        await runtime.request(e.AgentWentReady("a1"))
        assert (runtime.failed, runtime.handled) == (1, 1)
        assert sum(runtime.meter.handling.counts) == 2  # timed, the failure too
        assert runtime.alive()
        await runtime.close()
        assert not runtime.alive()

    with caplog.at_level(logging.INFO):
        asyncio.run(main())
    assert kept.states[-1] == ("a1", "ready")
    (failure,) = [r for r in caplog.records if "core failed" in r.getMessage()]
    assert "CallArrived(call_id='k1'" in failure.getMessage()
    assert "3331234567" not in caplog.text


def test_a_refused_request_goes_back_to_its_requester() -> None:
    engine = Engine({"urp": ServiceRules("urp")}, [])

    async def main() -> None:
        runtime = rt.Runtime(engine, lambda: T0, Silent(), Kept())
        await runtime.start()
        with pytest.raises(AcdError):
            await runtime.request(e.AgentWentReady("nobody"))
        assert runtime.failed == 0
        assert runtime.alive()
        await runtime.close()

    asyncio.run(main())


def test_describe_leaves_the_numbers_out() -> None:
    event = e.CallArrived("k1", "PJSIP/citizens-1", "3331234567", "0592032032")
    assert describe(event) == "CallArrived(call_id='k1', channel='PJSIP/citizens-1')"


def test_a_clean_stop_handles_the_inbox_then_closes_what_is_open() -> None:
    engine = Engine({"urp": ServiceRules("urp")}, [])
    saved: list[Any] = []

    class Saving(Kept):
        def save_contact(self, contact: Any) -> None:
            saved.append(contact)

    async def main() -> None:
        runtime = rt.Runtime(engine, lambda: T0, Silent(), Saving())
        await runtime.start()
        runtime.submit(e.CallArrived("k1", "PJSIP/citizens-1", "3331234567", "0592032032"))
        await runtime.stop_core()  # k1 arrived before the stop: handled, then closed
        await runtime.close()

    asyncio.run(main())
    assert [(k.contact_id, k.end_cause) for k in saved] == [("k1", None), ("k1", "system-stop")]


class Hanging(Engine):
    """Every event asks for as many hang-ups as AMI takes at once, and five more."""

    def handle(self, event: e.Event, now: datetime) -> list[c.Command]:
        super().handle(event, now)
        return [c.HangUpChannel(f"chan-{n}") for n in range(IN_FLIGHT + 5)]


class Stuck:
    """AMI that takes the first command and never finishes it."""

    def __init__(self) -> None:
        self.taken: list[c.Command] = []
        self.release = asyncio.Event()

    async def execute(self, command: c.Command) -> None:
        self.taken.append(command)
        await self.release.wait()


def test_a_full_telephony_outbox_says_which_command_was_not_sent(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The bound: as many commands as AMI takes at once start, two wait (the rest come in
    the same go); the others are logged and counted, and the two are sent once AMI
    answers."""
    telephony = Stuck()

    async def main() -> None:
        engine = Hanging({"urp": ServiceRules("urp")}, [RoutingAgent("a1", "A", "a1", {})])
        runtime = rt.Runtime(engine, lambda: T0, telephony, Kept(), telephony_backlog=2)
        await runtime.start()
        await runtime.request(e.AgentLoggedIn("a1"))  # two wait, three are not sent
        await asyncio.sleep(0.01)
        assert runtime.meter.bounds.counts == {"telephony_outbox": 3}
        telephony.release.set()
        await asyncio.sleep(0.01)
        assert [getattr(t, "channel_id", "") for t in telephony.taken] == [
            f"chan-{n}" for n in range(IN_FLIGHT + 2)]  # fmt: skip
        await runtime.close()

    with caplog.at_level(logging.INFO):
        asyncio.run(main())
    refused = [r for r in caplog.records if r.getMessage().startswith("telephony command not sent")]
    assert [r.levelno for r in refused] == [logging.ERROR] * 3
    assert f"HangUpChannel(channel_id='chan-{IN_FLIGHT + 2}')" in refused[0].getMessage()
    assert "bound telephony_outbox reached" in caplog.text


def test_a_callbacks_note_stays_out_of_the_event_log() -> None:
    event = e.CallbackScheduled("s1", "urp", "3331234567", T0, CallbackOrigin.AGENT,
                                note="Mario Rossi, carta d'identità", agent_id="a1")  # fmt: skip
    payload = rt._payload(event)
    assert "note" not in payload
    assert (payload["origin"], payload["agent_id"], payload["at"]) == ("agent", "a1",
                                                                      T0.isoformat())  # fmt: skip
    assert "note" not in describe(event)


class Echoing(Engine):
    """Records what it handles; the first event submits another one from inside its step
    (as a listener could), and each event asks for one hang-up."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.seen: list[str] = []
        self.runtime: rt.Runtime | None = None

    def handle(self, event: e.Event, now: datetime) -> list[c.Command]:
        assert isinstance(event, e.HungUp)
        self.seen.append(event.channel_id)
        if event.channel_id == "first" and self.runtime is not None:
            self.runtime.submit(e.HungUp("inside"))
        return [c.HangUpChannel(event.channel_id)]


class Taken:
    def __init__(self) -> None:
        self.taken: list[str] = []

    async def execute(self, command: c.Command) -> None:
        self.taken.append(getattr(command, "channel_id", ""))


def test_an_event_with_none_before_it_is_handled_at_once_and_in_order() -> None:
    """No turn of the loop between a submit and the core, or the core and the command's
    start, when nothing waits before them; an event submitted amid a step waits for it."""
    engine = Echoing({"urp": ServiceRules("urp")}, [])
    telephony = Taken()

    async def main() -> None:
        runtime = rt.Runtime(engine, lambda: T0, telephony, Kept())
        engine.runtime = runtime
        await runtime.start()
        runtime.submit(e.HungUp("first"))
        assert engine.seen == ["first"]  # handled in the submitter's turn
        assert len(runtime._lanes) == 1  # its command under way already
        runtime.submit(e.HungUp("second"))  # "inside" waits in the inbox: so does this
        assert engine.seen == ["first"]
        await asyncio.sleep(0.01)
        assert engine.seen == ["first", "inside", "second"]
        assert telephony.taken == ["first", "inside", "second"]
        await runtime.close()
        runtime.submit(e.HungUp("after"))  # closed: queued, not handled
        assert engine.seen == ["first", "inside", "second"]

    asyncio.run(main())


def test_a_ring_is_written_before_any_record_of_its_step() -> None:
    """The caller's entry: the agent's ring goes to AMI first; the contact, the agent's
    state and the event's own log row are queued after it (entry to ring waits for none)."""
    engine = Engine({"urp": ServiceRules("urp")}, [RoutingAgent("a1", "A", "a1", {"urp": 1})])
    order: list[str] = []

    class Recording(Kept):
        def save_contact(self, contact: Any) -> None:
            order.append("contact")

        def append_event(self, at: datetime, kind: str, payload: dict[str, Any]) -> None:
            order.append(f"event {kind}")

        def record_agent_state(self, agent_id: str, state: str, reason: str, at: datetime) -> None:
            order.append(f"state {state}")

    class Ringing(Silent):
        def begin(self, command: c.Command) -> Any:
            order.append(type(command).__name__)
            return asyncio.sleep(0)

    async def main() -> None:
        runtime = rt.Runtime(engine, lambda: T0, Ringing(), Recording())
        await runtime.start()
        await runtime.request(e.AgentWentReady("a1"))
        runtime.submit(e.CallArrived("k1", "PJSIP/citizens-1", "3331234567", "0592032032"))
        order.clear()
        runtime.submit(e.CallerEntered("k1", "urp"))
        await runtime.close()

    asyncio.run(main())
    assert order[0] == "RingAgent"
    assert {"contact", "state ringing", "event CallerEntered"} <= set(order[1:])
    assert order[-1] == "event CallerEntered"


class Timing(Engine):
    """Asks for one timer, and notes when on its clock the timer came back."""

    def __init__(self, at: datetime) -> None:
        super().__init__({"urp": ServiceRules("urp")}, [])
        self.at = at
        self.fired: list[datetime] = []

    def handle(self, event: e.Event, now: datetime) -> list[c.Command]:
        if isinstance(event, e.TimerFired):
            self.fired.append(now)
            return []
        return [c.StartTimer(MaxWaitTimer("k1"), self.at)]


def test_a_timer_the_loop_fires_early_on_the_wall_clock_waits_the_rest() -> None:
    at = T0 + timedelta(milliseconds=50)
    engine = Timing(at)
    wall = [T0]  # the engine's clock behind the loop's: it stands still while the loop counts

    async def main() -> None:
        runtime = rt.Runtime(engine, lambda: wall[0], Silent(), Kept())
        await runtime.start()
        await runtime.request(e.AgentWentReady("a1"))
        await asyncio.sleep(0.2)  # the loop's 50 ms have passed four times over
        assert engine.fired == []
        wall[0] = at
        await asyncio.sleep(0.1)
        await runtime.close()

    asyncio.run(main())
    assert engine.fired == [at]
