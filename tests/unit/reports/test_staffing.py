"""Staffing advice (``reports.staffing``) on hand-computed figures: the forecast from the same
weekday and interval of four weeks, weeks left out, the clocks' changes, Erlang C's agents
(metrics.md's worked example), the agents staffed as a time-weighted average."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from reports import erlang
from reports.agent_time import StateChange, agent_reports
from reports.history import QueuedContact, ServiceFigures, service_reports
from reports.periods import Interval, Period, grid
from reports.service_level import Rule
from reports.staffing import (
    Forecast,
    advised,
    forecast,
    past_by_slot,
    staffed,
    staffing_report,
    weeks_before,
)

ROME = ZoneInfo("Europe/Rome")
RULE = Rule(20)


def at(day: date, hour: int, minute: int = 0, second: int = 0, fold: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=ROME,
                    fold=fold).astimezone(UTC)  # fmt: skip


def calls(
    start: datetime, n: int, talk: float = 100.0, answered: int | None = None
) -> list[QueuedContact]:
    """``n`` calls in the interval from ``start``, the first ``answered`` (all) answered."""
    answered = n if answered is None else answered
    return [
        QueuedContact(start + timedelta(seconds=i), ("urp",), "urp",
                      "answered" if i < answered else "abandoned", i < answered,
                      "urp" if i < answered else None, 5.0, talk if i < answered else 0.0)
        for i in range(n)
    ]  # fmt: skip


def figures(offered: int, answered: int, aht: float | None) -> ServiceFigures:
    return ServiceFigures(offered, answered, answered, 0, 0, 0, 0, 0, None, None, aht, None)


def advice(
    contacts: list[QueuedContact], first: date, last: date, interval: Interval
) -> list[Forecast]:
    """The forecasts of every interval of ``first``-``last`` from ``contacts``."""
    past = grid(Period(first - timedelta(days=28), last - timedelta(days=7), ROME), interval)
    cells = grid(Period(first, last, ROME), interval)
    (history,) = service_reports(contacts, past, {"urp": RULE})
    (actual,) = service_reports(contacts, cells, {"urp": RULE})
    report = staffing_report(actual, cells, past_by_slot(history, past),
                             [None] * len(cells), 0.8)  # fmt: skip
    return [row.forecast for row in report.rows]


def test_the_forecast_is_the_mean_of_four_weeks_and_the_aht_is_weighted_by_answers() -> None:
    assert forecast([figures(40, 40, 100), figures(44, 40, 200), figures(36, 20, 100),
                     figures(40, 0, None)]) == Forecast(40.0, 140.0, 4)  # fmt: skip
    # (40·100 + 40·200 + 20·100) / 100 answered = 140 s
    assert forecast([None, figures(10, 5, 60), None, None]) == Forecast(10.0, 60.0, 1)
    assert forecast([None] * 4) == Forecast(None, None, 0)
    assert forecast([figures(3, 0, None)]) == Forecast(3.0, None, 1)


def test_a_friday_from_the_four_fridays_before_with_a_quiet_day_left_out() -> None:
    friday = date(2025, 10, 24)
    history = [
        *calls(at(friday - timedelta(days=7), 9), 40, talk=100),
        *calls(at(friday - timedelta(days=14), 9), 44, talk=200),
        *calls(at(friday - timedelta(days=21), 9), 36, talk=100),
        *calls(at(friday - timedelta(days=28), 9), 40, talk=100),
        *calls(at(friday - timedelta(days=7), 10), 1),  # 10:00 had calls only a week ago
        *calls(at(friday - timedelta(days=1), 9), 500),  # a Thursday: not the same weekday
    ]
    nine, ten, eleven = advice(history, friday, friday, Interval.HOUR)[9:12]
    aht = (40 * 100 + 44 * 200 + 36 * 100 + 40 * 100) / 160
    assert (nine.offered, nine.weeks) == (40.0, 4)
    assert nine.aht_seconds == pytest.approx(aht)
    assert ten == Forecast(0.25, 100.0, 4)  # (1 + 0 + 0 + 0) / 4: a day with calls counts 0
    assert eleven == Forecast(0.0, None, 4)
    # No call at all on the Friday two weeks before (a holiday): that week is left out.
    holiday = [c for c in history if c.entered_at.date() != friday - timedelta(days=14)]
    left = advice(holiday, friday, friday, Interval.HOUR)[9]
    assert left.offered == pytest.approx(116 / 3)
    assert (left.aht_seconds, left.weeks) == (100.0, 3)


def test_the_metrics_worked_example_needs_14_agents() -> None:
    # 100 calls in 30 minutes, AHT 180 s: A = 10 Erlangs; T 20 s, 80 % -> 14 agents.
    assert erlang.agents_needed(10.0, 180, 20, 0.8) == 14
    assert advised(Forecast(200.0, 180.0, 4), 3600, 20, 0.8) == 14
    assert advised(Forecast(50.0, 180.0, 4), 900, 20, 0.8) == 14
    assert erlang.service_level(14, 10.0, 180, 20) == pytest.approx(0.888, abs=5e-4)
    assert erlang.service_level(13, 10.0, 180, 20) < 0.8
    assert advised(Forecast(0.0, None, 4), 900, 20, 0.8) == 0  # no calls: nobody needed
    assert advised(Forecast(None, None, 0), 900, 20, 0.8) is None  # no history
    assert advised(Forecast(3.0, None, 2), 900, 20, 0.8) is None  # no AHT to go on


def test_wall_clock_times_are_matched_across_the_clocks_changes() -> None:
    # Sunday 30 March 2025 has no 02:00 (the clocks go forward): a week left out for 02:00.
    april = date(2025, 4, 6)
    history = [c for k in (1, 2, 3, 4)
               for c in calls(at(april - timedelta(days=7 * k), 2), 4 * k)
               + calls(at(april - timedelta(days=7 * k), 9), 10)]  # fmt: skip
    two = advice(history, april, april, Interval.HOUR)[2]
    assert two == Forecast((8 + 12 + 16) / 3, 100.0, 3)  # the 4 calls of 30 March: none
    assert [s[0] for s in weeks_before(at(april, 2).astimezone(ROME))] == [
        date(2025, 3, 30), date(2025, 3, 23), date(2025, 3, 16), date(2025, 3, 9)]  # fmt: skip

    # Sunday 26 October 2025: 02:00 comes twice; both take the 02:00 of the Sundays before.
    october = date(2025, 10, 26)
    history = [c for k in (1, 2, 3, 4) for c in calls(at(october - timedelta(days=7 * k), 2), 8)]
    rows = advice(history, october, october, Interval.HOUR)
    assert len(rows) == 25
    assert rows[2] == rows[3] == Forecast(8.0, 100.0, 4)  # 02:00 +02:00 and 02:00 +01:00
    # The Sunday after: its 02:00 takes the first 02:00 (summer time) of the 26th.
    november = date(2025, 11, 2)
    history = [*calls(at(october, 2), 6), *calls(at(october, 2, fold=1), 2),
               *calls(at(october, 12), 1)]  # fmt: skip
    assert advice(history, november, november, Interval.HOUR)[2] == Forecast(6.0, 100.0, 1)


def test_staffed_is_the_time_weighted_average_of_agents_logged_in_who_hold_the_service() -> None:
    day = date(2025, 10, 24)
    cells = grid(Period(day, day, ROME), Interval.QUARTER_HOUR)
    changes = [
        StateChange("a1", "ready", "", at(day, 9)),  # the whole 09:00 quarter
        StateChange("a1", "paused", "break", at(day, 9, 15)),  # a pause is still logged in
        StateChange("a1", "logged_out", "", at(day, 9, 20)),
        StateChange("a2", "ready", "", at(day, 9, 7, 30)),  # half of 09:00, then on
        StateChange("a3", "ready", "", at(day, 9)),  # does not hold the service
    ]
    now = at(day, 9, 20)  # 09:15 has run for 5 minutes, 09:30 has not begun
    times = agent_reports(["a1", "a2", "a3"], changes, cells, now)
    averages = staffed(times, ["a1", "a2"], cells, now)
    assert averages[36:39] == [pytest.approx(1.5), pytest.approx(2.0), None]
    assert averages[35] == 0.0
