"""The periodic announcement to a waiting caller: place in line and estimated wait.

The dialplan's wait loop runs ``AGI(agi://.../announce)`` every
``routing.announce_every_seconds`` of music; this handler reads the call's figures through
its ``Figures`` port (wired to the engine in ``acd.bootstrap``: a read, never a change, the
core is only changed through the inbox) and plays the synthesised phrases ``ivr.wording``
chooses ("You are third in line." "The estimated wait is about two minutes.").

The language is the channel's, as Asterisk sends it with every AGI session
(``agi_language``): the IVR's language node sets it, so no extra command is needed and it
is what the caller has heard so far. A language without phrases falls back to the center's.

Then, when the caller's service offers callbacks and its threshold is passed (the
``CallbackOffers`` port says so), the offer's dialogue (``ivr.callback_offer``) runs on the
same session. A number confirmed is requested of the core; accepted, the caller hears the
confirmation and the dialplan hangs up (``CENTRALINO_DONE=1``): the call keeps its place
without its caller. Refused (an agent is ringing for it meanwhile) or not confirmed, the
music goes on. The number is never logged at INFO.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ivr import steps as s
from ivr.callback_offer import Allowed, Dialogue, offer_dialogue, prompt
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

    @property
    def headers(self) -> dict[str, str]: ...

    async def stream_file(self, file: str, escape_digits: str = "") -> str | None: ...
    async def get_data(self, file: str, timeout_ms: int, max_digits: int) -> str: ...
    async def set_variable(self, name: str, value: str) -> None: ...
    async def command(self, text: str, timeout: float | None = None) -> Any: ...


@dataclass(frozen=True, slots=True)
class Chance:
    """A callback may be offered: with ``key``, to numbers the service's trunk ``allowed``."""

    key: str
    allowed: Allowed


class CallbackOffers(Protocol):
    """The core's side of the offer (``acd.ivr_ports.CoreCallbacks``)."""

    def chance(self, call_id: str) -> Chance | None: ...

    async def request(self, call_id: str, number: str) -> bool: ...  # accepted


class Announcer:
    def __init__(
        self,
        figures: Figures,
        sound: SoundPath,
        center_language: str,
        offers: CallbackOffers | None = None,
    ) -> None:
        self._figures, self._sound, self._center_language = figures, sound, center_language
        self._offers = offers

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
        chance = self._offers.chance(session.uniqueid) if self._offers is not None else None
        if chance is not None:
            await self._offer(session, chance, language)

    async def _offer(self, session: Session, chance: Chance, language: str) -> None:
        assert self._offers is not None
        caller = session.headers.get("agi_callerid", "")
        number = await self._run(session, offer_dialogue(chance.key, caller, chance.allowed),
                                 language)  # fmt: skip
        if number is None:
            return
        if await self._offers.request(session.uniqueid, number):
            log.info("callback requested for %s", session.uniqueid)
            await session.stream_file(self._sound(language, prompt("confirmed")))
            await session.set_variable("CENTRALINO_DONE", "1")  # the dialplan hangs up
        else:
            log.info("callback for %s refused by the engine: the caller waits", session.uniqueid)
            await session.stream_file(self._sound(language, prompt("not-taken")))

    async def _run(self, session: Session, dialogue: Dialogue, language: str) -> str | None:
        """Step the dialogue over AGI: the announcer's own small runner (three steps)."""
        result: s.Result = None
        try:
            while True:
                step = dialogue.send(result)
                result = await self._do(session, step, language)
        except StopIteration as done:
            number: str | None = done.value
            return number

    async def _do(self, session: Session, step: s.Step, language: str) -> s.Result:
        match step:
            case s.Collect(prompt=name, timeout=timeout, max_digits=digits):
                file = self._sound(language, name) if name is not None else "silence/1"
                return await session.get_data(file, int(timeout * 1000), digits)
            case s.Play(prompt=name, interrupt_keys=keys):
                return await session.stream_file(self._sound(language, name), keys)
            case s.SayDigits(text=text):
                await session.command(f'SAY DIGITS {text} ""', 30)
                return None
        raise ValueError(f"the offer's dialogue yielded {step!r}")  # a bug in the dialogue
