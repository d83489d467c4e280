"""Voice messages as tasks in the core: queued at their place, given (not rung) to a ready
agent with the skill, closed with a disposition or turned into a callback, never lost over
AMI outages, forgotten (not closed) at a stop. No loop, no mocks: events in, commands out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from acd.core import commands as c
from acd.core import events as e
from acd.core.callback import CallbackOrigin, CallbackRules, CallbackState
from acd.core.controls import NotACall
from acd.core.model import Limit, OverflowAction, OverflowKind, ServiceRules
from acd.core.supervision import NothingToHear, NotWaiting
from acd.core.view import CallStage
from acd.core.voice_messages import NoCallbackService, NoDisposition, NoNumber, NoSuchTask
from agents.states import AgentState, IllegalMove
from tests.unit.core.helpers import T0, Desk

RULES = CallbackRules("provider", attempts=2, spacing=timedelta(minutes=5), ring_seconds=20)


def desk(callback: CallbackRules | None = None, wrap: float = 30) -> Desk:
    """URP (with ``callback`` rules) and the registry office; a1, a2 on URP, a3 registry."""
    rules = {
        "urp": ServiceRules("URP", wrap_up_seconds=wrap, callback=callback, max_wait_seconds=60,
                            overflow={Limit.TIMEOUT: OverflowAction(OverflowKind.VOICEMAIL, "vm",
                                                                    60)}),
        "anagrafe": ServiceRules("Anagrafe"),
    }  # fmt: skip
    d = Desk({"a1": {"urp"}, "a2": {"urp"}, "a3": {"anagrafe"}}, rules=rules)
    for agent in ("a1", "a2", "a3"):
        d.send(e.AgentLoggedIn(agent))
    return d


def left(d: Desk, message: str = "m1", service: str = "urp", number: str = "0591234567",
         at: float = 0) -> list[c.Command]:  # fmt: skip
    return d.send(e.VoiceMessageLeft(message, f"call-{message}", service, number,
                                     T0 + timedelta(seconds=at), ("1", "3"), "it"))  # fmt: skip


def closes(out: list[c.Command]) -> list[c.CloseVoiceMessage]:
    return [x for x in out if isinstance(x, c.CloseVoiceMessage)]


def test_a_message_waits_in_its_queue_and_is_given_to_a_ready_agent_with_the_skill() -> None:
    d = desk()
    out = left(d)
    assert not d.rings(out)
    assert d.engine.call_view("m1").stage is CallStage.WAITING  # type: ignore[union-attr]
    out = d.at(5).send(e.AgentWentReady("a3"))  # the registry office: not its skill
    assert d.engine.agent_view("a3").state is AgentState.READY
    out = d.at(10).send(e.AgentWentReady("a1"))
    assert not d.rings(out)  # nothing rings: a task has no phone call
    agent = d.engine.agent_view("a1")
    assert (agent.state, agent.call_id, agent.call_service) == (AgentState.ON_CALL, "m1", "urp")
    assert c.RecordAgentState("a1", AgentState.ON_CALL, "", d.now) in out
    view = d.engine.call_view("m1")
    assert view is not None
    assert (view.caller_number, view.ivr_path, view.agent_id) == ("0591234567", ("1", "3"), "a1")
    assert view.voice_message is not None
    assert (view.voice_message.contact_id, view.voice_message.recorded_at) == ("call-m1", T0)
    assert view.voice_message.can_call_back is False  # URP has no callbacks here
    assert d.engine.queue_lengths()["urp"] == 0  # taken: out of its queue
    assert not [x for x in d.said if isinstance(x, c.SaveContact) and x.contact.contact_id
                == "m1"]  # fmt: skip


def test_a_message_has_its_place_by_the_time_it_was_recorded() -> None:
    d = desk()
    d.caller("k1")  # entered at T0: before the message
    left(d, at=10)
    d.at(20).caller("k2")  # after it
    first = d.rings(d.at(30).send(e.AgentWentReady("a1")))
    assert [r.call_id for r in first] == ["k1"]
    d.at(31).send(e.AgentWentReady("a2"))
    assert d.engine.agent_view("a2").call_id == "m1"  # before k2, who came later
    assert d.engine.call_view("k2").position == 1  # type: ignore[union-attr]


def test_closed_with_a_disposition_the_store_is_told_and_the_agent_wraps_up() -> None:
    d = desk(wrap=30)
    left(d)
    d.at(10).send(e.AgentWentReady("a1"))
    out = d.at(70).send(e.AgentClosedVoiceMessage("a1", "m1", "pratica avviata"))
    assert closes(out) == [c.CloseVoiceMessage("m1", "a1", "pratica avviata", d.now)]
    agent = d.engine.agent_view("a1")
    assert (agent.state, agent.call_id) == (AgentState.WRAP_UP, None)
    assert (agent.answered_today, agent.talk_seconds_today) == (0, 0)  # not a call
    assert d.engine.call_view("m1") is None
    out = d.at(100).send(e.TimerFired(next(x.key for x in out if isinstance(x, c.StartTimer))))
    assert d.engine.agent_view("a1").state is AgentState.READY


def test_a_close_refused_changes_nothing() -> None:
    d = desk()
    left(d)
    d.at(10).send(e.AgentWentReady("a1"))
    d.send(e.AgentWentReady("a2"))
    for event, error in (
        (e.AgentClosedVoiceMessage("a2", "m1", "altro"), NoSuchTask),  # not a2's
        (e.AgentClosedVoiceMessage("a1", "m9", "altro"), NoSuchTask),  # no such message
        (e.AgentClosedVoiceMessage("a1", "m1", "  "), NoDisposition),
        (e.AgentCalledBack("a1", "m1"), NoCallbackService),  # URP calls nobody back
    ):
        with pytest.raises(error):
            d.send(event)
    assert d.engine.agent_view("a1").call_id == "m1"
    assert not closes(d.said)


def test_a_call_back_closes_the_message_and_queues_a_callback_at_its_place() -> None:
    d = desk(callback=RULES, wrap=0)
    left(d, at=0)
    d.at(5).caller("k1")  # a caller after the message
    d.at(10).send(e.AgentWentReady("a1"))  # given the message (recorded first)
    assert d.engine.call_view("m1").voice_message.can_call_back  # type: ignore[union-attr]
    out = d.at(40).send(e.AgentCalledBack("a1", "m1"))
    assert closes(out) == [c.CloseVoiceMessage("m1", "a1", "callback", d.now)]
    saved = [x.record for x in out if isinstance(x, c.SaveCallback)]
    assert (saved[-1].call_id, saved[-1].number, saved[-1].agent_id) == (
        "m1-callback", "0591234567", "a1")  # fmt: skip
    assert saved[-1].state is CallbackState.WAITING
    assert saved[-1].origin is CallbackOrigin.AGENT  # asked by the agent, not kept on the line
    contact = d.contact("m1-callback")
    assert (contact.started_at, contact.entered_queue_at, contact.service) == (T0, T0, "urp")
    # a1 is free again (no wrap-up here): the callback, ahead of k1, rings it as any callback
    [ring] = d.rings(out)
    assert (ring.call_id, ring.callback, ring.caller_number) == ("m1-callback", True,
                                                                "0591234567")  # fmt: skip


def test_a_call_back_needs_a_number() -> None:
    d = desk(callback=RULES)
    left(d, number="anonymous")
    d.at(10).send(e.AgentWentReady("a1"))
    assert d.engine.call_view("m1").voice_message.can_call_back is False  # type: ignore[union-attr]
    with pytest.raises(NoNumber):
        d.send(e.AgentCalledBack("a1", "m1"))


def test_call_controls_and_listening_are_refused_on_a_message() -> None:
    d = desk()
    left(d)
    d.at(10).send(e.AgentWentReady("a1"))
    for event in (e.AgentHungUpCall("a1"), e.AgentHeldCall("a1"),
                  e.AgentTransferredToService("a1", "anagrafe")):  # fmt: skip
        with pytest.raises(NotACall):
            d.send(event)
    with pytest.raises(NothingToHear):
        d.send(e.SupervisorListened("sup", "a1", "listen", "sup-phone"))  # type: ignore[arg-type]
    with pytest.raises(IllegalMove):
        d.send(e.AgentLoggedOut("a1"))  # working a task as a call: close it first
    d.send(e.AgentPaused("a1", "break"))  # asked now, made after the task and its wrap-up
    assert d.engine.agent_view("a1").pending_pause == "break"


def test_a_waiting_message_is_not_moved_and_never_overflows() -> None:
    d = desk()
    left(d)
    with pytest.raises(NotWaiting):
        d.send(e.SupervisorMovedCall("m1", "anagrafe"))
    for agent in ("a1", "a2"):  # nobody left for URP: its callers would overflow
        d.send(e.AgentLoggedOut(agent))
    d.at(3600)
    assert not [x for x in d.said if isinstance(x, c.RedirectCaller)]
    assert d.engine.call_view("m1").stage is CallStage.WAITING  # type: ignore[union-attr]
    d.send(e.AgentWentReady("a2"))  # logs in and takes it
    assert d.engine.agent_view("a2").call_id == "m1"


def test_an_ami_outage_leaves_messages_alone_and_a_stop_forgets_them() -> None:
    d = desk()
    left(d, "m1")
    left(d, "m2", at=1)
    d.at(10).send(e.AgentWentReady("a1"))  # given m1; m2 waits
    d.send(e.TelephonyLost("gone"))
    d.send(e.TelephonyReconnected())
    d.send(e.ChannelsListed(frozenset()))  # no channel of either: neither is a channel
    assert d.engine.agent_view("a1").call_id == "m1"
    assert d.engine.call_view("m2").stage is CallStage.WAITING  # type: ignore[union-attr]
    assert not [x for x in d.said if isinstance(x, c.HangUpChannel)]
    out = d.send(e.EngineStopping())
    assert not closes(out)  # left unhandled: the next start gives them back
    assert not [x for x in out if isinstance(x, c.SaveContact)]
    assert d.engine.call_view("m1") is None
    assert d.engine.call_view("m2") is None


def test_a_message_known_already_or_for_no_service_is_said_and_ignored() -> None:
    d = desk()
    left(d)
    out = left(d)
    assert [x for x in out if isinstance(x, c.LogWarning)]
    out = left(d, "m2", service="nowhere")
    assert [x for x in out if isinstance(x, c.LogWarning)]
    assert d.engine.call_view("m2") is None
