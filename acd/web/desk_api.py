"""An agent's desk over the web: the screen pop, the disposition of a call, the day's calls,
and the desk's own live feed (``/ws/agents/{agent}``).

Every route acts on the ``{agent}`` of its path, which the access rule (own-agent) ties to
the signed-in agent; a supervisor may read any desk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web

from acd.config.model import CenterConfig
from acd.core.engine import Engine
from acd.core.view import CenterView
from acd.screen_pop import screen_pop
from acd.store.desk import DeskStore, PastContact
from acd.web.call_controls import transfer_targets
from acd.web.errors import ApiError, json_body
from acd.web.personal_data import record_read
from acd.web.snapshot import desk, pending_callbacks, task_json

NOTES_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class DeskSetup:
    cfg: CenterConfig
    store: DeskStore


DESK = web.AppKey("desk", DeskSetup)


def desk_feed(
    engine: Engine, view: CenterView, agent_id: str, now: datetime,
    cfg: CenterConfig | None = None,
) -> dict[str, Any]:  # fmt: skip
    """What the agent's panel shows live: its own state, the services it works, its call
    (on hold or not), the waiting calls of the services it holds, worked now or not (how
    many, the longest wait), and where it may transfer a call
    (``call_controls.transfer_targets``), and its own pending callbacks (those it last
    tried: it may cancel or reschedule them), and the voice message it works (``task``,
    ``acd.web.voice_messages``). A supervisor on its call is said only when the center's
    policy says so (``supervision.tell_agent``)."""
    agent = engine.agent_view(agent_id)  # one seat, not a scan of every agent per socket
    call = engine.call_view(agent.call_id) if agent.call_id else None
    mine = set(engine.services_of(agent_id))
    queues = [
        {"service": q.service, "name": q.name, "waiting": q.waiting,
         "longest_wait_seconds": round((now - q.oldest_entry).total_seconds())
         if q.oldest_entry else 0}
        for q in view.queues if q.service in mine
    ]  # fmt: skip
    feed = {"at": now.isoformat(), "telephony_up": view.telephony_up,
            **desk(agent, call, now), "queues": queues,
            "transfer": transfer_targets(view, agent_id),
            "callbacks": pending_callbacks(view, now, agent_id),
            "task": task_json(call, cfg)}  # fmt: skip
    if cfg is not None and cfg.supervision.tell_agent:
        feed["supervised"] = _supervised(view, agent_id, cfg)
    return feed


def _supervised(view: CenterView, agent_id: str, cfg: CenterConfig) -> list[dict[str, str]]:
    """The supervisors on the agent's call (its panel shows them only if the policy says)."""
    names = {s.id: s.name for s in cfg.supervisors}
    return [{"name": names.get(s.supervisor, s.supervisor), "mode": s.mode.value}
            for s in view.spies if s.agent_id == agent_id]  # fmt: skip


async def get_screen_pop(request: web.Request, engine: Engine, now: datetime) -> web.Response:
    agent = engine.agent_view(request.match_info["agent"])
    call = engine.call_view(agent.call_id) if agent.call_id else None
    if call is None or call.voice_message is not None:  # (a voice message is in the feed)
        raise ApiError(404, "no-call", "no call rings or talks for this agent now")
    setup = request.app[DESK]
    pop = await screen_pop(call, setup.cfg, setup.store, now)
    record_read(request, "contact.read", ("contact", call.call_id), now,
                {"agent": agent.agent_id, "past_contacts": len(pop["last_contacts"])})  # fmt: skip
    return web.json_response(pop)


async def post_disposition(request: web.Request, engine: Engine, now: datetime) -> web.Response:
    """``{"call_id", "disposition", "notes"}`` for a call this agent answered."""
    agent_id = request.match_info["agent"]
    engine.agent_view(agent_id)  # UnknownAgent: 404
    body, setup = await json_body(request), request.app[DESK]
    call_id, notes = str(body.get("call_id", "")), str(body.get("notes") or "")
    contact = await setup.store.handled(call_id, agent_id)
    if contact is None:
        raise ApiError(404, "unknown-call", f"{agent_id} answered no call {call_id!r}")
    disposition = _disposition(setup.cfg, contact, body.get("disposition"))
    if len(notes) > NOTES_LIMIT:
        raise ApiError(400, "notes-too-long", f"notes hold at most {NOTES_LIMIT} characters")
    if not await setup.store.record_disposition(call_id, agent_id, disposition, notes, now):
        raise ApiError(409, "not-answered", f"call {call_id!r} was not answered by {agent_id}")
    return web.json_response({"call_id": call_id, "disposition": disposition, "notes": notes})


def _disposition(cfg: CenterConfig, contact: PastContact, given: object) -> str:
    allowed = cfg.dispositions_of(contact.service)
    if given not in allowed:
        raise ApiError(400, "unknown-disposition",
                       f"disposition must be one of: {', '.join(allowed)}")  # fmt: skip
    return str(given)


async def get_calls_today(request: web.Request, engine: Engine, since: datetime) -> web.Response:
    agent_id = request.match_info["agent"]
    engine.agent_view(agent_id)
    setup = request.app[DESK]
    calls = await setup.store.agent_calls(agent_id, since)
    return web.json_response({"calls": [_call_row(setup.cfg, c) for c in calls]})


def _call_row(cfg: CenterConfig, contact: PastContact) -> dict[str, Any]:
    service = cfg.services.get(contact.service or "")
    return {
        "call_id": contact.contact_id, "caller": contact.caller_number,
        "started_at": contact.started_at.isoformat(),
        "service_name": service.name if service else contact.service,
        "talk_seconds": contact.talk_seconds, "disposition": contact.disposition,
        "notes": contact.notes,
    }  # fmt: skip
