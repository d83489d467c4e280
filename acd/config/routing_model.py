"""The routing part of the center's configuration: agents' skills, services' rules.

Shapes and ranges are checked here (pydantic); requirement expressions (syntax, skills that
exist) and names that must point at something are checked in ``acd.config.routing_checks``.

    services.<name>:  requirement, strategy, main_skill, weight, relax, max_waiting,
                      max_wait_seconds, overflow {full, timeout, no_agents, closed}, wrap-up
    agents[i]:        skills {name: level 1-5} (or a list: level 1 each), max_missed
    routing:          aging, recall boost, missed-ring limit, announcements
    pause_reasons:    the reasons an agent may give
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from acd.config.base import Strict

SKILL = r"^[a-z][a-z0-9_.-]*$"
Strategy = Literal["longest_idle", "most_skilled", "least_occupied", "round_robin"]
DEFAULT_PAUSE_REASONS = ("break", "back office", "training", "meeting", "lunch")


class RelaxStep(Strict):
    """After ``after`` seconds in the queue, the call also accepts ``requirement``."""

    after: float = Field(gt=0, le=86400)
    requirement: str


class OverflowTo(Strict):
    """Exactly one of: another service, a message then hang-up, voicemail (a message, for now)."""

    to: str | None = None
    message: str | None = None
    voicemail: str | None = None

    @model_validator(mode="after")
    def _one(self) -> OverflowTo:
        if sum(x is not None for x in (self.to, self.message, self.voicemail)) != 1:
            raise ValueError("give exactly one of 'to', 'message', 'voicemail'")
        return self

    def kind_and_target(self) -> tuple[str, str]:
        if self.to is not None:
            return "queue", self.to
        if self.message is not None:
            return "message", self.message
        return "voicemail", self.voicemail or ""


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
    max_missed: int = Field(2, ge=0, le=20)
    default_handle_seconds: float = Field(180, gt=0, le=7200)
    announce_every_seconds: int = Field(30, ge=5, le=600)
