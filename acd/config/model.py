"""Typed model of the center's configuration (pydantic validates shapes and ranges).

Cross-references (a menu naming a node, an agent naming a service) are checked in
``acd.config.references`` once the shapes are right.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator

from acd.config.base import Strict
from acd.config.callback_model import CallbackSettings, WebCallbackLimits
from acd.config.kiosk_model import Kiosks
from acd.config.network_model import Network
from acd.config.privacy_model import Privacy
from acd.config.routing_model import SKILL, Overflow, RelaxStep, Routing
from acd.config.trunk_model import IpTrunk, RegistrationTrunk, Trunk, local_trunk
from acd.config.wallboard_model import WallboardLimits
from acd.core.model import DEFAULT_PAUSE_REASONS, Strategy

# The IVR's part of the model (prompts, calendars, trees) is in ivr.model.
from ivr.model import Calendar, Holidays, IvrTree, OutsideLine, Prompt
from reports.service_level import Definition, Rule

_NAME = r"^[a-z][a-z0-9_-]*$"
WEB_SUFFIX = "-web"  # agent1's browser softphone is the PJSIP endpoint agent1-web
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")


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
    # Without trunks: where the local trunk's calls out go, 127.0.0.1:this (the demo's
    # simulated citizens, called back); none: the local trunk calls nobody out
    citizens_line: int | None = Field(None, ge=1, le=65535)


class Limits(Strict):
    """Bounds on what grows with load (docs/reliability.md, "Bounds")."""

    agi_sessions: int = Field(500, ge=1, le=100_000)  # live FastAGI sessions; more: FAILURE
    telephony_backlog: int = Field(10_000, ge=100, le=1_000_000)  # commands waiting for AMI


class PublicNumber(Strict):
    number: Annotated[str, Field(pattern=r"^\+?[0-9]{2,20}$")]
    ivr: str
    priority: int = Field(0, ge=0, le=9)  # priority points for every call to this number


# A disposition: what came of a call, chosen by the agent in wrap-up (reports count them).
Disposition = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[^\x00-\x1f]+$")]
DEFAULT_DISPOSITIONS = (
    "informazioni fornite", "pratica avviata", "appuntamento fissato", "da richiamare",
    "inoltrata ad altro ufficio", "reclamo", "altro",
)  # fmt: skip

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Service(Strict):
    """A service of the city; each has its own queue."""

    name: str
    ring_seconds: float = Field(15, gt=0, le=120)
    wrap_up_seconds: float = Field(0, ge=0, le=600)
    # The reports' service-level rule (ServiceLevel); None: the center's.
    service_level_seconds: float | None = Field(None, gt=0, le=3600)
    short_abandon_seconds: float | None = Field(None, ge=0, le=600)
    service_level_definition: Definition | None = None
    service_level_target: float | None = Field(None, gt=0, lt=1)  # staffing advice's target
    hours: dict[Weekday, tuple[str, ...]] = Field(default_factory=dict)
    # Routing (acd.config.routing_model): who may take the call, and what if nobody can.
    requirement: str | None = None  # default: "<service> >= 1"
    strategy: Strategy = Strategy.LONGEST_IDLE
    main_skill: str | None = None  # most_skilled ranks by it; default: the service's name
    weight: float = Field(0, ge=-9, le=9)  # priority points for every call of the service
    relax: tuple[RelaxStep, ...] = ()
    max_waiting: int | None = Field(None, ge=0, le=100_000)
    max_wait_seconds: float | None = Field(None, gt=0, le=86400)
    overflow: Overflow = Field(default_factory=Overflow)
    wrap_up_extend_seconds: float | None = Field(None, gt=0, le=600)
    # What the agent may record of a call in wrap-up; None: the center's ``dispositions``.
    dispositions: tuple[Disposition, ...] | None = Field(None, min_length=1)
    # When its figures turn amber or red on the wallboard (acd.config.wallboard_model).
    wallboard: WallboardLimits = Field(default_factory=WallboardLimits)
    # Callbacks offered in the music loop (acd.config.callback_model); None: none.
    callback: CallbackSettings | None = None

    @field_validator("hours")
    @classmethod
    def _ranges(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for ranges in value.values():
            for text in ranges:
                if not _HHMM.match(text) or text[:5] >= text[6:]:
                    raise ValueError(f"opening hours must look like '08:30-13:00', got {text!r}")
        return value


class ServiceLevel(Strict):
    """The center's service-level rule for the reports (docs/reports.md); a service may set
    its own ``service_level_seconds``, ``short_abandon_seconds``, ``service_level_definition``.

    ``seconds`` is T (a wait of exactly T is within it), ``short_abandon_seconds`` S (a
    caller who hangs up within less than S of entering the queue is a short abandon), and
    ``definition`` which ratio the reports show (``reports.service_level.Definition``).
    ``target`` is the share to answer within T that the staffing advice (Erlang C) aims at;
    a service may set its own ``service_level_target``.
    """

    seconds: float = Field(20, gt=0, le=3600)
    short_abandon_seconds: float = Field(5, ge=0, le=600)
    definition: Definition = Definition.WITH_ABANDONS
    target: float = Field(0.8, gt=0, lt=1)


class Agent(Strict):
    id: Annotated[str, Field(pattern=_NAME)]
    name: str
    # {skill: level 1-5}, or a list of skills at level 1 each
    skills: tuple[str, ...] | dict[str, int] = Field(min_length=1)
    max_missed: int | None = Field(None, ge=0, le=20)  # None: routing.max_missed
    # A fixed SIP contact (desk phone, test user agent); softphones register instead.
    contact: Annotated[str, Field(pattern=r"^sips?:[^@\s]+@[^\s]+$")] | None = None

    @field_validator("skills")
    @classmethod
    def _levels(cls, value: tuple[str, ...] | dict[str, int]) -> tuple[str, ...] | dict[str, int]:
        for name, level in value.items() if isinstance(value, dict) else ():
            if not 1 <= level <= 5:
                raise ValueError(f"skill {name!r}: level must be 1 to 5, got {level}")
        for name in value:
            if not re.match(SKILL, name):
                raise ValueError(f"skill {name!r}: use lower-case letters, digits, '.', '_', '-'")
        return value

    def levels(self) -> dict[str, int]:
        return dict(self.skills) if isinstance(self.skills, dict) else dict.fromkeys(self.skills, 1)

    @property
    def web_endpoint(self) -> str:
        """The PJSIP endpoint (and user name) of the agent's softphone in the browser."""
        return f"{self.id}{WEB_SUFFIX}"


def agent_sections(agent_id: str) -> tuple[str, ...]:
    """The PJSIP sections of an agent (or a supervisor): its desk phone (endpoint and AOR),
    its digest credentials, its browser softphone and the softphone's credentials."""
    web = f"{agent_id}{WEB_SUFFIX}"
    return (agent_id, f"{agent_id}-auth", web, f"{web}-auth")


class Supervisor(Strict):
    """A supervisor's phones, where it listens to agents' calls: a desk phone (a fixed
    ``contact``, or one that registers as ``id``) and a browser softphone (``id-web``), as an
    agent has. ``id`` is the supervisor's web account (its user name)."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{1,63}$")]
    name: str
    contact: Annotated[str, Field(pattern=r"^sips?:[^@\s]+@[^\s]+$")] | None = None

    @property
    def web_endpoint(self) -> str:
        return f"{self.id}{WEB_SUFFIX}"


class Supervision(Strict):
    """What a supervisor's listening shows: by default nothing reaches the agent's panel."""

    tell_agent: bool = False  # the agent's panel says who listens, whispers or barges in


class Fallback(Strict):
    """What Asterisk does alone when the engine's FastAGI cannot be reached: an Asterisk
    ``Queue()`` (queues.conf) of the desk phones of the agents who hold ``service``.

    ``service``: default the first of ``services:``. ``strategy``: app_queue's. Each phone
    rings ``ring_seconds``; a caller nobody answers within ``wait_seconds`` hears "sorry".
    ``announcement``: a prompt of ``prompts:`` played before the queue (none by default).
    ``engine_away_seconds``: a caller waiting in the engine's queue loop whose engine has
    been away this long (its announcements fail) goes to this queue too.
    """

    enabled: bool = True
    service: str | None = None
    strategy: Literal["ringall", "leastrecent", "fewestcalls", "random", "rrmemory",
                      "linear"] = "rrmemory"  # fmt: skip
    ring_seconds: int = Field(15, ge=1, le=120)
    wait_seconds: int = Field(600, ge=10, le=86400)
    announcement: str | None = None
    engine_away_seconds: int = Field(120, ge=30, le=86400)


FALLBACK_QUEUE = "centralino-fallback"  # queues.conf's queue, and queue_log's


class CenterConfig(Strict):
    center: Center
    ports: Ports = Field(default_factory=Ports)  # type: ignore[arg-type]
    network: Network = Field(default_factory=Network)
    numbers: tuple[PublicNumber, ...] = Field(min_length=1)
    trunks: tuple[Trunk, ...] | None = None  # None: the local trunk (trunks_in_use)
    prompts: dict[Annotated[str, Field(pattern=_NAME)], Prompt] = Field(default_factory=dict)
    services: dict[Annotated[str, Field(pattern=_NAME)], Service] = Field(min_length=1)
    agents: tuple[Agent, ...] = ()
    supervisors: tuple[Supervisor, ...] = ()
    supervision: Supervision = Field(default_factory=Supervision)
    ivr: dict[Annotated[str, Field(pattern=_NAME)], IvrTree] = Field(min_length=1)
    holidays: Holidays = Field(default_factory=Holidays)
    calendars: dict[Annotated[str, Field(pattern=_NAME)], Calendar] = Field(default_factory=dict)
    outside: OutsideLine = Field(default_factory=OutsideLine)  # type: ignore[arg-type]
    routing: Routing = Field(default_factory=Routing)  # type: ignore[arg-type]
    pause_reasons: tuple[str, ...] = Field(DEFAULT_PAUSE_REASONS, min_length=1)
    dispositions: tuple[Disposition, ...] = Field(DEFAULT_DISPOSITIONS, min_length=1)
    service_level: ServiceLevel = Field(default_factory=ServiceLevel)  # type: ignore[arg-type]
    fallback: Fallback = Field(default_factory=Fallback)  # type: ignore[arg-type]
    limits: Limits = Field(default_factory=Limits)  # type: ignore[arg-type]
    kiosks: Kiosks = Field(default_factory=Kiosks)  # type: ignore[arg-type]  # totems
    privacy: Privacy = Field(default_factory=Privacy)  # type: ignore[arg-type]
    web_callbacks: WebCallbackLimits = Field(default_factory=WebCallbackLimits)  # type: ignore[arg-type]

    def service_level_rule(self, service: str) -> Rule:
        """``service``'s rule for the reports: its own values, else the center's."""
        own, center = self.services.get(service), self.service_level
        seconds = own.service_level_seconds if own else None
        short = own.short_abandon_seconds if own else None
        definition = own.service_level_definition if own else None
        return Rule(
            center.seconds if seconds is None else seconds,
            center.short_abandon_seconds if short is None else short,
            definition or center.definition,
        )

    def service_level_target(self, service: str) -> float:
        """The share within T that ``service``'s staffing advice aims at."""
        own = self.services.get(service)
        target = own.service_level_target if own else None
        return self.service_level.target if target is None else target

    def trunks_in_use(self) -> tuple[IpTrunk | RegistrationTrunk, ...]:
        """The trunks given, or without ``trunks:`` the local one carrying every number."""
        if self.trunks is not None:
            return self.trunks
        return (local_trunk(tuple(n.number for n in self.numbers), self.ports.citizens_line),)

    def dispositions_of(self, service: str | None) -> tuple[str, ...]:
        """The dispositions an agent may record for a call of ``service``."""
        own = self.services[service].dispositions if service in self.services else None
        return own if own is not None else self.dispositions

    def fallback_service(self) -> str:
        """The service the fallback queue answers for: the one named, else the first."""
        return self.fallback.service or next(iter(self.services))

    def fallback_members(self) -> tuple[Agent, ...]:
        """The agents who hold the fallback service (its main skill, at any level)."""
        name = self.fallback_service()
        service = self.services.get(name)
        skill = (service.main_skill if service else None) or name
        return tuple(a for a in self.agents if skill in a.levels())

    def agent(self, agent_id: str) -> Agent | None:
        return next((a for a in self.agents if a.id == agent_id), None)

    def supervisor(self, user: str) -> Supervisor | None:
        return next((s for s in self.supervisors if s.id == user), None)

    def phone_owners(self) -> tuple[str, ...]:
        """Whoever has phones in Asterisk (``agent_sections``): agents, then supervisors."""
        return (*(a.id for a in self.agents), *(s.id for s in self.supervisors))
