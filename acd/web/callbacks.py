"""Callbacks from the panel: the pending ones, cancelled or put off (docs/callbacks.md).

    GET  /callbacks                                       supervisors' page: every pending
                                                          callback, each with cancel and
                                                          reschedule
    GET  /api/callbacks                                   the same list as JSON
    POST /api/callbacks/{call}/cancel                     a supervisor: any callback
    POST /api/callbacks/{call}/reschedule {"at": T}       a supervisor: any, not before T
    POST /api/agents/{agent}/callbacks/{call}/cancel      the agent: its own (the callbacks
    POST /api/agents/{agent}/callbacks/{call}/reschedule  it last tried), {"at": T} likewise

``T`` is an ISO 8601 time; without an offset it is the center's local time (what a
``datetime-local`` field sends). The engine refuses what it must (``acd.core.callbacks``:
no such pending callback 404, not the agent's own 403, one in progress 409, a time in the
past or more than 30 days ahead 400); nothing changes then. Each accepted act goes to the
audit log (``callback.cancel``, ``callback.reschedule``). The agent's own pending callbacks
are in its panel's live feed (``acd.web.desk_api``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from acd.core import callbacks as cb
from acd.core import events as e
from acd.web.auth import principal_of
from acd.web.errors import ApiError, json_body
from acd.web.pages import render
from acd.web.snapshot import pending_callbacks
from acd.web.supervision import SUPERVISION, record

REFUSALS: dict[type[cb.CallbackRefused], int] = {
    cb.NotACallback: 404,
    cb.NotYours: 403,
    cb.BadTime: 400,
}
"""A refusal's status (409 for the rest: the callback's state does not allow it now)."""


async def page(request: web.Request) -> web.Response:
    setup = request.app[SUPERVISION]
    now = setup.runtime.clock()
    pending = pending_callbacks(setup.runtime.engine.view(), now, mask=_masks(request))
    zone = ZoneInfo(setup.cfg.center.timezone)  # times as the center's
    return render(request, "callbacks.html", callbacks=pending, zone=zone, mine=False,
                  callbacks_api="/api/callbacks", fromiso=datetime.fromisoformat)  # fmt: skip


async def api_list(request: web.Request) -> web.Response:
    runtime = request.app[SUPERVISION].runtime
    now = runtime.clock()
    pending = pending_callbacks(runtime.engine.view(), now, mask=_masks(request))
    return web.json_response({"callbacks": pending})


def _masks(request: web.Request) -> bool:
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
