"""Staffing advice: the agents Erlang C says a service needs in an interval, on the load
forecast from the same weekday and interval of the previous weeks, beside the agents who
were staffed and the service level achieved (docs/reports.md, "Staffing advice").

Forecast of an interval (``forecast``): the offered calls and the AHT of the interval that
starts at the same local wall-clock time on the same weekday 1 to ``WEEKS`` weeks earlier.

    offered   mean of the weeks counted
    AHT       handle time / answered over the weeks counted (weighted by calls answered)
    weeks     those counted: a week is left out when the service had no call at all that
              day (closed, a holiday, before the history begins), or when that wall-clock
              time did not exist that day (the hour skipped when the clocks go forward).
              An interval with no call on a day with calls counts, as 0.

The clocks: the same wall time is matched, not the same UTC offset, so 09:00 follows 09:00
across a change. On the day the clocks go back, 02:00 comes twice; a past day's first
02:00 (summer time) stands for a normal day's 02:00, and each of the two 02:00 of that day
takes the one 02:00 of the weeks before.

Advice (``advised``): Erlang C's ``agents_needed`` for the load ``offered / interval length
× AHT`` at the service's T and target share within T; 0 with no calls forecast; None
without a forecast (no week counted, or no call answered to give an AHT).

Staffed: the time-weighted average of the agents logged in (any state but logged out: a
pause counts, as it does in the agents' report) who hold the service, over the part of the
interval that has passed; None for an interval not begun.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from reports.agent_time import AgentReport
from reports.erlang import agents_needed
from reports.history import ServiceFigures, ServiceReport
from reports.periods import Grid

WEEKS = 4
Slot = tuple[date, int, int, int]  # local day, hour, minute, fold: a wall-clock start


@dataclass(frozen=True, slots=True)
class Forecast:
    offered: float | None  # calls in the interval; None: no week counted
    aht_seconds: float | None  # None: no call answered in the weeks counted
    weeks: int  # how many past weeks it stands on


@dataclass(frozen=True, slots=True)
class StaffingRow:
    """One interval of one service: what was forecast and advised, what happened."""

    start: datetime
    forecast: Forecast
    advised: int | None
    staffed: float | None  # average agents logged in; None: the interval has not begun
    offered: int
    service_level: float | None  # achieved, by the service's rule
    target: float


@dataclass(frozen=True, slots=True)
class StaffingReport:
    service: str
    seconds: float  # T
    target: float
    rows: tuple[StaffingRow, ...]  # one per interval of the grid


def slot(start: datetime) -> Slot:
    return start.date(), start.hour, start.minute, start.fold


def weeks_before(start: datetime, weeks: int = WEEKS) -> list[Slot]:
    """The wall-clock slots of the same weekday and time 1 to ``weeks`` weeks earlier."""
    return [(start.date() - timedelta(days=7 * k), start.hour, start.minute, 0)
            for k in range(1, weeks + 1)]  # fmt: skip


def forecast(weeks: Sequence[ServiceFigures | None]) -> Forecast:
    """The forecast from the past weeks' figures of the interval; None: a week left out."""
    counted = [w for w in weeks if w is not None]
    if not counted:
        return Forecast(None, None, 0)
    answered = sum(w.answered for w in counted)
    handled = sum((w.aht_seconds or 0.0) * w.answered for w in counted)
    aht = handled / answered if answered else None
    return Forecast(sum(w.offered for w in counted) / len(counted), aht, len(counted))


def advised(f: Forecast, interval_seconds: float, seconds: float, target: float) -> int | None:
    """Erlang C's agents for the forecast (see the module)."""
    if f.offered is None:
        return None
    if f.offered == 0:
        return 0
    if f.aht_seconds is None or f.aht_seconds <= 0:
        return None
    load = f.offered / interval_seconds * f.aht_seconds
    return agents_needed(load, f.aht_seconds, seconds, target)


def past_by_slot(history: ServiceReport, grid: Grid) -> dict[Slot, ServiceFigures | None]:
    """The history's intervals by wall-clock slot: None for those of a day without calls."""
    days: dict[date, int] = {}
    for start, fig in zip(grid.starts, history.intervals, strict=True):
        days[start.date()] = days.get(start.date(), 0) + fig.offered
    return {
        slot(start): (fig if days[start.date()] else None)
        for start, fig in zip(grid.starts, history.intervals, strict=True)
    }


def staffed(
    agents: Sequence[AgentReport], serving: Sequence[str], grid: Grid, until: datetime
) -> list[float | None]:
    """Average agents logged in who hold the service, per interval, up to ``until``."""
    serving_reports = [r for r in agents if r.agent_id in serving]
    edges = (*grid.starts, grid.end)
    averages: list[float | None] = []
    for i in range(len(grid)):
        begun = grid.starts[i].timestamp()
        passed = min(edges[i + 1].timestamp(), until.timestamp()) - begun
        if passed <= 0:
            averages.append(None)
            continue
        logged = sum(r.intervals[i].logged_in_seconds for r in serving_reports)
        averages.append(logged / passed)
    return averages


def staffing_report(
    actual: ServiceReport,
    grid: Grid,
    past: Mapping[Slot, ServiceFigures | None],
    staffed_agents: Sequence[float | None],
    target: float,
) -> StaffingReport:
    """The rows of one service over ``grid``: ``actual`` its figures there, ``past`` its
    history's figures by slot (``past_by_slot``), ``staffed_agents`` per interval."""
    seconds = actual.rule.seconds
    rows = []
    edges = (*grid.starts, grid.end)
    for i, start in enumerate(grid.starts):
        length = edges[i + 1].timestamp() - start.timestamp()
        f = forecast([past.get(s) for s in weeks_before(start)])
        fig = actual.intervals[i]
        rows.append(StaffingRow(start, f, advised(f, length, seconds, target),
                                staffed_agents[i], fig.offered, fig.service_level,
                                target))  # fmt: skip
    return StaffingReport(actual.service, seconds, target, tuple(rows))


def history_start(first: date) -> date:
    """The first day the forecast of a period starting ``first`` reads."""
    return first - timedelta(days=7 * WEEKS)
