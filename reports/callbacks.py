"""Callbacks over a period, per service: what ``centralino report callbacks`` and the
``/reports`` page's "Richiamate" show (docs/reports.md, docs/callbacks.md "Rapporti").

A callback counts for the service it was asked in, in the period its request falls in
(``callbacks.requested_at``); its attempts are its calls out to the citizen, whenever they
came. The figures:

    requested       callbacks asked for: callers who hung up keeping their place, and the
                    ones scheduled (in the IVR, by an agent, on the website): by ``origins``
    completed       of them, the citizen answered and talked with an agent
    failed          over without reaching the citizen: every attempt failed
                    (``callback-failed``), the service's message left at the end
                    (``callback-message``), a number the trunk may not dial
                    (``callback-refused``); by that cause in ``outcomes``
    cancelled       cancelled by a supervisor or its agent (a choice, not a failure)
    pending         not over yet: requested = completed + failed + cancelled + pending
    attempts        the calls out to the citizen, each with its result (``results``:
                    answered, no-answer, busy, failed, not-allowed, agent-left, message)
    per completed   the calls out of the completed callbacks / completed: how many it took
    to completion   from the request to the citizen's answer, of the completed callbacks:
                    mean, median (p50) and p90 (nearest rank: the time within which 90 %
                    of them were reached)
    kept place      the callbacks asked for in the queue's music loop (origin ``queue``)
    on the line     the callers answered live in the service (no callback), counted by the
                    reader (``acd.store.reports``), against ``kept place``: how many kept
                    their place rather than wait on the line

The outcome and result names are ``acd.core.callback``'s (``CallbackOutcome``,
``AttemptResult``) as stored; this package imports nothing of ``acd``, so they are named
here again, and a name it does not know still counts (in ``outcomes``, ``results``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

ANSWERED = "answered"
CANCELLED = "callback-cancelled"
# The ends that did not reach the citizen, in the order the reports show them.
FAILED_OUTCOMES = ("callback-failed", "callback-message", "callback-refused")
OUTCOMES = (ANSWERED, *FAILED_OUTCOMES, CANCELLED)
ORIGINS = ("queue", "ivr", "agent", "web")  # acd.core.callback.CallbackOrigin's, as stored
QUEUE = ORIGINS[0]
RESULTS = ("answered", "no-answer", "busy", "failed", "not-allowed", "agent-left", "message")


@dataclass(frozen=True, slots=True)
class CallbackRow:
    """One callback as the report reads it."""

    service: str
    requested_at: datetime
    outcome: str | None  # None: not over yet
    results: tuple[str, ...]  # its attempts' results, in order
    reached_at: datetime | None  # the citizen answered (its first answered attempt)
    origin: str = QUEUE  # where it was asked for: queue, ivr, agent, web


@dataclass(frozen=True, slots=True)
class CallbackFigures:
    requested: int
    completed: int
    cancelled: int
    pending: int
    outcomes: dict[str, int]  # every ended callback by outcome: OUTCOMES first, in order
    attempts: int
    results: dict[str, int]  # every call out by result: RESULTS first, in order
    completed_attempts: int  # the calls out of the completed callbacks
    mean_to_completion: float | None  # seconds; None: none completed
    p50_to_completion: float | None
    p90_to_completion: float | None
    on_the_line: int  # callers answered live in the service
    origins: dict[str, int]  # requested by origin: ORIGINS first, in order

    @property
    def failed(self) -> int:
        return sum(n for k, n in self.outcomes.items() if k not in (ANSWERED, CANCELLED))

    @property
    def attempts_per_completed(self) -> float | None:
        return self.completed_attempts / self.completed if self.completed else None

    @property
    def kept_place(self) -> int:
        """Callers who kept their place: the callbacks accepted in the queue's music loop."""
        return self.origins.get(QUEUE, 0)

    @property
    def kept_place_share(self) -> float | None:
        """Of the callers served or to be served from the queue, the share who kept their
        place rather than wait on the line."""
        both = self.kept_place + self.on_the_line
        return self.kept_place / both if both else None


@dataclass(frozen=True, slots=True)
class CallbackReport:
    service: str  # "" the total of every service asked
    figures: CallbackFigures


def callback_figures(rows: Iterable[CallbackRow], on_the_line: int = 0) -> CallbackFigures:
    outcomes: Counter[str] = Counter()
    results: Counter[str] = Counter()
    origins: Counter[str] = Counter()
    requested = pending = completed_attempts = 0
    waits: list[float] = []
    for r in rows:
        requested += 1
        origins[r.origin] += 1
        results.update(r.results)
        if r.outcome is None:
            pending += 1
            continue
        outcomes[r.outcome] += 1
        if r.outcome == ANSWERED:
            completed_attempts += len(r.results)
            if r.reached_at is not None:
                waits.append(max(0.0, (r.reached_at - r.requested_at).total_seconds()))
    waits.sort()
    return CallbackFigures(
        requested=requested,
        completed=outcomes[ANSWERED],
        cancelled=outcomes[CANCELLED],
        pending=pending,
        outcomes=_ordered(outcomes, OUTCOMES),
        attempts=sum(results.values()),
        results=_ordered(results, RESULTS),
        completed_attempts=completed_attempts,
        mean_to_completion=sum(waits) / len(waits) if waits else None,
        p50_to_completion=nearest_rank(waits, 0.5),
        p90_to_completion=nearest_rank(waits, 0.9),
        on_the_line=on_the_line,
        origins=_ordered(origins, ORIGINS),
    )


def callback_reports(
    rows: Iterable[CallbackRow], services: Sequence[str], on_the_line: Mapping[str, int]
) -> list[CallbackReport]:
    """Each service's figures, in ``services``' order, then their total when there are
    several (its times computed from every callback, not from the services' figures)."""
    rows = list(rows)
    by_service: dict[str, list[CallbackRow]] = {s: [] for s in services}
    for r in rows:
        if r.service in by_service:
            by_service[r.service].append(r)
    out = [CallbackReport(s, callback_figures(by_service[s], on_the_line.get(s, 0)))
           for s in services]  # fmt: skip
    if len(services) > 1:
        every = [r for s in services for r in by_service[s]]
        live = sum(on_the_line.get(s, 0) for s in services)
        out.append(CallbackReport("", callback_figures(every, live)))
    return out


def nearest_rank(ordered: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile of sorted values by nearest rank: the smallest value with at least
    ``q`` of them at or under it (always one of the values); None without values."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _ordered(counts: Counter[str], known: Sequence[str]) -> dict[str, int]:
    """The known names first, in their order (0 when none), then any other, by name."""
    return {**{k: counts[k] for k in known},
            **{k: counts[k] for k in sorted(counts) if k not in known}}  # fmt: skip
