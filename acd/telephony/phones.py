"""The agents' phones as Asterisk sees them: registered (a contact it can reach) or not.

Pure: no I/O, no clock. ``Phones`` knows the phones that register (each agent's browser
softphone, and its desk phone when that has no fixed contact), by PJSIP endpoint:

    ContactStatus  ContactStatus: Removed | Unreachable  -> PhoneUnregistered(agent, endpoint)
                   any other (Created, NonQualified, Reachable, Updated, Unknown)
                                                         -> PhoneRegistered(agent, endpoint)

A browser that closes its page, or whose websocket drops, loses its contact at once
(Asterisk removes the contacts of a closed websocket); one that unregisters likewise.

After every login the composition root asks Asterisk which of them are registered (nothing
was heard while AMI was away): ``Getvar PJSIP_DIAL_CONTACTS(endpoint)`` per phone, whose
value names the endpoint's reachable contacts ("" when none). One ``PJSIPShowContacts`` would
list them all, but it needs the AMI write class ``system``, which would also let the engine's
login unload modules and reload the configuration; ``Getvar`` is in ``call``, which the
engine has. Answers and events cross: an event seen while the listing is on its way (until
``listed``) is at least as new as the answer for its phone, so it wins.
"""

from __future__ import annotations

from collections.abc import Mapping

from acd.core.events import PhoneRegistered, PhonesListed, PhoneUnregistered

CONTACT_STATUS = "ContactStatus"
_GONE = frozenset({"Removed", "Unreachable"})


def dial_contacts(endpoint: str) -> dict[str, str]:
    """The Getvar that tells whether ``endpoint`` has a contact Asterisk can reach."""
    return {"Action": "Getvar", "Variable": f"PJSIP_DIAL_CONTACTS({endpoint})"}


class Phones:
    def __init__(self, agents: Mapping[str, str]) -> None:
        """``agents``: the agent of each phone that registers, by PJSIP endpoint."""
        self._agents = dict(agents)
        self._seen: dict[str, bool] | None = None  # while listing: the latest event per phone

    @property
    def endpoints(self) -> list[str]:
        """The phones to ask about after a login."""
        return sorted(self._agents)

    def translate(self, message: Mapping[str, str]) -> PhoneRegistered | PhoneUnregistered | None:
        """The core event for a ContactStatus of one of the phones, else None."""
        if message.get("Event") != CONTACT_STATUS:
            return None
        endpoint = message.get("EndpointName") or message.get("AOR", "")
        agent_id = self._agents.get(endpoint)
        if agent_id is None:
            return None  # a trunk's, or a desk phone with a fixed contact: always there
        registered = message.get("ContactStatus") not in _GONE
        if self._seen is not None:
            self._seen[endpoint] = registered
        if registered:
            return PhoneRegistered(agent_id, endpoint)
        return PhoneUnregistered(agent_id, endpoint)

    def listing(self) -> list[str]:
        """A listing starts: events from now on override its answers. The phones to ask."""
        self._seen = {}
        return self.endpoints

    def listed(self, answers: Mapping[str, str]) -> PhonesListed:
        """``answers``: each phone's PJSIP_DIAL_CONTACTS value. The listing is over."""
        registered = {p: bool(value.strip()) for p, value in answers.items() if p in self._agents}
        registered.update(self._seen or {})
        self._seen = None
        return PhonesListed(
            frozenset(
                (self._agents[p], p) for p, up in registered.items() if up and p in self._agents
            )
        )
