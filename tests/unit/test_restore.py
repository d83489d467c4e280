"""Agents taken back at a start as the store last saw them (acd.restore)."""

from __future__ import annotations

from datetime import timedelta

from acd.core import events as e
from acd.restore import on_phone, restored
from tests.unit.core.helpers import T0

REASONS = ("break", "lunch")


def test_agents_come_back_as_they_were_when_the_engine_stopped_lately() -> None:
    last = [
        ("a1", "paused", "lunch", T0),
        ("a2", "ready", "", T0),
        ("a3", "logged_out", "", T0),
        ("a4", "on_call", "", T0),  # its talk is over: ready
        ("a5", "on_call", "", T0),  # still on the phone: logged in, not offered calls
        ("a6", "paused", "missed calls", T0),  # not a reason one may give: logged in
    ]
    events = restored(last, T0, T0 + timedelta(minutes=5), REASONS, {"a5": True})
    assert events == [
        e.AgentPaused("a1", "lunch"),
        e.AgentLoggedIn("a2"),
        e.AgentWentReady("a2"),
        e.AgentLoggedIn("a4"),
        e.AgentWentReady("a4"),
        e.AgentLoggedIn("a5"),
        e.AgentLoggedIn("a6"),
    ]


def test_after_a_long_gap_or_a_first_start_everyone_starts_logged_out() -> None:
    last = [("a1", "ready", "", T0)]
    assert restored(last, T0, T0 + timedelta(hours=13), REASONS, {}) == []
    assert restored(last, None, T0, REASONS, {}) == []


def test_the_agents_on_the_phone_are_found_by_their_channels_endpoint() -> None:
    channels = [
        {"Event": "CoreShowChannel", "Channel": "PJSIP/a1-0000002a"},
        {"Event": "CoreShowChannel", "Channel": "PJSIP/a2-web-0000002b"},
        {"Event": "CoreShowChannel", "Channel": "PJSIP/citizens-0000002c"},
        {"Event": "CoreShowChannelsComplete"},
    ]
    assert on_phone(channels, {"a1": "a1", "a2-web": "a2", "a3": "a3"}) == {"a1", "a2"}
