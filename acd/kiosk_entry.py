"""A kiosk's call entering the engine: the FastAGI script ``kiosk`` (``centralino-kiosks``).

The dialplan gives the service the visitor chose as the extension; the kiosk is the PJSIP
endpoint the call comes from (in the channel's name, which Asterisk makes: no caller writes
it). ``admit`` decides, purely; ``serve`` reports the call to the core and sets the
channel's variables, as the IVR's enqueue node does (``ivr/runner.py``), so that a restart
takes a waiting kiosk call back like any other.

A kiosk call is queued like any call, with:
- its origin on the contact: the caller is ``kiosk:ID`` (a ``:`` that no citizen's number
  can hold: the trunks' dialplan filters it out), so reports count contacts by kiosk;
- the kiosks' video skill as the extra requirement (``kiosks.video_skill``), for
  ``kiosks.voice_after_seconds`` (then the core drops it: the call turns voice, any agent of
  the service may take it, and the kiosk's feed says so).

Refused, and nothing reported (the dialplan hangs up; the page has said why before the call,
this is the guard): an endpoint that is no kiosk of the configuration, a service the kiosk
does not offer, a service closed now (its ``hours``, the center's holidays).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from acd.config.kiosk_model import KIOSK_ORIGIN, KIOSK_PREFIX, Kiosk, Kiosks
from acd.config.model import CenterConfig
from acd.core.events import CallArrived, CallerEntered, Event
from ivr.calendar import build_calendar

log = logging.getLogger(__name__)
_CHANNEL = re.compile(r"^PJSIP/(?P<endpoint>.+)-[0-9a-f]{8}$")


class Refusal(StrEnum):
    UNKNOWN_KIOSK = "unknown-kiosk"
    NOT_OFFERED = "service-not-offered"
    CLOSED = "service-closed"


@dataclass(frozen=True, slots=True)
class Admitted:
    kiosk: Kiosk
    service: str


class Session(Protocol):
    """What the entry needs of a FastAGI session (``acd.telephony.agi.AgiSession``)."""

    headers: dict[str, str]

    async def set_variable(self, name: str, value: str) -> None: ...


def kiosk_of(kiosks: Kiosks, channel: str) -> Kiosk | None:
    """The kiosk whose endpoint a channel (``PJSIP/kiosk-ID-0000002a``) comes from."""
    found = _CHANNEL.match(channel)
    if found is None or not found["endpoint"].startswith(KIOSK_PREFIX):
        return None
    return kiosks.kiosk(found["endpoint"].removeprefix(KIOSK_PREFIX))


def admit(
    kiosks: Kiosks, channel: str, service: str, open_now: Callable[[str], bool]
) -> Admitted | Refusal:
    kiosk = kiosk_of(kiosks, channel)
    if kiosk is None:
        return Refusal.UNKNOWN_KIOSK
    if service not in kiosk.services:
        return Refusal.NOT_OFFERED
    if not open_now(service):
        return Refusal.CLOSED
    return Admitted(kiosk, service)


def opening_hours(cfg: CenterConfig, clock: Callable[[], datetime]) -> Callable[[str], bool]:
    """Whether a service is open now: its ``hours`` and the center's holidays (a service
    without hours is always open, as its queue is)."""
    calendars = {
        name: build_calendar(s.hours, cfg.holidays, cfg.center.timezone)
        for name, s in cfg.services.items()
        if s.hours
    }

    def open_now(service: str) -> bool:
        calendar = calendars.get(service)
        return calendar is None or calendar.status(clock()).open

    return open_now


@dataclass(frozen=True)
class KioskEntry:
    kiosks: Kiosks
    open_now: Callable[[str], bool]
    submit: Callable[[Event], None]
    clock: Callable[[], datetime]
    language: str

    async def serve(self, session: Session) -> Admitted | Refusal:
        h = session.headers
        call_id, channel = h.get("agi_uniqueid", ""), h.get("agi_channel", "")
        decision = admit(self.kiosks, channel, h.get("agi_extension", ""), self.open_now)
        if isinstance(decision, Refusal):
            log.warning("kiosk call %s on %s refused: %s", call_id, channel, decision.value)
            await session.set_variable("CENTRALINO_REFUSED", decision.value)
            return decision
        kiosk, service = decision.kiosk, decision.service
        requirement, voice_after = self.kiosks.video_skill, self.kiosks.voice_after_seconds
        self.submit(CallArrived(call_id, channel, f"{KIOSK_ORIGIN}{kiosk.id}", service))
        for name, value in (
            ("CENTRALINO_SERVICE", service),
            ("CENTRALINO_PRIORITY", "0"),
            ("CENTRALINO_REQUIREMENT", requirement),
            ("CENTRALINO_ENTERED", f"{self.clock().timestamp():.3f}"),
            ("CENTRALINO_REQUIREMENT_SECONDS", f"{voice_after or 0:g}"),
            ("CENTRALINO_QUEUED", "1"),
        ):
            await session.set_variable(name, value)
        self.submit(CallerEntered(call_id, service, (), 0, requirement, self.language,
                                  requirement_seconds=voice_after))  # fmt: skip
        log.info("kiosk %s: call %s queued for %s (video)", kiosk.id, call_id, service)
        return decision
