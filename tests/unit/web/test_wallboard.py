"""The wallboard's figures as JSON, from a real engine stepped by hand and a real meter;
its levels at and around each threshold; the page, the API and the websocket on a real
aiohttp server."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from acd.access.accounts import Accounts
from acd.access.throttle import LoginThrottle
from acd.access.tokens import Tokens
from acd.config import load_config
from acd.config.network_model import WebNetwork
from acd.config.wallboard_model import Band, WallboardLimits
from acd.core import commands as c
from acd.core import events as e
from acd.meter import Meter, Thresholds
from acd.runtime import Runtime
from acd.store.accounts import AccountStore
from acd.store.desk import DeskStore
from acd.store.reports import ReportStore
from acd.store.sessions import TokenStore
from acd.web.app import make_app
from acd.web.auth import Access
from acd.web.desk_api import DeskSetup
from acd.web.pages import Site
from acd.web.reports import ReportSetup
from acd.web.softphone import Softphones
from acd.web.wallboard import Level, Wallboard, over, under
from reports.service_level import Definition
from tests.unit.core.helpers import T0, Desk
from tests.unit.test_config import SAMPLE
from tests.unit.web.test_softphone import Door, Quiet, as_


def answer(desk: Desk, ring: c.RingAgent, at: float) -> None:
    desk.at(at).send(e.AgentAnswered(ring.ring_id))
    desk.send(e.Bridged(ring.call_id))


def feed_meter(desk: Desk, meter: Meter) -> None:
    for command in desk.said:
        if isinstance(command, c.SaveContact):
            meter.contact_saved(command.contact)
        elif isinstance(command, c.RecordAgentState):
            meter.agent_state(command.agent_id, command.state, command.at)
    desk.said.clear()


def test_levels_at_and_around_the_thresholds() -> None:
    band = Band(amber=20, red=60)
    assert [over(v, band) for v in (0, 20, 20.1, 60, 61)] == [
        Level.OK, Level.OK, Level.AMBER, Level.AMBER, Level.RED,
    ]  # fmt: skip
    level = Band(amber=0.85, red=0.8)
    assert [under(v, level) for v in (0.9, 0.85, 0.84, 0.8, 0.79)] == [
        Level.OK, Level.OK, Level.AMBER, Level.AMBER, Level.RED,
    ]  # fmt: skip
    assert over(None, band) is None  # no value: no level
    assert over(5, Band()) is None  # no thresholds: never coloured
    assert over(5, Band(red=4)) is Level.RED  # amber left out


def scenario_feed() -> tuple[dict[str, Any], Desk]:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}, "a3": {"urp", "info"}, "a4": {"info"}}, wrap=10)
    meter = Meter({"urp": Thresholds(20, 5), "info": Thresholds(30, 5, Definition.ANSWERED_ONLY)})
    limits = {"urp": WallboardLimits(waiting=Band(amber=0, red=2)), "info": WallboardLimits()}
    board = Wallboard(meter, limits)
    # k1 waits 30 s for a1 and talks 60 s; a1 wraps up 10 s
    desk.at(0).caller("k1")
    (ring,) = desk.rings(desk.at(30).send(e.AgentWentReady("a1")))
    answer(desk, ring, 30)
    desk.at(90).send(e.HungUp("k1"))
    desk.at(100).send(e.AgentWentReady("a1"))
    desk.send(e.AgentLoggedOut("a1"))
    # k2 hangs up after 2 s (short), k3 after 40 s
    desk.at(100).caller("k2")
    desk.at(102).send(e.HungUp("k2"))
    desk.at(110).caller("k3")
    desk.at(150).send(e.HungUp("k3"))
    # now: a3 talks on an info call, a2 paused, k4 waits in urp since 160 s
    desk.at(150).send(e.AgentWentReady("a3"))
    (ring,) = desk.rings(desk.at(151).caller("k5", service="info"))
    answer(desk, ring, 155)
    desk.send(e.AgentLoggedIn("a2"))
    desk.at(160).caller("k4")
    feed_meter(desk, meter)
    return board.feed(desk.engine.view(), desk.at(185).now), desk


def test_a_services_figures_now_and_today() -> None:
    got, _ = scenario_feed()
    by_service = {s["service"]: s for s in got["services"]}
    urp, info = by_service["urp"], by_service["info"]
    assert (urp["service"], urp["name"]) == ("urp", "urp")
    assert (urp["waiting"], urp["ringing"], urp["longest_wait_seconds"]) == (1, 0, 25.0)
    assert urp["oldest_entry"] == (T0 + timedelta(seconds=160)).isoformat()
    # of the agents who serve urp: a1 logged out, a2 paused, a3 talks (on an info call)
    assert urp["agents"] == {"ready": 0, "talking": 1, "wrap_up": 0, "paused": 1, "staffed": 2}
    assert urp["today"] == {
        "offered": 3, "answered": 1, "abandoned": 1, "short_abandons": 1,
        "abandon_rate": 0.5,  # after S: 1 of the 2 that were not short abandons
        "service_level": 0.0,  # with abandons: 0 within 20 s of 1 answered + 1 abandoned late
        "asa_seconds": 30.0,
        "aht_seconds": 70.0,  # 60 s talk + 10 s wrap-up
    }  # fmt: skip
    assert urp["rule"] == {"definition": "with-abandons", "target_seconds": 20,
                           "short_abandon_seconds": 5}  # fmt: skip
    assert urp["levels"] == {"waiting": "amber", "longest_wait": "amber", "service_level": "red",
                             "abandoned": "red", "asa": "amber", "aht": None}  # fmt: skip
    assert urp["limits"]["longest_wait_seconds"] == {"amber": 20, "red": 60}  # T, 3 T
    assert info["rule"]["definition"] == "answered-only"
    assert info["today"]["service_level"] is None  # nothing finished: no ratio, not 0
    assert info["levels"]["service_level"] is None
    assert info["levels"]["waiting"] == "ok"


def test_the_agents_state_call_and_calls_today() -> None:
    got, _ = scenario_feed()
    by_id = {a["id"]: a for a in got["agents"]}
    a3 = by_id["a3"]
    assert (a3["state"], a3["call_service"], a3["answered_today"]) == ("on_call", "info", 1)
    assert a3["since"] == (T0 + timedelta(seconds=155)).isoformat()
    assert a3["seconds_in_state"] == 30
    assert (by_id["a2"]["state"], by_id["a2"]["reason"]) == ("paused", "login")
    assert (by_id["a1"]["state"], by_id["a1"]["answered_today"]) == ("logged_out", 1)
    assert json.loads(json.dumps(got)) == got  # plain JSON


def test_the_last_hours_per_quarter_hour() -> None:
    got, _ = scenario_feed()
    assert len(got["trend_labels"]) == 32
    assert got["trend_labels"][-1] == "09:00"  # UTC: the meter's zone here
    (urp,) = (s for s in got["services"] if s["service"] == "urp")
    assert urp["trend"]["service_level"][-1] == 0.0
    assert urp["trend"]["service_level"][:-1] == [None] * 31  # nothing known before
    assert urp["trend"]["waiting"] == [None] * 32  # not sampled yet (the runtime does it)


def test_an_unknown_definition_is_impossible_and_defaults_come_from_t() -> None:
    board = Wallboard(Meter({"urp": Thresholds(30, 5)}), {"urp": WallboardLimits()})
    assert board.limits["urp"].longest_wait == Band(amber=30, red=90)
    assert board.limits["urp"].asa == Band(amber=30, red=60)
    own = WallboardLimits(longest_wait_seconds=Band(amber=10))
    assert Wallboard(Meter(), {"urp": own}).limits["urp"].longest_wait == Band(amber=10)


# -- on a real server --------------------------------------------------------------------


def client() -> TestClient[web.Request, web.Application]:
    desk = Desk({"agent1": {"urp"}})
    runtime = Runtime(desk.engine, lambda: T0, Quiet(), Quiet())
    network = WebNetwork.model_validate({})
    access = Access(Accounts(AccountStore(None), ["agent1"]), Door(), Tokens(TokenStore(None)),
                    LoginThrottle(), network, lambda: T0, tls=False)  # fmt: skip
    desk_setup = DeskSetup(load_config(SAMPLE), DeskStore(None))
    softphones = Softphones({}, "ws://127.0.0.1:1/ws", Path("/nonexistent"))
    reports = ReportSetup(desk_setup.cfg, ReportStore(None), lambda: T0)
    app = make_app(runtime, Site("Prova", "it"), CollectorRegistry(), access, desk_setup,
                   reports, softphones)  # fmt: skip
    return TestClient(TestServer(app))


@pytest.mark.parametrize(
    ("query", "tv", "lang"), [("", False, "it"), ("?tv=1&lang=en", True, "en")]
)
def test_the_page_for_a_supervisor_in_each_mode(query: str, tv: bool, lang: str) -> None:
    async def scenario() -> None:
        async with client() as http:
            page = await http.get("/wallboard" + query, headers=as_(http, "sara-session"))
            assert page.status == 200
            html = await page.text()
            assert ('class="wallboard tv"' in html) is tv
            assert f'<html lang="{lang}">' in html
            assert ("Tabellone" if lang == "it" else "Wallboard") in html
            bad = await http.get("/wallboard?tv=yes", headers=as_(http, "sara-session"))
            assert bad.status == 400
            assert (await bad.json())["error"] == "bad-tv"
            agent = await http.get("/api/wallboard", headers=as_(http, "anna-session"))
            assert agent.status == 403

    asyncio.run(scenario())


def test_the_api_and_the_websocket_give_the_same_figures() -> None:
    async def scenario() -> None:
        async with client() as http:
            api = await http.get("/api/wallboard", headers=as_(http, "sara-session"))
            figures = await api.json()
            ws = await http.ws_connect("/ws/wallboard", headers=as_(http, "sara-session"))
            pushed = json.loads((await ws.receive(timeout=5)).data)
            assert pushed == figures
            assert [s["service"] for s in figures["services"]] == ["urp"]
            assert figures["timezone"] == "Europe/Rome"  # the page's clock: the center's
            await ws.close()

    asyncio.run(scenario())
