"""Report periods and their intervals, in the center's time zone.

A period is a range of whole days, ``first`` to ``last`` included, from local midnight to
local midnight; its intervals (``Grid``) are 15 minutes, hours, days, weeks (from Monday)
or months of local time. A day when the clocks change has 23 or 25 hours: on the last
Sunday of October in Europe/Rome the hour from 02:00 comes twice, as two intervals, the
first at +02:00 and the second at +01:00. Week and month intervals at the edges of the
period are cut to it (a period from a Wednesday starts its first week that Wednesday).

Instants are compared as UTC timestamps, never as local datetimes: Python compares two
datetimes of the same zone by their wall time and ignores ``fold``, so 02:30 of summer time
and 02:30 of winter time would look equal.

Errors: ``BadRequest`` (a ``ValueError``) for a date that is none, a range the wrong way
round, or longer than its interval allows (``MAX_DAYS``).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class BadRequest(ValueError):
    """A report asked with filters that make no sense: the message says which; ``key`` and
    ``values`` let a page say it in its own language (``acd.web.texts``, ``reports.bad.*``)."""

    def __init__(self, message: str, key: str, **values: object) -> None:
        super().__init__(message)
        self.key, self.values = key, values


class Interval(StrEnum):
    QUARTER_HOUR = "15min"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


# The longest period each interval may cover: a month by quarter hours is about 3,000 rows
# per service, a year by days 366.
MAX_DAYS = {Interval.QUARTER_HOUR: 31, Interval.HOUR: 92, Interval.DAY: 366,
            Interval.WEEK: 366, Interval.MONTH: 366}  # fmt: skip
_MINUTES = {Interval.QUARTER_HOUR: 15, Interval.HOUR: 60}


@dataclass(frozen=True, slots=True)
class Period:
    first: date
    last: date  # included
    zone: ZoneInfo

    @property
    def start(self) -> datetime:
        return midnight(self.first, self.zone)

    @property
    def end(self) -> datetime:
        return midnight(self.last + timedelta(days=1), self.zone)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """The start of ``day`` in ``zone`` (through UTC: a midnight in a clock gap moves on)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC).astimezone(zone)


def parse_day(text: str | date, name: str) -> date:
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadRequest(f"{name}: {text!r} is not a date (YYYY-MM-DD)", "date", field=name,
                         given=text) from None  # fmt: skip


def parse_interval(text: str | Interval) -> Interval:
    try:
        return Interval(text)
    except ValueError:
        names = ", ".join(i.value for i in Interval)
        raise BadRequest(f"interval: {text!r} is not one of {names}", "interval",
                         given=text) from None  # fmt: skip


def period(
    first: str | date, last: str | date, zone: ZoneInfo, interval: Interval = Interval.DAY
) -> Period:
    """The period from ``first`` to ``last`` (both included), checked for ``interval``."""
    start, end = parse_day(first, "from"), parse_day(last, "to")
    if end < start:
        raise BadRequest(f"from {start} is after to {end}: the range is the wrong way round",
                         "order", first=start, last=end)  # fmt: skip
    asked = Period(start, end, zone)
    if asked.days > MAX_DAYS[interval]:
        raise BadRequest(
            f"{asked.days} days by {interval.value}: at most {MAX_DAYS[interval]} days "
            "(choose a longer interval or a shorter range)",
            "too_long", days=asked.days, interval=interval.value, limit=MAX_DAYS[interval],
        )  # fmt: skip
    return asked


@dataclass(frozen=True, slots=True)
class Grid:
    """The intervals of a period: their starts (local time) and the period's end."""

    interval: Interval
    starts: tuple[datetime, ...]
    end: datetime
    _stamps: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        stamps = (*(s.timestamp() for s in self.starts), self.end.timestamp())
        object.__setattr__(self, "_stamps", stamps)

    def __len__(self) -> int:
        return len(self.starts)

    def index(self, t: datetime) -> int | None:
        """The interval ``t`` falls in, or None outside the period."""
        return self.index_stamp(t.timestamp())

    def cut(self, start: datetime, end: datetime) -> Iterator[tuple[int, float]]:
        """``[start, end)`` cut at the intervals' edges: (interval, seconds) inside each."""
        return self.cut_stamps(start.timestamp(), end.timestamp())

    @property
    def edges(self) -> tuple[float, ...]:
        """The intervals' starts and the period's end, as POSIX timestamps."""
        return self._stamps

    def index_stamp(self, stamp: float) -> int | None:
        """``index`` of a POSIX timestamp."""
        if not self._stamps[0] <= stamp < self._stamps[-1]:
            return None
        return bisect.bisect_right(self._stamps, stamp) - 1

    def cut_stamps(self, start: float, end: float) -> Iterator[tuple[int, float]]:
        """``cut`` of POSIX timestamps (a report cutting many stretches converts each once)."""
        a = max(start, self._stamps[0])
        b = min(end, self._stamps[-1])
        i = bisect.bisect_right(self._stamps, a) - 1
        while a < b:
            edge = min(b, self._stamps[i + 1])
            yield i, edge - a
            a, i = edge, i + 1

    def label(self, i: int) -> str:
        """The interval's start as local time: ``2025-10-26 02:00``, with its UTC offset
        when that wall time comes twice (``2025-10-26 02:00 +01:00``); a day, week or month
        by its first day (``2025-10-20``), a month as ``2025-10``."""
        start = self.starts[i]
        if self.interval is Interval.MONTH:
            return start.strftime("%Y-%m")
        if self.interval not in _MINUTES:
            return start.date().isoformat()
        text = start.strftime("%Y-%m-%d %H:%M")
        return f"{text} {offset(start)}" if ambiguous(start) else text


def offset(t: datetime) -> str:
    """``+02:00``: the UTC offset of a local time."""
    text = t.strftime("%z")
    return f"{text[:3]}:{text[3:]}"


def ambiguous(t: datetime) -> bool:
    """Whether the wall time of ``t`` comes twice in its zone (the hour the clocks go back)."""
    return t.replace(fold=1 - t.fold).utcoffset() != t.utcoffset()


def grid(p: Period, interval: Interval) -> Grid:
    starts, end = [p.start], p.end
    while (following := _next(starts[-1], interval, p.zone)).timestamp() < end.timestamp():
        starts.append(following)
    return Grid(interval, tuple(starts), end)


def _next(t: datetime, interval: Interval, zone: ZoneInfo) -> datetime:
    """The start of the interval after the one starting at ``t``."""
    if interval in _MINUTES:
        minutes = _MINUTES[interval]
        later = (t.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(zone)
        floored = later.replace(minute=later.minute - later.minute % minutes, second=0,
                                microsecond=0)  # fmt: skip
        return floored if floored.timestamp() > t.timestamp() else later
    day = t.date()
    if interval is Interval.DAY:
        return midnight(day + timedelta(days=1), zone)
    if interval is Interval.WEEK:
        return midnight(day + timedelta(days=7 - day.weekday()), zone)
    month = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return midnight(month, zone)
