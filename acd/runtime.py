"""The live runtime: one inbox feeds the pure core in order; commands go to adapters.

Every adapter (AMI, FastAGI, web, timers) calls ``Runtime.submit(event)``; one task takes
events off the inbox, stamps them with the clock, hands them to ``Engine.handle`` and routes
the resulting commands: telephony commands to one ordered sender, store writes to the
store writer, timers to the loop. Nothing else mutates the engine. An event submitted with
nothing before it (the inbox empty, the core not amid a step) is handled at once, in the
submitter's turn of the loop: the same order, without waiting for the core's task to be
scheduled behind whatever else is ready (under load each such wait adds to the time from
a caller's key to the agent's ring). Likewise a telephony command with none waiting
before it starts at once, and a step's telephony commands go before its records (the
event's own row in the event log included): a ring is written to AMI before any of the
step's writes is even queued. The runtime also feeds
the live metrics (``acd.meter.Meter``): how long each ``Engine.handle`` took, every
contact the core saves and every agent state it records, and every second the length of
each queue (``Engine.queue_lengths``, for the wallboard's charts), so the core keeps no
monitoring counters of its own.

The core never stops silently: an exception while handling one event (other than a request
the core refuses, which goes back to its requester) or while routing its commands is logged
with the event, and the next event is taken. ``alive()`` tells the readiness probe whether
the loop still takes events: False when its task ended, or when the inbox has waited
``STALL_SECONDS`` without the loop taking anything.

The telephony commands wait in a bounded outbox (``telephony_backlog``, docs/reliability.md,
"Bounds") for the sender, which sends them side by side, in order wherever they concern the
same call, ring, channel or agent (``acd.lanes``): one slow AMI action holds up only its own
call. The outbox fills only when AMI answers far slower than calls come. A command that
finds it full is not sent: it is logged at ERROR by name (no number), counted
(``centralino_bound_hits_total{bound="telephony_outbox"}``), and the core's own timers
recover from it as from a lost AMI action (a ring not sent times out as no answer).
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol, assert_never

from acd.core import commands as c
from acd.core import events as e
from acd.core.callback import AttemptRecord, CallbackRecord
from acd.core.contact import Contact
from acd.core.engine import AcdError, Engine
from acd.core.timers import TimerKey
from acd.lanes import Lanes
from acd.meter import Meter
from acd.redact import describe
from agents.states import AgentState, IllegalMove

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
STALL_SECONDS = 5.0
TELEPHONY_BACKLOG = 10_000  # telephony commands waiting for AMI (config: limits)
SAMPLE_SECONDS = 1.0  # how often the queues' lengths go to the meter


class Telephony(Protocol):
    async def execute(self, command: c.TelephonyCommand) -> None: ...


class Records(Protocol):
    """Where facts are kept (acd.store.writer.StoreWriter)."""

    def save_contact(self, contact: Contact) -> None: ...
    def append_event(self, at: datetime, kind: str, payload: dict[str, Any]) -> None: ...
    def record_agent_state(
        self, agent_id: str, state: AgentState, reason: str, at: datetime
    ) -> None: ...
    def save_callback(self, record: CallbackRecord) -> None: ...
    def save_callback_attempt(self, record: AttemptRecord) -> None: ...
    def close_voice_message(
        self, message_id: str, agent_id: str, disposition: str, at: datetime
    ) -> None: ...


_Item = tuple[e.Event, "asyncio.Future[list[c.Command]] | None"]


class Runtime:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        telephony: Telephony,
        records: Records,
        meter: Meter | None = None,
        telephony_backlog: int = TELEPHONY_BACKLOG,
    ) -> None:
        self.engine = engine
        self.meter = meter or Meter()
        self.clock = clock
        self.telephony = telephony
        self.records = records
        self.inbox: asyncio.Queue[_Item] = asyncio.Queue()
        self._outbox: asyncio.Queue[c.TelephonyCommand] = asyncio.Queue(telephony_backlog)
        self._timers: dict[TimerKey, asyncio.TimerHandle] = {}
        begin = getattr(telephony, "begin", None)  # (TelephonyActions'; a test's may lack it)
        self._lanes = Lanes(self._execute, begin=begin)
        self._tasks: list[asyncio.Task[None]] = []
        self.listeners: list[Callable[[], None]] = []
        self.handled = 0
        self.failed = 0  # events whose handling raised unexpectedly
        self._taken_at = time.monotonic()  # when the loop last took an event
        self._direct = False  # whether an event with none before it is handled at once
        self._stepping = False
        self._queued = 0  # telephony commands in the outbox, or taken and not yet started

    def submit(self, event: e.Event) -> None:
        """For adapters: a fact, handled in arrival order (now, when nothing is before it)."""
        if self._direct and not self._stepping and self.inbox.empty():
            self._take(event, None)
            return
        self.inbox.put_nowait((event, None))

    async def request(self, event: e.Event) -> list[c.Command]:
        """For the web: queue a request and learn whether the core accepted it."""
        done: asyncio.Future[list[c.Command]] = asyncio.get_running_loop().create_future()
        self.inbox.put_nowait((event, done))
        return await done

    async def start(self) -> None:
        self._direct = True
        self._tasks = [
            asyncio.create_task(self._feed_core(), name="acd-core"),
            asyncio.create_task(self._send_telephony(), name="acd-telephony"),
            asyncio.create_task(self._sample_queues(), name="acd-queue-samples"),
        ]

    async def stop_core(self, timeout: float = 10.0) -> None:
        """A clean stop, once nothing submits any more (AMI and FastAGI closed): the events
        still in the inbox are handled, then ``EngineStopping`` closes every open contact
        (its writes go to the store writer, which the composition root flushes after)."""
        self._direct = False  # EngineStopping last, through the inbox
        for handle in self._timers.values():  # no more timers: the calls end now
            handle.cancel()
        self._timers.clear()
        try:
            await asyncio.wait_for(self.request(e.EngineStopping()), timeout)
        except Exception:  # the core loop is gone or stuck: nothing more can be closed
            log.exception("open contacts not closed at the stop (%d events left)",
                          self.inbox.qsize())  # fmt: skip

    async def close(self) -> None:
        self._direct = False
        for handle in self._timers.values():
            handle.cancel()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._lanes.close()

    def alive(self) -> bool:
        """Whether the core loop runs and keeps up: for the readiness probe."""
        if not self._tasks or self._tasks[0].done():
            return False
        return self.inbox.empty() or time.monotonic() - self._taken_at < STALL_SECONDS

    async def _feed_core(self) -> None:
        while True:
            event, done = await self.inbox.get()
            self._take(event, done)

    def _take(self, event: e.Event, done: asyncio.Future[list[c.Command]] | None) -> None:
        self._taken_at = time.monotonic()
        self._stepping = True
        try:
            self._step(event, done)
        except Exception as exc:  # a bug: say so, keep the core going
            self.failed += 1
            log.exception("core failed on %s; going on with the next event", describe(event))
            if done is not None and not done.done():
                done.set_exception(exc)
        finally:
            self._stepping = False

    def _step(self, event: e.Event, done: asyncio.Future[list[c.Command]] | None) -> None:
        now = self.clock()
        try:
            self._handle(event, now, done)
        finally:  # (after the commands: the event log row waits, a ring does not)
            self.records.append_event(now, type(event).__name__, _payload(event))

    def _handle(
        self, event: e.Event, now: datetime, done: asyncio.Future[list[c.Command]] | None
    ) -> None:
        started = time.perf_counter()
        try:
            commands = self.engine.handle(event, now)
        except (AcdError, IllegalMove) as exc:  # a refused request: its requester hears it
            if done is not None:
                done.set_exception(exc)
            else:
                log.warning("core refused %s: %s", describe(event), exc)
            return
        finally:
            self.meter.event_handled(time.perf_counter() - started)
        self.handled += 1
        later = []
        for command in commands:  # Asterisk's first: a ring is written before any record
            if isinstance(command, c.TelephonyCommand):
                self._send(command)
            else:
                later.append(command)
        for command in later:
            self._route(command)
        if done is not None and not done.done():
            done.set_result(commands)
        for listener in self.listeners:
            listener()

    def _route(self, command: c.Command) -> None:  # noqa: C901 (a case per kind)
        """Each command to its adapter; mypy proves that none is left without one."""
        match command:
            case c.RingAgent() | c.StopRinging() | c.Connect() | c.RedirectCaller():
                self._send(command)
            case c.HangUpChannel() | c.HoldCall() | c.RequeueCaller() | c.NoteBoost():
                self._send(command)
            case (
                c.SpyOnAgent()
                | c.SwitchSpyMode()
                | c.JoinConsult()
                | c.CompleteTransfer()
                | c.ReturnFromConsult()
            ):
                self._send(command)
            case c.DialCitizen():
                self._send(command)
            case c.SaveCallback():
                self.records.save_callback(command.record)
                self.meter.callback_saved(command.record)
            case c.SaveCallbackAttempt():
                self.records.save_callback_attempt(command.record)
            case c.CloseVoiceMessage():
                self.records.close_voice_message(command.message_id, command.agent_id,
                                                 command.disposition, command.at)  # fmt: skip
            case c.SaveContact():
                self.records.save_contact(command.contact)
                self.meter.contact_saved(command.contact)
            case c.RecordAgentState():
                self.records.record_agent_state(
                    command.agent_id, command.state, command.reason, command.at
                )
                self.meter.agent_state(command.agent_id, command.state, command.at)
            case c.StartTimer():
                self._start_timer(command)
            case c.CancelTimer():
                handle = self._timers.pop(command.key, None)
                if handle is not None:
                    handle.cancel()
            case c.LogWarning():
                log.warning("%s", command.text)
            case _:
                assert_never(command)

    def _send(self, command: c.TelephonyCommand) -> None:
        if not self._queued and self._lanes.put_nowait(command):
            return  # none waits before it: started now
        try:
            self._outbox.put_nowait(command)
            self._queued += 1
        except asyncio.QueueFull:
            log.error("telephony command not sent, %d commands already wait for AMI: %s",
                      self._outbox.maxsize, describe(command))  # fmt: skip
            self.meter.bounds.hit("telephony_outbox", "telephony commands not sent (above)")

    def _start_timer(self, command: c.StartTimer) -> None:
        old = self._timers.pop(command.key, None)
        if old is not None:
            old.cancel()
        self._arm(command.key, command.at)

    def _arm(self, key: TimerKey, at: datetime) -> None:
        delay = max(0.0, (at - self.clock()).total_seconds())
        self._timers[key] = asyncio.get_running_loop().call_later(delay, self._fire, key, at)

    def _fire(self, key: TimerKey, at: datetime) -> None:
        # uvloop counts whole milliseconds from the time its turn began: a timer fires up to
        # a millisecond early (0.6 ms seen here), and a caller would overflow before its time.
        if self.clock() < at:
            self._arm(key, at)
            return
        self._timers.pop(key, None)
        self.submit(e.TimerFired(key))

    async def _sample_queues(self) -> None:
        while True:
            self.meter.queues_now(self.engine.queue_lengths(), self.clock())
            await asyncio.sleep(SAMPLE_SECONDS)

    async def _send_telephony(self) -> None:
        while True:
            await self._lanes.put(await self._outbox.get())
            self._queued -= 1

    async def _execute(self, command: c.TelephonyCommand) -> None:
        await _logged(self.telephony.execute(command), command)


async def _logged(work: Awaitable[None], command: c.Command) -> None:
    try:
        await work
    except Exception:
        log.exception("telephony command failed: %s", describe(command))


def _payload(event: e.Event) -> dict[str, Any]:
    if isinstance(event, e.TimerFired):  # which timer, and whose (a call's: its contact)
        return {"timer": type(event.key).__name__, **dataclasses.asdict(event.key)}
    kind: type = type(event)
    return {name: _plain(getattr(event, name)) for name in _field_names(kind)
            if name not in NOT_IN_THE_LOG}  # fmt: skip


# A scheduled callback's note may name the citizen: it is kept with the callback only
# (``callbacks.note``, blanked with its number by the privacy purge), not in the event log.
NOT_IN_THE_LOG = frozenset({"note"})


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(kind))


def _plain(value: Any) -> Any:
    """JSON's own types: tuples and sets as lists, times as ISO text, a record (a
    dataclass) as a dict, as ``dataclasses.asdict`` makes it."""
    if value is None or isinstance(value, str | int | float):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, frozenset):  # ChannelsListed's uniqueids
        return sorted(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value.isoformat() if isinstance(value, datetime) else value
