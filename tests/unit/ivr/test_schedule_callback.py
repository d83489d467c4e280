"""The ``schedule_callback`` node, stepped with no loop and no mocks (flows.yaml: menu key 6
on Monday 30 November 2026 at 10:00 in Modena; the URP opens 08:30-13:00 and 14:00-18:00 on
Mondays, 08:30-18:00 on Tuesdays)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ivr import steps as s
from ivr.calendar import build_calendar
from ivr.callback_offer import TRIES
from ivr.callback_offer import prompt as offer_prompt
from ivr.flow import run_tree
from ivr.model import MAX_SLOTS, Holidays
from ivr.prompts import schedule_texts
from ivr.schedule_callback import (
    DAYS_BY_NAME,
    OUTCOME,
    WEEKDAYS,
    offered_slots,
    prompt,
    slot_words,
)
from ivr.walk import Walk, make_context
from tests.unit.ivr.helpers import CFG, MONDAY_10

ITALY = re.compile(r"0[1-9][0-9]{5,9}|3[0-9]{8,9}")
ROME = ZoneInfo("Europe/Rome")
CALLER = "+393331234567"
TODAY_14 = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # this afternoon's opening
TOMORROW_0830 = datetime(2026, 12, 1, 7, 30, tzinfo=UTC)


def dialable(service: str, number: str) -> bool:
    return service == "urp" and ITALY.fullmatch(number) is not None


def run(
    keys: Sequence[str], booked: Sequence[str] = (s.BOOKED,), caller: str = CALLER,
    at: datetime = MONDAY_10,
) -> tuple[list[s.Step], Walk]:  # fmt: skip
    """From the menu's key 6: each Collect answered with the next of ``keys``, each Play
    with None (a key pressed during one: a ``keys`` item "play:K"), each booking with the
    next of ``booked``; up to the flow's final step."""
    walk, todo, answers = Walk(caller=caller), ["6", *keys], list(booked)
    flow = run_tree(make_context(CFG, lambda: at, dialable), "main", walk)
    seen = [next(flow)]  # the welcome
    while not isinstance(seen[-1], s.Final):
        step, answer = seen[-1], None
        if isinstance(step, s.Collect) or (isinstance(step, s.Play) and todo
                                           and todo[0].startswith("play:")):  # fmt: skip
            answer = todo.pop(0).removeprefix("play:")
        elif isinstance(step, s.ScheduleCallback):
            answer = answers.pop(0)
        seen.append(flow.send(answer))
    assert not todo, f"keys left: {todo}"
    return seen[seen.index(s.Play("welcome", s.DTMF)) + 2 :], walk  # from the node on


def visit(walk: Walk) -> tuple[str, str]:
    later = next(v for v in walk.visits if v.node == "later")
    return later.entered, later.result


def test_the_caller_chooses_a_slot_and_confirms_its_own_number() -> None:
    steps, walk = run(["2", "1"])
    assert steps == [
        s.Play(prompt("intro"), s.DTMF),
        s.Play(prompt("today-afternoon"), s.DTMF), s.Play(prompt("press-1"), s.DTMF),
        s.Play(prompt("tomorrow-morning"), s.DTMF), s.Collect(prompt("press-2"), 5),
        s.Play(offer_prompt("your-number")), s.SayDigits("3331234567", False),
        s.Collect(offer_prompt("confirm"), 6.0),
        s.ScheduleCallback("urp", "3331234567", TOMORROW_0830),
        s.Play(prompt("booked")),
        s.Hangup(OUTCOME),
    ]  # fmt: skip
    assert visit(walk) == ("2", "scheduled")
    assert walk.keys() == ("6",)  # the slot's key is not a menu path


def test_a_key_during_the_phrases_is_taken_at_once() -> None:
    steps, _ = run(["play:1", "1"])
    assert steps[:2] == [s.Play(prompt("intro"), s.DTMF), s.Play(offer_prompt("your-number"))]
    assert s.ScheduleCallback("urp", "3331234567", TODAY_14) in steps


def test_a_withheld_caller_keys_its_number() -> None:
    steps, _ = run(["1", "0592032032", "1"], caller="anonymous")
    assert s.Collect(offer_prompt("key-number"), 12.0, 16) in steps
    assert s.ScheduleCallback("urp", "0592032032", TODAY_14) in steps


def test_wrong_keys_and_silence_are_bounded_then_the_fallback() -> None:
    steps, walk = run(["7", "", "0"])
    assert steps.count(s.Play(prompt("invalid-choice"))) == 2
    assert steps.count(s.Play(prompt("intro"), s.DTMF)) == 1  # said once, the slots again
    assert steps[-1] == s.Enqueue("urp", 3, "urp >= 1")  # the node's fallback: the queue
    assert visit(walk) == ("", "fallback")
    assert not any(isinstance(step, s.ScheduleCallback) for step in steps)


def test_no_number_taken_books_nothing() -> None:
    steps, walk = run(["1"] + ["999"] * TRIES, caller="")
    assert s.Play(prompt("not-taken")) in steps
    assert not any(isinstance(step, s.ScheduleCallback) for step in steps)
    assert (visit(walk)[1], steps[-1]) == ("fallback", s.Enqueue("urp", 3, "urp >= 1"))


def test_one_already_booked_or_refused_says_so_and_goes_to_the_fallback() -> None:
    for answer, phrase in ((s.ALREADY_BOOKED, "already-booked"), (s.REFUSED, "not-taken")):
        steps, walk = run(["1", "1"], booked=[answer])
        assert steps[-2:] == [s.Play(prompt(phrase)), s.Enqueue("urp", 3, "urp >= 1")]
        assert visit(walk) == ("1", answer)


def test_a_time_gone_meanwhile_offers_the_slots_again_keeping_the_number() -> None:
    steps, walk = run(["1", "1", "2"], booked=[s.BAD_TIME, s.BOOKED])
    gone = steps.index(s.Play(prompt("slot-gone")))
    assert steps[gone + 1] == s.Play(prompt("today-afternoon"), s.DTMF)  # no intro again
    assert steps.count(s.Play(offer_prompt("your-number"))) == 1
    assert s.ScheduleCallback("urp", "3331234567", TOMORROW_0830) in steps[gone:]
    assert (visit(walk), steps[-1]) == (("2", "scheduled"), s.Hangup(OUTCOME))


def test_no_slot_ahead_says_so() -> None:
    never = build_calendar({}, Holidays(), "Europe/Rome")
    assert offered_slots(never, MONDAY_10, 2, ROME) == []
    # Thursday 24 December at noon (a closure, then Christmas, Santo Stefano, Sunday): the
    # next slots are Monday 28 December's, named by their weekday
    cal = make_context(CFG, lambda: MONDAY_10).calendars["service:urp"]
    eve = datetime(2026, 12, 24, 11, 0, tzinfo=UTC)
    [monday, afternoon] = offered_slots(cal, eve, 2, ROME)
    assert slot_words(monday, eve, ROME) == [s.Play(prompt("monday-morning"), s.DTMF)]
    assert slot_words(afternoon, eve, ROME) == [s.Play(prompt("monday-afternoon"), s.DTMF)]


def test_one_slot_per_day_and_part_and_the_date_when_far() -> None:
    cal = build_calendar({"wed": ("09:00-10:00", "11:00-12:00", "15:00-16:00")}, Holidays(),
                         "Europe/Rome")  # fmt: skip
    slots = offered_slots(cal, MONDAY_10, 3, ROME)
    assert [sl.start.astimezone(ROME).hour for sl in slots] == [9, 15, 9]  # not 11
    far = slots[2]  # Wednesday 9 December: nine days ahead, said by its date
    assert (far.start.date() - MONDAY_10.date()).days > DAYS_BY_NAME
    assert slot_words(far, MONDAY_10, ROME) == [s.SayTime(far.start, "date"),
                                                s.Play(prompt("morning"), s.DTMF)]  # fmt: skip


def test_every_phrase_the_node_says_is_built_in_both_languages() -> None:
    built = {(t.language, t.name) for t in schedule_texts() if t.text}
    names = ["intro", "invalid-choice", "no-slots", "slot-gone", "booked", "already-booked",
             "not-taken", "morning", "afternoon",
             *(f"press-{k}" for k in range(1, MAX_SLOTS + 1)),
             *(f"{day}-{part}" for day in ("today", "tomorrow", *WEEKDAYS)
               for part in ("morning", "afternoon"))]  # fmt: skip
    assert {(lang, prompt(n)) for lang in ("it", "en") for n in names} <= built
    texts = {(t.language, t.name): t.text for t in schedule_texts()}
    assert texts[("it", prompt("tomorrow-morning"))] == "Domani mattina,"
    assert texts[("en", prompt("press-2"))] == "press 2."
