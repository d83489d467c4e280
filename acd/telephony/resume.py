"""Callers still waiting in the queue's music on hold when the engine (re)starts.

Asterisk keeps a queued caller in the dialplan's wait loop while the engine is away. After
every AMI login ``acd.bootstrap`` reads ``CoreShowChannels``; a channel of the citizens'
context that the IVR marked queued (``CENTRALINO_QUEUED=1``), that is not done
(``CENTRALINO_DONE``) nor in a bridge, is a caller waiting for an agent. Its variables
(``manager.conf`` ``channelvars``, so CoreShowChannel carries them: no Getvar round trips)
hold what the IVR decided at queue entry (``ivr.runner``): service, priority, requirement
and entry time; the language, caller and number dialled are the channel's own.

Pure: ``waiting_callers`` picks the channels, ``resumed`` builds the core's
``CallerResumed`` from one channel and its stored contact (which wins for the entry time
and the service, being the engine's own record). A channel without usable variables (queued
by an older engine, or garbage) raises ``NotResumable``, with the reason: it is logged and
left alone, never hung up on a guess.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from acd.core.contact import Contact
from acd.core.events import CallerResumed
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


def _priority(text: str) -> int:
    try:
        return int(text or "0")
    except ValueError:
        raise NotResumable(f"CENTRALINO_PRIORITY is {text!r}, not a whole number") from None
