"""Historical reports, as the ``centralino report`` command and the ``/reports`` page ask for
them (staffing advice: ``acd.staffing``): the request checked against the center's
configuration, the rows read from the store
(``acd.store.reports``), the figures computed by ``reports`` (one implementation), the CSV.

Errors: ``BadRequest`` (``reports.periods``) for a request that makes no sense: an unknown
kind, interval, service or agent, a date that is none, a range the wrong way round or too
long for its interval. It names what was wrong, and nothing is read. The store's errors
(``StoreError``) pass through.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from acd.config.model import CenterConfig
from acd.staffing import StaffingRequest, make_staffing, staffing_request
from acd.store.reports import ReportStore
from reports.agent_time import AgentReport, agent_reports, agent_reports_from_intervals
from reports.callbacks import CallbackReport, callback_reports
from reports.export import agents_csv, callbacks_csv, ivr_csv, services_csv, staffing_csv
from reports.history import (
    ServiceReport,
    countable,
    service_reports,
    service_reports_from_intervals,
)
from reports.ivr_usage import IvrFigures, ivr_figures
from reports.periods import BadRequest, Grid, Interval, Period, grid, parse_interval, period
from reports.service_level import Rule
from reports.staffing import StaffingReport

QUARTER_HOUR = 900  # seconds: the interval table's step


class Kind(StrEnum):
    SERVICES = "services"
    AGENTS = "agents"
    IVR = "ivr"
    STAFFING = "staffing"  # acd.staffing
    CALLBACKS = "callbacks"


# The reports whose figures are the whole period's, with no intervals: only its length counts.
WHOLE_PERIOD = (Kind.IVR, Kind.CALLBACKS)


@dataclass(frozen=True, slots=True)
class ReportRequest:
    kind: Kind
    period: Period
    interval: Interval = Interval.DAY
    service: str | None = None  # one service (services, callbacks), None: every one
    agent: str | None = None  # one agent (agents), None: every one


@dataclass(frozen=True, slots=True)
class Report:
    request: ReportRequest
    grid: Grid
    services: list[ServiceReport] = field(default_factory=list)
    agents: list[AgentReport] = field(default_factory=list)
    ivr: IvrFigures | None = None
    staffing: list[StaffingReport] = field(default_factory=list)
    callbacks: list[CallbackReport] = field(default_factory=list)


def report_request(
    cfg: CenterConfig,
    kind: str,
    first: str,
    last: str,
    interval: str = Interval.DAY,
    service: str | None = None,
    agent: str | None = None,
) -> ReportRequest:
    """The request, checked (``BadRequest`` says what is wrong); "" is no filter."""
    try:
        asked = Kind(kind)
    except ValueError:
        kinds = ", ".join(k.value for k in Kind)
        raise BadRequest(f"kind: {kind!r} is not one of {kinds}", "kind",
                         given=kind) from None  # fmt: skip
    if asked is Kind.STAFFING:
        own = staffing_request(cfg, first, last, interval, service)
        return ReportRequest(asked, own.period, own.interval, own.service)
    if service and service not in cfg.services:
        known = ", ".join(cfg.services)
        raise BadRequest(f"service: unknown service {service!r} (the services: {known})",
                         "service", given=service)  # fmt: skip
    if agent and cfg.agent(agent) is None:
        known = ", ".join(a.id for a in cfg.agents)
        raise BadRequest(f"agent: unknown agent {agent!r} (the agents: {known})", "agent",
                         given=agent)  # fmt: skip
    every = Interval.DAY if asked in WHOLE_PERIOD else parse_interval(interval)
    zone = ZoneInfo(cfg.center.timezone)
    return ReportRequest(asked, period(first, last, zone, every), every, service or None,
                         agent or None)  # fmt: skip


async def make_report(
    store: ReportStore, cfg: CenterConfig, request: ReportRequest, now: datetime
) -> Report:
    """Read what ``request`` needs and compute its figures; agents' states run until ``now``
    at the latest."""
    p = request.period
    cells = grid(p, request.interval)
    if request.kind is Kind.SERVICES:
        services = [request.service] if request.service else list(cfg.services)
        rules = {s: cfg.service_level_rule(s) for s in services}
        return Report(request, cells, services=await service_figures(store, cells, rules))
    if request.kind is Kind.AGENTS:
        agents = [request.agent] if request.agent else [a.id for a in cfg.agents]
        until = min(p.end, now, key=lambda t: t.timestamp())
        return Report(request, cells, agents=await agent_figures(store, cells, agents, until))
    if request.kind is Kind.STAFFING:
        own = StaffingRequest(p, request.interval, request.service)
        return Report(request, cells, staffing=(await make_staffing(store, cfg, own, now)).services)
    if request.kind is Kind.CALLBACKS:
        services = [request.service] if request.service else list(cfg.services)
        return Report(request, cells, callbacks=await period_callbacks(store, p, cfg, services))
    return Report(request, cells, ivr=ivr_figures(await store.ivr_sessions(p.start, p.end)))


async def period_callbacks(
    store: ReportStore, p: Period, cfg: CenterConfig, services: list[str]
) -> list[CallbackReport]:
    """The callbacks asked for in the period, and the callers answered on the line."""
    rows = await store.callbacks(p.start, p.end, services)
    live = await store.answered_on_the_line(p.start, p.end, list(cfg.services), services)
    return callback_reports(rows, services, live)


async def service_figures(
    store: ReportStore, cells: Grid, rules: dict[str, Rule], summary: bool = True
) -> list[ServiceReport]:
    """The services' reports: from the interval table when ``summary`` and it can count them
    (every edge of the grid a quarter hour, every rule's T and S whole seconds up to its
    cap), from the contacts otherwise. Both give the same figures."""
    if summary and quarter_hours(cells) and all(countable(r) for r in rules.values()):
        rows = await store.service_intervals(cells.starts[0], cells.end, list(rules))
        return service_reports_from_intervals(rows, cells, rules)
    contacts = await store.queued_contacts(cells.starts[0], cells.end, list(rules))
    return service_reports(contacts, cells, rules)


async def agent_figures(
    store: ReportStore, cells: Grid, agents: list[str], until: datetime, summary: bool = True
) -> list[AgentReport]:
    """The agents' reports: when ``summary`` and every edge of the grid is a quarter hour,
    from the interval table up to the quarter hour of ``until`` (each agent's open stretch
    and what comes after from the changes), from the changes otherwise. Both give the same
    figures."""
    start, end = cells.starts[0], cells.end
    split = datetime.fromtimestamp(until.timestamp() // QUARTER_HOUR * QUARTER_HOUR, UTC)
    if not (summary and quarter_hours(cells) and split.timestamp() > start.timestamp()):
        changes = await store.state_changes(start, end, agents)
        return agent_reports(agents, changes, cells, until)
    rows = await store.agent_intervals(start, split, agents)
    last = await store.last_changes(agents)
    later = split.timestamp() < end.timestamp()
    tail = await store.state_changes(split, end, agents) if later else []
    return agent_reports_from_intervals(agents, rows, last, tail, cells, split, until)


def quarter_hours(cells: Grid) -> bool:
    """Whether every edge of the grid is a UTC quarter hour (so, in a zone whose offset is
    whole quarter hours, every period and interval the reports offer)."""
    return all(t.timestamp() % QUARTER_HOUR == 0 for t in (*cells.starts, cells.end))


def report_csv(report: Report, cfg: CenterConfig) -> str:
    """The report as an Italian spreadsheet's CSV (``reports.export``)."""
    kind = report.request.kind
    if kind is Kind.SERVICES:
        names = {key: s.name for key, s in cfg.services.items()}
        return services_csv(report.services, report.grid, names)
    if kind is Kind.AGENTS:
        return agents_csv(report.agents, report.grid, {a.id: a.name for a in cfg.agents})
    if kind is Kind.STAFFING:
        names = {key: s.name for key, s in cfg.services.items()}
        return staffing_csv(report.staffing, report.grid, names)
    if kind is Kind.CALLBACKS:
        names = {key: s.name for key, s in cfg.services.items()}
        return callbacks_csv(report.callbacks, names)
    assert report.ivr is not None
    return ivr_csv(report.ivr)


def csv_name(request: ReportRequest) -> str:
    """``centralino-services-2025-10-01-2025-10-31-hour.csv``: what a download is saved as."""
    p, kind = request.period, request.kind.value
    every = "" if request.kind in WHOLE_PERIOD else f"-{request.interval.value}"
    return f"centralino-{kind}-{p.first}-{p.last}{every}.csv"
