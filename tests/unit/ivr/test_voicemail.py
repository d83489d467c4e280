"""A queue's voicemail overflow: the message node run alone on its own AGI session."""

from __future__ import annotations

import asyncio

import pytest

from acd.core import events as e
from acd.ivr_ports import CoreReports
from ivr.runner import IvrPorts, IvrRunner
from ivr.voicemail import VoicemailError, voicemail_node
from tests.unit.ivr.helpers import CFG, MONDAY_10
from tests.unit.ivr.test_runner import FakeMessageBox, FakeSession, Gone, sound

HEADERS = {"agi_uniqueid": "c7", "agi_channel": "PJSIP/citizens-7", "agi_callerid": "3337",
           "agi_network_script": "voicemail", "agi_arg_1": "record", "agi_arg_2": "45"}  # fmt: skip


def take(
    headers: dict[str, str], keys: list[str | None], recorded: str = FakeSession.recorded
) -> tuple[FakeSession, FakeMessageBox, list[e.Event]]:
    box, reported = FakeMessageBox(), list[e.Event]()
    runner = IvrRunner(
        CFG, IvrPorts(CoreReports(reported.append), sound, lambda: MONDAY_10, messages=box)
    )
    session = FakeSession(iter(keys), headers=headers, recorded=recorded)
    asyncio.run(runner.serve_voicemail(session, Gone))
    return session, box, reported


def test_prompt_in_the_channel_language_beep_record_and_keep() -> None:
    session, box, reported = take({**HEADERS, "agi_language": "en"}, [""])
    assert session.sent == [
        "STREAM /s/en/record",
        'RECORD FILE "/spool/c7-vm1" wav "#" 45000 0 BEEP s=5',
    ]
    assert box.kept == [("c7", "3337", "c7-vm1")]  # the call's id is the contact's
    assert box.messages[0].service is None  # the call's contact tells it (overflowed from)
    assert reported == []  # the core closed the contact when it overflowed


def test_a_language_the_center_has_no_prompts_in_falls_back_to_its_own() -> None:
    session, _, _ = take({**HEADERS, "agi_language": "fr"}, [""])
    assert session.sent[0] == "STREAM /s/it/record"


def test_hanging_up_mid_message_keeps_what_was_said() -> None:
    _, box, _ = take(HEADERS, [""], recorded="200 result=-1 (hangup) endpos=32000")
    assert box.kept == [("c7", "3337", "c7-vm1")]


def test_hanging_up_during_the_prompt_records_nothing() -> None:
    session, box, _ = take(HEADERS, [None])
    assert box.kept == []
    assert not any(c.startswith("RECORD") for c in session.sent)


def test_bad_arguments_play_and_record_nothing(caplog: pytest.LogCaptureFixture) -> None:
    session, box, _ = take({**HEADERS, "agi_arg_1": "nope"}, [""])
    assert session.sent == []
    assert box.kept == []
    assert "voicemail on PJSIP/citizens-7 not taken: unknown voicemail prompt 'nope'" in caplog.text


@pytest.mark.parametrize("seconds", ["", "4", "301", "60s", "-5"])
def test_the_length_must_be_within_the_message_node_bounds(seconds: str) -> None:
    with pytest.raises(VoicemailError, match="is not 5 to 300 seconds"):
        voicemail_node({**HEADERS, "agi_arg_2": seconds}, CFG.prompts)


def test_the_node_is_a_message_node_with_a_beep_and_no_confirmation() -> None:
    node = voicemail_node(HEADERS, CFG.prompts)
    assert (node.prompt, node.max_seconds, node.beep, node.confirm_prompt) == (
        "record", 45, True, None,
    )  # fmt: skip
