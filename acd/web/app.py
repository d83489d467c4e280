"""aiohttp application: the live queues-and-agents page, the historical reports, the login
and account pages, a JSON API and /metrics.

Every route is declared in ``ROUTES`` with the access rule that guards it
(``acd.access.policy``, applied by ``acd.web.auth.guard``). Errors from the core are mapped
to HTTP status codes in one middleware (``_errors``); every error answer is JSON
``{"error": code, "message": text}``.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from acd.access.accounts import Role
from acd.access.policy import Rule
from acd.audit import AuditTrail, MemoryAudit
from acd.core import controls, supervision
from acd.core import events as e
from acd.core.callbacks import CallbackRefused
from acd.core.desk import NotLoggedIn, ServiceChoiceRefused
from acd.core.engine import UnknownAgent, UnknownPauseReason, WrapUpAlreadyExtended
from acd.core.voice_messages import TaskRefused
from acd.runtime import Runtime
from acd.store.errors import StoreError
from acd.web import (
    accounts_api,
    call_controls,
    desk_api,
    kiosk,
    login,
    reports,
    softphone,
    wallboard,
)
from acd.web import callbacks as callbacks_web
from acd.web import supervision as sv
from acd.web import voice_message_page as voice_page
from acd.web import voice_messages as voice_web
from acd.web import website_callbacks as website
from acd.web.auth import (
    ACCESS,
    GUARDS,
    Access,
    Guard,
    add_route,
    add_static,
    guard,
    principal_of,
)
from acd.web.desk_api import DESK, DeskSetup
from acd.web.errors import ApiError, error_response, json_body
from acd.web.pages import SITE, Site, render
from acd.web.push import Feed, LivePush
from acd.web.snapshot import desk, masked_snapshot, snapshot
from agents.states import IllegalMove

log = logging.getLogger(__name__)
# Package data: the page's template and its static files, read through importlib so that
# an installed wheel serves them (aiohttp's static route wants a directory on disk).
STATIC = Path(str(resources.files("acd.web") / "static"))
RUNTIME = web.AppKey("runtime", Runtime)
PUSH: web.AppKey[LivePush] = web.AppKey("push")
REGISTRY = web.AppKey("registry", CollectorRegistry)
CHECKS: web.AppKey[dict[str, Callable[[], bool]]] = web.AppKey("checks")
# The store writer's figures for /healthz: "database" (bool), "writer_backlog", "spilled".
STORE_HEALTH: web.AppKey[Callable[[], dict[str, Any]]] = web.AppKey("store_health")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _api_http_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """aiohttp's own refusals (no such route or method, a body too large) in the API's
    JSON too, so that every API answer says its ``error`` code."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or not request.path.startswith("/api/"):
            raise
        return _error(exc.status, exc.reason.lower().replace(" ", "-"), exc.reason)


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return _error(exc.status, exc.code, str(exc), exc.extra, exc.headers)
    except UnknownAgent as exc:
        return _error(404, "unknown-agent", str(exc))
    except IllegalMove as exc:
        return _error(409, "illegal-move", str(exc))
    except UnknownPauseReason as exc:
        return _error(400, "unknown-pause-reason", str(exc))
    except WrapUpAlreadyExtended as exc:
        return _error(409, "already-extended", str(exc))
    except controls.CallControlRefused as exc:
        return _error(CONTROL_REFUSALS.get(type(exc), 409), exc.code, str(exc))
    except ServiceChoiceRefused as exc:  # 400: names what it may not; 409: logged out
        return _error(409 if isinstance(exc, NotLoggedIn) else 400, exc.code, str(exc))
    except (supervision.SupervisionRefused, CallbackRefused, TaskRefused) as exc:
        return _error(REQUEST_REFUSALS.get(type(exc), 409), exc.code, str(exc))
    except StoreError as exc:
        log.warning("web: the store failed: %s", exc)
        return _error(503, "store-unavailable", "the database is not answering; try again")


_error = error_response
# A call control the engine refuses: 409 (the call's state does not allow it now), but for a
# request that names what does not exist, and an exchange that cannot be reached.
CONTROL_REFUSALS: dict[type[controls.CallControlRefused], int] = {
    controls.UnknownService: 400,
    controls.UnknownColleague: 400,
    controls.SameAgent: 400,
    controls.NoConsultation: 409,
    controls.TelephonyDown: 503,
}
# A supervisor's request the engine refuses: 409 (the call's or agent's state), but for a
# call that is not there, a request that names what does not exist, and no exchange.
SUPERVISION_REFUSALS: dict[type[supervision.SupervisionRefused], int] = {
    supervision.UnknownCall: 404,
    supervision.UnknownTarget: 400,
    supervision.BadPoints: 400,
    supervision.NoTelephony: 503,
}
# A supervisor's or an agent's request about a callback likewise (acd.web.callbacks), and
# an agent's about the voice message it works (acd.web.voice_messages).
REQUEST_REFUSALS: dict[type[Exception], int] = dict(
    [
        *SUPERVISION_REFUSALS.items(),
        *callbacks_web.REFUSALS.items(),
        *voice_web.REFUSALS.items(),
    ]
)


def services_in(body: dict[str, Any]) -> tuple[str, ...]:
    """``{"services": [...]}``: the service ids an agent chose (none given: ())."""
    services = body.get("services", [])
    if not isinstance(services, list) or not all(isinstance(s, str) for s in services):
        raise ApiError(400, "bad-services", '"services" is a list of service ids')
    return tuple(services)


AGENT_ACTIONS: dict[str, Callable[[str, dict[str, Any]], e.Event]] = {
    "login": lambda a, body: e.AgentLoggedIn(a, services_in(body)),  # none given: all
    "ready": lambda a, body: e.AgentWentReady(a),
    "pause": lambda a, body: e.AgentPaused(a, str(body.get("reason") or "break")),
    "logout": lambda a, body: e.AgentLoggedOut(a),
    "extend-wrap-up": lambda a, body: e.AgentExtendedWrapUp(a),
}


async def agent_action(request: web.Request) -> web.Response:
    agent_id, action = request.match_info["agent"], request.match_info["action"]
    if action not in AGENT_ACTIONS:
        raise ApiError(404, "unknown-action", f"unknown action {action!r}")
    body = await json_body(request)
    event = AGENT_ACTIONS[action](agent_id, body)
    answer = await _agent_request(request, event)
    sv.audit_for_agent(request, action, _detail(event))
    return answer


def _detail(event: e.Event) -> dict[str, Any]:
    """What the audit log keeps of an agent's request: its arguments (a pause's reason, the
    services chosen), not the agent, which is the entry's target."""
    fields = dataclasses.asdict(event)
    fields.pop("agent_id", None)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in fields.items()}


async def choose_services(request: web.Request) -> web.Response:
    """``{"services": [...]}``: the services the logged-in agent works from now on."""
    body = await json_body(request)
    if "services" not in body:
        raise ApiError(400, "bad-services", '"services" is a list of service ids')
    event = e.AgentChoseServices(request.match_info["agent"], services_in(body))
    answer = await _agent_request(request, event)
    sv.audit_for_agent(request, "services", _detail(event))
    return answer


async def _agent_request(request: web.Request, event: e.Event) -> web.Response:
    """The engine's answer to an agent's request: its state as it holds it now."""
    agent_id, runtime = request.match_info["agent"], request.app[RUNTIME]
    await runtime.request(event)
    agent = runtime.engine.agent_view(agent_id)
    answer = {"agent": agent_id, "state": agent.state.value, "reason": agent.reason}
    return web.json_response({**answer, "pending_pause": agent.pending_pause,
                              "services": list(agent.services)})  # fmt: skip


async def api_snapshot(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    return web.json_response(_snapshot_for(request)(runtime.engine.view(), runtime.clock()))


def _snapshot_for(request: web.Request) -> Feed:
    """Callers' numbers in full for the roles ``privacy.full_numbers_for`` names, else
    masked (docs/privacy.md, "Least exposure")."""
    who = principal_of(request)
    role = who.role.value if who is not None and who.role is not None else None
    return snapshot if role in request.app[DESK].cfg.privacy.full_numbers_for else masked_snapshot


async def admin_page(request: web.Request) -> web.Response:
    return render(request, "admin.html", agents=request.app[SITE].agents)


async def me(request: web.Request) -> web.Response:
    """Who is signed in, its CSRF token, and for an agent its own state and call."""
    who = principal_of(request)
    assert who is not None, "route guarded by Rule.SIGNED_IN"
    answer: dict[str, Any] = {"user": who.name, "name": who.display_name,
                              "role": who.role.value if who.role else None,
                              "agent": who.agent_id, "csrf": who.csrf}  # fmt: skip
    if who.agent_id is not None:
        runtime = request.app[RUNTIME]
        agent = runtime.engine.agent_view(who.agent_id)
        call = runtime.engine.call_view(agent.call_id) if agent.call_id else None
        answer["desk"] = desk(agent, call, runtime.clock())
    return web.json_response(answer)


async def healthz(request: web.Request) -> web.Response:
    """200 when every part is up (503 names what is down): a readiness probe.

    PostgreSQL away is not down: calls are still routed and the store writer keeps every
    record (in its spill file), so the answer stays 200 with ``status`` "degraded" and
    ``degraded`` naming it; "down" (503) is for telephony or the core.
    """
    parts = {name: check() for name, check in request.app[CHECKS].items()}
    store = request.app[STORE_HEALTH]()
    degraded = [] if store.get("database", True) else ["database"]
    ok = all(parts.values())
    body = {
        "ok": ok,
        "status": "down" if not ok else "degraded" if degraded else "ok",
        "parts": parts,
        "degraded": degraded,
        **store,
        "events_handled": request.app[RUNTIME].handled,
        "events_failed": request.app[RUNTIME].failed,
        "inbox": request.app[RUNTIME].inbox.qsize(),
    }
    return web.json_response(body, status=200 if ok else 503)


async def metrics(request: web.Request) -> web.Response:
    body = generate_latest(request.app[REGISTRY])
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def page(request: web.Request) -> web.Response:
    """The supervisor's live page: queues, waiting calls, agents, and the supervisor's own
    actions on them; its phone in the browser when the configuration gives it one."""
    cfg, who = request.app[DESK].cfg, principal_of(request)
    me = cfg.supervisor(who.name) if who is not None else None
    services = [(name, service.name) for name, service in cfg.services.items()]
    names = {s.id: s.name for s in cfg.supervisors}
    return render(request, "live.html", pause_reasons=cfg.pause_reasons, services=services,
                  supervisor=me, supervisor_names=names,
                  phone_default="off" if me is None or me.contact else "on")  # fmt: skip


async def live_socket(request: web.Request) -> web.WebSocketResponse:
    return await request.app[PUSH].serve(request, _snapshot_for(request))


async def wallboard_socket(request: web.Request) -> web.WebSocketResponse:
    return await wallboard.socket(request, request.app[PUSH])


async def api_wallboard(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    return await wallboard.figures(request, runtime.engine.view(), runtime.clock())


async def desk_socket(request: web.Request) -> web.WebSocketResponse:
    """The agent's own feed (``desk_api.desk_feed``)."""
    engine, agent_id = request.app[RUNTIME].engine, request.match_info["agent"]
    engine.agent_view(agent_id)  # UnknownAgent: 404 before the upgrade
    cfg = request.app[DESK].cfg
    return await request.app[PUSH].serve(
        request, lambda view, now: desk_api.desk_feed(engine, view, agent_id, now, cfg)
    )


async def kiosk_socket(request: web.Request) -> web.WebSocketResponse:
    return await kiosk.feed_socket(request, request.app[PUSH])


async def agent_page(request: web.Request) -> web.StreamResponse:
    """The agent's panel; any other role goes to its own home."""
    who = principal_of(request)
    if who is None or who.agent_id is None:
        raise web.HTTPSeeOther(
            "/" if who is not None and who.role is Role.SUPERVISOR else "/account"
        )
    cfg = request.app[DESK].cfg
    agent = cfg.agent(who.agent_id)
    # The browser takes the calls by default only for an agent without a fixed desk phone.
    phone_default = "off" if agent is not None and agent.contact else "on"
    held = request.app[RUNTIME].engine.services_of(who.agent_id)
    services = [(s, cfg.services[s].name) for s in held if s in cfg.services]
    # An agent with the kiosks' video skill answers their video calls with its camera.
    video = agent is not None and bool(cfg.kiosks.totems) and (
        cfg.kiosks.video_skill in agent.levels())  # fmt: skip
    # those it may schedule a callback into (acd.web.callbacks.agent_schedule)
    callback_services = [(s, name) for s, name in services if cfg.services[s].callback]
    return render(request, "agent.html", agent=agent, pause_reasons=cfg.pause_reasons,
                  phone_default=phone_default, services=services, phone_video=video,
                  callback_services=callback_services,
                  timezone=cfg.center.timezone)  # fmt: skip


async def screen_pop_route(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    return await desk_api.get_screen_pop(request, runtime.engine, runtime.clock())


async def disposition_route(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    return await desk_api.post_disposition(request, runtime.engine, runtime.clock())


async def call_control_route(request: web.Request) -> web.Response:
    return await call_controls.call_control(request, request.app[RUNTIME])


async def calls_today_route(request: web.Request) -> web.Response:
    runtime, cfg = request.app[RUNTIME], request.app[DESK].cfg
    local = runtime.clock().astimezone(ZoneInfo(cfg.center.timezone))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return await desk_api.get_calls_today(request, runtime.engine, midnight)


PAGE, API, OPEN = (Guard(Rule.SUPERVISOR, page=True), Guard(Rule.SUPERVISOR, json=True),
                   Guard(Rule.PUBLIC))  # fmt: skip
SIGNED_IN_API = Guard(Rule.SIGNED_IN, json=True)
OWN_API = Guard(Rule.OWN_AGENT, json=True)
ADMIN_API = Guard(Rule.ADMIN, json=True)
# The audit trail: supervisors read their actions, admins every entry (acd.audit.readable_by).
AUDIT_API, AUDIT_PAGE = Guard(Rule.AUDIT, json=True), Guard(Rule.AUDIT, page=True)
# The website's API: a token with the callbacks scope (JSON bodies for its POST).
WEBSITE, WEBSITE_API = Guard(Rule.CALLBACKS), Guard(Rule.CALLBACKS, json=True)
# Every route, and who may use it: the matrix that tests/e2e/test_access.py walks.
ROUTES: tuple[tuple[str, str, Handler, Guard], ...] = (
    ("GET", "/", page, PAGE),
    ("GET", "/ws", live_socket, Guard(Rule.SUPERVISOR)),
    ("GET", "/api/snapshot", api_snapshot, API),
    ("GET", "/wallboard", wallboard.page, PAGE),
    ("GET", "/ws/wallboard", wallboard_socket, Guard(Rule.SUPERVISOR)),
    ("GET", "/api/wallboard", api_wallboard, API),
    ("GET", "/agent", agent_page, Guard(Rule.SIGNED_IN, page=True)),
    ("GET", "/ws/agents/{agent}", desk_socket, Guard(Rule.OWN_AGENT)),
    ("GET", "/api/agents/{agent}/screen-pop", screen_pop_route, OWN_API),
    ("GET", "/api/agents/{agent}/calls-today", calls_today_route, OWN_API),
    # Before the generic action route, which would take "disposition" for an action.
    ("POST", "/api/agents/{agent}/disposition", disposition_route, OWN_API),
    ("POST", "/api/agents/{agent}/call/{control}", call_control_route, OWN_API),
    ("POST", "/api/agents/{agent}/services", choose_services, OWN_API),
    # An agent's scheduled callback (acd.web.callbacks; before the generic action too).
    ("POST", "/api/agents/{agent}/callbacks", callbacks_web.agent_schedule, OWN_API),
    # A supervisor's own actions (acd.web.supervision); listen before the generic action.
    ("POST", "/api/agents/{agent}/listen", sv.listen, API),
    ("POST", "/api/agents/{agent}/{action}", agent_action, OWN_API),
    ("POST", "/api/calls/{call}/move", sv.move_call, API),
    ("POST", "/api/calls/{call}/priority", sv.raise_priority, API),
    ("POST", "/api/supervision/mode", sv.change_mode, API),
    ("POST", "/api/supervision/stop", sv.stop, API),
    # Callbacks (acd.web.callbacks): a supervisor's any, an agent's own.
    ("GET", "/callbacks", callbacks_web.page, PAGE),
    ("GET", "/api/callbacks", callbacks_web.api_list, API),
    ("POST", "/api/callbacks/{call}/cancel", callbacks_web.cancel, API),
    ("POST", "/api/callbacks/{call}/reschedule", callbacks_web.reschedule, API),
    ("GET", "/api/agents/{agent}/callbacks/slots", callbacks_web.agent_slots, OWN_API),
    ("POST", "/api/agents/{agent}/callbacks/{call}/cancel", callbacks_web.agent_cancel, OWN_API),
    (
        "POST",
        "/api/agents/{agent}/callbacks/{call}/reschedule",
        callbacks_web.agent_reschedule,
        OWN_API,
    ),
    # The voice message an agent works (acd.web.voice_messages): its recording, its close.
    ("GET", "/api/agents/{agent}/voice-messages/{message}/audio", voice_web.audio, OWN_API),
    ("POST", "/api/agents/{agent}/voice-messages/{message}/close", voice_web.close, OWN_API),
    (
        "POST",
        "/api/agents/{agent}/voice-messages/{message}/call-back",
        voice_web.call_back,
        OWN_API,
    ),
    # The supervisors' page of voice messages (acd.web.voice_message_page): any recording.
    ("GET", "/voice-messages", voice_page.page, PAGE),
    ("GET", "/api/voice-messages", voice_page.api_list, API),
    ("GET", "/api/voice-messages/{message}/audio", voice_page.audio, API),
    ("GET", "/api/audit", sv.audit_api, AUDIT_API),
    ("GET", "/audit", sv.audit_page, AUDIT_PAGE),
    ("GET", "/login", login.login_page, OPEN),
    ("POST", "/login", login.login, OPEN),
    ("POST", "/logout", login.logout, Guard(Rule.SIGNED_IN)),
    ("GET", "/account", login.account_page, Guard(Rule.SIGNED_IN, page=True)),
    ("GET", "/api/me", me, SIGNED_IN_API),
    ("POST", "/api/me/password", login.change_password, SIGNED_IN_API),
    ("GET", "/admin", admin_page, Guard(Rule.ADMIN, page=True)),
    ("GET", "/api/accounts", accounts_api.list_accounts, ADMIN_API),
    ("POST", "/api/accounts", accounts_api.add_account, ADMIN_API),
    ("POST", "/api/accounts/{user}/{action}", accounts_api.account_action, ADMIN_API),
    ("GET", "/healthz", healthz, OPEN),
    ("GET", "/metrics", metrics, Guard(Rule.METRICS)),
    # Softphones (acd.web.softphone): an agent's, a supervisor's; the page, SIP websocket, settings.
    ("GET", "/phone", softphone.page, Guard(Rule.PHONE, page=True)),
    ("GET", "/sip", softphone.sip_socket, Guard(Rule.PHONE)),
    ("GET", "/api/me/softphone", softphone.settings, Guard(Rule.PHONE, json=True)),
    ("GET", "/static/vendor/jssip.js", softphone.bundle, OPEN),  # (before /static's own)
    # Historical reports (acd.web.reports): the page, and its figures as CSV.
    ("GET", "/reports", reports.page, PAGE),
    ("GET", "/reports/export.csv", reports.download, PAGE),
    # The staffing advice of the next hours, for the wallboard (acd.staffing).
    ("GET", "/api/staffing", reports.staffing_api, API),
    # District totems (acd.web.kiosk): enrolment (public), then only the kiosk's own.
    ("GET", "/kiosk/enroll", kiosk.enroll_page, OPEN),
    ("POST", "/kiosk/enroll", kiosk.enroll, Guard(Rule.PUBLIC, json=True)),
    ("GET", "/kiosk", kiosk.page, Guard(Rule.KIOSK, page=True)),
    ("GET", "/kiosk/sip", kiosk.sip_socket, Guard(Rule.KIOSK)),
    ("GET", "/api/kiosk/settings", kiosk.settings, Guard(Rule.KIOSK, json=True)),
    ("GET", "/ws/kiosk", kiosk_socket, Guard(Rule.KIOSK)),
    # The city's website asks for callbacks (acd.web.website_callbacks; acd.web.openapi).
    ("POST", "/api/v1/callbacks", website.create, WEBSITE_API),
    ("GET", "/api/v1/callbacks/{callback}", website.show, WEBSITE),
    ("DELETE", "/api/v1/callbacks/{callback}", website.cancel, WEBSITE),
    ("GET", "/api/v1/services/{service}/slots", website.slots, WEBSITE),
    ("GET", "/api/v1/openapi.json", website.description, OPEN),
)


def make_app(
    runtime: Runtime,
    site: Site,
    registry: CollectorRegistry,
    access: Access,
    desk_setup: DeskSetup,
    report_setup: reports.ReportSetup,
    softphones: softphone.Softphones,
    checks: dict[str, Callable[[], bool]] | None = None,
    store_health: Callable[[], dict[str, Any]] | None = None,
    audit: AuditTrail | None = None,
    kiosks: kiosk.KioskSetup | None = None,
    website_callbacks: website.WebsiteCallbacks | None = None,
) -> web.Application:
    """``audit``: where acts are recorded (``acd.audit.StoreAudit``; none: in memory);
    ``kiosks``: the district totems (none: no kiosk); ``website_callbacks``: the website's
    API (none: its routes answer 503)."""
    app = web.Application(middlewares=[_api_http_errors, _errors, guard])
    app[CHECKS] = checks or {}
    app[STORE_HEALTH] = store_health or dict
    softphone.install(app, softphones)
    push = LivePush(runtime)
    runtime.listeners.append(push.changed)
    app[RUNTIME], app[PUSH], app[SITE], app[REGISTRY] = runtime, push, site, registry
    app[ACCESS], app[GUARDS], app[DESK] = access, {}, desk_setup
    app[reports.REPORTS] = report_setup
    app[wallboard.WALLBOARD] = wallboard.Wallboard.of(desk_setup.cfg, runtime.meter)
    app[sv.AUDIT] = audit if audit is not None else MemoryAudit()
    app[sv.SUPERVISION] = sv.SupervisionSetup(desk_setup.cfg, runtime)
    app[kiosk.KIOSKS] = kiosks or kiosk.KioskSetup(desk_setup.cfg.kiosks, {}, {}, bool, {})
    if website_callbacks is not None:
        app[website.WEBSITE] = website_callbacks
    for method, path, handler, rule in ROUTES:
        add_route(app, method, path, handler, rule)
    add_static(app, "/static", STATIC)
    return app
