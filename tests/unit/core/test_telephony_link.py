"""The core across an AMI outage: nothing offered while it lasts, what ended unseen is closed
after it, a ring that could not be sent is no miss, a failed bridge never loops."""

from __future__ import annotations

from acd.core import commands as c
from acd.core import events as e
from acd.core.contact import EndCause
from acd.core.model import Limit, OverflowAction, OverflowKind, RoutingPolicy, ServiceRules
from acd.core.timers import MaxWaitTimer, RingTimer
from agents.states import AgentState
from tests.unit.core.helpers import Desk


def outage(desk: Desk) -> None:
    desk.send(e.TelephonyLost("connection closed by Asterisk"))


def back(desk: Desk, *live: str, answered: tuple[str, ...] = ()) -> list[c.Command]:
    desk.send(e.TelephonyReconnected())
    return desk.send(e.ChannelsListed(frozenset(live), frozenset(answered)))


def state(desk: Desk, agent_id: str) -> tuple[AgentState, str]:
    seat = desk.engine.desk.seats[agent_id]
    return seat.state, seat.reason


def test_a_caller_who_hung_up_unseen_is_closed_and_never_rung() -> None:
    desk = Desk({"a1": {"urp"}})
    desk.at(0).caller("k1")
    outage(desk)
    desk.at(20).ready("a1")  # ready during the outage: nothing is offered
    assert not desk.rings(desk.said)
    out = back(desk.at(25))  # Asterisk has no channel for k1
    assert not desk.rings(out)
    contact = desk.contact("k1")
    assert (contact.outcome, contact.end_cause) == ("abandoned", EndCause.TELEPHONY_LOST)
    assert "k1" not in desk.engine.admission.calls
    assert len(desk.engine.admission.queues["urp"]) == 0
    assert state(desk, "a1") == (AgentState.READY, "")
    assert any(isinstance(x, c.LogWarning) and "ended unseen" in x.text for x in out)


def test_a_caller_queued_during_the_outage_is_offered_once_it_is_back() -> None:
    desk = Desk({"a1": {"urp"}})
    desk.at(0).ready("a1")
    outage(desk)
    assert not desk.rings(desk.at(5).caller("k1"))  # the IVR still queues over FastAGI
    assert state(desk, "a1") == (AgentState.READY, "")
    (ring,) = desk.rings(back(desk.at(9), "k1"))
    assert (ring.call_id, ring.agent_id) == ("k1", "a1")


def test_calls_wait_in_order_and_are_offered_in_order_after_the_outage() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}})
    outage(desk)
    desk.at(1).caller("k1")
    desk.at(2).caller("k2")
    desk.at(3).caller("k3")
    desk.at(4).ready("a1", "a2")
    rings = desk.rings(back(desk.at(6), "k1", "k2", "k3"))
    assert [r.call_id for r in rings] == ["k1", "k2"]


def test_a_call_known_after_the_login_is_not_taken_for_gone() -> None:
    desk = Desk({"a1": {"urp"}})
    outage(desk)
    desk.send(e.TelephonyReconnected())
    desk.at(1).caller("k9")  # arrived over FastAGI after the channels were asked for
    desk.at(1).ready("a1")
    (ring,) = desk.rings(desk.at(2).send(e.ChannelsListed(frozenset())))
    assert ring.call_id == "k9"


def test_a_ring_that_could_not_be_sent_is_no_miss_and_never_pauses() -> None:
    desk = Desk({"a1": {"urp"}}, policy=RoutingPolicy(max_missed=1))
    desk.at(0).ready("a1")
    (ring,) = desk.rings(desk.at(1).caller("k1"))
    desk.send(e.TelephonyLost("not connected"))  # the adapter says it before the failure
    out = desk.send(e.RingFailed(ring.ring_id, "not connected to AMI", missed=False))
    assert not desk.rings(out)
    assert state(desk, "a1") == (AgentState.READY, "telephony")
    assert desk.engine.desk.seats["a1"].missed == 0
    (again,) = desk.rings(back(desk.at(3), "k1"))
    assert (again.call_id, again.agent_id) == ("k1", "a1")


def test_a_ring_timing_out_during_the_outage_is_no_miss() -> None:
    desk = Desk({"a1": {"urp"}}, ring=10, policy=RoutingPolicy(max_missed=1))
    desk.at(0).ready("a1")
    (ring,) = desk.rings(desk.at(1).caller("k1"))
    outage(desk)
    out = desk.at(11).send(e.TimerFired(RingTimer(ring.ring_id)))
    assert c.StopRinging(ring.ring_id) in out
    assert state(desk, "a1") == (AgentState.READY, "telephony")
    out = back(desk.at(12), "k1", ring.ring_id)  # its hang-up failed: still ringing
    assert c.HangUpChannel(ring.ring_id) in out  # the stale leg goes
    (again,) = desk.rings(out)
    assert again.call_id == "k1"


def test_a_ring_answered_unseen_is_connected() -> None:
    desk = Desk({"a1": {"urp"}})
    desk.at(0).ready("a1")
    (ring,) = desk.rings(desk.at(1).caller("k1"))
    outage(desk)
    out = back(desk.at(3), "k1", ring.ring_id, answered=(ring.ring_id,))
    assert c.Connect("k1", "PJSIP/citizens-k1", ring.ring_id) in out
    assert state(desk, "a1") == (AgentState.ON_CALL, "")
    assert desk.contact("k1").answered_at == desk.now


def test_a_ring_whose_leg_ended_unseen_frees_the_agent_without_a_miss() -> None:
    desk = Desk({"a1": {"urp"}}, policy=RoutingPolicy(max_missed=1))
    desk.at(0).ready("a1")
    assert desk.rings(desk.at(1).caller("k1"))
    outage(desk)
    (again,) = desk.rings(back(desk.at(30), "k1"))
    assert (again.call_id, again.agent_id) == ("k1", "a1")
    assert desk.engine.desk.seats["a1"].missed == 0


def test_a_conversation_still_bridged_stays_and_one_ended_unseen_closes() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}}, wrap=30)
    desk.at(0).ready("a1", "a2")
    r1, r2 = desk.rings(desk.at(1).caller("k1") + desk.at(1).caller("k2"))
    for ring, call in ((r1, "k1"), (r2, "k2")):
        desk.at(2).send(e.AgentAnswered(ring.ring_id))
        desk.send(e.Bridged(call))
    outage(desk)
    out = back(desk.at(62), "k1", r1.ring_id)  # k2 and its agent hung up unseen
    assert "k1" in desk.engine.admission.calls
    assert desk.engine.admission.calls["k1"].connected
    contact = desk.contact("k2")
    assert (contact.outcome, contact.end_cause) == ("answered", EndCause.TELEPHONY_LOST)
    assert contact.talk_seconds() == 60
    assert state(desk, r2.agent_id)[0] is AgentState.WRAP_UP
    assert state(desk, r1.agent_id)[0] is AgentState.ON_CALL
    assert not [x for x in out if isinstance(x, c.HangUpChannel | c.Connect)]


def test_an_overflow_that_falls_due_during_the_outage_is_made_once_it_is_back() -> None:
    later = {Limit.TIMEOUT: OverflowAction(OverflowKind.MESSAGE, "later")}
    rules = {"urp": ServiceRules("urp", max_wait_seconds=30, overflow=later)}
    desk = Desk({"a1": {"backoffice"}}, rules=rules)
    desk.at(0).ready("a1")
    desk.at(0).caller("k1")
    outage(desk)
    out = desk.at(30).send(e.TimerFired(MaxWaitTimer("k1")))
    assert not [x for x in out if isinstance(x, c.RedirectCaller)]  # it cannot reach Asterisk
    out = back(desk.at(40), "k1")
    assert c.RedirectCaller("k1", "PJSIP/citizens-k1", "later") in out
    assert desk.contact("k1").outcome == "overflow"


def test_a_bridge_that_fails_because_the_caller_is_gone_ends_the_call() -> None:
    desk = Desk({"a1": {"urp"}})
    desk.at(0).ready("a1")
    (ring,) = desk.rings(desk.at(1).caller("k1"))
    desk.at(2).send(e.AgentAnswered(ring.ring_id))
    out = desk.send(e.ConnectFailed(ring.ring_id, caller_gone=True, reason="No such channel"))
    assert c.HangUpChannel(ring.ring_id) in out
    assert not desk.rings(out)
    assert "k1" not in desk.engine.admission.calls
    assert desk.contact("k1").outcome == "abandoned"
    assert state(desk, "a1")[0] is AgentState.READY  # wrap-up 0
    assert not desk.rings(desk.at(3).send(e.HungUp(ring.ring_id)))  # the leg's hang-up


def test_a_bridge_failing_for_another_reason_is_retried_then_the_call_ends() -> None:
    desk = Desk({"a1": {"urp"}})
    desk.at(0).ready("a1")
    (ring,) = desk.rings(desk.at(1).caller("k1"))
    desk.at(2).send(e.AgentAnswered(ring.ring_id))
    connect = c.Connect("k1", "PJSIP/citizens-k1", ring.ring_id)
    for _ in range(2):
        assert connect in desk.send(e.ConnectFailed(ring.ring_id, False, "no answer in 5 s"))
    out = desk.send(e.ConnectFailed(ring.ring_id, False, "no answer in 5 s"))
    assert connect not in out
    assert {c.HangUpChannel(ring.ring_id), c.HangUpChannel("k1")} <= set(out)
    contact = desk.contact("k1")
    assert (contact.outcome, contact.end_cause) == ("failed", EndCause.BRIDGE_FAILED)
    assert any(isinstance(x, c.LogWarning) and "3 times" in x.text for x in out)
    assert not desk.rings(out)


def test_a_bridge_failing_while_telephony_is_down_is_made_once_it_is_back() -> None:
    desk = Desk({"a1": {"urp"}})
    desk.at(0).ready("a1")
    (ring,) = desk.rings(desk.at(1).caller("k1"))
    desk.at(2).send(e.AgentAnswered(ring.ring_id))
    outage(desk)
    assert not desk.send(e.ConnectFailed(ring.ring_id, False, "not connected to AMI"))
    out = back(desk.at(4), "k1", ring.ring_id)
    assert c.Connect("k1", "PJSIP/citizens-k1", ring.ring_id) in out


def test_a_live_engine_offers_nothing_before_its_first_channel_check() -> None:
    desk = Desk({"a1": {"urp"}}, telephony_up=False)  # as the composition root makes it
    desk.at(0).ready("a1")
    assert not desk.rings(desk.at(1).caller("k1"))
    assert desk.rings(back(desk.at(2), "k1"))


def test_a_clean_stop_closes_every_open_contact_and_says_nothing_to_asterisk() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}})
    desk.at(0).ready("a1", "a2")
    r1, _ = desk.rings(desk.at(1).caller("k1") + desk.at(1).caller("k2"))
    desk.at(2).send(e.AgentAnswered(r1.ring_id))
    desk.send(e.Bridged("k1"))  # k1 talks with its agent, k2 rings the other
    desk.at(3).caller("k3")  # k3 waits
    desk.send(e.CallArrived("k4", "PJSIP/citizens-k4", "059111", "0592032032"))  # in the IVR
    desk.send(e.CallArrived("k5", "PJSIP/citizens-k5", "059111", "0592032032"))
    desk.send(e.IvrLeft("k5", ("9",), "self-service"))  # left the IVR, hang-up not yet seen
    out = desk.at(10).send(e.EngineStopping())
    fates = {k: (desk.contact(k).outcome, desk.contact(k).end_cause) for k in
             ("k1", "k2", "k3", "k4", "k5")}  # fmt: skip
    stop = EndCause.SYSTEM_STOP
    assert fates == {"k1": ("answered", stop), "k2": ("system-ended", stop),
                     "k3": ("system-ended", stop), "k4": ("system-ended", stop),
                     "k5": ("self-service", stop)}  # fmt: skip
    assert all(desk.contact(k).ended_at == desk.now for k in fates)
    assert desk.contact("k1").talk_seconds() == 8
    assert not desk.engine.admission.calls
    assert not [x for x in out if isinstance(x, c.TelephonyCommand)]
    assert not [x for x in out if isinstance(x, c.RecordAgentState)]  # agents as they were
    assert not desk.rings(desk.at(11).caller("k6"))  # nothing is offered any more


def test_calls_asterisk_cuts_as_it_stops_are_closed_as_cut_not_abandoned() -> None:
    """Asterisk stopping (a restart) hangs up a talk and a waiting caller: the waiting one
    is ``system-ended``, not an abandon; both say ``asterisk-stopped``; after the next login
    a hang-up is the caller's own again."""
    desk = Desk({"a1": {"urp"}})
    desk.at(0).ready("a1")
    (ring,) = desk.rings(desk.at(1).caller("k1"))
    desk.at(2).send(e.AgentAnswered(ring.ring_id))
    desk.send(e.Bridged("k1"))
    desk.at(3).caller("k2")  # waits
    out = desk.at(10).send(e.AsteriskStopping("k1"))
    assert any(isinstance(x, c.LogWarning) and "Asterisk is stopping" in x.text for x in out)
    desk.send(e.AsteriskStopping("k2"))  # (one per channel: said once)
    for call in ("k2", ring.ring_id, "k1"):  # (the agent's leg first: seen in CI)
        desk.send(e.HungUp(call, "Normal Clearing"))
    stopped = EndCause.ASTERISK_STOPPED
    assert (desk.contact("k1").outcome, desk.contact("k1").end_cause) == ("answered", stopped)
    assert (desk.contact("k2").outcome, desk.contact("k2").end_cause) == ("system-ended", stopped)
    outage(desk)
    back(desk.at(40))
    desk.at(41).caller("k3")
    desk.at(45).send(e.HungUp("k3", "Normal Clearing"))
    assert (desk.contact("k3").outcome, desk.contact("k3").end_cause) == ("abandoned", None)
