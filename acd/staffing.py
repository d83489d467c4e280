"""Staffing advice as ``centralino report staffing``, the ``/reports`` page and
``GET /api/staffing`` ask for it: the request checked against the configuration, the rows
read from the store (``acd.store.reports``, the reports' own queries), the advice computed
by ``reports.staffing`` (docs/reports.md, "Staffing advice").

One read of the contacts covers the four weeks before the first interval and the intervals
themselves; the agents' states are read for the intervals only.

Errors: ``BadRequest`` (``reports.periods``): an unknown service, an interval other than
15 minutes or an hour, a bad date or range, hours outside 1 to 24. Nothing is read then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from acd.config.model import CenterConfig
from acd.core.requirements import parse
from acd.store.reports import ReportStore
from reports.agent_time import agent_reports
from reports.history import service_reports
from reports.periods import BadRequest, Grid, Interval, Period, grid, parse_interval, period
from reports.staffing import StaffingReport, history_start, past_by_slot, staffed, staffing_report

INTERVALS = (Interval.QUARTER_HOUR, Interval.HOUR)
MAX_HOURS = 24  # the API's look-ahead


@dataclass(frozen=True, slots=True)
class StaffingRequest:
    period: Period
    interval: Interval = Interval.HOUR
    service: str | None = None  # None: every service


@dataclass(frozen=True, slots=True)
class Staffing:
    grid: Grid
    services: list[StaffingReport]


def staffing_request(
    cfg: CenterConfig, first: str, last: str, interval: str = Interval.HOUR,
    service: str | None = None,
) -> StaffingRequest:  # fmt: skip
    """The request, checked (``BadRequest`` says what is wrong); "" is no filter."""
    _check_service(cfg, service)
    every = parse_interval(interval)
    if every not in INTERVALS:
        raise BadRequest(f"interval: {interval!r}: staffing advice is by 15min or hour",
                         "staffing_interval", given=interval)  # fmt: skip
    zone = ZoneInfo(cfg.center.timezone)
    return StaffingRequest(period(first, last, zone, every), every, service or None)


async def make_staffing(
    store: ReportStore, cfg: CenterConfig, request: StaffingRequest, now: datetime
) -> Staffing:
    cells = grid(request.period, request.interval)
    return await _advice(store, cfg, cells, _services(cfg, request.service), now)


async def next_hours(
    store: ReportStore, cfg: CenterConfig, service: str | None, hours: str | int, now: datetime
) -> Staffing:
    """The advice for the quarter hours from the one ``now`` is in to ``hours`` later."""
    _check_service(cfg, service)
    try:
        ahead = int(hours)
    except ValueError:
        ahead = 0
    if not 1 <= ahead <= MAX_HOURS:
        raise BadRequest(f"hours: {hours!r} is not a whole number from 1 to {MAX_HOURS}",
                         "hours", given=hours, limit=MAX_HOURS)  # fmt: skip
    zone = ZoneInfo(cfg.center.timezone)
    until = now + timedelta(hours=ahead)
    days = Period(now.astimezone(zone).date(), until.astimezone(zone).date(), zone)
    whole = grid(days, Interval.QUARTER_HOUR)
    first = whole.index(now)
    last = whole.index(until - timedelta(microseconds=1))
    assert first is not None  # both within the days of ``days``
    assert last is not None
    end = whole.starts[last + 1] if last + 1 < len(whole) else whole.end
    cells = Grid(Interval.QUARTER_HOUR, whole.starts[first : last + 1], end)
    return await _advice(store, cfg, cells, _services(cfg, service), now)


async def _advice(
    store: ReportStore, cfg: CenterConfig, cells: Grid, services: list[str], now: datetime
) -> Staffing:
    zone = ZoneInfo(cfg.center.timezone)
    first, last = cells.starts[0].date(), cells.starts[-1].date()
    past = grid(Period(history_start(first), last - timedelta(days=7), zone), cells.interval)
    rules = {s: cfg.service_level_rule(s) for s in services}
    contacts = await store.queued_contacts(past.starts[0], cells.end, services)
    history = service_reports(contacts, past, rules)
    actual = service_reports(contacts, cells, rules)
    agents = [a.id for a in cfg.agents]
    changes = await store.state_changes(cells.starts[0], cells.end, agents)
    until = min(cells.end, now, key=lambda t: t.timestamp())
    times = agent_reports(agents, changes, cells, until)
    reports = []
    for before, now_ in zip(history, actual, strict=True):
        serving = serving_agents(cfg, now_.service)
        reports.append(staffing_report(now_, cells, past_by_slot(before, past),
                                       staffed(times, serving, cells, until),
                                       cfg.service_level_target(now_.service)))  # fmt: skip
    return Staffing(cells, reports)


def serving_agents(cfg: CenterConfig, service: str) -> list[str]:
    """The agents whose skills meet the service's requirement (before any relaxation)."""
    text = cfg.services[service].requirement or f"{service} >= 1"
    requirement = parse(text)
    return [a.id for a in cfg.agents if requirement(a.levels())]


def _services(cfg: CenterConfig, service: str | None) -> list[str]:
    return [service] if service else list(cfg.services)


def _check_service(cfg: CenterConfig, service: str | None) -> None:
    if service and service not in cfg.services:
        known = ", ".join(cfg.services)
        raise BadRequest(f"service: unknown service {service!r} (the services: {known})",
                         "service", given=service)  # fmt: skip
