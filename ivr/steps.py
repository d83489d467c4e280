"""What a running IVR flow asks of the telephony side, and what it gets back.

A flow is a generator: it yields a step and receives the step's result:

    Play, PlayRecording   the key pressed during the prompt, or None
    Collect               the digits (empty on timeout; the terminator is not included)
    Record                the recording's name, or "" when nothing was recorded
    Lookup                a dict of answers when found, else None
    ScheduleCallback      the engine's answer: "scheduled", "already-pending", "bad-time",
                          or "refused"
    SayDigits, SayTime, SayWait, SetLanguage, KeepRecording   None
    Enqueue, Transfer, Hangup   end the flow
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

DTMF = "0123456789*#"


@dataclass(frozen=True, slots=True)
class Play:
    prompt: str
    interrupt_keys: str = ""


@dataclass(frozen=True, slots=True)
class Collect:
    """Play a prompt (None: no prompt) and wait for up to ``max_digits`` keys.

    A key during the prompt counts; ``terminator`` ends the input early.
    """

    prompt: str | None
    timeout: float
    max_digits: int = 1
    terminator: str = "#"


@dataclass(frozen=True, slots=True)
class SayDigits:
    """Speak ``text`` (digits only) as a number, or digit by digit."""

    text: str
    as_number: bool = True


@dataclass(frozen=True, slots=True)
class SayTime:
    at: datetime
    what: Literal["date", "time", "datetime"] = "datetime"


@dataclass(frozen=True, slots=True)
class SayWait:
    """Speak the estimated wait of ``service``: the queue announcement's sentence
    (nothing if unknown)."""

    service: str


@dataclass(frozen=True, slots=True)
class SetLanguage:
    language: str


@dataclass(frozen=True, slots=True)
class Lookup:
    query: str
    key: str


@dataclass(frozen=True, slots=True)
class Record:
    max_seconds: int
    beep: bool = True


@dataclass(frozen=True, slots=True)
class PlayRecording:
    recording: str


@dataclass(frozen=True, slots=True)
class KeepRecording:
    """The caller confirmed the message: hand it to the back office."""

    recording: str


@dataclass(frozen=True, slots=True)
class ScheduleCallback:
    """Book a callback to ``number`` in ``service``'s queue at ``at`` (the IVR's clock)."""

    service: str
    number: str
    at: datetime


BOOKED, ALREADY_BOOKED, BAD_TIME, REFUSED = "scheduled", "already-pending", "bad-time", "refused"


@dataclass(frozen=True, slots=True)
class Enqueue:
    service: str
    priority: int = 0
    requirement: str = ""


@dataclass(frozen=True, slots=True)
class Transfer:
    number: str


@dataclass(frozen=True, slots=True)
class Hangup:
    outcome: str


Step = (
    Play
    | Collect
    | SayDigits
    | SayTime
    | SayWait
    | SetLanguage
    | Lookup
    | Record
    | PlayRecording
    | KeepRecording
    | ScheduleCallback
    | Enqueue
    | Transfer
    | Hangup
)
Final = (Enqueue, Transfer, Hangup)
Result = str | dict[str, str] | None
