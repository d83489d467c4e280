"""The district totems (kiosks): video calls from a place in town to the URP's agents.

A kiosk is a device, not a person: it has an id, the place where it stands (shown to the
agent and told to nobody else), the services it offers, and a device credential made by
``centralino kiosks add`` (kept hashed, revocable: ``acd.access.kiosks``). In Asterisk it is
a WebRTC endpoint like an agent's softphone, with video codecs, that can call only its own
entry into the engine (``pjsip.conf``, ``extensions.conf``).

    kiosks:
      video_skill: video          # a kiosk's call needs an agent with this skill ...
      voice_after_seconds: 120    # ... until then; after it, any agent (the call turns voice)
      gone_after_seconds: 30      # a kiosk's page gone this long: its call is hung up
      totems:
        - id: q1-centro
          place: Quartiere 1 - Centro Storico
          services: [anagrafe, tributi]

References (services that exist, ids apart from the phones' PJSIP sections) are checked in
``acd.config.kiosk_checks``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from acd.config.base import Strict
from acd.config.routing_model import SKILL

KIOSK_PREFIX = "kiosk-"  # kiosk q1-centro is the PJSIP endpoint (and SIP user) kiosk-q1-centro
KIOSK_CONTEXT = "centralino-kiosks"  # the only context a kiosk's calls enter
# A kiosk call's caller on the contact: kiosk:ID. No citizen's number holds a ':' (the
# trunks' dialplan filters it out), so the origin cannot be forged from outside.
KIOSK_ORIGIN = "kiosk:"
# An agent rung for a kiosk call is offered video (AMI Originate's Codecs; without it the
# leg offers audio only), and G.711 for a desk phone when the call has turned voice.
KIOSK_CODECS = "opus,ulaw,alaw,vp8,h264"


class Kiosk(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,31}$")]
    place: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[^\x00-\x1f]+$")]
    services: tuple[str, ...] = Field(min_length=1)

    @property
    def endpoint(self) -> str:
        return f"{KIOSK_PREFIX}{self.id}"


class Kiosks(Strict):
    video_skill: Annotated[str, Field(pattern=SKILL)] = "video"
    # None: a kiosk's call waits for a video agent however long it takes.
    voice_after_seconds: float | None = Field(None, gt=0, le=3600)
    # A kiosk whose page vanished (no SIP websocket) and is not back after this long has
    # its call hung up (acd.telephony.kiosk_legs).
    gone_after_seconds: float = Field(30, ge=1, le=600)
    totems: tuple[Kiosk, ...] = ()

    def kiosk(self, kiosk_id: str) -> Kiosk | None:
        return next((k for k in self.totems if k.id == kiosk_id), None)
