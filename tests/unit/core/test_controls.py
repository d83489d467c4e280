"""The agent's call controls in the core: hang up, hold and resume, transfers; each refused
with its reason where it makes no sense, and a refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from acd.core import commands as c
from acd.core import controls as k
from acd.core import events as e
from acd.core.engine import UnknownAgent
from acd.core.model import (
    Limit,
    OverflowAction,
    OverflowKind,
    PriorityReason,
    RoutingPolicy,
    ServiceRules,
)
from acd.core.timers import MaxWaitTimer, RingTimer
from agents.states import AgentState
from tests.unit.core.helpers import T0, Desk

BOTH = {"urp", "informagiovani"}


def informagiovani(desk: Desk) -> Desk:
    """a2, who takes Informagiovani's calls, logged in (paused): someone serves it."""
    desk.send(e.AgentLoggedIn("a2"))
    return desk


def talking(desk: Desk, agent: str = "a1", call: str = "k1", service: str = "urp") -> str:
    """``agent`` answers ``call`` and talks with it; the ring id (the agent's leg)."""
    desk.ready(agent)
    (ring,) = desk.rings(desk.caller(call, service))
    assert ring.agent_id == agent
    desk.send(e.AgentAnswered(ring.ring_id))
    desk.send(e.Bridged(call))
    return ring.ring_id


def state(desk: Desk, agent: str) -> AgentState:
    return desk.engine.agent_view(agent).state


# -- hang up -------------------------------------------------------------------------------


def test_hang_up_hangs_up_the_agents_leg_and_the_call_ends_answered_on_its_hang_up() -> None:
    desk = Desk({"a1": {"urp"}}, wrap=30)
    leg = talking(desk)
    out = desk.at(40).send(e.AgentHungUpCall("a1"))
    assert out == [c.HangUpChannel(leg)]
    assert state(desk, "a1") is AgentState.ON_CALL  # until Asterisk says the leg is gone
    desk.at(41).send(e.HungUp(leg))
    contact = desk.contact("k1")
    assert (contact.outcome, contact.agent_id, contact.talk_seconds()) == ("answered", "a1", 41)
    assert state(desk, "a1") is AgentState.WRAP_UP


def test_a_call_being_hung_up_takes_no_other_control_but_a_hang_up_again() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}})
    leg = talking(desk)
    desk.send(e.AgentHungUpCall("a1"))
    for request in (e.AgentHeldCall("a1"), e.AgentTransferredToService("a1", "urp")):
        with pytest.raises(k.CallEnding):
            desk.send(request)
    assert desk.send(e.AgentHungUpCall("a1")) == [c.HangUpChannel(leg)]  # (the first lost?)
    desk.send(e.HungUp(leg))
    ended = [x for x in desk.said if isinstance(x, c.SaveContact) and x.contact.ended_at]
    assert len(ended) == 1


def test_hang_up_before_the_bridge_is_allowed_and_the_caller_waits_again() -> None:
    desk = Desk({"a1": {"urp"}}, wrap=30)
    desk.ready("a1")
    (ring,) = desk.rings(desk.caller("k1"))
    desk.send(e.AgentAnswered(ring.ring_id))
    assert desk.send(e.AgentHungUpCall("a1")) == [c.HangUpChannel(ring.ring_id)]
    desk.send(e.HungUp(ring.ring_id))
    view = desk.engine.call_view("k1")
    assert view is not None
    assert view.stage.value == "waiting"


@pytest.mark.parametrize(
    "request_",
    [e.AgentHungUpCall("a1"), e.AgentHeldCall("a1"), e.AgentResumedCall("a1"),
     e.AgentTransferredToService("a1", "urp"), e.AgentTransferredToAgent("a1", "a2")],
)  # fmt: skip
def test_every_control_needs_a_call_answered(request_: e.Event) -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}})
    with pytest.raises(k.NoCall, match="logged_out"):
        desk.send(request_)
    desk.ready("a1", "a2")
    with pytest.raises(k.NoCall, match="ready"):
        desk.send(request_)
    desk.caller("k1")  # rings a1
    with pytest.raises(k.NotTalking):
        desk.send(request_)


def test_a_control_of_an_unknown_agent_or_without_telephony_is_refused() -> None:
    desk = Desk({"a1": {"urp"}})
    with pytest.raises(UnknownAgent):
        desk.send(e.AgentHungUpCall("nobody"))
    talking(desk)
    desk.send(e.TelephonyLost("cut"))
    with pytest.raises(k.TelephonyDown):
        desk.send(e.AgentHungUpCall("a1"))


# -- hold and resume -----------------------------------------------------------------------


def test_hold_moves_both_legs_out_and_resume_bridges_them_again() -> None:
    desk = Desk({"a1": {"urp"}})
    leg = talking(desk)
    assert desk.send(e.AgentHeldCall("a1")) == [c.HoldCall("k1", "PJSIP/citizens-k1", leg)]
    call, agent = desk.engine.call_view("k1"), desk.engine.agent_view("a1")
    assert call is not None
    assert (call.held, agent.call_held, agent.state) == (True, True, AgentState.ON_CALL)
    with pytest.raises(k.AlreadyHeld):
        desk.send(e.AgentHeldCall("a1"))
    assert desk.send(e.AgentResumedCall("a1")) == [c.Connect("k1", "PJSIP/citizens-k1", leg)]
    assert not desk.engine.agent_view("a1").call_held
    with pytest.raises(k.NotHeld):
        desk.send(e.AgentResumedCall("a1"))
    desk.send(e.Bridged("k1"))  # the bridge made again: nothing changes
    assert desk.engine.agent_view("a1").state is AgentState.ON_CALL


def test_hold_needs_the_call_bridged() -> None:
    desk = Desk({"a1": {"urp"}})
    desk.ready("a1")
    (ring,) = desk.rings(desk.caller("k1"))
    desk.send(e.AgentAnswered(ring.ring_id))
    with pytest.raises(k.NotTalking):
        desk.send(e.AgentHeldCall("a1"))


def test_a_caller_hanging_up_on_hold_ends_the_call_and_the_agents_silent_leg() -> None:
    desk = Desk({"a1": {"urp"}})
    leg = talking(desk)
    desk.send(e.AgentHeldCall("a1"))
    out = desk.at(30).send(e.HungUp("k1"))
    assert c.HangUpChannel(leg) in out
    assert desk.contact("k1").outcome == "answered"
    assert state(desk, "a1") is AgentState.READY  # no wrap-up in this service


def test_an_agent_hanging_up_on_hold_ends_the_call_and_the_callers_music() -> None:
    desk = Desk({"a1": {"urp"}})
    leg = talking(desk)
    desk.send(e.AgentHeldCall("a1"))
    out = desk.at(30).send(e.HungUp(leg))
    assert c.HangUpChannel("k1") in out
    assert desk.contact("k1").outcome == "answered"


def test_a_hang_up_after_a_resume_leaves_the_legs_to_their_bridge() -> None:
    desk = Desk({"a1": {"urp"}})
    leg = talking(desk)
    desk.send(e.AgentHeldCall("a1"))
    desk.send(e.AgentResumedCall("a1"))
    out = desk.at(30).send(e.HungUp(leg))
    assert c.HangUpChannel("k1") not in out


def test_a_hold_asterisk_refuses_leaves_the_call_talking() -> None:
    desk = Desk({"a1": {"urp"}})
    talking(desk)
    desk.send(e.AgentHeldCall("a1"))
    out = desk.send(e.HoldFailed("k1", "No such channel"))
    assert not desk.engine.agent_view("a1").call_held
    assert any(isinstance(x, c.LogWarning) for x in out)


def test_a_resume_asterisk_refuses_leaves_the_call_on_hold_or_ends_it_if_the_caller_left() -> None:
    desk = Desk({"a1": {"urp"}})
    leg = talking(desk)
    desk.send(e.AgentHeldCall("a1"))
    desk.send(e.AgentResumedCall("a1"))
    desk.send(e.ConnectFailed(leg, caller_gone=False, reason="busy"))
    assert desk.engine.agent_view("a1").call_held
    desk.send(e.AgentResumedCall("a1"))
    out = desk.send(e.ConnectFailed(leg, caller_gone=True, reason="No such channel"))
    assert c.HangUpChannel(leg) in out
    assert desk.contact("k1").outcome == "answered"


# -- transfer to a service -----------------------------------------------------------------


def test_a_transfer_requeues_the_caller_in_the_service_and_the_agent_goes_to_wrap_up() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"informagiovani"}}, wrap=60)
    informagiovani(desk)
    leg = talking(desk)  # k1 entered at T0
    desk.at(120)
    out = desk.send(e.AgentTransferredToService("a1", "informagiovani"))
    requeue = c.RequeueCaller("k1", "PJSIP/citizens-k1", "informagiovani")
    assert out.index(requeue) < out.index(c.HangUpChannel(leg))  # the caller first
    assert state(desk, "a1") is AgentState.WRAP_UP
    view = desk.engine.call_view("k1")
    assert view is not None
    assert (view.stage.value, view.service, view.agent_id) == ("waiting", "informagiovani", None)
    assert view.service_path == ("urp", "informagiovani")
    assert view.entered_at == T0  # its first entry: its place
    assert (PriorityReason.TRANSFER, 2.0) in view.priority_reasons
    assert desk.engine.agent_view("a1").talk_seconds_today == 120


def test_the_transferred_call_is_one_contact_answered_first_talked_to_last() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"informagiovani"}})
    informagiovani(desk)
    talking(desk)
    desk.at(100).send(e.AgentTransferredToService("a1", "informagiovani"))
    (ring,) = desk.rings(desk.at(110).send(e.AgentWentReady("a2")))
    assert (ring.agent_id, ring.call_id) == ("a2", "k1")
    desk.send(e.AgentAnswered(ring.ring_id))
    desk.send(e.Bridged("k1"))
    desk.at(200).send(e.HungUp("k1"))
    contact = desk.contact("k1")
    assert (contact.outcome, contact.agent_id) == ("answered", "a2")
    assert contact.service_path == ("urp", "informagiovani")
    assert contact.answered_at == T0  # answered when it first was: its wait is the first
    assert contact.answered_in == "urp"  # and where: the reports count its answer there
    assert desk.engine.agent_view("a2").talk_seconds_today == 90
    ended = [x.contact for x in desk.said if isinstance(x, c.SaveContact) and x.contact.ended_at]
    assert len(ended) == 1


def test_a_transferred_call_goes_ahead_of_calls_that_came_after_it() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"informagiovani"}})
    informagiovani(desk)
    talking(desk)  # k1 at T0
    desk.at(5).caller("k2", "informagiovani")  # after k1's entry, before its transfer
    desk.at(60).send(e.AgentTransferredToService("a1", "informagiovani"))
    (ring,) = desk.rings(desk.at(61).send(e.AgentWentReady("a2")))
    assert ring.call_id == "k1"


def test_the_transfer_boost_is_the_centers() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"informagiovani"}},
                policy=RoutingPolicy(transfer_priority=5))  # fmt: skip
    informagiovani(desk)
    talking(desk)
    desk.send(e.AgentTransferredToService("a1", "informagiovani"))
    view = desk.engine.call_view("k1")
    assert view is not None
    assert view.priority == 5


def test_a_transfer_counts_the_maximum_wait_from_its_re_entry() -> None:
    rules = {
        "urp": ServiceRules("URP"),
        "informagiovani": ServiceRules(
            "Informagiovani", max_wait_seconds=60,
            overflow={Limit.TIMEOUT: OverflowAction(OverflowKind.MESSAGE, "later")},
        ),
    }  # fmt: skip
    desk = Desk({"a1": {"urp"}, "a2": {"informagiovani"}}, rules=rules)
    informagiovani(desk)
    talking(desk)
    out = desk.at(600).send(e.AgentTransferredToService("a1", "informagiovani"))
    due = T0 + timedelta(seconds=660)
    assert c.StartTimer(MaxWaitTimer("k1"), due) in out
    assert not any(isinstance(x, c.RedirectCaller) for x in out)


def test_a_held_call_may_be_transferred() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"informagiovani"}})
    informagiovani(desk)
    leg = talking(desk)
    desk.send(e.AgentHeldCall("a1"))
    out = desk.send(e.AgentTransferredToService("a1", "informagiovani"))
    assert c.HangUpChannel(leg) in out
    view = desk.engine.call_view("k1")
    assert view is not None
    assert not view.held


def test_transfers_to_a_service_are_refused_with_their_reason() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"informagiovani"}})
    desk.ready("a1")
    (ring,) = desk.rings(desk.caller("k1"))
    desk.send(e.AgentAnswered(ring.ring_id))
    with pytest.raises(k.NotTalking):  # answered, not yet bridged
        desk.send(e.AgentTransferredToService("a1", "informagiovani"))
    desk.send(e.Bridged("k1"))
    with pytest.raises(k.UnknownService):
        desk.send(e.AgentTransferredToService("a1", "tributi"))
    with pytest.raises(k.NobodyServes):  # a2 is logged out
        desk.send(e.AgentTransferredToService("a1", "informagiovani"))
    assert state(desk, "a1") is AgentState.ON_CALL  # nothing changed
    view = desk.engine.call_view("k1")
    assert view is not None
    assert view.stage.value == "talking"


# -- transfer to a colleague ---------------------------------------------------------------


def test_a_transfer_to_a_ready_colleague_rings_the_colleague_for_the_call() -> None:
    desk = Desk({"a1": BOTH, "a2": BOTH, "a3": BOTH})
    leg = talking(desk, "a3", "k0")
    talking(desk, "a2")
    desk.ready("a1")
    out = desk.at(30).send(e.AgentTransferredToAgent("a2", "a1"))
    (ring,) = desk.rings(out)
    assert (ring.agent_id, ring.call_id) == ("a1", "k1")
    assert c.RequeueCaller("k1", "PJSIP/citizens-k1", "urp") in out
    assert state(desk, "a2") is AgentState.READY  # no wrap-up in this service
    desk.send(e.AgentAnswered(ring.ring_id))
    desk.send(e.Bridged("k1"))
    desk.at(90).send(e.HungUp("k1"))
    contact = desk.contact("k1")
    assert (contact.agent_id, contact.service_path) == ("a1", ("urp",))
    assert leg  # a3 still talks with k0


def test_a_colleague_who_does_not_answer_leaves_the_call_waiting_in_its_queue() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}})
    desk.ready("a2")
    talking(desk, "a1")
    out = desk.at(10).send(e.AgentTransferredToAgent("a1", "a2"))
    (ring,) = desk.rings(out)
    out = desk.at(25).send(e.TimerFired(RingTimer(ring.ring_id)))
    (again,) = desk.rings(out)  # a1 is ready again and is rung, not a2 who missed it
    assert (again.agent_id, again.call_id) == ("a1", "k1")


def test_transfers_to_a_colleague_are_refused_with_their_reason() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}})
    talking(desk)
    with pytest.raises(k.UnknownColleague):
        desk.send(e.AgentTransferredToAgent("a1", "nobody"))
    with pytest.raises(k.SameAgent):
        desk.send(e.AgentTransferredToAgent("a1", "a1"))
    with pytest.raises(k.ColleagueNotReady, match="logged_out"):
        desk.send(e.AgentTransferredToAgent("a1", "a2"))
    desk.send(e.AgentPaused("a2", "break"))
    with pytest.raises(k.ColleagueNotReady, match="paused"):
        desk.send(e.AgentTransferredToAgent("a1", "a2"))
    assert state(desk, "a1") is AgentState.ON_CALL
