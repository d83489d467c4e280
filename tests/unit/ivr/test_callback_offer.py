"""The callback offer's dialogue, stepped with no loop and no mocks, and its numbers."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ivr import steps as s
from ivr.callback_offer import (
    TRIES,
    Dialogue,
    callback_number,
    callback_texts,
    offer_dialogue,
    prompt,
)

ITALY = re.compile(r"0[1-9][0-9]{5,9}|3[0-9]{8,9}")  # the example trunk's outbound patterns


def italian(number: str) -> bool:
    return ITALY.fullmatch(number) is not None


def anything(number: str) -> bool:
    return True


def run(flow: Dialogue, answers: Sequence[s.Result]) -> tuple[list[s.Step], str | None]:
    """Step ``flow``, answering each Collect in turn (other steps get None)."""
    seen: list[s.Step] = []
    todo = list(answers)
    step = next(flow)
    try:
        while True:
            seen.append(step)
            step = flow.send(todo.pop(0) if isinstance(step, s.Collect) else None)
    except StopIteration as stop:
        assert not todo, f"answers left: {todo}"
        return seen, stop.value


def test_no_key_or_another_key_leaves_the_caller_waiting() -> None:
    assert run(offer_dialogue("1", "3331234567", italian), [""]) == (
        [s.Collect("callback/offer-1", 4.0)], None)  # fmt: skip
    assert run(offer_dialogue("1", "3331234567", italian), ["5"])[1] is None


def test_the_caller_confirms_its_own_number() -> None:
    steps, number = run(offer_dialogue("1", "+393331234567", italian), ["1", "1"])
    assert number == "3331234567"  # as the trunk dials it
    assert steps[1:] == [s.Play(prompt("your-number")), s.SayDigits("3331234567", False),
                         s.Collect(prompt("confirm"), 6.0)]  # fmt: skip


def test_a_withheld_number_must_key_one_and_a_bad_one_is_asked_again() -> None:
    steps, number = run(offer_dialogue("1", "anonymous", italian),
                        ["1", "12", "059205111", "1"])  # fmt: skip
    assert number == "059205111"
    assert s.Play(prompt("invalid-number")) in steps
    assert [st for st in steps if isinstance(st, s.Collect)][1].max_digits == 16


def test_another_number_instead_of_the_callers() -> None:
    _, number = run(offer_dialogue("#", "3331234567", italian),
                    ["#", "2", "0592032032", "1"])  # fmt: skip
    assert number == "0592032032"


def test_tries_are_bounded_then_the_caller_stays_in_line() -> None:
    steps, number = run(offer_dialogue("1", "", italian), ["1"] + ["999"] * TRIES)
    assert number is None
    assert steps[-1] == s.Play(prompt("not-taken"))
    steps, number = run(offer_dialogue("1", "3331234567", italian), ["1"] + [""] * TRIES)
    assert (number, steps[-1]) == (None, s.Play(prompt("not-taken")))


def test_numbers_valid_in_italy_or_abroad_in_the_form_the_trunk_dials() -> None:
    assert callback_number("059 2032032", italian) is None  # not digits
    assert callback_number("0592032032", italian) == "0592032032"
    assert callback_number("+390592032032", italian) == "0592032032"
    assert callback_number("3331234567", italian) == "3331234567"
    assert callback_number("12345", italian) is None  # not a number that can exist
    assert callback_number("00442079460000", italian) is None  # abroad: the trunk refuses
    assert callback_number("00442079460000", anything) == "+442079460000"
    assert callback_number("00442079460000", lambda n: n.startswith("00")) == "00442079460000"
    assert callback_number("", anything) is None
    assert callback_number("9" * 30, anything) is None


def test_texts_name_the_offers_key_in_each_language() -> None:
    texts = {(lang, p.name): p.text for lang, p in callback_texts(["1", "#"])}
    assert texts[("it", "offer-hash")].endswith("premete cancelletto.")
    assert texts[("en", "offer-1")].endswith("press 1.")
    assert ("en", "confirmed") in texts
