"""Property-based fuzzing (hypothesis) of the HTTP API through aiohttp's test client.

Only the website's API (``/api/v1``) has an OpenAPI description (its answers are checked
against it elsewhere: tests/api_description.py), so no schemathesis here: the routes come
from ``ROUTES``, the requests from hypothesis: random path parameters, bodies (JSON of any
shape, text, bytes), content types, origins, CSRF tokens and people. Every answer of a JSON
route comes in time, is never a 500, and when it refuses it is JSON with an ``error`` code.
The database is down here (every store's pool refuses to connect), so a route that needs it
answers 503 store-unavailable: allowed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from acd.access.accounts import Accounts
from acd.access.throttle import LoginThrottle
from acd.access.tokens import Tokens
from acd.config import load_config
from acd.config.network_model import WebNetwork
from acd.runtime import Runtime
from acd.store.accounts import AccountStore
from acd.store.desk import DeskStore
from acd.store.reports import ReportStore
from acd.store.sessions import TokenStore
from acd.web.app import ROUTES, make_app
from acd.web.auth import Access
from acd.web.desk_api import DeskSetup
from acd.web.pages import Site
from acd.web.reports import ReportSetup
from acd.web.softphone import Softphones
from tests.unit.core.helpers import T0, Desk
from tests.unit.test_config import SAMPLE
from tests.unit.web.test_softphone import Door, Quiet

pytestmark = pytest.mark.timeout(120)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
ANSWER_WITHIN = 5.0  # seconds
# The JSON routes: the API, the health probe; not the pages, sockets nor static files.
JSON_ROUTES = [(m, p) for m, p, _, _ in ROUTES if p.startswith("/api/") or p == "/healthz"]
PEOPLE = {"nobody": ({}, ""), "agent": ({"Cookie": "centralino=anna-session"}, "x"),
          "supervisor": ({"Cookie": "centralino=sara-session"}, "y")}  # fmt: skip

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
# Names the handlers look for, so that random bodies reach past the first check.
FIELDS = st.sampled_from(["reason", "services", "disposition", "note", "agent", "colleague",
                          "service", "password", "old", "new", "user", "role",
                          "agent_id"])  # fmt: skip
OBJECTS = st.dictionaries(FIELDS | st.text(max_size=8), JSON_VALUES, max_size=4)
BODIES = st.one_of(
    OBJECTS.map(json.dumps),
    JSON_VALUES.map(json.dumps),
    st.text(max_size=60),
    st.binary(max_size=60),
    st.just(""),
)
SEGMENTS = st.one_of(
    st.sampled_from(["agent1", "agent2", "ready", "pause", "hold", "consult", "transfer",
                     "logout", "login", "hangup", "disable", "reset", "nobody"]),
    st.text(min_size=1, max_size=20).filter(lambda t: t not in (".", "..")),  # (normalised)
)  # fmt: skip
CONTENT_TYPES = st.sampled_from(["application/json", "text/plain",
                                 "application/x-www-form-urlencoded",
                                 "multipart/form-data; boundary=x",
                                 "application/json; charset=latin-1", "garbage", ""])  # fmt: skip


class DownPool:
    """A pool whose database is away: every query fails to connect."""

    def __getattr__(self, name: str) -> Any:
        async def refused(*args: Any, **kwargs: Any) -> Any:
            raise ConnectionRefusedError("database down")

        return refused


CFG = load_config(SAMPLE)


def client(runtime: Runtime) -> TestClient[web.Request, web.Application]:
    down: Any = DownPool()
    access = Access(Accounts(AccountStore(down), ["agent1"]), Door(), Tokens(TokenStore(down)),
                    LoginThrottle(), WebNetwork.model_validate({}), lambda: T0,
                    tls=False)  # fmt: skip
    desk, reports = DeskSetup(CFG, DeskStore(down)), ReportSetup(CFG, ReportStore(down), lambda: T0)
    softphones = Softphones({}, "ws://127.0.0.1:1/ws", Path("/nonexistent"))
    app = make_app(runtime, Site("Prova", "it"), CollectorRegistry(), access, desk, reports,
                   softphones)  # fmt: skip
    return TestClient(TestServer(app))


class Api:
    """One app on one loop for every example (a server per example costs too much): the
    engine's state carries over from request to request, as on a live center."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.runtime = Runtime(Desk({"agent1": {"urp"}}).engine, lambda: T0, Quiet(), Quiet())
        self.http = self.loop.run_until_complete(self._start())

    async def _start(self) -> TestClient[web.Request, web.Application]:
        self.http = client(self.runtime)  # (its cookie jar wants the running loop)
        await self.runtime.start()
        await self.http.start_server()
        return self.http

    async def _stop(self) -> None:
        await self.http.close()
        await self.runtime.close()

    def close(self) -> None:
        self.loop.run_until_complete(self._stop())
        self.loop.close()

    def ask(
        self, method: str, path: str, who: str, body: str | bytes, headers: dict[str, str]
    ) -> tuple[int, str, bytes]:
        return self.loop.run_until_complete(self._ask(method, path, who, body, headers))

    async def _ask(
        self, method: str, path: str, who: str, body: str | bytes, headers: dict[str, str]
    ) -> tuple[int, str, bytes]:
        own = str(self.http.make_url("")).rstrip("/")
        cookie, csrf = PEOPLE[who]
        sent = {**cookie, **{k: v.replace("{own}", own).replace("{csrf}", csrf)
                             for k, v in headers.items()}}  # fmt: skip
        async with asyncio.timeout(ANSWER_WITHIN):
            response = await self.http.request(method, path, data=body, headers=sent)
            return response.status, response.content_type, await response.read()


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    served = Api()
    yield served
    served.close()


def _fill(path: str, segments: list[str]) -> str:
    parts = iter(segments)
    out = []
    for piece in path.split("/"):
        is_param = piece.startswith("{") and piece.endswith("}")
        out.append(quote(next(parts, "agent1"), safe="") if is_param else piece)
    return "/".join(out)


def _check(status: int, content_type: str, raw: bytes, what: Any) -> None:
    assert status < 500 or status == 503, (status, raw[:300], what)
    if status >= 400:
        assert content_type == "application/json", (status, content_type, raw[:200], what)
        answer = json.loads(raw)
        assert isinstance(answer.get("error"), str), (answer, what)
        assert answer["error"], what


@FAST
@given(
    route=st.sampled_from(JSON_ROUTES),
    segments=st.lists(SEGMENTS, max_size=3),
    who=st.sampled_from(sorted(PEOPLE)),
    body=BODIES,
    content_type=CONTENT_TYPES,
    origin=st.sampled_from(["{own}", "https://evil.example", None]),
    csrf=st.sampled_from(["{csrf}", "wrong", None]),
)
def test_the_json_routes_answer_any_request(
    api: Api,
    route: tuple[str, str],
    segments: list[str],
    who: str,
    body: str | bytes,
    content_type: str,
    origin: str | None,
    csrf: str | None,
) -> None:
    method, template = route
    headers = {"Content-Type": content_type}
    if origin is not None:
        headers["Origin"] = origin
    if csrf is not None:
        headers["X-CSRF-Token"] = csrf
    path = _fill(template, segments)
    got = api.ask(method, path, who, body, headers)
    _check(*got, (method, path, who, body, headers))


@FAST
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
    segments=st.lists(SEGMENTS, min_size=1, max_size=4),
    who=st.sampled_from(sorted(PEOPLE)),
    body=BODIES,
)
def test_any_api_path_and_method(
    api: Api, method: str, segments: list[str], who: str, body: str | bytes
) -> None:
    path = "/api/" + "/".join(quote(s, safe="") for s in segments)
    headers = {"Content-Type": "application/json", "Origin": "{own}", "X-CSRF-Token": "{csrf}"}
    got = api.ask(method, path, who, body, headers)
    _check(*got, (method, path, who, body))
