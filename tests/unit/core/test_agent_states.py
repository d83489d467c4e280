"""Agent states in the engine: missed rings, auto-pause, wrap-up, pause reasons."""

from __future__ import annotations

import pytest

from acd.core import commands as c
from acd.core import events as e
from acd.core.engine import UnknownPauseReason, WrapUpAlreadyExtended
from acd.core.model import RoutingPolicy
from acd.core.timers import RingTimer, WrapUpTimer
from agents.states import AgentState, IllegalMove
from tests.unit.core.helpers import Desk


def state_of(desk: Desk, agent: str) -> AgentState:
    return desk.engine.desk.seats[agent].state  # read anew: each event may change it


def states(desk: Desk, agent: str) -> list[tuple[str, str]]:
    return [(x.state, x.reason) for x in desk.said
            if isinstance(x, c.RecordAgentState) and x.agent_id == agent]  # fmt: skip


def test_missed_rings_pause_the_agent_after_the_limit() -> None:
    desk = Desk({"a1": {"urp"}}, policy=RoutingPolicy(max_missed=2))
    desk.at(0).ready("a1")
    (r1,) = desk.rings(desk.at(1).caller("k1"))
    (r2,) = desk.rings(desk.at(16).send(e.TimerFired(RingTimer(r1.ring_id))))
    assert r2.call_id == "k1"  # the call kept its place at the head
    out = desk.at(31).send(e.TimerFired(RingTimer(r2.ring_id)))
    assert desk.rings(out) == []
    seat = desk.engine.desk.seats["a1"]
    assert (seat.state, seat.reason) == (AgentState.PAUSED, "missed calls")
    assert states(desk, "a1")[-2:] == [("ready", "missed"), ("paused", "missed calls")]


def test_an_answer_resets_the_missed_count() -> None:
    desk = Desk({"a1": {"urp"}}, policy=RoutingPolicy(max_missed=2))
    desk.at(0).ready("a1")
    (r1,) = desk.rings(desk.at(1).caller("k1"))
    (r2,) = desk.rings(desk.at(16).send(e.TimerFired(RingTimer(r1.ring_id))))
    desk.at(17).send(e.AgentAnswered(r2.ring_id))
    desk.send(e.Bridged("k1"))
    desk.at(20).send(e.HungUp("k1"))
    (r3,) = desk.rings(desk.at(21).caller("k2"))
    desk.at(36).send(e.TimerFired(RingTimer(r3.ring_id)))
    assert desk.engine.desk.seats["a1"].state is AgentState.RINGING  # rung again, not paused


def test_no_answer_keeps_the_call_at_the_head_for_the_next_agent() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}})
    desk.at(0).caller("k1")
    desk.at(1).caller("k2")
    (r1,) = desk.rings(desk.at(2).send(e.AgentWentReady("a1")))
    (r2,) = desk.rings(desk.at(3).send(e.AgentWentReady("a2")))
    assert (r1.call_id, r2.call_id) == ("k1", "k2")
    desk.at(4).send(e.AgentAnswered(r2.ring_id))
    desk.send(e.Bridged("k2"))
    desk.at(5).caller("k3")
    (again,) = desk.rings(desk.at(17).send(e.TimerFired(RingTimer(r1.ring_id))))
    assert (again.call_id, again.agent_id) == ("k1", "a1")  # k1 before k3


def test_wrap_up_can_end_early_or_be_extended_once() -> None:
    desk = Desk({"a1": {"urp"}}, wrap=30)
    desk.at(0).ready("a1")
    (ring,) = desk.rings(desk.at(1).caller("k1"))
    desk.at(2).send(e.AgentAnswered(ring.ring_id))
    desk.send(e.Bridged("k1"))
    desk.at(10).send(e.HungUp("k1"))
    out = desk.at(20).send(e.AgentExtendedWrapUp("a1"))
    assert c.StartTimer(WrapUpTimer("a1"), desk.at(50).now) in out
    with pytest.raises(WrapUpAlreadyExtended):
        desk.send(e.AgentExtendedWrapUp("a1"))
    assert states(desk, "a1")[-1] == ("wrap_up", "extended")
    desk.at(45).send(e.AgentWentReady("a1"))  # done early
    assert desk.engine.desk.seats["a1"].state is AgentState.READY
    with pytest.raises(IllegalMove):
        desk.send(e.AgentExtendedWrapUp("a1"))


def test_pause_asked_during_a_call_applies_after_it() -> None:
    desk = Desk({"a1": {"urp"}}, wrap=10)
    desk.at(0).ready("a1")
    (ring,) = desk.rings(desk.at(1).caller("k1"))
    desk.at(2).send(e.AgentAnswered(ring.ring_id))
    desk.send(e.Bridged("k1"))
    desk.at(5).send(e.AgentPaused("a1", "lunch"))
    assert state_of(desk, "a1") is AgentState.ON_CALL
    desk.at(6).caller("k2")
    desk.at(30).send(e.HungUp("k1"))
    assert state_of(desk, "a1") is AgentState.WRAP_UP
    out = desk.at(40).send(e.TimerFired(WrapUpTimer("a1")))
    seat = desk.engine.desk.seats["a1"]
    assert (seat.state, seat.reason) == (AgentState.PAUSED, "lunch")
    assert desk.rings(out) == []


def test_pause_asked_while_ringing_applies_when_the_ring_ends() -> None:
    desk = Desk({"a1": {"urp"}})
    desk.at(0).ready("a1")
    (ring,) = desk.rings(desk.at(1).caller("k1"))
    desk.at(2).send(e.AgentPaused("a1", "break"))
    desk.at(3).send(e.HungUp("k1"))  # the caller left
    assert desk.engine.desk.seats["a1"].state is AgentState.PAUSED
    assert c.StopRinging(ring.ring_id) in desk.said


def test_unknown_pause_reason_is_refused() -> None:
    desk = Desk({"a1": {"urp"}}, policy=RoutingPolicy(pause_reasons=("break",)))
    desk.ready("a1")
    with pytest.raises(UnknownPauseReason, match="known: break"):
        desk.send(e.AgentPaused("a1", "nap"))
    assert desk.engine.desk.seats["a1"].state is AgentState.READY


def test_every_transition_is_recorded_with_its_time() -> None:
    desk = Desk({"a1": {"urp"}})
    desk.at(0).ready("a1")
    desk.at(5).send(e.AgentPaused("a1", "training"))
    recorded = [(x.state, x.reason, x.at) for x in desk.said if isinstance(x, c.RecordAgentState)]
    assert recorded == [
        ("paused", "login", desk.at(0).now),
        ("ready", "", desk.at(0).now),
        ("paused", "training", desk.at(5).now),
    ]
