"""Commands: what the core asks the adapters to do, in the imperative."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from acd.core.callback import AttemptRecord, CallbackRecord
from acd.core.contact import Contact
from acd.core.model import SpyMode
from acd.core.records import quick
from acd.core.timers import TimerKey
from agents.states import AgentState


@quick
@dataclass(frozen=True, slots=True)
class RingAgent:
    """Originate a leg to the agent; the caller stays on music while it rings."""

    ring_id: str
    agent_id: str
    endpoint: str
    call_id: str
    caller_channel: str
    caller_number: str
    timeout_seconds: float
    consult: bool = False  # a colleague consulted by the agent, not the caller's agent
    callback: bool = False  # a callback: the agent calls ``caller_number`` once it answers


@quick
@dataclass(frozen=True, slots=True)
class StopRinging:
    ring_id: str


@quick
@dataclass(frozen=True, slots=True)
class Connect:
    """Bridge the waiting caller with the agent leg that answered (or again, after a hold)."""

    call_id: str
    caller_channel: str
    ring_id: str


@quick
@dataclass(frozen=True, slots=True)
class RedirectCaller:
    """Take the waiting caller out of the queue (overflow): play ``prompt``, then hang up,
    or with ``voicemail_seconds`` take a voice message of at most that long.

    ``language`` is the caller's ("" for the center's); the adapter finds the prompt's file.
    """

    call_id: str
    caller_channel: str
    prompt: str
    language: str = ""
    voicemail_seconds: int = 0  # 0: hang up after the prompt


@quick
@dataclass(frozen=True, slots=True)
class HoldCall:
    """Take both legs out of their bridge: the caller to music on hold, the agent's leg to
    a silent wait; ``Connect`` bridges them again."""

    call_id: str
    caller_channel: str
    ring_id: str


@quick
@dataclass(frozen=True, slots=True)
class RequeueCaller:
    """Send a caller who talked with an agent back to the queue's wait loop (music and
    announcements), now waiting for ``service`` (a transfer)."""

    call_id: str
    caller_channel: str
    service: str


@quick
@dataclass(frozen=True, slots=True)
class JoinConsult:
    """Bridge the consulting agent's leg (its caller on hold) with the colleague's leg
    that answered the consultation."""

    call_id: str
    agent_leg: str
    colleague_leg: str


@quick
@dataclass(frozen=True, slots=True)
class CompleteTransfer:
    """Bridge the caller on hold with the consulted colleague's leg, and hang the
    consulting agent's leg up."""

    call_id: str
    caller_channel: str
    agent_leg: str
    colleague_leg: str


@quick
@dataclass(frozen=True, slots=True)
class ReturnFromConsult:
    """End a consultation the colleague answered: bridge the caller with the agent's leg
    again, and hang the colleague's leg up."""

    call_id: str
    caller_channel: str
    agent_leg: str
    colleague_leg: str


@quick
@dataclass(frozen=True, slots=True)
class SwitchSpyMode:
    """Tell the ChanSpy on the supervisor's phone (the spy ``spy_id``) to take part as
    ``mode`` from now on, without hanging up."""

    spy_id: str
    mode: SpyMode


@quick
@dataclass(frozen=True, slots=True)
class NoteBoost:
    """Write a supervisor's priority points on the waiting caller's channel, so an engine
    restarted while it waits gives them back (``acd.telephony.resume``)."""

    call_id: str
    caller_channel: str
    points: float  # all the supervisors' points on the call


@quick
@dataclass(frozen=True, slots=True)
class SpyOnAgent:
    """Ring the supervisor's phone at ``endpoint`` on a channel whose uniqueid is
    ``spy_id``; once answered, it listens to the agent's leg ``agent_leg`` (and whispers to
    the agent, or barges in on both, as ``mode`` says) until either hangs up."""

    spy_id: str
    supervisor: str
    endpoint: str
    agent_id: str
    agent_leg: str
    mode: SpyMode


@quick
@dataclass(frozen=True, slots=True)
class DialCitizen:
    """Call a callback's citizen at ``number`` over ``trunk`` on a leg whose uniqueid is
    ``leg``, ringing ``ring_seconds``; its answer is ``CitizenAnswered``, its failure
    ``CitizenNotReached``. With a ``prompt`` no agent waits: the answered leg hears it (in
    ``language``) and is hung up (the service's last message)."""

    call_id: str
    leg: str
    trunk: str
    number: str
    ring_seconds: float
    prompt: str = ""
    language: str = ""


@quick
@dataclass(frozen=True, slots=True)
class HangUpChannel:
    channel_id: str


@quick
@dataclass(frozen=True, slots=True)
class StartTimer:
    key: TimerKey
    at: datetime


@quick
@dataclass(frozen=True, slots=True)
class CancelTimer:
    key: TimerKey


@quick
@dataclass(frozen=True, slots=True)
class SaveContact:
    contact: Contact


@quick
@dataclass(frozen=True, slots=True)
class RecordAgentState:
    agent_id: str
    state: AgentState
    reason: str
    at: datetime


@quick
@dataclass(frozen=True, slots=True)
class SaveCallback:
    record: CallbackRecord


@quick
@dataclass(frozen=True, slots=True)
class SaveCallbackAttempt:
    record: AttemptRecord


@quick
@dataclass(frozen=True, slots=True)
class CloseVoiceMessage:
    """The voice message ``message_id`` is handled: by ``agent_id``, with ``disposition``."""

    message_id: str
    agent_id: str
    disposition: str
    at: datetime


@quick
@dataclass(frozen=True, slots=True)
class LogWarning:
    """Something the core ignored; the runtime logs it (nothing is lost silently)."""

    text: str


TelephonyCommand = (
    RingAgent
    | StopRinging
    | Connect
    | RedirectCaller
    | HangUpChannel
    | HoldCall
    | RequeueCaller
    | JoinConsult
    | CompleteTransfer
    | ReturnFromConsult
    | SpyOnAgent
    | NoteBoost
    | SwitchSpyMode
    | DialCitizen
)
"""What only Asterisk can carry out (the AMI adapter, ``acd.telephony.actions``)."""

Command = (
    RingAgent
    | StopRinging
    | Connect
    | RedirectCaller
    | HangUpChannel
    | HoldCall
    | RequeueCaller
    | JoinConsult
    | CompleteTransfer
    | ReturnFromConsult
    | SpyOnAgent
    | NoteBoost
    | SwitchSpyMode
    | DialCitizen
    | StartTimer
    | CancelTimer
    | SaveContact
    | RecordAgentState
    | SaveCallback
    | SaveCallbackAttempt
    | CloseVoiceMessage
    | LogWarning
)
