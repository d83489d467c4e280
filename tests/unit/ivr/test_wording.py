"""The wording of the place-and-wait announcement, in both languages, and its bounded set."""

from __future__ import annotations

import pytest

from ivr.prompts import LANGUAGES as PROMPT_LANGUAGES
from ivr.wording import LANGUAGES, announcement, every_phrase, spoken_minutes


def said(position: int, estimate: float | None, language: str) -> list[str]:
    return [phrase.text for phrase in announcement(position, estimate, language)]


def names(position: int, estimate: float | None) -> list[str]:
    return [phrase.name for phrase in announcement(position, estimate, "en")]


def test_third_in_line_about_two_minutes() -> None:
    assert said(3, 110, "en") == [
        "You are third in line.",
        "The estimated wait is about two minutes.",
    ]
    assert said(3, 110, "it") == [
        "La sua chiamata è la terza in attesa.", "L'attesa stimata è di circa due minuti.",
    ]  # fmt: skip
    assert names(3, 110) == ["place-3", "wait-about-2"]


def test_first_is_next_in_line_second_is_an_ordinal() -> None:
    assert said(1, None, "en") == ["You are next in line."]
    assert said(1, None, "it") == ["La sua chiamata è la prossima a ricevere risposta."]
    assert said(2, None, "en") == ["You are second in line."]
    assert said(2, None, "it") == ["La sua chiamata è la seconda in attesa."]


def test_twenty_callers_ahead_are_counted_more_are_not() -> None:
    assert said(21, None, "en") == ["You are twenty-first in line."]
    assert said(21, None, "it") == ["La sua chiamata è la ventunesima in attesa."]
    assert said(22, None, "en") == ["More than twenty callers are ahead of you."]
    assert said(500, None, "it") == ["Prima della sua ci sono più di venti chiamate in attesa."]


@pytest.mark.parametrize(
    ("seconds", "en", "it"),
    [
        (0, "less than a minute.", "inferiore a un minuto."),
        (59, "less than a minute.", "inferiore a un minuto."),
        (60, "about one minute.", "di circa un minuto."),
        (61, "about two minutes.", "di circa due minuti."),
        (7 * 60 - 30, "about seven minutes.", "di circa sette minuti."),
        (45 * 60, "more than thirty minutes.", "superiore a trenta minuti."),
    ],
)
def test_the_wait_in_words(seconds: float, en: str, it: str) -> None:
    assert said(1, seconds, "en")[1] == f"The estimated wait is {en}"
    assert said(1, seconds, "it")[1] == f"L'attesa stimata è {it}"


def test_no_estimate_says_only_the_place() -> None:
    assert names(4, None) == ["place-4"]


@pytest.mark.parametrize(
    ("minutes", "spoken"),
    [(0.2, 1), (1, 1), (1.01, 2), (9.5, 10), (10, 10), (12.4, 10), (12.5, 15), (27.6, 30),
     (30, 30)],
)  # fmt: skip
def test_minutes_go_up_under_ten_then_to_the_nearest_five(minutes: float, spoken: int) -> None:
    assert spoken_minutes(minutes * 60) == spoken


def test_the_longest_figure_said_is_thirty_minutes() -> None:
    assert names(1, 30 * 60) == ["next-in-line", "wait-about-30"]
    assert names(1, 30 * 60 + 1) == ["next-in-line", "wait-over-the-cap"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_choice_is_in_the_set_the_build_synthesises(language: str) -> None:
    built = {p.name: p for p in every_phrase(language)}
    assert len(built) == len(every_phrase(language)) == 38  # names are unique
    for position in range(1, 40):
        for seconds in range(0, 40 * 60, 7):
            for phrase in announcement(position, seconds, language):
                assert built[phrase.name] == phrase


def test_phrases_exist_in_every_prompt_language_and_only_those() -> None:
    assert set(LANGUAGES) == set(PROMPT_LANGUAGES)
    en, it = ({p.name for p in every_phrase(lang)} for lang in ("en", "it"))
    assert en == it
