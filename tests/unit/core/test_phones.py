"""Ringing where the agent's phone is: the browser softphone while it is registered, else a
desk phone with a fixed contact (or registered); an agent with no phone to ring is offered
nothing, keeps its state and misses no ring, and is offered calls again when a phone is back."""

from __future__ import annotations

from acd.core import commands as c
from acd.core import events as e
from acd.core.model import Phone, RoutingPolicy
from acd.core.timers import RingTimer
from agents.states import AgentState
from tests.unit.core.helpers import Desk


def web_only(*agents: str, policy: RoutingPolicy | None = None) -> Desk:
    return Desk({a: {"urp"} for a in agents}, ring=4, policy=policy, web_only=frozenset(agents))


def test_an_agent_whose_only_phone_is_an_unregistered_browser_is_offered_nothing() -> None:
    desk = web_only("a1")
    desk.ready("a1")
    assert desk.rings(desk.at(1).caller("k1")) == []
    agent = desk.engine.agent_view("a1")
    assert (agent.state, agent.phone, agent.reason) == (AgentState.READY, None, "")
    queue = desk.engine.view().queue("urp")
    assert queue is not None
    assert (queue.waiting, queue.agents_staffed, queue.agents_ready) == (1, 1, 0)
    assert not [x for x in desk.said if isinstance(x, c.LogWarning)]


def test_the_browser_registering_brings_the_waiting_call_to_it() -> None:
    desk = web_only("a1")
    desk.ready("a1")
    desk.at(1).caller("k1")
    (ring,) = desk.rings(desk.at(5).send(e.PhoneRegistered("a1", "a1-web")))
    assert (ring.agent_id, ring.endpoint, ring.call_id) == ("a1", "a1-web", "k1")
    assert desk.engine.agent_view("a1").phone is Phone.WEB


def test_the_browser_rings_before_the_desk_phone_and_the_desk_phone_after_it() -> None:
    desk = Desk({"a1": {"urp"}}, ring=4)
    desk.ready("a1")
    (ring,) = desk.rings(desk.caller("k1"))
    assert ring.endpoint == "a1"  # a fixed contact: always reachable
    desk.send(e.AgentAnswered(ring.ring_id))
    desk.send(e.Bridged("k1"))
    desk.send(e.PhoneRegistered("a1", "a1-web"))
    desk.send(e.HungUp("k1"))  # no wrap-up: ready again
    (ring,) = desk.rings(desk.at(10).caller("k2"))
    assert ring.endpoint == "a1-web"
    desk.send(e.HungUp("k2"))
    desk.send(e.PhoneUnregistered("a1", "a1-web"))
    (ring,) = desk.rings(desk.at(20).caller("k3"))
    assert ring.endpoint == "a1"


def test_a_desk_phone_without_a_fixed_contact_rings_while_registered() -> None:
    desk = web_only("a1")
    desk.ready("a1")
    desk.send(e.PhoneRegistered("a1", "a1"))
    assert desk.engine.agent_view("a1").phone is Phone.DESK
    (ring,) = desk.rings(desk.caller("k1"))
    assert ring.endpoint == "a1"


def test_a_phone_going_away_while_ringing_is_no_missed_ring() -> None:
    policy = RoutingPolicy(max_missed=1)
    desk = web_only("a1", policy=policy)
    desk.ready("a1")
    desk.send(e.PhoneRegistered("a1", "a1-web"))
    (ring,) = desk.rings(desk.caller("k1"))
    desk.at(1).send(e.PhoneUnregistered("a1", "a1-web"))  # the browser closed
    out = desk.at(4).send(e.TimerFired(RingTimer(ring.ring_id)))
    assert c.StopRinging(ring.ring_id) in out
    agent = desk.engine.agent_view("a1")
    assert (agent.state, agent.phone) == (AgentState.READY, None)  # not paused: no miss
    assert desk.engine.desk.seats["a1"].missed == 0
    queue = desk.engine.view().queue("urp")
    assert queue is not None
    assert [v.position for v in queue.calls] == [1]  # the call waits at its place
    (again,) = desk.rings(desk.at(9).send(e.PhoneRegistered("a1", "a1-web")))
    assert again.call_id == "k1"


def test_a_reachable_agent_still_misses_a_ring_it_lets_pass() -> None:
    desk = web_only("a1", policy=RoutingPolicy(max_missed=1))
    desk.ready("a1")
    desk.send(e.PhoneRegistered("a1", "a1-web"))
    (ring,) = desk.rings(desk.caller("k1"))
    desk.at(4).send(e.TimerFired(RingTimer(ring.ring_id)))
    agent = desk.engine.agent_view("a1")
    assert (agent.state, agent.reason) == (AgentState.PAUSED, "missed calls")


def test_an_agent_back_on_its_phone_keeps_its_place_in_the_idle_line() -> None:
    desk = web_only("a1", "a2")
    for agent in ("a1", "a2"):
        desk.send(e.PhoneRegistered(agent, f"{agent}-web"))
    desk.at(1).ready("a1")
    desk.at(2).ready("a2")
    desk.at(3).send(e.PhoneUnregistered("a1", "a1-web"))
    desk.at(4).send(e.PhoneRegistered("a1", "a1-web"))
    (ring,) = desk.rings(desk.at(5).caller("k1"))
    assert ring.agent_id == "a1"  # idle the longest, unreachable for a second meanwhile


def test_the_listing_after_a_login_says_which_phones_are_registered() -> None:
    desk = web_only("a1", "a2")
    desk.send(e.PhoneRegistered("a1", "a1-web"))
    desk.ready("a1", "a2")
    out = desk.send(e.PhonesListed(frozenset({("a2", "a2-web"), ("a2", "a2")})))
    assert (desk.engine.agent_view("a1").phone, desk.engine.agent_view("a2").phone) == (
        None,
        Phone.WEB,
    )
    assert not [x for x in out if isinstance(x, c.LogWarning)]
    (ring,) = desk.rings(desk.caller("k1"))
    assert ring.agent_id == "a2"


def test_a_phone_that_is_not_the_agents_is_said_and_ignored() -> None:
    desk = web_only("a1")
    for event in (e.PhoneRegistered("a1", "a2-web"), e.PhoneRegistered("nobody", "nobody-web")):
        (warning,) = desk.send(event)
        assert isinstance(warning, c.LogWarning)
        assert "not a phone of agent" in warning.text
    assert desk.engine.agent_view("a1").phone is None


def test_reachability_is_no_state_change_of_the_agent() -> None:
    desk = web_only("a1")
    desk.ready("a1")
    out = desk.send(e.PhoneRegistered("a1", "a1-web"))
    out += desk.send(e.PhoneUnregistered("a1", "a1-web"))
    assert not [x for x in out if isinstance(x, c.RecordAgentState)]
    assert desk.engine.agent_view("a1").state is AgentState.READY


def test_the_wait_estimate_counts_only_the_agents_that_can_be_reached() -> None:
    desk = web_only("a1")
    desk.ready("a1")
    assert desk.engine.service_estimate("urp") != 0.0
    desk.send(e.PhoneRegistered("a1", "a1-web"))
    assert desk.engine.service_estimate("urp") == 0.0


def test_the_check_after_a_login_offers_nothing_to_a_ready_agent_with_no_phone() -> None:
    desk = web_only("a1")
    desk.ready("a1")
    desk.at(1).caller("k1")
    assert desk.rings(desk.at(2).send(e.ChannelsListed(frozenset({"k1"})))) == []
    assert desk.engine.agent_view("a1").state is AgentState.READY
