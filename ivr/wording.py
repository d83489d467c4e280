"""What a waiting caller hears of its place in line and its wait, in Italian and English.

Each phrase is a whole sentence, synthesised once per language at build time like the
center's prompts (``ivr.prompts.announcement_texts``) into
``sounds/{lang}/announce/{name}.wav``: whole sentences sound far better than stitched
words, and Asterisk's core sounds cannot say these anyway (no Italian ordinals, no "in
line" in either language). The set is bounded: 2 x 38 short files.

Place (position p, 1-based, counting the caller)::

    p = 1           next-in-line       "You are next in line."
    p = 2 .. 21     place-<p>          "You are third in line."
    p > 21          many-ahead         "More than twenty callers are ahead of you."

Wait (estimate s seconds), said after the place; nothing when there is no estimate::

    s < 60          wait-under-a-minute   "... less than a minute."
    s <= 30 min     wait-about-<m>        "... about two minutes."
    s > 30 min      wait-over-the-cap     "... more than thirty minutes."

Rounding: under 10 minutes, up to the whole minute (an early answer pleases, a late one
does not); from 10 minutes on, to the nearest 5 (the estimate is not finer than that).
The Italian speaks of the caller's call ("la sua chiamata è la terza in attesa"): natural,
and the same for every caller, where "lei è il terzo" would need the caller's gender.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

FOLDER = "announce"  # under sounds/{lang}/, apart from the center's prompts
# The caps: the wording below says these figures ("more than twenty", "thirty minutes").
MOST_AHEAD = 20  # callers ahead of the caller that are still counted out loud
LONGEST_MINUTES = 30  # longest wait said as a figure
ROUND_TO_FIVE_FROM = 10  # minutes


@dataclass(frozen=True, slots=True)
class Wording:
    next_in_line: str
    place: str  # with {ordinal}
    many_ahead: str
    wait_under_a_minute: str
    wait_about: str  # with {minutes}
    wait_over_the_cap: str
    ordinals: dict[int, str]  # position -> ordinal, 2 .. MOST_AHEAD + 1
    minutes: dict[int, str]  # minutes -> words, for every figure the rounding gives


WORDINGS = {
    "en": Wording(
        next_in_line="You are next in line.",
        place="You are {ordinal} in line.",
        many_ahead="More than twenty callers are ahead of you.",
        wait_under_a_minute="The estimated wait is less than a minute.",
        wait_about="The estimated wait is about {minutes}.",
        wait_over_the_cap="The estimated wait is more than thirty minutes.",
        ordinals=dict(enumerate((
            "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
            "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
            "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth",
            "twenty-first",
        ), start=2)),
        minutes={
            1: "one minute", 2: "two minutes", 3: "three minutes", 4: "four minutes",
            5: "five minutes", 6: "six minutes", 7: "seven minutes", 8: "eight minutes",
            9: "nine minutes", 10: "ten minutes", 15: "fifteen minutes",
            20: "twenty minutes", 25: "twenty-five minutes", 30: "thirty minutes",
        },
    ),
    "it": Wording(
        next_in_line="La sua chiamata è la prossima a ricevere risposta.",
        place="La sua chiamata è la {ordinal} in attesa.",
        many_ahead="Prima della sua ci sono più di venti chiamate in attesa.",
        wait_under_a_minute="L'attesa stimata è inferiore a un minuto.",
        wait_about="L'attesa stimata è di circa {minutes}.",
        wait_over_the_cap="L'attesa stimata è superiore a trenta minuti.",
        ordinals=dict(enumerate((
            "seconda", "terza", "quarta", "quinta", "sesta", "settima", "ottava", "nona",
            "decima", "undicesima", "dodicesima", "tredicesima", "quattordicesima",
            "quindicesima", "sedicesima", "diciassettesima", "diciottesima",
            "diciannovesima", "ventesima", "ventunesima",
        ), start=2)),
        minutes={
            1: "un minuto", 2: "due minuti", 3: "tre minuti", 4: "quattro minuti",
            5: "cinque minuti", 6: "sei minuti", 7: "sette minuti", 8: "otto minuti",
            9: "nove minuti", 10: "dieci minuti", 15: "quindici minuti",
            20: "venti minuti", 25: "venticinque minuti", 30: "trenta minuti",
        },
    ),
}  # fmt: skip
LANGUAGES = tuple(WORDINGS)


@dataclass(frozen=True, slots=True)
class Phrase:
    name: str
    text: str

    @property
    def prompt(self) -> str:
        """The name under the language's sounds, as ``prompt_path`` takes it."""
        return f"{FOLDER}/{self.name}"


def announcement(position: int, estimate_seconds: float | None, language: str) -> list[Phrase]:
    """The phrases to play, in order: the place, then the wait if there is an estimate."""
    said = [place(position, WORDINGS[language])]
    if estimate_seconds is not None:
        said.append(wait(estimate_seconds, WORDINGS[language]))
    return said


def place(position: int, words: Wording) -> Phrase:
    if position <= 1:
        return Phrase("next-in-line", words.next_in_line)
    if position - 1 > MOST_AHEAD:
        return Phrase("many-ahead", words.many_ahead)
    return Phrase(f"place-{position}", words.place.format(ordinal=words.ordinals[position]))


def wait(seconds: float, words: Wording) -> Phrase:
    if seconds < 60:
        return Phrase("wait-under-a-minute", words.wait_under_a_minute)
    if seconds > LONGEST_MINUTES * 60:
        return Phrase("wait-over-the-cap", words.wait_over_the_cap)
    minutes = spoken_minutes(seconds)
    return Phrase(f"wait-about-{minutes}", words.wait_about.format(minutes=words.minutes[minutes]))


def spoken_minutes(seconds: float) -> int:
    """Up to the minute under ROUND_TO_FIVE_FROM minutes, to the nearest 5 from there."""
    minutes = seconds / 60
    if minutes <= ROUND_TO_FIVE_FROM:
        return max(1, math.ceil(minutes))
    return 5 * math.floor(minutes / 5 + 0.5)  # half up: 12.5 minutes is said as 15


def every_phrase(language: str) -> list[Phrase]:
    """Every phrase ``announcement`` can choose in ``language``: what the build synthesises."""
    words = WORDINGS[language]
    places = [place(p, words) for p in range(1, MOST_AHEAD + 3)]
    under = [wait(0, words), wait(LONGEST_MINUTES * 60 + 1, words)]
    abouts = [wait(60 * m, words) for m in sorted(words.minutes)]
    return places + under + abouts
