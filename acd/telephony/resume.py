"""Callers still waiting in the queue's music on hold when the engine (re)starts.

Asterisk keeps a queued caller in the dialplan's wait loop while the engine is away. After
every AMI login ``acd.bootstrap`` reads ``CoreShowChannels``; a channel of the citizens'
context that the IVR marked queued (``CENTRALINO_QUEUED=1``), that is not done
(``CENTRALINO_DONE``) nor in a bridge, is a caller waiting for an agent. Its variables
(``manager.conf`` ``channelvars``, so CoreShowChannel carries them: no Getvar round trips)
hold what the IVR decided at queue entry (``ivr.runner``): service, priority, requirement
and entry time, and a supervisor's priority points (``CENTRALINO_BOOST``, ``NoteBoost``);
the language, caller and number dialled are the channel's own.

Pure: ``waiting_callers`` picks the channels, ``resumed`` builds the core's
``CallerResumed`` from one channel and its stored contact (which wins for the entry time
and the service, being the engine's own record). A channel without usable variables (queued
by an older engine, or garbage) raises ``NotResumable``, with the reason: it is logged and
left alone, never hung up on a guess.

Conversations likewise: ``talks`` pairs each agent's leg (``CENTRALINO_RING``, answered, in
the connect or consult context) with the caller its ``CENTRALINO_CALL`` names, in the same
bridge or both on hold; ``conversation`` builds the core's ``ConversationResumed``. A leg
whose variables do not add up (no such caller, another bridge, not an agent's phone, two
legs for one caller) is reported, never hung up.

A consultation (``acd.core.consult``) is its caller on hold and the agent's leg, taken from
hold, bridged with a colleague's leg of the consult context for
the same call. The engine does not take the consultation itself back: the call is its
agent's, held (``Talk.colleague_leg`` names the colleague's leg, which the composition root
hangs up: the agent's leg then waits on hold again, and the agent resumes or consults anew),
and the colleague's leg is no talk of its own.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from acd.core.contact import Contact
from acd.core.events import CallerResumed, ConversationResumed
from acd.telephony.errors import TelephonyError
from acd.telephony.translate import channel_variables

CITIZENS_CONTEXT = "centralino-citizens"


class NotResumable(TelephonyError):
    """A waiting caller's channel lacks what is needed to take it back (the reason)."""


def waiting_callers(channels: Iterable[Mapping[str, str]]) -> list[Mapping[str, str]]:
    """The CoreShowChannel entries of callers waiting in the queue loop."""
    return [ch for ch in channels if _waiting(ch)]


def _waiting(channel: Mapping[str, str]) -> bool:
    if channel.get("Event") != "CoreShowChannel" or not channel.get("Uniqueid"):
        return False
    if channel.get("Context") != CITIZENS_CONTEXT or channel.get("BridgeId"):
        return False
    variables = channel_variables(channel)
    return variables.get("CENTRALINO_QUEUED") == "1" and variables.get("CENTRALINO_DONE") != "1"


def resumed(channel: Mapping[str, str], record: Contact | None) -> CallerResumed:
    """The event that takes this waiting caller back; ``NotResumable`` says why not."""
    variables = channel_variables(channel)
    service = variables.get("CENTRALINO_SERVICE", "") or _first_service(record)
    if not service:
        raise NotResumable("no CENTRALINO_SERVICE on the channel and no stored contact")
    return CallerResumed(
        call_id=channel["Uniqueid"],
        channel=channel.get("Channel", ""),
        caller_number=record.caller_number if record else channel.get("CallerIDNum", ""),
        dialled_number=record.dialled_number if record else channel.get("Exten", ""),
        service=service,
        entered_at=_entered(variables, record),
        priority=_priority(variables.get("CENTRALINO_PRIORITY", "0")),
        requirement=variables.get("CENTRALINO_REQUIREMENT", ""),
        language=channel.get("Language", ""),
        record=record,
        requirement_seconds=_seconds(variables.get("CENTRALINO_REQUIREMENT_SECONDS", "")),
        boost=_boost(variables.get("CENTRALINO_BOOST", "")),
    )


def _seconds(text: str) -> float | None:
    """A kiosk call's video requirement's time (none, or not a number: it holds)."""
    try:
        seconds = float(text)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds > 0 else None


def _first_service(record: Contact | None) -> str:
    """The service the IVR chose (the first one it queued in), from the stored contact."""
    return record.service_path[0] if record is not None and record.service_path else ""


def _entered(variables: Mapping[str, str], record: Contact | None) -> datetime:
    if record is not None and record.entered_queue_at is not None:
        return record.entered_queue_at  # the engine's own clock, to the microsecond
    text = variables.get("CENTRALINO_ENTERED", "")
    try:
        seconds = float(text)
    except ValueError:
        raise NotResumable(f"CENTRALINO_ENTERED is {text!r}, not epoch seconds") from None
    try:
        if math.isfinite(seconds) and seconds > 0:
            return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        pass  # beyond the calendar
    raise NotResumable(f"CENTRALINO_ENTERED is {text!r}, not a time")


def _boost(text: str) -> float:
    """A supervisor's points; anything but a finite number from 0 is none (logged nowhere:
    the call is resumed without them rather than left alone)."""
    try:
        points = float(text or "0")
    except ValueError:
        return 0.0
    return points if math.isfinite(points) and points > 0 else 0.0


def _priority(text: str) -> int:
    try:
        return int(text or "0")
    except ValueError:
        raise NotResumable(f"CENTRALINO_PRIORITY is {text!r}, not a whole number") from None


# -- conversations: a caller talking (or on hold) with an agent ---------------------------

CONSULT_CONTEXT = "centralino-consult"  # a consulted colleague's leg
AGENT_CONTEXTS = ("centralino-connect", CONSULT_CONTEXT)  # an agent's leg, answered
HOLD_CONTEXT = "centralino-hold"  # both legs of a call on hold (caller: music; agent: wait)


@dataclass(frozen=True, slots=True)
class Talk:
    """A caller's channel and the agent's leg it talks with (``held``: on hold)."""

    caller: Mapping[str, str]
    agent_leg: Mapping[str, str]
    agent_id: str
    held: bool
    colleague_leg: str = ""  # a consultation's colleague's leg (its channel): to hang up


def talks(
    channels: Iterable[Mapping[str, str]], agents: Mapping[str, str]
) -> tuple[list[Talk], list[str]]:
    """The conversations in CoreShowChannels, and why each agent's leg that looks like one
    is not (bad variables: logged, left alone). ``agents``: agent by PJSIP endpoint.

    An agent's leg is an answered channel the engine originated (``CENTRALINO_RING``) in
    the connect or consult context, in a bridge, or waiting on hold; its ``CENTRALINO_CALL``
    names the caller, who must be in the same bridge, or on hold too.
    """
    shown = {ch["Uniqueid"]: ch for ch in channels
             if ch.get("Event") == "CoreShowChannel" and ch.get("Uniqueid")}  # fmt: skip
    found: list[Talk] = []
    problems: list[str] = []
    for leg in shown.values():
        if not _answered_agent_leg(leg) or _consulted(leg, shown):
            continue
        try:
            found.append(_talk(leg, shown, agents))
        except NotResumable as exc:
            problems.append(f"agent leg {leg['Uniqueid']} ({leg.get('Channel', '')}): {exc}")
    callers = Counter(t.caller["Uniqueid"] for t in found)
    for talk in [t for t in found if callers[t.caller["Uniqueid"]] > 1]:
        found.remove(talk)
        problems.append(f"agent leg {talk.agent_leg['Uniqueid']}: its caller "
                        f"{talk.caller['Uniqueid']} has another agent's leg too")  # fmt: skip
    return found, problems


def _answered_agent_leg(channel: Mapping[str, str]) -> bool:
    if channel.get("ChannelStateDesc") != "Up":
        return False
    context, bridged = channel.get("Context"), bool(channel.get("BridgeId"))
    if not ((context in AGENT_CONTEXTS and bridged) or context == HOLD_CONTEXT):
        return False
    return bool(channel_variables(channel).get("CENTRALINO_RING"))


def _talk(
    leg: Mapping[str, str], shown: Mapping[str, Mapping[str, str]], agents: Mapping[str, str]
) -> Talk:
    call_id = channel_variables(leg).get("CENTRALINO_CALL", "")
    caller = shown.get(call_id)
    if caller is None:
        raise NotResumable(f"CENTRALINO_CALL is {call_id!r}, not a live channel")
    name = leg.get("Channel", "")
    endpoint = name[len("PJSIP/") :].rsplit("-", 1)[0] if name.startswith("PJSIP/") else ""
    agent_id = agents.get(endpoint)
    if agent_id is None:
        raise NotResumable(f"{name!r} is not an agent's phone")
    bridge = leg.get("BridgeId", "")
    if bridge and caller.get("BridgeId") == bridge:
        return Talk(caller, leg, agent_id, held=False)
    both_held = leg.get("Context") == HOLD_CONTEXT == caller.get("Context")
    if both_held and not bridge and not caller.get("BridgeId"):
        return Talk(caller, leg, agent_id, held=True)
    colleague = _colleague_of(leg, shown)
    if both_held and colleague is not None and not caller.get("BridgeId"):
        return Talk(caller, leg, agent_id, held=True, colleague_leg=colleague.get("Channel", ""))
    raise NotResumable(f"its caller {call_id} is neither in its bridge nor on hold")


def _colleague_of(
    leg: Mapping[str, str], shown: Mapping[str, Mapping[str, str]]
) -> Mapping[str, str] | None:
    """The colleague's leg an agent's leg taken from hold consults (same bridge, same call),
    or None. (``CENTRALINO_CONSULT`` is not among the channel variables AMI events carry:
    the consult context's leg in its bridge is the mark.)"""
    bridge = leg.get("BridgeId", "")
    if not bridge:
        return None
    call = channel_variables(leg).get("CENTRALINO_CALL", "")
    return next((other for other in shown.values() if other is not leg
                 and other.get("BridgeId") == bridge and other.get("Context") == CONSULT_CONTEXT
                 and channel_variables(other).get("CENTRALINO_CALL") == call), None)  # fmt: skip


def _consulted(leg: Mapping[str, str], shown: Mapping[str, Mapping[str, str]]) -> bool:
    """Whether ``leg`` is a consulted colleague's, in a consultation its agent's leg leads."""
    if leg.get("Context") != CONSULT_CONTEXT or not leg.get("BridgeId"):
        return False
    return any(other.get("Context") == HOLD_CONTEXT and _colleague_of(other, shown) is leg
               for other in shown.values())  # fmt: skip


def conversation(talk: Talk, record: Contact | None, now: datetime) -> ConversationResumed:
    """The event that takes this talk back; ``NotResumable`` says why not. The stored
    contact wins; without one the caller's variables give the service, and the talk is
    taken to have started when the agent's leg was made (its ``Duration``)."""
    caller, leg = talk.caller, talk.agent_leg
    service = (record.service if record else None) or channel_variables(caller).get(
        "CENTRALINO_SERVICE", ""
    )
    if not service:
        raise NotResumable("no CENTRALINO_SERVICE on the caller and no stored contact")
    answered = record.answered_at if record is not None else None
    return ConversationResumed(
        call_id=caller["Uniqueid"],
        channel=caller.get("Channel", ""),
        agent_leg=leg["Uniqueid"],
        agent_id=talk.agent_id,
        caller_number=record.caller_number if record else caller.get("CallerIDNum", ""),
        dialled_number=record.dialled_number if record else caller.get("Exten", ""),
        service=service,
        answered_at=answered or now - _duration(leg),
        held=talk.held,
        language=caller.get("Language", ""),
        record=record,
    )


def _duration(channel: Mapping[str, str]) -> timedelta:
    """CoreShowChannel's ``Duration`` (HH:MM:SS); zero when it is not one."""
    try:
        hours, minutes, seconds = (int(part) for part in channel.get("Duration", "").split(":"))
    except ValueError:
        return timedelta(0)
    if min(hours, minutes, seconds) < 0:
        return timedelta(0)
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)
