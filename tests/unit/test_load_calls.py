"""bench/load_calls.py: Asterisk's events turned into the benchmark's latencies."""

from __future__ import annotations

import pytest

from bench.load_calls import AmiEvent, ami_event, latencies, manager_section


def call(
    n: int, key: float, ring: float, answer: float, bridged: float, end: float, agent: str
) -> list[AmiEvent]:
    """One answered call: the caller's leg and the agent's, in one bridge."""
    caller, leg, bridge = f"c{n}", f"a{n}", f"b{n}"
    return [
        AmiEvent(key - 2, "Newchannel", caller, f"PJSIP/local-{n:08x}"),
        AmiEvent(key, "DTMFEnd", caller, ""),
        AmiEvent(ring, "Newchannel", leg, f"PJSIP/{agent}-{n:08x}"),
        AmiEvent(answer, "Newstate", leg, "", state="6"),
        AmiEvent(bridged - 0.001, "BridgeEnter", leg, "", bridge=bridge),
        AmiEvent(bridged, "BridgeEnter", caller, "", bridge=bridge),
        AmiEvent(end, "Hangup", leg, ""),
        AmiEvent(end + 0.001, "Hangup", caller, ""),
    ]


def test_a_call_to_a_free_agent_is_entry_to_ring_and_answer_to_bridged() -> None:
    lat = latencies(call(1, key=10.0, ring=10.002, answer=10.302, bridged=10.305, end=13,
                         agent="agent1"))  # fmt: skip
    assert lat.entry_to_ring == pytest.approx([0.002])
    assert lat.answer_to_bridged == pytest.approx([0.003])
    assert lat.free_to_ring == []
    assert lat.key_to_ring == pytest.approx([0.002])
    assert (lat.callers, lat.answered, lat.unanswered) == (1, 1, 0)


def test_a_caller_waiting_for_a_busy_agent_counts_from_the_agent_becoming_free() -> None:
    first = call(1, key=10.0, ring=10.002, answer=10.3, bridged=10.303, end=15.0, agent="agent1")
    second = call(2, key=11.0, ring=15.5, answer=15.8, bridged=15.803, end=18.0, agent="agent1")
    lat = latencies(first + second)
    assert lat.free_to_ring == pytest.approx([0.5])  # agent1 ended at 15.0, rung at 15.5
    assert lat.entry_to_ring == pytest.approx([0.002])  # only the first
    assert lat.key_to_ring == pytest.approx([0.002, 4.5])


def test_a_caller_behind_another_is_not_an_entry_to_a_free_agent() -> None:
    """The second caller keys while the first still waits for its ring: its own wait is not
    entry to ring, even if the agent it gets was free at its key."""
    first = call(1, key=10.0, ring=11.0, answer=11.3, bridged=11.303, end=14.0, agent="agent1")
    second = call(2, key=10.5, ring=11.01, answer=11.3, bridged=11.31, end=14.0, agent="agent2")
    lat = latencies(first + second)
    assert lat.entry_to_ring == pytest.approx([1.0])
    assert len(lat.key_to_ring) == 2


def test_a_caller_never_answered_is_counted() -> None:
    waiting = [AmiEvent(11, "Newchannel", "c9", "PJSIP/local-9"), AmiEvent(12, "DTMFEnd", "c9", "")]
    lat = latencies([*call(1, 10, 10.002, 10.3, 10.303, 13, "agent1"), *waiting])
    assert (lat.callers, lat.answered, lat.unanswered) == (2, 1, 1)


def test_events_are_read_with_asterisks_timestamp() -> None:
    headers = {"Event": "BridgeEnter", "Timestamp": "1700000000.123456", "Uniqueid": "u1",
               "Channel": "PJSIP/agent3-00000001", "BridgeUniqueid": "b1"}  # fmt: skip
    assert ami_event(headers) == AmiEvent(1700000000.123456, "BridgeEnter", "u1",
                                          "PJSIP/agent3-00000001", bridge="b1")  # fmt: skip
    assert ami_event({**headers, "Event": "VarSet"}) is None
    assert ami_event({k: v for k, v in headers.items() if k != "Timestamp"}) is None


def test_the_benchmark_user_reads_only_its_events() -> None:
    text = manager_section("bench", "s3cret")
    assert "[general](+)\ntimestampevents = yes" in text
    assert "read = call,dtmf\nwrite =\n" in text
    assert text.count("eventfilter(action(include)") == 5
