"""What the core keeps in memory: calls, rings, agents' seats, and the routing rules."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from acd.core.callback import Callback, CallbackRules, OpeningHours
from acd.core.contact import Contact
from acd.core.queue import QueueKey
from acd.core.requirements import Requirement, parse
from acd.core.timers import TimerKey
from acd.core.voice_message import VoiceMessage
from agents.states import AgentState

OpenAt = Callable[[datetime], bool]  # a service's opening hours: pure, given the time
DEFAULT_PAUSE_REASONS = ("break", "back office", "training", "meeting", "lunch")


class Strategy(StrEnum):
    """How a pool ranks its ready agents (``acd.core.routing.rank``)."""

    LONGEST_IDLE = "longest_idle"
    MOST_SKILLED = "most_skilled"
    LEAST_OCCUPIED = "least_occupied"
    ROUND_ROBIN = "round_robin"


class Limit(StrEnum):
    """A queue's limits, each with its overflow action (``ServiceRules.overflow``)."""

    FULL = "full"  # max_waiting reached
    TIMEOUT = "timeout"  # max_wait_seconds passed
    NO_AGENTS = "no_agents"  # nobody logged in can take the call
    CLOSED = "closed"  # the service is shut (opening hours, a holiday)


class OverflowKind(StrEnum):
    QUEUE = "queue"  # to another service's queue, keeping the call's key
    MESSAGE = "message"  # a prompt, then hang up
    VOICEMAIL = "voicemail"  # a prompt, then a voice message


@dataclass(slots=True)
class Call:
    call_id: str
    channel: str
    contact: Contact
    key: QueueKey | None = None  # set while the call is in a queue
    ring_id: str | None = None  # the agent leg ringing or talking for this call
    connected: bool = False
    extra: str = ""  # the IVR's requirement text, added to the service's
    language: str = ""
    stage: int = 0  # relaxation steps reached
    hops: int = 0  # overflows into another service so far
    priority: float = 0  # its priority points at entry (IVR, weight, number, recall)
    # where those points came from, for the agent's screen: (reason, points), none of zero
    priority_reasons: tuple[tuple[PriorityReason, float], ...] = ()
    timers: tuple[TimerKey, ...] = ()  # the queue timers started for it (relax, maxwait)
    # a limit whose overflow waits: the maximum wait passed while an agent's phone rang for
    # it, or a redirect fell due while telephony was down (made when the ring ends or it is
    # back)
    overflow_due: Limit | None = None
    bridge_failures: int = 0  # Connects that Asterisk refused for its answered ring
    # the agent's controls (``acd.core.controls``): the caller on hold (music, the agent's
    # leg silent), a hang-up asked (the call ends when Asterisk says the leg is gone)
    held: bool = False
    ending: bool = False
    talk_since: datetime | None = None  # when the agent talking now answered
    # after a transfer: when it re-entered a queue (relaxation and the maximum wait count
    # from there; its place, from its first entry), and who answered it first, and when
    requeued_at: datetime | None = None
    first_answer: tuple[str, datetime] | None = None
    # a consult transfer (``acd.core.consult``): the colleague's ring while the agent
    # consults, and how the last consultation ended without a transfer (for the panel)
    consult: Consult | None = None
    consult_ended: tuple[ConsultEnd, str] | None = None  # (why, the colleague)
    # a callback the caller asked for (``acd.core.callback``): the call stays in its queue
    # with its key after the caller hung up, and is called back when its turn comes
    callback: Callback | None = None
    # a caller's voice message worked as a task (``acd.core.voice_message``): no channel
    voice_message: VoiceMessage | None = None

    @property
    def service(self) -> str | None:
        return self.contact.service


class PriorityReason(StrEnum):
    IVR = "ivr"  # the IVR branch the caller chose
    SERVICE = "service"  # the service's weight
    NUMBER = "number"  # the number dialled
    RECALL = "recall"  # cut off lately (abandoned, overflowed), calling again
    TRANSFER = "transfer"  # an agent transferred it: it comes back ahead of new calls
    SUPERVISOR = "supervisor"  # a supervisor raised it while it waited


@dataclass(slots=True)
class Ring:
    ring_id: str
    call_id: str
    agent_id: str
    answered: bool = False


@dataclass(slots=True)
class Consult:
    """An agent consulting ``colleague`` while its caller holds: the colleague's leg."""

    ring_id: str
    call_id: str
    agent_id: str  # who consults
    colleague: str
    answered: bool = False


class SpyMode(StrEnum):
    """How a supervisor takes part in an agent's call (Asterisk's ChanSpy)."""

    LISTEN = "listen"  # hears both sides, is heard by nobody
    WHISPER = "whisper"  # hears both sides, is heard by the agent only
    BARGE = "barge"  # hears both sides, is heard by both


@dataclass(slots=True)
class Spy:
    """A supervisor's phone on an agent's call: ``spy_id`` is its channel's uniqueid (the
    engine chose it), ``agent_leg`` the agent's leg it listens to."""

    spy_id: str
    supervisor: str
    agent_id: str
    call_id: str
    agent_leg: str
    mode: SpyMode
    ending: bool = False  # its hang-up was asked: gone once Asterisk says so


class ConsultEnd(StrEnum):
    """Why a consultation ended with the caller still on hold with its agent."""

    NOT_ANSWERED = "not-answered"  # the colleague's phone was not answered (or failed)
    COLLEAGUE_LEFT = "colleague-left"  # the colleague hung up
    FAILED = "failed"  # Asterisk could not bridge the agent with the colleague


class Phone(StrEnum):
    """Where an agent's calls ring: the softphone in its browser, or its desk phone."""

    WEB = "web"
    DESK = "desk"


@dataclass(frozen=True, slots=True)
class RoutingAgent:
    """An agent as the router sees it (from the configuration): skill -> level 1-5.

    ``endpoint`` is its desk phone's PJSIP endpoint; ``fixed_desk`` says the desk phone
    has a fixed contact (always reachable) rather than registering; ``web_endpoint`` is its
    browser softphone's endpoint ("": none). See ``reachable_phone``.
    """

    agent_id: str
    name: str
    endpoint: str
    skills: Mapping[str, int]
    max_missed: int | None = None  # None: the center's limit
    fixed_desk: bool = True
    web_endpoint: str = ""

    def phone_kind(self, endpoint: str) -> Phone | None:
        """Which of the agent's phones ``endpoint`` is (None: not one of its own)."""
        if endpoint == self.endpoint:
            return Phone.DESK
        return Phone.WEB if endpoint and endpoint == self.web_endpoint else None

    def endpoint_of(self, phone: Phone) -> str:
        return self.web_endpoint if phone is Phone.WEB else self.endpoint


def reachable_phone(agent: RoutingAgent, registered: frozenset[Phone]) -> Phone | None:
    """The phone a call for ``agent`` rings: the browser softphone while it is registered
    (an agent who opened it wants its calls there), else the desk phone if it has a fixed
    contact or is registered; None: the agent cannot be reached and is offered no call."""
    if Phone.WEB in registered:
        return Phone.WEB
    if agent.fixed_desk or Phone.DESK in registered:
        return Phone.DESK
    return None


@dataclass(frozen=True, slots=True)
class Relax:
    """After ``after_seconds`` in the queue the call also accepts ``requirement``."""

    after_seconds: float
    requirement: Requirement


@dataclass(frozen=True, slots=True)
class OverflowAction:
    """Where a call goes when a limit is hit: another service, a message, a voice message.

    ``target`` is a service for ``QUEUE``, else a prompt; ``VOICEMAIL`` takes a message of at
    most ``voicemail_seconds``. (A callback is not an overflow: the caller chooses it in
    the music loop, ``ServiceRules.callback``, and keeps its place.)
    """

    kind: OverflowKind
    target: str
    voicemail_seconds: int = 0


@dataclass(frozen=True, slots=True)
class ServiceRules:
    name: str
    ring_seconds: float = 15
    wrap_up_seconds: float = 0
    requirement: Requirement | None = None  # None: the service's own skill >= 1
    relax: tuple[Relax, ...] = ()
    strategy: Strategy = Strategy.LONGEST_IDLE
    main_skill: str = ""  # most_skilled ranks by it; "" means the service's name
    weight: float = 0  # priority points every call of the service gets (cross-queue order)
    max_waiting: int | None = None
    max_wait_seconds: float | None = None
    overflow: Mapping[Limit, OverflowAction] = field(default_factory=dict)
    wrap_up_extend_seconds: float | None = None  # None: wrap_up_seconds again
    open_at: OpenAt | None = None  # its opening hours, when it has a ``closed`` overflow
    callback: CallbackRules | None = None  # None: no callback is offered
    hours: OpeningHours | None = None  # when callbacks are dialled; None: at any time
    # the two durations every call adds to ``now``, made once (a timedelta costs 0.3 µs)
    ring_time: timedelta = field(init=False, repr=False, compare=False)
    wrap_up_time: timedelta = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ring_time", timedelta(seconds=self.ring_seconds))
        object.__setattr__(self, "wrap_up_time", timedelta(seconds=self.wrap_up_seconds))


def requirement_of(service: str, rules: ServiceRules) -> Requirement:
    return rules.requirement if rules.requirement is not None else parse(f"{service} >= 1")


@dataclass(frozen=True, slots=True)
class RoutingPolicy:
    """Center-wide routing rules.

    Aging: a call's order key is its queue entry time minus ``aging_seconds`` per priority
    point, so one point of priority is worth ``aging_seconds`` of waiting: a higher priority
    goes first, yet a call that waited that much longer overtakes it (nobody starves).
    Priority points: the IVR branch's, the service's ``weight``, the number dialled's
    (``dialled_priority``), ``recall_priority`` for a caller cut off lately, and
    ``transfer_priority`` for each transfer by an agent to a queue, and a supervisor's boost
    (``supervisor_priority`` points unless the supervisor gives another figure).
    """

    aging_seconds: float = 60
    recall_window_seconds: float = 600
    recall_priority: int = 2  # boost for a caller cut off (abandoned, overflowed) lately
    transfer_priority: int = 2  # boost for a caller an agent transferred to a queue
    supervisor_priority: int = 5  # a supervisor's boost of a waiting call, unless it says
    recall_memory: int = 10_000  # callers remembered at most
    max_missed: int = 2  # rings not answered in a row before the agent is paused; 0: never
    pause_reasons: tuple[str, ...] = DEFAULT_PAUSE_REASONS
    handle_samples: int = 50  # recent handle times per service behind the estimates
    dialled_priority: Mapping[str, int] = field(default_factory=dict)  # number -> points
    default_handle_seconds: float = 180


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
    talk_seconds_today: float = 0
    day: date | None = None  # the date the counters of today belong to
    last_offer: int = -1  # sequence of the last ring (round robin)
    missed: int = 0  # rings not answered in a row
    pending_pause: str | None = None  # asked during a call: applies after it
    wrap_service: str | None = None
    wrap_extended: bool = False
    registered: frozenset[Phone] = frozenset()  # its phones registered to Asterisk now
    # the services it chose to work while logged in; None: every service it holds
    services: frozenset[str] | None = None
    # where its calls ring now (``reachable_phone``); None: unreachable, offered nothing
    phone: Phone | None = field(init=False)

    def __post_init__(self) -> None:
        self.phone = reachable_phone(self.agent, self.registered)

    def works(self, service: str) -> bool:
        """Whether it works ``service`` now, as far as its choice goes (its skills aside)."""
        return self.services is None or service in self.services

    @property
    def offerable(self) -> bool:
        """Ready and reachable: only such agents are in the router's ready lists."""
        return self.state is AgentState.READY and self.phone is not None
