"""Choosing: which ready agent takes a call, and which waiting call a free agent takes.

Calls are grouped in pools: the waiting calls of one service that share one effective
requirement (the service's, widened by the relaxation steps reached, and the IVR's addition).
Agents' skills are fixed by the configuration, so each pool knows once and for all which
agents qualify (``eligible``). Each pool keeps two sorted lists, best first:

- ``calls``: its waiting calls (not those ringing an agent) by queue key, so a free agent
  looks only at the heads of the pools it works: one global order across queues;
- ``ready``: its ready agents by the service's strategy rank, so a new call looks only at
  the head. Ranks never change while an agent stays ready, so the lists stay sorted.

An agent works a subset of the services it qualifies for (``Seat.services``, chosen at
login and changed while logged in; None: all of them). Each agent has its list of *active*
pools: those it qualifies for whose service it works. Only these count it in ``staffed``,
hold its rank in ``ready`` and are looked at for its next call. The list is made again when
the choice changes (``follow_choice``: the pools left and joined have their counts and ready
lists corrected, nothing else) and grows when a pool is made; a call or a ready agent still
costs only the pools it touches.

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
    staffed: int = 0  # logged-in eligible agents who work its service


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
        self._eligible: dict[str, list[Pool]] = {a: [] for a in seats}  # fixed by skills
        self._active: dict[str, list[Pool]] = {a: [] for a in seats}  # of the services it works
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
            self._eligible[agent_id].append(pool)
            if seat.works(key[0]):
                self._join(seat, pool)
        return pool

    def _join(self, seat: Seat, pool: Pool) -> None:
        """``pool`` becomes one of the agent's active pools."""
        self._active[seat.agent.agent_id].append(pool)
        pool.staffed += seat.state is not AgentState.LOGGED_OUT
        if seat.offerable:
            self._add_rank(seat, pool)

    def follow_choice(self, seat: Seat) -> tuple[list[Pool], list[Pool]]:
        """The agent's active pools after its choice of services changed (``seat.services``):
        the pools it left and those it joined, their staffed counts and ready lists true."""
        agent_id = seat.agent.agent_id
        was = set(self._active[agent_id])
        now = [p for p in self._eligible[agent_id] if seat.works(p.key[0])]
        kept = set(now)
        left = [p for p in self._active[agent_id] if p not in kept]
        joined = [p for p in now if p not in was]
        self._active[agent_id] = [p for p in self._active[agent_id] if p in kept]
        logged_in = seat.state is not AgentState.LOGGED_OUT
        for pool in left:
            pool.staffed -= logged_in
        entries = self._ranks.get(agent_id)
        if entries is not None:  # ready: its ranks leave with the pools
            for pool, r in entries:
                if pool not in kept:
                    discard(pool.ready, r)
            self._ranks[agent_id] = [(pool, r) for pool, r in entries if pool in kept]
        for pool in joined:
            self._join(seat, pool)
        return left, joined

    # -- agents --------------------------------------------------------------------------

    def ready(self, seat: Seat) -> None:
        agent_id = seat.agent.agent_id
        entries = self._ranks.setdefault(agent_id, [])
        idle = idle_since(seat)
        for pool in self._active[agent_id]:
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
        for pool in self._active[agent_id]:
            pool.staffed += delta

    def pools_of(self, agent_id: str) -> list[Pool]:
        """The agent's active pools: those it qualifies for, of the services it works."""
        return self._active[agent_id]

    def best_agent(self, pool: Pool) -> str | None:
        return pool.ready[0][2] if pool.ready else None

    # -- calls ---------------------------------------------------------------------------

    def add_call(self, pool: Pool, key: QueueKey) -> None:
        insort(pool.calls, key)

    def remove_call(self, pool: Pool, key: QueueKey) -> None:
        discard(pool.calls, key)

    def best_call(self, agent_id: str) -> tuple[Pool, QueueKey] | None:
        """The first waiting call, in one order across every pool the agent works."""
        best: tuple[Pool, QueueKey] | None = None
        for pool in self._active[agent_id]:
            if pool.calls and (best is None or pool.calls[0] < best[1]):
                best = (pool, pool.calls[0])
        return best
