"""A callback: a caller who hung up keeping its place, called back when its turn comes.

Theory of operation
-------------------
A caller waiting in the music loop accepts the offer and leaves a number (the IVR's
dialogue, ``ivr/callback_offer.py``, which validates it); the core marks its ``Call`` with a
``Callback`` and the call *stays in its queue with its key*: its place and its wait count on.
Until the caller's channel is gone (the dialogue hangs up after the confirmation) nothing is
offered for it. Then it is matched like any waiting call, and its ring tells the agent it is
a callback. The agent answers; the engine dials the citizen over the service's trunk
(``DialCitizen``) and bridges the two when the citizen answers. A citizen not reached
(no answer, busy, a failure) frees the agent at once and the callback waits, out of its pool
but keeping its key, until the next attempt (``CallbackRules.spacing``); after the last one,
if the service has a ``message``, one more call leaves it to whoever (or whatever) answers.
Callbacks are dialled only while the service is open: one pending at closing time steps out
of its pool until the next opening.

A state is one of ``CallbackState``; every change goes through ``next_callback_state``, so
an illegal move raises (a bug, never a silent fix-up)::

    LIVE --caller_gone--> WAITING           (the caller hung up after the confirmation)
    WAITING --ring--> RINGING --answer--> DIALLING --reached--> TALKING
    RINGING|DIALLING --ring_ended--> WAITING  (the agent did not answer, or hung up first:
                                              no attempt counted)
    DIALLING --not_reached--> DEFERRED      (an attempt failed: the next one is spaced)
    WAITING --set_aside--> DEFERRED         (closing time, a reschedule)
    DEFERRED --due--> WAITING               (its time came, the service is open)
    DEFERRED --message--> MESSAGE           (every attempt failed: the service's message)
    any pending state --> DONE              (answered and over, failed, cancelled: the end)

WAITING is in its pool once placed (``Callbacks._place``), which may set it aside at once
(the service is shut, it is not due yet).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol


class CallbackState(StrEnum):
    LIVE = "live"  # accepted, the caller still on the line (the confirmation)
    WAITING = "waiting"  # in its pool: an agent may be rung for it
    RINGING = "ringing"  # an agent's phone rings for it
    DIALLING = "dialling"  # the agent answered; the citizen's phone rings
    TALKING = "talking"  # the citizen answered: bridged with the agent
    DEFERRED = "deferred"  # out of its pool until ``due`` (a retry, closed, rescheduled)
    MESSAGE = "message"  # the last call, leaving the service's message
    DONE = "done"


class CallbackMove(StrEnum):
    CALLER_GONE = "caller_gone"
    RING = "ring"
    RING_ENDED = "ring_ended"
    ANSWER = "answer"
    REACHED = "reached"
    NOT_REACHED = "not_reached"
    SET_ASIDE = "set_aside"
    DUE = "due"
    MESSAGE = "message"


class CallbackMoveError(Exception):
    def __init__(self, state: CallbackState, move: CallbackMove) -> None:
        super().__init__(f"callback: cannot {move.value} while {state.value}")


_S, _M = CallbackState, CallbackMove
CALLBACK_TRANSITIONS: dict[tuple[CallbackState, CallbackMove], CallbackState] = {
    (_S.LIVE, _M.CALLER_GONE): _S.WAITING,
    (_S.WAITING, _M.RING): _S.RINGING,
    (_S.RINGING, _M.RING_ENDED): _S.WAITING,
    (_S.DIALLING, _M.RING_ENDED): _S.WAITING,  # the agent hung up before the answer
    (_S.RINGING, _M.ANSWER): _S.DIALLING,
    (_S.DIALLING, _M.REACHED): _S.TALKING,
    (_S.DIALLING, _M.NOT_REACHED): _S.DEFERRED,
    (_S.WAITING, _M.SET_ASIDE): _S.DEFERRED,
    (_S.DEFERRED, _M.SET_ASIDE): _S.DEFERRED,  # rescheduled again
    (_S.DEFERRED, _M.DUE): _S.WAITING,
    (_S.DEFERRED, _M.MESSAGE): _S.MESSAGE,
}


def next_callback_state(state: CallbackState, move: CallbackMove) -> CallbackState:
    try:
        return CALLBACK_TRANSITIONS[(state, move)]
    except KeyError:
        raise CallbackMoveError(state, move) from None


SCHEDULED_PREFIX = "sched-"  # a scheduled callback's id: this, then the IVR call's or a random part


class CallbackOrigin(StrEnum):
    """Where a callback was asked for (``callbacks.origin``)."""

    QUEUE = "queue"  # a waiting caller kept its place
    IVR = "ivr"  # scheduled in the IVR for one of the next opening slots
    AGENT = "agent"  # scheduled by an agent from the panel
    WEB = "web"  # asked for on the city's website (``/api/v1/callbacks``)


class CallbackOutcome(StrEnum):
    """How a callback ended (``callbacks.outcome``; the contact's outcome likewise, but
    ``answered``, which keeps the contact's usual one)."""

    ANSWERED = "answered"  # the citizen talked with the agent
    FAILED = "callback-failed"  # every attempt failed (no answer, busy, a failure)
    MESSAGE_LEFT = "callback-message"  # not reached, the service's message left at the end
    CANCELLED = "callback-cancelled"  # by a supervisor or its agent
    REFUSED = "callback-refused"  # the number may not be dialled (the trunk's patterns)


class AttemptResult(StrEnum):
    """What one attempt came to (``callback_attempts.result``)."""

    ANSWERED = "answered"
    NO_ANSWER = "no-answer"
    BUSY = "busy"
    FAILED = "failed"  # congestion, a bad number, the trunk refused it
    NOT_ALLOWED = "not-allowed"  # the engine may not dial the number: no more attempts
    AGENT_LEFT = "agent-left"  # the agent hung up while the citizen's phone rang
    MESSAGE = "message"  # the last call: the message played to whoever answered


_BY_CAUSE = {  # Asterisk's Cause-txt of a leg that hung up before the answer
    "User busy": AttemptResult.BUSY,
    "No user responding": AttemptResult.NO_ANSWER,
    "User alerting, no answer": AttemptResult.NO_ANSWER,
}


def result_of_cause(cause: str) -> AttemptResult:
    """What a citizen's leg hanging up unanswered with ``cause`` (Cause-txt) means."""
    return _BY_CAUSE.get(cause, AttemptResult.FAILED)


class OpeningHours(Protocol):
    """A service's opening hours (its calendar, holidays included): pure, given the time."""

    def is_open(self, now: datetime) -> bool: ...

    def next_opening(self, now: datetime) -> datetime | None: ...

    def next_closing(self, now: datetime) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class CallbackRules:
    """A service's callback policy (``services.<name>.callback`` in the configuration).

    The offer: when the estimated wait exceeds ``offer_wait_seconds`` or the caller has
    waited ``offer_after_seconds`` (either, or both: whichever comes first), with ``key``.
    ``attempts`` calls at most, ``spacing`` apart, each ringing ``ring_seconds``, over
    ``trunk``; then, with a ``message`` (a prompt), one more call that plays it.
    """

    trunk: str
    key: str = "1"
    offer_wait_seconds: float | None = None
    offer_after_seconds: float | None = None
    attempts: int = 3
    spacing: timedelta = timedelta(minutes=10)
    ring_seconds: float = 30
    message: str = ""  # a prompt: "" no last call
    scheduled_priority: int = 0  # the points of a scheduled callback, entering at its time


@dataclass(slots=True)
class Callback:
    """A call's callback (``Call.callback``): the number to dial, its attempts so far."""

    number: str  # as the trunk dials it (``ivr.callback_number``)
    requested_at: datetime
    state: CallbackState = CallbackState.LIVE
    attempts: int = 0  # failed attempts so far
    due: datetime | None = None  # DEFERRED: when it may be dialled again
    leg: str | None = None  # the citizen's leg of the attempt going on
    leg_started: datetime | None = None
    agent_id: str | None = None  # the agent of its last attempt: "its own"
    rescheduled: bool = False  # ``due`` is a person's choice, not the retry spacing
    origin: CallbackOrigin = CallbackOrigin.QUEUE
    note: str = ""  # the citizen's or the agent's words for the one who calls back
    scheduled_for: datetime | None = None  # a scheduled one: the time it enters its queue

    def move(self, move: CallbackMove) -> None:
        self.state = next_callback_state(self.state, move)

    def over(self) -> None:
        """The end, from any state (answered and over, failed, cancelled)."""
        self.state = CallbackState.DONE

    @property
    def pending(self) -> bool:
        """Not yet reached: once the citizen answers, the call is an ordinary call on the
        citizen's leg (its hang-up, a hold, a transfer), and it is done at the end."""
        return self.state not in _REACHED

    @property
    def in_progress(self) -> bool:
        """An agent rings for it, or the citizen's phone rings or talks."""
        return self.state in _BUSY


_BUSY = frozenset({_S.RINGING, _S.DIALLING, _S.TALKING, _S.MESSAGE})
_REACHED = frozenset({_S.TALKING, _S.DONE})


@dataclass(frozen=True, slots=True)
class CallbackRecord:
    """What the store keeps of a callback (``callbacks`` table), made at each change: enough
    to take it back into its queue at its place after an engine restart."""

    call_id: str
    service: str
    number: str
    language: str
    priority: float  # its priority points at entry (its key comes from them and the entry)
    requirement: str  # the IVR's addition to the service's
    requested_at: datetime
    state: CallbackState
    attempts: int
    due: datetime | None
    agent_id: str | None
    outcome: CallbackOutcome | None = None
    ended_at: datetime | None = None
    origin: CallbackOrigin = CallbackOrigin.QUEUE
    note: str = ""
    scheduled_for: datetime | None = None


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """One attempt (``callback_attempts``): who tried, when, and what came of it."""

    call_id: str
    attempt: int  # 1-based; the message call too
    agent_id: str | None  # None: the message call
    started_at: datetime
    ended_at: datetime
    result: AttemptResult
