"""Build an engine and step it with a hand-held clock: no loop, no mocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from acd.core import commands as c
from acd.core import events as e
from acd.core.contact import Contact
from acd.core.engine import Engine
from acd.core.model import RoutingAgent, RoutingPolicy, ServiceRules

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class Desk:
    """An engine, a clock, and everything the engine said so far."""

    def __init__(
        self,
        agents: dict[str, set[str]] | dict[str, dict[str, int]],
        ring: float = 15,
        wrap: float = 0,
        rules: dict[str, ServiceRules] | None = None,
        policy: RoutingPolicy | None = None,
        telephony_up: bool = True,
        web_only: frozenset[str] = frozenset(),
    ) -> None:
        """Agents by skills (level 1) or skill levels; a service per skill, unless ``rules``.

        Each agent has a desk phone with a fixed contact (endpoint: its id) and a browser
        softphone (``{id}-web``); those in ``web_only`` have the softphone alone, so they
        are reachable only while it is registered."""
        levels = {
            a: sk if isinstance(sk, dict) else dict.fromkeys(sk, 1) for a, sk in agents.items()
        }
        names = {s for skills in levels.values() for s in skills} | {"urp"}
        services = rules or {
            s: ServiceRules(s, ring_seconds=ring, wrap_up_seconds=wrap) for s in names
        }
        staff = [
            RoutingAgent(a, a, a, sk, fixed_desk=a not in web_only, web_endpoint=f"{a}-web")
            for a, sk in levels.items()
        ]
        self.engine = Engine(
            services,
            staff,
            policy=policy,
            telephony_up=telephony_up,
        )
        self.now = T0
        self.said: list[c.Command] = []

    def at(self, seconds: float) -> Desk:
        self.now = T0 + timedelta(seconds=seconds)
        return self

    def send(self, event: e.Event) -> list[c.Command]:
        out = self.engine.handle(event, self.now)
        self.said.extend(out)
        return out

    def caller(
        self,
        call_id: str,
        service: str = "urp",
        priority: int = 0,
        requirement: str = "",
        number: str = "059111",
    ) -> list[c.Command]:
        self.send(e.CallArrived(call_id, f"PJSIP/citizens-{call_id}", number, "0592032032"))
        return self.send(e.CallerEntered(call_id, service, ("1",), priority, requirement))

    def ready(self, *agent_ids: str) -> None:
        for a in agent_ids:
            self.send(e.AgentWentReady(a))

    def rings(self, out: list[c.Command]) -> list[c.RingAgent]:
        return [x for x in out if isinstance(x, c.RingAgent)]

    def contact(self, call_id: str) -> Contact:
        saved = [x.contact for x in self.said if isinstance(x, c.SaveContact)]
        return [k for k in saved if k.contact_id == call_id][-1]
