"""Calls out over a trunk: only the engine places them, and only to numbers it may dial.

No dialplan route leads to a trunk from what an agent or a citizen can reach; the only way
out is the AMI ``Originate`` of ``PJSIP/NUMBER@TRUNK`` built here, answered into the
``centralino-outbound`` context (which no endpoint enters). Before anything is sent, the
number must be plain digits (an optional leading ``+``: nothing else can reach the dial
string) and one of the trunk's ``outbound`` patterns (``trunks:`` in the configuration) must
match it in full; otherwise ``OutboundNotAllowed`` says why. A trunk with no pattern takes
no call out.

Pure: ``OutboundPolicy`` decides, ``dial_out_action`` builds the action;
``TelephonyActions.dial_out`` sends it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from acd.telephony.errors import OutboundNotAllowed

DIAL_ACTION_PREFIX = "centralino-dial/"  # (acd.telephony.translate reads it back)

__all__ = ["DialOut", "OutboundNotAllowed", "OutboundPolicy", "dial_out_action"]

OUTBOUND_CONTEXT = "centralino-outbound"
_NUMBER = re.compile(r"\+?[0-9]{1,20}")


@dataclass(frozen=True, slots=True)
class OutboundPolicy:
    """Which numbers the engine may dial over which trunk: ``{trunk: patterns}``."""

    patterns: Mapping[str, tuple[re.Pattern[str], ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, allowed: Mapping[str, Iterable[str]]) -> OutboundPolicy:
        """From each trunk's ``outbound`` patterns (regular expressions, as configured)."""
        return cls({trunk: tuple(map(re.compile, texts)) for trunk, texts in allowed.items()})

    def check(self, trunk: str, number: str) -> None:
        """Raise ``OutboundNotAllowed`` unless ``number`` may be dialled over ``trunk``."""
        if trunk not in self.patterns:
            raise OutboundNotAllowed(f"no trunk {trunk!r}")
        if not _NUMBER.fullmatch(number):
            raise OutboundNotAllowed(f"{number!r} is not a telephone number")
        if not any(p.fullmatch(number) for p in self.patterns[trunk]):
            raise OutboundNotAllowed(f"trunk {trunk!r} does not allow calls to {number!r}")

    def allows(self, trunk: str, number: str) -> bool:
        """``check`` as a question (the IVR's and the panel's number, before a callback)."""
        try:
            self.check(trunk, number)
        except OutboundNotAllowed:
            return False
        return True


@dataclass(frozen=True, slots=True)
class DialOut:
    """A call out: ``number`` over ``trunk``; the answered leg runs ``context`` (``s``) with
    ``variables`` set, and its events carry ``channel_id`` as their Uniqueid."""

    trunk: str
    number: str
    channel_id: str
    ring_seconds: float = 60
    context: str = OUTBOUND_CONTEXT
    variables: Mapping[str, str] = field(default_factory=dict)
    caller_id: str = ""


def dial_out_action(call: DialOut) -> dict[str, str | list[str]]:
    """The Originate of ``call`` (not checked: ``OutboundPolicy.check`` first)."""
    action: dict[str, str | list[str]] = {
        "Action": "Originate",
        "ActionID": DIAL_ACTION_PREFIX + call.channel_id,  # echoed by OriginateResponse
        "Async": "true",
        "Channel": f"PJSIP/{call.number}@{call.trunk}",
        "Context": call.context,
        "Exten": "s",
        "Priority": "1",
        "ChannelId": call.channel_id,
        "Timeout": str(int(call.ring_seconds * 1000)),
    }
    if call.variables:  # a list: one Variable header each
        action["Variable"] = [f"{name}={value}" for name, value in call.variables.items()]
    if call.caller_id:
        action["CallerID"] = call.caller_id
    return action
