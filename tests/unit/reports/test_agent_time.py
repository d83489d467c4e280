"""Agents' time from their state changes: stretches cut at midnight, at the period's edges
and at now; answers counted where they happen."""

from __future__ import annotations

from datetime import UTC, datetime

from reports.agent_time import StateChange, agent_reports
from reports.periods import Interval, grid, period
from tests.reports_fixture import ROME


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 11, day, hour, minute, tzinfo=ROME).astimezone(UTC)  # CET, +01:00


CHANGES = [
    StateChange("a1", "paused", "break", at(2, 22)),  # before the period: in force at start
    StateChange("a1", "ready", "", at(3, 8)),
    StateChange("a1", "ringing", "", at(3, 9)),
    StateChange("a1", "on_call", "", at(3, 9, 1)),
    StateChange("a1", "on_call", "", at(3, 9, 5)),  # recorded again (held): one answer
    StateChange("a1", "wrap_up", "", at(3, 9, 11)),
    StateChange("a1", "paused", "lunch", at(3, 23, 30)),  # across midnight
    StateChange("a1", "logged_out", "", at(4, 0, 30)),
]


def test_time_by_day_is_cut_at_midnight_and_at_the_periods_start() -> None:
    days = grid(period("2025-11-03", "2025-11-04", ROME), Interval.DAY)
    (a1,) = agent_reports(["a1"], CHANGES, days, until=at(10, 0))
    third, fourth = a1.intervals
    assert third.paused_by_reason == {"break": 8 * 3600, "lunch": 1800}
    assert (third.ready_seconds, third.ringing_seconds, third.talking_seconds) == (3600, 60, 600)
    assert third.wrap_up_seconds == (23 * 60 + 30 - 9 * 60 - 11) * 60
    assert (third.calls, third.logged_in_seconds) == (1, 24 * 3600)
    assert third.aht_seconds == 600 + third.wrap_up_seconds
    assert fourth.paused_by_reason == {"lunch": 1800}
    assert (fourth.logged_in_seconds, fourth.calls, fourth.occupancy) == (1800, 0, None)


def test_the_last_stretch_ends_now_and_an_agent_with_no_change_has_no_time() -> None:
    days = grid(period("2025-11-03", "2025-11-03", ROME), Interval.DAY)
    a1, a2 = agent_reports(["a1", "a2"], CHANGES[:3], days, until=at(3, 9, 30))
    assert (a1.total.ready_seconds, a1.total.ringing_seconds) == (3600, 30 * 60)
    assert a1.total.occupancy == 1800 / (1800 + 3600)
    assert a2.total.logged_in_seconds == 0
