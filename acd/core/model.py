"""What the core keeps in memory: calls, rings and agents' seats."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from acd.core.contact import Contact
from acd.core.queue import QueueKey
from agents.states import AgentState


@dataclass(slots=True)
class Call:
    call_id: str
    channel: str
    contact: Contact
    key: QueueKey | None = None  # set while the call is in a queue
    ring_id: str | None = None  # the agent leg ringing or talking for this call
    connected: bool = False

    @property
    def service(self) -> str | None:
        return self.contact.service


@dataclass(slots=True)
class Ring:
    ring_id: str
    call_id: str
    agent_id: str
    answered: bool = False


@dataclass(frozen=True, slots=True)
class RoutingAgent:
    """An agent as the router sees it (from the configuration)."""

    agent_id: str
    name: str
    endpoint: str
    skills: frozenset[str]


@dataclass(frozen=True, slots=True)
class ServiceRules:
    name: str
    ring_seconds: float = 15
    wrap_up_seconds: float = 0


@dataclass(slots=True)
class Seat:
    """An agent's live state in the ACD."""

    agent: RoutingAgent
    state: AgentState = AgentState.LOGGED_OUT
    reason: str = ""
    since: datetime | None = None
    idle_since: datetime | None = None
    ring_id: str | None = None
    call_id: str | None = None
    answered_today: int = 0
    extras: dict[str, str] = field(default_factory=dict)
