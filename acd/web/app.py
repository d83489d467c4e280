"""aiohttp application: the live queues-and-agents page, a JSON API and /metrics.

Errors from the core are mapped to HTTP status codes in one middleware (``_errors``);
every error answer is JSON ``{"error": code, "message": text}``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import WSMsgType, web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from acd.core import events as e
from acd.core.engine import UnknownAgent, UnknownPauseReason, WrapUpAlreadyExtended
from acd.runtime import Runtime
from acd.web.snapshot import snapshot
from agents.states import IllegalMove

log = logging.getLogger(__name__)
# Package data: the page's template and its static files, read through importlib so that
# an installed wheel serves them (aiohttp's static route wants a directory on disk).
STATIC = Path(str(resources.files("acd.web") / "static"))
PAGES = jinja2.Environment(loader=jinja2.PackageLoader("acd.web", "templates"), autoescape=True)
RUNTIME = web.AppKey("runtime", Runtime)
PUSH: web.AppKey[LivePush] = web.AppKey("push")
TITLE = web.AppKey("title", str)
REGISTRY = web.AppKey("registry", CollectorRegistry)
CHECKS: web.AppKey[dict[str, Callable[[], bool]]] = web.AppKey("checks")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return _error(exc.status, exc.code, str(exc))
    except UnknownAgent as exc:
        return _error(404, "unknown-agent", str(exc))
    except IllegalMove as exc:
        return _error(409, "illegal-move", str(exc))
    except UnknownPauseReason as exc:
        return _error(400, "unknown-pause-reason", str(exc))
    except WrapUpAlreadyExtended as exc:
        return _error(409, "already-extended", str(exc))


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": code, "message": message}, status=status)


AGENT_ACTIONS: dict[str, Callable[[str, dict[str, Any]], e.Event]] = {
    "login": lambda a, body: e.AgentLoggedIn(a),
    "ready": lambda a, body: e.AgentWentReady(a),
    "pause": lambda a, body: e.AgentPaused(a, str(body.get("reason") or "break")),
    "logout": lambda a, body: e.AgentLoggedOut(a),
    "extend-wrap-up": lambda a, body: e.AgentExtendedWrapUp(a),
}


async def agent_action(request: web.Request) -> web.Response:
    agent_id, action = request.match_info["agent"], request.match_info["action"]
    if action not in AGENT_ACTIONS:
        raise ApiError(404, "unknown-action", f"unknown action {action!r}")
    body = await _json_body(request)
    runtime = request.app[RUNTIME]
    await runtime.request(AGENT_ACTIONS[action](agent_id, body))
    agent = runtime.engine.agent_view(agent_id)
    answer = {"agent": agent_id, "state": agent.state.value, "reason": agent.reason}
    return web.json_response({**answer, "pending_pause": agent.pending_pause})


async def _json_body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(400, "bad-json", f"request body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise ApiError(400, "bad-json", "request body must be a JSON object")
    return body


async def api_snapshot(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    return web.json_response(snapshot(runtime.engine.view(), runtime.clock()))


async def healthz(request: web.Request) -> web.Response:
    """200 when every part is up (503 names what is down): a readiness probe."""
    parts = {name: check() for name, check in request.app[CHECKS].items()}
    body = {
        "ok": all(parts.values()),
        "parts": parts,
        "events_handled": request.app[RUNTIME].handled,
        "events_failed": request.app[RUNTIME].failed,
        "inbox": request.app[RUNTIME].inbox.qsize(),
    }
    return web.json_response(body, status=200 if body["ok"] else 503)


async def metrics(request: web.Request) -> web.Response:
    body = generate_latest(request.app[REGISTRY])
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def page(request: web.Request) -> web.Response:
    html = PAGES.get_template("live.html").render(title=request.app[TITLE])
    return web.Response(text=html, content_type="text/html")


class LivePush:
    """Sends a fresh snapshot to every open page after changes, at most every 200 ms."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.sockets: set[web.WebSocketResponse] = set()
        self._pending = False
        self._sending: asyncio.Task[None] | None = None

    def changed(self) -> None:
        if self.sockets and not self._pending:
            self._pending = True
            asyncio.get_running_loop().call_later(0.2, self._send_soon)

    def _send_soon(self) -> None:
        self._pending = False
        self._sending = asyncio.ensure_future(self.broadcast())

    async def broadcast(self) -> None:
        data = json.dumps(snapshot(self.runtime.engine.view(), self.runtime.clock()))
        for ws in list(self.sockets):
            try:
                await ws.send_str(data)
            except ConnectionError:
                self.sockets.discard(ws)


async def live_socket(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(heartbeat=20)
    await ws.prepare(request)
    push = request.app[PUSH]
    push.sockets.add(ws)
    runtime = request.app[RUNTIME]
    await ws.send_str(json.dumps(snapshot(runtime.engine.view(), runtime.clock())))
    try:
        async for msg in ws:
            if msg.type == WSMsgType.ERROR:
                break
    finally:
        push.sockets.discard(ws)
    return ws


def make_app(
    runtime: Runtime,
    title: str,
    registry: CollectorRegistry,
    checks: dict[str, Callable[[], bool]] | None = None,
) -> web.Application:
    app = web.Application(middlewares=[_errors])
    app[CHECKS] = checks or {}
    push = LivePush(runtime)
    runtime.listeners.append(push.changed)
    app[RUNTIME], app[PUSH], app[TITLE], app[REGISTRY] = runtime, push, title, registry
    app.router.add_get("/", page)
    app.router.add_get("/ws", live_socket)
    app.router.add_get("/api/snapshot", api_snapshot)
    app.router.add_post("/api/agents/{agent}/{action}", agent_action)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_static("/static", STATIC)
    return app
