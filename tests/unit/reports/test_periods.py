"""Periods and intervals in the center's time zone: days of 23 and 25 hours, weeks and
months cut to the period, and the requests that make no sense."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from reports.periods import BadRequest, Interval, grid, parse_interval, period

ROME = ZoneInfo("Europe/Rome")


def labels(first: str, last: str, interval: Interval) -> list[str]:
    g = grid(period(first, last, ROME, interval), interval)
    return [g.label(i) for i in range(len(g))]


def test_the_day_the_clocks_go_back_has_25_hours_and_the_one_they_go_forward_23() -> None:
    autumn = labels("2025-10-26", "2025-10-26", Interval.HOUR)
    assert len(autumn) == 25
    assert autumn[1:5] == ["2025-10-26 01:00", "2025-10-26 02:00 +02:00",
                           "2025-10-26 02:00 +01:00", "2025-10-26 03:00"]  # fmt: skip
    spring = labels("2025-03-30", "2025-03-30", Interval.HOUR)
    assert len(spring) == 23
    assert spring[1:3] == ["2025-03-30 01:00", "2025-03-30 03:00"]
    assert len(labels("2025-10-26", "2025-10-26", Interval.QUARTER_HOUR)) == 100


def test_weeks_start_on_monday_and_months_on_the_first_cut_to_the_period() -> None:
    assert labels("2025-10-22", "2025-11-05", Interval.WEEK) == [
        "2025-10-22", "2025-10-27", "2025-11-03"]  # fmt: skip
    assert labels("2025-10-15", "2026-01-10", Interval.MONTH) == [
        "2025-10", "2025-11", "2025-12", "2026-01"]  # fmt: skip
    days = grid(period("2025-10-25", "2025-10-27", ROME), Interval.DAY)
    stamps = [start.timestamp() for start in (*days.starts, days.end)]
    assert [(b - a) / 3600 for a, b in itertools.pairwise(stamps)] == [24, 25, 24]


def test_an_instant_falls_in_one_interval_and_a_stretch_is_cut_at_their_edges() -> None:
    g = grid(period("2025-10-26", "2025-10-26", ROME, Interval.HOUR), Interval.HOUR)
    summer = datetime(2025, 10, 26, 0, 30, tzinfo=UTC)  # 02:30 +02:00
    winter = datetime(2025, 10, 26, 1, 30, tzinfo=UTC)  # 02:30 +01:00: same wall time
    assert (g.index(summer), g.index(winter)) == (2, 3)
    assert g.index(datetime(2025, 10, 26, 23, 0, tzinfo=UTC)) is None  # the 27th
    assert g.index(datetime(2025, 10, 25, 21, 59, tzinfo=UTC)) is None  # the 25th
    assert list(g.cut(summer, winter)) == [(2, 1800.0), (3, 1800.0)]
    before = datetime(2025, 10, 20, tzinfo=UTC)
    assert list(g.cut(before, datetime(2025, 10, 25, 23, 0, tzinfo=UTC))) == [(0, 3600.0)]


@pytest.mark.parametrize(
    ("first", "last", "interval", "key", "says"),
    [
        ("2025-10-32", "2025-11-01", Interval.DAY, "date", "from: '2025-10-32' is not a date"),
        ("2025-10-01", "ieri", Interval.DAY, "date", "to: 'ieri' is not a date (YYYY-MM-DD)"),
        ("2025-10-02", "2025-10-01", Interval.DAY, "order", "the range is the wrong way round"),
        ("2025-01-01", "2026-01-02", Interval.DAY, "too_long", "367 days by day: at most 366"),
        ("2025-10-01", "2025-11-01", Interval.QUARTER_HOUR, "too_long", "at most 31 days"),
    ],
)
def test_a_period_that_makes_no_sense_is_refused_saying_why(
    first: str, last: str, interval: Interval, key: str, says: str
) -> None:
    with pytest.raises(BadRequest) as refused:
        period(first, last, ROME, interval)
    assert refused.value.key == key
    assert says in str(refused.value)


def test_the_longest_periods_each_interval_allows() -> None:
    assert period("2025-01-01", "2025-12-31", ROME, Interval.DAY).days == 365
    assert period("2024-01-01", "2024-12-31", ROME, Interval.MONTH).days == 366
    assert period("2025-10-01", "2025-10-31", ROME, Interval.QUARTER_HOUR).days == 31
    assert period("2025-10-01", "2025-12-31", ROME, Interval.HOUR).days == 92
    with pytest.raises(BadRequest, match="'fortnight' is not one of 15min, hour, day"):
        parse_interval("fortnight")
