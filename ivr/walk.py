"""The caller's walk through the trees: nodes, keys and times, and what the flow may use.

``Walk`` records where the caller went (for the contact, the agent's screen and the
reports), the values collected on the way and who calls (its caller id, for a callback).
``Context`` is what a flow reads: the center's configuration (``ivr.center``), the opening
calendars, the clock (injected: never ``datetime.now()``) and which numbers a service's
callbacks may dial (its trunk's outbound patterns, checked by the telephony side).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from ivr.calendar import OpeningCalendar, build_calendar
from ivr.center import CenterSettings
from ivr.model import HoursNode, SayNode, ScheduleCallbackNode

Clock = Callable[[], datetime]
Dialable = Callable[[str, str], bool]  # (service, number): its callbacks may dial it


def nothing_dialable(service: str, number: str) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class Visit:
    """One node the caller went through; ``entered`` is the key or digits given there."""

    tree: str
    node: str
    at: datetime
    entered: str = ""
    result: str = ""  # e.g. "closed", "found", "saved"


@dataclass(slots=True)
class Walk:
    path: list[str] = field(default_factory=list)  # node names, "menu=key" after a choice
    visits: list[Visit] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)
    language: str = "it"
    pending_key: str = ""  # pressed during a prompt: the next menu takes it at once
    caller: str = ""  # the caller id, as the channel has it ("" or "anonymous": withheld)

    def keys(self) -> tuple[str, ...]:
        """Keys only (``('2',)``): the short IVR path stored on the contact."""
        return tuple(p.split("=", 1)[1] for p in self.path if "=" in p)

    def enter(self, tree: str, node: str, at: datetime) -> None:
        self.path.append(node)
        self.visits.append(Visit(tree, node, at))

    def chose(self, key: str) -> None:
        self.path[-1] = f"{self.path[-1]}={key}"
        self.noted(entered=key)

    def noted(self, entered: str | None = None, result: str | None = None) -> None:
        last = self.visits[-1]
        self.visits[-1] = replace(
            last, entered=last.entered if entered is None else entered, result=result or ""
        )

    def take_key(self) -> str:
        key, self.pending_key = self.pending_key, ""
        return key

    @property
    def where(self) -> str:
        """The node the caller is at (or left from)."""
        return self.visits[-1].node if self.visits else ""


@dataclass(frozen=True, slots=True)
class SavedWalk:
    """A finished IVR session, for the store (``ivr_sessions`` and ``ivr_steps``)."""

    call_id: str
    tree: str
    language: str
    visits: tuple[Visit, ...]
    outcome: str
    left_at: str  # the node the caller was at when the session ended
    ended_at: datetime


@dataclass(frozen=True, slots=True)
class Context:
    cfg: CenterSettings
    clock: Clock
    calendars: dict[str, OpeningCalendar]
    dialable: Dialable = nothing_dialable

    def calendar(self, node: HoursNode | SayNode | ScheduleCallbackNode) -> OpeningCalendar:
        if isinstance(node, ScheduleCallbackNode):
            return self.calendars[f"service:{node.service}"]
        key = f"service:{node.service}" if node.service else f"calendar:{node.calendar}"
        return self.calendars[key]


def make_context(
    cfg: CenterSettings, clock: Clock, dialable: Dialable = nothing_dialable
) -> Context:
    tz = cfg.center.timezone
    cals = {
        f"service:{name}": build_calendar(s.hours, cfg.holidays, tz)
        for name, s in cfg.services.items()
    }
    for name, c in cfg.calendars.items():
        cals[f"calendar:{name}"] = build_calendar(c.hours, cfg.holidays, tz, c.closures)
    return Context(cfg, clock, cals, dialable)
