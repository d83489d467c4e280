"""A supervisor's actions over the web on a real aiohttp server and the sample city's engine
(no Asterisk: the telephony commands go nowhere): each accepted act in the audit log, each
bad request refused clearly with nothing started or recorded, and the audit log read back
through its API and its page."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from acd.access.accounts import Accounts, Role
from acd.access.policy import Principal
from acd.access.sessions import Sessions
from acd.access.throttle import LoginThrottle
from acd.access.tokens import Tokens
from acd.audit import MemoryAudit
from acd.config import load_config
from acd.config.model import Supervision
from acd.config.network_model import WebNetwork
from acd.config.rules import build_engine
from acd.core import commands as c
from acd.core import events as e
from acd.core.model import SpyMode
from acd.runtime import Runtime
from acd.store.accounts import AccountStore
from acd.store.desk import DeskStore
from acd.store.reports import ReportStore
from acd.store.sessions import SessionStore, TokenStore
from acd.web.app import make_app
from acd.web.auth import Access
from acd.web.desk_api import DeskSetup, desk_feed
from acd.web.pages import Site
from acd.web.reports import ReportSetup
from acd.web.softphone import Softphones
from tests.unit.core.helpers import T0
from tests.unit.test_config import SAMPLE

PEOPLE = {
    "sup": Principal("supervisore", Role.SUPERVISOR, csrf="s", display_name="Capo"),
    "otto": Principal("otto", Role.SUPERVISOR, csrf="o"),  # no phone in the configuration
    "anna": Principal("anna", Role.AGENT, agent_id="agent1", csrf="a"),
    "bruno": Principal("bruno", Role.AGENT, agent_id="agent2", csrf="b"),
}
Client = TestClient[web.Request, web.Application]


class Door(Sessions):
    def __init__(self) -> None:
        super().__init__(SessionStore(None), timedelta(minutes=30), timedelta(hours=10))

    async def find(self, session_id: str, now: datetime) -> Principal | None:
        return PEOPLE.get(session_id)


class Telephony:
    """Asterisk as far as these tests go: the commands it was given."""

    def __init__(self) -> None:
        self.sent: list[c.TelephonyCommand] = []

    async def execute(self, command: c.TelephonyCommand) -> None:
        self.sent.append(command)

    def save_contact(self, contact: Any) -> None: ...
    def append_event(self, at: datetime, kind: str, payload: dict[str, Any]) -> None: ...
    def record_agent_state(self, agent_id: str, state: Any, reason: str, at: datetime) -> None: ...
    def save_callback(self, record: Any) -> None: ...
    def save_callback_attempt(self, record: Any) -> None: ...
    def close_voice_message(self, *args: Any) -> None: ...


Scenario = Callable[[Client, Runtime, MemoryAudit, Telephony], Awaitable[None]]


def run(scenario: Scenario, desk_store: DeskStore | None = None) -> None:
    """``desk_store``: what the desk reads of the store (none: no database at all)."""

    async def go() -> None:
        cfg = load_config(SAMPLE)
        telephony, audit = Telephony(), MemoryAudit()
        runtime = Runtime(build_engine(cfg, "cz"), lambda: T0, telephony, telephony)
        await runtime.start()
        access = Access(Accounts(AccountStore(None), [a.id for a in cfg.agents]), Door(),
                        Tokens(TokenStore(None)), LoginThrottle(),
                        WebNetwork.model_validate({}), lambda: T0, tls=False)  # fmt: skip
        softphones = Softphones({}, "ws://127.0.0.1:1/ws", SAMPLE.parent)
        reports = ReportSetup(cfg, ReportStore(None), lambda: T0)
        app = make_app(runtime, Site("Prova", "it"), CollectorRegistry(), access,
                       DeskSetup(cfg, desk_store or DeskStore(None)), reports, softphones,
                       audit=audit)  # fmt: skip
        try:
            async with TestClient(TestServer(app)) as client:
                await asyncio.wait_for(scenario(client, runtime, audit, telephony), 20)
        finally:
            await runtime.close()

    asyncio.run(go())


async def call(client: Client, who: str, method: str, path: str,
               body: dict[str, Any] | None = None) -> tuple[int, Any]:  # fmt: skip
    headers = {"Cookie": f"centralino={who}", "X-CSRF-Token": PEOPLE[who].csrf or "",
               "Origin": str(client.make_url("")).rstrip("/")}  # fmt: skip
    answer = await client.request(method, path, json=(body or {}) if method == "POST" else None,
                                  headers=headers)  # fmt: skip
    if answer.content_type == "application/json":
        return answer.status, await answer.json()
    return answer.status, await answer.text()


async def talking(runtime: Runtime, agent: str = "agent1", call_id: str = "k1") -> str:
    """``agent`` (its browser phone registered) answers a citizen on URP: its leg."""
    await runtime.request(e.PhoneRegistered(agent, f"{agent}-web"))
    await runtime.request(e.TelephonyReconnected())
    await runtime.request(e.ChannelsListed(frozenset()))
    await runtime.request(e.AgentWentReady(agent))
    await runtime.request(e.CallArrived(call_id, f"PJSIP/citizens-{call_id}", "3331234567", "0592"))
    await runtime.request(e.CallerEntered(call_id, "urp"))
    (ring,) = [r for r in runtime.engine.view().rings if r.call_id == call_id]
    await runtime.request(e.AgentAnswered(ring.ring_id))
    await runtime.request(e.Bridged(call_id))
    return ring.ring_id


def actions(audit: MemoryAudit) -> list[tuple[str, str, str, str]]:
    return [(x.actor, x.action, x.target_kind, x.target_id) for x in audit.entries]


def test_a_supervisor_forcing_an_agent_is_audited_the_agent_itself_is_not() -> None:
    async def scenario(client: Client, runtime: Runtime, audit: MemoryAudit, _: Telephony) -> None:
        status, body = await call(client, "sup", "POST", "/api/agents/agent2/pause",
                                  {"reason": "training"})  # fmt: skip
        assert (status, body["state"]) == (200, "paused")
        assert (await call(client, "sup", "POST", "/api/agents/agent2/ready"))[0] == 200
        assert (await call(client, "sup", "POST", "/api/agents/agent2/logout"))[0] == 200
        assert (await call(client, "anna", "POST", "/api/agents/agent1/ready"))[0] == 200
        assert actions(audit) == [
            ("supervisore", "agent.pause", "agent", "agent2"),
            ("supervisore", "agent.ready", "agent", "agent2"),
            ("supervisore", "agent.logout", "agent", "agent2"),
        ]
        pause = audit.entries[0]
        assert (pause.role, pause.detail, pause.at) == ("supervisor", {"reason": "training"}, T0)
        status, body = await call(client, "sup", "POST", "/api/agents/agent2/logout")
        assert (status, body["error"]) == (409, "illegal-move")  # refused: not audited
        assert len(audit.entries) == 3

    run(scenario)


def test_a_waiting_call_is_moved_and_raised_and_each_act_is_audited() -> None:
    async def scenario(client: Client, runtime: Runtime, audit: MemoryAudit, _: Telephony) -> None:
        await runtime.request(e.AgentLoggedIn("agent1"))  # urp and demografici are staffed
        await runtime.request(e.CallArrived("k1", "PJSIP/citizens-k1", "3331234567", "0592"))
        await runtime.request(e.CallerEntered("k1", "urp"))
        status, body = await call(client, "sup", "POST", "/api/calls/k1/move",
                                  {"service": "demografici"})  # fmt: skip
        assert (status, body["call"]["service"]) == (200, "demografici")
        status, body = await call(client, "sup", "POST", "/api/calls/k1/priority", {"points": 3})
        assert (status, body["call"]["priority"]) == (200, 3)
        status, body = await call(client, "sup", "POST", "/api/calls/k1/priority")
        assert body["call"]["priority"] == 8  # and the center's 5
        assert actions(audit) == [("supervisore", "call.move", "call", "k1"),
                                  ("supervisore", "call.priority", "call", "k1"),
                                  ("supervisore", "call.priority", "call", "k1")]  # fmt: skip
        assert audit.entries[0].detail == {"from": "urp", "to": "demografici"}
        assert audit.entries[2].detail == {"points": 5, "priority": 8}

    run(scenario)


def test_bad_moves_and_raises_are_refused_clearly_and_not_audited() -> None:
    async def scenario(client: Client, runtime: Runtime, audit: MemoryAudit, _: Telephony) -> None:
        await runtime.request(e.AgentLoggedIn("agent1"))
        await runtime.request(e.CallArrived("k1", "PJSIP/citizens-k1", "3331234567", "0592"))
        await runtime.request(e.CallerEntered("k1", "urp"))
        cases: list[tuple[str, dict[str, Any], int, str]] = [
            ("/api/calls/nobody/move", {"service": "urp"}, 404, "unknown-call"),
            ("/api/calls/k1/move", {"service": "anagrafe"}, 400, "unknown-service"),
            ("/api/calls/k1/move", {}, 400, "bad-service"),
            ("/api/calls/k1/move", {"service": "urp"}, 409, "same-service"),
            ("/api/calls/k1/move", {"service": "europe-direct"}, 409, "nobody-serves"),
            ("/api/calls/k1/priority", {"points": 500}, 400, "bad-points"),
            ("/api/calls/k1/priority", {"points": "lots"}, 400, "bad-points"),
        ]
        for path, body, status, code in cases:
            answer = await call(client, "sup", "POST", path, body)
            assert (answer[0], answer[1]["error"]) == (status, code), (path, body)
            assert answer[1]["message"]
        status, body = await call(client, "anna", "POST", "/api/calls/k1/move", {"service": "x"})
        assert (status, body["error"]) == (403, "forbidden")
        assert list(audit.entries) == []
        view = runtime.engine.call_view("k1")
        assert view is not None
        assert (view.service, view.priority) == ("urp", 0)

    run(scenario)


def test_a_supervisor_listens_from_its_phone_and_stops_and_both_are_audited() -> None:
    async def scenario(
        client: Client, runtime: Runtime, audit: MemoryAudit, tel: Telephony
    ) -> None:
        leg = await talking(runtime)
        status, body = await call(client, "sup", "POST", "/api/agents/agent1/listen",
                                  {"mode": "whisper"})  # fmt: skip
        assert status == 200
        assert body["supervision"] == {"supervisor": "supervisore", "agent": "agent1",
                                       "supervisor_name": "Responsabile URP", "call_id": "k1",
                                       "mode": "whisper"}  # fmt: skip
        await asyncio.sleep(0.05)  # the telephony task takes it
        (spy,) = [x for x in tel.sent if isinstance(x, c.SpyOnAgent)]
        assert (spy.endpoint, spy.agent_leg) == ("supervisore-web", leg)  # no desk contact
        snapshot = (await call(client, "sup", "GET", "/api/snapshot"))[1]
        assert snapshot["supervision"] == [{"supervisor": "supervisore", "agent": "agent1",
                                            "call_id": "k1", "mode": "whisper"}]  # fmt: skip
        me = (await call(client, "anna", "GET", "/api/me"))[1]
        assert "supervis" not in str(me)  # the agent's own view: nothing of it
        # barge in, on the same phone call: no new ring, the spy's mode switched
        status, body = await call(client, "sup", "POST", "/api/supervision/mode",
                                  {"mode": "barge"})  # fmt: skip
        assert (status, body["supervision"]["mode"]) == (200, "barge")
        await asyncio.sleep(0.05)
        assert len([x for x in tel.sent if isinstance(x, c.SpyOnAgent)]) == 1
        (switch,) = [x for x in tel.sent if isinstance(x, c.SwitchSpyMode)]
        assert (switch.spy_id, switch.mode) == (spy.spy_id, SpyMode.BARGE)
        assert (await call(client, "sup", "POST", "/api/supervision/stop"))[0] == 200
        assert [a[1] for a in actions(audit)] == ["supervision.whisper", "supervision.barge",
                                                  "supervision.stop"]  # fmt: skip
        assert {a[2:] for a in actions(audit)} == {("agent", "agent1")}
        assert audit.entries[0].detail == {"call_id": "k1", "phone": "web"}

    run(scenario)


def test_bad_listening_is_refused_clearly_and_nothing_is_started() -> None:
    async def scenario(
        client: Client, runtime: Runtime, audit: MemoryAudit, tel: Telephony
    ) -> None:
        await talking(runtime)
        cases = [
            ("sup", "/api/agents/nobody/listen", {}, 404, "unknown-agent"),
            ("sup", "/api/agents/agent2/listen", {}, 409, "no-call"),
            ("sup", "/api/agents/agent1/listen", {"mode": "shout"}, 400, "bad-mode"),
            ("sup", "/api/agents/agent1/listen", {"phone": "fax"}, 400, "bad-phone"),
            ("otto", "/api/agents/agent1/listen", {}, 409, "no-phone"),
            ("anna", "/api/agents/agent1/listen", {}, 403, "forbidden"),
            ("sup", "/api/supervision/stop", {}, 409, "not-listening"),
            ("sup", "/api/supervision/mode", {"mode": "barge"}, 409, "not-listening"),
            ("sup", "/api/supervision/mode", {"mode": "shout"}, 400, "bad-mode"),
            ("anna", "/api/supervision/mode", {"mode": "barge"}, 403, "forbidden"),
        ]
        for who, path, body, status, code in cases:
            answer = await call(client, who, "POST", path, body)
            assert (answer[0], answer[1]["error"]) == (status, code), (who, path, body)
        await asyncio.sleep(0.05)
        assert not [x for x in tel.sent if isinstance(x, c.SpyOnAgent)]
        assert runtime.engine.view().spies == ()
        assert list(audit.entries) == []

    run(scenario)


def test_the_audit_log_is_read_with_filters_through_the_api_and_the_page() -> None:
    async def scenario(client: Client, runtime: Runtime, audit: MemoryAudit, _: Telephony) -> None:
        await call(client, "sup", "POST", "/api/agents/agent2/pause", {"reason": "training"})
        await call(client, "sup", "POST", "/api/agents/agent3/pause", {"reason": "lunch"})
        status, body = await call(client, "sup", "GET", "/api/audit?target=agent3")
        assert status == 200
        (only,) = body["entries"]
        assert (only["actor"], only["action"], only["target"], only["detail"]) == (
            "supervisore", "agent.pause", "agent3", {"reason": "lunch"})  # fmt: skip
        assert body["next_before"] is None
        status, body = await call(client, "sup", "GET", "/api/audit?action=agent.")
        assert len(body["entries"]) == 2
        status, body = await call(client, "sup", "GET", "/api/audit?since=yesterday")
        assert (status, body["error"]) == (400, "bad-time")
        status, body = await call(client, "sup", "GET", "/api/audit?limit=0")
        assert (status, body["error"]) == (400, "bad-limit")
        assert (await call(client, "anna", "GET", "/api/audit"))[0] == 403
        status, page = await call(client, "sup", "GET", "/audit?actor=supervisore&lang=en")
        assert status == 200
        assert "Supervisors&#39; audit log" in page
        assert page.count('<td class="action">agent.pause</td>') == 2
        status, page = await call(client, "sup", "GET", "/audit?until=soon")
        assert "ISO time" in page  # the filter's problem is said, the page still shown

    run(scenario)


def test_the_live_page_gives_its_script_the_words_and_a_supervisors_phone() -> None:
    async def scenario(client: Client, runtime: Runtime, audit: MemoryAudit, _: Telephony) -> None:
        for who, phone in (("sup", True), ("otto", False)):
            status, page = await call(client, who, "GET", "/?lang=en")
            assert status == 200
            words = json.loads(page.split('id="live-words">')[1].split("</script>")[0])
            assert (words["me"], words["has_phone"]) == (PEOPLE[who].name, phone)
            assert words["states"]["on_call"] == "On a call"
            assert words["services"][0][0] == "urp"
            assert ('id="phone-use"' in page) is phone  # its softphone, on the page
        status, page = await call(client, "anna", "GET", "/agent")
        assert 'data-supervised="{name} is on your call' not in page  # (Italian by default)
        assert "data-supervised=" in page
        assert 'data-timezone="Europe/Rome"' in page  # its times as the center's clock reads them

    run(scenario)


def test_the_agents_feed_names_a_supervisor_on_its_call_only_when_the_policy_says() -> None:
    async def scenario(client: Client, runtime: Runtime, audit: MemoryAudit, _: Telephony) -> None:
        await talking(runtime)
        await call(client, "sup", "POST", "/api/agents/agent1/listen", {"mode": "barge"})
        cfg = load_config(SAMPLE)
        engine, view = runtime.engine, runtime.engine.view()
        assert "supervised" not in desk_feed(engine, view, "agent1", T0, cfg)  # the default
        told = cfg.model_copy(update={"supervision": Supervision(tell_agent=True)})
        feed = desk_feed(engine, view, "agent1", T0, told)
        assert feed["supervised"] == [{"name": "Responsabile URP", "mode": "barge"}]
        assert desk_feed(engine, view, "agent2", T0, told)["supervised"] == []

    run(scenario)
