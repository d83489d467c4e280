"""The core's timers, named by small frozen keys: ``StartTimer(key, at)`` asks the runtime
(or the simulator) for ``TimerFired(key)`` at ``at``; a newer ``StartTimer`` with an equal
key replaces the older one, ``CancelTimer(key)`` drops it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RingTimer:
    """The agent's phone has rung for the service's ``ring_seconds``."""

    ring_id: str


@dataclass(frozen=True, slots=True)
class WrapUpTimer:
    """The agent's after-call time is over."""

    agent_id: str


@dataclass(frozen=True, slots=True)
class RelaxTimer:
    """The call reaches its next relaxation step."""

    call_id: str


@dataclass(frozen=True, slots=True)
class MaxWaitTimer:
    """The call has waited its service's ``max_wait_seconds``."""

    call_id: str


@dataclass(frozen=True, slots=True)
class RequirementTimer:
    """The call's extra requirement has held its time (a kiosk's video): it is dropped."""

    call_id: str


@dataclass(frozen=True, slots=True)
class CallbackTimer:
    """A callback set aside is due again (a retry, an opening, a reschedule), or one that
    waits meets its service's closing time."""

    call_id: str


@dataclass(frozen=True, slots=True)
class DialTimer:
    """The citizen's phone has rung for the callback's ``ring_seconds`` (and a margin):
    a backstop in case Asterisk's own answer to the call out never comes."""

    leg: str


TimerKey = (
    RingTimer
    | WrapUpTimer
    | RelaxTimer
    | MaxWaitTimer
    | RequirementTimer
    | CallbackTimer
    | DialTimer
)
