"""Consult transfer in the core: the agent talks with a colleague while its caller holds,
then completes or goes back; each way a consultation can end leaves nobody lost."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acd.core import commands as c
from acd.core import controls as k
from acd.core import events as e
from acd.core.engine import AcdError
from acd.core.model import ConsultEnd
from acd.core.timers import RingTimer, WrapUpTimer
from agents.states import AgentState, IllegalMove
from tests.unit.core.helpers import Desk
from tests.unit.core.test_controls import state, talking
from tests.unit.core.test_invariants import Action, Run, _talk, check

CALLER = "PJSIP/citizens-k1"


def consulting(desk: Desk, answered: bool = True) -> tuple[str, str]:
    """a1 talks with k1 and consults a2 (ready); (a1's leg, a2's leg)."""
    desk.ready("a2")
    leg = talking(desk, "a1")
    out = desk.at(10).send(e.AgentConsulted("a1", "a2"))
    (ring,) = desk.rings(out)
    if answered:
        desk.at(12).send(e.AgentAnswered(ring.ring_id))
    return leg, ring.ring_id


def test_a_consultation_holds_the_caller_and_rings_the_colleague_on_a_leg_of_its_own() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}}, ring=15)
    desk.ready("a2")
    leg = talking(desk, "a1")
    out = desk.at(10).send(e.AgentConsulted("a1", "a2"))
    assert out[0] == c.HoldCall("k1", CALLER, leg)
    (ring,) = desk.rings(out)
    assert (ring.agent_id, ring.call_id, ring.consult) == ("a2", "k1", True)
    assert state(desk, "a2") is AgentState.RINGING
    view = desk.engine.agent_view("a1")
    assert view.consult is not None
    assert (view.consult.colleague, view.consult.answered) == (
        "a2",
        False,
    )
    assert view.call_held
    out = desk.at(12).send(e.AgentAnswered(ring.ring_id))
    assert c.JoinConsult("k1", leg, ring.ring_id) in out
    assert state(desk, "a2") is AgentState.ON_CALL
    colleague = desk.engine.agent_view("a2")
    assert colleague.call_id == "k1"
    assert not colleague.call_held
    assert colleague.consult is not None
    assert colleague.consult.agent_id == "a1"


def test_a_call_on_hold_may_be_consulted_on_without_a_second_hold() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}})
    desk.ready("a2")
    talking(desk, "a1")
    desk.send(e.AgentHeldCall("a1"))
    out = desk.send(e.AgentConsulted("a1", "a2"))
    assert not [x for x in out if isinstance(x, c.HoldCall)]
    assert len(desk.rings(out)) == 1


def test_completing_hands_the_caller_to_the_colleague_as_one_contact() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}}, wrap=30)
    leg, other = consulting(desk)
    out = desk.at(20).send(e.AgentCompletedTransfer("a1"))
    assert c.CompleteTransfer("k1", CALLER, leg, other) in out
    assert state(desk, "a1") is AgentState.WRAP_UP
    assert state(desk, "a2") is AgentState.ON_CALL
    contact = desk.contact("k1")
    assert contact.agent_id == "a2"
    assert contact.answered_at == desk.contact("k1").answered_at
    assert desk.engine.agent_view("a2").answered_today == 1
    view = desk.engine.call_view("k1")
    assert view is not None
    assert (view.agent_id, view.held) == ("a2", False)
    desk.at(80).send(e.HungUp("k1"))  # the caller hangs up on a2
    ended = desk.contact("k1")
    assert (ended.outcome, ended.agent_id, ended.service_path) == ("answered", "a2", ("urp",))
    assert state(desk, "a2") is AgentState.WRAP_UP
    assert ended.answered_at is not None
    assert ended.answered_at < desk.now


def test_the_colleague_may_hold_and_transfer_once_it_has_the_call() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}})
    _, other = consulting(desk)
    desk.send(e.AgentCompletedTransfer("a1"))
    assert desk.send(e.AgentHeldCall("a2")) == [c.HoldCall("k1", CALLER, other)]
    assert desk.send(e.AgentResumedCall("a2")) == [c.Connect("k1", CALLER, other)]


def test_resuming_goes_back_to_the_caller_and_the_colleague_is_ready_with_no_wrap_up() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}}, wrap=30)
    leg, other = consulting(desk)
    out = desk.at(20).send(e.AgentResumedCall("a1"))
    assert out[0] == c.ReturnFromConsult("k1", CALLER, leg, other)
    assert state(desk, "a2") is AgentState.READY
    view = desk.engine.agent_view("a1")
    assert (view.state, view.call_held, view.consult) == (AgentState.ON_CALL, False, None)
    desk.send(e.HungUp(other))  # its leg's hang-up, after the engine's: nothing more
    assert state(desk, "a1") is AgentState.ON_CALL


def test_resuming_before_the_colleague_answers_stops_its_ring() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}})
    leg, other = consulting(desk, answered=False)
    out = desk.send(e.AgentResumedCall("a1"))
    assert c.StopRinging(other) in out
    assert c.Connect("k1", CALLER, leg) in out
    assert c.CancelTimer(RingTimer(other)) in out
    assert state(desk, "a2") is AgentState.READY
    assert desk.engine.agent_view("a2").reason != "missed"


@pytest.mark.parametrize("how", ["timer", "failed"])
def test_a_consultation_not_answered_leaves_the_caller_on_hold_and_counts_no_miss(
    how: str,
) -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}})
    _, other = consulting(desk, answered=False)
    if how == "timer":
        out = desk.at(30).send(e.TimerFired(RingTimer(other)))
        assert c.StopRinging(other) in out
    else:
        desk.send(e.RingFailed(other, "busy"))
    view = desk.engine.agent_view("a1")
    assert (view.call_held, view.consult, view.consult_ended) == (
        True,
        None,
        ConsultEnd.NOT_ANSWERED,
    )
    assert state(desk, "a2") is AgentState.READY
    assert desk.engine.agent_view("a2").reason == ""
    desk.send(e.AgentResumedCall("a1"))  # back to the caller, as after any hold
    assert desk.engine.agent_view("a1").consult_ended is None


def test_a_colleague_hanging_up_leaves_the_caller_on_hold_with_the_agent() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}})
    _, other = consulting(desk)
    desk.at(30).send(e.HungUp(other))
    view = desk.engine.agent_view("a1")
    assert (view.state, view.call_held, view.consult_ended) == (
        AgentState.ON_CALL,
        True,
        ConsultEnd.COLLEAGUE_LEFT,
    )
    assert state(desk, "a2") is AgentState.READY


def test_the_colleague_hangs_up_from_its_panel_and_may_do_nothing_else() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}})
    _, other = consulting(desk)
    for request in (e.AgentHeldCall("a2"), e.AgentCompletedTransfer("a2")):
        with pytest.raises(k.InConsultation):
            desk.send(request)
    assert desk.send(e.AgentHungUpCall("a2")) == [c.HangUpChannel(other)]


def test_the_caller_hanging_up_ends_the_call_and_the_consultation() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}}, wrap=30)
    leg, other = consulting(desk)
    out = desk.at(40).send(e.HungUp("k1"))
    assert c.HangUpChannel(other) in out
    assert c.HangUpChannel(leg) in out
    assert desk.contact("k1").outcome == "answered"
    assert state(desk, "a1") is AgentState.WRAP_UP
    assert state(desk, "a2") is AgentState.READY


def test_the_agent_hanging_up_once_the_colleague_answered_completes_the_transfer() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}})
    leg, other = consulting(desk)
    out = desk.at(40).send(e.HungUp(leg))
    assert c.CompleteTransfer("k1", CALLER, leg, other) in out
    assert desk.contact("k1").agent_id == "a2"
    assert state(desk, "a2") is AgentState.ON_CALL


def test_the_agent_hanging_up_before_the_colleague_answered_requeues_the_caller() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}, "a3": {"urp"}})
    leg, other = consulting(desk, answered=False)
    out = desk.at(40).send(e.HungUp(leg))
    assert c.StopRinging(other) in out
    assert c.RequeueCaller("k1", CALLER, "urp") in out
    (ring,) = desk.rings(out)  # a2, ready again, is rung for the caller at once
    assert (ring.agent_id, ring.call_id, ring.consult) == ("a2", "k1", False)


def test_controls_while_consulting_are_refused_with_their_reason() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}, "a3": {"urp"}})
    desk.ready("a3")
    consulting(desk, answered=False)
    for request in (
        e.AgentHungUpCall("a1"),
        e.AgentHeldCall("a1"),
        e.AgentTransferredToService("a1", "urp"),
        e.AgentTransferredToAgent("a1", "a3"),
        e.AgentConsulted("a1", "a3"),
    ):
        with pytest.raises(k.Consulting):
            desk.send(request)
    with pytest.raises(k.ConsultNotAnswered):
        desk.send(e.AgentCompletedTransfer("a1"))


def test_a_consultation_is_refused_with_its_reason() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}})
    with pytest.raises(k.NoCall):
        desk.send(e.AgentConsulted("a1", "a2"))
    talking(desk, "a1")
    with pytest.raises(k.NoConsultation):
        desk.send(e.AgentCompletedTransfer("a1"))
    with pytest.raises(k.ColleagueNotReady):
        desk.send(e.AgentConsulted("a1", "a2"))
    with pytest.raises(k.SameAgent):
        desk.send(e.AgentConsulted("a1", "a1"))
    with pytest.raises(k.UnknownColleague):
        desk.send(e.AgentConsulted("a1", "nobody"))
    view = desk.engine.agent_view("a1")
    assert (view.call_held, view.consult) == (False, None)  # a refusal changed nothing


def test_a_failed_bridge_of_the_two_agents_ends_the_consultation() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}})
    _, other = consulting(desk)
    out = desk.send(e.ConnectFailed(other, False, "no such channel"))
    assert c.HangUpChannel(other) in out
    assert desk.engine.agent_view("a1").consult_ended == ConsultEnd.FAILED
    assert state(desk, "a2") is AgentState.READY


def test_a_consulted_colleague_who_asked_for_a_pause_gets_it_after() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}})
    _, other = consulting(desk)
    desk.send(e.AgentPaused("a2", "break"))
    desk.send(e.HungUp(other))
    view = desk.engine.agent_view("a2")
    assert (view.state, view.reason) == (AgentState.PAUSED, "break")


# -- any sequence ----------------------------------------------------------------------------

AGENTS = ("a1", "a2", "a3")
consult_actions = st.one_of(
    st.tuples(st.just("consult"), st.sampled_from(AGENTS), st.sampled_from(AGENTS)),
    st.tuples(st.sampled_from(["complete", "answer"]), st.sampled_from(AGENTS), st.none()),
    st.tuples(st.just("consult"), st.sampled_from(AGENTS), st.sampled_from(AGENTS)),
    st.tuples(st.sampled_from(["complete", "resume", "hold", "hang-up-call", "ready"]),
              st.sampled_from(AGENTS), st.none()),
    st.tuples(st.sampled_from(["leg-gone", "answer", "ring-failed", "ring-timeout",
                               "connect-failed", "talk"]), st.integers(0, 30), st.booleans()),
    st.tuples(st.sampled_from(["caller-gone", "arrive"]), st.sampled_from(["k1", "k2", "k3"]),
              st.none()),
    st.tuples(st.sampled_from(["lost", "listed", "wrap-up-over"]), st.sampled_from(AGENTS),
              st.booleans()),
)  # fmt: skip
REQUESTS: dict[str, Callable[[str], e.Event]] = {
    "complete": e.AgentCompletedTransfer,
    "resume": e.AgentResumedCall,
    "hold": e.AgentHeldCall,
    "hang-up-call": e.AgentHungUpCall,
    "ready": e.AgentWentReady,
}


def _legs(run: Run) -> list[str]:
    return sorted({*run.ring_ids, *run.engine.rings.rings, *run.engine.consults.legs})


def _leg_event(kind: str, leg: str, flag: bool) -> e.Event:
    match kind:
        case "leg-gone":
            return e.HungUp(leg)
        case "answer":
            return e.AgentAnswered(leg)
        case "ring-failed":
            return e.RingFailed(leg, "busy", missed=flag)
        case "ring-timeout":
            return e.TimerFired(RingTimer(leg))
        case _:
            return e.ConnectFailed(leg, flag, "x")


def _listed(run: Run, extra: object) -> e.Event:
    engine = run.engine
    live = frozenset({*engine.admission.calls, *engine.rings.rings, *engine.consults.legs})
    return e.ChannelsListed(live, live if extra else frozenset())


def _step(run: Run, kind: str, target: object, extra: object) -> None:
    if kind == "answer" and target in AGENTS:  # the agent's consultation answered
        legs = [k.ring_id for k in run.engine.consults.legs.values() if k.colleague == target]
        run.send(e.AgentAnswered(legs[0] if legs else "none"))
    elif kind in REQUESTS:
        run.send(REQUESTS[kind](str(target)))
    elif kind in LEG_EVENTS:
        legs = _legs(run)
        if legs:
            run.send(_leg_event(kind, legs[int(str(target)) % len(legs)], bool(extra)))
    elif kind == "arrive":
        if not run.known(str(target)):
            run.caller(str(target))
    elif kind == "talk":
        _talk(run, target, extra)
    else:
        run.send(OTHERS[kind](run, target, extra))


LEG_EVENTS = ("leg-gone", "answer", "ring-failed", "ring-timeout", "connect-failed")
OTHERS: dict[str, Callable[[Run, object, object], e.Event]] = {
    "consult": lambda run, agent, colleague: e.AgentConsulted(str(agent), str(colleague)),
    "caller-gone": lambda run, call, _: e.HungUp(str(call)),
    "lost": lambda run, _, __: e.TelephonyLost("cut"),
    "listed": lambda run, _, extra: _listed(run, extra),
    "wrap-up-over": lambda run, agent, _: e.TimerFired(WrapUpTimer(str(agent))),
}


@settings(max_examples=600, deadline=None)
@given(st.lists(consult_actions, max_size=40))
def test_no_sequence_of_consultations_breaks_the_invariants(sequence: list[Action]) -> None:
    run = Run.__new__(Run)
    Desk.__init__(run, {a: {"urp"} for a in AGENTS})
    run.ring_ids, run.finished = [], set()
    run.ready(*AGENTS)
    for call_id in ("k1", "k2"):
        run.caller(call_id)
        _talk(run, len(run.ring_ids), None)
        run.ring_ids.extend(x.ring_id for x in run.said if isinstance(x, c.RingAgent))
    for step, (kind, target, extra) in enumerate(sequence):
        run.at(step)
        before = len(run.said)
        with contextlib.suppress(AcdError, IllegalMove):
            _step(run, kind, target, extra)
        new = run.said[before:]
        run.ring_ids.extend(x.ring_id for x in new if isinstance(x, c.RingAgent))
        for saved in (x.contact for x in new if isinstance(x, c.SaveContact)):
            if saved.ended_at is not None:
                assert saved.contact_id not in run.finished, "a call finished twice"
                run.finished.add(saved.contact_id)
        check(run, new)
