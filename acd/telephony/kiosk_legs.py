"""Kiosks gone without a goodbye: a totem whose browser vanished (a power cut, the network
lost) leaves its call up, since its endpoint has no RTP timeout (docs/kiosk.md says why).
Asterisk removes the contact of a closed SIP websocket at once (``ContactStatus: Removed``);
a kiosk still gone ``gone_after_seconds`` later has its channels hung up (AMI ``Hangup``
with a channel pattern), and the call ends as any caller's hang-up. A kiosk whose page
reconnects in time (JsSIP does by itself) registers again and keeps its call: its media
never went through the websocket.

Pure: ``KioskLegs`` is told the ContactStatus events and asked, at a time, which kiosks to
hang up; the composition root owns the timer and the AMI action.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from acd.telephony.phones import CONTACT_STATUS

_GONE = frozenset({"Removed", "Unreachable"})


def hang_up_kiosk(endpoint: str) -> dict[str, str]:
    """The AMI action that hangs up every channel of ``endpoint`` (between slashes, a POSIX
    regular expression: ``PJSIP/<endpoint>-<sequence>``, nothing else; a kiosk's id has no
    character special in one)."""
    return {"Action": "Hangup", "Channel": f"/^PJSIP/{endpoint}-[0-9a-f]+$/", "Cause": "16"}


class KioskLegs:
    def __init__(self, endpoints: Iterable[str]) -> None:
        self._endpoints = frozenset(endpoints)
        self._gone: dict[str, int] = {}  # a kiosk gone -> which of its losses it is
        self._losses = 0

    def seen(self, message: Mapping[str, str]) -> int | None:
        """A ContactStatus: for a kiosk that just went away, a ticket to check it with later
        (``still_gone``); None otherwise."""
        if message.get("Event") != CONTACT_STATUS:
            return None
        endpoint = message.get("EndpointName") or message.get("AOR", "")
        if endpoint not in self._endpoints:
            return None
        if message.get("ContactStatus") not in _GONE:
            self._gone.pop(endpoint, None)  # back in time
            return None
        if endpoint in self._gone:
            return None  # the first loss's check stands
        self._losses += 1
        self._gone[endpoint] = self._losses
        return self._losses

    def still_gone(self, ticket: int) -> str | None:
        """The kiosk of ``ticket`` if it has not come back since: hang its calls up."""
        for endpoint, loss in self._gone.items():
            if loss == ticket:
                del self._gone[endpoint]
                return endpoint
        return None
