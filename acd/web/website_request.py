"""A callback asked for on the city's website (``POST /api/v1/callbacks``), pure: what a
request says, whether it may be made, and what is answered. No I/O; the time is given.
The routes are ``acd.web.website_callbacks``; docs/callbacks.md, "Dal sito del Comune".

The body, a JSON object (any other field is refused: a misspelt one would be lost)::

    number     required: a valid Italian or international number (``phonenumbers``: 059...,
               3..., +44..., 0044...; spaces, dots, dashes and brackets allowed) that the
               service's trunk may dial (its ``outbound`` patterns); kept as the trunk
               dials it, as the IVR's offer keeps it (``ivr.callback_offer.dial_forms``)
    service    required: a service that takes callbacks (``services.*.callback``)
    slot       optional: when to call, ISO 8601 (without an offset: the center's time);
               from now (a minute's slack) to 30 days ahead, inside one of the service's
               openings (its hours, holidays and closures): the start of one of its next
               opening slots, or any time inside one. Absent: as soon as possible, now if
               the service is open, else its next opening
    note       optional: at most 200 characters for whoever calls back, one line, no
               control or formatting characters
    language   optional: it or en (the languages of the center); absent: the center's

The ``Idempotency-Key`` header is required: 1 to 255 visible ASCII characters (a UUID
will do; a structured-field string in quotes too). The same key from the same token gets
the answer the first request got, as long as the body is the same (else 422): a website
retrying after a timeout never makes two callbacks.

Daily limits (``web_callbacks`` in the configuration), over the last 24 hours: a token's
requests answered with a callback, and the callbacks made for one number whatever token
asked. A request over one gets 429 with the seconds until the oldest counted leaves the
window. A request for a number and service with a callback pending is answered with it
(200), before the number's limit is counted: it makes nothing.

Errors::

    InvalidRequest   the fields in error, each with its reason (the web answers 400)
    LimitReached     a daily limit: which, and when it has room again (429)
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from acd.core.callback import CallbackOutcome, CallbackState, OpeningHours
from acd.core.callbacks import RESCHEDULE_AHEAD, SCHEDULE_SLACK
from acd.core.view import CallView, CenterView
from acd.privacy.numbers import InvalidNumber, citizen_number
from ivr.calendar import next_slots
from ivr.callback_offer import dial_forms

FIELDS = frozenset({"number", "service", "slot", "note", "language"})
NOTE_MAX = 200
KEY_HEADER = "Idempotency-Key"
WINDOW = timedelta(days=1)  # "a day" of the daily limits: the last 24 hours
HINT_SLOTS = 3  # openings named when a slot is refused
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
Allowed = Callable[[str], bool]


class InvalidRequest(Exception):
    def __init__(self, fields: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {why}" for name, why in fields.items()))
        self.fields = dict(fields)


class LimitReached(Exception):
    def __init__(self, message: str, retry_after: timedelta) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def retry_seconds(self) -> int:
        return max(1, int(self.retry_after.total_seconds() + 0.999))


@dataclass(frozen=True, slots=True)
class CallbackDesk:
    """A service that takes callbacks, as a request is checked against it."""

    allowed: Allowed  # its trunk may dial this form of a number
    hours: OpeningHours | None  # its callbacks' hours (None: any time)


@dataclass(frozen=True, slots=True)
class Center:
    """What a request is checked against."""

    services: Mapping[str, CallbackDesk]
    languages: tuple[str, ...]
    language: str
    zone: ZoneInfo


@dataclass(frozen=True, slots=True)
class Ask:
    """A request that may be made: the callback to schedule."""

    number: str  # as the service's trunk dials it
    service: str
    at: datetime  # when it enters its queue
    note: str
    language: str


def idempotency_key(header: str | None) -> str:
    """The key the header gives (quotes of a structured-field string taken off)."""
    if header is None:
        raise InvalidRequest({KEY_HEADER: "required: a key of your own for this request "
                              "(a UUID will do), the same when you retry it"})  # fmt: skip
    key = header.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not _KEY.match(key):
        raise InvalidRequest({KEY_HEADER: "1 to 255 visible ASCII characters, no spaces"})
    return key


def canonical(body: Mapping[str, Any]) -> str:
    """The body as one text whatever the order of its fields (to compare a retry's)."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def read_request(body: Mapping[str, Any], center: Center, now: datetime) -> Ask:
    """The callback ``body`` asks for, or ``InvalidRequest`` naming every bad field."""
    bad: dict[str, str] = {f: "unknown field" for f in sorted(set(body) - FIELDS)}
    service = _service(body.get("service"), center, bad)
    desk = center.services.get(service) if service else None
    number = _number(body.get("number"), desk, bad)
    note = _note(body.get("note", ""), bad)
    language = _language(body.get("language", center.language), center, bad)
    at = _time(body.get("slot"), desk, center.zone, now, bad) if desk is not None else None
    if bad or number is None or at is None:
        raise InvalidRequest(bad)
    return Ask(number, service, at, note, language)


def _service(value: Any, center: Center, bad: dict[str, str]) -> str:
    if not isinstance(value, str) or not value:
        bad["service"] = "required: the id of a service that takes callbacks"
    elif value not in center.services:
        known = ", ".join(sorted(center.services)) or "none"
        bad["service"] = f"no service {value[:40]!r} takes callbacks (those that do: {known})"
    else:
        return value
    return ""


def _number(value: Any, desk: CallbackDesk | None, bad: dict[str, str]) -> str | None:
    if not isinstance(value, str) or not value.strip():
        bad["number"] = "required: the number to call back, e.g. 059 123456 or +44 20 7946 0000"
        return None
    try:
        forms = dial_forms(citizen_number(value))
    except InvalidNumber:
        forms = []
    if not forms:
        bad["number"] = "not a valid Italian or international telephone number"
        return None
    number = next((form for form in forms if desk.allowed(form)), None) if desk else forms[0]
    if number is None:
        bad["number"] = "the center does not call numbers like this one (see its trunk's rules)"
    return number


def _note(value: Any, bad: dict[str, str]) -> str:
    if not isinstance(value, str):
        bad["note"] = "a text"
        return ""
    note = value.strip()
    if len(note) > NOTE_MAX:
        bad["note"] = f"at most {NOTE_MAX} characters ({len(note)} given)"
    elif any(unicodedata.category(ch).startswith("C") for ch in note):
        bad["note"] = "one line of text: no control or formatting characters"
    return note


def _language(value: Any, center: Center, bad: dict[str, str]) -> str:
    if value not in center.languages:
        bad["language"] = f"one of {', '.join(center.languages)}"
        return center.language
    return str(value)


def _time(
    value: Any, desk: CallbackDesk, zone: ZoneInfo, now: datetime, bad: dict[str, str]
) -> datetime | None:
    """When the callback enters its queue: the slot asked for, checked, or the soonest."""
    hours = desk.hours
    if value is None:
        if hours is None or hours.is_open(now):
            return now
        opening = hours.next_opening(now)
        if opening is None:
            bad["slot"] = "the service has no opening ahead"
        return opening
    at = _instant(value, zone)
    if at is None:
        bad["slot"] = "an ISO 8601 time, e.g. 2026-12-02T09:30 (the center's time) or with " \
                      "its offset, 2026-12-02T09:30+01:00"  # fmt: skip
    elif at < now - SCHEDULE_SLACK:
        bad["slot"] = "in the past"
    elif at > now + RESCHEDULE_AHEAD:
        bad["slot"] = f"more than {RESCHEDULE_AHEAD.days} days ahead"
    elif hours is not None and not hours.is_open(at):
        bad["slot"] = f"the service is closed then (a holiday, a closure or out of hours); " \
                      f"its next openings: {_openings(hours, now, zone)}"  # fmt: skip
    else:
        return max(at, now)
    return None


def _instant(value: Any, zone: ZoneInfo) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at.replace(tzinfo=zone) if at.tzinfo is None else at


def _openings(hours: OpeningHours, now: datetime, zone: ZoneInfo) -> str:
    slots = next_slots(hours, now, HINT_SLOTS)
    return ", ".join(local(s.start, zone) for s in slots) or "none"


def local(at: datetime, zone: ZoneInfo) -> str:
    """A time as the center's, with its offset (RFC 3339, as the description says)."""
    return at.astimezone(zone).isoformat(timespec="seconds")


def over_limit(count: int, oldest: datetime | None, limit: int, now: datetime) -> timedelta | None:
    """How long until there is room again under ``limit`` (None: there is room now), when
    ``count`` rows, the oldest at ``oldest``, are in the window."""
    if count < limit:
        return None
    return max((oldest or now) + WINDOW - now, timedelta(seconds=1))


def pending_twin(view: CenterView, number: str, service: str) -> str | None:
    """The callback pending for ``number`` in ``service``, if there is one (the core
    refuses a second: ``AlreadyPending``)."""
    for queue in view.queues:
        if queue.service != service:
            continue
        for call in queue.calls:
            callback = call.callback
            if callback is not None and callback.number == number \
                    and callback.state is not CallbackState.DONE:  # fmt: skip
                return call.call_id
    return None


# -- what is answered ------------------------------------------------------------------------


class Progress(StrEnum):
    """A callback's state as the website reads it (``CallbackState`` in fewer words)."""

    WAITING = "waiting"  # in line: an agent is rung for it in its turn
    DEFERRED = "deferred"  # out of line until its time (scheduled, closed, a retry's spacing)
    IN_PROGRESS = "in-progress"  # an agent's phone or the citizen's rings, or they talk
    DONE = "done"  # over: see its outcome


_PROGRESS = {
    CallbackState.LIVE: Progress.WAITING,
    CallbackState.WAITING: Progress.WAITING,
    CallbackState.DEFERRED: Progress.DEFERRED,
    CallbackState.RINGING: Progress.IN_PROGRESS,
    CallbackState.DIALLING: Progress.IN_PROGRESS,
    CallbackState.TALKING: Progress.IN_PROGRESS,
    CallbackState.MESSAGE: Progress.IN_PROGRESS,
    CallbackState.DONE: Progress.DONE,
}


@dataclass(frozen=True, slots=True)
class Seen:
    """A callback as the website is told of it."""

    call_id: str
    service: str
    state: CallbackState
    attempts: int
    scheduled_for: datetime | None
    position: int | None = None  # in line (waiting only)
    outcome: CallbackOutcome | None = None

    @classmethod
    def of_call(cls, call: CallView) -> Seen | None:
        """A live call's callback (None: the call has none)."""
        cb = call.callback
        if cb is None:
            return None
        position = call.position if _PROGRESS[cb.state] is Progress.WAITING else None
        return cls(call.call_id, call.service or "", cb.state, cb.attempts,
                   cb.scheduled_for or cb.requested_at, position)  # fmt: skip

    def answer(self, zone: ZoneInfo) -> dict[str, Any]:
        """The JSON the website gets (``Callback`` in the OpenAPI description)."""
        progress = _PROGRESS[self.state]
        answer: dict[str, Any] = {
            "id": self.call_id,
            "service": self.service,
            "state": progress.value,
            "attempts": self.attempts,
            "scheduled_for": local(self.scheduled_for, zone) if self.scheduled_for else None,
        }
        if self.position is not None:
            answer["position"] = self.position
        if progress is Progress.DONE:
            answer["outcome"] = self.outcome.value if self.outcome else None
        return answer
