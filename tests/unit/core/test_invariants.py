"""Invariants of the core over random event sequences (hypothesis)."""

from __future__ import annotations

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from acd.core import commands as c
from acd.core import events as e
from agents.states import AgentState, IllegalMove
from tests.unit.core.helpers import Desk

AGENTS = {"a1": {"urp"}, "a2": {"urp", "demografici"}, "a3": {"demografici"}}
CALLS = [f"k{i}" for i in range(6)]

actions = st.one_of(
    st.tuples(st.just("arrive"), st.sampled_from(CALLS), st.sampled_from(["urp", "demografici"])),
    st.tuples(st.just("hangup"), st.sampled_from(CALLS), st.none()),
    st.tuples(st.just("ready"), st.sampled_from(sorted(AGENTS)), st.none()),
    st.tuples(st.just("pause"), st.sampled_from(sorted(AGENTS)), st.none()),
    st.tuples(st.just("answer"), st.integers(0, 20), st.none()),
    st.tuples(st.just("agent-hangup"), st.integers(0, 20), st.none()),
    st.tuples(st.just("bridge"), st.sampled_from(CALLS), st.none()),
    st.tuples(st.just("ring-timeout"), st.integers(0, 20), st.none()),
    st.tuples(st.just("wrapup"), st.sampled_from(sorted(AGENTS)), st.none()),
)


def apply(desk: Desk, action: tuple[str, object, object], rings: list[str]) -> None:
    kind, target, extra = action
    if kind == "arrive":
        if target in desk.engine.calls or target in desk.finished:  # type: ignore[attr-defined]
            return
        desk.caller(str(target), str(extra))
    elif kind == "hangup":
        desk.send(e.HungUp(str(target)))
    elif kind == "ready":
        with contextlib.suppress(IllegalMove):
            desk.send(e.AgentWentReady(str(target)))
    elif kind == "pause":
        with contextlib.suppress(IllegalMove):
            desk.send(e.AgentPaused(str(target), "break"))
    elif kind == "wrapup":
        desk.send(e.TimerFired(f"wrapup:{target}"))
    elif kind == "bridge":
        desk.send(e.Bridged(str(target)))
    elif rings:
        ring = rings[int(str(target)) % len(rings)]
        event = {
            "answer": e.AgentAnswered(ring),
            "agent-hangup": e.HungUp(ring),
            "ring-timeout": e.TimerFired(f"ring:{ring}"),
        }[kind]
        desk.send(event)


def check(desk: Desk) -> None:
    engine = desk.engine
    holders: dict[str, str] = {}
    for seat in engine.seats.values():
        if seat.call_id is not None:
            assert seat.call_id not in holders, "a call held by two agents"
            holders[seat.call_id] = seat.agent.agent_id
            assert seat.state in (AgentState.RINGING, AgentState.ON_CALL)
        else:
            assert seat.state not in (AgentState.RINGING, AgentState.ON_CALL)
    for name, queue in engine.queues.items():
        keys = list(queue)
        assert keys == sorted(keys), "queue out of order"
        for _, _, call_id in keys:
            assert engine.calls[call_id].service == name
            waiting = engine.calls[call_id].ring_id is None
            ready = [
                s
                for s in engine.seats.values()
                if s.state is AgentState.READY and name in s.agent.skills
            ]
            assert not (waiting and ready), "a waiting call and a ready agent left apart"


@settings(max_examples=300, deadline=None)
@given(st.lists(actions, max_size=60))
def test_invariants_hold_for_any_sequence(sequence: list[tuple[str, object, object]]) -> None:
    desk = Desk(AGENTS)
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
        check(desk)
    arrived = {x.contact_id for x in (s.contact for s in desk.said if isinstance(s, c.SaveContact))}
    assert arrived == set(desk.engine.calls) | desk.finished  # type: ignore[attr-defined]
