"""Service figures of past calls, by interval: what ``centralino report services`` and the
``/reports`` page show (docs/reports.md says what each figure means).

Each contact counts once, for the service the caller first reached (``service_path[0]``),
in the interval it entered that service's queue, with one fate there (``fate``):

    answered     answered in that service (a transfer afterwards changes nothing: the
                 caller was answered where it first queued; ``answered_in`` says where)
    abandoned    hung up while waiting (or while an agent's phone rang); short abandons,
                 under the service's S, are counted apart
    overflowed   sent on by a queue's limit: to another service (it then left the first
                 one unanswered, whatever came of it there) or to a message
    voicemail    sent by a queue's limit to leave a voice message
    failed ...   any other outcome (``failed``: answered, but never bridged)

The service-level figures are ``reports.service_level.Tally``'s over those fates (one
implementation with the simulator and the wallboard; an interval's tally, the period's the
sum of its intervals'), and the service level shown is the one the service's
``Rule`` chooses. AHT is talk (hold included) plus the answering agent's wrap-up after the
call, per answered contact; the longest wait is the caller's, until answered or gone,
wherever that was.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from reports.periods import Grid
from reports.service_level import ABANDONED, ANSWERED, Rule, Tally

OVERFLOWED, VOICEMAIL, FAILED = "overflowed", "voicemail", "failed"
OVERFLOW = "overflow"  # the core's outcome for a caller sent to a message


@dataclass(frozen=True, slots=True)
class QueuedContact:
    """A finished contact that entered a queue, as the store reads it for the reports."""

    entered_at: datetime
    service_path: tuple[str, ...]  # the services it queued in, in order
    service: str  # the last of them
    outcome: str | None
    answered: bool  # someone answered it (``answered_at`` is set)
    answered_in: str | None  # the service it was first answered in
    wait: float  # seconds from entering the queue to the (first) answer or the end
    talk: float = 0.0  # from the first answer to the end (0 unanswered)
    wrap: float = 0.0  # the answering agent's wrap-up after it (0 without)

    @property
    def first_service(self) -> str:
        return self.service_path[0] if self.service_path else self.service


@dataclass(frozen=True, slots=True)
class Counted:
    """A contact as the figures see it (``reports.service_level.Queued``)."""

    service: str
    wait: float
    outcome: str  # its fate in ``service``
    talk: float
    wrap: float


def fate(c: QueuedContact) -> str:
    """What became of the contact in the service it first reached (see the module)."""
    return fate_of(c.service_path, c.service, c.outcome, c.answered, c.answered_in)


def fate_of(
    path: Sequence[str], service: str, outcome: str | None, answered: bool, answered_in: str | None
) -> str:
    """``fate`` of a contact's fields (the wallboard's meter counts with it too)."""
    first = path[0] if path else service
    moved = any(s != first for s in path)
    if outcome == FAILED and not moved:
        return FAILED
    if answered and (answered_in == first or (answered_in is None and not moved)):
        return ANSWERED
    if moved or outcome == OVERFLOW:
        return OVERFLOWED
    return outcome or "unknown"


@dataclass(frozen=True, slots=True)
class ServiceFigures:
    offered: int
    answered: int
    answered_within: int
    abandoned: int
    short_abandons: int
    overflowed: int
    voicemail: int
    other: int  # failed and anything else
    service_level: float | None  # by the service's rule
    asa_seconds: float | None
    aht_seconds: float | None
    longest_wait_seconds: float | None


@dataclass(frozen=True, slots=True)
class ServiceReport:
    service: str
    rule: Rule
    intervals: tuple[ServiceFigures, ...]  # one per interval of the grid
    total: ServiceFigures


@dataclass(slots=True)
class _Cell:
    """The counts of one interval's contacts: their ``Tally`` (where a contact is classified,
    as everywhere) and what it leaves to others: the fates neither answered nor abandoned,
    and the longest wait. Intervals' cells merge into the period's."""

    tally: Tally = field(default_factory=Tally)
    others: Counter[str] = field(default_factory=Counter)
    longest: float | None = None

    def add(self, c: Counted, rule: Rule) -> None:
        self.tally.add(c.outcome, c.wait, rule.short_abandon_seconds, rule.seconds, c.talk)
        if c.outcome == ANSWERED:
            self.tally.wrap_up += c.wrap
        elif c.outcome != ABANDONED:
            self.others[c.outcome] += 1
        if self.longest is None or c.wait > self.longest:
            self.longest = c.wait

    def merge(self, other: _Cell) -> None:
        self.tally.merge(other.tally)
        self.others.update(other.others)
        if other.longest is not None and (self.longest is None or other.longest > self.longest):
            self.longest = other.longest

    def figures(self, rule: Rule) -> ServiceFigures:
        t, others = self.tally, dict(self.others)
        overflowed, voicemail = others.pop(OVERFLOWED, 0), others.pop(VOICEMAIL, 0)
        return ServiceFigures(
            offered=t.offered,
            answered=t.answered,
            answered_within=t.answered_within,
            abandoned=t.abandoned,
            short_abandons=t.short_abandons,
            overflowed=overflowed,
            voicemail=voicemail,
            other=sum(others.values()),
            service_level=t.level(rule.definition),
            asa_seconds=t.asa_seconds(),
            aht_seconds=t.aht_seconds(),
            longest_wait_seconds=self.longest,
        )


def service_figures(calls: Iterable[Counted], rule: Rule) -> ServiceFigures:
    cell = _Cell()
    for c in calls:
        cell.add(c, rule)
    return cell.figures(rule)


def service_reports(
    contacts: Iterable[QueuedContact], grid: Grid, rules: Mapping[str, Rule]
) -> list[ServiceReport]:
    """One report per service of ``rules`` (in its order): its figures in every interval of
    ``grid`` and over the whole period (the intervals' counts added up). Contacts of other
    services, or entered outside the period, are left out."""
    cells: dict[str, list[_Cell]] = {s: [_Cell() for _ in grid.starts] for s in rules}
    for c in contacts:
        service, i = c.first_service, grid.index(c.entered_at)
        if service in cells and i is not None:
            cells[service][i].add(Counted(service, c.wait, fate(c), c.talk, c.wrap), rules[service])
    return _reports(cells, rules)


# The waits of the interval table are whole seconds up to this (``IntervalCounts``).
WAIT_CAP = 600


@dataclass(frozen=True, slots=True)
class IntervalCounts:
    """A row of the interval table (migration 014): the counts of the contacts that first
    reached ``service`` and entered its queue in the quarter hour from ``start``, by fate.
    The waits are histograms in whole seconds: element k of ``answered_waits`` and
    ``abandoned_waits`` counts the waits whose ceiling is k, of ``abandoned_waits_down``
    whose floor is k; k = ``WAIT_CAP`` + 1 any wait above the cap. None counts 0."""

    service: str
    start: datetime
    offered: int
    answered: int
    abandoned: int
    overflowed: int
    voicemail: int
    other: int
    answered_wait: float
    talk: float
    wrap_up: float
    longest_wait: float | None
    answered_waits: Sequence[int | None]
    abandoned_waits: Sequence[int | None]
    abandoned_waits_down: Sequence[int | None]

    def cell(self, rule: Rule) -> _Cell:
        """The counts as the raw contacts' would be: ``rule``'s T and S must be whole
        seconds up to the cap (``countable``)."""
        target, short = int(rule.seconds), int(rule.short_abandon_seconds)
        tally = Tally(
            offered=self.offered,
            answered=self.answered,
            abandoned=self.abandoned,
            short_abandons=_up_to(self.abandoned_waits_down, short - 1),  # wait < S
            answered_within=_up_to(self.answered_waits, target),  # wait <= T
            abandoned_within=_up_to(self.abandoned_waits, target),
            answered_wait=self.answered_wait,
            talk=self.talk,
            wrap_up=self.wrap_up,
        )
        others = Counter({OVERFLOWED: self.overflowed, VOICEMAIL: self.voicemail,
                          FAILED: self.other})  # fmt: skip
        return _Cell(tally, +others, self.longest_wait)


def countable(rule: Rule) -> bool:
    """Whether the interval table can count ``rule``'s service level: T and S whole seconds
    up to ``WAIT_CAP``."""
    return all(float(v).is_integer() and 0 <= v <= WAIT_CAP
               for v in (rule.seconds, rule.short_abandon_seconds))  # fmt: skip


def _up_to(histogram: Sequence[int | None], k: int) -> int:
    return sum(n or 0 for n in histogram[: max(k + 1, 0)])


def service_reports_from_intervals(
    intervals: Iterable[IntervalCounts], grid: Grid, rules: Mapping[str, Rule]
) -> list[ServiceReport]:
    """``service_reports`` from the interval table's quarter hours (the same figures, when
    the grid's edges are quarter hours and every rule is ``countable``)."""
    cells: dict[str, list[_Cell]] = {s: [_Cell() for _ in grid.starts] for s in rules}
    for row in intervals:
        i = grid.index(row.start)
        if row.service in cells and i is not None:
            cells[row.service][i].merge(row.cell(rules[row.service]))
    return _reports(cells, rules)


def _reports(cells: Mapping[str, list[_Cell]], rules: Mapping[str, Rule]) -> list[ServiceReport]:
    reports = []
    for service, rule in rules.items():
        total = _Cell()
        for cell in cells[service]:
            total.merge(cell)
        figures = tuple(cell.figures(rule) for cell in cells[service])
        reports.append(ServiceReport(service, rule, figures, total.figures(rule)))
    return reports
