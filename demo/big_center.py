"""A generated center, big and busy, run in-process: no Asterisk, no database. For the
wallboard's scale test (tests/e2e/test_wallboard_scale.py) and its benchmark
(bench/wallboard.py).

``big_center`` builds the engine through the composition root's own ``build_engine`` from a
generated configuration (``services`` services, ``agents`` agents holding 3 each), then
plays a morning through it: every agent ready at 08:00, Poisson arrivals spread over the
services, rings answered at once, talks of 1 to 5 minutes, the services' wrap-up timers, a
few callers abandoning. Every contact saved and agent state recorded goes to a live
``Meter``, and the queues' lengths are sampled every 15 s, as the runtime does live, so the
figures of the day and the charts of the last hours are full. At the end some agents pause
(after their call) and ``waiting`` callers queue: the center as a supervisor would find it.

``wallboard_server`` serves the real web application for it on a free port, with one
supervisor's session whose cookie it gives (the sessions' store is not needed).
"""

from __future__ import annotations

import contextlib
import heapq
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry

from acd.access.accounts import Accounts, Role
from acd.access.policy import Principal
from acd.access.sessions import Sessions
from acd.access.throttle import LoginThrottle
from acd.access.tokens import Tokens
from acd.bootstrap import meter_for
from acd.config.model import CenterConfig
from acd.config.network_model import WebNetwork
from acd.config.rules import build_engine, every_phone_registered
from acd.core import commands as c
from acd.core import events as e
from acd.core.engine import Engine
from acd.meter import Meter
from acd.runtime import Runtime
from acd.store.accounts import AccountStore
from acd.store.desk import DeskStore
from acd.store.reports import ReportStore
from acd.store.sessions import SessionStore, TokenStore
from acd.web.app import make_app
from acd.web.auth import Access
from acd.web.desk_api import DeskSetup
from acd.web.pages import Site
from acd.web.reports import ReportSetup
from acd.web.softphone import Softphones

MORNING = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # 08:00 in Rome
SESSION = "big-center-supervisor-session-0123456789abcdefghij"  # the one session's cookie


def big_config(agents: int, services: int, seed: int = 1) -> CenterConfig:
    rng = random.Random(seed)
    names = [f"s{i:02d}" for i in range(1, services + 1)]
    data: dict[str, Any] = {
        "center": {"name": "Centro generato", "timezone": "Europe/Rome"},
        "numbers": [{"number": "0590000000", "ivr": "main"}],
        "services": {
            n: {"name": f"Servizio {n[1:]}", "service_level_seconds": 20, "wrap_up_seconds": 30}
            for n in names
        },
        "agents": [
            {
                "id": f"a{i:03d}",
                "name": f"Operatore {i:03d}",
                "skills": rng.sample(names, min(3, services)),
            }
            for i in range(1, agents + 1)
        ],
        "ivr": {"main": {"start": "q", "nodes": {"q": {"type": "enqueue", "service": names[0]}}}},
    }
    return CenterConfig.model_validate(data)


@dataclass
class BigCenter:
    cfg: CenterConfig
    engine: Engine
    meter: Meter
    now: datetime
    rng: random.Random
    events: int = 0
    _calls: int = 0
    _later: list[tuple[datetime, int, e.Event]] = field(default_factory=list)
    _seq: int = 0

    def __post_init__(self) -> None:
        # some services busier than others, so that some queues form and some do not
        self._services = list(self.cfg.services)
        self._weights = [self.rng.uniform(0.3, 2.0) for _ in self._services]

    def send(self, event: e.Event) -> None:
        self.events += 1
        for command in self.engine.handle(event, self.now):
            self._answer(command)

    def _answer(self, command: c.Command) -> None:
        """As Asterisk and the agents would: rings answered, talks end, timers fire."""
        match command:
            case c.RingAgent():
                self.send(e.AgentAnswered(command.ring_id))
            case c.Connect():
                self.send(e.Bridged(command.call_id))
                talk = timedelta(seconds=self.rng.uniform(60, 300))
                self._at(self.now + talk, e.HungUp(command.call_id))
            case c.StartTimer():
                self._at(command.at, e.TimerFired(command.key))
            case c.SaveContact():
                self.meter.contact_saved(command.contact)
            case c.RecordAgentState():
                self.meter.agent_state(command.agent_id, command.state, command.at)
            case _:
                pass

    def _at(self, at: datetime, event: e.Event) -> None:
        self._seq += 1
        heapq.heappush(self._later, (at, self._seq, event))

    def arrive(self, abandon_after: float | None = None) -> None:
        self._calls += 1
        call_id = f"k{self._calls}"
        service = self.rng.choices(self._services, self._weights)[0]
        self.send(e.CallArrived(call_id, f"PJSIP/citizens-{call_id}", "3330000000", "0590000000"))
        self.send(e.CallerEntered(call_id, service))
        if abandon_after is not None:
            self._at(self.now + timedelta(seconds=abandon_after), e.HungUp(call_id))

    def run_until(self, until: datetime, calls_per_second: float) -> None:
        step = timedelta(seconds=15)
        while self.now < until:
            end = self.now + step
            for _ in range(_poisson(self.rng, calls_per_second * step.total_seconds())):
                patience = self.rng.expovariate(1 / 120) if self.rng.random() < 0.3 else None
                self.arrive(patience)
            while self._later and self._later[0][0] <= end:
                at, _, event = heapq.heappop(self._later)
                self.now = max(self.now, at)
                self.send(event)  # (one the core no longer knows it ignores)
            self.now = end
            self.meter.queues_now(self.engine.queue_lengths(), self.now)


def _poisson(rng: random.Random, mean: float) -> int:
    count, t = 0, rng.expovariate(1.0)
    while t < mean:
        count, t = count + 1, t + rng.expovariate(1.0)
    return count


def big_center(
    agents: int = 500, services: int = 50, hours: float = 3.0, waiting: int = 150, seed: int = 1
) -> BigCenter:
    """The generated center after a morning, busy now (see the module)."""
    cfg = big_config(agents, services, seed)
    engine = build_engine(cfg, "big")
    meter = meter_for(cfg)
    center = BigCenter(cfg, engine, meter, MORNING, random.Random(seed))
    center.send(every_phone_registered(cfg))
    for agent in cfg.agents:
        center.send(e.AgentWentReady(agent.id))
    # the agents can take agents / (talk 180 s + wrap-up 30 s) calls a second: a little
    # less comes, then a peak of more for the last half hour (queues grow, callers abandon)
    capacity = agents / 210
    peak = MORNING + timedelta(hours=max(0.0, hours - 0.5))
    center.run_until(peak, 0.95 * capacity)
    center.run_until(MORNING + timedelta(hours=hours), 1.15 * capacity)
    for seat in engine.view().agents[::12]:  # a few go on a break (after their call)
        center.send(e.AgentPaused(seat.agent_id, "break"))
    for _ in range(waiting):
        center.arrive()
    center.meter.queues_now(engine.queue_lengths(), center.now)
    return center


class OneSupervisor(Sessions):
    """The sessions as the door finds them: ``SESSION`` is a supervisor's."""

    def __init__(self) -> None:
        super().__init__(SessionStore(None), timedelta(hours=1), timedelta(hours=10))

    async def find(self, session_id: str, now: datetime) -> Principal | None:
        if session_id != SESSION:
            return None
        return Principal("sup", Role.SUPERVISOR, display_name="Supervisore", csrf="-")


class Quiet:
    """Telephony and records that take everything and do nothing (nothing is handled)."""

    async def execute(self, command: c.TelephonyCommand) -> None: ...
    def save_contact(self, contact: Any) -> None: ...
    def append_event(self, at: datetime, kind: str, payload: dict[str, Any]) -> None: ...
    def record_agent_state(self, agent_id: str, state: Any, reason: str, at: datetime) -> None: ...
    def save_callback(self, record: Any) -> None: ...
    def save_callback_attempt(self, record: Any) -> None: ...
    def close_voice_message(self, *args: Any) -> None: ...


@contextlib.asynccontextmanager
async def wallboard_server(center: BigCenter) -> AsyncIterator[tuple[str, Runtime]]:
    """The web application for ``center`` on 127.0.0.1: its base URL, and its running
    runtime (``submit`` an event and the screens follow). The clock runs on from the
    center's ``now``; the engine's commands go nowhere."""
    started = time.monotonic()

    def clock() -> datetime:
        return center.now + timedelta(seconds=time.monotonic() - started)

    runtime = Runtime(center.engine, clock, Quiet(), Quiet(), center.meter)
    await runtime.start()
    network = WebNetwork.model_validate({})
    accounts = Accounts(AccountStore(None), [a.id for a in center.cfg.agents])
    access = Access(accounts, OneSupervisor(), Tokens(TokenStore(None)), LoginThrottle(),
                    network, clock, tls=False)  # fmt: skip
    desk = DeskSetup(center.cfg, DeskStore(None))
    softphones = Softphones({}, "ws://127.0.0.1:1/ws", Path("/nonexistent"))
    site = Site(center.cfg.center.name, center.cfg.center.language)
    reports = ReportSetup(center.cfg, ReportStore(None), clock)
    app = make_app(runtime, site, CollectorRegistry(), access, desk, reports, softphones)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site_ = web.TCPSite(runner, "127.0.0.1", 0)
    await site_.start()
    try:
        port = runner.addresses[0][1]
        yield f"http://127.0.0.1:{port}", runtime
    finally:
        await runner.cleanup()
        await runtime.close()
