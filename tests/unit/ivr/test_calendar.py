"""Opening hours: weekly ranges, Italian holidays, the patron day, closures, DST."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ivr.calendar import build_calendar
from ivr.model import Closure, Holidays, Weekday

WEEK: dict[Weekday, tuple[str, ...]] = {
    "mon": ("08:30-13:00", "14:00-18:00"),
    "thu": ("08:30-18:00",),
    "sat": ("09:00-12:30",),
}
RULES = Holidays(
    country="IT",
    patron_day="01-31",
    closures=(Closure(date=date(2026, 12, 24), reason="Vigilia", prompt="xmas"),),
)
CAL = build_calendar(WEEK, RULES, "Europe/Rome")


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_weekly_ranges_in_local_time() -> None:
    assert CAL.status(utc(2026, 11, 30, 7, 30)).open  # Monday 08:30 in Modena: opens
    assert not CAL.status(utc(2026, 11, 30, 7, 29)).open
    assert not CAL.status(utc(2026, 11, 30, 12, 30)).open  # 13:30: lunch break
    assert CAL.status(utc(2026, 11, 30, 13, 0)).open
    assert not CAL.status(utc(2026, 12, 1, 9, 0)).open  # Tuesday: no hours
    assert CAL.status(utc(2026, 12, 1, 9, 0)).state == "closed"


def test_italian_public_holidays() -> None:
    assert CAL.status(utc(2025, 12, 8, 9, 0)).state == "holiday"  # Immacolata, a Monday
    easter_monday = CAL.status(utc(2027, 3, 29, 9, 0))
    assert easter_monday.state == "holiday"
    assert "Easter" in easter_monday.reason


def test_patron_day_31_january() -> None:
    status = CAL.status(utc(2026, 1, 31, 9, 0))  # Saturday 10:00, normally open
    assert (status.state, status.reason) == ("holiday", "patron day")
    plain = build_calendar(WEEK, Holidays(country=None), "Europe/Rome")
    assert plain.status(utc(2026, 1, 31, 9, 0)).open


def test_dated_closure_carries_its_message() -> None:
    status = CAL.status(utc(2026, 12, 24, 9, 0))  # Thursday, normally open
    assert (status.state, status.reason, status.prompt) == ("closure", "Vigilia", "xmas")
    own = build_calendar(
        WEEK,
        RULES,
        "Europe/Rome",
        (Closure(date=date(2026, 8, 10), until=date(2026, 8, 14), prompt="summer"),),
    )
    assert own.status(utc(2026, 8, 13, 9, 0)).prompt == "summer"
    assert own.status(utc(2026, 8, 17, 9, 0)).open  # the Monday after


def test_daylight_saving_time_moves_the_opening_in_utc() -> None:
    # Summer time ends on Sunday 25 October 2026: 07:15 UTC is 09:15 on Thursday 22
    # October (UTC+2) but 08:15 on Monday 26 October (UTC+1), before the 08:30 opening.
    assert CAL.status(utc(2026, 10, 22, 7, 15)).open
    assert not CAL.status(utc(2026, 10, 26, 7, 15)).open
    assert CAL.status(utc(2026, 10, 26, 7, 30)).open


def test_next_opening_skips_holidays_and_closures() -> None:
    # Wednesday 23 December: Thursday 24 is closed, Friday 25 Christmas; Saturday 26
    # is Santo Stefano: next is Monday 28 at 08:30 (07:30 UTC).
    assert CAL.next_opening(utc(2026, 12, 23, 12, 0)) == datetime(
        2026, 12, 28, 8, 30, tzinfo=CAL.tz
    )
    # Monday at lunch: the afternoon range the same day.
    at = CAL.next_opening(utc(2026, 11, 30, 12, 30))
    assert at is not None
    assert at.astimezone(UTC) == utc(2026, 11, 30, 13, 0)
    never = build_calendar({}, RULES, "Europe/Rome")
    assert never.next_opening(utc(2026, 11, 30, 12, 30)) is None


def test_next_closing_ends_the_range_and_runs_on_through_adjacent_ones() -> None:
    # Monday 30 November at 10:00: the morning range ends at 13:00.
    assert CAL.next_closing(utc(2026, 11, 30, 9, 0)) == datetime(2026, 11, 30, 13, 0, tzinfo=CAL.tz)
    assert CAL.next_closing(utc(2026, 11, 30, 12, 30)) is None  # lunch: not open
    assert CAL.is_open(utc(2026, 11, 30, 9, 0))
    joined = build_calendar({"mon": ("08:00-13:00", "13:00-24:00"), "tue": ("00:00-02:00",)},
                            RULES, "Europe/Rome")  # fmt: skip
    assert joined.next_closing(utc(2026, 11, 30, 9, 0)) == datetime(
        2026, 12, 1, 2, 0, tzinfo=CAL.tz
    )


def test_next_closing_stops_at_midnight_before_a_holiday() -> None:
    # Monday 7 December 2026 open till midnight; Tuesday 8 December is a holiday.
    late = build_calendar({"mon": ("20:00-24:00",), "tue": ("00:00-09:00",)}, RULES,
                          "Europe/Rome")  # fmt: skip
    assert late.next_closing(utc(2026, 12, 7, 20, 0)) == datetime(2026, 12, 8, 0, 0, tzinfo=CAL.tz)
