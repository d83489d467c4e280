"""The routing part of the center's configuration: agents' skills, services' rules.

Shapes and ranges are checked here (pydantic); requirement expressions (syntax, skills that
exist) and names that must point at something are checked in ``acd.config.routing_checks``.

    services.<name>:  requirement, strategy, main_skill, weight, relax, max_waiting,
                      max_wait_seconds, overflow {full, timeout, no_agents, closed}, wrap-up
    overflow.<limit>: {to: service} | {message: prompt} | {voicemail: prompt} or
                      {voicemail: {prompt, max_seconds}}
    agents[i]:        skills {name: level 1-5} (or a list: level 1 each), max_missed
    routing:          aging, recall boost, missed-ring limit, announcements
    pause_reasons:    the reasons an agent may give
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from acd.config.base import Strict
from acd.core.model import OverflowKind
from ivr.model import MESSAGE_SECONDS

SKILL = r"^[a-z][a-z0-9_.-]*$"


class RelaxStep(Strict):
    """After ``after`` seconds in the queue, the call also accepts ``requirement``."""

    after: float = Field(gt=0, le=86400)
    requirement: str


class Voicemail(Strict):
    """The caller hears ``prompt``, a beep, and leaves a message of at most ``max_seconds``.

    Recorded as the IVR's ``message`` node records (``voice_messages``, the spool dir).
    """

    prompt: str
    max_seconds: int = Field(60, ge=MESSAGE_SECONDS[0], le=MESSAGE_SECONDS[1])


class OverflowTo(Strict):
    """Exactly one of: another service, a message then hang-up, a voice message.

    ``voicemail: PROMPT`` is short for ``voicemail: {prompt: PROMPT}`` (60 s at most).
    """

    to: str | None = None
    message: str | None = None
    voicemail: Voicemail | None = None

    @field_validator("voicemail", mode="before")
    @classmethod
    def _short_form(cls, value: object) -> object:
        if isinstance(value, str):
            return {"prompt": value}
        if value is not None and not isinstance(value, dict | Voicemail):
            raise ValueError("give a prompt's name, or {prompt: NAME, max_seconds: N}")
        return value

    @model_validator(mode="after")
    def _one(self) -> OverflowTo:
        if sum(x is not None for x in (self.to, self.message, self.voicemail)) != 1:
            raise ValueError("give exactly one of 'to', 'message', 'voicemail'")
        return self

    def kind_and_target(self) -> tuple[OverflowKind, str]:
        if self.to is not None:
            return OverflowKind.QUEUE, self.to
        if self.message is not None:
            return OverflowKind.MESSAGE, self.message
        assert self.voicemail is not None  # (exactly one is given)
        return OverflowKind.VOICEMAIL, self.voicemail.prompt


class Overflow(Strict):
    full: OverflowTo | None = None  # the queue already holds max_waiting calls
    timeout: OverflowTo | None = None  # the call waited max_wait_seconds
    no_agents: OverflowTo | None = None  # nobody logged in meets even the widest requirement
    # the service is shut (outside its hours, a holiday) when a call reaches its queue: an
    # overflow from another service, or an IVR branch that enqueues without an hours node
    closed: OverflowTo | None = None


class Routing(Strict):
    """Center-wide rules; see acd.core.model.RoutingPolicy for what they mean."""

    aging_seconds: float = Field(60, gt=0, le=86400)
    recall_window_seconds: float = Field(600, ge=0, le=86400)
    recall_priority: int = Field(2, ge=0, le=9)
    transfer_priority: int = Field(2, ge=0, le=9)  # an agent's transfer to a queue
    supervisor_priority: int = Field(5, ge=1, le=100)  # a supervisor's boost, unless it says
    max_missed: int = Field(2, ge=0, le=20)
    default_handle_seconds: float = Field(180, gt=0, le=7200)
    announce_every_seconds: int = Field(30, ge=5, le=600)
