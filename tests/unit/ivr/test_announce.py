"""The announcer: it plays the call's phrases in the channel's language, and only reads."""

from __future__ import annotations

from ivr.announce import Announcer
from tests.unit.telephony.fakes import run


class FakeSession:
    uniqueid = "1732806000.3"

    def __init__(self, language: str) -> None:
        self.language = language
        self.played: list[str] = []

    async def stream_file(self, file: str, escape_digits: str = "") -> str | None:
        self.played.append(file)
        return None


def sound(language: str, name: str) -> str:
    return f"/srv/centralino/x/sounds/{language}/{name}"


def played(figures: dict[str, tuple[int, float | None]], language: str) -> list[str]:
    session = FakeSession(language)
    run(lambda: Announcer(figures.get, sound, "it").serve(session))
    return session.played


def test_the_call_hears_its_place_and_wait_in_its_language() -> None:
    assert played({"1732806000.3": (2, 150.0)}, "en") == [
        "/srv/centralino/x/sounds/en/announce/place-2",
        "/srv/centralino/x/sounds/en/announce/wait-about-3",
    ]
    assert played({"1732806000.3": (1, None)}, "it") == [
        "/srv/centralino/x/sounds/it/announce/next-in-line",
    ]


def test_a_language_without_phrases_falls_back_to_the_centers() -> None:
    assert played({"1732806000.3": (1, None)}, "fr") == [
        "/srv/centralino/x/sounds/it/announce/next-in-line",
    ]


def test_a_call_no_longer_waiting_hears_nothing() -> None:
    assert played({}, "en") == []  # answered or gone meanwhile
