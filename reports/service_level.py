"""Service-level figures, as ``docs``' metrics definitions give them: one implementation for
the simulator, the live wallboard and the historical reports.

Each works on finished contacts that queued (``Queued``: any record with a service, a wait
counted from entering the queue, an outcome and a talk time), so a simulator's outcome and
a contact row read from PostgreSQL both fit.

    offered                       contacts that entered a queue
    answered, abandoned           by outcome
    short_abandons                abandoned within the short-abandon threshold S
    service_level                 answered within T / answered (answered only: Asterisk SL)
    service_level_incl_abandons   answered within T / (answered + abandoned after S)
    service_level_incl_early      (answered + abandoned within T) / (answered + abandoned)
                                  (Asterisk SL2)
    service_level_queue_removal   (answered + abandoned within T) / offered: the contacts
                                  that left the queue within T (Amazon Connect; callbacks
                                  requested will count there too)
    answered_within               answered within T (a wait of exactly T is within)
    asa_seconds                   mean queue wait of answered contacts
    abandon_rate                  abandoned / offered; ``..._excl_short`` leaves short
                                  abandons out of both
    other_outcomes                neither answered nor abandoned (overflow, voicemail ...)

A center chooses, per service, which service level its reports show (``Definition``), with
its T and short-abandon threshold S (``Rule``). Occupancy (``occupancy``) is handling time
(ringing, talking, wrap-up) over handling plus ready time, from agent-seconds by state.

Statistical error (``batch_errors``): batch means over the answered contacts in arrival
order, cut into ``BATCHES`` batches; the batch-to-batch spread takes the correlation between
neighbouring calls' waits into account, which a plain per-call standard error does not.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from agents.states import AgentState

BATCHES = 20
ANSWERED, ABANDONED = "answered", "abandoned"  # the core's outcomes (acd's Outcome values)
Threshold = Callable[[str], float]  # a service's T, in seconds
HANDLING = frozenset({AgentState.RINGING, AgentState.ON_CALL, AgentState.WRAP_UP})
AVAILABLE = frozenset({AgentState.READY})


class Definition(StrEnum):
    """The service level a report shows (docs' metrics definitions), chosen per service."""

    ANSWERED_ONLY = "answered-only"  # answered within T / answered
    WITH_ABANDONS = "with-abandons"  # answered within T / (answered + abandoned after S)
    WITH_EARLY_ABANDONS = "with-early-abandons"  # (answered + abandoned within T) / both
    QUEUE_REMOVAL = "queue-removal"  # (answered + abandoned within T) / offered


FIGURE = {  # the key of ``figures`` that each definition reads
    Definition.ANSWERED_ONLY: "service_level",
    Definition.WITH_ABANDONS: "service_level_incl_abandons",
    Definition.WITH_EARLY_ABANDONS: "service_level_incl_early",
    Definition.QUEUE_REMOVAL: "service_level_queue_removal",
}


@dataclass(frozen=True, slots=True)
class Rule:
    """A service's service-level rule: T, the short-abandon threshold S, the definition."""

    seconds: float
    short_abandon_seconds: float = 5.0
    definition: Definition = Definition.WITH_ABANDONS

    def service_level(self, fig: Mapping[str, Any]) -> float | None:
        """The service level of ``figures`` output by this rule's definition."""
        value: float | None = fig[FIGURE[self.definition]]
        return value


class Queued(Protocol):
    """A finished contact that entered a queue."""

    @property
    def service(self) -> str: ...
    @property
    def wait(self) -> float: ...  # seconds from entering the queue to answer or hang-up
    @property
    def outcome(self) -> str: ...
    @property
    def talk(self) -> float: ...


def figures(calls: Sequence[Queued], short: float, target: Threshold) -> dict[str, Any]:
    """The figures of ``calls`` (see the module); ``_talk_total`` is for the caller's AHT."""
    answered = [o for o in calls if o.outcome == ANSWERED]
    abandoned = [o for o in calls if o.outcome == ABANDONED]
    shorts = sum(1 for o in abandoned if o.wait < short)
    within = sum(1 for o in answered if o.wait <= target(o.service))
    early = sum(1 for o in abandoned if o.wait <= target(o.service))
    long_abandons = len(abandoned) - shorts
    others = Counter(o.outcome for o in calls if o.outcome not in (ANSWERED, ABANDONED))
    return {
        "offered": len(calls),
        "answered": len(answered),
        "abandoned": len(abandoned),
        "short_abandons": shorts,
        "short_abandon_seconds": short,
        "service_level": ratio(within, len(answered)),
        "service_level_incl_abandons": ratio(within, len(answered) + long_abandons),
        "service_level_incl_early": ratio(within + early, len(answered) + len(abandoned)),
        "service_level_queue_removal": ratio(within + early, len(calls)),
        "answered_within": within,
        "asa_seconds": mean([o.wait for o in answered]),
        "max_wait_seconds": max((o.wait for o in calls), default=None),
        "abandon_rate": ratio(len(abandoned), len(calls)),
        "abandon_rate_excl_short": ratio(long_abandons, len(calls) - shorts),
        "other_outcomes": dict(others),
        "_talk_total": sum(o.talk for o in answered),
    }


def batch_errors(calls: Sequence[Queued], target: Threshold) -> tuple[float | None, float | None]:
    """Standard errors of service level and ASA by batch means (None if too few calls)."""
    answered = [o for o in calls if o.outcome == ANSWERED]
    size = len(answered) // BATCHES
    if size < 10:
        return None, None
    sls, asas = [], []
    for b in range(BATCHES):
        batch = answered[b * size : (b + 1) * size]
        sls.append(sum(1 for o in batch if o.wait <= target(o.service)) / size)
        asas.append(sum(o.wait for o in batch) / size)
    root = math.sqrt(BATCHES)
    return statistics.stdev(sls) / root, statistics.stdev(asas) / root


def occupancy(seconds: Mapping[str, float]) -> float | None:
    """Handling / (handling + available), from seconds by agent state (None: neither)."""
    handling = sum(v for k, v in seconds.items() if k in HANDLING)
    available = sum(v for k, v in seconds.items() if k in AVAILABLE)
    return handling / (handling + available) if handling + available else None


def ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None
