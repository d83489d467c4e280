"""The IVR part of the center's configuration: prompts, calendars, trees and their nodes.

A tree is a mapping of named nodes; each node names the nodes it leads to. Shapes and
ranges are checked here (pydantic); names that must point at something, unreachable nodes
and loops that never wait for input are checked in ``ivr.checks``. The center's whole
model (``acd.config.model``) takes these sections as they are.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

NAME = r"^[a-z][a-z0-9_-]*$"
MESSAGE_SECONDS = (5, 300)  # a voice message's length limit may be set within these
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Key = Annotated[str, Field(pattern=r"^[0-9*#]$")]
NodeName = Annotated[str, Field(pattern=NAME)]
Seconds = Annotated[float, Field(ge=1, le=30)]  # how long to wait for a key


def _check_ranges(value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    for ranges in value.values():
        for text in ranges:
            if not _HHMM.match(text) or text[:5] >= text[6:]:
                raise ValueError(f"opening hours must look like '08:30-13:00', got {text!r}")
    return value


WeeklyHours = Annotated[dict[Weekday, tuple[str, ...]], AfterValidator(_check_ranges)]


class Strict(BaseModel):
    """As every model of the center's configuration: unknown fields are errors, values never
    change (the IVR's own copy of ``acd.config.base.Strict``: ivr never imports acd)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Prompt(Strict):
    it: str | None = None
    en: str | None = None


# -- opening hours ------------------------------------------------------------------------


class Closure(Strict):
    """A dated closure (``date`` to ``until`` inclusive) with its own message."""

    date: dt.date
    until: dt.date | None = None
    reason: str = ""
    prompt: str | None = None


class Holidays(Strict):
    """Days every calendar of the center is closed: public holidays, patron day, closures."""

    country: str | None = "IT"  # a country of the ``holidays`` package; None for none
    patron_day: Annotated[str, Field(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")] | None = (
        None  # "MM-DD": 31 January (San Geminiano) in Modena is "01-31"
    )
    closures: tuple[Closure, ...] = ()


class Calendar(Strict):
    """Weekly opening hours of a desk, with closures of its own."""

    hours: WeeklyHours
    closures: tuple[Closure, ...] = ()


# -- nodes --------------------------------------------------------------------------------


class PlayNode(Strict):
    type: Literal["play"]
    prompt: str
    next: str


class MenuNode(Strict):
    type: Literal["menu"]
    prompt: str
    # What a caller who came here asked about, for the agent's screen ("Servizi demografici");
    # without it the menu is left out of the path shown.
    label: str | None = Field(None, max_length=80)
    options: dict[Key, str] = Field(min_length=1)
    timeout: Seconds = 5
    retries: int = Field(2, ge=0, le=5)
    invalid_prompt: str | None = None
    timeout_prompt: str | None = None
    fallback: str


class SayNode(Strict):
    """Speak a value with Asterisk's core sounds in the caller's language.

    ``number``/``digits`` speak ``value`` (a literal, or ``$name`` for a collected value);
    ``date``/``time``/``datetime`` speak now; ``wait`` speaks the service's estimated wait
    with the queue announcement's sentence ("The estimated wait is about two minutes.",
    ``ivr.wording``); ``opening`` speaks when the desk next opens.
    """

    type: Literal["say"]
    say: Literal["number", "digits", "date", "time", "datetime", "wait", "opening"]
    value: str | None = None
    service: str | None = None
    calendar: str | None = None
    prompt: str | None = None  # played before the value
    next: str


class HoursNode(Strict):
    """Branch on opening hours (a service's, or a named calendar's) at this moment."""

    type: Literal["hours"]
    service: str | None = None
    calendar: str | None = None
    open: str
    closed: str
    holiday: str | None = None  # where public holidays and the patron day go (else closed)


class LanguageNode(Strict):
    """Set the caller's language: every later prompt and core sound follows."""

    type: Literal["language"]
    language: Literal["it", "en"]
    next: str


class CollectNode(Strict):
    type: Literal["collect"]
    prompt: str
    into: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    min_digits: int = Field(1, ge=1, le=20)
    max_digits: int = Field(10, ge=1, le=20)
    terminator: Literal["#", "*"] = "#"
    pattern: str | None = None  # a regular expression the whole input must match
    timeout: Seconds = 5
    retries: int = Field(2, ge=0, le=5)
    invalid_prompt: str | None = None
    next: str
    fallback: str


class LookupNode(Strict):
    """A self-service question answered from PostgreSQL (``deposited-act``: is it held?)."""

    type: Literal["lookup"]
    query: Literal["deposited-act"]
    input: str  # the name a collect node stored the caller's digits into
    found: str
    not_found: str


class EnqueueNode(Strict):
    type: Literal["enqueue"]
    service: str
    priority: int = Field(0, ge=0, le=9)
    requirement: str = ""  # an extra skill expression, parsed by the core


class MessageNode(Strict):
    """Record a voice message for the back office, optionally heard back and confirmed.

    ``service``: whose agents work it (a task in its queue); None: the tree's
    ``default_service``, else the center's first service."""

    type: Literal["message"]
    prompt: str
    service: str | None = None
    max_seconds: int = Field(60, ge=MESSAGE_SECONDS[0], le=MESSAGE_SECONDS[1])
    beep: bool = True
    confirm_prompt: str | None = None  # "1 to keep, 2 to record again": listen and confirm
    saved_prompt: str | None = None
    next: str


class TransferNode(Strict):
    """Send the caller to an outside number through the center's outside line."""

    type: Literal["transfer"]
    number: Annotated[str, Field(pattern=r"^\+?[0-9]{2,20}$")]
    prompt: str | None = None


class HangupNode(Strict):
    type: Literal["hangup"]
    prompt: str | None = None
    outcome: Annotated[str, Field(pattern=NAME)] = "ivr-hangup"  # e.g. self-service, closed


MAX_SLOTS = 4  # slots a schedule_callback node may offer: keys 1 to 4


class ScheduleCallbackNode(Strict):
    """Book a callback in one of ``service``'s next opening slots (``ivr.schedule_callback``:
    "domani mattina, premete 1"), to the caller's number confirmed or one keyed. Booked: the
    caller is thanked and hung up on (outcome ``callback-scheduled``); nothing booked (no
    slot chosen, no number taken, one already booked, the engine refused): ``fallback``."""

    type: Literal["schedule_callback"]
    service: str  # a service with opening hours and a ``callback:`` section
    slots: int = Field(2, ge=1, le=MAX_SLOTS)
    prompt: str | None = None  # said first instead of the built-in "choose when"
    timeout: Seconds = 5  # for the slot's key, after the last slot is said
    fallback: str


class GotoNode(Strict):
    """Continue in another tree (a subtree shared by several trees)."""

    type: Literal["goto"]
    tree: str
    node: str | None = None  # default: that tree's start


AnyNode = (
    PlayNode
    | MenuNode
    | SayNode
    | HoursNode
    | LanguageNode
    | CollectNode
    | LookupNode
    | EnqueueNode
    | MessageNode
    | TransferNode
    | HangupNode
    | ScheduleCallbackNode
    | GotoNode
)
Node = Annotated[AnyNode, Field(discriminator="type")]
# nodes that wait for the caller
INPUT_NODES = (MenuNode, CollectNode, MessageNode, ScheduleCallbackNode)


class IvrTree(Strict):
    """``default_service``: the queue a caller walking this tree joins should the engine
    go away meanwhile (the dialplan queues it there; the next engine takes it back). None:
    that of the tree it came from, for the first tree the first of ``services:``."""

    start: str
    nodes: dict[NodeName, Node] = Field(min_length=1)
    default_service: str | None = None


class OutsideLine(Strict):
    """Where ``transfer`` nodes dial out: a PJSIP endpoint (the trunk)."""

    endpoint: Annotated[str, Field(pattern=NAME)] = "citizens"
    ring_seconds: int = Field(60, ge=5, le=300)
