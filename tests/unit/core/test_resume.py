"""A caller still waiting after an engine restart is taken back at its place (CallerResumed)."""

from __future__ import annotations

from datetime import timedelta

from acd.core import commands as c
from acd.core import events as e
from acd.core.contact import Contact
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
