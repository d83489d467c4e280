"""Typed model of the center's configuration (pydantic validates shapes and ranges).

Cross-references (a menu naming a node, an agent naming a service) are checked in
``acd.config.references`` once the shapes are right.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

_NAME = r"^[a-z][a-z0-9_-]*$"
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Center(Strict):
    name: str
    language: Literal["it", "en"] = "it"
    languages: tuple[Literal["it", "en"], ...] = ("it", "en")
    timezone: str = "Europe/Rome"


class Ports(Strict):
    """Everything listens on 127.0.0.1; ports are settable so several centers can coexist."""

    sip: int = Field(5060, ge=1, le=65535)
    ami: int = Field(5038, ge=1, le=65535)
    agi: int = Field(4573, ge=1, le=65535)
    asterisk_http: int = Field(8088, ge=1, le=65535)
    rtp_start: int = Field(10000, ge=1024, le=65535)
    rtp_end: int = Field(10999, ge=1024, le=65535)
    web: int = Field(8080, ge=1, le=65535)


class PublicNumber(Strict):
    number: Annotated[str, Field(pattern=r"^\+?[0-9]{2,20}$")]
    ivr: str


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Service(Strict):
    """A service of the city; each has its own queue."""

    name: str
    ring_seconds: float = Field(15, gt=0, le=120)
    wrap_up_seconds: float = Field(0, ge=0, le=600)
    service_level_seconds: float = Field(20, gt=0, le=3600)
    hours: dict[Weekday, tuple[str, ...]] = Field(default_factory=dict)

    @field_validator("hours")
    @classmethod
    def _ranges(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for ranges in value.values():
            for text in ranges:
                if not _HHMM.match(text) or text[:5] >= text[6:]:
                    raise ValueError(f"opening hours must look like '08:30-13:00', got {text!r}")
        return value


class Agent(Strict):
    id: Annotated[str, Field(pattern=_NAME)]
    name: str
    skills: tuple[str, ...] = Field(min_length=1)
    # A fixed SIP contact (desk phone, test user agent); softphones register instead.
    contact: Annotated[str, Field(pattern=r"^sips?:[^@\s]+@[^\s]+$")] | None = None


class Prompt(Strict):
    it: str | None = None
    en: str | None = None


class PlayNode(Strict):
    type: Literal["play"]
    prompt: str
    next: str


class MenuNode(Strict):
    type: Literal["menu"]
    prompt: str
    options: dict[Annotated[str, Field(pattern=r"^[0-9*#]$")], str] = Field(min_length=1)
    timeout: float = Field(5, ge=1, le=30)
    retries: int = Field(2, ge=0, le=5)
    invalid_prompt: str | None = None
    fallback: str


class EnqueueNode(Strict):
    type: Literal["enqueue"]
    service: str
    priority: int = Field(0, ge=0, le=9)


class HangupNode(Strict):
    type: Literal["hangup"]
    prompt: str | None = None


Node = Annotated[PlayNode | MenuNode | EnqueueNode | HangupNode, Field(discriminator="type")]


class IvrTree(Strict):
    start: str
    nodes: dict[Annotated[str, Field(pattern=_NAME)], Node] = Field(min_length=1)


class CenterConfig(Strict):
    center: Center
    ports: Ports = Field(default_factory=Ports)  # type: ignore[arg-type]
    numbers: tuple[PublicNumber, ...] = Field(min_length=1)
    prompts: dict[Annotated[str, Field(pattern=_NAME)], Prompt] = Field(default_factory=dict)
    services: dict[Annotated[str, Field(pattern=_NAME)], Service] = Field(min_length=1)
    agents: tuple[Agent, ...] = ()
    ivr: dict[Annotated[str, Field(pattern=_NAME)], IvrTree] = Field(min_length=1)

    def agent(self, agent_id: str) -> Agent | None:
        return next((a for a in self.agents if a.id == agent_id), None)
