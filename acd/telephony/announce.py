"""The periodic announcement to a waiting caller: place in line and estimated wait.

The dialplan's wait loop runs ``AGI(agi://.../announce)`` every few seconds of music; this
handler reads the call's figures from the engine (a read, never a change: the core is only
changed through the inbox) and speaks them with Asterisk's core sounds, in the channel's
language (Italian or English sounds are picked by Asterisk):

    position 1:  queue-youarenext                     "you are next in line"
    position n:  queue-thereare <n> queue-callswaiting "there are n calls waiting" (app_queue's
                 wording; n counts the caller)
    estimate:    queue-holdtime <m> queue-minutes      "the estimated hold time is m minutes"
                 (under a minute: queue-less-than 1 queue-minute)
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

Figures = Callable[[str], "tuple[int, float | None] | None"]  # call id -> (position, seconds)


@dataclass(frozen=True, slots=True)
class Sound:
    file: str


@dataclass(frozen=True, slots=True)
class Number:
    value: int


Say = Sound | Number


def announcement(position: int, estimate_seconds: float | None) -> list[Say]:
    said: list[Say] = []
    if position == 1:
        said.append(Sound("queue-youarenext"))
    else:
        said += [Sound("queue-thereare"), Number(position), Sound("queue-callswaiting")]
    if estimate_seconds is None:
        return said
    minutes = math.ceil(estimate_seconds / 60)
    if minutes <= 1:
        return [*said, Sound("queue-holdtime"), Sound("queue-less-than"), Number(1),
                Sound("queue-minute")]  # fmt: skip
    return [*said, Sound("queue-holdtime"), Number(minutes), Sound("queue-minutes")]


class Session(Protocol):
    """What the announcer needs of acd.telephony.agi.AgiSession."""

    @property
    def uniqueid(self) -> str: ...

    async def stream_file(self, file: str, escape_digits: str = "") -> str | None: ...
    async def exec(self, app: str, args: str = "", timeout: float | None = None) -> object: ...


class Announcer:
    def __init__(self, figures: Figures) -> None:
        self._figures = figures

    async def serve(self, session: Session) -> None:
        figures = self._figures(session.uniqueid)
        if figures is None:
            return  # not waiting any more (answered, gone): say nothing
        position, estimate = figures
        log.info("announce %s: position %d, estimate %s s", session.uniqueid, position,
                 "-" if estimate is None else round(estimate))  # fmt: skip
        for say in announcement(position, estimate):
            if isinstance(say, Sound):
                await session.stream_file(say.file)
            else:
                await session.exec("SayNumber", str(say.value))
