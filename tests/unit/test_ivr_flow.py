"""The sample city's tree, stepped by hand (every node type: tests/unit/ivr/)."""

from datetime import UTC, datetime

from acd.config import load_config
from ivr.steps import DTMF, Collect, Enqueue, Hangup, Play, Result, SayTime, SetLanguage, Step
from ivr.walk import Walk
from tests.unit.ivr.helpers import run as step_through

CFG = load_config("examples/modena.yaml")
OPEN = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # a Wednesday, 10:00 in Modena
MENU = Collect("services-menu", 5)


def steps(answers: list[Result], at: datetime = OPEN) -> tuple[list[Step], Walk]:
    return step_through(answers, at, cfg=CFG)


def test_greeting_menu_and_enqueue() -> None:
    seen, walk = steps([None, "2", None])
    assert seen[:3] == [Play("welcome", DTMF), MENU, Enqueue("informagiovani")]
    assert walk.keys() == ("2",)
    assert walk.path == ["welcome", "open-now", "services=2", "to-informagiovani"]


def test_wrong_key_reprompts_then_falls_back() -> None:
    seen, walk = steps([None, "7", None, "8", None, "0"])
    assert seen[2] == Play("invalid", DTMF)
    assert seen[-1] == Enqueue("urp")
    assert walk.path[-1] == "to-urp"
    assert walk.keys() == ()


def test_silence_falls_back_after_retries() -> None:
    seen, _ = steps([None, "", None, "", None, ""])
    assert seen[1::2][:3] == [MENU] * 3
    assert seen[-1] == Enqueue("urp")


def test_english_then_the_same_menu() -> None:
    seen, walk = steps([None, "9", None, "1"])
    assert seen[2:4] == [SetLanguage("en"), MENU]
    assert walk.language == "en"


def test_patron_day_offers_the_closed_menu_and_acts_on_the_holiday() -> None:
    patron = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)  # a Saturday, 10:00: URP normally open
    seen, walk = steps([None, None], at=patron)
    assert seen[1:3] == [Play("holiday", DTMF), Collect("closed-menu", 5)]
    assert walk.visits[1].result == "holiday"


def test_acts_desk_opening_is_spoken() -> None:
    seen, _ = steps([None, "6", "100234", {"act_number": "100234"}, None, None])
    # Wednesday 10:00: the acts desk is open until 18:30, so next opening is Thursday 08:30.
    assert seen[-1] == SayTime(datetime(2026, 12, 3, 7, 30, tzinfo=UTC), "datetime")


def test_closed_message_branch() -> None:
    night = datetime(2026, 12, 2, 22, 0, tzinfo=UTC)
    seen, walk = steps([None, "1", None, ""], at=night)
    assert seen[1] == Collect("closed-menu", 5)
    assert seen[-1] == Play("goodbye")
    seen, walk = steps([None, "", "", None], at=night)
    assert seen[-2:] == [Play("goodbye"), Hangup("closed")]
    assert walk.path[-1] == "goodbye"
