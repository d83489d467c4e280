"""The read model: frozen snapshots of the core for every reader outside it.

Pages, the API, the wallboard, metrics, the place-and-wait announcer and the resume step
read these records, never the engine's dicts, pools or seats, so the core can change its
data structures freely. A snapshot is made on demand (``Engine.view``: the whole center;
``Engine.call_view`` / ``agent_view``: one of each, cheaply) and never changes after; each
carries the figures its readers need, computed here once rather than by each reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from acd.core.callback import CallbackOrigin, CallbackState
from acd.core.estimate import estimate_wait
from acd.core.model import Phone, PriorityReason, SpyMode
from agents.states import AgentState


class CallStage(StrEnum):
    IN_IVR = "in_ivr"  # arrived, not yet in a queue
    WAITING = "waiting"  # in a queue, on music
    RINGING = "ringing"  # in a queue, an agent's phone ringing for it
    ANSWERED = "answered"  # the agent answered, the bridge not yet made
    TALKING = "talking"  # bridged with the agent


@dataclass(frozen=True, slots=True)
class CallView:
    call_id: str
    channel: str
    caller_number: str
    dialled_number: str
    stage: CallStage
    started_at: datetime
    service: str | None  # the service it queues in (or talks for)
    service_path: tuple[str, ...]  # the services it queued in, in order (overflows)
    ivr_path: tuple[str, ...]  # the keys it pressed in the IVR
    language: str
    priority: float  # its priority points at entry (IVR, weight, number, recall)
    priority_reasons: tuple[tuple[PriorityReason, float], ...]  # where they came from
    entered_at: datetime | None  # first entry in a queue (its wait counts from there)
    position: int | None  # 1 = next, among the calls that wait (None: not in a queue)
    estimated_wait: float | None  # seconds to answer (None: not in a queue, nobody staffed)
    relaxation_step: int  # relaxation steps reached
    agent_id: str | None  # the agent rung for it, or talking with it
    answered_at: datetime | None  # (after a transfer: when it was first answered)
    held: bool  # the agent put it on hold: music for the caller
    requirement: str = ""  # its extra requirement now, added to the service's (the IVR's)
    callback: CallbackView | None = None  # its caller hung up to be called back
    voice_message: VoiceMessageView | None = None  # a voice message to work, no caller


@dataclass(frozen=True, slots=True)
class VoiceMessageView:
    """A voice message worked as a task (the call's ``caller_number`` is its caller's)."""

    contact_id: str  # the call that left it
    recorded_at: datetime
    can_call_back: bool  # its service calls back, and the caller left a number to dial


@dataclass(frozen=True, slots=True)
class CallbackView:
    """A call's callback, pending (its caller hung up keeping its place) or talking."""

    number: str  # the citizen's, to call back (shown to the agents, never logged at INFO)
    state: CallbackState
    attempts: int  # failed so far
    due: datetime | None  # set aside until then (a retry's spacing, a reschedule, closed)
    agent_id: str | None  # the agent of its last attempt: whose own it is
    requested_at: datetime
    origin: CallbackOrigin = CallbackOrigin.QUEUE
    note: str = ""  # personal data: shown to whoever calls back, never logged
    scheduled_for: datetime | None = None


@dataclass(frozen=True, slots=True)
class ConsultView:
    """A consult transfer in progress: ``agent_id`` consults ``colleague`` on its call."""

    agent_id: str
    agent_name: str
    colleague: str
    colleague_name: str
    answered: bool  # the colleague answered: the two agents talk


@dataclass(frozen=True, slots=True)
class AgentView:
    agent_id: str
    name: str
    state: AgentState
    reason: str  # a pause reason, 'missed', 'login', ...
    since: datetime | None  # in this state since
    call_id: str | None  # the call ringing or talking
    call_service: str | None  # that call's service
    call_held: bool  # that call is on hold
    skills: Mapping[str, int]  # skill -> level 1-5
    pending_pause: str | None  # asked during a call: made when it and its wrap-up end
    answered_today: int
    talk_seconds_today: float
    wrap_up_extended: bool
    # where a call would ring: its browser softphone, its desk phone; None: unreachable
    # (its only phone is not registered), so it is offered no call whatever its state
    phone: Phone | None
    # a consultation it makes on its call, or is asked for by a colleague (``call_id`` is
    # then the colleague's call); and how its own last one ended, caller still on hold
    consult: ConsultView | None = None
    consult_ended: str | None = None  # a ``ConsultEnd``
    consult_ended_with: str | None = None  # that colleague's name
    # the services it works: those it chose at login or since, else (none chosen, logged
    # out) all it holds (``Engine.services_of``), in the configuration's order
    services: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class QueueView:
    service: str
    name: str
    calls: tuple[CallView, ...]  # in queue order, those ringing an agent included
    waiting: int  # not counting those ringing an agent
    ringing: int
    oldest_entry: datetime | None  # the longest waiting call's entry
    agents_staffed: int  # logged in and meeting the service's requirement
    agents_ready: int  # ready and meeting it
    agents_busy: int  # ringing or talking for this service
    average_handle_seconds: float  # of the last calls (talk + wrap-up)
    estimated_wait: float | None  # for a caller entering now (0: answered at once)
    # the agents meeting the service's requirement, by state (a state nobody is in: absent)
    agents_by_state: Mapping[AgentState, int] = field(default_factory=dict)
    callbacks_pending: int = 0  # of ``calls``, those whose callers wait to be called back


@dataclass(frozen=True, slots=True)
class RingView:
    ring_id: str
    call_id: str
    agent_id: str
    answered: bool


@dataclass(frozen=True, slots=True)
class SpyView:
    """A supervisor on an agent's call (its phone ringing, or listening): for the
    supervisors' pages; an agent's own view says nothing of it."""

    spy_id: str
    supervisor: str
    agent_id: str
    call_id: str
    mode: SpyMode


@dataclass(frozen=True, slots=True)
class CenterView:
    telephony_up: bool  # False while AMI is away: nothing is offered
    queues: tuple[QueueView, ...]  # in the configuration's order
    agents: tuple[AgentView, ...]
    rings: tuple[RingView, ...]
    spies: tuple[SpyView, ...] = ()  # supervisors on agents' calls

    def queue(self, service: str) -> QueueView | None:
        return next((q for q in self.queues if q.service == service), None)

    def agent(self, agent_id: str) -> AgentView | None:
        return next((a for a in self.agents if a.agent_id == agent_id), None)


def expected_wait(position: int, staffed: int, ready: int, aht: float) -> float | None:
    """The wait of a caller entering at ``position``: 0 when a free agent takes it at once."""
    if staffed and ready >= position:
        return 0.0
    return estimate_wait(position - ready, staffed, aht)
