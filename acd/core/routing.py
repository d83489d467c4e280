"""Choosing: which ready agent takes a call, and which waiting call a free agent takes.

Calls are grouped in pools: the waiting calls of one service that share one effective
requirement (the service's, widened by the relaxation steps reached, and the IVR's addition).
Agents' skills are fixed by the configuration, so each pool knows once and for all which
agents qualify (``eligible``). Each pool keeps two sorted lists, best first:

- ``calls``: its waiting calls (not those ringing an agent) by queue key, so a free agent
  looks only at the heads of the pools it qualifies for: one global order across queues;
- ``ready``: its ready agents by the service's strategy rank, so a new call looks only at
  the head. Ranks never change while an agent stays ready, so the lists stay sorted.

Strategies (lower rank first; ties go to the longest idle, then the agent id):
``longest_idle``; ``most_skilled`` (highest level of the main skill); ``least_occupied``
(least talk time today); ``round_robin`` (the agent offered a call longest ago).
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import assert_never

from acd.core.model import Seat, Strategy
from acd.core.queue import QueueKey, discard
from acd.core.requirements import Requirement
from agents.states import AgentState

PoolKey = tuple[str, int, str]  # (service, relaxation stage, the IVR's requirement text)
AgentRank = tuple[float, float, str]  # (strategy's figure, idle since, agent id)


@dataclass(slots=True, eq=False)
class Pool:
    key: PoolKey
    requirement: Requirement
    strategy: Strategy
    main_skill: str
    eligible: frozenset[str]
    calls: list[QueueKey] = field(default_factory=list)
    ready: list[AgentRank] = field(default_factory=list)
    staffed: int = 0  # logged-in eligible agents


def idle_since(seat: Seat) -> float:
    return seat.idle_since.timestamp() if seat.idle_since is not None else float("-inf")


def rank(seat: Seat, strategy: Strategy, main_skill: str, idle: float) -> AgentRank:
    """The agent's place among a pool's ready agents; ``idle`` is ``idle_since(seat)``."""
    match strategy:
        case Strategy.LONGEST_IDLE:  # the idle time alone decides
            figure = 0.0
        case Strategy.MOST_SKILLED:
            figure = -float(seat.agent.skills.get(main_skill, 0))
        case Strategy.LEAST_OCCUPIED:
            figure = seat.talk_seconds_today
        case Strategy.ROUND_ROBIN:
            figure = float(seat.last_offer)
        case _:
            assert_never(strategy)
    return (figure, idle, seat.agent.agent_id)


class Router:
    def __init__(self, seats: Mapping[str, Seat]) -> None:
        self._seats = seats
        self.pools: dict[PoolKey, Pool] = {}
        self._of_agent: dict[str, list[Pool]] = {a: [] for a in seats}
        self._ranks: dict[str, list[tuple[Pool, AgentRank]]] = {}  # ready agents' entries

    def pool(self, key: PoolKey, requirement: Requirement, strategy: Strategy, main: str) -> Pool:
        """The pool for ``key``, made on first use from the agents' fixed skills."""
        found = self.pools.get(key)
        if found is not None:
            return found
        eligible = frozenset(a for a, s in self._seats.items() if requirement(s.agent.skills))
        pool = self.pools[key] = Pool(key, requirement, strategy, main, eligible)
        for agent_id in sorted(eligible):
            seat = self._seats[agent_id]
            self._of_agent[agent_id].append(pool)
            pool.staffed += seat.state is not AgentState.LOGGED_OUT
            if seat.offerable:
                self._add_rank(seat, pool)
        return pool

    # -- agents --------------------------------------------------------------------------

    def ready(self, seat: Seat) -> None:
        agent_id = seat.agent.agent_id
        entries = self._ranks.setdefault(agent_id, [])
        idle = idle_since(seat)
        for pool in self._of_agent[agent_id]:
            r = rank(seat, pool.strategy, pool.main_skill, idle)
            insort(pool.ready, r)
            entries.append((pool, r))

    def _add_rank(self, seat: Seat, pool: Pool) -> None:
        r = rank(seat, pool.strategy, pool.main_skill, idle_since(seat))
        insort(pool.ready, r)
        self._ranks.setdefault(seat.agent.agent_id, []).append((pool, r))

    def unready(self, agent_id: str) -> None:
        for pool, r in self._ranks.pop(agent_id, ()):
            discard(pool.ready, r)

    def staff(self, agent_id: str, delta: int) -> None:
        for pool in self._of_agent[agent_id]:
            pool.staffed += delta

    def pools_of(self, agent_id: str) -> list[Pool]:
        return self._of_agent[agent_id]

    def best_agent(self, pool: Pool) -> str | None:
        return pool.ready[0][2] if pool.ready else None

    # -- calls ---------------------------------------------------------------------------

    def add_call(self, pool: Pool, key: QueueKey) -> None:
        insort(pool.calls, key)

    def remove_call(self, pool: Pool, key: QueueKey) -> None:
        discard(pool.calls, key)

    def best_call(self, agent_id: str) -> tuple[Pool, QueueKey] | None:
        """The first waiting call, in one order across every pool the agent qualifies for."""
        best: tuple[Pool, QueueKey] | None = None
        for pool in self._of_agent[agent_id]:
            if pool.calls and (best is None or pool.calls[0] < best[1]):
                best = (pool, pool.calls[0])
        return best
