"""The demo's citizens: a call for every share of the rate asked, and the figures at the end."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from acd.config import load_config
from acd.core.contact import Contact
from demo.run import (
    CALLBACK_EVERY,
    CALLBACK_KEYING,
    CITIZENS_AT_MOST,
    ENDLESS_CALLS,
    KEY_AFTER_SECONDS,
    PATIENCE_SECONDS,
    call_plan,
    callbacks_summary,
    menu_keys,
    summary,
)
from demo.sipp import Citizen

MODENA = load_config(Path("examples/modena.yaml"))
T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def test_three_minutes_at_150_a_minute_are_450_calls_from_450_citizens() -> None:
    plan = call_plan(MODENA, 150, 3, random.Random(1))
    assert (plan.per_minute, plan.calls, len(plan.citizens)) == (150, 450, 450)
    assert len({c.caller for c in plan.citizens}) == 450  # nobody counts as calling back


def test_every_service_gets_a_caller_first_then_keys_at_random() -> None:
    plan = call_plan(MODENA, 150, 3, random.Random(1))
    keys = menu_keys(MODENA)
    keyed = [c.dtmf[0][1] for c in plan.citizens]
    assert sorted(keyed[: len(keys)]) == keys
    assert set(keyed) == set(keys)


def test_the_bound_on_calls_at_once_never_holds_the_rate_back() -> None:
    plan = call_plan(MODENA, 150, 3, random.Random(1))
    longest = max(sum(d for d, _ in c.dtmf) + (c.hangup_after or 0) for c in plan.citizens)
    keying = sum(d for d, _ in CALLBACK_KEYING)
    assert longest <= KEY_AFTER_SECONDS[1] + keying + PATIENCE_SECONDS[1]
    assert plan.max_open >= 150 / 60 * longest  # every call started while one lasts
    assert plan.max_open <= 150 / 60 * 400  # ...and not unbounded


def test_one_citizen_in_four_waits_on_keying_1_to_accept_a_callback() -> None:
    plan = call_plan(MODENA, 150, 3, random.Random(1))
    patient = [c for c in plan.citizens if len(c.dtmf) > 1]
    assert len(patient) == len(plan.citizens) // CALLBACK_EVERY
    assert {digit for c in patient for _, digit in c.dtmf[1:]} == {"1"}


def test_a_run_until_ctrl_c_cycles_through_a_bounded_crowd() -> None:
    plan = call_plan(MODENA, 10, 0, random.Random(1))
    assert (plan.calls, len(plan.citizens)) == (ENDLESS_CALLS, CITIZENS_AT_MOST)


def test_a_citizen_is_one_line_of_the_injection_file() -> None:
    line = Citizen("3330000001", ((4.2, "2"),), 90).injection_line()
    assert line == "3330000001;4200:2;90000;3330000001"
    assert Citizen("3330000002", display="Rossi").injection_line() == "3330000002;none;0;Rossi"
    with pytest.raises(ValueError, match="display name"):
        Citizen("3330000003", display="a;b").injection_line()


def test_summary_counts_what_became_of_the_calls() -> None:
    contacts = [
        *(_contact(f"a{i}", "answered", answered=True) for i in range(3)),
        _contact("a3", "queued", answered=True, ended=False),  # talking now
        *(_contact(f"b{i}", "abandoned") for i in range(4)),
        _contact("c1", "overflow"),
        _contact("c2", "voicemail"),
        _contact("d1", "self-service"),
        _contact("d2", "ivr-hangup"),
        _contact("f1", "callback-failed"),
        _contact("e1", "queued", ended=False),  # waiting in line
        _contact("e2", None, ended=False),  # in the IVR
    ]
    text = summary(150, 3.0, 448, contacts)
    assert text.splitlines() == [
        "demo: 3.0 minutes at 150 calls a minute asked (450 calls): 448 placed "
        "(100% of the rate asked), 15 reached the center",
        "demo:     4 answered by an agent (talking now or done; called back included)",
        "demo:     4 abandoned in the queue",
        "demo:     2 overflowed (a message or voicemail instead of an agent)",
        "demo:     1 called back but not reached (or cancelled)",
        "demo:     2 ended in the IVR (self-service, closed, hung up there)",
        "demo:     2 waiting or in the IVR when the demo ended",
    ]


def _contact(
    contact_id: str, outcome: str | None, answered: bool = False, ended: bool = True
) -> Contact:
    return Contact(
        contact_id, "3330000000", "0592032032", T0, outcome=outcome,
        answered_at=T0 if answered else None, ended_at=T0 if ended else None,
    )  # fmt: skip


def test_the_callbacks_accepted_are_counted_by_outcome() -> None:
    text = callbacks_summary({"answered": 3, "pending": 1, "callback-message": 1})
    assert text == "demo:     5 callbacks accepted (3 answered, 1 callback-message, 1 pending)"
    assert callbacks_summary({}) == "demo:     0 callbacks accepted"
