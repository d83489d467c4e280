"""The IVR runner's adapters, built by the composition root (``acd.bootstrap``).

- ``CoreReports``: what the runner reports of a call (``ivr.runner.IvrReports``), put on
  the inbox as the core's events.
- ``ivr_clock``: the clock the IVR's opening hours read. ``CENTRALINO_FAKE_NOW`` (an ISO
  8601 time with its offset, e.g. ``2027-01-31T10:00:00+01:00``) makes the IVR's time
  start there and advance in real time: the end-to-end tests use it to reach a holiday or
  the closed hours. It is read here only, never by pure logic; the core's clock is never
  faked, but the opening hours it checks for a ``closed`` overflow are read with the same
  shift (``hours_shift``), so that the IVR and the queues agree on whether a service is open.
- ``ActsLookup``: the ``lookup`` node's ``deposited-act`` query, answered from PostgreSQL.
- ``VoiceMessages``: recordings in the instance's spool dir, handed to the back office as
  a ``voice_messages`` row through the ordered store writer, and to the core as a task for
  the service's agents (``VoiceMessageLeft``), unless sox finds it empty (``acd.silence``):
  then the row is handled at once, as ``empty``, and nobody is offered it.
- ``CoreCallbacks``: the announcer's callback offer (``ivr.announce.CallbackOffers``): when
  the core says the call's threshold is passed, which key, which numbers its trunk may
  dial (``acd.telephony.outbound``), and the request as the core's ``CallbackRequested``.
- ``CoreScheduler``: a callback booked in the IVR (``schedule_callback``) as the core's
  ``CallbackScheduled`` (origin ``ivr``, its id ``sched-`` and the caller's call id), its
  time moved from the IVR's clock back to the engine's; ``callback_dialable``: which numbers
  a service's callbacks may dial (its trunk's outbound patterns), for the node's number.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from acd.core.callback import SCHEDULED_PREFIX, CallbackOrigin, CallbackRules
from acd.core.callbacks import AlreadyPending, BadTime
from acd.core.commands import Command
from acd.core.contact import Contact
from acd.core.desk import AcdError
from acd.core.events import (
    CallArrived,
    CallbackRequested,
    CallbackScheduled,
    CallerEntered,
    Event,
    IvrLeft,
    VoiceMessageLeft,
)
from acd.core.voice_message import EMPTY
from acd.silence import Loudness, is_empty, measure
from acd.store.errors import StoreError
from acd.store.ivr import IvrStore, SaveVoiceMessageOp
from acd.store.writer import StoreWriter
from acd.telephony.errors import OutboundNotAllowed
from acd.telephony.outbound import OutboundPolicy
from ivr import steps as s
from ivr.announce import Chance
from ivr.runner import KeptMessage
from ivr.steps import Enqueue

FAKE_NOW_ENV = "CENTRALINO_FAKE_NOW"
Clock = Callable[[], datetime]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CoreReports:
    """The runner's reports as the core's events, handed to ``submit`` (the inbox)."""

    submit: Callable[[Event], None]

    def arrived(self, call_id: str, channel: str, caller: str, dialled: str) -> None:
        self.submit(CallArrived(call_id, channel, caller, dialled))

    def entered(self, call_id: str, queue: Enqueue, keys: tuple[str, ...], language: str) -> None:
        self.submit(CallerEntered(call_id, queue.service, keys, queue.priority,
                                  queue.requirement, language))  # fmt: skip

    def left(self, call_id: str, keys: tuple[str, ...], outcome: str) -> None:
        self.submit(IvrLeft(call_id, keys, outcome))


def ivr_clock(real: Clock, environ: Mapping[str, str] | None = None) -> Clock:
    """``real``, or a clock that starts at ``CENTRALINO_FAKE_NOW`` and runs from there."""
    offset = hours_shift(real, environ)
    return real if not offset else lambda: real() + offset


def hours_shift(real: Clock, environ: Mapping[str, str] | None = None) -> timedelta:
    """How far ``CENTRALINO_FAKE_NOW`` moves the opening hours' clock (zero without it)."""
    text = (os.environ if environ is None else environ).get(FAKE_NOW_ENV, "").strip()
    if not text:
        return timedelta(0)
    start = datetime.fromisoformat(text)
    if start.utcoffset() is None:
        raise ValueError(f"{FAKE_NOW_ENV}={text!r} needs its UTC offset, e.g. +01:00")
    return start.astimezone(UTC) - real()


@dataclass(frozen=True)
class ActsLookup:
    store: IvrStore

    async def __call__(self, query: str, key: str) -> dict[str, str] | None:
        """A held (not yet collected) act: its number and deposit date; else None."""
        if query != "deposited-act" or not key:
            return None
        act = await self.store.act(key)
        if act is None or act.collected_at is not None:
            return None
        return {"act_number": act.number, "deposited_on": act.deposited_on.isoformat()}


async def no_contact(call_id: str) -> Contact | None:
    return None


@dataclass(frozen=True)
class VoiceMessages:
    """Recordings as Asterisk sees them (``inside``) and as the back office does (``host``).

    A message kept goes to the store, then (not empty) to the core through ``submit``; a
    queue's voicemail takes its service and IVR path from its call's contact (``contact``,
    the store's read: the overflow saved it before the caller was redirected), else
    ``default_service``."""

    host: Path
    inside: str
    writer: StoreWriter
    submit: Callable[[Event], None] = lambda event: None
    default_service: str = ""
    contact: Callable[[str], Awaitable[Contact | None]] = no_contact
    loudness: Callable[[Path], Awaitable[Loudness | None]] = measure

    def path(self, name: str) -> str:
        # RECORD FILE makes no directory: Asterisk's start made it, Asterisk's own (0700);
        # one made here would be root's, and Asterisk could not write in it.
        return f"{self.inside}/{name}"

    async def keep(self, message: KeptMessage) -> None:
        file = self.host / f"{message.name}.wav"
        service, path = await self._route(message)
        loudness = await self.loudness(file)
        empty = loudness is not None and is_empty(loudness)
        handled, disposition = (message.at, EMPTY) if empty else (None, None)
        op = SaveVoiceMessageOp(message.call_id, message.caller, str(file), message.at,
                                message.name, service, message.language, path, handled,
                                disposition)  # fmt: skip
        try:
            self.writer.submit(op)
        except StoreError as exc:  # (the writer logged it): offered all the same
            log.error("voice message %s not stored: %s", message.name, exc)
        if empty and loudness is not None:
            log.info("voice message %s closed as empty (%.1f s, RMS %.4f)", message.name,
                     loudness.seconds, loudness.rms)  # fmt: skip
            return
        self.submit(VoiceMessageLeft(message.name, message.call_id, service, message.caller,
                                     message.at, path, message.language))  # fmt: skip

    async def _route(self, message: KeptMessage) -> tuple[str, tuple[str, ...]]:
        """The service whose agents work it and the caller's IVR path."""
        if message.service is not None:
            return message.service, message.ivr_path
        try:
            contact = await self.contact(message.call_id)
        except StoreError as exc:
            log.warning("voice message %s: its call not read (%s), for %s", message.name, exc,
                        self.default_service)  # fmt: skip
            contact = None
        if contact is None or not contact.service:
            return self.default_service, message.ivr_path
        return contact.service, contact.ivr_path


@dataclass(frozen=True)
class CoreCallbacks:
    """The announcer's callback offer, answered by the core (``Engine.callback_offer``, a
    read) and the inbox (``Runtime.request``: the core's answer comes back)."""

    offer: Callable[[str, datetime], CallbackRules | None]
    request_event: Callable[[Event], Awaitable[list[Command]]]
    outbound: OutboundPolicy
    clock: Clock

    def chance(self, call_id: str) -> Chance | None:
        rules = self.offer(call_id, self.clock())
        if rules is None:
            return None
        trunk = rules.trunk
        return Chance(rules.key, lambda number: self._allowed(trunk, number))

    async def request(self, call_id: str, number: str) -> bool:
        try:
            await self.request_event(CallbackRequested(call_id, number))
        except AcdError as exc:
            log.info("callback for %s refused: %s", call_id, exc)  # (no number in it)
            return False
        return True

    def _allowed(self, trunk: str, number: str) -> bool:
        try:
            self.outbound.check(trunk, number)
        except OutboundNotAllowed:
            return False
        return True


def callback_dialable(
    rules: Mapping[str, CallbackRules | None], outbound: OutboundPolicy
) -> Callable[[str, str], bool]:
    """(service, number): the service takes callbacks and its trunk may dial ``number``."""

    def dialable(service: str, number: str) -> bool:
        found = rules.get(service)
        return found is not None and outbound.allows(found.trunk, number)

    return dialable


@dataclass(frozen=True)
class CoreScheduler:
    """The IVR's bookings (``ivr.runner.ScheduledCallbacks``) as the core's
    ``CallbackScheduled``, answered by the core through the inbox (``Runtime.request``).
    ``shift``: how far the IVR's clock runs ahead of the engine's (``hours_shift``)."""

    request_event: Callable[[Event], Awaitable[list[Command]]]
    shift: timedelta = timedelta(0)

    async def schedule(
        self, call_id: str, booking: s.ScheduleCallback, keys: tuple[str, ...], language: str
    ) -> str:
        event = CallbackScheduled(SCHEDULED_PREFIX + call_id, booking.service, booking.number,
                                  booking.at - self.shift, CallbackOrigin.IVR, language,
                                  ivr_path=keys)  # fmt: skip
        try:
            await self.request_event(event)
        except AlreadyPending:
            answer = s.ALREADY_BOOKED
        except BadTime:
            answer = s.BAD_TIME
        except AcdError:
            answer = s.REFUSED
        else:
            answer = s.BOOKED
        # (never the number)
        log.info("callback booked by %s in %s for %s: %s", call_id, booking.service,
                 event.at.isoformat(), answer)  # fmt: skip
        return answer
