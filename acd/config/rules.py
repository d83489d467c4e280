"""From the checked configuration to the core: routing rules (parsed requirements) and the
engine itself (``build_engine``), with no adapter, so the simulator and the benchmarks
build the same engine as the live composition root."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from acd.config.model import Agent, CenterConfig, Service
from acd.config.routing_model import OverflowTo
from acd.core.callback import OpeningHours
from acd.core.engine import Engine
from acd.core.events import PhonesListed
from acd.core.model import (
    Limit,
    OpenAt,
    OverflowAction,
    Relax,
    RoutingAgent,
    RoutingPolicy,
    ServiceRules,
)
from acd.core.requirements import parse
from ivr.calendar import OpeningCalendar, build_calendar


def service_rules(
    s: Service, open_at: OpenAt | None = None, hours: OpeningHours | None = None
) -> ServiceRules:
    """``open_at``: the service's opening hours (its calendar), for the ``closed`` limit;
    ``hours``: the same calendar, for when its callbacks are dialled."""
    overflow = {
        limit: _overflow_action(action)
        for limit in Limit
        if (action := getattr(s.overflow, limit.value)) is not None
    }
    return ServiceRules(
        s.name,
        s.ring_seconds,
        s.wrap_up_seconds,
        requirement=parse(s.requirement) if s.requirement is not None else None,
        relax=tuple(Relax(step.after, parse(step.requirement)) for step in s.relax),
        strategy=s.strategy,
        main_skill=s.main_skill or "",
        weight=s.weight,
        max_waiting=s.max_waiting,
        max_wait_seconds=s.max_wait_seconds,
        overflow=overflow,
        wrap_up_extend_seconds=s.wrap_up_extend_seconds,
        open_at=open_at,
        callback=s.callback.rules() if s.callback is not None else None,
        hours=hours if s.callback is not None else None,
    )


def _overflow_action(action: OverflowTo) -> OverflowAction:
    seconds = action.voicemail.max_seconds if action.voicemail is not None else 0
    return OverflowAction(*action.kind_and_target(), voicemail_seconds=seconds)


def routing_agent(a: Agent) -> RoutingAgent:
    """The agent's desk phone is the PJSIP endpoint of its id: always reachable with a fixed
    ``contact:``, else only while registered; its browser softphone only while registered."""
    return RoutingAgent(a.id, a.name, a.id, a.levels(), a.max_missed,
                        fixed_desk=a.contact is not None, web_endpoint=a.web_endpoint)  # fmt: skip


def every_phone_registered(cfg: CenterConfig) -> PhonesListed:
    """Every agent's browser softphone registered: the simulator's and the benchmarks'
    agents are always at their phones (a live engine learns it from Asterisk)."""
    return PhonesListed(frozenset((a.id, a.web_endpoint) for a in cfg.agents))


def routing_policy(cfg: CenterConfig) -> RoutingPolicy:
    r = cfg.routing
    return RoutingPolicy(
        aging_seconds=r.aging_seconds,
        recall_window_seconds=r.recall_window_seconds,
        recall_priority=r.recall_priority,
        transfer_priority=r.transfer_priority,
        supervisor_priority=r.supervisor_priority,
        max_missed=r.max_missed,
        pause_reasons=cfg.pause_reasons,
        default_handle_seconds=r.default_handle_seconds,
        dialled_priority={n.number: n.priority for n in cfg.numbers if n.priority},
    )


def build_engine(
    cfg: CenterConfig,
    ring_id_prefix: str,
    hours_shift: timedelta = timedelta(0),
    telephony_up: bool = True,
) -> Engine:
    """``hours_shift``: added to the time when the ``closed`` limit reads opening hours;
    ``telephony_up``: False for a live engine, which offers calls only once its first AMI
    login has checked Asterisk's channels."""
    services = {
        name: service_rules(s, _open_at(cfg, s, hours_shift), opening_hours(cfg, s, hours_shift))
        for name, s in cfg.services.items()
    }
    agents = [routing_agent(a) for a in cfg.agents]
    return Engine(services, agents, ring_id_prefix, routing_policy(cfg), telephony_up)


def _open_at(cfg: CenterConfig, s: Service, shift: timedelta) -> OpenAt | None:
    """The service's opening hours, for its ``closed`` overflow (if it has one)."""
    if s.overflow.closed is None:
        return None
    calendar = build_calendar(s.hours, cfg.holidays, cfg.center.timezone)
    return lambda now: calendar.status(now + shift).open


def opening_hours(cfg: CenterConfig, s: Service, shift: timedelta) -> OpeningHours | None:
    """The service's calendar (holidays included) for its callbacks; None without ``hours``
    (callbacks are then dialled at any time)."""
    if not s.hours:
        return None
    calendar = build_calendar(s.hours, cfg.holidays, cfg.center.timezone)
    return calendar if not shift else ShiftedHours(calendar, shift)


@dataclass(frozen=True, slots=True)
class ShiftedHours:
    """A calendar read at ``now + shift`` (``CENTRALINO_FAKE_NOW``), its times shifted back."""

    calendar: OpeningCalendar
    shift: timedelta

    def is_open(self, now: datetime) -> bool:
        return self.calendar.is_open(now + self.shift)

    def next_opening(self, now: datetime) -> datetime | None:
        at = self.calendar.next_opening(now + self.shift)
        return at - self.shift if at is not None else None

    def next_closing(self, now: datetime) -> datetime | None:
        at = self.calendar.next_closing(now + self.shift)
        return at - self.shift if at is not None else None
