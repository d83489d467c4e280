"""Events: facts in the past tense that the adapters put on the inbox for the core.

Identifiers are Asterisk unique ids: a call is known by its caller channel's uniqueid, an
agent leg by the uniqueid the core chose for it when it asked for the ring (``ring_id``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from acd.core.callback import AttemptResult, CallbackOrigin, CallbackRecord
from acd.core.contact import Contact
from acd.core.model import SpyMode
from acd.core.records import quick
from acd.core.timers import TimerKey


@quick
@dataclass(frozen=True, slots=True)
class CallArrived:
    """A citizen's call reached the engine (the IVR session started)."""

    call_id: str
    channel: str
    caller_number: str
    dialled_number: str


@quick
@dataclass(frozen=True, slots=True)
class CallerEntered:
    """The IVR placed the call in a service's queue.

    ``requirement`` is an extra skill expression the IVR adds to the service's own
    (e.g. ``lang.en >= 1`` after the caller chose English); ``language`` is the caller's.
    ``requirement_seconds``: the extra requirement holds this long in the queue, then it is
    dropped (a kiosk's call needs a video agent, then turns voice); None: for good.
    """

    call_id: str
    service: str
    ivr_path: tuple[str, ...] = ()
    priority: int = 0
    requirement: str = ""
    language: str = ""
    requirement_seconds: float | None = None


@quick
@dataclass(frozen=True, slots=True)
class CallerResumed:
    """After an engine restart: a caller found still waiting in the queue's music on hold.

    It takes back the place it had: ``entered_at`` is its first entry in the queue.
    ``service``, ``priority`` and ``requirement`` are the IVR's (as at ``CallerEntered``);
    ``record`` is its contact as last saved (None when the store has none), so that what
    the previous run recorded (start, IVR path, services) is kept, not overwritten.
    """

    call_id: str
    channel: str
    caller_number: str
    dialled_number: str
    service: str
    entered_at: datetime
    priority: int = 0
    requirement: str = ""
    language: str = ""
    record: Contact | None = None
    requirement_seconds: float | None = None  # as at ``CallerEntered``, from its entry
    boost: float = 0.0  # a supervisor's points (SupervisorRaisedPriority) before the restart


@quick
@dataclass(frozen=True, slots=True)
class ConversationResumed:
    """After an engine restart: a caller found still talking with an agent (both legs in
    one bridge), or on hold with it (the caller in music, the agent's leg waiting).

    The agent comes back on this call, ``agent_leg`` (its leg's uniqueid, an earlier run's
    ring id) being its ring; ``answered_at`` is when the agent answered (talk counts from
    there); ``record`` as in ``CallerResumed`` (None: built from the channels alone).
    """

    call_id: str
    channel: str
    agent_leg: str
    agent_id: str
    caller_number: str
    dialled_number: str
    service: str
    answered_at: datetime
    held: bool = False
    language: str = ""
    record: Contact | None = None


@quick
@dataclass(frozen=True, slots=True)
class IvrLeft:
    """The IVR ended without queueing (self-service, closed, hang-up in a menu)."""

    call_id: str
    ivr_path: tuple[str, ...]
    outcome: str


@quick
@dataclass(frozen=True, slots=True)
class HungUp:
    """A channel the core knows about (caller or agent leg) hung up."""

    channel_id: str
    cause: str = ""


@quick
@dataclass(frozen=True, slots=True)
class AgentAnswered:
    """The agent picked up the ring (the agent leg reached the connect dialplan).

    ``bridging``: the leg's dialplan is bridging itself with the caller (it marked the
    caller done first), so the core asks for no bridge; ``call_id`` is the ring's call, for
    a ring the core dropped meanwhile (its caller must go back to the queue)."""

    ring_id: str
    bridging: bool = False
    call_id: str = ""


@quick
@dataclass(frozen=True, slots=True)
class RingFailed:
    """Asterisk refused to ring the agent (Originate error, busy, unreachable).

    ``missed`` is False when the ring never reached the agent through no fault of its own
    (AMI was not connected, or gave no answer): the agent is not counted as missing it.
    """

    ring_id: str
    reason: str = ""
    missed: bool = True


@quick
@dataclass(frozen=True, slots=True)
class Bridged:
    """A channel entered a bridge (the core cares when it is a caller it connected)."""

    channel_id: str


@quick
@dataclass(frozen=True, slots=True)
class AgentLoggedIn:
    """The agent logged in to ``services``, some of those it holds (none named: all)."""

    agent_id: str
    services: tuple[str, ...] = ()


@quick
@dataclass(frozen=True, slots=True)
class AgentLoggedOut:
    agent_id: str


@quick
@dataclass(frozen=True, slots=True)
class AgentWentReady:
    agent_id: str


@quick
@dataclass(frozen=True, slots=True)
class AgentPaused:
    agent_id: str
    reason: str = "break"


@quick
@dataclass(frozen=True, slots=True)
class AgentExtendedWrapUp:
    """The agent asked for more after-call time (once per wrap-up)."""

    agent_id: str


@quick
@dataclass(frozen=True, slots=True)
class AgentHungUpCall:
    """The agent asked, from its panel, to hang up the call it talks on."""

    agent_id: str


@quick
@dataclass(frozen=True, slots=True)
class AgentHeldCall:
    """The agent put its caller on hold (music for the caller, silence for the agent)."""

    agent_id: str


@quick
@dataclass(frozen=True, slots=True)
class AgentResumedCall:
    """The agent took its caller back from hold."""

    agent_id: str


@quick
@dataclass(frozen=True, slots=True)
class AgentTransferredToService:
    """The agent sent its caller to ``service``'s queue (a blind transfer)."""

    agent_id: str
    service: str


@quick
@dataclass(frozen=True, slots=True)
class AgentTransferredToAgent:
    """The agent sent its caller to ``colleague``, a ready agent, whose phone rings for it."""

    agent_id: str
    colleague: str


@quick
@dataclass(frozen=True, slots=True)
class AgentConsulted:
    """The agent put its caller on hold to talk with ``colleague`` first (a consult
    transfer): the colleague's phone rings for the consultation."""

    agent_id: str
    colleague: str


@quick
@dataclass(frozen=True, slots=True)
class AgentCompletedTransfer:
    """The agent hands its caller to the colleague it consulted, and leaves."""

    agent_id: str


@quick
@dataclass(frozen=True, slots=True)
class AgentChoseServices:
    """While logged in, the agent chose which of the services it holds it works now (on a
    call: from its next offer)."""

    agent_id: str
    services: tuple[str, ...]


@quick
@dataclass(frozen=True, slots=True)
class SupervisorMovedCall:
    """A supervisor moved a waiting call to ``service``'s queue."""

    call_id: str
    service: str


@quick
@dataclass(frozen=True, slots=True)
class SupervisorRaisedPriority:
    """A supervisor raised a waiting call's priority by ``points`` (0: the center's
    ``routing.supervisor_priority``)."""

    call_id: str
    points: int = 0


@quick
@dataclass(frozen=True, slots=True)
class SupervisorListened:
    """A supervisor asked to take part in ``agent_id``'s call as ``mode`` says, from its
    phone at PJSIP ``endpoint``."""

    supervisor: str
    agent_id: str
    mode: SpyMode
    endpoint: str


@quick
@dataclass(frozen=True, slots=True)
class SupervisorChangedMode:
    """A supervisor on an agent's call asked to take part in it as ``mode`` says from now on
    (listen, whisper, barge), on the same phone call."""

    supervisor: str
    mode: SpyMode


@quick
@dataclass(frozen=True, slots=True)
class SupervisorStoppedListening:
    """A supervisor asked to leave the call it listens to."""

    supervisor: str


@quick
@dataclass(frozen=True, slots=True)
class HoldFailed:
    """Asterisk refused to put a call on hold (the ``Redirect`` of both legs failed)."""

    call_id: str
    reason: str = ""


@quick
@dataclass(frozen=True, slots=True)
class TimerFired:
    key: TimerKey


@quick
@dataclass(frozen=True, slots=True)
class ConnectFailed:
    """The bridge of an answered ring could not be made (``Setvar`` or ``Bridge`` failed).

    ``caller_gone``: Asterisk no longer has the caller's channel (it hung up unseen).
    """

    ring_id: str
    caller_gone: bool
    reason: str = ""


@quick
@dataclass(frozen=True, slots=True)
class TelephonyLost:
    """The AMI connection dropped: no call is offered until the channels are checked again."""

    detail: str = field(default="")


@quick
@dataclass(frozen=True, slots=True)
class TelephonyReconnected:
    """AMI logged in (first connect, reconnect, Asterisk restart). Asterisk's channels are
    being listed: the calls and rings known now are the ones ``ChannelsListed`` checks."""


@quick
@dataclass(frozen=True, slots=True)
class ChannelsListed:
    """Asterisk's channels right after a login (``CoreShowChannels``), by uniqueid.

    ``live``: every channel; ``answered``: those up (an agent leg answered unseen);
    ``bridged``: those in a bridge. What the core knew at ``TelephonyReconnected`` and is
    gone from ``live`` hung up unseen; then calls are offered again. ``agent_legs``: the
    agents' legs (they carry ``CENTRALINO_RING``) still ringing, or answered and in no
    bridge: one the core does not know is an earlier run's ring in flight, hung up.
    """

    live: frozenset[str]
    answered: frozenset[str] = frozenset()
    bridged: frozenset[str] = frozenset()
    agent_legs: frozenset[str] = frozenset()


@quick
@dataclass(frozen=True, slots=True)
class AsteriskStopping:
    """Asterisk has begun to stop: it hangs ``channel_id`` up itself, and every other channel
    (AMI ``SoftHangupRequest`` with the shutdown cause, before their ``Hangup``). The calls
    that end from now until the next login were cut by it, not left by their callers."""

    channel_id: str


@quick
@dataclass(frozen=True, slots=True)
class EngineStopping:
    """The engine stops cleanly (its last event: AMI and FastAGI are closed already).

    Every call still open ends now with cause ``system-stop``; Asterisk is not asked for
    anything (it keeps or drops the callers itself), agents' states are left as they are."""


@quick
@dataclass(frozen=True, slots=True)
class PhoneRegistered:
    """One of the agent's phones (``endpoint``: its desk phone's or its browser softphone's)
    has a contact in Asterisk now: it registered, or it answers again."""

    agent_id: str
    endpoint: str


@quick
@dataclass(frozen=True, slots=True)
class PhoneUnregistered:
    """The agent's phone at ``endpoint`` lost its contact: unregistered, expired, its
    websocket closed, or it stopped answering."""

    agent_id: str
    endpoint: str


@quick
@dataclass(frozen=True, slots=True)
class PhonesListed:
    """The agents' phones registered right after a login, as (agent id, endpoint) pairs:
    every other phone is not (its unregistration may have gone unseen)."""

    registered: frozenset[tuple[str, str]]


@quick
@dataclass(frozen=True, slots=True)
class CallbackRequested:
    """The waiting caller accepted the callback offer and confirmed ``number`` (valid, and
    one the service's trunk may dial: the IVR's dialogue checked it)."""

    call_id: str
    number: str


@quick
@dataclass(frozen=True, slots=True)
class CallbackScheduled:
    """A callback asked for a later time, with nobody waiting on the line: in the IVR, by an
    agent (``agent_id``: its own), or on the city's website. It enters ``service``'s queue
    at ``at`` (now or later, in an opening), with the service's ``scheduled_priority``.
    ``call_id`` is new: the callback's own id, its contact's too."""

    call_id: str
    service: str
    number: str  # valid, one the service's trunk may dial: the adapter checked it
    at: datetime
    origin: CallbackOrigin
    language: str = "it"
    note: str = ""
    agent_id: str | None = None
    ivr_path: tuple[str, ...] = ()


@quick
@dataclass(frozen=True, slots=True)
class CitizenAnswered:
    """The citizen answered a callback's call out (its leg ``leg``)."""

    leg: str


@quick
@dataclass(frozen=True, slots=True)
class CitizenNotReached:
    """A callback's call out ended unanswered: no answer, busy, a failure, not allowed."""

    leg: str
    result: AttemptResult
    reason: str = ""


@quick
@dataclass(frozen=True, slots=True)
class CallbackResumed:
    """After an engine restart: a pending callback read back from the store. It takes back
    its place: its key comes from ``entered_at`` (the first entry) and its priority."""

    record: CallbackRecord
    entered_at: datetime
    contact: Contact | None = None


@quick
@dataclass(frozen=True, slots=True)
class CallbackCancelled:
    """Cancelled from the panel: by ``agent_id`` (its own only), or by a supervisor (None)."""

    call_id: str
    agent_id: str | None = None


@quick
@dataclass(frozen=True, slots=True)
class CallbackRescheduled:
    """To be dialled not before ``at``: by ``agent_id`` (its own), or a supervisor (None)."""

    call_id: str
    at: datetime
    agent_id: str | None = None


@quick
@dataclass(frozen=True, slots=True)
class VoiceMessageLeft:
    """A caller left a voice message (not empty) for ``service``: a task for its queue.
    Also, at a start, each message an earlier run left unhandled (from the store).

    ``message_id`` names the recording (the store's ``voice_messages.name``);
    ``contact_id`` the call that left it; ``ivr_path`` the keys it pressed."""

    message_id: str
    contact_id: str
    service: str
    caller_number: str
    recorded_at: datetime
    ivr_path: tuple[str, ...] = ()
    language: str = ""


@quick
@dataclass(frozen=True, slots=True)
class AgentClosedVoiceMessage:
    """The agent closed the voice message it works, with a disposition."""

    agent_id: str
    message_id: str
    disposition: str


@quick
@dataclass(frozen=True, slots=True)
class AgentCalledBack:
    """The agent asked for the caller of the voice message it works to be called back."""

    agent_id: str
    message_id: str


Event = (
    CallArrived
    | CallerEntered
    | CallerResumed
    | ConversationResumed
    | IvrLeft
    | HungUp
    | AsteriskStopping
    | AgentAnswered
    | RingFailed
    | Bridged
    | AgentLoggedIn
    | AgentLoggedOut
    | AgentWentReady
    | AgentPaused
    | AgentExtendedWrapUp
    | AgentHungUpCall
    | AgentHeldCall
    | AgentResumedCall
    | AgentTransferredToService
    | AgentTransferredToAgent
    | AgentConsulted
    | AgentCompletedTransfer
    | AgentChoseServices
    | SupervisorMovedCall
    | SupervisorRaisedPriority
    | SupervisorListened
    | SupervisorStoppedListening
    | SupervisorChangedMode
    | HoldFailed
    | TimerFired
    | ConnectFailed
    | TelephonyLost
    | TelephonyReconnected
    | ChannelsListed
    | PhoneRegistered
    | PhoneUnregistered
    | PhonesListed
    | EngineStopping
    | CallbackRequested
    | CitizenAnswered
    | CitizenNotReached
    | CallbackResumed
    | CallbackScheduled
    | CallbackCancelled
    | CallbackRescheduled
    | VoiceMessageLeft
    | AgentClosedVoiceMessage
    | AgentCalledBack
)
