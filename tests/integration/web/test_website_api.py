"""The website's callbacks API on a real PostgreSQL, with the engine in process and no
telephony (acd/web/website_callbacks.py): the receipts' table behind idempotency and the
daily limits, kept through a restart; another token's callbacks; nothing stored by a
refusal; every answer, errors included, valid against the OpenAPI description.

The clock stands at Monday 30 November 2026, 10:00 in Modena; the center is
tests/e2e/website_callbacks.yaml (limits: 2 callbacks a number, 12 requests a token)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from acd.access.accounts import Accounts
from acd.access.policy import Scope
from acd.access.throttle import LoginThrottle
from acd.access.tokens import Tokens
from acd.audit import MemoryAudit
from acd.bootstrap import Records, outbound_policy
from acd.config import load_config
from acd.config.model import CenterConfig
from acd.config.network_model import WebNetwork
from acd.config.rules import build_engine
from acd.privacy.numbers import Pseudonyms
from acd.runtime import Runtime
from acd.store.accounts import AccountStore
from acd.store.callbacks import CallbackStore
from acd.store.desk import DeskStore
from acd.store.reports import ReportStore
from acd.store.sessions import TokenStore
from acd.store.store import Store
from acd.store.website_requests import WebsiteRequests
from acd.store.writer import StoreWriter
from acd.web.app import make_app
from acd.web.auth import Access
from acd.web.desk_api import DeskSetup
from acd.web.pages import Site
from acd.web.reports import ReportSetup
from acd.web.softphone import Softphones
from acd.web.website_callbacks import WebsiteCallbacks
from tests.api_description import check_answer
from tests.integration.store.helpers import fetch, run_async
from tests.unit.web.test_softphone import Door, Quiet

CENTER = Path(__file__).parents[2] / "e2e" / "website_callbacks.yaml"
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
KEY = Pseudonyms(b"k" * 32)
CALLBACKS, ONE = "/api/v1/callbacks", "/api/v1/callbacks/{callback}"
Http = TestClient[web.Request, web.Application]


@dataclass
class Served:
    http: Http
    tokens: dict[str, str]  # name -> token
    audit: MemoryAudit
    clock: list[datetime]
    writer: StoreWriter

    async def ask(self, method: str, template: str, token: str = "sito", body: Any = None,
                  key: str | None = None, **params: str) -> tuple[int, Any]:  # fmt: skip
        """The request, its answer checked against the description: (status, JSON)."""
        path = template.format(**params)
        headers = {"Authorization": f"Bearer {self.tokens[token]}"} if token else {}
        if key is not None:
            headers["Idempotency-Key"] = key
        response = await self.http.request(method, path, json=body, headers=headers)
        answer = await response.json() if response.content_type == "application/json" else None
        check_answer(template, method, response.status, answer)
        self.last_headers = response.headers
        return response.status, answer


@asynccontextmanager
async def served(dsn: str, cfg: CenterConfig, tokens: dict[str, str] | None = None,
                 ) -> AsyncIterator[Served]:  # fmt: skip
    """The web with the website's API over a fresh engine on ``dsn``; ``tokens``: those
    an earlier run made (else: two callbacks tokens and a metrics one, made now)."""
    store = await Store.connect(dsn)
    clock = [NOW]
    writer = StoreWriter(store)
    runtime = Runtime(build_engine(cfg, "t"), lambda: clock[0], Quiet(), Records(writer))
    await runtime.start()
    made = Tokens(TokenStore(store.pool))
    if tokens is None:
        tokens = {name: (await made.add(name, scope, NOW))[1] for name, scope in
                  (("sito", Scope.CALLBACKS), ("altro", Scope.CALLBACKS),
                   ("prometheus", Scope.METRICS))}  # fmt: skip
    access = Access(Accounts(AccountStore(store.pool), ["agent1"]), Door(), made,
                    LoginThrottle(), WebNetwork.model_validate({}), lambda: clock[0],
                    tls=False)  # fmt: skip
    desk = DeskSetup(cfg, DeskStore(store.pool))
    reports = ReportSetup(cfg, ReportStore(store.pool), lambda: clock[0])
    website = WebsiteCallbacks(cfg, runtime, WebsiteRequests(store.pool),
                               CallbackStore(store.pool), KEY, outbound_policy(cfg),
                               writer.flush)  # fmt: skip
    audit = MemoryAudit()
    app = make_app(runtime, Site("Prova", "it"), CollectorRegistry(), access, desk, reports,
                   Softphones({}, "ws://127.0.0.1:1/ws", Path("/nonexistent")), audit=audit,
                   website_callbacks=website)  # fmt: skip
    try:
        async with TestClient(TestServer(app)) as http:
            yield Served(http, tokens, audit, clock, writer)
    finally:
        await runtime.close()
        await writer.close()
        await store.close()


def scenario(dsn: str, work: Callable[[Served], Awaitable[None]]) -> None:
    async def go() -> None:
        async with served(dsn, load_config(CENTER)) as center:
            await work(center)

    run_async(go(), timeout=60)


def receipts(dsn: str) -> int:
    return int(run_async(fetch(dsn, "SELECT count(*) FROM web_callback_requests"))[0][0])


ASK = {"number": "059 2032032", "service": "urp", "note": "carta d'identità"}


def test_a_callback_is_made_found_again_replayed_and_read(dsn: str) -> None:
    async def work(c: Served) -> None:
        status, made = await c.ask("POST", CALLBACKS, body=ASK, key="k1")
        assert status == 201
        assert (made["service"], made["state"], made["position"]) == ("urp", "waiting", 1)
        assert made["scheduled_for"] == "2026-11-30T10:00:00+01:00"
        assert "number" not in made  # (the website knows it: not said back)
        # The same key and body: the same answer, said to be a replay.
        assert await c.ask("POST", CALLBACKS, body=dict(reversed(ASK.items())), key="k1") == (
            201, made)  # fmt: skip
        assert c.last_headers["Idempotent-Replayed"] == "true"
        # Another key, the same number and service: the pending one, 200.
        status, again = await c.ask("POST", CALLBACKS, body={**ASK, "number": "0592032032"},
                                    key="k2")  # fmt: skip
        assert (status, again["id"]) == (200, made["id"])
        assert await c.ask("GET", ONE, callback=made["id"]) == (200, made)
        # The same key with another body: 422, and nothing more stored.
        status, error = await c.ask("POST", CALLBACKS, body={**ASK, "note": "x"}, key="k1")
        assert (status, error["error"]) == (422, "idempotency-key-reused")
        entries = [(e.actor, e.action, e.target_id, e.detail) for e in c.audit.entries]
        assert entries == [(entries[0][0], "callback.request", made["id"], {"service": "urp"})]
        assert entries[0][0].startswith("token ")
        assert entries[0][0].endswith("(sito)")

    scenario(dsn, work)
    rows = run_async(fetch(dsn, "SELECT idempotency_key, created, status, number_pseudonym "
                                "FROM web_callback_requests ORDER BY idempotency_key"))  # fmt: skip
    assert [tuple(r) for r in rows] == [("k1", True, 201, KEY.of("0592032032")),
                                        ("k2", False, 200, KEY.of("0592032032"))]  # fmt: skip
    stored = run_async(fetch(dsn, "SELECT origin, note, number FROM callbacks"))
    assert [tuple(r) for r in stored] == [("web", "carta d'identità", "0592032032")]


def test_every_refusal_says_why_and_stores_nothing(dsn: str) -> None:
    async def work(c: Served) -> None:
        cases: list[tuple[Any, str | None, int, str, set[str]]] = [
            (ASK, None, 400, "invalid-request", {"Idempotency-Key"}),
            ({**ASK, "number": "12345"}, "a", 400, "invalid-request", {"number"}),
            ({**ASK, "number": "+44 20 7946 0018"}, "b", 400, "invalid-request", {"number"}),
            ({**ASK, "service": "sport"}, "c", 400, "invalid-request", {"service"}),
            ({**ASK, "slot": "2026-11-29T10:00"}, "d", 400, "invalid-request", {"slot"}),
            ({**ASK, "service": "anagrafe", "slot": "2026-12-03T10:00"}, "e", 400,
             "invalid-request", {"slot"}),  # the closure
            ({**ASK, "service": "anagrafe", "slot": "2026-12-08T10:00"}, "f", 400,
             "invalid-request", {"slot"}),  # Immacolata
            ([ASK], "g", 400, "bad-json", set()),
        ]  # fmt: skip
        for body, key, status, code, fields in cases:
            got, error = await c.ask("POST", CALLBACKS, body=body, key=key)
            assert (got, error["error"], set(error.get("fields", {}))) == (status, code, fields)
        status, error = await c.ask("POST", CALLBACKS, token="", body=ASK, key="h")
        assert (status, error["error"]) == (401, "not-signed-in")
        status, error = await c.ask("POST", CALLBACKS, token="prometheus", body=ASK, key="i")
        assert (status, error["error"]) == (403, "forbidden")
        assert c.audit.entries == type(c.audit.entries)()

    scenario(dsn, work)
    assert receipts(dsn) == 0
    assert run_async(fetch(dsn, "SELECT count(*) FROM callbacks"))[0][0] == 0


def test_a_holiday_slot_names_the_next_openings_and_a_good_one_is_taken(dsn: str) -> None:
    async def work(c: Served) -> None:
        asked = {**ASK, "service": "anagrafe", "slot": "2026-12-03T10:00"}
        _, error = await c.ask("POST", CALLBACKS, body=asked, key="a")
        hint = error["fields"]["slot"].split("its next openings: ")[1]
        assert "2026-12-04T00:00:00+01:00" in hint  # the day after the closure
        assert "2026-12-03" not in hint
        status, slots = await c.ask("GET", "/api/v1/services/{service}/slots",
                                    service="anagrafe")  # fmt: skip
        assert (status, slots["open_now"]) == (200, True)
        starts = [s["start"] for s in slots["slots"]]
        assert len(starts) == 6
        assert not [s for s in starts if s[:10] in ("2026-12-03", "2026-12-08")]  # closed
        assert "2026-12-04T00:00:00+01:00" in starts
        status, made = await c.ask(
            "POST", CALLBACKS, key="b", body={**asked, "slot": "2026-12-04T00:00:00+01:00"}
        )
        assert (status, made["state"], made["scheduled_for"]) == (
            201, "deferred", "2026-12-04T00:00:00+01:00")  # fmt: skip
        assert "position" not in made
        status, error = await c.ask("GET", "/api/v1/services/{service}/slots", service="sport")
        assert (status, error["error"]) == (404, "unknown-service")

    scenario(dsn, work)


def test_the_daily_limits_are_counted_in_the_database_through_a_restart(dsn: str) -> None:
    number = {**ASK, "number": "333 1234567"}

    async def first_run(c: Served) -> dict[str, str]:
        for key in ("n1", "n2"):  # two callbacks for the number, the first cancelled
            status, made = await c.ask("POST", CALLBACKS, body=number, key=key)
            assert status == 201
            assert await c.ask("DELETE", ONE, callback=made["id"]) == (204, None)
        status, error = await c.ask("POST", CALLBACKS, body=number, key="n3")
        assert (status, error["error"]) == (429, "limit-reached")
        assert "for this number" in error["message"]
        assert c.last_headers["Retry-After"] == str(24 * 3600) == str(error["retry_after"])
        return c.tokens

    async def go() -> None:
        cfg = load_config(CENTER)
        async with served(dsn, cfg) as c:
            tokens = await first_run(c)
        async with served(dsn, cfg, tokens) as c:  # a restart: the counts stay
            c.clock[0] = NOW + timedelta(hours=23)
            status, error = await c.ask("POST", CALLBACKS, body=number, key="n4")
            assert (status, error["retry_after"]) == (429, 3600)
            # the token's own limit: 12 requests a day (2 made so far by this token)
            for i in range(10):
                status, _ = await c.ask(
                    "POST", CALLBACKS, key=f"t{i}", body={**ASK, "number": f"05920320{i:02}"}
                )
                assert status == 201
            status, error = await c.ask("POST", CALLBACKS, body=ASK, key="t-last")
            assert (status, error["error"]) == (429, "limit-reached")
            assert "this token made its 12 requests" in error["message"]
            status, _ = await c.ask("POST", CALLBACKS, token="altro", body=ASK, key="t-last")
            assert status == 201  # another token's count is its own
            c.clock[0] = NOW + timedelta(hours=25)  # the first two left the window
            status, _ = await c.ask("POST", CALLBACKS, body=number, key="n5")
            assert status == 201

    run_async(go(), timeout=90)
    assert receipts(dsn) == 2 + 10 + 1 + 1


def test_a_token_sees_and_cancels_only_its_own(dsn: str) -> None:
    async def work(c: Served) -> None:
        status, mine = await c.ask("POST", CALLBACKS, body=ASK, key="k")
        assert status == 201
        status, error = await c.ask("GET", ONE, token="altro", callback=mine["id"])
        assert (status, error["error"]) == (404, "unknown-callback")
        status, error = await c.ask("DELETE", ONE, token="altro", callback=mine["id"])
        assert (status, error["error"]) == (404, "unknown-callback")
        # The other token asks for the same number: it is told of the pending one, may
        # read it, but may not cancel what it did not make.
        status, found = await c.ask("POST", CALLBACKS, token="altro", body=ASK, key="k")
        assert (status, found["id"]) == (200, mine["id"])
        assert (await c.ask("GET", ONE, token="altro", callback=mine["id"]))[0] == 200
        status, error = await c.ask("DELETE", ONE, token="altro", callback=mine["id"])
        assert (status, error["error"]) == (403, "not-created-here")
        assert await c.ask("DELETE", ONE, callback=mine["id"]) == (204, None)
        assert await c.ask("DELETE", ONE, callback=mine["id"]) == (204, None)  # again: same
        status, over = await c.ask("GET", ONE, callback=mine["id"])
        assert (status, over["state"], over["outcome"]) == (200, "done", "callback-cancelled")
        status, error = await c.ask("GET", ONE, callback="web-nosuch")
        assert (status, error["error"]) == (404, "unknown-callback")
        actions = [e.action for e in c.audit.entries]
        assert actions == ["callback.request", "callback.cancel"]

    scenario(dsn, work)
