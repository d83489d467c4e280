"""From AMI events (plain dicts) to the core's events, and a directory of live channels.

Pure: no I/O, no clock. ``translate`` maps the few AMI events the core cares about:

    Hangup                                        -> HungUp(Uniqueid, Cause-txt)
    SoftHangupRequest  Cause: 4 (shutting down)   -> AsteriskStopping(Uniqueid)
    UserEvent  UserEvent: CentralinoAgentAnswered -> AgentAnswered(Ring, Bridging: 1, Call)
    UserEvent  UserEvent: CentralinoBridgeFailed  -> ConnectFailed(Ring, the caller gone when
                                                     Result is NONEXISTENT)
    UserEvent  UserEvent: CentralinoOutboundAnswered -> CitizenAnswered(Uniqueid: the leg)
    BridgeEnter                                   -> Bridged(Uniqueid)
    OriginateResponse  Response: Failure          -> RingFailed(ring id from ActionID, reason)
                       (ActionID centralino-dial/LEG) -> CitizenNotReached(LEG, busy (5),
                                                     no answer (3), failed)

The OriginateResponse covers an agent (or a citizen called back) that cannot even be rung
(unreachable endpoint: no channel, so no Hangup); when a channel did exist the core also
gets its HungUp and ignores the repeat. A call out refused with 486 Busy Here gets Reason 0
first, then its leg's Hangup with the cause ("User busy", seen on the real stack): Reason 0
or 1 of a leg the directory saw (``seen``) is left to that Hangup.

``ChannelDirectory`` maps uniqueids to channel names, since the core names channels by
uniqueid and AMI actions want names; it is bounded and forgets hung-up channels.

``EVENTS_USED`` names every AMI event the engine reads: the AMI user's event filter in
manager.conf lets only these through (Asterisk sends nothing else to the engine). The
agents' phones registering and going away (``ContactStatus``) are ``acd.telephony.phones``'.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from acd.bounds import BoundHits
from acd.core.callback import AttemptResult
from acd.core.events import (
    AgentAnswered,
    AsteriskStopping,
    Bridged,
    ChannelsListed,
    CitizenAnswered,
    CitizenNotReached,
    ConnectFailed,
    Event,
    HungUp,
    RingFailed,
)
from acd.telephony.outbound import DIAL_ACTION_PREFIX
from acd.telephony.phones import CONTACT_STATUS

AGENT_ANSWERED = "CentralinoAgentAnswered"
"""The dialplan's ``UserEvent(CentralinoAgentAnswered,Ring: ${CENTRALINO_RING},...)``; with
``Bridging: 1`` when the leg bridges itself with its caller (centralino-connect)."""

BRIDGE_FAILED = "CentralinoBridgeFailed"
"""That leg's ``Bridge`` failed; ``Result`` is its BRIDGERESULT."""

OUTBOUND_ANSWERED = "CentralinoOutboundAnswered"
"""The ``centralino-outbound`` context's ``UserEvent``: a citizen called back answered."""

RING_ACTION_PREFIX = "centralino-ring/"

# OriginateResponse's Reason: the last control frame Asterisk saw on the new channel
_ORIGINATE_REASONS = {
    "0": "unreachable",
    "1": "hung up",
    "3": "no answer",
    "5": "busy",
    "8": "congestion",
}
_ATTEMPT_RESULTS = {"3": AttemptResult.NO_ANSWER, "5": AttemptResult.BUSY}
_UNINFORMATIVE = ("0", "1")  # a call out's Reason when its leg's Hangup says more (its cause)


def ring_action_id(ring_id: str) -> str:
    """The ActionID of the Originate for ``ring_id``, echoed in its OriginateResponse."""
    return RING_ACTION_PREFIX + ring_id


def channel_variables(event: Mapping[str, str]) -> dict[str, str]:
    """The ``ChanVariable: NAME=value`` headers (manager.conf ``channelvars``) as a dict."""
    lines = event.get("ChanVariable", "").split("\n")
    return dict(line.split("=", 1) for line in lines if "=" in line)


def channels_listed(channels: Iterable[Mapping[str, str]]) -> ChannelsListed:
    """The core's view of a CoreShowChannels answer: live, answered and bridged uniqueids."""
    shown = [ch for ch in channels if ch.get("Event") == "CoreShowChannel" and ch.get("Uniqueid")]
    return ChannelsListed(
        live=frozenset(ch["Uniqueid"] for ch in shown),
        answered=frozenset(ch["Uniqueid"] for ch in shown if ch.get("ChannelStateDesc") == "Up"),
        bridged=frozenset(ch["Uniqueid"] for ch in shown if ch.get("BridgeId")),
        agent_legs=frozenset(ch["Uniqueid"] for ch in shown if ring_in_flight(ch)),
    )


def ring_in_flight(channel: Mapping[str, str]) -> bool:
    """An agent's leg (it carries ``CENTRALINO_RING``) ringing, or answered and waiting for
    its bridge: not in a bridge, nor on hold (an agent's leg waiting for its caller)."""
    if channel.get("BridgeId") or channel.get("Context") == "centralino-hold":
        return False
    return bool(channel_variables(channel).get("CENTRALINO_RING"))


def translate(event: Mapping[str, str], seen: Callable[[str], bool] = lambda _: False) -> (
        Event | None):  # fmt: skip
    """The core event for one AMI event, or None when the core does not care. ``seen``:
    whether a channel of that uniqueid existed (``ChannelDirectory.seen``)."""
    if event.get("Event") == _ORIGINATE_RESPONSE:
        return _originate_response(event, seen)
    translator = _TRANSLATORS.get(event.get("Event", ""))
    return None if translator is None else translator(event)


def _hung_up(event: Mapping[str, str]) -> Event | None:
    uniqueid = event.get("Uniqueid", "")
    return HungUp(uniqueid, event.get("Cause-txt", "")) if uniqueid else None


def _user_event(event: Mapping[str, str]) -> Event | None:
    kind, ring_id, uniqueid = (
        event.get("UserEvent"),
        event.get("Ring", ""),
        event.get("Uniqueid", ""),
    )
    if kind == OUTBOUND_ANSWERED and uniqueid:
        return CitizenAnswered(uniqueid)
    if not ring_id:
        return None
    if kind == AGENT_ANSWERED:
        return AgentAnswered(ring_id, event.get("Bridging") == "1", event.get("Call", ""))
    if kind == BRIDGE_FAILED:
        result = event.get("Result", "")
        return ConnectFailed(ring_id, result == "NONEXISTENT", f"Bridge: {result}")
    return None


def _bridge_enter(event: Mapping[str, str]) -> Event | None:
    uniqueid = event.get("Uniqueid", "")
    return Bridged(uniqueid) if uniqueid else None


def _originate_response(event: Mapping[str, str], seen: Callable[[str], bool]) -> Event | None:
    action_id = event.get("ActionID", "")
    if event.get("Response") != "Failure":
        return None
    reason = event.get("Reason", "")
    said = _ORIGINATE_REASONS.get(reason, f"originate failed (reason {reason})")
    if action_id.startswith(DIAL_ACTION_PREFIX):
        leg = action_id.removeprefix(DIAL_ACTION_PREFIX)
        if reason in _UNINFORMATIVE and seen(leg):
            return None  # a 486 gives Reason 0, then the leg's Hangup: "User busy"
        return CitizenNotReached(leg, _ATTEMPT_RESULTS.get(reason, AttemptResult.FAILED), said)
    if not action_id.startswith(RING_ACTION_PREFIX):
        return None
    return RingFailed(action_id.removeprefix(RING_ACTION_PREFIX), said)


def _soft_hang_up(event: Mapping[str, str]) -> Event | None:
    """Asterisk hanging a channel up as it stops (main/channel.c's softhangup reasons)."""
    uniqueid = event.get("Uniqueid", "")
    stopping = uniqueid and event.get("Cause") == SHUTTING_DOWN
    return AsteriskStopping(uniqueid) if stopping else None


_TRANSLATORS: dict[str, Callable[[Mapping[str, str]], Event | None]] = {
    "Hangup": _hung_up,
    "UserEvent": _user_event,
    "BridgeEnter": _bridge_enter,
    "SoftHangupRequest": _soft_hang_up,
}
SHUTTING_DOWN = "4"  # AST_SOFTHANGUP_SHUTDOWN, a SoftHangupRequest's Cause as Asterisk stops
_ORIGINATE_RESPONSE = "OriginateResponse"
EVENTS_NARROWED = {"SoftHangupRequest": ("Cause", SHUTTING_DOWN),
                   _ORIGINATE_RESPONSE: ("Response", "Failure")}  # fmt: skip
"""Events the engine reads only with one value of one header (the filter in manager.conf):
a SoftHangupRequest comes with most hang-ups, the engine needs those of a shutdown; an
OriginateResponse comes with every ring, the engine needs those of a ring that failed
(an answered leg says so itself: its UserEvent)."""

_DIRECTORY_EVENTS = ("Newchannel", "Rename", "Hangup")  # ChannelDirectory.feed's
_SHUTDOWN = "Shutdown"  # panoramisk ends the AMI session on it, at once (acd.telephony.ami)

EVENTS_USED = frozenset({*_TRANSLATORS, _ORIGINATE_RESPONSE, *_DIRECTORY_EVENTS, _SHUTDOWN,
                         CONTACT_STATUS})  # fmt: skip
"""The events the engine reads. List answers (CoreShowChannel) are not events: no filter
touches them."""

_V = TypeVar("_V")

Waiter = Callable[[str], None]
"""Called with the channel's name once it is known."""


class ChannelDirectory:
    """Live channels by uniqueid, fed with every AMI event in arrival order.

    ``Newchannel`` (and ``CoreShowChannel``, for a re-sync after a reconnect) adds a channel,
    ``Rename`` renames it, ``Hangup`` removes it. ``when_named`` lets a command act on a
    channel that Asterisk has not created yet (StopRinging right after an Originate).
    Every table is bounded, oldest first out, so a missed Hangup cannot grow it for ever;
    a channel or a waiter pushed out is a bound hit (``acd.bounds``); the recently hung up
    are a rolling window.
    """

    def __init__(
        self, max_channels: int = 20_000, max_waiting: int = 1_000, bounds: BoundHits | None = None
    ) -> None:
        self._bounds = bounds or BoundHits()
        self._names: OrderedDict[str, str] = OrderedDict()
        self._waiting: OrderedDict[str, list[Waiter]] = OrderedDict()
        self._gone: OrderedDict[str, None] = OrderedDict()  # recently hung up
        self._max_channels, self._max_waiting = max_channels, max_waiting

    def __len__(self) -> int:
        return len(self._names)

    @property
    def waiting(self) -> int:
        return sum(len(waiters) for waiters in self._waiting.values())

    def name(self, uniqueid: str) -> str | None:
        return self._names.get(uniqueid)

    def feed(self, event: Mapping[str, str]) -> None:
        kind, uniqueid = event.get("Event", ""), event.get("Uniqueid", "")
        if not uniqueid:
            return
        if kind in ("Newchannel", "CoreShowChannel"):
            self._add(uniqueid, event.get("Channel", ""))
        elif kind == "Rename" and uniqueid in self._names:
            self._names[uniqueid] = event.get("Newname") or event.get("Channel", "")
        elif kind == "Hangup":
            self._remove(uniqueid)

    def hung_up(self, uniqueid: str) -> bool:
        """Whether the channel hung up lately (since the last ``clear``)."""
        return uniqueid in self._gone

    def seen(self, uniqueid: str) -> bool:
        """Whether the channel exists or hung up lately."""
        return uniqueid in self._names or uniqueid in self._gone

    def when_named(self, uniqueid: str, waiter: Waiter) -> None:
        """Call ``waiter(name)`` now if the channel is known, else when it appears.

        A channel that already hung up never appears again: the waiter is dropped.
        """
        name = self._names.get(uniqueid)
        if name is not None:
            waiter(name)
        elif uniqueid not in self._gone:
            self._waiting.setdefault(uniqueid, []).append(waiter)
            if _trim(self._waiting, self._max_waiting):
                self._bounds.hit("channel_waiters", "the oldest command waiting for a channel "
                                 "dropped (its channel never appeared)")  # fmt: skip

    def forget_waiters(self, uniqueid: str) -> None:
        self._waiting.pop(uniqueid, None)

    def clear(self) -> None:
        """Forget every channel (before re-feeding it with CoreShowChannels)."""
        self._names.clear()
        self._gone.clear()

    def _add(self, uniqueid: str, name: str) -> None:
        if not name:
            return
        self._names[uniqueid] = name
        if _trim(self._names, self._max_channels):
            self._bounds.hit("channels", "the oldest channel forgotten (a Hangup missed?)")
        for waiter in self._waiting.pop(uniqueid, []):
            waiter(name)

    def _remove(self, uniqueid: str) -> None:
        self._names.pop(uniqueid, None)
        self._waiting.pop(uniqueid, None)
        self._gone[uniqueid] = None
        _trim(self._gone, self._max_waiting)


def _trim(table: OrderedDict[str, _V], limit: int) -> bool:
    """Drop the oldest entries over ``limit``; whether any was dropped."""
    over = len(table) > limit
    while len(table) > limit:
        table.popitem(last=False)
    return over
