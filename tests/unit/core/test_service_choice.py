"""An agent works a chosen subset of the services it holds: at login, and changed while
logged in (``AgentLoggedIn.services``, ``AgentChoseServices``)."""

from __future__ import annotations

import pytest

from acd.core import commands as c
from acd.core import events as e
from acd.core.desk import (
    NoServiceChosen,
    NotLoggedIn,
    ServiceChoiceRefused,
    ServiceNotHeld,
    UnknownServiceChosen,
)
from acd.core.engine import UnknownAgent
from acd.core.model import Limit, OverflowAction, OverflowKind, Relax, ServiceRules
from acd.core.requirements import parse
from acd.core.timers import RelaxTimer, RingTimer, WrapUpTimer
from agents.states import AgentState, IllegalMove
from tests.unit.core.helpers import Desk

NOBODY = OverflowAction(OverflowKind.MESSAGE, "nobody")
RULES = {
    "anagrafe": ServiceRules("Anagrafe", overflow={Limit.NO_AGENTS: NOBODY}),
    "tributi": ServiceRules("Tributi", overflow={Limit.NO_AGENTS: NOBODY}),
    "urp": ServiceRules("URP"),
}
BOTH = {"anagrafe", "tributi"}


def municipal(**more: set[str]) -> Desk:
    """a1 and a2 hold anagrafe and tributi; a3 only tributi."""
    return Desk({"a1": BOTH, "a2": BOTH, "a3": {"tributi"}, **more}, rules=RULES)


def staffed(desk: Desk, service: str) -> int:
    queue = desk.engine.view().queue(service)
    assert queue is not None
    return queue.agents_staffed


def redirected(out: list[c.Command]) -> list[str]:
    return [x.call_id for x in out if isinstance(x, c.RedirectCaller)]


def test_an_agent_logged_in_to_one_service_is_offered_only_its_calls() -> None:
    desk = municipal()
    desk.at(0).send(e.AgentLoggedIn("a1", ("anagrafe",)))
    desk.ready("a1")
    assert (staffed(desk, "anagrafe"), staffed(desk, "tributi")) == (1, 0)
    assert redirected(desk.at(1).caller("k1", "tributi")) == ["k1"]  # nobody works it
    desk.send(e.AgentLoggedIn("a2"))  # none named: all it holds
    desk.ready("a2")
    (ring,) = desk.rings(desk.at(2).caller("k2", "tributi"))
    assert ring.agent_id == "a2"  # a1 was idle longer, but does not work tributi now
    (ring,) = desk.rings(desk.at(3).caller("k3", "anagrafe"))
    assert ring.agent_id == "a1"
    a1, a2 = desk.engine.agent_view("a1"), desk.engine.agent_view("a2")
    assert (a1.services, a2.services) == (("anagrafe",), ("anagrafe", "tributi"))
    assert desk.engine.services_of("a1") == ("anagrafe", "tributi")  # still what it holds


def test_a_ready_agent_takes_the_oldest_call_of_the_services_it_works_only() -> None:
    desk = municipal()
    desk.send(e.AgentLoggedIn("a3"))  # tributi, paused: k1 waits for it
    desk.at(1).caller("k1", "tributi")
    desk.at(3).send(e.AgentLoggedIn("a1", ("anagrafe",)))
    desk.at(4).caller("k3", "anagrafe")
    (ring,) = desk.rings(desk.at(5).send(e.AgentWentReady("a1")))
    assert (ring.agent_id, ring.call_id) == ("a1", "k3")  # k1 waited longer, in tributi


def test_a_choice_at_login_is_checked_and_a_refused_one_changes_nothing() -> None:
    desk = municipal()
    for services, refusal in [(("anagrafe", "sport"), UnknownServiceChosen),
                              (("anagrafe",), ServiceNotHeld)]:  # fmt: skip
        with pytest.raises(refusal) as refused:
            desk.send(e.AgentLoggedIn("a3", services))
        assert isinstance(refused.value, ServiceChoiceRefused)
        assert desk.engine.desk.seats["a3"].state is AgentState.LOGGED_OUT
    assert "sport" in str(UnknownServiceChosen("sport", ("urp",)))
    with pytest.raises(ServiceNotHeld, match=r"a3 does not hold 'anagrafe'.*holds: tributi"):
        desk.send(e.AgentLoggedIn("a3", ("anagrafe",)))
    assert desk.said == []
    with pytest.raises(UnknownAgent):
        desk.send(e.AgentLoggedIn("a9", ("tributi",)))


def test_logging_in_again_is_an_illegal_move_and_keeps_the_first_choice() -> None:
    desk = municipal()
    desk.send(e.AgentLoggedIn("a1", ("anagrafe",)))
    with pytest.raises(IllegalMove):
        desk.send(e.AgentLoggedIn("a1", ("tributi",)))
    assert desk.engine.agent_view("a1").services == ("anagrafe",)
    assert (staffed(desk, "anagrafe"), staffed(desk, "tributi")) == (1, 0)


@pytest.mark.parametrize(
    ("services", "refusal"),
    [
        ((), NoServiceChosen),
        (("sport",), UnknownServiceChosen),
        (("tributi", "urp"), ServiceNotHeld),
    ],
)
def test_a_refused_choice_while_logged_in_changes_nothing(
    services: tuple[str, ...], refusal: type[ServiceChoiceRefused]
) -> None:
    desk = municipal()
    desk.send(e.AgentLoggedIn("a1", ("anagrafe",)))
    desk.ready("a1")
    before = len(desk.said)
    with pytest.raises(refusal):
        desk.send(e.AgentChoseServices("a1", services))
    assert len(desk.said) == before
    assert desk.engine.agent_view("a1").services == ("anagrafe",)
    assert (staffed(desk, "anagrafe"), staffed(desk, "tributi")) == (1, 0)
    assert desk.rings(desk.caller("k1", "anagrafe"))[0].agent_id == "a1"


def test_a_logged_out_agent_chooses_at_login_only() -> None:
    desk = municipal()
    with pytest.raises(NotLoggedIn, match="a1 is logged out"):
        desk.send(e.AgentChoseServices("a1", ("anagrafe",)))
    assert desk.said == []
    assert desk.engine.agent_view("a1").services == ("anagrafe", "tributi")


def test_a_service_added_while_ready_is_matched_at_once() -> None:
    desk = municipal()
    desk.send(e.AgentLoggedIn("a2", ("anagrafe",)))  # keeps tributi staffed: k1 waits
    desk.send(e.AgentLoggedIn("a1", ("anagrafe",)))
    desk.ready("a1")
    desk.send(e.AgentChoseServices("a2", ("anagrafe", "tributi")))  # paused: nothing rings
    desk.send(e.AgentChoseServices("a2", ("anagrafe",)))
    desk.send(e.AgentLoggedIn("a3"))  # tributi, paused
    assert desk.rings(desk.at(1).caller("k1", "tributi")) == []
    out = desk.at(2).send(e.AgentChoseServices("a1", ("tributi",)))
    (ring,) = desk.rings(out)
    assert (ring.agent_id, ring.call_id) == ("a1", "k1")
    assert (staffed(desk, "anagrafe"), staffed(desk, "tributi")) == (1, 2)


def test_leaving_a_service_nobody_else_works_overflows_its_waiting_calls() -> None:
    desk = municipal()
    desk.send(e.AgentLoggedIn("a1"))  # paused, both services
    desk.send(e.AgentLoggedIn("a2", ("anagrafe",)))
    desk.at(1).caller("k1", "tributi")
    desk.at(2).caller("k2", "anagrafe")
    out = desk.at(3).send(e.AgentChoseServices("a1", ("anagrafe",)))
    assert redirected(out) == ["k1"]  # as when the last agent logs out
    assert desk.contact("k1").outcome == "overflow"
    out = desk.at(4).send(e.AgentChoseServices("a2", ("tributi",)))
    assert redirected(out) == []  # a1 still works anagrafe: k2 waits
    assert desk.engine.call_view("k2") is not None


def test_a_choice_on_a_call_applies_to_the_next_offers() -> None:
    desk = Desk({"a1": BOTH}, rules=RULES)
    desk.ready("a1")
    (ring,) = desk.rings(desk.at(1).caller("k1", "anagrafe"))
    desk.at(2).send(e.AgentAnswered(ring.ring_id))
    desk.send(e.Bridged("k1"))
    desk.at(3).caller("k2", "anagrafe")
    desk.at(4).caller("k3", "tributi")
    out = desk.at(5).send(e.AgentChoseServices("a1", ("tributi",)))
    assert redirected(out) == ["k2"]  # nobody works anagrafe now
    assert desk.engine.agent_view("a1").call_id == "k1"  # its call stays its own
    (ring,) = desk.rings(desk.at(9).send(e.HungUp("k1")))
    assert (ring.agent_id, ring.call_id) == ("a1", "k3")


def test_the_call_of_a_ring_whose_agent_left_its_service_overflows_if_missed() -> None:
    desk = municipal()
    desk.ready("a1")
    (ring,) = desk.rings(desk.at(1).caller("k1", "tributi"))
    desk.at(2).send(e.AgentChoseServices("a1", ("anagrafe",)))  # it still rings
    assert desk.engine.agent_view("a1").state is AgentState.RINGING
    out = desk.at(16).send(e.TimerFired(RingTimer(ring.ring_id)))
    assert redirected(out) == ["k1"]  # nobody would take it: not left waiting for no one
    assert desk.rings(out) == []


def test_logging_out_forgets_the_choice() -> None:
    desk = municipal()
    desk.send(e.AgentLoggedIn("a1", ("anagrafe",)))
    desk.send(e.AgentLoggedOut("a1"))
    assert desk.engine.agent_view("a1").services == ("anagrafe", "tributi")
    desk.ready("a1")  # logs in to all it holds
    assert (staffed(desk, "anagrafe"), staffed(desk, "tributi")) == (1, 1)
    assert desk.rings(desk.caller("k1", "tributi"))[0].agent_id == "a1"


def test_a_wrap_up_ended_by_logout_then_a_new_choice() -> None:
    desk = Desk({"a1": BOTH}, rules={**RULES, "tributi": ServiceRules("T", wrap_up_seconds=30)})
    desk.ready("a1")
    (ring,) = desk.rings(desk.at(1).caller("k1", "tributi"))
    desk.at(2).send(e.AgentAnswered(ring.ring_id))
    desk.send(e.Bridged("k1"))
    desk.at(3).send(e.HungUp("k1"))
    desk.send(e.AgentChoseServices("a1", ("anagrafe",)))  # in wrap-up: allowed
    out = desk.at(4).send(e.AgentLoggedOut("a1"))
    assert c.CancelTimer(WrapUpTimer("a1")) in out
    desk.send(e.AgentLoggedIn("a1", ("tributi",)))
    assert desk.engine.agent_view("a1").services == ("tributi",)


def test_pools_made_after_the_choice_follow_it() -> None:
    """A call with the IVR's own requirement, and a relaxation step, make new pools: they
    count and offer only the agents who work their service."""
    rules = {
        "anagrafe": ServiceRules("Anagrafe", requirement=parse("anagrafe >= 2"),
                                 relax=(Relax(10, parse("anagrafe >= 1")),)),
        "tributi": ServiceRules("Tributi"),
    }  # fmt: skip
    desk = Desk({"a1": {"anagrafe": 1, "tributi": 1, "lang.en": 1},
                 "a2": {"anagrafe": 1, "lang.en": 1}}, rules=rules)  # fmt: skip
    desk.send(e.AgentLoggedIn("a1", ("tributi",)))
    desk.send(e.AgentLoggedIn("a2"))
    desk.ready("a1", "a2")
    assert desk.rings(desk.at(1).caller("k1", "anagrafe", requirement="lang.en >= 1")) == []
    (ring,) = desk.rings(desk.at(11).send(e.TimerFired(RelaxTimer("k1"))))
    assert ring.agent_id == "a2"  # a1 qualifies as well, idle longer, but works tributi
    pool = desk.engine.admission.router.pools[("anagrafe", 1, "lang.en >= 1")]
    assert pool.eligible == {"a1", "a2"}
    assert pool.staffed == 1


def test_the_estimate_counts_only_the_agents_who_work_the_service() -> None:
    desk = municipal()
    desk.send(e.AgentLoggedIn("a1", ("anagrafe",)))
    desk.ready("a1")
    assert desk.engine.service_estimate("anagrafe") == 0
    assert desk.engine.service_estimate("tributi") is None  # nobody works it
    desk.send(e.AgentChoseServices("a1", ("tributi",)))
    assert desk.engine.service_estimate("tributi") == 0
