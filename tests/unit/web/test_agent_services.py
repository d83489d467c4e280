"""The agent's choice of services over the web, without a server: what a request body
becomes, the status and code of each refusal, and what the feeds say the agent works."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from aiohttp import web

from acd.core import events as e
from acd.core.desk import NoServiceChosen, NotLoggedIn, ServiceNotHeld, UnknownServiceChosen
from acd.web.app import AGENT_ACTIONS, ROUTES, _errors, services_in
from acd.web.errors import ApiError
from acd.web.snapshot import snapshot
from tests.unit.core.helpers import Desk

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_login_takes_the_services_chosen_or_none_for_all() -> None:
    assert AGENT_ACTIONS["login"]("a1", {}) == e.AgentLoggedIn("a1")
    chosen = AGENT_ACTIONS["login"]("a1", {"services": ["anagrafe"]})
    assert chosen == e.AgentLoggedIn("a1", ("anagrafe",))


@pytest.mark.parametrize("body", [{"services": "anagrafe"}, {"services": [1]}, {"services": None}])
def test_services_are_a_list_of_ids(body: dict[str, Any]) -> None:
    with pytest.raises(ApiError) as refused:
        services_in(body)
    assert (refused.value.status, refused.value.code) == (400, "bad-services")


def test_the_choice_has_its_own_route_before_the_generic_action() -> None:
    paths = [path for method, path, _, _ in ROUTES if method == "POST"]
    assert paths.index("/api/agents/{agent}/services") < paths.index("/api/agents/{agent}/{action}")


@pytest.mark.parametrize(
    ("refusal", "status", "code"),
    [
        (UnknownServiceChosen("sport", ("urp",)), 400, "unknown-service"),
        (ServiceNotHeld("a1", "urp", ()), 400, "service-not-held"),
        (NoServiceChosen("a1"), 400, "no-service-chosen"),
        (NotLoggedIn("a1"), 409, "not-logged-in"),
    ],
)
def test_each_refusal_has_its_status_and_code(refusal: Exception, status: int, code: str) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        raise refusal

    request = cast(web.Request, None)  # the middleware hands it to the handler only
    answer = cast(web.Response, asyncio.run(_errors(request, handler)))
    assert answer.status == status
    assert answer.text is not None
    assert json.loads(answer.text) == {"error": code, "message": str(refusal)}


def test_the_snapshot_says_which_services_each_agent_works() -> None:
    desk = Desk({"a1": {"anagrafe", "tributi"}, "a2": {"tributi"}})
    desk.send(e.AgentLoggedIn("a1", ("tributi",)))
    agents = {a["id"]: a for a in snapshot(desk.engine.view(), NOW)["agents"]}
    assert agents["a1"]["services"] == ["tributi"]
    assert agents["a2"]["services"] == ["tributi"]  # logged out: all it holds
