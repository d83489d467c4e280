"""The IVR on the real stack: sipp callers keying DTMF (SIP INFO) through the trees.

The engine's IVR clock is set on a public holiday (8 December, Immacolata) with
``CENTRALINO_FAKE_NOW``; the deposited acts are imported with ``centralino acts import``.
All the callers ring at once (one sipp each), then each test reads what its call left in
PostgreSQL: the contact, the IVR session and every step.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from demo.sipp import KEYS_UNTIL_BYE, SippCaller, SippResult, _Sipp, free_media_port, scenario_file
from tests.e2e.stack import Stack, eventually
from tests.e2e.test_privacy import personal_lines

pytestmark = pytest.mark.stack

CENTER = Path(__file__).with_name("ivr.yaml")
ENGINE_ENV = {"CENTRALINO_FAKE_NOW": "2026-12-08T10:00:00+01:00"}  # a Tuesday, a holiday
ACTS = Path(__file__).with_name("acts.csv")


def keys(first: float, *digits: str, gap: float = 0.25) -> list[tuple[float, str]]:
    return [(first if i == 0 else gap, d) for i, d in enumerate(digits)]


CALLS: dict[str, tuple[str, list[tuple[float, str]], float | None]] = {
    "holiday": ("3331000001", keys(1.0, "1"), None),
    "act-found": ("3331000002", keys(1.0, "2") + keys(2.0, *"100234#"), None),
    "english": ("3331000003", keys(1.0, "9") + keys(2.0, "2") + keys(2.0, *"100235#"), None),
    "wrong-keys": ("3331000004", keys(1.0, "7") + keys(1.5, "8"), 4.0),
    "hang-up": ("3331000005", keys(1.0, "2"), 1.0),
    "transfer": ("3331000007", keys(1.0, "3"), None),
}


def centralino(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CENTRALINO_DATABASE_URL=stack.dsn)
    argv = [sys.executable, "-m", "acd.cli", *args]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def calls(stack: Stack) -> dict[str, SippResult]:
    imported = centralino(stack, "acts", "import", str(ACTS))
    assert imported.returncode == 0, imported.stderr
    collected = centralino(stack, "acts", "collected", "100235")
    assert collected.returncode == 0, collected.stderr
    # A far end's BYE is taken even before the last digit's INFO is answered: the transfer's
    # Dial fails at once, and under load its BYE has come first (seen in CI).
    callers = {
        name: SippCaller(stack.number, stack.cfg.ports.sip, dtmf=dtmf, hangup_after=after,
                         caller=number,
                         scenario=KEYS_UNTIL_BYE if after is None else "uac_call.xml")
        for name, (number, dtmf, after) in CALLS.items()
    }  # fmt: skip
    for caller in callers.values():
        caller.start()
    results = {name: caller.wait(60) for name, caller in callers.items()}
    for name, (number, _, _) in CALLS.items():
        eventually(lambda n=number: stack.contact(n), 20, f"the contact of {name}")  # type: ignore[misc]
    return results


def session(stack: Stack, caller: str) -> tuple[dict[str, object], list[tuple[str, str, str]]]:
    row = stack.contact(caller)
    assert row is not None
    cid = row["contact_id"]
    ivr = eventually(lambda: stack.query("select * from ivr_sessions where contact_id = $1", cid),
                     10, "the IVR session")  # fmt: skip
    steps = stack.query(
        "select node, entered, result from ivr_steps where contact_id = $1 order by seq", cid
    )
    return {**dict(row), **{f"ivr_{k}": v for k, v in dict(ivr[0]).items()}}, [
        (s["node"], s["entered"], s["result"]) for s in steps
    ]


def test_every_call_went_through(calls: dict[str, SippResult]) -> None:
    for name, result in calls.items():
        assert result.ok, (name, result.errors)


def test_holiday_takes_the_closed_branch(stack: Stack, calls: dict[str, SippResult]) -> None:
    row, steps = session(stack, "3331000001")
    assert (row["outcome"], list(row["ivr_path"])) == ("closed", ["1"])  # type: ignore[call-overload]
    assert steps == [("menu", "1", ""), ("open-now", "", "holiday"), ("holiday", "", ""),
                     ("bye", "", "")]  # fmt: skip
    assert (row["ivr_outcome"], row["ivr_left_at"]) == ("closed", "bye")


def test_deposited_act_found_and_its_desk_opening_spoken_in_italian(
    stack: Stack, calls: dict[str, SippResult]
) -> None:
    row, steps = session(stack, "3331000002")
    assert row["outcome"] == "self-service"
    assert ("act-number", "100234", "") in steps
    assert ("find", "", "found") in steps
    assert row["ivr_language"] == "it"
    missing = [line for line in _asterisk_log(stack) if "does not exist" in line]
    assert not missing, missing  # core sounds (digits, days, months) found in Italian


def test_english_chosen_and_a_collected_act_is_not_found(
    stack: Stack, calls: dict[str, SippResult]
) -> None:
    row, steps = session(stack, "3331000003")
    assert row["ivr_language"] == "en"
    assert list(row["ivr_path"]) == ["9", "2"]  # type: ignore[call-overload]
    assert steps[:3] == [("menu", "9", ""), ("english", "", ""), ("menu", "2", "")]
    assert ("find", "", "not-found") in steps
    assert row["outcome"] == "self-service"


def test_wrong_keys_are_reprompted_then_the_fallback_queues(
    stack: Stack, calls: dict[str, SippResult]
) -> None:
    row, steps = session(stack, "3331000004")
    assert steps[0] == ("menu", "", "fallback")
    assert (row["service"], row["outcome"], list(row["ivr_path"])) == ("urp", "abandoned", [])  # type: ignore[call-overload]
    assert row["ivr_outcome"] == "queued"


def test_hang_up_in_the_middle_is_recorded_where_it_happened(
    stack: Stack, calls: dict[str, SippResult]
) -> None:
    row, steps = session(stack, "3331000005")
    assert row["outcome"] == "ivr-hangup"
    assert (row["ivr_outcome"], row["ivr_left_at"]) == ("ivr-hangup", "act-number")
    assert [s[0] for s in steps] == ["menu", "acts", "act-number"]


def test_transfer_dials_out_through_the_outside_line(
    stack: Stack, calls: dict[str, SippResult]
) -> None:
    row, steps = session(stack, "3331000007")
    assert (row["outcome"], row["ivr_outcome"]) == ("transferred", "transferred")
    assert steps == [("menu", "3", ""), ("outside", "", "")]
    # The test trunk has no contact: Asterisk tried the Dial, which is all we can see here.
    assert any("app_dial.c" in line for line in _asterisk_log(stack)), _asterisk_log(stack)[-5:]


def test_no_channel_or_agi_session_is_left_behind(
    stack: Stack, calls: dict[str, SippResult]
) -> None:
    eventually(lambda: not stack.asterisk().cli("core show channels concise").strip(), 15,
               "every channel gone")  # fmt: skip


def test_no_log_holds_a_callers_number_or_the_act_number_it_keyed(
    stack: Stack, calls: dict[str, SippResult]
) -> None:
    numbers = [number for number, _, _ in CALLS.values()]
    assert personal_lines(stack, *numbers, "100234", "100235") == []  # docs/privacy.md


def _asterisk_log(stack: Stack) -> list[str]:
    path = stack.asterisk().paths.messages_log
    return path.read_text(errors="replace").splitlines() if path.exists() else []


class Rfc2833Caller(_Sipp):
    """A citizen who keys 1 as RFC 2833 RTP events (demo/scenarios/uac_rfc2833.xml)."""

    ends_by_itself = True

    def __init__(self, number: str, sip_port: int, caller: str) -> None:
        args = ["-sf", scenario_file("uac_rfc2833.xml"), f"127.0.0.1:{sip_port}",
                "-s", number, "-key", "caller", caller, "-i", "127.0.0.1",
                "-mi", "127.0.0.1", "-mp", str(free_media_port()), "-m", "1"]  # fmt: skip
        super().__init__(f"rfc2833-{caller}", args)


def test_a_key_sent_as_rfc_2833_events_works_too(
    stack: Stack, calls: dict[str, SippResult]
) -> None:
    caller = Rfc2833Caller(stack.number, stack.cfg.ports.sip, "3331000006")
    caller.start()
    result = caller.wait(30)
    assert result.ok, result.errors
    row = eventually(lambda: stack.contact("3331000006"), 15, "the contact row")
    assert (row["outcome"], list(row["ivr_path"])) == ("closed", ["1"])
