"""Reads of citizens' personal data over the web, in the audit trail (docs/privacy.md, "The
audit trail"), on a real aiohttp server and the sample city's engine with hand-written
stores: a screen pop is ``contact.read``, a report's CSV ``report.export``, a supervisor's
listening ``supervision.listen``; a supervisor reads back the supervisors' actions but not
the personal-data kinds, an admin reads every entry, through the API and the page."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
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
from acd.config.network_model import WebNetwork
from acd.config.rules import build_engine
from acd.runtime import Runtime
from acd.store.accounts import AccountStore
from acd.store.audit import AuditEntry
from acd.store.desk import DeskStore, IvrStep, PastContact
from acd.store.reports import ReportStore
from acd.store.sessions import SessionStore, TokenStore
from acd.web.app import make_app
from acd.web.auth import Access
from acd.web.desk_api import DeskSetup
from acd.web.pages import Site
from acd.web.reports import ReportSetup
from acd.web.softphone import Softphones
from tests.unit.core.helpers import T0
from tests.unit.test_config import SAMPLE
from tests.unit.web.test_supervision import Telephony, talking

PEOPLE = {
    "sup": Principal("supervisore", Role.SUPERVISOR, csrf="s"),
    "root": Principal("root", Role.ADMIN, csrf="r"),
    "anna": Principal("anna", Role.AGENT, agent_id="agent1", csrf="a"),
}
Client = TestClient[web.Request, web.Application]
PERSONAL = {"contact.read", "report.export", "privacy.erase", "privacy.purge"}


class Door(Sessions):
    def __init__(self) -> None:
        super().__init__(SessionStore(None), timedelta(minutes=30), timedelta(hours=10))

    async def find(self, session_id: str, now: datetime) -> Principal | None:
        return PEOPLE.get(session_id)


class Desk(DeskStore):
    """The desk's store with no past: no IVR walk, no earlier contacts."""

    def __init__(self) -> None:
        super().__init__(None)

    async def ivr_walk(self, contact_id: str) -> tuple[str | None, list[IvrStep]]:
        return None, []

    async def last_contacts(
        self, caller: str, other_than: str, limit: int = 5
    ) -> list[PastContact]:
        return []


class Reports(ReportStore):
    """The reports' store of a day without calls."""

    def __init__(self) -> None:
        super().__init__(None)

    async def queued_contacts(self, start: datetime, end: datetime, s: Sequence[str]) -> list[Any]:
        return []

    async def service_intervals(
        self, start: datetime, end: datetime, s: Sequence[str]
    ) -> list[Any]:
        return []


Scenario = Callable[[Client, Runtime, MemoryAudit], Awaitable[None]]


def run(scenario: Scenario) -> None:
    async def go() -> None:
        cfg = load_config(SAMPLE)
        telephony, audit = Telephony(), MemoryAudit()
        runtime = Runtime(build_engine(cfg, "cz"), lambda: T0, telephony, telephony)
        await runtime.start()
        access = Access(Accounts(AccountStore(None), [a.id for a in cfg.agents]), Door(),
                        Tokens(TokenStore(None)), LoginThrottle(),
                        WebNetwork.model_validate({}), lambda: T0, tls=False)  # fmt: skip
        softphones = Softphones({}, "ws://127.0.0.1:1/ws", SAMPLE.parent)
        app = make_app(runtime, Site("Prova", "it"), CollectorRegistry(), access,
                       DeskSetup(cfg, Desk()), ReportSetup(cfg, Reports(), lambda: T0),
                       softphones, audit=audit)  # fmt: skip
        try:
            async with TestClient(TestServer(app)) as client:
                await asyncio.wait_for(scenario(client, runtime, audit), 20)
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


def test_a_screen_pop_a_report_download_and_a_listening_are_each_one_audit_row() -> None:
    async def scenario(client: Client, runtime: Runtime, audit: MemoryAudit) -> None:
        await talking(runtime)
        status, pop = await call(client, "anna", "GET", "/api/agents/agent1/screen-pop")
        assert status == 200, pop
        status, csv = await call(client, "sup", "GET", "/reports/export.csv?kind=services")
        assert status == 200, csv
        status, body = await call(client, "sup", "POST", "/api/agents/agent1/listen",
                                  {"mode": "listen"})  # fmt: skip
        assert status == 200, body
        rows = [(x.actor, x.role, x.action, x.target_kind, x.target_id) for x in audit.entries]
        assert rows == [
            ("anna", "agent", "contact.read", "contact", "k1"),
            ("supervisore", "supervisor", "report.export", "report", "services"),
            ("supervisore", "supervisor", "supervision.listen", "agent", "agent1"),
        ]
        read, export, listen = (x.detail for x in audit.entries)
        assert read == {"agent": "agent1", "past_contacts": 0}
        assert str(export["file"]).endswith(".csv")
        assert listen["call_id"] == "k1"
        assert all("3331234567" not in repr(x) for x in audit.entries)  # never the number
        # No call on the screen: nothing read, nothing recorded.
        assert (await call(client, "anna", "GET", "/api/agents/agent2/screen-pop"))[0] == 403
        assert len(audit.entries) == 3

    run(scenario)


def seeded(audit: MemoryAudit) -> None:
    """One entry of each kind a supervisor and an admin may or may not read."""
    kinds = [("sup", "supervisor", "agent.pause", "agent", "agent2"),
             ("anna", "agent", "contact.read", "contact", "k1"),
             ("sup", "supervisor", "report.export", "report", "services"),
             ("sup", "supervisor", "supervision.listen", "agent", "agent1"),
             ("ops", "command", "privacy.erase", "citizen", "p:abc"),
             ("centralino", "system", "privacy.purge", "retention", "2026-11-30")]  # fmt: skip
    for n, (actor, role, action, kind, target) in enumerate(kinds):
        audit.record(AuditEntry(T0 + timedelta(minutes=n), actor, role, action, kind, target))


def test_a_supervisor_reads_the_supervisors_actions_and_only_an_admin_personal_data() -> None:
    async def scenario(client: Client, runtime: Runtime, audit: MemoryAudit) -> None:
        seeded(audit)
        status, body = await call(client, "sup", "GET", "/api/audit")
        assert status == 200
        seen = {e["action"] for e in body["entries"]}
        assert seen == {"agent.pause", "supervision.listen"}
        for asked in ("contact.read", "privacy.", "report.export"):  # not by asking either
            status, body = await call(client, "sup", "GET", f"/api/audit?action={asked}")
            assert (status, body["entries"]) == (200, [])
        status, body = await call(client, "root", "GET", "/api/audit")
        assert status == 200
        assert {e["action"] for e in body["entries"]} == PERSONAL | seen
        status, body = await call(client, "root", "GET", "/api/audit?action=privacy.")
        assert [e["action"] for e in body["entries"]] == ["privacy.purge", "privacy.erase"]
        assert (await call(client, "anna", "GET", "/api/audit"))[0] == 403

        status, page = await call(client, "sup", "GET", "/audit?lang=en")
        assert status == 200
        assert "supervision.listen" in page
        assert not any(kind in page for kind in ("contact.read</td>", "privacy.purge</td>"))
        assert 'id="audit-hidden"' in page
        status, page = await call(client, "root", "GET", "/audit?lang=en")
        assert status == 200
        assert all(f"{kind}</td>" in page for kind in PERSONAL)
        assert 'id="audit-all"' in page
        assert 'href="/"' not in page  # (the live page is a supervisor's)

    run(scenario)
