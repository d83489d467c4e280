"""Erlang C staffing: the chance to wait, service level, ASA, occupancy, agents needed.

Definitions (``/work/shared/design/metrics.md``): traffic ``A = λ · AHT`` in Erlangs,
``N`` agents, threshold ``T`` seconds.

    P_wait          = C(N, A), the Erlang C probability that a caller waits at all
    service level   = 1 − P_wait · exp(−(N − A) · T / AHT)
    ASA             = P_wait · AHT / (N − A)
    occupancy       = A / N

Numerical stability: the textbook formula divides ``A^N / N!`` sums, which overflow a float
past N ≈ 170. Here ``C`` comes from the Erlang B recursion, iterated from 0 to N::

    B(0) = 1,   B(n) = A·B(n−1) / (n + A·B(n−1)),   C = N·B / (N − A·(1 − B))

Every step stays in [0, 1], so N in the thousands (and A in the thousands) costs N float
operations and never overflows.

An unstable queue (``N <= A``): calls arrive faster than N agents can serve them and the
queue grows without end. The functions do not raise for it; they give the limit values:
``p_wait = 1``, ``service_level = 0``, ``asa = inf``, ``occupancy = 1``. ``Staffing.stable``
says which case it is. Inputs that make no sense (negative traffic, AHT <= 0, N < 1, a
target outside (0, 1)) raise ``ValueError`` with a message naming the input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def traffic(arrivals_per_hour: float, aht_seconds: float) -> float:
    """Offered load in Erlangs: arrivals per second × average handle time."""
    _check_positive("aht_seconds", aht_seconds)
    if arrivals_per_hour < 0 or not math.isfinite(arrivals_per_hour):
        raise ValueError(f"arrivals_per_hour must be >= 0, got {arrivals_per_hour}")
    return arrivals_per_hour / 3600.0 * aht_seconds


def erlang_b(agents: int, load: float) -> float:
    """Blocking probability of an M/M/N/N system (iterative recursion, no overflow)."""
    _check_agents(agents)
    _check_load(load)
    b = 1.0
    for n in range(1, agents + 1):
        b = load * b / (n + load * b)
    return b


def p_wait(agents: int, load: float) -> float:
    """Erlang C: the probability that an arriving caller has to wait (1 when N <= A)."""
    _check_agents(agents)
    _check_load(load)
    if agents <= load:
        return 1.0
    return _c_from_b(agents, load, erlang_b(agents, load))


def service_level(agents: int, load: float, aht_seconds: float, target_seconds: float) -> float:
    """Fraction of callers answered within ``target_seconds`` (0 when N <= A)."""
    _check_positive("aht_seconds", aht_seconds)
    _check_target(target_seconds)
    pw = p_wait(agents, load)
    if agents <= load:
        return 0.0
    return _sl(pw, agents, load, aht_seconds, target_seconds)


def asa(agents: int, load: float, aht_seconds: float) -> float:
    """Average speed of answer in seconds (``math.inf`` when N <= A)."""
    _check_positive("aht_seconds", aht_seconds)
    pw = p_wait(agents, load)
    if agents <= load:
        return math.inf
    return pw * aht_seconds / (agents - load)


def occupancy(agents: int, load: float) -> float:
    """Share of the agents' time spent handling calls: A / N, at most 1."""
    _check_agents(agents)
    _check_load(load)
    return min(1.0, load / agents)


def scheduled_with_shrinkage(agents: int, shrinkage: float) -> int:
    """People to schedule so that ``agents`` are on the phones after ``shrinkage``.

    Shrinkage is the share of paid time not available for calls (breaks, training,
    absence): 14 agents at 30 % shrinkage need ceil(14 / 0.7) = 20 scheduled people.
    """
    _check_agents(agents)
    if not 0 <= shrinkage < 1:
        raise ValueError(f"shrinkage must be in [0, 1), got {shrinkage}")
    return math.ceil(agents / (1.0 - shrinkage) - 1e-9)


@dataclass(frozen=True, slots=True)
class Staffing:
    """Erlang C figures for one number of agents."""

    agents: int
    load: float
    p_wait: float
    service_level: float
    asa_seconds: float
    occupancy: float

    @property
    def stable(self) -> bool:
        return self.agents > self.load


def staffing(agents: int, load: float, aht_seconds: float, target_seconds: float) -> Staffing:
    """All the figures for ``agents`` at ``load`` in one pass of the recursion."""
    _check_positive("aht_seconds", aht_seconds)
    _check_target(target_seconds)
    pw = p_wait(agents, load)
    if agents <= load:
        return Staffing(agents, load, 1.0, 0.0, math.inf, 1.0)
    sl = _sl(pw, agents, load, aht_seconds, target_seconds)
    return Staffing(
        agents, load, pw, sl, pw * aht_seconds / (agents - load), occupancy(agents, load)
    )


def agents_needed(
    load: float,
    aht_seconds: float,
    target_seconds: float,
    target_service_level: float,
    max_occupancy: float = 1.0,
) -> int:
    """The fewest agents whose service level reaches the target (and occupancy the cap).

    The Erlang B recursion is carried along N, so the search costs O(answer) steps.
    """
    _check_load(load)
    _check_positive("aht_seconds", aht_seconds)
    _check_target(target_seconds)
    if not 0 < target_service_level < 1:
        raise ValueError(f"target service level must be in (0, 1), got {target_service_level}")
    if not 0 < max_occupancy <= 1:
        raise ValueError(f"max occupancy must be in (0, 1], got {max_occupancy}")
    b, n = 1.0, 0
    while True:
        n += 1
        b = load * b / (n + load * b)
        if n <= load or load / n > max_occupancy:
            continue
        if _sl(_c_from_b(n, load, b), n, load, aht_seconds, target_seconds) >= (
            target_service_level
        ):
            return n


def _c_from_b(agents: int, load: float, b: float) -> float:
    return min(1.0, agents * b / (agents - load * (1.0 - b)))


def _sl(pw: float, agents: int, load: float, aht: float, target: float) -> float:
    return max(0.0, 1.0 - pw * math.exp(-(agents - load) * target / aht))


def _check_agents(agents: int) -> None:
    if agents < 1:
        raise ValueError(f"agents must be >= 1, got {agents}")


def _check_load(load: float) -> None:
    if load < 0 or not math.isfinite(load):
        raise ValueError(f"traffic (Erlangs) must be a finite number >= 0, got {load}")


def _check_positive(name: str, value: float) -> None:
    if not value > 0 or not math.isfinite(value):
        raise ValueError(f"{name} must be > 0, got {value}")


def _check_target(target_seconds: float) -> None:
    if target_seconds < 0 or not math.isfinite(target_seconds):
        raise ValueError(f"target seconds must be >= 0, got {target_seconds}")
