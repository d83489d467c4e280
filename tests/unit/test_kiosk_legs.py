"""Kiosks gone without a goodbye (acd.telephony.kiosk_legs): pure bookkeeping."""

from __future__ import annotations

import re

from acd.telephony.kiosk_legs import KioskLegs, hang_up_kiosk


def status(endpoint: str, state: str) -> dict[str, str]:
    return {"Event": "ContactStatus", "EndpointName": endpoint, "ContactStatus": state}


def test_a_kiosk_gone_and_not_back_is_hung_up_once() -> None:
    legs = KioskLegs(["kiosk-q1"])
    ticket = legs.seen(status("kiosk-q1", "Removed"))
    assert ticket is not None
    assert legs.seen(status("kiosk-q1", "Unreachable")) is None  # the same loss
    assert legs.still_gone(ticket) == "kiosk-q1"
    assert legs.still_gone(ticket) is None


def test_a_kiosk_back_in_time_keeps_its_call_and_others_are_not_kiosks() -> None:
    legs = KioskLegs(["kiosk-q1"])
    first = legs.seen(status("kiosk-q1", "Removed"))
    assert legs.seen(status("kiosk-q1", "Created")) is None
    assert first is not None
    assert legs.still_gone(first) is None
    second = legs.seen(status("kiosk-q1", "Removed"))  # gone again: a new wait
    assert second is not None
    assert legs.still_gone(first) is None
    assert legs.still_gone(second) == "kiosk-q1"
    assert legs.seen(status("agent1-webrtc", "Removed")) is None
    assert legs.seen({"Event": "Hangup"}) is None


def test_the_hangup_pattern_takes_the_kiosks_channels_only() -> None:
    pattern = hang_up_kiosk("kiosk-q1")["Channel"]
    assert pattern.startswith("/")
    assert pattern.endswith("/")
    rx = re.compile(pattern[1:-1])
    assert rx.match("PJSIP/kiosk-q1-0000002a")
    assert not rx.match("PJSIP/kiosk-q10-0000002a")
    assert not rx.match("PJSIP/agent1-0000002a")
