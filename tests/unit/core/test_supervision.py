"""A supervisor's requests in the core: move a waiting call, raise its priority, listen to /
whisper to / barge in on an agent's call; each refused with its reason where it makes no
sense, and a refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from acd.core import commands as c
from acd.core import events as e
from acd.core import supervision as s
from acd.core.engine import UnknownAgent
from acd.core.model import (
    Limit,
    OverflowAction,
    OverflowKind,
    PriorityReason,
    Relax,
    RoutingPolicy,
    ServiceRules,
    SpyMode,
)
from acd.core.requirements import parse
from acd.core.timers import MaxWaitTimer, RelaxTimer
from agents.states import AgentState
from tests.unit.core.helpers import T0, Desk
from tests.unit.core.test_controls import talking

BOTH = {"urp", "informagiovani"}


def spying(out: list[c.Command]) -> c.SpyOnAgent:
    (spy,) = [x for x in out if isinstance(x, c.SpyOnAgent)]
    return spy


def place(desk: Desk, call_id: str) -> int | None:
    view = desk.engine.call_view(call_id)
    assert view is not None
    return view.position


def unchanged(desk: Desk, request: e.Event, error: type[s.SupervisionRefused]) -> str:
    """``request`` is refused with ``error`` and leaves the center as it was: its message."""
    before = desk.engine.view()
    with pytest.raises(error) as refused:
        desk.send(request)
    assert desk.engine.view() == before
    return str(refused.value)


# -- moving a waiting call -----------------------------------------------------------------


def test_a_waiting_call_moves_to_another_service_keeping_its_place_from_its_first_entry() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"informagiovani"}})
    desk.send(e.AgentLoggedIn("a1"))
    desk.send(e.AgentLoggedIn("a2"))
    desk.at(0).caller("k1", "urp")
    desk.at(5).caller("k2", "informagiovani")
    desk.at(10).caller("k3", "informagiovani")
    out = desk.at(20).send(e.SupervisorMovedCall("k1", "informagiovani"))
    assert place(desk, "k1") == 1  # it came first: ahead of those who came after it
    assert (place(desk, "k2"), place(desk, "k3")) == (2, 3)
    saved = [x.contact for x in out if isinstance(x, c.SaveContact)]
    assert saved[-1].service_path == ("urp", "informagiovani")
    view = desk.engine.call_view("k1")
    assert view is not None
    assert view.service == "informagiovani"
    assert desk.engine.view().queue("urp").calls == ()  # type: ignore[union-attr]


def test_a_moved_call_is_offered_to_a_ready_agent_of_its_new_service_at_once() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"informagiovani"}})
    desk.send(e.AgentLoggedIn("a1"))
    desk.caller("k1", "urp")
    desk.ready("a2")
    (ring,) = desk.rings(desk.send(e.SupervisorMovedCall("k1", "informagiovani")))
    assert (ring.agent_id, ring.call_id) == ("a2", "k1")


def test_a_move_cancels_the_old_services_timers_and_starts_the_new_ones_from_the_move() -> None:
    rules = {
        "urp": ServiceRules("URP", relax=(Relax(30, parse("informagiovani >= 1")),)),
        "informagiovani": ServiceRules(
            "IG", max_wait_seconds=60,
            overflow={Limit.TIMEOUT: OverflowAction(OverflowKind.MESSAGE, "later")}),
    }  # fmt: skip
    desk = Desk({"a1": {"urp"}, "a2": {"informagiovani"}}, rules=rules)
    desk.send(e.AgentLoggedIn("a1"))
    desk.send(e.AgentLoggedIn("a2"))
    desk.at(0).caller("k1", "urp")
    out = desk.at(100).send(e.SupervisorMovedCall("k1", "informagiovani"))
    assert c.CancelTimer(RelaxTimer("k1")) in out
    started = {x.key: x.at for x in out if isinstance(x, c.StartTimer)}
    assert started == {MaxWaitTimer("k1"): T0 + timedelta(seconds=160)}  # not at once


def test_moves_that_make_no_sense_are_refused_and_change_nothing() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"informagiovani"}})
    desk.send(e.AgentLoggedIn("a1"))
    desk.caller("k1", "urp")
    message = unchanged(desk, e.SupervisorMovedCall("nobody", "urp"), s.UnknownCall)
    assert "'nobody'" in message
    message = unchanged(desk, e.SupervisorMovedCall("k1", "anagrafe"), s.UnknownTarget)
    assert "anagrafe" in message
    assert "urp" in message
    unchanged(desk, e.SupervisorMovedCall("k1", "urp"), s.SameService)
    message = unchanged(desk, e.SupervisorMovedCall("k1", "informagiovani"), s.NobodyThere)
    assert "nobody is logged in" in message


def test_only_a_waiting_call_moves_or_is_raised() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}})
    desk.send(e.AgentLoggedIn("a2"))
    desk.send(e.CallArrived("k0", "PJSIP/citizens-k0", "059", "0592"))  # still in the IVR
    assert "IVR" in unchanged(desk, e.SupervisorRaisedPriority("k0", 3), s.NotWaiting)
    desk.ready("a1")
    desk.caller("k1")  # rings a1
    assert "ringing" in unchanged(desk, e.SupervisorMovedCall("k1", "x"), s.NotWaiting)
    assert "ringing" in unchanged(desk, e.SupervisorRaisedPriority("k1", 3), s.NotWaiting)
    ring = desk.engine.agent_view("a1")
    assert ring.state is AgentState.RINGING
    leg = next(r.ring_id for r in desk.engine.view().rings if r.call_id == "k1")
    desk.send(e.AgentAnswered(leg))
    desk.send(e.Bridged("k1"))
    assert "talking" in unchanged(desk, e.SupervisorRaisedPriority("k1", 3), s.NotWaiting)


# -- raising its priority ------------------------------------------------------------------


def test_a_raised_call_goes_ahead_of_those_that_waited_less_than_its_points_are_worth() -> None:
    desk = Desk({"a1": {"urp"}}, policy=RoutingPolicy(aging_seconds=60))
    desk.send(e.AgentLoggedIn("a1"))
    desk.at(0).caller("k1")
    desk.at(100).caller("k2")
    desk.at(200).caller("k3")
    desk.at(210).send(e.SupervisorRaisedPriority("k3", 3))  # 3 points: 180 s ahead
    assert [place(desk, k) for k in ("k1", "k3", "k2")] == [1, 2, 3]
    view = desk.engine.call_view("k3")
    assert view is not None
    assert (view.priority, view.priority_reasons) == (3, ((PriorityReason.SUPERVISOR, 3.0),))


def test_a_raise_without_points_gives_the_centers_and_raises_add_up() -> None:
    desk = Desk({"a1": {"urp"}}, policy=RoutingPolicy(supervisor_priority=4))
    desk.send(e.AgentLoggedIn("a1"))
    desk.caller("k1", priority=1)
    desk.send(e.SupervisorRaisedPriority("k1"))
    desk.send(e.SupervisorRaisedPriority("k1", 2))
    view = desk.engine.call_view("k1")
    assert view is not None
    assert dict(view.priority_reasons) == {PriorityReason.IVR: 1, PriorityReason.SUPERVISOR: 6}
    assert view.priority == 7


def test_a_raised_call_is_offered_first_to_the_next_ready_agent() -> None:
    desk = Desk({"a1": {"urp"}})
    desk.send(e.AgentLoggedIn("a1"))
    desk.at(0).caller("k1")
    desk.at(1).caller("k2")
    desk.send(e.SupervisorRaisedPriority("k2", 1))
    (ring,) = desk.rings(desk.send(e.AgentWentReady("a1")))
    assert ring.call_id == "k2"


@pytest.mark.parametrize("points", [-1, 101])
def test_points_out_of_range_are_refused(points: int) -> None:
    desk = Desk({"a1": {"urp"}})
    desk.send(e.AgentLoggedIn("a1"))
    desk.caller("k1")
    assert "1 to 100" in unchanged(desk, e.SupervisorRaisedPriority("k1", points), s.BadPoints)


# -- listen, whisper, barge ----------------------------------------------------------------


@pytest.mark.parametrize("mode", list(SpyMode))
def test_a_supervisor_listens_to_an_agents_call_from_its_phone(mode: SpyMode) -> None:
    desk = Desk({"a1": {"urp"}})
    leg = talking(desk)
    out = desk.send(e.SupervisorListened("sup", "a1", mode, "sup-web"))
    spy = spying(out)
    assert (spy.supervisor, spy.endpoint, spy.agent_id, spy.agent_leg, spy.mode) == (
        "sup", "sup-web", "a1", leg, mode)  # fmt: skip
    assert spy.spy_id.startswith(desk.engine.rings.prefix)
    assert spy.spy_id != leg
    (seen,) = desk.engine.view().spies
    assert (seen.supervisor, seen.agent_id, seen.call_id, seen.mode) == ("sup", "a1", "k1", mode)
    agent = desk.engine.agent_view("a1")  # the agent's own view says nothing of it
    assert (agent.state, agent.reason) == (AgentState.ON_CALL, "")


def test_a_call_on_hold_can_be_listened_to() -> None:
    desk = Desk({"a1": {"urp"}})
    talking(desk)
    desk.send(e.AgentHeldCall("a1"))
    spying(desk.send(e.SupervisorListened("sup", "a1", SpyMode.LISTEN, "sup")))


def test_the_spy_ends_when_its_channel_hangs_up_or_its_phone_could_not_ring() -> None:
    desk = Desk({"a1": {"urp"}})
    talking(desk)
    spy = spying(desk.send(e.SupervisorListened("sup", "a1", SpyMode.LISTEN, "sup")))
    assert desk.send(e.HungUp(spy.spy_id)) == []
    assert desk.engine.view().spies == ()
    assert desk.engine.agent_view("a1").state is AgentState.ON_CALL  # the call goes on
    spy = spying(desk.send(e.SupervisorListened("sup", "a1", SpyMode.BARGE, "sup")))
    desk.send(e.RingFailed(spy.spy_id, "unreachable"))
    assert desk.engine.view().spies == ()
    assert desk.engine.agent_view("a1").state is AgentState.ON_CALL


def test_stop_hangs_the_spy_up_and_may_be_asked_again() -> None:
    desk = Desk({"a1": {"urp"}})
    talking(desk)
    spy = spying(desk.send(e.SupervisorListened("sup", "a1", SpyMode.WHISPER, "sup")))
    assert desk.send(e.SupervisorStoppedListening("sup")) == [c.HangUpChannel(spy.spy_id)]
    assert desk.send(e.SupervisorStoppedListening("sup")) == [c.HangUpChannel(spy.spy_id)]
    desk.send(e.HungUp(spy.spy_id))
    unchanged(desk, e.SupervisorStoppedListening("sup"), s.NotListening)


def test_when_the_agents_part_of_the_call_ends_the_spy_is_hung_up_once() -> None:
    desk = Desk({"a1": {"urp"}})
    leg = talking(desk)
    spy = spying(desk.send(e.SupervisorListened("sup", "a1", SpyMode.LISTEN, "sup")))
    out = desk.send(e.HungUp("k1"))  # the caller leaves
    assert out.count(c.HangUpChannel(spy.spy_id)) == 1
    assert desk.send(e.HungUp(leg)).count(c.HangUpChannel(spy.spy_id)) == 0
    desk.send(e.HungUp(spy.spy_id))
    assert desk.engine.view().spies == ()


def test_a_transfer_ends_the_spy_on_the_agent_who_transferred() -> None:
    desk = Desk({"a1": BOTH, "a2": BOTH})
    desk.send(e.AgentLoggedIn("a2"))
    talking(desk)
    spy = spying(desk.send(e.SupervisorListened("sup", "a1", SpyMode.LISTEN, "sup")))
    out = desk.send(e.AgentTransferredToService("a1", "informagiovani"))
    assert c.HangUpChannel(spy.spy_id) in out


def test_listening_that_makes_no_sense_is_refused_and_changes_nothing() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}})
    with pytest.raises(UnknownAgent):
        desk.send(e.SupervisorListened("sup", "nobody", SpyMode.LISTEN, "sup"))
    message = unchanged(desk, e.SupervisorListened("sup", "a1", SpyMode.LISTEN, "sup"),
                        s.NothingToHear)  # fmt: skip
    assert "logged_out" in message
    desk.ready("a1")
    (ring,) = desk.rings(desk.caller("k1"))
    unchanged(desk, e.SupervisorListened("sup", "a1", SpyMode.LISTEN, "sup"), s.NothingToHear)
    desk.send(e.AgentAnswered(ring.ring_id))  # answered, not yet bridged
    unchanged(desk, e.SupervisorListened("sup", "a1", SpyMode.LISTEN, "sup"), s.NothingToHear)
    desk.send(e.Bridged("k1"))
    spying(desk.send(e.SupervisorListened("sup", "a1", SpyMode.LISTEN, "sup")))
    message = unchanged(desk, e.SupervisorListened("sup", "a1", SpyMode.BARGE, "sup"),
                        s.AlreadyListening)  # fmt: skip
    assert "stop that first" in message
    spying(desk.send(e.SupervisorListened("other", "a1", SpyMode.LISTEN, "other")))
    desk.send(e.TelephonyLost("cut"))
    unchanged(desk, e.SupervisorListened("third", "a1", SpyMode.LISTEN, "x"), s.NoTelephony)


def test_after_an_ami_login_a_spy_gone_is_forgotten_and_one_still_there_left_alone() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}})
    leg = talking(desk)
    spy = spying(desk.send(e.SupervisorListened("sup", "a1", SpyMode.LISTEN, "sup")))
    desk.send(e.TelephonyLost("cut"))
    desk.send(e.TelephonyReconnected())
    out = desk.send(e.ChannelsListed(frozenset({"k1", leg, spy.spy_id}), bridged=frozenset({"k1"})))
    assert c.HangUpChannel(spy.spy_id) not in out  # not taken for a stale leg of ours
    assert len(desk.engine.view().spies) == 1
    desk.send(e.TelephonyLost("cut"))
    desk.send(e.TelephonyReconnected())
    desk.send(e.ChannelsListed(frozenset({"k1", leg}), bridged=frozenset({"k1"})))
    assert desk.engine.view().spies == ()


def test_a_raise_is_written_on_the_callers_channel_and_a_restart_gives_it_back() -> None:
    desk = Desk({"a1": {"urp"}}, policy=RoutingPolicy(aging_seconds=60))
    desk.send(e.AgentLoggedIn("a1"))
    desk.at(0).caller("k1")
    desk.at(100).caller("k2", priority=1)
    out = desk.at(110).send(e.SupervisorRaisedPriority("k2", 2))
    out += desk.send(e.SupervisorRaisedPriority("k2", 1))
    notes = [x for x in out if isinstance(x, c.NoteBoost)]
    assert [(n.call_id, n.points) for n in notes] == [("k2", 2.0), ("k2", 3.0)]  # the total
    assert notes[0].caller_channel.endswith("k2")
    # A new engine: the channel's variables give k2 its IVR priority and the supervisor's
    # points back; 1 + 3 points are 240 s with 60 s aging, so it goes ahead of k1 (100 s)
    again = Desk({"a1": {"urp"}}, policy=RoutingPolicy(aging_seconds=60))
    again.send(e.AgentLoggedIn("a1"))
    for key, entered, priority, boost in (("k1", 0, 0, 0.0), ("k2", 100, 1, 3.0)):
        at = T0 + timedelta(seconds=entered)
        again.at(120).send(e.CallerResumed(key, f"PJSIP/citizens-{key}", "059111", "0592",
                                           "urp", at, priority, boost=boost))  # fmt: skip
    view = again.engine.call_view("k2")
    assert view is not None
    assert dict(view.priority_reasons) == {PriorityReason.IVR: 1, PriorityReason.SUPERVISOR: 3}
    (ring,) = again.rings(again.send(e.AgentWentReady("a1")))
    assert ring.call_id == "k2"


def test_a_spy_switches_mode_on_the_same_phone_call() -> None:
    desk = Desk({"a1": {"urp"}})
    talking(desk)
    spy = spying(desk.send(e.SupervisorListened("sup", "a1", SpyMode.LISTEN, "sup")))
    out = desk.send(e.SupervisorChangedMode("sup", SpyMode.WHISPER))
    assert out == [c.SwitchSpyMode(spy.spy_id, SpyMode.WHISPER)]  # no hang-up, no new ring
    assert desk.send(e.SupervisorChangedMode("sup", SpyMode.BARGE)) == [
        c.SwitchSpyMode(spy.spy_id, SpyMode.BARGE)
    ]
    assert desk.send(e.SupervisorChangedMode("sup", SpyMode.BARGE)) == []  # already
    (seen,) = desk.engine.view().spies
    assert (seen.spy_id, seen.mode) == (spy.spy_id, SpyMode.BARGE)
    unchanged(desk, e.SupervisorChangedMode("other", SpyMode.BARGE), s.NotListening)
    desk.send(e.SupervisorStoppedListening("sup"))  # hanging up: nothing left to switch
    unchanged(desk, e.SupervisorChangedMode("sup", SpyMode.LISTEN), s.NotListening)
