"""Every node type, stepped by hand: feed results, read the steps and the recorded walk."""

from __future__ import annotations

from datetime import UTC, datetime

from ivr.steps import (
    DTMF,
    Collect,
    Enqueue,
    Hangup,
    KeepRecording,
    Lookup,
    Play,
    PlayRecording,
    Record,
    SayDigits,
    SayTime,
    SayWait,
    SetLanguage,
    Transfer,
)
from tests.unit.ivr.helpers import MONDAY_10, run

MENU = Collect("menu", 4)


def test_play_then_menu_then_enqueue_with_priority_and_requirement() -> None:
    seen, walk = run([None, "1", None])
    assert seen == [Play("welcome", DTMF), MENU, Enqueue("urp", 3, "urp >= 1")]
    assert walk.keys() == ("1",)
    assert walk.path == ["welcome", "hours", "menu=1", "queue"]
    assert [(v.node, v.entered, v.result) for v in walk.visits][:3] == [
        ("welcome", "", ""), ("hours", "", "open"), ("menu", "1", ""),
    ]  # fmt: skip
    assert all(v.at == MONDAY_10 for v in walk.visits)


def test_key_during_the_welcome_acts_at_once() -> None:
    seen, walk = run(["1", None])
    assert seen == [Play("welcome", DTMF), Enqueue("urp", 3, "urp >= 1")]
    assert walk.keys() == ("1",)


def test_wrong_keys_reprompt_then_fallback() -> None:
    seen, walk = run([None, "7", None, "", None, "8"])
    assert seen[1:] == [MENU, Play("invalid", DTMF), MENU, Play("silence", DTMF), MENU,
                        Enqueue("urp", 3, "urp >= 1")]  # fmt: skip
    assert walk.keys() == ()
    assert walk.visits[2].result == "fallback"


def test_language_node_sets_the_language_and_the_menu_is_heard_again() -> None:
    seen, walk = run([None, "9", None, "1"])
    assert seen[2:4] == [SetLanguage("en"), MENU]
    assert walk.language == "en"
    assert walk.keys() == ("9", "1")


def test_say_wait_date_and_digits() -> None:
    seen, _ = run([None, "5", None, None, None, None])
    assert seen[2:] == [SayWait("urp"), SayTime(MONDAY_10, "date"), SayDigits("1234", False),
                        Play("bye"), Hangup("closed")]  # fmt: skip


def test_transfer_ends_the_flow() -> None:
    seen, _ = run([None, "4"])
    assert seen[-1] == Transfer("0592032000")


def test_message_listen_record_again_then_keep() -> None:
    seen, walk = run([None, "3", None, "rec-1", None, "2", "rec-2", "1", None, None])
    assert seen[2:] == [
        Play("record"), Record(30), PlayRecording("rec-1"), Collect("confirm", 5),
        Record(30), PlayRecording("rec-2"), KeepRecording("rec-2"), Play("saved"),
        Play("bye"),
    ]  # fmt: skip
    assert walk.visits[-2].result == "saved"


def test_message_nothing_recorded_goes_on() -> None:
    seen, walk = run([None, "3", None, ""])
    assert seen[-1] == Play("bye")
    assert walk.visits[-2].result == "empty"


def test_goto_collect_lookup_found_and_say_opening() -> None:
    seen, walk = run([None, "2", "123456", {"act_number": "123456"}, None, None, None])
    assert seen[2:4] == [Collect("number", 5, 8), Lookup("deposited-act", "123456")]
    # Monday 10:00: the desk (Mon and Thu 09:00-12:00) opens next on Thursday at 09:00.
    assert seen[4:7] == [Play("found", DTMF), Play("opens"),
                         SayTime(datetime(2026, 12, 3, 8, 0, tzinfo=UTC), "datetime")]  # fmt: skip
    assert seen[7] == SayDigits("123456", True)
    assert walk.path[3:] == ["acts", "number", "find", "found", "opens", "say-act"]
    assert walk.values["act"] == "123456"
    assert walk.visits[3].tree == "main"
    assert walk.visits[4].tree == "acts"
    assert walk.visits[5].result == "found"


def test_lookup_not_found() -> None:
    seen, walk = run(["123456", None, None], tree="acts")
    assert seen[1:3] == [Lookup("deposited-act", "123456"), Play("missing", DTMF)]
    assert walk.visits[1].result == "not-found"


def test_collect_checks_length_and_pattern_then_falls_back() -> None:
    seen, walk = run(["12", None, "99999"], tree="acts")
    assert seen == [Collect("number", 5, 8), Play("invalid"), Collect("number", 5, 8), Play("bye")]
    assert walk.visits[0].result == "fallback"
    assert "act" not in walk.values


def test_collect_takes_a_key_typed_ahead_without_the_prompt() -> None:
    seen, _ = run([None, "2", "0001", {"x": "y"}], tree="main")
    # "2" chose the acts; nothing was typed ahead, so the prompt plays.
    assert seen[2] == Collect("number", 5, 8)
    seen, _walk = run(["1", None], tree="acts")  # no type-ahead in this tree: first is Collect
    assert seen[0] == Collect("number", 5, 8)


def test_closed_holiday_patron_day_and_dated_closure() -> None:
    lunch = datetime(2026, 11, 30, 12, 30, tzinfo=UTC)  # 13:30 in Modena
    assert run([None], at=lunch)[0][1] == Play("closed", DTMF)
    immacolata = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    seen, walk = run([None], at=immacolata)
    assert walk.path[-1] == "holiday"
    assert walk.visits[1].result == "holiday"
    patron = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)  # a Saturday, normally open
    assert run([None], at=patron)[1].path[-1] == "holiday"
    christmas_eve = datetime(2026, 12, 24, 9, 0, tzinfo=UTC)
    seen, walk = run([None, None], at=christmas_eve)
    assert seen[1:3] == [Play("xmas"), Play("closed", DTMF)]
    assert walk.visits[1].result == "closure"
