"""Invariants of the core over random event sequences (hypothesis)."""

from __future__ import annotations

import contextlib
import itertools
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from acd.core import commands as c
from acd.core import events as e
from acd.core.engine import AcdError
from acd.core.model import Limit, OverflowAction, OverflowKind, Relax, RoutingAgent, ServiceRules
from acd.core.requirements import parse
from acd.core.routing import Router
from acd.core.timers import MaxWaitTimer, RelaxTimer, RingTimer, WrapUpTimer
from agents.states import AgentState, IllegalMove
from tests.unit.core.helpers import Desk
from tests.unit.core.test_requirements import expressions, levels

AGENTS = {
    "a1": {"urp": 3},
    "a2": {"urp": 1, "demografici": 2, "lang.en": 1},
    "a3": {"demografici": 4},
    "a4": {"backoffice": 1},
}
RULES = {
    "urp": ServiceRules(
        "URP", ring_seconds=15, requirement=parse("urp >= 2"),
        relax=(Relax(3, parse("urp >= 1")), Relax(6, parse("backoffice >= 1"))),
        max_waiting=4, overflow={Limit.FULL: OverflowAction(OverflowKind.QUEUE, "demografici")},
    ),
    "demografici": ServiceRules(
        "Demografici", strategy="most_skilled", wrap_up_seconds=2, max_wait_seconds=8,
        overflow={Limit.TIMEOUT: OverflowAction(OverflowKind.MESSAGE, "later"),
                  Limit.NO_AGENTS: OverflowAction(OverflowKind.MESSAGE, "nobody")},
    ),
}  # fmt: skip
CALLS = [f"k{i}" for i in range(8)]

actions = st.one_of(
    st.tuples(
        st.just("arrive"),
        st.sampled_from(CALLS),
        st.tuples(
            st.sampled_from(sorted(RULES)), st.integers(0, 2), st.sampled_from(["", "lang.en"])
        ),
    ),
    st.tuples(  # a caller found waiting after a restart, entered some seconds ago
        st.just("resume"),
        st.sampled_from(CALLS),
        st.tuples(st.sampled_from(sorted(RULES)), st.integers(0, 2), st.integers(0, 30)),
    ),
    st.tuples(st.just("hangup"), st.sampled_from(CALLS), st.none()),
    st.tuples(st.just("ready"), st.sampled_from(sorted(AGENTS)), st.none()),
    st.tuples(st.just("pause"), st.sampled_from(sorted(AGENTS)), st.none()),
    st.tuples(st.just("logout"), st.sampled_from(sorted(AGENTS)), st.none()),
    st.tuples(st.just("extend"), st.sampled_from(sorted(AGENTS)), st.none()),
    st.tuples(st.just("answer"), st.integers(0, 20), st.none()),
    st.tuples(st.just("agent-hangup"), st.integers(0, 20), st.none()),
    st.tuples(st.just("bridge"), st.sampled_from(CALLS), st.none()),
    st.tuples(st.just("ring-timeout"), st.integers(0, 20), st.none()),
    st.tuples(st.just("wrapup"), st.sampled_from(sorted(AGENTS)), st.none()),
    st.tuples(st.just("relax"), st.sampled_from(CALLS), st.none()),
    st.tuples(st.just("maxwait"), st.sampled_from(CALLS), st.none()),
    # an AMI outage: lost, logged in again, channels listed with some gone unseen
    st.tuples(st.just("lost"), st.none(), st.none()),
    st.tuples(st.just("reconnect"), st.none(), st.none()),
    st.tuples(st.just("listed"), st.sets(st.integers(0, 20), max_size=4), st.booleans()),
    st.tuples(st.just("unsent"), st.integers(0, 20), st.none()),
    st.tuples(st.just("connect-failed"), st.integers(0, 20), st.booleans()),
)


def apply(desk: Desk, action: tuple[str, object, object], rings: list[str]) -> None:
    kind, target, extra = action
    if kind == "arrive":
        if target in desk.engine.admission.calls or target in desk.finished:  # type: ignore[attr-defined]
            return
        service, priority, requirement = extra  # type: ignore[misc]
        desk.caller(str(target), service, priority, requirement)
    elif kind == "resume":
        if target in desk.engine.admission.calls or target in desk.finished:  # type: ignore[attr-defined]
            return
        service, priority, ago = extra  # type: ignore[misc]
        entered = desk.now - timedelta(seconds=ago)
        desk.send(e.CallerResumed(str(target), f"PJSIP/{target}", "059", "0592", service,
                                  entered, priority))  # fmt: skip
    elif kind in ("hangup", "bridge"):
        desk.send(e.HungUp(str(target)) if kind == "hangup" else e.Bridged(str(target)))
    elif kind in ("ready", "pause", "logout", "extend"):
        event = {"ready": e.AgentWentReady, "logout": e.AgentLoggedOut,
                 "extend": e.AgentExtendedWrapUp}.get(kind)  # fmt: skip
        with contextlib.suppress(IllegalMove, AcdError):
            desk.send(event(str(target)) if event else e.AgentPaused(str(target), "break"))
    elif kind in ("wrapup", "relax", "maxwait"):
        timer = {"wrapup": WrapUpTimer, "relax": RelaxTimer, "maxwait": MaxWaitTimer}[kind]
        desk.send(e.TimerFired(timer(str(target))))
    elif kind in ("lost", "reconnect"):
        desk.send(e.TelephonyLost("cut") if kind == "lost" else e.TelephonyReconnected())
    elif kind == "listed":
        known = sorted(desk.engine.admission.calls) + sorted(desk.engine.rings.rings)
        gone = {known[i % len(known)] for i in target} if known else set()  # type: ignore[attr-defined]
        answered = frozenset(desk.engine.rings.rings) if extra else frozenset()
        desk.send(e.ChannelsListed(frozenset(known) - gone, answered))
    elif kind in ("unsent", "connect-failed") and rings:
        ring = rings[int(str(target)) % len(rings)]
        unsent = e.RingFailed(ring, "not connected", missed=False)
        desk.send(unsent if kind == "unsent" else e.ConnectFailed(ring, bool(extra), "x"))
    elif rings and kind in ("answer", "agent-hangup", "ring-timeout"):
        ring = rings[int(str(target)) % len(rings)]
        event = {
            "answer": e.AgentAnswered(ring),
            "agent-hangup": e.HungUp(ring),
            "ring-timeout": e.TimerFired(RingTimer(ring)),
        }[kind]
        desk.send(event)


def check(desk: Desk, new: list[c.Command]) -> None:
    engine = desk.engine
    holders: dict[str, str] = {}
    for seat in engine.desk.seats.values():
        if seat.call_id is not None:
            assert seat.call_id not in holders, "a call held by two agents"
            holders[seat.call_id] = seat.agent.agent_id
            assert seat.state in (AgentState.RINGING, AgentState.ON_CALL)
        else:
            assert seat.state not in (AgentState.RINGING, AgentState.ON_CALL)
    ready = [s for s in engine.desk.seats.values() if s.state is AgentState.READY]
    waiting = []
    for name, queue in engine.admission.queues.items():
        keys = list(queue)
        assert keys == sorted(keys), "queue out of order"
        for key in keys:
            call = engine.admission.calls[key[2]]
            assert call.service == name
            if call.ring_id is None:
                waiting.append(call)
                req = engine.admission.pool_of(call).requirement
                apart = [s.agent.agent_id for s in ready if req(s.agent.skills)]
                assert not apart or not engine.telephony_up, (
                    f"waiting {call.call_id} and ready {apart} left apart"
                )
    rung_now = [x for x in new if isinstance(x, c.RingAgent)]
    assert engine.telephony_up or not rung_now, "rang while telephony was down"
    for ring in rung_now:
        rung = (
            engine.admission.calls[ring.call_id].key
            if ring.call_id in engine.admission.calls
            else None
        )
        for other in (
            waiting if rung is not None else ()
        ):  # FIFO (by priority, then wait) across the agent's pools
            if engine.admission.pool_of(other).requirement(
                engine.desk.seats[ring.agent_id].agent.skills
            ):
                assert other.key is not None, "overtaken"
                assert rung < other.key, "overtaken"


@settings(max_examples=400, deadline=None)
@given(st.lists(actions, max_size=80))
def test_invariants_hold_for_any_sequence(sequence: list[tuple[str, object, object]]) -> None:
    desk = Desk(AGENTS, rules=RULES)
    desk.finished = set()  # type: ignore[attr-defined]
    rings: list[str] = []
    for step, action in enumerate(sequence):
        desk.at(step)
        before = len(desk.said)
        apply(desk, action, rings)
        new = desk.said[before:]
        rings.extend(x.ring_id for x in new if isinstance(x, c.RingAgent))
        for saved in (x.contact for x in new if isinstance(x, c.SaveContact)):
            if saved.ended_at is not None:
                assert saved.contact_id not in desk.finished, "a call finished twice"  # type: ignore[attr-defined]
                desk.finished.add(saved.contact_id)  # type: ignore[attr-defined]
        check(desk, new)
    arrived = {x.contact_id for x in (s.contact for s in desk.said if isinstance(s, c.SaveContact))}
    assert arrived == set(desk.engine.admission.calls) | desk.finished  # type: ignore[attr-defined]


@given(expressions(), st.lists(expressions(), max_size=3), st.lists(levels, max_size=8))
def test_relaxation_only_widens(base: str, steps: list[str], agents: list[dict[str, int]]) -> None:
    rules = ServiceRules(
        "S", requirement=parse(base),
        relax=tuple(Relax(10 * (i + 1), parse(t)) for i, t in enumerate(steps)),
    )  # fmt: skip
    desk = Desk({f"a{i}": sk for i, sk in enumerate(agents)} or {"a0": {}}, rules={"s": rules})
    router: Router = desk.engine.admission.router
    stages = [router.pools[("s", k, "")].eligible for k in range(len(steps) + 1)]
    for narrow, wide in itertools.pairwise(stages):
        assert narrow <= wide


def test_routing_agent_skills_are_levels() -> None:
    agent = RoutingAgent("a", "A", "a", {"urp": 4})
    assert parse("urp >= 4")(agent.skills)
