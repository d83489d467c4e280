"""The read model: what pages, metrics and the announcer see of the core, and only that."""

from __future__ import annotations

import dataclasses

import pytest

from acd.core import events as e
from acd.core.engine import UnknownAgent
from acd.core.view import CallStage
from agents.states import AgentState
from tests.unit.core.helpers import T0, Desk


def test_the_center_view_follows_a_call_from_the_ivr_to_the_talk() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}})
    desk.at(0).send(e.CallArrived("k1", "PJSIP/citizens-k1", "3331234567", "0592032032"))
    assert desk.engine.call_view("k1").stage is CallStage.IN_IVR  # type: ignore[union-attr]
    desk.at(5).send(e.CallerEntered("k1", "urp", ("1",), priority=1, language="en"))
    desk.at(6).caller("k2")
    queue = desk.engine.view().queue("urp")
    assert queue is not None
    assert [c.call_id for c in queue.calls] == ["k1", "k2"]
    first = queue.calls[0]
    assert (first.stage, first.position, first.entered_at) == (
        CallStage.WAITING,
        1,
        desk.now.replace(second=5),
    )
    assert (first.caller_number, first.ivr_path, first.language, first.priority) == (
        "3331234567", ("1",), "en", 1,
    )  # fmt: skip
    assert first.estimated_wait is None  # nobody logged in
    assert (queue.waiting, queue.ringing, queue.agents_staffed, queue.oldest_entry) == (
        2, 0, 0, T0.replace(second=5),
    )  # fmt: skip

    (ring,) = desk.rings(desk.at(10).send(e.AgentWentReady("a1")))
    view = desk.engine.view()
    ringing = view.queue("urp").calls[0]  # type: ignore[union-attr]
    assert (ringing.stage, ringing.agent_id) == (CallStage.RINGING, "a1")
    assert view.agent("a1").call_id == "k1"  # type: ignore[union-attr]
    assert [r.ring_id for r in view.rings] == [ring.ring_id]
    # k1 is about to be answered: k2 is next
    assert view.queue("urp").calls[1].position == 1  # type: ignore[union-attr]

    desk.at(12).send(e.AgentAnswered(ring.ring_id))
    desk.send(e.Bridged("k1"))
    talking = desk.engine.call_view("k1")
    assert talking is not None
    assert talking.stage is CallStage.TALKING
    assert talking.answered_at == T0.replace(second=12)
    a1 = desk.engine.agent_view("a1")
    assert (a1.state, a1.call_service, a1.answered_today) == (AgentState.ON_CALL, "urp", 1)
    assert [c.call_id for c in desk.engine.view().queue("urp").calls] == ["k2"]  # type: ignore[union-attr]


def test_views_are_snapshots_that_never_change_after() -> None:
    desk = Desk({"a1": {"urp"}})
    before = desk.engine.view()
    desk.at(0).ready("a1")
    assert before.agent("a1").state is AgentState.LOGGED_OUT  # type: ignore[union-attr]
    assert desk.engine.view().agent("a1").state is AgentState.READY  # type: ignore[union-attr]
    with pytest.raises(dataclasses.FrozenInstanceError):
        before.telephony_up = False  # type: ignore[misc]


def test_an_unknown_agent_or_call_has_no_view() -> None:
    desk = Desk({"a1": {"urp"}})
    assert desk.engine.call_view("nobody") is None
    with pytest.raises(UnknownAgent):
        desk.engine.agent_view("nobody")


def test_the_view_says_when_telephony_is_down() -> None:
    desk = Desk({"a1": {"urp"}})
    desk.send(e.TelephonyLost("cut"))
    assert desk.engine.view().telephony_up is False


def test_a_queue_counts_the_agents_who_serve_it_by_state_and_its_length_cheaply() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp", "info"}, "a3": {"info"}, "a4": {"urp"}})
    desk.ready("a1", "a2", "a3")
    desk.send(e.AgentLoggedIn("a4"))  # paused on login
    desk.at(1).caller("k1", service="info")  # rings a2 or a3
    desk.at(2).caller("k2", service="info")
    desk.at(3).caller("k3", service="info")  # nobody left for it: waits
    view = desk.engine.view()
    urp, info = view.queue("urp"), view.queue("info")
    assert urp is not None
    assert info is not None
    assert dict(urp.agents_by_state) == {AgentState.READY: 1, AgentState.RINGING: 1,
                                         AgentState.PAUSED: 1}  # fmt: skip
    assert dict(info.agents_by_state) == {AgentState.RINGING: 2}
    assert desk.engine.queue_lengths() == {"urp": 0, "info": 3}
