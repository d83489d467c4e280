"""What a simulation runs: the center (a ``CenterConfig``), its traffic and its people.

The core is built from the configuration through the composition root, so the simulator
runs exactly the routing the live engine runs. Traffic and people are simulation-only:

- ``Load``: Poisson arrivals for one service with a rate per interval (piecewise constant),
  handle times (exponential or lognormal with a coefficient of variation), and caller
  patience (exponential with a mean; ``None``: nobody abandons).
- ``Shift``: when an agent logs in (ready) and out, in seconds from the start.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from acd.config.model import CenterConfig

HandleDistribution = Literal["exponential", "lognormal"]


@dataclass(frozen=True, slots=True)
class Load:
    service: str
    rates_per_hour: tuple[float, ...]  # one per interval; the last one holds to the end
    aht_seconds: float
    interval_seconds: float = 3600.0
    handle: HandleDistribution = "exponential"
    handle_cv: float = 1.0  # lognormal only: standard deviation / mean
    patience_seconds: float | None = None  # mean of an exponential; None: infinite
    priority: int = 0

    def rate_at(self, t: float) -> float:
        """Arrivals per second at time ``t``."""
        i = min(int(t // self.interval_seconds), len(self.rates_per_hour) - 1)
        return self.rates_per_hour[i] / 3600.0


@dataclass(frozen=True, slots=True)
class Shift:
    start: float
    end: float = float("inf")


@dataclass(frozen=True, slots=True)
class Scenario:
    config: CenterConfig
    loads: tuple[Load, ...]
    hours: float
    seed: int = 1
    shifts: Mapping[str, tuple[Shift, ...]] = field(default_factory=dict)  # default: all day
    ring_delay_seconds: float = 0.0  # from RingAgent to AgentAnswered
    warmup_seconds: float = 0.0  # calls entering before are not counted
    short_abandon_seconds: float = 5.0
    miss_rate: float = 0.0  # chance that an agent lets a ring go unanswered
    back_from_pause_seconds: float = 120.0  # after a pause the core imposed

    @property
    def horizon(self) -> float:
        """Arrivals stop here; calls in progress are then played to their end."""
        return self.hours * 3600.0

    def shifts_of(self, agent_id: str) -> tuple[Shift, ...]:
        return self.shifts.get(agent_id, (Shift(0.0),))

    def target_seconds(self, service: str) -> float:
        return self.config.service_level_rule(service).seconds


def single_queue_config(
    agents: int,
    target_seconds: float = 20.0,
    ring_seconds: float = 15.0,
    wrap_up_seconds: float = 0.0,
    service: str = "urp",
) -> CenterConfig:
    """A center with one service and ``agents`` identical agents (a1 … aN)."""
    return config_of(
        {service: (target_seconds, ring_seconds, wrap_up_seconds)},
        {f"a{i + 1}": (service,) for i in range(agents)},
    )


def config_of(
    services: dict[str, tuple[float, float, float]],
    agents: dict[str, tuple[str, ...]],
) -> CenterConfig:
    """A minimal valid center: services (T, ring, wrap-up) and agents with their skills."""
    first = next(iter(services))
    data: dict[str, Any] = {
        "center": {"name": "simulated center"},
        "numbers": [{"number": "0590000000", "ivr": "main"}],
        "services": {
            name: {
                "name": name,
                "service_level_seconds": t,
                "ring_seconds": ring,
                "wrap_up_seconds": wrap,
            }
            for name, (t, ring, wrap) in services.items()
        },
        "agents": [{"id": a, "name": a, "skills": list(s)} for a, s in agents.items()],
        "ivr": {"main": {"start": "q", "nodes": {"q": {"type": "enqueue", "service": first}}}},
    }
    return CenterConfig.model_validate(data)
