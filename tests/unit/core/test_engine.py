from acd.core import commands as c
from acd.core import events as e
from acd.core.timers import RingTimer, WrapUpTimer
from agents.states import AgentState
from tests.unit.core.helpers import Desk


def test_call_rings_longest_idle_agent_then_connects_on_answer() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}})
    desk.at(0).ready("a2")
    desk.at(5).ready("a1")
    (ring,) = desk.rings(desk.at(10).caller("k1"))
    assert ring.agent_id == "a2"
    assert ring.caller_channel == "PJSIP/citizens-k1"
    out = desk.at(12).send(e.AgentAnswered(ring.ring_id))
    assert c.Connect("k1", "PJSIP/citizens-k1", ring.ring_id) in out
    desk.send(e.Bridged("k1"))
    desk.at(70).send(e.HungUp("k1"))
    contact = desk.contact("k1")
    assert contact.outcome == "answered"
    assert contact.wait_seconds() == 2
    assert contact.talk_seconds() == 58
    assert contact.agent_id == "a2"


def test_ring_no_answer_moves_on_and_call_keeps_its_place() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}}, ring=15)
    desk.at(0).ready("a1")
    desk.at(1).ready("a2")
    (first,) = desk.rings(desk.at(2).caller("k1"))
    desk.at(3).caller("k2")
    assert len(desk.rings(desk.at(3).caller("k3"))) <= 1
    out = desk.at(17).send(e.TimerFired(RingTimer(first.ring_id)))
    assert c.StopRinging(first.ring_id) in out
    # a1 went to the back of the idle line; it is the only ready agent, k1 is still first.
    (again,) = desk.rings(out)
    assert again.call_id == "k1"
    assert again.agent_id == "a1"


def test_failed_ring_tries_next_agent() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}})
    desk.at(0).ready("a1", "a2")
    (first,) = desk.rings(desk.at(1).caller("k1"))
    (second,) = desk.rings(desk.at(2).send(e.HungUp(first.ring_id, "busy")))
    assert second.agent_id != first.agent_id
    assert second.call_id == "k1"


def test_caller_hanging_up_while_waiting_is_abandoned_with_wait() -> None:
    desk = Desk({"a1": {"urp"}})
    desk.at(0).caller("k1")
    desk.at(42).send(e.HungUp("k1"))
    contact = desk.contact("k1")
    assert contact.outcome == "abandoned"
    assert contact.wait_seconds() == 42
    assert len(desk.engine.admission.queues["urp"]) == 0


def test_caller_hanging_up_while_agent_rings_stops_the_ring() -> None:
    desk = Desk({"a1": {"urp"}})
    desk.ready("a1")
    (ring,) = desk.rings(desk.at(1).caller("k1"))
    out = desk.at(3).send(e.HungUp("k1"))
    assert c.StopRinging(ring.ring_id) in out
    assert desk.engine.desk.seats["a1"].state is AgentState.READY


def test_fifo_across_queues_agent_serving_two_services() -> None:
    desk = Desk({"a1": {"urp", "demografici"}})
    desk.at(0).caller("k1", "demografici")
    desk.at(1).caller("k2", "urp")
    (ring,) = desk.rings(desk.send(e.AgentWentReady("a1")))
    assert ring.call_id == "k1"


def test_priority_before_arrival() -> None:
    desk = Desk({"a1": {"urp"}})
    desk.at(0).caller("k1")
    desk.at(1).caller("k2", priority=5)
    (ring,) = desk.rings(desk.send(e.AgentWentReady("a1")))
    assert ring.call_id == "k2"


def test_wrap_up_holds_next_call_until_timer() -> None:
    desk = Desk({"a1": {"urp"}}, wrap=10)
    desk.ready("a1")
    (ring,) = desk.rings(desk.at(1).caller("k1"))
    desk.send(e.AgentAnswered(ring.ring_id))
    desk.send(e.Bridged("k1"))
    desk.at(30).send(e.HungUp(ring.ring_id))
    assert desk.engine.desk.seats["a1"].state is AgentState.WRAP_UP
    assert desk.rings(desk.at(31).caller("k2")) == []
    (next_ring,) = desk.rings(desk.at(40).send(e.TimerFired(WrapUpTimer("a1"))))
    assert next_ring.call_id == "k2"


def test_paused_agent_gets_no_call() -> None:
    desk = Desk({"a1": {"urp"}})
    desk.ready("a1")
    desk.send(e.AgentPaused("a1", "back office"))
    assert desk.rings(desk.at(1).caller("k1")) == []
    assert desk.engine.desk.seats["a1"].reason == "back office"


def test_answer_after_call_gone_hangs_up_agent_leg() -> None:
    desk = Desk({"a1": {"urp"}})
    out = desk.send(e.AgentAnswered("cz-unknown"))
    assert out == [c.HangUpChannel("cz-unknown")]


def test_a_leg_bridging_itself_gets_no_bridge_from_the_core() -> None:
    desk = Desk({"a1": {"urp"}})
    desk.ready("a1")
    (ring,) = desk.rings(desk.at(1).caller("k1"))
    out = desk.at(2).send(e.AgentAnswered(ring.ring_id, bridging=True, call_id="k1"))
    assert not [x for x in out if isinstance(x, c.Connect)]
    assert c.CancelTimer(RingTimer(ring.ring_id)) in out
    desk.send(e.Bridged("k1"))
    desk.at(30).send(e.HungUp("k1"))
    contact = desk.contact("k1")
    assert (contact.outcome, contact.agent_id, contact.talk_seconds()) == ("answered", "a1", 28)


def test_a_failed_bridge_of_the_leg_itself_is_made_by_the_core() -> None:
    desk = Desk({"a1": {"urp"}})
    desk.ready("a1")
    (ring,) = desk.rings(desk.at(1).caller("k1"))
    desk.at(2).send(e.AgentAnswered(ring.ring_id, bridging=True, call_id="k1"))
    out = desk.send(e.ConnectFailed(ring.ring_id, caller_gone=False, reason="Bridge: FAILURE"))
    assert c.Connect("k1", "PJSIP/citizens-k1", ring.ring_id) in out


def test_a_ring_dropped_but_answered_bridging_sends_its_caller_back_to_wait() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}}, ring=15)
    desk.at(0).ready("a1")
    (first,) = desk.rings(desk.at(1).caller("k1"))
    desk.at(16).send(e.TimerFired(RingTimer(first.ring_id)))  # timed out: a1 missed it
    out = desk.at(16).send(e.AgentAnswered(first.ring_id, bridging=True, call_id="k1"))
    # its dialplan marked k1 done and bridged it: unmarked and back in the loop, then the
    # leg hung up (the order matters: the bridge's end would otherwise end k1's call)
    assert out == [c.RequeueCaller("k1", "PJSIP/citizens-k1", "urp"),
                   c.HangUpChannel(first.ring_id)]  # fmt: skip
    assert len(desk.engine.admission.queues["urp"]) == 1  # k1 keeps its place


def test_a_late_bridging_answer_leaves_a_caller_already_talking_alone() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}}, ring=15)
    desk.at(0).ready("a1")
    (first,) = desk.rings(desk.at(1).caller("k1"))
    desk.at(2).ready("a2")
    (second,) = desk.rings(desk.at(16).send(e.TimerFired(RingTimer(first.ring_id))))
    desk.at(18).send(e.AgentAnswered(second.ring_id, bridging=True, call_id="k1"))
    out = desk.at(18).send(e.AgentAnswered(first.ring_id, bridging=True, call_id="k1"))
    assert out == [c.HangUpChannel(first.ring_id)]


def test_service_estimate_for_a_caller_about_to_enter() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}})
    assert desk.engine.service_estimate("nowhere") is None
    desk.ready("a1", "a2")
    (ring,) = desk.rings(desk.at(0).caller("k1"))
    desk.send(e.AgentAnswered(ring.ring_id))
    desk.send(e.Bridged("k1"))
    desk.at(120).send(e.HungUp("k1"))
    assert desk.engine.service_estimate("urp") == 0  # both agents free again
    desk.at(121).caller("k2")
    desk.at(122).caller("k3")
    estimate = desk.engine.service_estimate("urp")  # both busy: third in line
    assert estimate is not None
    assert estimate > 0
