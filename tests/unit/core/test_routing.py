"""Skills with levels, strategies, relaxation, overflow, priorities and aging, estimates."""

from __future__ import annotations

from acd.core import commands as c
from acd.core import events as e
from acd.core.estimate import HandleTimes, estimate_wait
from acd.core.model import (
    Limit,
    OverflowAction,
    OverflowKind,
    PriorityReason,
    Relax,
    RoutingPolicy,
    ServiceRules,
    Strategy,
)
from acd.core.recall import RecentCallers
from acd.core.requirements import parse
from acd.core.timers import MaxWaitTimer, RelaxTimer, RingTimer
from tests.unit.core.helpers import Desk


def rules(**services: ServiceRules) -> dict[str, ServiceRules]:
    return services


def talk(desk: Desk, ring: c.RingAgent, seconds: float, at: float) -> None:
    desk.at(at).send(e.AgentAnswered(ring.ring_id))
    desk.send(e.Bridged(ring.call_id))
    desk.at(at + seconds).send(e.HungUp(ring.call_id))


def test_requirement_with_levels_picks_the_qualified_agent() -> None:
    urp = ServiceRules("URP", requirement=parse("urp >= 3 and lang.en >= 1"))
    desk = Desk({"a1": {"urp": 5}, "a2": {"urp": 3, "lang.en": 2}}, rules=rules(urp=urp))
    desk.at(0).ready("a1", "a2")
    (ring,) = desk.rings(desk.at(1).caller("k1"))
    assert ring.agent_id == "a2"


def test_ivr_requirement_adds_to_the_service_one() -> None:
    desk = Desk({"a1": {"urp": 2}, "a2": {"urp": 1, "lang.en": 3}})
    desk.at(0).ready("a1", "a2")
    (ring,) = desk.rings(desk.at(1).caller("k1", requirement="lang.en >= 1"))
    assert ring.agent_id == "a2"
    out = desk.at(2).caller("k2", requirement="urp >= (")  # bad text: ignored, logged
    assert any(isinstance(x, c.LogWarning) for x in out)
    assert [r.agent_id for r in desk.rings(out)] == ["a1"]


def strategy_desk(strategy: Strategy) -> Desk:
    urp = ServiceRules("URP", strategy=strategy)
    agents = {"a1": {"urp": 2}, "a2": {"urp": 5}, "a3": {"urp": 4}}
    return Desk(agents, rules=rules(urp=urp))


def test_longest_idle_is_the_default() -> None:
    desk = strategy_desk(Strategy.LONGEST_IDLE)
    desk.at(0).ready("a3")
    desk.at(1).ready("a1", "a2")
    assert desk.rings(desk.at(2).caller("k1"))[0].agent_id == "a3"


def test_most_skilled_then_longest_idle() -> None:
    desk = strategy_desk(Strategy.MOST_SKILLED)
    desk.at(0).ready("a1", "a3")
    desk.at(1).ready("a2")
    assert desk.rings(desk.at(2).caller("k1"))[0].agent_id == "a2"
    assert desk.rings(desk.at(3).caller("k2"))[0].agent_id == "a3"


def test_least_occupied_counts_talk_time_today() -> None:
    desk = strategy_desk(Strategy.LEAST_OCCUPIED)
    desk.at(0).ready("a1")
    talk(desk, desk.rings(desk.at(1).caller("k1"))[0], 300, at=2)  # a1 talked 300 s
    desk.at(400).ready("a2", "a3")
    (ring,) = desk.rings(desk.at(401).caller("k2"))
    assert ring.agent_id == "a2"  # a1 idles longest but talked most; a2 before a3 by idle
    talk(desk, ring, 100, at=402)
    assert desk.rings(desk.at(600).caller("k3"))[0].agent_id == "a3"


def test_round_robin_offers_to_the_agent_offered_longest_ago() -> None:
    desk = strategy_desk(Strategy.ROUND_ROBIN)
    desk.at(0).ready("a1", "a2", "a3")
    order = []
    for i in range(6):
        (ring,) = desk.rings(desk.at(10 * i + 1).caller(f"k{i}"))
        order.append(ring.agent_id)
        talk(desk, ring, 1, at=10 * i + 2)
    assert order[:3] == ["a1", "a2", "a3"]
    assert order[3:] == order[:3]


def test_free_agent_takes_the_longest_wait_across_all_its_queues() -> None:
    desk = Desk({"a1": {"urp", "demografici", "informagiovani"}})
    desk.at(0).caller("k1", "informagiovani")
    desk.at(1).caller("k2", "urp")
    desk.at(2).caller("k3", "demografici")
    desk.at(3).ready("a1")
    assert [r.call_id for r in desk.rings(desk.said)] == ["k1"]


def test_queue_weight_gives_priority_points_to_a_service() -> None:
    services = rules(urp=ServiceRules("URP", weight=1), demo=ServiceRules("Demo"))
    desk = Desk({"a1": {"urp", "demo"}}, rules=services)
    desk.at(0).caller("k1", "demo")
    desk.at(30).caller("k2", "urp")  # 1 point = 60 s of waiting by default
    desk.at(40).ready("a1")
    assert desk.rings(desk.said)[0].call_id == "k2"


def test_aging_lets_a_long_wait_overtake_a_higher_priority() -> None:
    desk = Desk({"a1": {"urp"}}, policy=RoutingPolicy(aging_seconds=60))
    desk.at(0).caller("k1")
    desk.at(100).caller("k2", priority=1)  # worth 60 s: as if it came at 40 s
    desk.at(101).caller("k3", priority=2)  # as if at -19 s: before k1
    desk.at(102).ready("a1")
    assert desk.rings(desk.said)[0].call_id == "k3"
    keys = [k[2] for k in desk.engine.admission.queues["urp"]]
    assert keys == ["k3", "k1", "k2"]


def test_relaxation_widens_after_its_step_time() -> None:
    urp = ServiceRules(
        "URP",
        requirement=parse("urp >= 3"),
        relax=(Relax(30, parse("urp >= 1")), Relax(90, parse("backoffice >= 1"))),
    )
    desk = Desk({"junior": {"urp": 1}, "back": {"backoffice": 2}}, rules=rules(urp=urp))
    desk.at(0).ready("junior", "back")
    out = desk.at(1).caller("k1")
    assert desk.rings(out) == []
    assert c.StartTimer(RelaxTimer("k1"), desk.at(31).now) in out  # 30 s after entering
    (ring,) = desk.rings(desk.at(31).send(e.TimerFired(RelaxTimer("k1"))))
    assert ring.agent_id == "junior"
    assert c.StartTimer(RelaxTimer("k1"), desk.at(91).now) in desk.said  # the next step
    desk.at(32).caller("k2")
    desk.at(62).send(e.TimerFired(RelaxTimer("k2")))  # junior is busy: k2 still waits
    assert desk.engine.admission.calls["k2"].stage == 1
    (ring,) = desk.rings(desk.at(122).send(e.TimerFired(RelaxTimer("k2"))))
    assert (ring.agent_id, ring.call_id) == ("back", "k2")


def test_overflow_when_full_goes_to_another_service() -> None:
    urp = ServiceRules(
        "URP", max_waiting=1, overflow={Limit.FULL: OverflowAction(OverflowKind.QUEUE, "demo")}
    )
    desk = Desk({"a1": {"demo"}}, rules=rules(urp=urp, demo=ServiceRules("Demo")))
    desk.at(0).caller("k1")
    desk.at(1).caller("k2")
    assert desk.engine.admission.calls["k2"].service == "demo"
    (ring,) = desk.rings(desk.at(2).send(e.AgentWentReady("a1")))
    assert ring.call_id == "k2"


def test_overflow_on_timeout_plays_a_message_and_records_it() -> None:
    msg = OverflowAction(OverflowKind.MESSAGE, "busy-later")
    urp = ServiceRules("URP", max_wait_seconds=120, overflow={Limit.TIMEOUT: msg})
    desk = Desk({"a1": {"urp"}}, rules=rules(urp=urp))
    desk.ready("a1")
    desk.send(e.AgentPaused("a1", "lunch"))
    desk.at(0).caller("k1")
    out = desk.at(120).send(e.TimerFired(MaxWaitTimer("k1")))
    assert c.RedirectCaller("k1", "PJSIP/citizens-k1", "busy-later", "") in out
    assert desk.contact("k1").outcome == "overflow"
    assert "k1" not in desk.engine.admission.calls
    assert len(desk.engine.admission.queues["urp"]) == 0
    assert desk.engine.handle(e.HungUp("k1"), desk.now) == []  # the later hang-up is known


def test_overflowed_contact_keeps_the_services_it_queued_in() -> None:
    urp = ServiceRules(
        "URP", max_waiting=1, overflow={Limit.FULL: OverflowAction(OverflowKind.QUEUE, "demo")}
    )
    desk = Desk({"a1": {"demo"}}, rules=rules(urp=urp, demo=ServiceRules("Demo")))
    desk.at(0).caller("k1")
    desk.at(1).caller("k2")
    assert desk.contact("k1").service_path == ("urp",)
    assert (desk.contact("k2").service, desk.contact("k2").service_path) == (
        "demo",
        ("urp", "demo"),
    )
    desk.at(2).send(e.HungUp("k2"))
    assert desk.contact("k2").service_path == ("urp", "demo")  # in the final record too


def test_an_overflowed_call_is_answered_in_the_service_that_answers_it() -> None:
    urp = ServiceRules(
        "URP", max_waiting=1, overflow={Limit.FULL: OverflowAction(OverflowKind.QUEUE, "demo")}
    )
    desk = Desk({"a1": {"demo"}}, rules=rules(urp=urp, demo=ServiceRules("Demo")))
    desk.at(0).caller("k1")
    desk.at(1).caller("k2")  # the URP is full: to demo
    (ring,) = desk.rings(desk.at(2).send(e.AgentWentReady("a1")))
    assert ring.call_id == "k2"
    desk.at(3).send(e.AgentAnswered(ring.ring_id))
    assert desk.contact("k2").answered_in == "demo"  # not the URP: it overflowed from there
    desk.send(e.HungUp(ring.ring_id))  # the agent's leg dropped before the bridge
    assert (desk.contact("k2").answered_at, desk.contact("k2").answered_in) == (None, None)


def test_max_wait_passing_during_a_ring_overflows_if_the_ring_fails() -> None:
    msg = OverflowAction(OverflowKind.MESSAGE, "busy-later")
    urp = ServiceRules("URP", ring_seconds=15, max_wait_seconds=120, overflow={Limit.TIMEOUT: msg})
    desk = Desk({"a1": {"urp"}}, rules=rules(urp=urp))
    desk.at(0).caller("k1")
    (ring,) = desk.rings(desk.at(110).send(e.AgentWentReady("a1")))
    assert not any(
        isinstance(x, c.RedirectCaller) for x in desk.at(120).send(e.TimerFired(MaxWaitTimer("k1")))
    )
    out = desk.at(125).send(e.TimerFired(RingTimer(ring.ring_id)))  # nobody answered
    assert c.RedirectCaller("k1", "PJSIP/citizens-k1", "busy-later", "") in out
    assert desk.contact("k1").outcome == "overflow"
    assert "k1" not in desk.engine.admission.calls


def test_max_wait_passing_during_an_answered_ring_changes_nothing() -> None:
    msg = OverflowAction(OverflowKind.MESSAGE, "busy-later")
    urp = ServiceRules("URP", max_wait_seconds=120, overflow={Limit.TIMEOUT: msg})
    desk = Desk({"a1": {"urp"}}, rules=rules(urp=urp))
    desk.at(0).caller("k1")
    (ring,) = desk.rings(desk.at(115).send(e.AgentWentReady("a1")))
    desk.at(120).send(e.TimerFired(MaxWaitTimer("k1")))
    talk(desk, ring, 30, at=121)
    assert desk.contact("k1").outcome == "answered"


def test_overflow_when_the_service_is_closed() -> None:
    shut_at_noon = ServiceRules(
        "Informagiovani",
        open_at=lambda now: now.hour < 12,
        overflow={Limit.CLOSED: OverflowAction(OverflowKind.QUEUE, "urp")},
    )
    desk = Desk(
        {"a1": {"urp", "giovani"}}, rules=rules(giovani=shut_at_noon, urp=ServiceRules("URP"))
    )
    desk.at(0).caller("k1", service="giovani")  # 09:00: open
    desk.at(4 * 3600).caller("k2", service="giovani")  # 13:00: closed, to the URP
    assert desk.engine.admission.calls["k1"].service == "giovani"
    assert desk.contact("k2").service_path == ("giovani", "urp")


def test_overflow_when_nobody_logged_in_can_take_it() -> None:
    vm = OverflowAction(OverflowKind.VOICEMAIL, "leave-message", voicemail_seconds=90)
    urp = ServiceRules("URP", overflow={Limit.NO_AGENTS: vm})
    desk = Desk({"a1": {"demo"}}, rules=rules(urp=urp, demo=ServiceRules("Demo")))
    out = desk.at(0).caller("k1")
    assert c.RedirectCaller("k1", "PJSIP/citizens-k1", "leave-message", "", 90) in out
    assert desk.contact("k1").outcome == "voicemail"


def test_voicemail_on_timeout_in_the_callers_language() -> None:
    vm = OverflowAction(OverflowKind.VOICEMAIL, "leave-message", voicemail_seconds=60)
    urp = ServiceRules("URP", max_wait_seconds=120, overflow={Limit.TIMEOUT: vm})
    desk = Desk({"a1": {"urp"}}, rules=rules(urp=urp))
    desk.ready("a1")
    desk.send(e.AgentPaused("a1", "lunch"))
    desk.send(e.CallArrived("k1", "PJSIP/citizens-k1", "3331", "0592032032"))
    desk.at(0).send(e.CallerEntered("k1", "urp", ("9", "1"), language="en"))
    out = desk.at(120).send(e.TimerFired(MaxWaitTimer("k1")))
    assert c.RedirectCaller("k1", "PJSIP/citizens-k1", "leave-message", "en", 60) in out
    assert desk.contact("k1").outcome == "voicemail"
    assert "k1" not in desk.engine.admission.calls
    assert len(desk.engine.admission.queues["urp"]) == 0


def test_caller_cut_off_lately_gets_a_boost() -> None:
    desk = Desk({"a1": {"urp"}})
    desk.at(0).caller("k1", number="3331")
    desk.at(10).send(e.HungUp("k1"))  # abandoned: remembered
    desk.at(20).caller("k2", number="3332")
    desk.at(100).caller("k3", number="3331")  # back within 10 min: +2 points = 120 s
    desk.at(101).ready("a1")
    assert desk.rings(desk.said)[0].call_id == "k3"


def test_recent_callers_memory_is_bounded_and_windowed() -> None:
    recent = RecentCallers(window_seconds=600, size=2)
    for i, number in enumerate(["1", "2", "3"]):
        recent.cut_off(number, i)
    assert len(recent) == 2
    assert not recent.recalled("1", 10)  # forgotten: the oldest goes first
    assert not recent.recalled("2", 700)  # too late
    assert recent.recalled("3", 100)
    assert not recent.recalled("3", 100)  # once


def test_estimate_from_place_staff_and_handle_times() -> None:
    assert estimate_wait(3, 2, 120) == 180
    assert estimate_wait(1, 0, 120) is None
    times = HandleTimes(size=2, default_seconds=180)
    assert times.mean() == 180
    for s in (100, 200, 300):
        times.add(s)
    assert times.mean() == 250


def test_waiting_figures_use_recent_handle_times() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}})
    desk.at(0).ready("a1", "a2")
    r1, r2 = desk.rings(desk.at(1).caller("k1") + desk.at(1).caller("k2"))
    talk(desk, r1, 60, at=2)
    desk.at(2).send(e.AgentAnswered(r2.ring_id))
    desk.send(e.Bridged("k2"))  # talking: out of the line
    desk.at(63).send(e.AgentPaused("a1", "break"))
    for i in range(3, 6):
        desk.at(70).caller(f"k{i}")
    assert desk.engine.waiting_figures("k5") == (3, 3 * 60 / 2)
    assert desk.engine.waiting_figures("nobody") is None


def test_position_counts_only_the_calls_ahead_that_still_wait() -> None:
    desk = Desk({"a1": {"urp"}}, ring=15, policy=RoutingPolicy(max_missed=1))
    for i in range(1, 4):
        desk.at(i).caller(f"k{i}")
    assert [desk.engine.waiting_figures(f"k{i}")[0] for i in range(1, 4)] == [1, 2, 3]  # type: ignore[index]
    (ring,) = desk.rings(desk.at(5).send(e.AgentWentReady("a1")))  # k1 is being rung
    assert ring.call_id == "k1"
    assert desk.engine.waiting_figures("k2") == (1, 180.0)  # next: k1 is about to be answered
    assert desk.engine.service_estimate("urp") is not None
    desk.at(20).send(e.TimerFired(RingTimer(ring.ring_id)))  # missed (a1 paused): k1 waits again
    assert desk.engine.waiting_figures("k2")[0] == 2  # type: ignore[index]
    assert desk.engine.waiting_figures("k1")[0] == 1  # type: ignore[index]


def test_last_agent_logging_out_overflows_the_calls_nobody_can_take() -> None:
    urp = ServiceRules(
        "URP", overflow={Limit.NO_AGENTS: OverflowAction(OverflowKind.QUEUE, "demo")}
    )
    desk = Desk({"a1": {"urp"}, "a2": {"demo"}}, rules=rules(urp=urp, demo=ServiceRules("D")))
    desk.at(0).send(e.AgentPaused("a1", "break"))
    desk.at(1).caller("k1")
    assert desk.engine.admission.calls["k1"].service == "urp"  # a1 is logged in: it waits
    desk.at(2).ready("a2")
    out = desk.at(3).send(e.AgentLoggedOut("a1"))
    assert desk.engine.admission.calls["k1"].service == "demo"
    assert [r.agent_id for r in desk.rings(out)] == ["a2"]


def test_priority_by_the_number_dialled() -> None:
    policy = RoutingPolicy(dialled_priority={"0592032032": 1})
    desk = Desk({"a1": {"urp"}}, policy=policy)
    desk.at(0).send(e.CallArrived("k1", "PJSIP/c-1", "3331", "0590000000"))
    desk.send(e.CallerEntered("k1", "urp"))
    desk.at(30).caller("k2")  # dialled 0592032032: one point, a minute ahead
    desk.at(31).ready("a1")
    assert desk.rings(desk.said)[0].call_id == "k2"


def test_the_read_model_says_where_a_calls_priority_came_from() -> None:
    policy = RoutingPolicy(dialled_priority={"0592032032": 1})
    urp = ServiceRules("URP", weight=0.5)
    desk = Desk({"a1": {"urp"}}, rules=rules(urp=urp), policy=policy)
    desk.at(0).caller("k1", number="3331")
    desk.at(10).send(e.HungUp("k1"))  # abandoned: a recall next time
    desk.at(20).caller("k2", number="3331", priority=3)
    view = desk.engine.call_view("k2")
    assert view is not None
    assert dict(view.priority_reasons) == {
        PriorityReason.IVR: 3, PriorityReason.SERVICE: 0.5, PriorityReason.NUMBER: 1,
        PriorityReason.RECALL: 2,
    }  # fmt: skip
    assert view.priority == 6.5
    first = desk.engine.view().queues[0].calls
    assert [dict(c.priority_reasons).get(PriorityReason.RECALL) for c in first] == [2]


def test_the_services_an_agent_serves() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp", "demo"}},
                rules=rules(urp=ServiceRules("URP"), demo=ServiceRules("Demo")))  # fmt: skip
    assert desk.engine.services_of("a1") == ("urp",)
    assert set(desk.engine.services_of("a2")) == {"urp", "demo"}
