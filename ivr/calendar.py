"""Opening hours: is a desk open now, when does it next open, and when does it next close?
Pure: ``now`` is passed in.

A calendar is weekly hours in the center's timezone, minus public holidays (the
``holidays`` package, e.g. Italy's), the city's patron day (31 January, San Geminiano, in
Modena) and dated closures, each of which may carry its own message. ``now`` must be an
aware datetime; it is converted to the calendar's timezone, so daylight saving time moves
the opening in UTC, not on the wall clock.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import holidays as holiday_rules

from ivr.model import Closure, Holidays, Weekday

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LOOK_AHEAD_DAYS = 60  # a desk closed for longer than this "does not open soon"

Range = tuple[time, time]
State = Literal["open", "closed", "holiday", "closure"]


@dataclass(frozen=True, slots=True)
class Status:
    state: State
    reason: str = ""  # the holiday's or the closure's name
    prompt: str | None = None  # a closure's own message

    @property
    def open(self) -> bool:
        return self.state == "open"


@dataclass(frozen=True, slots=True)
class OpeningCalendar:
    tz: ZoneInfo
    weekly: dict[int, tuple[Range, ...]]  # weekday (Monday 0) -> opening ranges
    public_holidays: Container[date] = field(default_factory=frozenset)
    patron_day: tuple[int, int] | None = None  # (month, day)
    closures: tuple[Closure, ...] = ()

    def status(self, now: datetime) -> Status:
        local = now.astimezone(self.tz)
        day = self.day_status(local.date())
        if day is not None:
            return day
        t = local.time()
        opened = any(start <= t < end for start, end in self.weekly.get(local.weekday(), ()))
        return Status("open" if opened else "closed")

    def day_status(self, day: date) -> Status | None:
        """Why the desk is shut all ``day`` (a closure, a holiday), or None."""
        for closure in self.closures:
            if closure.date <= day <= (closure.until or closure.date):
                return Status("closure", closure.reason, closure.prompt)
        if (day.month, day.day) == self.patron_day:
            return Status("holiday", "patron day")
        if day in self.public_holidays:
            return Status("holiday", _holiday_name(self.public_holidays, day))
        return None

    def is_open(self, now: datetime) -> bool:
        return self.status(now).open

    def next_opening(self, now: datetime) -> datetime | None:
        """When the desk next opens after ``now`` (in the calendar's timezone), or None."""
        local = now.astimezone(self.tz)
        for offset in range(LOOK_AHEAD_DAYS):
            day = local.date() + timedelta(days=offset)
            if self.day_status(day) is not None:
                continue
            for start, _ in self.weekly.get(day.weekday(), ()):
                at = datetime.combine(day, start, tzinfo=self.tz)
                if at > local:
                    return at
        return None

    def next_closing(self, now: datetime) -> datetime | None:
        """When the desk, open at ``now``, next closes: the end of its range, or of the
        ranges that follow on without a gap (13:00-24:00 then 00:00-..., or 08:30-13:00
        then 13:00-18:00), unless a holiday or a closure shuts it at midnight. None when
        it is not open, or stays open past the look-ahead."""
        at = now.astimezone(self.tz)
        for _ in range(LOOK_AHEAD_DAYS * 4):
            end = self._range_end(at)
            if end is None:
                return None if at == now.astimezone(self.tz) else at
            at = end
        return None

    def _range_end(self, local: datetime) -> datetime | None:
        """The end of the opening range ``local`` falls in, or None if it is shut then."""
        if not self.status(local).open:
            return None
        t = local.time()
        for start, end in self.weekly.get(local.weekday(), ()):
            if start <= t < end:
                if end == time.max:  # 24:00: the next day's midnight
                    return datetime.combine(local.date() + timedelta(days=1), time(0), self.tz)
                return datetime.combine(local.date(), end, tzinfo=self.tz)
        return None


def build_calendar(
    hours: Mapping[Weekday, tuple[str, ...]],
    rules: Holidays,
    timezone: str,
    own_closures: tuple[Closure, ...] = (),
) -> OpeningCalendar:
    """A calendar from the configuration's weekly hours and the center's holiday rules."""
    weekly = {WEEKDAYS.index(d): tuple(_range(r) for r in ranges) for d, ranges in hours.items()}
    public: Container[date] = frozenset()
    if rules.country:
        public = holiday_rules.country_holidays(rules.country)
    patron = None
    if rules.patron_day:
        month, day = rules.patron_day.split("-")
        patron = (int(month), int(day))
    closures = (*own_closures, *rules.closures)
    return OpeningCalendar(ZoneInfo(timezone), weekly, public, patron, closures)


def _range(text: str) -> Range:
    start, end = text.split("-")
    return _time(start), _time(end)


def _time(text: str) -> time:
    hour, minute = (int(part) for part in text.split(":"))
    return time.max if hour == 24 else time(hour, minute)


def _holiday_name(rules: Container[date], day: date) -> str:
    get = getattr(rules, "get", None)
    return str(get(day)) if get is not None else "public holiday"
