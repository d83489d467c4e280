"""Routing on the real stack: skills and levels, missed rings, relaxation, wrap-up, pauses,
announcements and overflows (a message, voicemail), with sipp agents and citizens (center:
routing.yaml).
"""

from __future__ import annotations

import re
import time
import wave
from array import array
from pathlib import Path

import pytest

from demo.sipp import Answer, NoAnswer, SippCaller, SippSpeaker
from tests.e2e.stack import Stack, eventually
from tests.e2e.test_calls import AFTER_MENU, agent_phone, caller

CENTER = Path(__file__).with_name("routing.yaml")
pytestmark = pytest.mark.stack


def states(center: Stack, agent_id: str) -> list[tuple[str, str]]:
    rows = center.query(
        "select state, reason from agent_states where agent_id = $1 order by id", agent_id
    )
    return [(r["state"], r["reason"]) for r in rows]


def agent(center: Stack, agent_id: str) -> dict[str, object]:
    return next(a for a in center.snapshot()["agents"] if a["id"] == agent_id)


def test_skill_routing_picks_the_agent_with_enough_english(center: Stack) -> None:
    with (
        agent_phone(center, "agent4", Answer(ring_seconds=0.3)),
        agent_phone(center, "agent3", Answer(ring_seconds=0.3, talk_seconds=2)),
    ):
        center.ready("agent4")  # idle longest, but lang.en 1 < 2
        time.sleep(0.2)
        center.ready("agent3")
        result = caller(center, "3331000001", "2", hangup_after=None).run(timeout=30)
        assert result.ok, result.errors  # the caller left after the talk (no wait loop)
        row = eventually(lambda: center.contact("3331000001"), 15, "the contact row")
    assert (row["outcome"], row["service"], row["agent_id"]) == ("answered", "english", "agent3")
    assert "ringing" not in [s for s, _ in states(center, "agent4")]


def test_ring_no_answer_moves_on_and_pauses_the_agent_at_its_limit(center: Stack) -> None:
    with (
        agent_phone(center, "agent1", NoAnswer()),
        agent_phone(center, "agent2", Answer(ring_seconds=0.3, talk_seconds=2)),
    ):
        center.ready("agent1")  # idle longest: rung first, never answers
        time.sleep(0.2)
        center.ready("agent2")
        result = caller(center, "3331000002", "1", hangup_after=None).run(timeout=40)
        assert result.ok, result.errors
        row = eventually(lambda: center.contact("3331000002"), 15, "the contact row")
    assert (row["outcome"], row["agent_id"]) == ("answered", "agent2")
    assert row["wait_seconds"] >= 3  # agent1's ring time passed first
    assert states(center, "agent1")[-3:] == [
        ("ringing", ""), ("ready", "missed"), ("paused", "missed calls"),
    ]  # fmt: skip
    assert (agent(center, "agent1")["state"], agent(center, "agent1")["reason"]) == (
        "paused", "missed calls",
    )  # fmt: skip


def test_relaxation_lets_a_junior_agent_answer_after_its_step(center: Stack) -> None:
    with agent_phone(center, "agent3", Answer(ring_seconds=0.3, talk_seconds=2)):
        center.ready("agent3")  # urp 1: only after the 4 s step (urp >= 3 before)
        result = caller(center, "3331000003", "1", hangup_after=None).run(timeout=30)
        assert result.ok, result.errors
        row = eventually(lambda: center.contact("3331000003"), 15, "the contact row")
    assert (row["outcome"], row["agent_id"]) == ("answered", "agent3")
    assert 4 <= row["wait_seconds"] <= 6.5, row


def test_wrap_up_holds_the_next_call_for_its_time(center: Stack) -> None:
    with agent_phone(center, "agent5", Answer(ring_seconds=0.3, talk_seconds=2)):
        center.ready("agent5")
        first = caller(center, "3331000004", "3", hangup_after=None)
        second = caller(center, "3331000005", "3", hangup_after=None)
        first.start()
        time.sleep(0.5)
        second.start()
        assert first.wait(30).ok
        assert second.wait(40).ok
        rows = [eventually(lambda n=n: center.contact(n), 15, n)  # type: ignore[misc]
                for n in ("3331000004", "3331000005")]  # fmt: skip
    wrap = center.query(
        "select at from agent_states where agent_id = 'agent5' and state = 'wrap_up' order by id"
    )[0]["at"]
    assert [r["agent_id"] for r in rows] == ["agent5", "agent5"]
    assert rows[1]["entered_queue_at"] < wrap  # it was waiting during the wrap-up
    held = (rows[1]["answered_at"] - wrap).total_seconds()
    assert 4.8 <= held <= 7, held


def test_paused_agent_gets_no_call_caller_hears_its_place_then_overflow(center: Stack) -> None:
    status, body = center.api("POST", "/api/agents/agent3/pause", {"reason": "nap"})
    assert (status, body["error"]) == (400, "unknown-pause-reason")
    status, body = center.api("POST", "/api/agents/agent3/pause", {"reason": "back office"})
    assert (status, body["state"]) == (200, "paused")
    status, body = center.api("POST", "/api/agents/agent3/extend-wrap-up")
    assert (status, body["error"]) == (409, "illegal-move")
    with agent_phone(center, "agent3", Answer(ring_seconds=0.3)):
        call = caller(center, "3331000006", "2", hangup_after=None)
        call.start()
        try:
            queue = eventually(lambda: _waiting(center, "english"), 15, "the caller in line")
            result = call.wait(40)  # the overflow message ends the call after 9 s
        finally:
            call.stop()
        assert result.ok, result.errors
        row = eventually(lambda: center.contact("3331000006"), 15, "the contact row")
    figures = queue["calls"][0]  # type: ignore[index]
    assert figures["position"] == 1
    assert figures["estimated_wait_seconds"] is not None
    assert row["outcome"] == "overflow"
    assert 9 <= row["wait_seconds"] <= 11, row
    since_pause = states(center, "agent3")
    since_pause = since_pause[
        len(since_pause) - since_pause[::-1].index(("paused", "back office")) :
    ]
    assert "ringing" not in [s for s, _ in since_pause]
    said = (
        f"announce {row['contact_id']}: position 1, estimate {figures['estimated_wait_seconds']} s:"
        " it next-in-line + wait-"  # the center's language, the place, then the wait
    )
    assert said in center.log.read_text()  # the wait loop ran the announce AGI after 5 s
    assert_announcements_played(center)


def assert_announcements_played(center: Stack) -> None:
    """Asterisk opened every phrase file: a missing one fails STREAM FILE (result -1), which
    the engine logs as "could not play", and Asterisk as a warning in its messages.log."""
    failed = [line for line in center.log.read_text().splitlines() if "could not play" in line]
    assert not [line for line in failed if "/announce/" in line], failed
    warnings = center.asterisk().paths.messages_log.read_text()
    assert "/announce/" not in warnings, warnings[-2000:]


def _waiting(center: Stack, service: str) -> dict[str, object] | None:
    queue = next(q for q in center.snapshot()["queues"] if q["service"] == service)
    return queue if queue["waiting"] else None


def test_answer_during_an_announcement_bridges_and_the_caller_leaves_after(center: Stack) -> None:
    with agent_phone(center, "agent2", Answer(ring_seconds=0.3, talk_seconds=2)):
        call = caller(center, "3331000007", "1", hangup_after=None)
        call.start()
        try:
            queue = eventually(lambda: _waiting(center, "urp"), 15, "the caller in line")
            call_id = queue["calls"][0]["call_id"]  # type: ignore[index]
            announced = eventually(lambda: announce_line(center, call_id), 20, "announce")
            center.ready("agent2")  # rung and answered while the announcement plays
            result = call.wait(30)  # ends only if the caller left the wait loop after the talk
        finally:
            call.stop()
        assert result.ok, result.errors
        row = eventually(lambda: center.contact("3331000007"), 15, "the contact row")
    assert (row["outcome"], row["agent_id"]) == ("answered", "agent2")
    assert 1.5 <= row["talk_seconds"] <= 4, row
    assert " s: it next-in-line" in announced, announced  # nobody staffed: maybe no wait
    assert_announcements_played(center)


def announce_line(center: Stack, call_id: str) -> str | None:
    lines = center.log.read_text().splitlines()
    return next((line for line in lines if f"announce {call_id}:" in line), None)


def test_max_wait_passing_during_a_ring_that_fails_overflows_at_once(center: Stack) -> None:
    """english: max wait 9 s, rings of 3 s. agent3 is made ready about 7 s into the wait and
    never answers: the max wait passes while it rings, and when the ring fails the caller
    hears the overflow message at once, instead of waiting again (or being rung again)."""
    with agent_phone(center, "agent3", NoAnswer()):
        call = caller(center, "3331000008", "2", hangup_after=None)
        call.start()
        try:
            eventually(lambda: _waiting(center, "english"), 15, "the caller in line")
            time.sleep(6.5)
            center.ready("agent3")
            result = call.wait(40)
        finally:
            call.stop()
        assert result.ok, result.errors
        row = eventually(lambda: center.contact("3331000008"), 15, "the contact row")
    assert (row["outcome"], row["service_path"]) == ("overflow", ["english"])
    assert 9.3 <= row["wait_seconds"] <= 11.5, row  # the ring's end, not the 9 s mark
    rows = center.query(
        "select state, reason from agent_states where agent_id = 'agent3' and at >= $1 order by id",
        row["entered_queue_at"],
    )
    seen = [(r["state"], r["reason"]) for r in rows]  # (a login first, when run alone)
    assert seen[-3:] == [("ready", ""), ("ringing", ""), ("ready", "missed")], seen
    assert seen.count(("ringing", "")) == 1  # never rung again for a call past its max wait


def test_voicemail_overflow_records_a_caller_who_hangs_up_mid_message(center: Stack) -> None:
    """segnalazioni: nobody can answer; after 2 s in line the caller hears the prompt and the
    beep, talks, and hangs up without pressing '#': the message is kept all the same."""
    # Talking starts 5 s after the key, about when the beep comes (2 s in line, then the
    # prompt), and goes on to the end of the 7 s of speech: a late or early beep still
    # leaves seconds of speech in the recording.
    speaker = SippSpeaker(center.number, center.cfg.ports.sip, [(AFTER_MENU, "4")],
                          speak_after=5, hangup_after=7, caller="3331000009")  # fmt: skip
    speaker.start()
    try:
        result = speaker.wait(40)
    finally:
        speaker.stop()
    assert result.ok, result.errors
    row = eventually(lambda: center.contact("3331000009"), 15, "the contact row")
    assert (row["outcome"], row["service"]) == ("voicemail", "segnalazioni")
    assert 2 <= row["wait_seconds"] <= 3.5, row
    message = _voice_message(center, row["contact_id"])
    assert message["caller"] == "3331000009"
    ended, samples = _recorded(center, row["contact_id"])
    assert ended == "-1 (hangup)"
    assert samples >= 3 * 8000  # at least 3 s of it, at 8 kHz
    file = Path(str(message["file"]))
    assert file.parent == center.asterisk().paths.host("spool", "voice-messages")
    seconds, loudness = _audio(file)
    assert seconds >= 3, (seconds, loudness)  # speech, not silence
    assert loudness > 300, (seconds, loudness)


def test_voicemail_overflow_ends_the_call_after_the_hash_key(center: Stack) -> None:
    """A silent caller who presses '#' during the recording: the message (empty here) is
    kept and the dialplan hangs up (this sipp caller only ends on the far end's BYE)."""
    number = "3331000010"
    call = SippCaller(center.number, center.cfg.ports.sip, dtmf=[(AFTER_MENU, "4"), (8, "#")],
                      hangup_after=None, caller=number)  # fmt: skip
    result = call.run(timeout=40)
    assert result.ok, result.errors
    row = eventually(lambda: center.contact(number), 15, "the contact row")
    assert row["outcome"] == "voicemail"
    assert _voice_message(center, row["contact_id"])["caller"] == number
    assert _recorded(center, row["contact_id"])[0] == "35 (dtmf)"  # '#' ended it


def _voice_message(center: Stack, contact_id: str) -> dict[str, object]:
    def found() -> dict[str, object] | None:
        sql = "select caller, file, recorded_at from voice_messages where contact_id = $1"
        rows = center.query(sql, contact_id)
        return dict(rows[0]) if rows else None

    return eventually(found, 15, "the voice_messages row")


def _recorded(center: Stack, contact_id: str) -> tuple[str, int]:
    """How RECORD FILE ended for the call's voice message, and its length in samples."""
    pattern = (
        rf"voice message {re.escape(contact_id)}-vm1 of .*: "  # (a voicemail's recording)
        r"RECORD FILE 200 result=(.*) endpos=(\d+)"
    )
    found = re.search(pattern, center.log.read_text())
    assert found is not None, center.log.read_text()[-3000:]
    return found[1], int(found[2])


def _audio(path: Path) -> tuple[float, float]:
    """A 16-bit mono WAV's length in seconds and its loudness (RMS of the samples)."""
    with wave.open(str(path)) as wav:
        frames = wav.readframes(wav.getnframes())
        seconds = wav.getnframes() / wav.getframerate()
    samples = array("h", frames)
    rms = (sum(x * x for x in samples) / max(1, len(samples))) ** 0.5
    return seconds, rms
