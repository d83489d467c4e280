"""The periodic announcement to a waiting caller: place in line and estimated wait.

The dialplan's wait loop runs ``AGI(agi://.../announce)`` every
``routing.announce_every_seconds`` of music; this handler reads the call's figures through
its ``Figures`` port (wired to the engine in ``acd.bootstrap``: a read, never a change, the
core is only changed through the inbox) and plays the synthesised phrases ``ivr.wording``
chooses ("You are third in line." "The estimated wait is about two minutes.").

The language is the channel's, as Asterisk sends it with every AGI session
(``agi_language``): the IVR's language node sets it, so no extra command is needed and it
is what the caller has heard so far. A language without phrases falls back to the center's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from ivr.wording import LANGUAGES, announcement

log = logging.getLogger(__name__)

Figures = Callable[[str], "tuple[int, float | None] | None"]  # call id -> (position, seconds)
SoundPath = Callable[[str, str], str]  # (language, prompt name) -> file path for Asterisk


class Session(Protocol):
    """What the announcer needs of a FastAGI session (acd.telephony.agi.AgiSession)."""

    @property
    def uniqueid(self) -> str: ...

    @property
    def language(self) -> str: ...

    async def stream_file(self, file: str, escape_digits: str = "") -> str | None: ...


class Announcer:
    def __init__(self, figures: Figures, sound: SoundPath, center_language: str) -> None:
        self._figures, self._sound, self._center_language = figures, sound, center_language

    async def serve(self, session: Session) -> None:
        figures = self._figures(session.uniqueid)
        if figures is None:
            return  # not waiting any more (answered, gone): say nothing
        position, estimate = figures
        language = session.language if session.language in LANGUAGES else self._center_language
        phrases = announcement(position, estimate, language)
        log.info("announce %s: position %d, estimate %s s: %s %s", session.uniqueid, position,
                 "-" if estimate is None else round(estimate), language,
                 " + ".join(p.name for p in phrases))  # fmt: skip
        for phrase in phrases:
            await session.stream_file(self._sound(language, phrase.prompt))
