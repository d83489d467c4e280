"""The supervisors' wallboard (``/wallboard``; docs/wallboard.md): per service the queue now
(its callbacks pending among it), the agents who serve it by state, today's figures (with
the callbacks completed and failed) and the last hours; per agent its state and call.
Pushed over the authenticated websocket ``/ws/wallboard`` (``acd.web.push``), as JSON from
``/api/wallboard``.

What is true now comes from the core's read model (one ``Engine.view`` per push, shared by
every screen); what happened today and in the last hours from the live meter
(``acd.meter``), whose tallies are ``reports.service_level.Tally``: the same definitions as
the reports and ``/metrics``, computed in one place. The service level is the one the
service chooses (``Thresholds.definition``).

Each figure also gets a *level* (``ok``, ``amber``, ``red``; none when it has no
thresholds or no value) from the service's ``wallboard`` thresholds in the configuration
(``acd.config.wallboard_model``). The page never shows a level by colour alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from aiohttp import web

from acd.config.model import CenterConfig
from acd.config.wallboard_model import Band, WallboardLimits
from acd.core.view import AgentView, CenterView, QueueView
from acd.meter import SLOT, CallbacksToday, Meter, Slot, Thresholds
from acd.web.errors import ApiError
from acd.web.pages import SITE, render
from acd.web.push import LivePush
from acd.web.texts import language, words
from agents.states import AgentState
from reports.service_level import Tally

TALKING = (AgentState.ON_CALL, AgentState.RINGING)  # on a call, or about to be


class Level(StrEnum):
    OK = "ok"
    AMBER = "amber"
    RED = "red"


def over(value: float | None, band: Band) -> Level | None:
    """Worse when higher: amber over ``band.amber``, red over ``band.red``."""
    if value is None or (band.amber is None and band.red is None):
        return None
    if band.red is not None and value > band.red:
        return Level.RED
    return Level.AMBER if band.amber is not None and value > band.amber else Level.OK


def under(value: float | None, band: Band) -> Level | None:
    """Worse when lower: amber under ``band.amber``, red under ``band.red``."""
    if value is None or (band.amber is None and band.red is None):
        return None
    if band.red is not None and value < band.red:
        return Level.RED
    return Level.AMBER if band.amber is not None and value < band.amber else Level.OK


@dataclass(frozen=True, slots=True)
class Limits:
    """A service's thresholds with the defaults that depend on its T filled in."""

    waiting: Band
    longest_wait: Band
    service_level: Band
    abandon_rate: Band
    asa: Band
    aht: Band

    @classmethod
    def of(cls, limits: WallboardLimits, target: float) -> Limits:
        return cls(
            waiting=limits.waiting,
            longest_wait=limits.longest_wait_seconds or Band(amber=target, red=3 * target),
            service_level=limits.service_level,
            abandon_rate=limits.abandon_rate,
            asa=limits.asa_seconds or Band(amber=target, red=2 * target),
            aht=limits.aht_seconds,
        )


class Wallboard:
    """The wallboard's feed: ``feed(view, now)`` is the JSON the page shows."""

    def __init__(
        self, meter: Meter, limits: Mapping[str, WallboardLimits], timezone: str = "UTC"
    ) -> None:
        self.meter = meter
        self.timezone = timezone  # the center's: the page's clock shows its time
        self.limits = {
            service: Limits.of(own, meter.of(service).target) for service, own in limits.items()
        }

    @classmethod
    def of(cls, cfg: CenterConfig, meter: Meter) -> Wallboard:
        limits = {name: s.wallboard for name, s in cfg.services.items()}
        return cls(meter, limits, cfg.center.timezone)

    def feed(self, view: CenterView, now: datetime) -> dict[str, Any]:
        today, window = self.meter.today(now), self.meter.trend.window(now)
        callbacks, zone = self.meter.callbacks_today(now), self.meter.zone
        return {
            "at": now.isoformat(),
            "timezone": self.timezone,
            "telephony_up": view.telephony_up,
            "slot_minutes": SLOT.total_seconds() / 60,
            "trend_labels": [start.astimezone(zone).strftime("%H:%M") for start, _ in window],
            "services": [
                self._service(q, today.get(q.service), callbacks.get(q.service), window, now)
                for q in view.queues
            ],
            "agents": [_agent(a, now) for a in view.agents],
        }

    def _service(
        self,
        queue: QueueView,
        tally: Tally | None,
        callbacks: CallbacksToday | None,
        window: list[tuple[datetime, Slot | None]],
        now: datetime,
    ) -> dict[str, Any]:
        rule = self.meter.of(queue.service)
        limits = self.limits.get(queue.service) or Limits.of(WallboardLimits(), rule.target)
        oldest = queue.oldest_entry
        longest = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
        today = _today(tally or Tally(), rule)
        waiting = len(queue.calls)
        levels = {
            "waiting": over(waiting, limits.waiting),
            "longest_wait": over(longest, limits.longest_wait),
            "service_level": under(today["service_level"], limits.service_level),
            "abandoned": over(today["abandon_rate"], limits.abandon_rate),
            "asa": over(today["asa_seconds"], limits.asa),
            "aht": over(today["aht_seconds"], limits.aht),
        }
        return {
            "service": queue.service,
            "name": queue.name,
            "waiting": waiting,  # in the queue, those an agent's phone rings for included
            "ringing": queue.ringing,
            "callbacks_pending": queue.callbacks_pending,  # of ``waiting``, hung up to be called
            "callbacks_today": _callbacks(callbacks or CallbacksToday()),
            "oldest_entry": oldest.isoformat() if oldest is not None else None,
            "longest_wait_seconds": round(longest, 1),
            "agents": _agents(queue),
            "today": today,
            "rule": {
                "definition": rule.definition.value,
                "target_seconds": rule.target,
                "short_abandon_seconds": rule.short,
            },
            # the longest wait grows every second: the page colours it again as it ticks;
            # the service level's band is drawn on its chart
            "limits": {
                "longest_wait_seconds": _band(limits.longest_wait),
                "service_level": _band(limits.service_level),
            },
            "levels": {k: v.value if v is not None else None for k, v in levels.items()},
            "trend": _trend(queue.service, rule, window),
        }


def _agents(queue: QueueView) -> dict[str, int]:
    """The agents who serve the service (meet its requirement), by what they do."""
    by = queue.agents_by_state
    return {
        "ready": by.get(AgentState.READY, 0),
        "talking": sum(by.get(state, 0) for state in TALKING),
        "wrap_up": by.get(AgentState.WRAP_UP, 0),
        "paused": by.get(AgentState.PAUSED, 0),
        "staffed": queue.agents_staffed,
    }


def _today(tally: Tally, rule: Thresholds) -> dict[str, Any]:
    return {
        "offered": tally.offered,
        "answered": tally.answered,
        "abandoned": tally.abandoned - tally.short_abandons,  # after S
        "short_abandons": tally.short_abandons,  # within S: apart
        "abandon_rate": _round(tally.abandon_rate_excl_short(), 4),
        "service_level": _round(tally.level(rule.definition), 4),
        "asa_seconds": _round(tally.asa_seconds(), 1),
        "aht_seconds": _round(tally.aht_seconds(), 1),
    }


def _callbacks(counts: CallbacksToday) -> dict[str, int]:
    """The callbacks ended today: the citizen reached, or not (cancelled ones: neither)."""
    return {"completed": counts.completed, "failed": counts.failed}


def _trend(
    service: str, rule: Thresholds, window: list[tuple[datetime, Slot | None]]
) -> dict[str, list[Any]]:
    """Per slot: the most calls waiting at once, and the service level of the calls that
    entered then (None: not known, or nothing to count)."""
    waiting, levels = [], []
    for _, slot in window:
        waiting.append(slot.waiting.get(service) if slot is not None else None)
        tally = slot.tallies.get(service) if slot is not None else None
        levels.append(_round(tally.level(rule.definition), 4) if tally is not None else None)
    return {"waiting": waiting, "service_level": levels}


def _agent(agent: AgentView, now: datetime) -> dict[str, Any]:
    since = agent.since or now
    return {
        "id": agent.agent_id,
        "name": agent.name,
        "state": agent.state.value,
        "reason": agent.reason,
        "since": since.isoformat(),
        "seconds_in_state": round((now - since).total_seconds()),
        "call_service": agent.call_service,  # the call it rings for or talks on
        "call_held": agent.call_held,
        "pending_pause": agent.pending_pause,
        "answered_today": agent.answered_today,
    }


def _band(band: Band) -> dict[str, float | None]:
    return {"amber": band.amber, "red": band.red}


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


# -- the web side ------------------------------------------------------------------------

WALLBOARD = web.AppKey("wallboard", Wallboard)
WORDS = ("wallboard.", "state.")  # the texts the page's script needs, by prefix


def tv_mode(request: web.Request) -> bool:
    asked = request.query.get("tv", "0")
    if asked not in ("0", "1"):
        raise ApiError(400, "bad-tv", f"tv is 1 (TV mode) or 0, not {asked!r}")
    return asked == "1"


async def page(request: web.Request) -> web.Response:
    lang = language(request, request.app[SITE].language)
    return render(request, "wallboard.html", tv=tv_mode(request), words=words(lang, WORDS))


async def socket(request: web.Request, push: LivePush) -> web.WebSocketResponse:
    return await push.serve(request, request.app[WALLBOARD].feed)


async def figures(request: web.Request, view: CenterView, now: datetime) -> web.Response:
    return web.json_response(request.app[WALLBOARD].feed(view, now))
