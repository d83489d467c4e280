"""The announcer: it plays the call's phrases in the channel's language, and only reads."""

from __future__ import annotations

from typing import Any

from ivr.announce import Announcer, Chance
from tests.unit.telephony.fakes import run


class FakeSession:
    uniqueid = "1732806000.3"

    def __init__(self, language: str, keys: list[str] | None = None, caller: str = "") -> None:
        self.language = language
        self.played: list[str] = []
        self.keys = keys or []  # answered to GET DATA in turn
        self.headers = {"agi_callerid": caller}
        self.variables: dict[str, str] = {}

    async def stream_file(self, file: str, escape_digits: str = "") -> str | None:
        self.played.append(file)
        return None

    async def get_data(self, file: str, timeout_ms: int, max_digits: int) -> str:
        self.played.append(file)
        return self.keys.pop(0) if self.keys else ""

    async def set_variable(self, name: str, value: str) -> None:
        self.variables[name] = value

    async def command(self, text: str, timeout: float | None = None) -> Any:
        self.played.append(text)
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


class Offers:
    """The core's side: a chance for every call, requests accepted unless ``refuse``."""

    def __init__(self, refuse: bool = False) -> None:
        self.refuse = refuse
        self.requested: list[tuple[str, str]] = []

    def chance(self, call_id: str) -> Chance | None:
        return Chance("1", lambda number: number.startswith(("0", "3")))

    async def request(self, call_id: str, number: str) -> bool:
        self.requested.append((call_id, number))
        return not self.refuse


def offered(session: FakeSession, offers: Offers) -> list[str]:
    run(lambda: Announcer({session.uniqueid: (3, 600.0)}.get, sound, "it", offers).serve(session))
    return [p.rsplit("/", 2)[-2] + "/" + p.rsplit("/", 1)[-1] if "/" in p else p
            for p in session.played]  # fmt: skip


def test_after_the_announcement_the_offer_takes_a_confirmed_number() -> None:
    offers = Offers()
    session = FakeSession("en", ["1", "1"], caller="3331234567")
    assert offered(session, offers) == [
        "announce/place-3", "announce/wait-about-10", "callback/offer-1",
        "callback/your-number", 'SAY DIGITS 3331234567 ""', "callback/confirm",
        "callback/confirmed",
    ]  # fmt: skip
    assert offers.requested == [("1732806000.3", "3331234567")]
    assert session.variables == {"CENTRALINO_DONE": "1"}  # the dialplan hangs up


def test_an_offer_declined_or_refused_leaves_the_caller_waiting() -> None:
    session = FakeSession("it", [""], caller="3331234567")
    assert offered(session, Offers())[-1] == "callback/offer-1"
    assert session.variables == {}
    session = FakeSession("it", ["1", "1"], caller="3331234567")
    assert offered(session, Offers(refuse=True))[-1] == "callback/not-taken"
    assert session.variables == {}
