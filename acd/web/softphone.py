"""The agent's softphone in the browser: its settings, its SIP websocket, JsSIP, a test page.

- ``GET /api/me/softphone`` (the agent only, ``no-store``): what JsSIP needs to register, the
  softphone's SIP password included, so it crosses only the signed-in session;
- ``GET /sip``: the SIP websocket (subprotocol ``sip``), proxied frame by frame to Asterisk's
  own (``ws://127.0.0.1:{asterisk_http}/ws``), which listens on loopback only: the browser
  reaches Asterisk through the engine's web, on its origin and under its TLS. Each frame
  the browser sends is read first (``acd.web.sip_frames``: its own credentials, its own
  identity); frames are at most ``MAX_FRAME`` bytes; when either side closes, both close,
  and so they do when the signed-in session ends;
- ``GET /static/vendor/jssip.js``: the JsSIP bundle that setup builds from npm into
  ``$CENTRALINO_CACHE/web-tools/dist`` (a folder the composition root gives);
- ``GET /phone``: a page to try the softphone (the agent panel will embed it instead).

Logged: who connected from where, how it ended and how many frames went each way; never
a frame (digest answers, SDP) nor a password.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import WSCloseCode, WSMsgType, web

from acd.access.accounts import Role
from acd.store.errors import StoreError
from acd.web.auth import ACCESS, principal_of
from acd.web.errors import ApiError
from acd.web.pages import render
from acd.web.sip_frames import refusal

log = logging.getLogger(__name__)
security = logging.getLogger("acd.security")
MAX_FRAME = 64 * 1024  # a SIP message with audio and video SDP is a few kB
BUNDLE = "jssip.js"
Socket = web.WebSocketResponse | aiohttp.ClientWebSocketResponse


@dataclass(frozen=True, slots=True)
class SipAccount:
    """An agent's softphone account in Asterisk: its PJSIP endpoint (the SIP user name),
    its password, the name it shows."""

    user: str
    password: str
    display_name: str


@dataclass(frozen=True)
class Softphones:
    """What the softphone routes need, given by the composition root."""

    accounts: Mapping[str, SipAccount]  # by agent id, and a supervisor's by its user name
    pbx_websocket: str  # Asterisk's SIP websocket, ws://127.0.0.1:PORT/ws
    vendor: Path  # the folder of the JsSIP bundle
    session_check_seconds: float = 60  # how often an open /sip asks whether its session lives
    open: set[web.WebSocketResponse] = field(default_factory=set)  # closed at shutdown


SOFTPHONES = web.AppKey("softphones", Softphones)
PBX_HTTP = web.AppKey("pbx-http", aiohttp.ClientSession)


def install(app: web.Application, softphones: Softphones) -> None:
    app[SOFTPHONES] = softphones
    app.cleanup_ctx.append(_pbx_http)
    app.on_shutdown.append(_close_all)


async def _pbx_http(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession() as http:
        app[PBX_HTTP] = http
        yield


async def _close_all(app: web.Application) -> None:
    for socket in list(app[SOFTPHONES].open):
        await socket.close(code=WSCloseCode.GOING_AWAY, message=b"the engine is stopping")


def _account(request: web.Request) -> tuple[str, SipAccount]:
    """The signed-in agent (or supervisor) and its softphone account (404 when it has
    none): an agent's by its agent id, a supervisor's by its user name
    (``supervisors[].id``)."""
    who = principal_of(request)
    assert who is not None, "route guarded by Rule.PHONE"
    owner = who.agent_id if who.role is Role.AGENT else who.name
    assert owner is not None, "Rule.PHONE: an agent's account drives an agent"
    account = request.app[SOFTPHONES].accounts.get(owner)
    if account is None:
        raise ApiError(404, "no-softphone", f"{owner!r} has no softphone")
    return owner, account


# -- settings, bundle, page --------------------------------------------------------------


async def settings(request: web.Request) -> web.Response:
    owner, account = _account(request)
    secure = request.secure or request.app[ACCESS].secure_cookies
    body = {
        "agent": owner,
        "user": account.user,
        "uri": f"sip:{account.user}@{request.url.host or 'localhost'}",
        "password": account.password,
        "display_name": account.display_name,
        "websocket": f"{'wss' if secure else 'ws'}://{request.host}/sip",
    }
    return web.json_response(body, headers={"Cache-Control": "no-store"})


async def bundle(request: web.Request) -> web.StreamResponse:
    path = request.app[SOFTPHONES].vendor / BUNDLE
    if not path.is_file():
        raise ApiError(404, "no-jssip", f"{path} is missing: run `make setup` (it builds "
                       "JsSIP from web-tools/package-lock.json)")  # fmt: skip
    return web.FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})


async def page(request: web.Request) -> web.Response:
    _account(request)
    return render(request, "phone.html")


# -- the SIP websocket ---------------------------------------------------------------------


async def sip_socket(request: web.Request) -> web.StreamResponse:
    _, account = _account(request)
    return await serve_sip(request, account, _session_ended)


# Whether the browser may go on, asked while its SIP websocket is open: when it may not, why
# (and True: a refusal). A softphone's session; a kiosk's credential (``acd.web.kiosk``).
Watch = Callable[[web.Request], Coroutine[Any, Any, tuple[str, bool]]]


async def serve_sip(request: web.Request, account: SipAccount, watch: Watch) -> web.StreamResponse:
    """The SIP websocket of ``account``, relayed to Asterisk's until either side ends or
    ``watch`` ends it."""
    browser = web.WebSocketResponse(protocols=("sip",), heartbeat=20, max_msg_size=MAX_FRAME)
    if browser.can_prepare(request).protocol != "sip":
        raise ApiError(400, "not-sip-websocket",
                       f"GET {request.path} is a websocket of subprotocol sip")  # fmt: skip
    async with _pbx(request, account.user) as pbx:
        await browser.prepare(request)
        softphones = request.app[SOFTPHONES]
        softphones.open.add(browser)
        try:
            await _relay(request, browser, pbx, account.user, watch)
        finally:
            softphones.open.discard(browser)
    return browser


@contextlib.asynccontextmanager
async def _pbx(request: web.Request, user: str) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    """Asterisk's SIP websocket, or 503 before the browser's is accepted."""
    url = request.app[SOFTPHONES].pbx_websocket
    try:
        pbx = await request.app[PBX_HTTP].ws_connect(
            url, protocols=("sip",), max_msg_size=MAX_FRAME, autoping=True,
            timeout=aiohttp.ClientWSTimeout(ws_close=2),
        )  # fmt: skip
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        log.warning("softphone %s: Asterisk's websocket %s refused: %s", user, url, exc)
        raise ApiError(503, "pbx-unavailable", "the telephone exchange does not answer: "
                       "try again in a moment") from None  # fmt: skip
    try:
        yield pbx
    finally:
        await pbx.close()


async def _relay(
    request: web.Request,
    browser: web.WebSocketResponse,
    pbx: aiohttp.ClientWebSocketResponse,
    user: str,
    watch: Watch,
) -> None:
    """Both ways until either side ends (or ``watch`` does); then both are closed."""
    address = request.app[ACCESS].client_address(request)
    log.info("softphone %s connected from %s", user, address)
    started, counts = time.monotonic(), [0, 0]
    up = asyncio.create_task(_to_pbx(browser, pbx, user, address, counts))
    down = asyncio.create_task(_to_browser(pbx, browser, counts))
    session = asyncio.create_task(watch(request))
    done, pending = await asyncio.wait({up, down, session}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    why, refused = next(
        (t.result() for t in (up, session) if t in done), ("Asterisk closed", False)
    )
    await pbx.close()
    code = WSCloseCode.POLICY_VIOLATION if refused else WSCloseCode.GOING_AWAY
    await browser.close(code=code, message=why.encode()[:120])
    log.info("softphone %s from %s closed (%s) after %.0f s, %d frames up, %d down",
             user, address, why, time.monotonic() - started, *counts)  # fmt: skip


async def _session_ended(request: web.Request) -> tuple[str, bool]:
    """The signed-in session, checked now and then: signed out, expired, the account
    disabled or its password changed end the softphone too (a refusal). The check counts
    as the agent's activity: an open softphone keeps its session from idling out, never
    past ``network.web.session_hours``."""
    access, every = request.app[ACCESS], request.app[SOFTPHONES].session_check_seconds
    session_id = request.cookies.get(access.cookie_name, "")
    while True:
        await asyncio.sleep(every)
        try:
            if await access.sessions.find(session_id, access.clock()) is None:
                return "the session ended", True
        except StoreError as exc:  # the database away for a moment: the call goes on
            log.warning("softphone: session not checked (%s)", exc)


async def _to_pbx(
    browser: web.WebSocketResponse,
    pbx: aiohttp.ClientWebSocketResponse,
    own: str,
    address: str,
    counts: list[int],
) -> tuple[str, bool]:
    """The browser's frames to Asterisk, each checked first: why it ended, and whether it
    was refused."""
    async for message in browser:
        if message.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
            return f"browser error: {browser.exception()}", False
        text = message.data if message.type == WSMsgType.TEXT else message.data.decode(
            "utf-8", "replace")  # fmt: skip
        why = refusal(text, own)
        if why is not None:
            security.warning("softphone %s from %s refused: %s", own, address, why)
            return f"refused: {why}", True
        await _send(pbx, message)
        counts[0] += 1
    return "the browser closed", False


async def _to_browser(
    pbx: aiohttp.ClientWebSocketResponse, browser: web.WebSocketResponse, counts: list[int]
) -> None:
    async for message in pbx:
        if message.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
            return
        await _send(browser, message)
        counts[1] += 1


async def _send(sink: Socket, message: aiohttp.WSMessage) -> None:
    if message.type == WSMsgType.TEXT:
        await sink.send_str(message.data)
    else:
        await sink.send_bytes(message.data)
