"""Callbacks from the panel: the pending ones, cancelled or put off (docs/callbacks.md).

    GET  /callbacks                                       supervisors' page: every pending
                                                          callback, each with cancel and
                                                          reschedule
    GET  /api/callbacks                                   the same list as JSON
    POST /api/callbacks/{call}/cancel                     a supervisor: any callback
    POST /api/callbacks/{call}/reschedule {"at": T}       a supervisor: any, not before T
    POST /api/agents/{agent}/callbacks/{call}/cancel      the agent: its own (the callbacks
    POST /api/agents/{agent}/callbacks/{call}/reschedule  it last tried), {"at": T} likewise
    GET  /api/agents/{agent}/callbacks/slots              the next opening slots of each of
                                                          the agent's services that takes
                                                          callbacks
    POST /api/agents/{agent}/callbacks                    the agent schedules a callback (its
         {"service", "number", "at": T, "note",           own) in one of those services: 201
          "language"}                                     {"scheduled": id, "at"}

``T`` is an ISO 8601 time; without an offset it is the center's local time (what a
``datetime-local`` field sends). The engine refuses what it must (``acd.core.callbacks``:
no such pending callback 404, not the agent's own 403, one in progress 409, a time in the
past, more than 30 days ahead or (scheduled) when the service is closed 400, one already
pending for the number and service 409 with its ``call_id``); nothing changes then. A
scheduled callback's number is checked first as the IVR checks it (``ivr.callback_offer.
callback_number``: a valid Italian or international number the service's trunk may dial,
400 ``bad-number``), its note is at most ``NOTE_LIMIT`` characters. Each accepted act goes
to the audit log (``callback.cancel``, ``callback.reschedule``, ``callback.schedule``: never
the number nor the note). The agent's own pending callbacks are in its panel's live feed
(``acd.web.desk_api``).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from acd.config.model import CenterConfig
from acd.core import callbacks as cb
from acd.core import events as e
from acd.core.callback import SCHEDULED_PREFIX, CallbackOrigin
from acd.core.engine import Engine
from acd.telephony.outbound import OutboundPolicy
from acd.web.auth import principal_of
from acd.web.errors import ApiError, json_body
from acd.web.pages import render
from acd.web.snapshot import pending_callbacks
from acd.web.supervision import SUPERVISION, record
from ivr.calendar import next_slots
from ivr.callback_offer import callback_number

NOTE_LIMIT = 300  # a short note for whoever calls back
SLOTS = 4  # the next openings offered to an agent, per service
SEPARATORS = r"[\s./()-]"  # as people write numbers ("059 203 2032"): left out

REFUSALS: dict[type[cb.CallbackRefused], int] = {
    cb.NotACallback: 404,
    cb.NotYours: 403,
    cb.BadTime: 400,
    cb.NoCallbackHere: 400,
}
"""A refusal's status (409 for the rest: the callback's state does not allow it now)."""


async def page(request: web.Request) -> web.Response:
    setup = request.app[SUPERVISION]
    now = setup.runtime.clock()
    pending = pending_callbacks(setup.runtime.engine.view(), now, mask=masks_numbers(request))
    zone = ZoneInfo(setup.cfg.center.timezone)  # times as the center's
    return render(request, "callbacks.html", callbacks=pending, zone=zone, mine=False,
                  callbacks_api="/api/callbacks", fromiso=datetime.fromisoformat)  # fmt: skip


async def api_list(request: web.Request) -> web.Response:
    runtime = request.app[SUPERVISION].runtime
    now = runtime.clock()
    pending = pending_callbacks(runtime.engine.view(), now, mask=masks_numbers(request))
    return web.json_response({"callbacks": pending})


def masks_numbers(request: web.Request) -> bool:
    """Numbers masked unless the role is one ``privacy.full_numbers_for`` names."""
    who = principal_of(request)
    role = None if who is None else who.role
    return role is None or role.value not in request.app[SUPERVISION].cfg.privacy.full_numbers_for


async def cancel(request: web.Request) -> web.Response:
    return await _cancel(request, None)


async def reschedule(request: web.Request) -> web.Response:
    return await _reschedule(request, None)


async def agent_cancel(request: web.Request) -> web.Response:
    return await _cancel(request, request.match_info["agent"])


async def agent_reschedule(request: web.Request) -> web.Response:
    return await _reschedule(request, request.match_info["agent"])


async def _cancel(request: web.Request, agent_id: str | None) -> web.Response:
    call_id = request.match_info["call"]
    await request.app[SUPERVISION].runtime.request(e.CallbackCancelled(call_id, agent_id))
    record(request, "callback.cancel", ("call", call_id), _by(agent_id))
    return web.json_response({"cancelled": call_id})


async def _reschedule(request: web.Request, agent_id: str | None) -> web.Response:
    call_id, body = request.match_info["call"], await json_body(request)
    setup = request.app[SUPERVISION]
    at = when(body.get("at"), ZoneInfo(setup.cfg.center.timezone))
    await setup.runtime.request(e.CallbackRescheduled(call_id, at, agent_id))
    record(request, "callback.reschedule", ("call", call_id),
           {**_by(agent_id), "at": at.isoformat()})  # fmt: skip
    return web.json_response({"rescheduled": call_id, "at": at.isoformat()})


def when(value: object, zone: ZoneInfo) -> datetime:
    """``"at"``: an ISO 8601 time, the center's local time when it has no offset."""
    if not isinstance(value, str):
        raise ApiError(400, "bad-time", '"at" is an ISO 8601 time, e.g. 2026-12-02T15:30')
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise ApiError(400, "bad-time", f'"at" is not an ISO 8601 time: {value[:40]!r}') from None
    return at.replace(tzinfo=zone) if at.tzinfo is None else at


def _by(agent_id: str | None) -> dict[str, Any]:
    return {} if agent_id is None else {"agent": agent_id}


# -- an agent schedules one ----------------------------------------------------------------


async def agent_slots(request: web.Request) -> web.Response:
    """The next opening slots of each of the agent's services that takes callbacks (none
    for a service without hours: it dials at any time)."""
    setup = request.app[SUPERVISION]
    engine, now = setup.runtime.engine, setup.runtime.clock()
    services = []
    for service in _callback_services(setup.cfg, engine, request.match_info["agent"]):
        hours = engine.service_hours(service)
        slots = [] if hours is None else next_slots(hours, now, SLOTS)
        services.append({"service": service, "name": setup.cfg.services[service].name,
                         "slots": [{"start": s.start.isoformat(), "end": s.end.isoformat()}
                                   for s in slots]})  # fmt: skip
    return web.json_response({"services": services})


async def agent_schedule(request: web.Request) -> web.Response:
    agent_id, body = request.match_info["agent"], await json_body(request)
    setup = request.app[SUPERVISION]
    cfg, runtime = setup.cfg, setup.runtime
    service = body.get("service")
    if service not in _callback_services(cfg, runtime.engine, agent_id):
        raise ApiError(400, "unknown-service",
                       f"{agent_id} works no service {str(service)[:40]!r} that takes "
                       "callbacks")  # fmt: skip
    assert isinstance(service, str)
    number = _number(cfg, service, body.get("number"))
    at = when(body.get("at"), ZoneInfo(cfg.center.timezone))
    note = _note(body.get("note"))
    language = body.get("language")
    language = language if language in cfg.center.languages else cfg.center.language
    call_id = SCHEDULED_PREFIX + uuid.uuid4().hex[:16]
    event = e.CallbackScheduled(call_id, service, number, at, CallbackOrigin.AGENT, language,
                                note, agent_id)  # fmt: skip
    try:
        await runtime.request(event)
    except cb.AlreadyPending as exc:  # the one pending stands: its id, to find it
        return web.json_response({"error": exc.code, "message": str(exc),
                                  "call_id": exc.call_id}, status=409)  # fmt: skip
    record(request, "callback.schedule", ("call", call_id),
           {"agent": agent_id, "service": service, "at": at.isoformat()})  # fmt: skip
    return web.json_response({"scheduled": call_id, "service": service,
                              "at": at.isoformat()}, status=201)  # fmt: skip


def _callback_services(cfg: CenterConfig, engine: Engine, agent_id: str) -> list[str]:
    """The services ``agent_id`` holds that take callbacks (``UnknownAgent``: 404)."""
    engine.agent_view(agent_id)
    return [s for s in engine.services_of(agent_id)
            if s in cfg.services and cfg.services[s].callback is not None]  # fmt: skip


def _number(cfg: CenterConfig, service: str, given: object) -> str:
    """The number as the service's trunk dials it, checked as the IVR checks it."""
    settings = cfg.services[service].callback
    assert settings is not None  # (a service that takes callbacks)
    policy = OutboundPolicy.of({t.name: t.outbound for t in cfg.trunks_in_use()})
    typed = re.sub(SEPARATORS, "", given) if isinstance(given, str) else ""
    number = callback_number(typed, lambda form: policy.allows(settings.trunk, form))
    if number is None:
        raise ApiError(400, "bad-number", "the number is not a valid Italian or international "
                       "number that this service may call")  # fmt: skip
    return number


def _note(given: object) -> str:
    if given is None:
        return ""
    if not isinstance(given, str):
        raise ApiError(400, "bad-note", '"note" is text')
    note = given.strip()
    if len(note) > NOTE_LIMIT:
        raise ApiError(400, "note-too-long", f"a note holds at most {NOTE_LIMIT} characters")
    return note
