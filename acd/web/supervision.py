"""A supervisor's actions over the web, each written to the audit log once the engine
accepted it, and the audit log itself (the page ``/audit`` and ``GET /api/audit``).

    POST /api/calls/{call}/move       {"service": S}         a waiting call to S's queue
    POST /api/calls/{call}/priority   {"points": N}          raised by N (none: the center's)
    POST /api/agents/{agent}/listen   {"mode": M, "phone": P} the supervisor's phone on the
                                      agent's call: M listen (default), whisper or barge;
                                      P desk or web (default: desk with a fixed contact,
                                      else web)
    POST /api/supervision/mode        {"mode": M}            the same phone call, now as M
                                      (listen, whisper, barge: no hang-up, no new ring)
    POST /api/supervision/stop                               the supervisor's phone leaves
    GET  /api/audit?actor=&action=&target_kind=&target=&since=&until=&before=&limit=
                                      (a supervisor: all but the reads of personal data,
                                      which only an admin reads: ``acd.audit.readable_by``)

Each request is the engine's to refuse (``acd.core.supervision``; the middleware in
``acd.web.app`` gives the status); a phone the supervisor does not have is refused here
(409 ``no-phone``). Agents' state changes and call controls by a supervisor are audited
where they are handled (``acd.web.app``, ``acd.web.call_controls``): ``audit_for_agent``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from acd.access.policy import Principal
from acd.audit import AuditTrail, entry, readable_by
from acd.config.model import CenterConfig, Supervisor
from acd.core import events as e
from acd.core.model import SpyMode
from acd.core.view import CenterView, SpyView
from acd.runtime import Runtime
from acd.store.audit import MAX_ROWS, AuditEntry, AuditQuery
from acd.web.auth import principal_of
from acd.web.errors import ApiError, json_body
from acd.web.pages import render
from acd.web.snapshot import call_json

AUDIT: web.AppKey[AuditTrail] = web.AppKey("audit")
PHONES = ("desk", "web")


@dataclass(frozen=True, slots=True)
class SupervisionSetup:
    """What the supervisors' routes read of the configuration."""

    cfg: CenterConfig
    runtime: Runtime


SUPERVISION = web.AppKey("supervision", SupervisionSetup)


def _who(request: web.Request) -> Principal:
    who = principal_of(request)
    assert who is not None, "guarded route: somebody is signed in"
    return who


def record(request: web.Request, action: str, target: tuple[str, str],
           detail: dict[str, Any] | None = None) -> None:  # fmt: skip
    """The act ``action`` on ``target`` by whoever made ``request``, now, to the audit log."""
    now = request.app[SUPERVISION].runtime.clock()
    request.app[AUDIT].record(entry(_who(request), action, target, now, detail))


def audit_for_agent(request: web.Request, action: str, detail: dict[str, Any]) -> None:
    """An agent's request made by somebody other than the agent (a supervisor): audited as
    ``agent.<action>`` on the agent of the path. The agent's own requests are not."""
    agent_id = request.match_info["agent"]
    if _who(request).agent_id != agent_id:
        record(request, f"agent.{action}", ("agent", agent_id), detail)


# -- waiting calls -------------------------------------------------------------------------


async def move_call(request: web.Request) -> web.Response:
    call_id, body = request.match_info["call"], await json_body(request)
    service = body.get("service")
    if not isinstance(service, str) or not service:
        raise ApiError(400, "bad-service", 'a move names the "service" to move the call to')
    runtime = request.app[SUPERVISION].runtime
    before = runtime.engine.call_view(call_id)
    await runtime.request(e.SupervisorMovedCall(call_id, service))
    moved_from = before.service if before is not None else None
    record(request, "call.move", ("call", call_id), {"from": moved_from, "to": service})
    return _call_answer(request, runtime, call_id)


async def raise_priority(request: web.Request) -> web.Response:
    call_id, body = request.match_info["call"], await json_body(request)
    points = body.get("points", 0)
    if isinstance(points, bool) or not isinstance(points, int):
        raise ApiError(400, "bad-points", '"points" is a whole number (none: the center\'s)')
    runtime = request.app[SUPERVISION].runtime
    await runtime.request(e.SupervisorRaisedPriority(call_id, points))
    view = runtime.engine.call_view(call_id)
    given = points or request.app[SUPERVISION].cfg.routing.supervisor_priority
    detail = {"points": given, "priority": view.priority if view is not None else None}
    record(request, "call.priority", ("call", call_id), detail)
    return _call_answer(request, runtime, call_id)


def _call_answer(request: web.Request, runtime: Runtime, call_id: str) -> web.Response:
    view = runtime.engine.call_view(call_id)
    if view is None:  # ended meanwhile (the caller hung up just after)
        return web.json_response({"call": None})
    role = _who(request).role
    full = role is not None and role.value in request.app[SUPERVISION].cfg.privacy.full_numbers_for
    return web.json_response({"call": {**call_json(view, runtime.clock(), mask=not full),
                                       "service": view.service}})  # fmt: skip


# -- agents' calls -------------------------------------------------------------------------


def phone_of(cfg: CenterConfig, who: Principal, asked: object) -> tuple[str, str]:
    """(which phone, its PJSIP endpoint) of the signed-in supervisor for a listen."""
    supervisor = cfg.supervisor(who.name)
    if supervisor is None:
        raise ApiError(409, "no-phone", f"{who.name} has no phone to listen with: the "
                       "configuration's supervisors: names none for this account")  # fmt: skip
    if asked is None:
        asked = "desk" if supervisor.contact else "web"
    if asked not in PHONES:
        raise ApiError(400, "bad-phone", f'"phone" is one of {", ".join(PHONES)}')
    return str(asked), supervisor.id if asked == "desk" else supervisor.web_endpoint


async def listen(request: web.Request) -> web.Response:
    agent_id, body, who = request.match_info["agent"], await json_body(request), _who(request)
    mode = _mode(body.get("mode", SpyMode.LISTEN.value))
    setup = request.app[SUPERVISION]
    phone, endpoint = phone_of(setup.cfg, who, body.get("phone"))
    await setup.runtime.request(e.SupervisorListened(who.name, agent_id, mode, endpoint))
    spy = _spy_of(setup.runtime.engine.view(), who.name)
    detail = {"call_id": spy.call_id if spy else None, "phone": phone}
    record(request, f"supervision.{mode.value}", ("agent", agent_id), detail)
    return web.json_response({"supervision": spy_json(spy, setup.cfg)})


def _mode(asked: object) -> SpyMode:
    try:
        return SpyMode(str(asked))
    except ValueError:
        modes = ", ".join(m.value for m in SpyMode)
        raise ApiError(400, "bad-mode", f'"mode" is one of {modes}') from None


async def change_mode(request: web.Request) -> web.Response:
    who, setup, body = _who(request), request.app[SUPERVISION], await json_body(request)
    mode = _mode(body.get("mode"))
    before = _spy_of(setup.runtime.engine.view(), who.name)
    await setup.runtime.request(e.SupervisorChangedMode(who.name, mode))
    spy = _spy_of(setup.runtime.engine.view(), who.name)
    if spy is not None and before is not None and before.mode is not mode:
        detail = {"call_id": spy.call_id, "from": before.mode.value}
        record(request, f"supervision.{mode.value}", ("agent", spy.agent_id), detail)
    return web.json_response({"supervision": spy_json(spy, setup.cfg)})


async def stop(request: web.Request) -> web.Response:
    who, setup = _who(request), request.app[SUPERVISION]
    spy = _spy_of(setup.runtime.engine.view(), who.name)
    await setup.runtime.request(e.SupervisorStoppedListening(who.name))
    if spy is not None:
        record(request, "supervision.stop", ("agent", spy.agent_id), {"call_id": spy.call_id})
    return web.json_response({"supervision": None})


def _spy_of(view: CenterView, supervisor: str) -> SpyView | None:
    return next((s for s in view.spies if s.supervisor == supervisor), None)


def spy_json(spy: SpyView | None, cfg: CenterConfig) -> dict[str, Any] | None:
    if spy is None:
        return None
    found: Supervisor | None = cfg.supervisor(spy.supervisor)
    name = found.name if found is not None else spy.supervisor
    return {"supervisor": spy.supervisor, "supervisor_name": name, "agent": spy.agent_id,
            "call_id": spy.call_id, "mode": spy.mode.value}  # fmt: skip


# -- the audit log -------------------------------------------------------------------------


def audit_query(request: web.Request) -> AuditQuery:
    """The filters of ``request``'s query string; a bad one is a 400 that names it."""
    q = request.query
    text = {name: q.get(name, "").strip() or None
            for name in ("actor", "action", "target_kind", "target")}  # fmt: skip
    return AuditQuery(
        actor=text["actor"], action=text["action"], target_kind=text["target_kind"],
        target_id=text["target"], since=_time(q, "since"), until=_time(q, "until"),
        before=_whole(q, "before", 1, None), limit=_whole(q, "limit", 1, MAX_ROWS) or 100,
    )  # fmt: skip


def _time(query: Any, name: str) -> datetime | None:
    text = query.get(name, "").strip()
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        at = None
    if at is None or at.utcoffset() is None:
        raise ApiError(400, "bad-time", f"{name} is an ISO time with its offset, "
                       "e.g. 2026-12-01T09:00:00+01:00")  # fmt: skip
    return at


def _whole(query: Any, name: str, least: int, most: int | None) -> int | None:
    text = query.get(name, "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < least or (most is not None and int(text) > most):
        bound = f" to {most}" if most is not None else " or more"
        raise ApiError(400, f"bad-{name}", f"{name} is a whole number, {least}{bound}")
    return int(text)


def entry_json(found: AuditEntry) -> dict[str, Any]:
    return {"id": found.id, "at": found.at.isoformat(), "actor": found.actor,
            "role": found.role, "action": found.action, "target_kind": found.target_kind,
            "target": found.target_id, "detail": dict(found.detail)}  # fmt: skip


async def audit_api(request: web.Request) -> web.Response:
    query = readable_by(_who(request), audit_query(request))
    found = await request.app[AUDIT].find(query)
    full = len(found) == query.limit and found[-1].id is not None
    return web.json_response({"entries": [entry_json(f) for f in found],
                              "next_before": found[-1].id if full else None})  # fmt: skip


async def audit_page(request: web.Request) -> web.Response:
    """The audit log for a supervisor or an admin to read (each what it may: ``readable_by``):
    a form of filters (a GET: bookmarkable, no script needed), the entries, and a link to
    the next page."""
    try:
        query = audit_query(request)
        problem = ""
    except ApiError as exc:
        query, problem = AuditQuery(), str(exc)
    query = readable_by(_who(request), query)
    found = await request.app[AUDIT].find(query)
    more = len(found) == query.limit and found[-1].id is not None
    shown = {k: v for k, v in request.query.items() if k not in ("before", "lang")}
    zone = ZoneInfo(request.app[SUPERVISION].cfg.center.timezone)  # times as the center's
    return render(request, "audit.html", entries=found, query=shown, problem=problem,
                  next_before=found[-1].id if more else None, zone=zone,
                  hidden=query.hidden)  # fmt: skip
