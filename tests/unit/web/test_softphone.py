"""The softphone's web side on a real aiohttp server, with a fake Asterisk websocket: who may
open /sip (an agent or a supervisor with a softphone, from the web's own origin), frames both
ways, a foreign identity refused, both sides closed together, bounded frames; the settings;
the JsSIP bundle."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import WSCloseCode, WSMsgType, web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from acd.access.accounts import Accounts, Role
from acd.access.policy import Principal
from acd.access.sessions import Sessions
from acd.access.throttle import LoginThrottle
from acd.access.tokens import Tokens
from acd.config import load_config
from acd.config.network_model import WebNetwork
from acd.core import commands as c
from acd.core.engine import Engine
from acd.core.model import RoutingAgent, ServiceRules
from acd.runtime import Runtime
from acd.store.accounts import AccountStore
from acd.store.desk import DeskStore
from acd.store.reports import ReportStore
from acd.store.sessions import SessionStore, TokenStore
from acd.web.app import make_app
from acd.web.auth import ACCESS, Access
from acd.web.desk_api import DeskSetup
from acd.web.pages import Site
from acd.web.reports import ReportSetup
from acd.web.softphone import MAX_FRAME, SipAccount, Softphones
from tests.unit.core.helpers import T0
from tests.unit.test_config import SAMPLE

PEOPLE = {
    "anna-session": Principal("anna", Role.AGENT, agent_id="agent1", csrf="x"),
    "sara-session": Principal("sara", Role.SUPERVISOR, csrf="y"),  # has a softphone
    "otto-session": Principal("otto", Role.SUPERVISOR, csrf="z"),  # has none
    "root-session": Principal("root", Role.ADMIN, csrf="w"),
}
REGISTER = (
    "REGISTER sip:127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/WSS h.invalid;branch=z9hG4bK1\r\n"
    "From: <sip:agent1-web@127.0.0.1>;tag=a1\r\n"
    "To: <sip:agent1-web@127.0.0.1>\r\n"
    "Call-ID: c1\r\nCSeq: 2 REGISTER\r\n"
    'Authorization: Digest username="{user}", realm="asterisk", response="0f"\r\n'
    "Content-Length: 0\r\n\r\n"
)


class Door(Sessions):
    """Sessions as the door finds them, without a database."""

    def __init__(self) -> None:
        super().__init__(SessionStore(None), timedelta(minutes=30), timedelta(hours=10))
        self.signed_in = dict(PEOPLE)

    async def find(self, session_id: str, now: datetime) -> Principal | None:
        return self.signed_in.get(session_id)


class Quiet:
    async def execute(self, command: c.TelephonyCommand) -> None: ...
    def save_contact(self, contact: Any) -> None: ...
    def append_event(self, at: datetime, kind: str, payload: dict[str, Any]) -> None: ...
    def record_agent_state(self, agent_id: str, state: Any, reason: str, at: datetime) -> None: ...
    def save_callback(self, record: Any) -> None: ...
    def save_callback_attempt(self, record: Any) -> None: ...
    def close_voice_message(self, *args: Any) -> None: ...


class FakeAsterisk:
    """Asterisk's /ws as far as the proxy can tell: subprotocol sip, frames in and out."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.sockets: list[web.WebSocketResponse] = []
        self.closed = asyncio.Event()

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(protocols=("sip",))
        await ws.prepare(request)
        self.sockets.append(ws)
        async for message in ws:
            self.received.append(message.data)
            await ws.send_str("SIP/2.0 200 OK\r\nCSeq: 2 REGISTER\r\n\r\n")
        self.closed.set()
        return ws


Scenario = Callable[[TestClient[web.Request, web.Application], FakeAsterisk], Awaitable[None]]


def run(scenario: Scenario, vendor: Path = Path("/nonexistent")) -> None:
    async def go() -> None:
        asterisk = FakeAsterisk()
        pbx = web.Application()
        pbx.router.add_get("/ws", asterisk.handle)
        async with TestServer(pbx) as pbx_server:
            websocket = str(pbx_server.make_url("/ws"))
            async with app_client(websocket, vendor) as client:
                await asyncio.wait_for(scenario(client, asterisk), 20)

    asyncio.run(go())


def app_client(websocket: str, vendor: Path) -> TestClient[web.Request, web.Application]:
    engine = Engine({"urp": ServiceRules("urp")}, [RoutingAgent("agent1", "A", "agent1", {})])
    runtime = Runtime(engine, lambda: T0, Quiet(), Quiet())
    network = WebNetwork.model_validate({})
    access = Access(Accounts(AccountStore(None), ["agent1"]), Door(), Tokens(TokenStore(None)),
                    LoginThrottle(), network, lambda: T0, tls=False)  # fmt: skip
    accounts = {"agent1": SipAccount("agent1-web", "s3cret-sip", "Agente Uno"),
                "sara": SipAccount("sara-web", "s4ra-sip", "Sara")}  # fmt: skip
    softphones = Softphones(accounts, websocket, vendor, session_check_seconds=0.2)
    cfg = load_config(SAMPLE)
    desk, reports = DeskSetup(cfg, DeskStore(None)), ReportSetup(cfg, ReportStore(None), lambda: T0)
    app = make_app(
        runtime, Site("Prova", "it"), CollectorRegistry(), access, desk, reports, softphones
    )
    return TestClient(TestServer(app))


def as_(client: TestClient[web.Request, web.Application], session: str,
        origin: str | None = "own") -> dict[str, str]:  # fmt: skip
    headers = {"Cookie": f"centralino={session}"}
    if origin is not None:
        headers["Origin"] = str(client.make_url("")).rstrip("/") if origin == "own" else origin
    return headers


async def open_sip(
    client: TestClient[web.Request, web.Application], headers: dict[str, str]
) -> aiohttp.ClientWebSocketResponse | int:
    """The browser's /sip websocket, or the status the door answered."""
    try:
        return await client.ws_connect("/sip", protocols=("sip",), headers=headers)
    except aiohttp.WSServerHandshakeError as exc:
        return exc.status


def test_sip_refuses_nobody_an_admin_a_supervisor_without_a_phone_and_another_origin() -> None:
    async def scenario(client: TestClient[web.Request, web.Application], _: FakeAsterisk) -> None:
        assert await open_sip(client, {"Origin": str(client.make_url(""))}) == 401
        assert await open_sip(client, as_(client, "root-session")) == 403
        assert await open_sip(client, as_(client, "otto-session")) == 404  # no softphone
        assert await open_sip(client, as_(client, "anna-session", "https://evil.example")) == 403
        assert await open_sip(client, as_(client, "anna-session", origin=None)) == 403
        plain = await client.get("/sip", headers=as_(client, "anna-session"))
        assert (plain.status, (await plain.json())["error"]) == (400, "not-sip-websocket")

    run(scenario)


def test_sip_carries_the_agents_frames_both_ways() -> None:
    async def scenario(client: TestClient[web.Request, web.Application], pbx: FakeAsterisk) -> None:
        ws = await open_sip(client, as_(client, "anna-session"))
        assert not isinstance(ws, int)
        assert ws.protocol == "sip"
        await ws.send_str(REGISTER.format(user="agent1-web"))
        answer = await ws.receive(timeout=5)
        assert answer.type == WSMsgType.TEXT
        assert answer.data.startswith("SIP/2.0 200 OK")
        assert pbx.received == [REGISTER.format(user="agent1-web")]
        await ws.close()
        await asyncio.wait_for(pbx.closed.wait(), 5)  # the browser left: Asterisk's side too

    run(scenario)


def test_a_frame_as_somebody_else_closes_both_sides(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario(client: TestClient[web.Request, web.Application], pbx: FakeAsterisk) -> None:
        ws = await open_sip(client, as_(client, "anna-session"))
        assert not isinstance(ws, int)
        await ws.send_str(REGISTER.format(user="agent2-web"))  # guessing agent2's password
        closing = await ws.receive(timeout=5)
        assert (closing.type, ws.close_code) == (WSMsgType.CLOSE, WSCloseCode.POLICY_VIOLATION)
        await asyncio.wait_for(pbx.closed.wait(), 5)
        assert pbx.received == []

    with caplog.at_level(logging.WARNING, "acd.security"):
        run(scenario)
    assert "credentials of 'agent2-web', not 'agent1-web'" in caplog.text
    assert "response=" not in caplog.text  # frames are never logged


def test_asterisk_closing_closes_the_browser_and_frames_are_bounded() -> None:
    async def scenario(client: TestClient[web.Request, web.Application], pbx: FakeAsterisk) -> None:
        ws = await open_sip(client, as_(client, "anna-session"))
        assert not isinstance(ws, int)
        await ws.send_str(REGISTER.format(user="agent1-web"))
        await ws.receive(timeout=5)
        await pbx.sockets[0].close()
        assert (await ws.receive(timeout=5)).type == WSMsgType.CLOSE
        big = await open_sip(client, as_(client, "anna-session"))
        assert not isinstance(big, int)
        await big.send_str("x" * (MAX_FRAME + 1))
        assert (await big.receive(timeout=5)).type == WSMsgType.CLOSE
        assert big.close_code == WSCloseCode.MESSAGE_TOO_BIG

    run(scenario)


def test_the_settings_are_the_agents_own_and_never_cached() -> None:
    async def scenario(client: TestClient[web.Request, web.Application], _: FakeAsterisk) -> None:
        answer = await client.get("/api/me/softphone", headers=as_(client, "anna-session"))
        assert answer.headers["Cache-Control"] == "no-store"
        host = client.make_url("").host
        assert await answer.json() == {
            "agent": "agent1", "user": "agent1-web", "uri": f"sip:agent1-web@{host}",
            "password": "s3cret-sip", "display_name": "Agente Uno",
            "websocket": f"ws://{host}:{client.port}/sip",
        }  # fmt: skip
        refused = await client.get("/api/me/softphone", headers=as_(client, "root-session"))
        assert (refused.status, (await refused.json())["error"]) == (403, "forbidden")
        none = await client.get("/api/me/softphone", headers=as_(client, "otto-session"))
        assert (none.status, (await none.json())["error"]) == (404, "no-softphone")

    run(scenario)


def test_a_supervisor_has_its_own_softphone_and_no_other() -> None:
    async def scenario(client: TestClient[web.Request, web.Application], pbx: FakeAsterisk) -> None:
        answer = await client.get("/api/me/softphone", headers=as_(client, "sara-session"))
        body = await answer.json()
        assert (body["agent"], body["user"], body["password"]) == ("sara", "sara-web", "s4ra-sip")
        ws = await open_sip(client, as_(client, "sara-session"))
        assert not isinstance(ws, int)
        own = REGISTER.replace("agent1-web", "sara-web")
        await ws.send_str(own.format(user="sara-web"))
        assert (await ws.receive(timeout=5)).data.startswith("SIP/2.0 200 OK")
        await ws.send_str(own.format(user="agent1-web"))  # an agent's credentials: refused
        assert (await ws.receive(timeout=5)).type == WSMsgType.CLOSE
        assert ws.close_code == WSCloseCode.POLICY_VIOLATION
        assert len(pbx.received) == 1

    run(scenario)


def test_the_jssip_bundle_or_a_clear_word_on_how_to_make_it(tmp_path: Path) -> None:
    async def missing(client: TestClient[web.Request, web.Application], _: FakeAsterisk) -> None:
        answer = await client.get("/static/vendor/jssip.js")
        assert answer.status == 404
        assert "run `make setup`" in (await answer.json())["message"]

    async def present(client: TestClient[web.Request, web.Application], _: FakeAsterisk) -> None:
        answer = await client.get("/static/vendor/jssip.js")  # public: it is code
        assert answer.status == 200
        assert await answer.text() == "var JsSIP={};"

    run(missing, tmp_path)
    (tmp_path / "jssip.js").write_text("var JsSIP={};")
    run(present, tmp_path)


def test_the_session_ending_ends_the_softphone() -> None:
    """Signed out elsewhere, the account disabled, the password changed: the phone too."""

    async def scenario(client: TestClient[web.Request, web.Application], pbx: FakeAsterisk) -> None:
        ws = await open_sip(client, as_(client, "anna-session"))
        assert not isinstance(ws, int)
        await asyncio.sleep(0.5)  # checked twice meanwhile: still signed in
        assert not ws.closed
        door = client.app[ACCESS].sessions
        assert isinstance(door, Door)
        del door.signed_in["anna-session"]
        assert (await ws.receive(timeout=5)).type == WSMsgType.CLOSE
        assert ws.close_code == WSCloseCode.POLICY_VIOLATION
        await asyncio.wait_for(pbx.closed.wait(), 5)

    run(scenario)
