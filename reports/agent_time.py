"""Agents' time by interval, from their state changes (``agent_states``): what
``centralino report agents`` and the ``/reports`` page show (docs/reports.md).

Each change starts a stretch in its state that lasts until the agent's next change (the
last one until the end of the period, or now if that is earlier). A stretch is cut at the
period's edges and at every interval's, so a pause from 23:30 to 00:30 gives half an hour
to each day; the change in force when the period starts (the store reads the last one
before it) gives the first stretch. Before an agent's first known change it was logged out.

    logged_in     every state but logged out
    ready         waiting for a call
    paused        in pause, also by reason (the reason of the change that started it)
    ringing, talking, wrap_up
    calls         answers: changes into "on call" within the interval
    aht           (talking + wrap-up) / calls
    occupancy     (ringing + talking + wrap-up) / (those + ready): ``service_level.occupancy``
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from agents.states import AgentState
from reports.periods import Grid
from reports.service_level import occupancy

S = AgentState


@dataclass(frozen=True, slots=True)
class StateChange:
    agent_id: str
    state: str  # an AgentState value
    reason: str  # "" when none was given
    at: datetime


@dataclass(slots=True)
class _Tally:
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    paused_by_reason: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: int = 0


@dataclass(frozen=True, slots=True)
class AgentFigures:
    logged_in_seconds: float
    ready_seconds: float
    paused_seconds: float
    paused_by_reason: Mapping[str, float]
    ringing_seconds: float
    talking_seconds: float
    wrap_up_seconds: float
    calls: int
    aht_seconds: float | None
    occupancy: float | None


@dataclass(frozen=True, slots=True)
class AgentReport:
    agent_id: str
    intervals: tuple[AgentFigures, ...]  # one per interval of the grid
    total: AgentFigures


def agent_reports(
    agents: Sequence[str], changes: Iterable[StateChange], grid: Grid, until: datetime
) -> list[AgentReport]:
    """One report per agent of ``agents`` (in order): changes oldest first, the one in force
    at the period's start included; stretches end at ``until`` at the latest."""
    by_agent: dict[str, list[StateChange]] = {a: [] for a in agents}
    for change in changes:
        if change.agent_id in by_agent:
            by_agent[change.agent_id].append(change)
    reports = []
    for agent in agents:
        tallies = [_Tally() for _ in grid.starts]
        _add(by_agent[agent], grid, until, tallies)
        reports.append(AgentReport(agent, tuple(_figures([t]) for t in tallies), _figures(tallies)))
    return reports


def _add(
    changes: list[StateChange],
    grid: Grid,
    until: datetime,
    tallies: list[_Tally],
    since: float = -math.inf,
) -> None:
    """The changes' stretches and answers; with ``since``, only what comes from that instant
    (the interval table counted what came before)."""
    # Timestamps, each converted once: a day of 200 agents is some 70,000 changes at 10
    # million contacts (docs/benchmarks.md).
    stop = until.timestamp()
    stamps = [c.at.timestamp() for c in changes]
    stamps.append(stop)
    before: str = S.LOGGED_OUT
    for n, change in enumerate(changes):
        start = max(stamps[n], since)
        i = _stretch(tallies, grid, change, start, min(stamps[n + 1], stop))
        answered = change.state == S.ON_CALL and before != S.ON_CALL
        if answered and i is not None and stamps[n] >= since:
            tallies[i].calls += 1
        before = change.state


def _stretch(
    tallies: list[_Tally], grid: Grid, change: StateChange, start: float, end: float
) -> int | None:
    """Add ``change``'s state from ``start`` to ``end``; the interval of ``start``."""
    state, edges = change.state, grid.edges
    i = grid.index_stamp(start)
    if i is not None and end <= edges[i + 1]:  # most stretches: within one interval
        cut: Iterable[tuple[int, float]] = ((i, end - start),) if start < end else ()
    else:
        cut = grid.cut_stamps(start, end)
    for k, seconds in cut:
        tallies[k].seconds[state] += seconds
        if state == S.PAUSED:
            tallies[k].paused_by_reason[change.reason] += seconds
    return i


@dataclass(frozen=True, slots=True)
class AgentInterval:
    """A row of the interval table (migration 017): an agent's seconds by state and its
    answers in the UTC quarter hour from ``start``, from the stretches a later change
    closed."""

    agent_id: str
    start: datetime
    ready: float
    paused: float
    ringing: float
    talking: float
    wrap_up: float
    calls: int
    paused_by_reason: Mapping[str, float]

    def add_to(self, tally: _Tally) -> None:
        for state, seconds in ((S.READY, self.ready), (S.PAUSED, self.paused),
                               (S.RINGING, self.ringing), (S.ON_CALL, self.talking),
                               (S.WRAP_UP, self.wrap_up)):  # fmt: skip
            if seconds:
                tally.seconds[state] += seconds
        for reason, seconds in self.paused_by_reason.items():
            tally.paused_by_reason[reason] += seconds
        tally.calls += self.calls


def agent_reports_from_intervals(
    agents: Sequence[str],
    intervals: Iterable[AgentInterval],
    last: Iterable[StateChange],
    tail: Iterable[StateChange],
    grid: Grid,
    split: datetime,
    until: datetime,
) -> list[AgentReport]:
    """``agent_reports`` from the interval table (the same figures, when the grid's edges
    are quarter hours): its quarter hours up to ``split`` (a quarter hour, at most
    ``until``), plus each agent's ``last`` change's open stretch up to ``split`` (the table
    holds only closed ones), plus the changes from ``split`` on (``tail``: the one in force
    then and those after, as ``agent_reports`` reads them)."""
    tallies = {a: [_Tally() for _ in grid.starts] for a in agents}
    for row in intervals:
        i = grid.index(row.start)
        if row.agent_id in tallies and i is not None:
            row.add_to(tallies[row.agent_id][i])
    cut = split.timestamp()
    for change in last:
        if change.agent_id in tallies and change.at.timestamp() < cut:
            _stretch(tallies[change.agent_id], grid, change,
                     max(change.at.timestamp(), grid.edges[0]), cut)  # fmt: skip
    by_agent: dict[str, list[StateChange]] = {a: [] for a in agents}
    for change in tail:
        if change.agent_id in by_agent:
            by_agent[change.agent_id].append(change)
    reports = []
    for agent in agents:
        own = tallies[agent]
        _add(by_agent[agent], grid, until, own, since=cut)
        reports.append(AgentReport(agent, tuple(_figures([t]) for t in own), _figures(own)))
    return reports


def _figures(tallies: Sequence[_Tally]) -> AgentFigures:
    seconds: dict[str, float] = defaultdict(float)
    reasons: dict[str, float] = defaultdict(float)
    for t in tallies:
        for state, value in t.seconds.items():
            seconds[state] += value
        for reason, value in t.paused_by_reason.items():
            reasons[reason] += value
    calls = sum(t.calls for t in tallies)
    handled = seconds[S.ON_CALL] + seconds[S.WRAP_UP]
    return AgentFigures(
        logged_in_seconds=sum(v for k, v in seconds.items() if k != S.LOGGED_OUT),
        ready_seconds=seconds[S.READY],
        paused_seconds=seconds[S.PAUSED],
        paused_by_reason=dict(sorted(reasons.items())),
        ringing_seconds=seconds[S.RINGING],
        talking_seconds=seconds[S.ON_CALL],
        wrap_up_seconds=seconds[S.WRAP_UP],
        calls=calls,
        aht_seconds=handled / calls if calls else None,
        occupancy=occupancy(seconds),
    )
