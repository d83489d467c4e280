"""A caller still waiting after an engine restart is taken back at its place (CallerResumed)."""

from __future__ import annotations

from datetime import timedelta

from acd.core import commands as c
from acd.core import events as e
from acd.core.contact import Contact, EndCause
from acd.core.model import Limit, OverflowAction, OverflowKind, Relax, ServiceRules
from acd.core.requirements import parse
from acd.core.timers import MaxWaitTimer
from tests.unit.core.helpers import T0, Desk


def resumed(
    call_id: str,
    entered: float,
    record: Contact | None = None,
    priority: int = 0,
    requirement: str = "",
) -> e.CallerResumed:
    at = T0 + timedelta(seconds=entered)
    return e.CallerResumed(call_id, f"PJSIP/citizens-{call_id}", "059111", "0592032032",
                           "urp", at, priority, requirement, "it", record)  # fmt: skip


def test_resumed_call_keeps_its_first_entry_for_place_and_wait() -> None:
    desk = Desk({"a1": {"urp"}})
    desk.at(100).caller("new")  # entered after the restart
    desk.at(101).send(resumed("old", entered=40))  # entered before it
    (ring,) = desk.rings(desk.at(110).send(e.AgentWentReady("a1")))
    assert ring.call_id == "old"
    desk.at(112).send(e.AgentAnswered(ring.ring_id))
    contact = desk.contact("old")
    assert contact.entered_queue_at == T0 + timedelta(seconds=40)
    assert contact.wait_seconds() == 72
    assert (contact.agent_id, contact.service) == ("a1", "urp")


def test_resumed_call_keeps_the_stored_record() -> None:
    desk = Desk({"a1": {"urp"}})
    record = Contact("old", "059111", "0592032032", T0, ("1", "2"), "urp",
                     T0 + timedelta(seconds=30), service_path=("urp",))  # fmt: skip
    desk.at(200).send(resumed("old", entered=30, record=record))
    saved = desk.contact("old")
    assert (saved.started_at, saved.ivr_path, saved.service_path) == (T0, ("1", "2"), ("urp",))
    assert saved.entered_queue_at == T0 + timedelta(seconds=30)


def test_resumed_call_without_record_starts_at_its_entry() -> None:
    desk = Desk({"a1": {"urp"}})
    desk.at(200).send(resumed("old", entered=30))
    saved = desk.contact("old")
    assert saved.started_at == saved.entered_queue_at == T0 + timedelta(seconds=30)
    assert (saved.service, saved.service_path, saved.ended_at) == ("urp", ("urp",), None)


def test_resumed_call_waits_even_with_nobody_logged_in() -> None:
    rules = {"urp": ServiceRules("urp", overflow={Limit.NO_AGENTS: _message()})}
    desk = Desk({"a1": {"urp"}}, rules=rules)
    out = desk.at(5).send(resumed("old", entered=0))
    assert not [x for x in out if isinstance(x, c.RedirectCaller)]
    assert len(desk.engine.admission.queues["urp"]) == 1


def test_a_known_call_is_not_resumed_twice() -> None:
    desk = Desk({"a1": {"urp"}})
    desk.at(0).caller("k1")
    out = desk.at(5).send(resumed("k1", entered=0))
    assert [x for x in out if isinstance(x, c.LogWarning)]
    assert len(desk.engine.admission.queues["urp"]) == 1


def test_resumed_call_keeps_its_priority_and_requirement() -> None:
    desk = Desk({"a1": {"urp": 1, "lang.en": 1}, "a2": {"urp": 1}})
    desk.at(0).caller("plain")
    desk.at(10).send(resumed("vip", entered=5, priority=1, requirement="lang.en >= 1"))
    desk.at(20).ready("a2")  # cannot speak English: takes the plain call
    (ring,) = desk.rings(desk.said)
    assert (ring.call_id, ring.agent_id) == ("plain", "a2")
    (ring,) = desk.rings(desk.at(21).send(e.AgentWentReady("a1")))
    assert ring.call_id == "vip"


def test_relaxation_and_max_wait_count_from_the_first_entry() -> None:
    step = Relax(30, parse("urp >= 1"))
    rules = {"urp": ServiceRules("urp", relax=(step,), max_wait_seconds=120,
                                 overflow={Limit.TIMEOUT: _message()})}  # fmt: skip
    desk = Desk({"a1": {"urp"}}, rules=rules)
    out = desk.at(60).send(resumed("old", entered=0))
    timers = {x.key: x.at for x in out if isinstance(x, c.StartTimer)}
    assert timers == {MaxWaitTimer("old"): T0 + timedelta(seconds=120)}  # relaxed already
    assert desk.engine.admission.calls["old"].stage == 1


def _message() -> OverflowAction:
    return OverflowAction(OverflowKind.MESSAGE, "busy-later")


# -- a conversation found after a restart (ConversationResumed) ----------------------------


def talk(call_id: str = "old", agent: str = "a1", answered: float = 20, held: bool = False,
         record: Contact | None = None) -> e.ConversationResumed:  # fmt: skip
    return e.ConversationResumed(call_id, f"PJSIP/citizens-{call_id}", f"czold-{call_id}",
                                 agent, "059111", "0592032032", "urp",
                                 T0 + timedelta(seconds=answered), held, "it",
                                 record)  # fmt: skip


def test_a_talk_taken_back_puts_the_agent_on_the_call_and_rings_nobody() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}})
    desk.at(100).send(e.AgentLoggedIn("a1"))  # as acd.restore: paused, "login"
    desk.at(100).send(talk())
    assert desk.engine.agent_view("a1").state == "on_call"
    assert desk.engine.agent_view("a1").call_id == "old"
    desk.ready("a2")
    out = desk.at(101).caller("new")
    assert [r.agent_id for r in desk.rings(out)] == ["a2"]  # a1 is not offered it
    assert desk.contact("old").ended_at is None


def test_a_talk_taken_back_closes_once_as_answered_and_the_agent_wraps_up() -> None:
    desk = Desk({"a1": {"urp"}}, wrap=10)
    record = Contact("old", "059111", "0592032032", T0, ("2",), "urp",
                     T0 + timedelta(seconds=5), T0 + timedelta(seconds=12), T0 + timedelta(
                         seconds=90), "a1", "answered", ("urp",), EndCause.SYSTEM_STOP,
                     "urp")  # fmt: skip
    desk.at(100).send(talk(record=record))
    reopened = desk.contact("old")
    assert (reopened.ended_at, reopened.end_cause, reopened.outcome) == (None, None, None)
    assert reopened.answered_at == T0 + timedelta(seconds=12)  # the record's, not the event's
    out = desk.at(130).send(e.HungUp("old"))
    closed = desk.contact("old")
    assert (closed.outcome, closed.end_cause, closed.agent_id) == ("answered", None, "a1")
    assert closed.talk_seconds() == 118
    assert desk.engine.agent_view("a1").state == "wrap_up"
    assert desk.engine.view().agents[0].talk_seconds_today == 118
    assert not [x for x in out if isinstance(x, c.HangUpChannel)]  # the bridge takes it down
    assert len([x for x in desk.said if isinstance(x, c.SaveContact)
                and x.contact.ended_at is not None]) == 1  # fmt: skip


def test_the_agent_leg_hanging_up_ends_a_talk_taken_back() -> None:
    desk = Desk({"a1": {"urp"}})
    desk.at(100).send(talk())
    desk.at(110).send(e.HungUp("czold-old"))
    assert desk.contact("old").outcome == "answered"
    assert desk.engine.agent_view("a1").state == "ready"  # no wrap-up time


def test_a_held_talk_taken_back_can_be_resumed_and_hung_up() -> None:
    desk = Desk({"a1": {"urp"}})
    desk.at(100).send(talk(held=True))
    out = desk.at(101).send(e.AgentResumedCall("a1"))
    assert [x for x in out if isinstance(x, c.Connect)] == [
        c.Connect("old", "PJSIP/citizens-old", "czold-old")
    ]
    out = desk.at(102).send(e.AgentHungUpCall("a1"))
    assert c.HangUpChannel("czold-old") in out


def test_a_logged_out_agent_found_talking_is_logged_in_on_the_call() -> None:
    desk = Desk({"a1": {"urp"}})
    desk.at(100).send(talk())
    assert desk.engine.agent_view("a1").state == "on_call"


def test_a_talk_that_does_not_fit_is_refused_and_changes_nothing() -> None:
    desk = Desk({"a1": {"urp"}})
    desk.ready("a1")
    desk.at(1).caller("k1")  # a1 rings for it
    unknown_service = e.ConversationResumed("z", "PJSIP/z", "leg", "a1", "", "", "nope", T0)
    for bad in (talk("k1"), talk("x", agent="nobody"), talk("y"), unknown_service):
        (warning,) = desk.at(2).send(bad)
        assert isinstance(warning, c.LogWarning), warning
        assert "not taken back, left alone" in warning.text
    assert desk.engine.agent_view("a1").state == "ringing"
    assert desk.engine.call_view("y") is None


def test_an_earlier_runs_ring_in_flight_is_hung_up_and_its_caller_keeps_its_place() -> None:
    desk = Desk({"a1": {"urp"}}, telephony_up=False)
    desk.at(100).send(resumed("old", entered=40))
    desk.send(e.AgentLoggedIn("a1"))
    desk.send(e.AgentWentReady("a1"))
    desk.send(e.TelephonyReconnected())
    out = desk.at(101).send(e.ChannelsListed(frozenset({"old", "czold-7"}),
                                             agent_legs=frozenset({"czold-7"})))  # fmt: skip
    assert c.HangUpChannel("czold-7") in out
    (ring,) = desk.rings(out)
    assert (ring.call_id, ring.agent_id) == ("old", "a1")
    assert ring.ring_id not in {"czold-7"}
