"""Callbacks in the core: kept places, the call out, retries, opening hours, the panel's
requests, restarts. No loop, no mocks: events in, commands out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from acd.core import commands as c
from acd.core import events as e
from acd.core.callback import (
    AttemptResult,
    CallbackOutcome,
    CallbackRules,
    CallbackState,
)
from acd.core.callbacks import BadTime, CallbackBusy, NoCallbackHere, NotYours
from acd.core.model import Limit, OverflowAction, OverflowKind, ServiceRules
from acd.core.timers import CallbackTimer, DialTimer, MaxWaitTimer
from agents.states import AgentState
from tests.unit.core.helpers import T0, Desk

RULES = CallbackRules("provider", attempts=2, spacing=timedelta(minutes=5), ring_seconds=20)


@dataclass(frozen=True)
class Hours:
    """Open from ``opens`` to ``closes`` seconds after T0, every day."""

    opens: float
    closes: float

    def is_open(self, now: datetime) -> bool:
        return self._at(self.opens) <= now < self._at(self.closes)

    def next_opening(self, now: datetime) -> datetime | None:
        at = self._at(self.opens)
        while at <= now:
            at += timedelta(days=1)
        return at

    def next_closing(self, now: datetime) -> datetime | None:
        return self._at(self.closes) if self.is_open(now) else None

    @staticmethod
    def _at(seconds: float) -> datetime:
        return T0 + timedelta(seconds=seconds)


def desk(rules: CallbackRules = RULES, hours: Hours | None = None, **kw: object) -> Desk:
    service = ServiceRules("URP", callback=rules, hours=hours, **kw)  # type: ignore[arg-type]
    d = Desk({"a1": {"urp"}, "a2": {"urp"}}, rules={"urp": service})
    for agent in ("a1", "a2"):
        d.send(e.AgentLoggedIn(agent))
    return d


def called_back(d: Desk, call_id: str = "k1", number: str = "0591234567") -> None:
    """``call_id`` queued, asked for a callback and hung up."""
    d.caller(call_id)
    d.send(e.CallbackRequested(call_id, number))
    d.send(e.HungUp(call_id))


def dials(out: list[c.Command]) -> list[c.DialCitizen]:
    return [x for x in out if isinstance(x, c.DialCitizen)]


def state(d: Desk, call_id: str = "k1") -> CallbackState:
    callback = d.engine.admission.calls[call_id].callback
    assert callback is not None
    return callback.state


def test_the_callback_keeps_its_place_and_is_served_before_a_later_caller() -> None:
    d = desk()
    called_back(d)
    assert state(d) is CallbackState.WAITING
    d.at(30).caller("k2")
    ring = d.rings(d.at(40).send(e.AgentWentReady("a1")))
    assert [(r.call_id, r.callback, r.caller_number) for r in ring] == [("k1", True, "0591234567")]
    assert d.engine.call_view("k2").position == 1  # type: ignore[union-attr]


def test_answered_by_the_agent_the_citizen_is_dialled_then_bridged() -> None:
    d = desk()
    called_back(d)
    ring = d.rings(d.at(10).send(e.AgentWentReady("a1")))[0]
    out = d.at(12).send(e.AgentAnswered(ring.ring_id))
    [dial] = dials(out)
    assert (dial.trunk, dial.number, dial.ring_seconds, dial.prompt) == (
        "provider", "0591234567", 20, "")  # fmt: skip
    assert not [x for x in out if isinstance(x, c.Connect)]  # nobody to talk to yet
    out = d.at(20).send(e.CitizenAnswered(dial.leg))
    assert c.Connect("k1", dial.leg, ring.ring_id) in out
    d.send(e.Bridged(dial.leg))
    assert d.engine.agent_view("a1").state is AgentState.ON_CALL
    assert d.contact("k1").answered_at == T0 + timedelta(seconds=20)
    d.at(80).send(e.HungUp(dial.leg))
    assert d.contact("k1").outcome == "answered"
    saved = [x.record for x in d.said if isinstance(x, c.SaveCallback)]
    assert saved[-1].outcome is CallbackOutcome.ANSWERED
    assert "k1" not in d.engine.admission.calls


def test_a_failed_attempt_frees_the_agent_at_once_and_is_retried_after_the_spacing() -> None:
    d = desk()
    called_back(d)
    d.caller("k2")  # a caller behind it, served while the callback waits for its retry
    ring = d.rings(d.at(10).send(e.AgentWentReady("a1")))[0]
    leg = dials(d.send(e.AgentAnswered(ring.ring_id)))[0].leg
    out = d.at(30).send(e.CitizenNotReached(leg, AttemptResult.BUSY, "busy"))
    assert c.HangUpChannel(ring.ring_id) in out
    assert d.engine.agent_view("a1").state is not AgentState.WRAP_UP
    assert [r.call_id for r in d.rings(out)] == ["k2"]  # the agent takes the next call
    assert state(d) is CallbackState.DEFERRED
    assert c.StartTimer(CallbackTimer("k1"), T0 + timedelta(seconds=330)) in out
    attempts = [x.record for x in out if isinstance(x, c.SaveCallbackAttempt)]
    assert [(a.attempt, a.agent_id, a.result) for a in attempts] == [(1, "a1", AttemptResult.BUSY)]
    out = d.at(330).send(e.TimerFired(CallbackTimer("k1")))
    assert state(d) is CallbackState.WAITING
    ring = d.rings(d.send(e.AgentWentReady("a2")))[0]
    assert ring.call_id == "k1"


def test_after_the_last_attempt_the_callback_fails_or_leaves_the_message() -> None:
    d = desk(CallbackRules("provider", attempts=1))
    called_back(d)
    ring = d.rings(d.send(e.AgentWentReady("a1")))[0]
    leg = dials(d.send(e.AgentAnswered(ring.ring_id)))[0].leg
    d.send(e.CitizenNotReached(leg, AttemptResult.NO_ANSWER))
    assert d.contact("k1").outcome == CallbackOutcome.FAILED
    assert "k1" not in d.engine.admission.calls

    d = desk(CallbackRules("provider", attempts=1, message="callback-missed"))
    called_back(d)
    ring = d.rings(d.send(e.AgentWentReady("a1")))[0]
    leg = dials(d.send(e.AgentAnswered(ring.ring_id)))[0].leg
    d.send(e.CitizenNotReached(leg, AttemptResult.NO_ANSWER))
    out = d.at(600).send(e.TimerFired(CallbackTimer("k1")))
    [message] = dials(out)
    assert message.prompt == "callback-missed"
    assert not d.rings(out)
    d.send(e.CitizenAnswered(message.leg))
    assert d.contact("k1").outcome == CallbackOutcome.MESSAGE_LEFT


def test_the_agent_hanging_up_while_it_rings_counts_no_attempt() -> None:
    d = desk()
    called_back(d)
    ring = d.rings(d.send(e.AgentWentReady("a1")))[0]
    leg = dials(d.send(e.AgentAnswered(ring.ring_id)))[0].leg
    out = d.send(e.HungUp(ring.ring_id))
    assert c.HangUpChannel(leg) in out
    assert [r.call_id for r in d.rings(out)] == ["k1"]  # at its place: the first again
    assert d.engine.admission.calls["k1"].callback.attempts == 0  # type: ignore[union-attr]


def test_a_missed_ring_keeps_the_callback_at_its_place() -> None:
    d = desk()
    called_back(d)
    key = d.engine.admission.calls["k1"].key
    ring = d.rings(d.send(e.AgentWentReady("a1")))[0]
    out = d.at(20).send(e.RingFailed(ring.ring_id, "no answer"))
    assert not dials(out)
    assert d.engine.admission.calls["k1"].key == key
    assert [r.call_id for r in d.rings(out)] == ["k1"]  # the first still: a1 rung again


def test_callbacks_wait_for_the_opening_and_step_aside_at_closing_time() -> None:
    d = desk(hours=Hours(opens=3600, closes=7200))
    called_back(d)  # at T0: closed
    assert state(d) is CallbackState.DEFERRED
    assert not d.rings(d.send(e.AgentWentReady("a1")))
    d.send(e.AgentPaused("a1"))
    out = d.at(3600).send(e.TimerFired(CallbackTimer("k1")))
    assert state(d) is CallbackState.WAITING
    assert c.StartTimer(CallbackTimer("k1"), T0 + timedelta(seconds=7200)) in out
    d.at(7200).send(e.TimerFired(CallbackTimer("k1")))  # closing time
    assert state(d) is CallbackState.DEFERRED
    assert not d.rings(d.send(e.AgentWentReady("a2")))
    assert c.StartTimer(CallbackTimer("k1"), T0 + timedelta(days=1, seconds=3600)) in d.said


def test_a_callback_does_not_overflow_on_the_maximum_wait() -> None:
    timeout = {Limit.TIMEOUT: OverflowAction(OverflowKind.MESSAGE, "later")}
    d = desk(max_wait_seconds=60, overflow=timeout)
    called_back(d)
    assert c.CancelTimer(MaxWaitTimer("k1")) in d.said
    d.at(60).send(e.TimerFired(MaxWaitTimer("k1")))
    assert state(d) is CallbackState.WAITING


def test_bad_requests_are_refused_and_change_nothing() -> None:
    d = desk()
    with pytest.raises(NoCallbackHere):
        d.send(e.CallbackRequested("nobody", "0591234567"))
    d.caller("k1")
    with pytest.raises(NoCallbackHere):
        d.send(e.CallbackRequested("k1", "059 123"))
    d.send(e.CallbackRequested("k1", "0591234567"))
    with pytest.raises(NoCallbackHere):
        d.send(e.CallbackRequested("k1", "0591234567"))
    plain = Desk({"a1": {"urp"}})  # no callback for the service
    plain.caller("k1")
    with pytest.raises(NoCallbackHere):
        plain.send(e.CallbackRequested("k1", "0591234567"))


def test_nothing_is_offered_while_the_caller_is_still_on_the_line() -> None:
    d = desk()
    d.caller("k1")
    d.send(e.CallbackRequested("k1", "0591234567"))
    assert not d.rings(d.send(e.AgentWentReady("a1")))
    assert [r.call_id for r in d.rings(d.send(e.HungUp("k1")))] == ["k1"]


def test_cancel_and_reschedule_from_the_panel() -> None:
    d = desk()
    called_back(d)
    with pytest.raises(BadTime):
        d.send(e.CallbackRescheduled("k1", T0 - timedelta(minutes=1)))
    with pytest.raises(NotYours):
        d.send(e.CallbackCancelled("k1", agent_id="a1"))  # no agent has tried it yet
    at = T0 + timedelta(hours=2)
    d.send(e.CallbackRescheduled("k1", at))
    assert state(d) is CallbackState.DEFERRED
    assert not d.rings(d.send(e.AgentWentReady("a1")))
    d.send(e.CallbackCancelled("k1"))
    assert d.contact("k1").outcome == CallbackOutcome.CANCELLED
    assert c.CancelTimer(CallbackTimer("k1")) in d.said


def test_an_agent_may_cancel_its_own_but_not_one_in_progress() -> None:
    d = desk()
    called_back(d)
    ring = d.rings(d.send(e.AgentWentReady("a1")))[0]
    with pytest.raises(CallbackBusy):
        d.send(e.CallbackCancelled("k1"))
    leg = dials(d.send(e.AgentAnswered(ring.ring_id)))[0].leg
    d.send(e.CitizenNotReached(leg, AttemptResult.NO_ANSWER))
    with pytest.raises(NotYours):
        d.send(e.CallbackCancelled("k1", agent_id="a2"))
    d.send(e.CallbackCancelled("k1", agent_id="a1"))
    assert "k1" not in d.engine.admission.calls


def test_the_dial_backstop_counts_an_attempt() -> None:
    d = desk()
    called_back(d)
    ring = d.rings(d.send(e.AgentWentReady("a1")))[0]
    leg = dials(d.send(e.AgentAnswered(ring.ring_id)))[0].leg
    d.at(40).send(e.TimerFired(DialTimer(leg)))
    assert state(d) is CallbackState.DEFERRED


def test_an_engine_stop_keeps_the_callback_and_a_restart_takes_it_back_at_its_place() -> None:
    d = desk()
    called_back(d)
    record = [x.record for x in d.said if isinstance(x, c.SaveCallback)][-1]
    contact = d.contact("k1")
    d.send(e.EngineStopping())
    assert d.contact("k1").ended_at is None  # not closed: the next start takes it back
    again = desk()
    again.at(50).caller("k2")  # a caller taken back or arrived after the callback
    again.send(e.CallbackResumed(record, contact.entered_queue_at or T0, contact))
    ring = again.rings(again.send(e.AgentWentReady("a1")))
    assert [r.call_id for r in ring] == ["k1"]


def test_a_failed_attempt_not_allowed_by_the_trunk_ends_it() -> None:
    d = desk()
    called_back(d)
    ring = d.rings(d.send(e.AgentWentReady("a1")))[0]
    leg = dials(d.send(e.AgentAnswered(ring.ring_id)))[0].leg
    d.send(e.CitizenNotReached(leg, AttemptResult.NOT_ALLOWED))
    assert d.contact("k1").outcome == CallbackOutcome.REFUSED


def test_an_agent_answering_after_closing_time_dials_nobody() -> None:
    d = desk(hours=Hours(opens=0, closes=60))
    called_back(d)
    ring = d.rings(d.send(e.AgentWentReady("a1")))[0]
    out = d.at(61).send(e.AgentAnswered(ring.ring_id))
    assert not dials(out)
    assert c.HangUpChannel(ring.ring_id) in out
    assert state(d) is CallbackState.DEFERRED
    assert d.engine.agent_view("a1").state is AgentState.READY


def test_the_offer_comes_once_the_wait_or_the_estimate_passes_its_threshold() -> None:
    rules = CallbackRules("provider", offer_after_seconds=60, offer_wait_seconds=None)
    d = desk(rules)
    d.caller("k1")
    assert d.engine.callback_offer("k1", T0 + timedelta(seconds=59)) is None
    assert d.engine.callback_offer("k1", T0 + timedelta(seconds=60)) == rules
    d.send(e.CallbackRequested("k1", "0591234567"))
    assert d.engine.callback_offer("k1", T0 + timedelta(seconds=90)) is None  # asked already
    assert d.engine.callback_offer("gone", T0) is None
    by_estimate = CallbackRules("provider", offer_wait_seconds=1)
    d = desk(by_estimate)  # nobody ready: the estimate is long at once
    d.caller("k2")
    estimate = d.engine.waiting_figures("k2")
    assert estimate is not None
    expected = by_estimate if (estimate[1] or 0) > 1 else None
    assert d.engine.callback_offer("k2", T0) == expected


@pytest.mark.parametrize(
    ("cause", "result"),
    [("User busy", AttemptResult.BUSY), ("No user responding", AttemptResult.NO_ANSWER),
     ("Call Rejected", AttemptResult.FAILED)],
)  # fmt: skip
def test_the_citizens_leg_hanging_up_unanswered_says_why(cause: str, result: AttemptResult) -> None:
    d = desk()
    called_back(d)
    ring = d.rings(d.at(10).send(e.AgentWentReady("a1")))[0]
    leg = dials(d.send(e.AgentAnswered(ring.ring_id)))[0].leg
    out = d.at(15).send(e.HungUp(leg, cause))
    attempts = [x.record for x in out if isinstance(x, c.SaveCallbackAttempt)]
    assert [a.result for a in attempts] == [result]
    assert c.HangUpChannel(ring.ring_id) in out
    assert state(d) is CallbackState.DEFERRED
