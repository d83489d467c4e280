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
    aht_seconds                   (talk, hold included, + the agent's wrap-up after the
                                  call) / answered (``Tally`` only: wrap-up comes later)
    abandon_rate                  abandoned / offered; ``..._excl_short`` leaves short
                                  abandons out of both
    other_outcomes                neither answered nor abandoned (overflow, voicemail ...)

``Tally`` keeps the counts these ratios need as contacts finish, one at a time: the live
metrics' service level of the day and the wallboard (``acd.meter``) use it, and ``figures``
is built on it, so a contact is classified in one place only. A center chooses which
service level a service shows (``Definition``); ``Tally.level`` gives it.

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
from dataclasses import dataclass, fields
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


@dataclass(slots=True)
class Tally:
    """Running counts of finished contacts, enough for every service-level ratio."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    short_abandons: int = 0  # abandoned within S
    answered_within: int = 0  # answered within T
    abandoned_within: int = 0  # abandoned within T (early abandons, SL2)
    answered_wait: float = 0.0  # the queue waits of the answered, summed (ASA)
    talk: float = 0.0  # their talk, hold included, summed (AHT)
    wrap_up: float = 0.0  # the agents' wrap-up after them, summed (AHT)

    def add(
        self, outcome: str, wait: float, short: float, target: float, talk: float = 0.0
    ) -> None:
        """One finished contact that entered a queue: its outcome, its wait, its S and T,
        and its talk if answered."""
        self.offered += 1
        if outcome == ANSWERED:
            self.answered += 1
            self.answered_within += wait <= target
            self.answered_wait += wait
            self.talk += talk
        elif outcome == ABANDONED:
            self.abandoned += 1
            self.short_abandons += wait < short
            self.abandoned_within += wait <= target

    def merge(self, other: Tally) -> None:
        """Add ``other``'s counts: the tally of both sets of contacts (a period's total from
        its intervals')."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def service_level(self) -> float | None:
        """Answered within T / answered (answered only: Asterisk SL)."""
        return ratio(self.answered_within, self.answered)

    def service_level_incl_abandons(self) -> float | None:
        """Answered within T / (answered + abandoned after S)."""
        return ratio(self.answered_within, self.answered + self.abandoned - self.short_abandons)

    def service_level_incl_early(self) -> float | None:
        """(Answered + abandoned within T) / (answered + abandoned) (Asterisk SL2)."""
        within = self.answered_within + self.abandoned_within
        return ratio(within, self.answered + self.abandoned)

    def service_level_queue_removal(self) -> float | None:
        """(Answered + abandoned within T) / offered (Amazon Connect)."""
        return ratio(self.answered_within + self.abandoned_within, self.offered)

    def level(self, definition: Definition) -> float | None:
        """The service level by ``definition``."""
        return LEVELS[definition](self)

    def asa_seconds(self) -> float | None:
        """Mean queue wait of the answered."""
        return self.answered_wait / self.answered if self.answered else None

    def aht_seconds(self) -> float | None:
        """(Talk + wrap-up) per answered contact."""
        return (self.talk + self.wrap_up) / self.answered if self.answered else None

    def abandon_rate_excl_short(self) -> float | None:
        """Abandoned after S / (offered - short abandons)."""
        return ratio(self.abandoned - self.short_abandons, self.offered - self.short_abandons)


LEVELS: dict[Definition, Callable[[Tally], float | None]] = {
    Definition.ANSWERED_ONLY: Tally.service_level,
    Definition.WITH_ABANDONS: Tally.service_level_incl_abandons,
    Definition.WITH_EARLY_ABANDONS: Tally.service_level_incl_early,
    Definition.QUEUE_REMOVAL: Tally.service_level_queue_removal,
}


def figures(calls: Sequence[Queued], short: float, target: Threshold) -> dict[str, Any]:
    """The figures of ``calls`` (see the module); ``_talk_total`` is for the caller's AHT."""
    tally = Tally()
    for o in calls:
        tally.add(o.outcome, o.wait, short, target(o.service), o.talk)
    others = Counter(o.outcome for o in calls if o.outcome not in (ANSWERED, ABANDONED))
    return {
        "offered": tally.offered,
        "answered": tally.answered,
        "abandoned": tally.abandoned,
        "short_abandons": tally.short_abandons,
        "short_abandon_seconds": short,
        "service_level": tally.service_level(),
        "service_level_incl_abandons": tally.service_level_incl_abandons(),
        "service_level_incl_early": tally.service_level_incl_early(),
        "service_level_queue_removal": tally.service_level_queue_removal(),
        "answered_within": tally.answered_within,
        "asa_seconds": tally.asa_seconds(),
        "max_wait_seconds": max((o.wait for o in calls), default=None),
        "abandon_rate": ratio(tally.abandoned, tally.offered),
        "abandon_rate_excl_short": tally.abandon_rate_excl_short(),
        "other_outcomes": dict(others),
        "_talk_total": tally.talk,
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
