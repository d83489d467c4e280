"""How callers used the IVR over a period, from its sessions (``ivr_sessions``): what
``centralino report ivr`` and the ``/reports`` page show (docs/reports.md).

    sessions        IVR sessions that started in the period
    outcomes        how they ended: ``queued`` (to an agent), ``self-service`` (resolved by
                    the IVR itself: a hang-up node with that outcome), ``transferred`` (to an
                    outside number), ``closed``, ``ivr-hangup`` (the caller hung up in it) ...
    self_service    the sessions resolved in self-service
    exits           where the callers left the trees: (tree, node, outcome) and how many,
                    most first; the node is where the caller was when the session ended
    languages       the language each session ended in (the caller's choice, or the
                    center's)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

SELF_SERVICE = "self-service"


@dataclass(frozen=True, slots=True)
class IvrSession:
    tree: str  # the tree it left from (a session may go from one tree to another)
    node: str  # the node it was at when it ended
    outcome: str
    language: str


@dataclass(frozen=True, slots=True)
class Exit:
    tree: str
    node: str
    outcome: str
    sessions: int


@dataclass(frozen=True, slots=True)
class IvrFigures:
    sessions: int
    self_service: int
    outcomes: dict[str, int]  # most first
    exits: tuple[Exit, ...]  # most first
    languages: dict[str, int]  # most first

    @property
    def self_service_share(self) -> float | None:
        return self.self_service / self.sessions if self.sessions else None


def ivr_figures(sessions: Iterable[IvrSession]) -> IvrFigures:
    outcomes: Counter[str] = Counter()
    exits: Counter[tuple[str, str, str]] = Counter()
    languages: Counter[str] = Counter()
    for s in sessions:
        outcomes[s.outcome] += 1
        exits[(s.tree, s.node, s.outcome)] += 1
        languages[s.language] += 1
    ranked = sorted(exits.items(), key=lambda item: (-item[1], item[0]))
    return IvrFigures(
        sessions=sum(outcomes.values()),
        self_service=outcomes[SELF_SERVICE],
        outcomes=_most_first(outcomes),
        exits=tuple(Exit(tree, node, outcome, n) for (tree, node, outcome), n in ranked),
        languages=_most_first(languages),
    )


def _most_first(counts: Counter[str]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
