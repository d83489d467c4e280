"""Callbacks: a waiting caller hangs up keeping its place and is called back (the theory of
operation is in ``acd.core.callback``). Owns the citizens' legs of the calls out.

The call stays in ``Admission``'s queue with its key all along; this part decides when it
is in its pool (offered to agents) and when it steps aside (``CallbackTimer``), turns an
agent's answer into ``DialCitizen`` and the citizen's answer into a ``Connect``, counts the
attempts, and keeps the store told (``SaveCallback``, ``SaveCallbackAttempt``).

Errors (``CallbackRefused``, a request the core refuses; state unchanged)::

    NoCallbackHere    the call is not waiting in a queue that offers callbacks
    NotACallback      no pending callback of that id
    NotYours          an agent may cancel or reschedule only the callbacks it last tried
    CallbackBusy      an agent rings for it, or its citizen's phone rings
    BadTime           a reschedule or a scheduled time in the past, too far ahead, or
                      (scheduled) while the service is closed
    AlreadyPending    a scheduled callback for a number and service that have one pending
                      (its id in ``call_id``: the existing one stands, nothing new is made)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from acd.core import commands as c
from acd.core import events as e
from acd.core.admission import Admission
from acd.core.callback import (
    AttemptRecord,
    AttemptResult,
    Callback,
    CallbackMove,
    CallbackOrigin,
    CallbackOutcome,
    CallbackRecord,
    CallbackRules,
    CallbackState,
    OpeningHours,
    result_of_cause,
)
from acd.core.contact import Contact
from acd.core.desk import AcdError, Desk
from acd.core.floor import Floor
from acd.core.model import Call, Ring
from acd.core.queue import queue_key
from acd.core.rings import Rings
from acd.core.timers import CallbackTimer, DialTimer, MaxWaitTimer
from agents.states import Move

DIAL_MARGIN = timedelta(seconds=10)  # Asterisk's own no-answer comes before the backstop
RESCHEDULE_AHEAD = timedelta(days=30)  # the furthest a callback may be put off
CLOSED_LOOK_AGAIN = timedelta(days=1)  # a service with no opening in sight: look daily
_S, _M = CallbackState, CallbackMove
_OUTCOMES = frozenset(o.value for o in CallbackOutcome)


class CallbackRefused(AcdError):
    code = "refused"


class NoCallbackHere(CallbackRefused):
    code = "no-callback"


class NotACallback(CallbackRefused):
    code = "not-a-callback"


class NotYours(CallbackRefused):
    code = "not-yours"


class CallbackBusy(CallbackRefused):
    code = "in-progress"


class BadTime(CallbackRefused):
    code = "bad-time"


class AlreadyPending(CallbackRefused):
    code = "already-pending"

    def __init__(self, message: str, call_id: str) -> None:
        super().__init__(message)
        self.call_id = call_id


SCHEDULE_SLACK = timedelta(minutes=1)  # a time "now" that took a moment to arrive


class Callbacks:
    def __init__(self, floor: Floor, admission: Admission, desk: Desk, rings: Rings) -> None:
        self.floor, self.admission, self.desk, self.rings = floor, admission, desk, rings
        self.calls = floor.calls
        self.legs: dict[str, str] = {}  # a citizen's leg -> its call
        admission.callbacks = rings.callbacks = self

    # -- the caller's request ------------------------------------------------------------

    def requested(self, ev: e.CallbackRequested) -> None:
        call = self.calls.get(ev.call_id)
        rules = self._rules(call) if call is not None else None
        if call is None or rules is None or call.key is None or call.connected:
            raise NoCallbackHere(f"call {ev.call_id!r} is not waiting for a callback service")
        if call.callback is not None:
            raise NoCallbackHere(f"call {ev.call_id!r} has a callback already")
        if call.ring_id is not None:
            raise CallbackBusy(f"call {ev.call_id!r} rings an agent: it is about to be answered")
        if not ev.number.lstrip("+").isdigit():
            raise NoCallbackHere("a callback number is digits, with an optional leading +")
        self.admission.router.remove_call(self.admission.pool_of(call), call.key)
        self._drop_timer(call, MaxWaitTimer(call.call_id))  # a callback does not overflow
        call.callback = Callback(ev.number, self.floor.now)
        self._save(call)

    def scheduled(self, ev: e.CallbackScheduled) -> None:
        """A callback for later, nobody on the line: in line at its time (its key from
        ``at``, the service's scheduled priority), aside until then."""
        now, service = self.floor.now, self.floor.services.get(ev.service)
        rules = service.callback if service is not None else None
        if service is None or rules is None or ev.service not in self.admission.queues:
            raise NoCallbackHere(f"service {ev.service!r} takes no callbacks")
        if ev.call_id in self.calls:
            raise NoCallbackHere(f"call {ev.call_id!r} exists already")
        if not ev.number.lstrip("+").isdigit():
            raise NoCallbackHere("a callback number is digits, with an optional leading +")
        self._no_twin(ev.number, ev.service)
        at = self._schedulable(ev.at, service.hours)
        contact = Contact(ev.call_id, ev.number, "", now).queued(ev.service, ev.ivr_path, at)
        call = Call(ev.call_id, "", contact)
        call.language, call.priority = ev.language, float(rules.scheduled_priority)
        call.callback = Callback(ev.number, now, _S.DEFERRED, due=at, agent_id=ev.agent_id,
                                 rescheduled=True, origin=ev.origin, note=ev.note,
                                 scheduled_for=at)  # fmt: skip
        self.calls[ev.call_id] = call
        call.key = queue_key(call.priority, self.rings.sequence(), ev.call_id, at.timestamp(),
                             self.floor.policy.aging_seconds)  # fmt: skip
        self.admission.rejoin(call)
        self._place(call)

    def _no_twin(self, number: str, service: str) -> None:
        for call in self.calls.values():
            callback = call.callback
            if callback is not None and callback.pending and callback.number == number \
                    and call.service == service:  # fmt: skip
                raise AlreadyPending(f"a callback to that number is pending in {service}",
                                     call.call_id)  # fmt: skip

    def _schedulable(self, at: datetime, hours: OpeningHours | None) -> datetime:
        """``at`` as a scheduled callback's time: now at the earliest, in the next 30 days,
        in an opening (a time now or past waits for the next opening by itself)."""
        now = self.floor.now
        if at < now - SCHEDULE_SLACK or at > now + RESCHEDULE_AHEAD:
            raise BadTime(f"a callback is scheduled between now and {RESCHEDULE_AHEAD.days} "
                          "days ahead")  # fmt: skip
        if at > now and hours is not None and not hours.is_open(at):
            opening = hours.next_opening(at)
            then = f": the next opening is {opening.isoformat()}" if opening else ""
            raise BadTime(f"the service is closed at {at.isoformat()}{then}")
        return max(at, now)

    def from_voice_message(self, message: Call, agent_id: str) -> None:
        """The caller of a voice message ``agent_id`` works is to be called back: a callback
        in the message's service at the message's place (its key from when it was
        recorded), ``agent_id``'s own, with a contact of its own (the message's call has
        ended; it started when the message was recorded). Its origin is ``agent``: the
        agent asked for it, the citizen never waited on the line for it."""
        task, rules = message.voice_message, self._rules(message)
        assert task is not None
        assert rules is not None
        call_id, number = f"{message.call_id}-callback", message.contact.caller_number
        service = message.service or ""
        first = Contact(call_id, number, "", task.recorded_at, message.contact.ivr_path)
        call = Call(call_id, "", first.queued(service, None, task.recorded_at))
        call.language, call.priority = message.language, message.priority
        call.callback = Callback(number, self.floor.now, _S.DEFERRED, agent_id=agent_id,
                                 origin=CallbackOrigin.AGENT)  # fmt: skip
        self.calls[call_id] = call
        at, aging = task.recorded_at.timestamp(), self.floor.policy.aging_seconds
        call.key = queue_key(call.priority, self.rings.sequence(), call_id, at, aging)
        self.floor.save(call)
        self.admission.rejoin(call)
        self._place(call)

    def caller_gone(self, call: Call) -> None:
        """The caller's channel is gone (after the confirmation, or before it ended)."""
        callback = call.callback
        assert callback is not None
        if callback.state is _S.LIVE:
            callback.move(_M.CALLER_GONE)
            call.channel = ""
            self._place(call)

    # -- in the pool, or aside -----------------------------------------------------------

    def _place(self, call: Call) -> None:
        """A callback WAITING (out of its pool) or DEFERRED: in its pool now, or aside until
        it is due or the service opens, or, every attempt made, its last call or its end."""
        callback, rules, now = call.callback, self._rules(call), self.floor.now
        assert callback is not None
        assert rules is not None
        hours = self.floor.services[call.service or ""].hours
        if callback.due is not None and callback.due > now:
            self._aside(call, callback.due)
        elif hours is not None and not hours.is_open(now):
            self._aside(call, hours.next_opening(now) or now + CLOSED_LOOK_AGAIN)
        elif callback.attempts >= rules.attempts:
            self._last_call(call, rules)
        else:
            if callback.state is _S.DEFERRED:
                callback.move(_M.DUE)
            callback.due, callback.rescheduled = None, False
            self.admission.wait_in_pool(call)
            closing = hours.next_closing(now) if hours is not None else None
            if closing is not None:
                self.admission.start_timer(call, CallbackTimer(call.call_id), closing)
            self._save(call)

    def _aside(self, call: Call, until: datetime) -> None:
        callback = call.callback
        assert callback is not None
        if callback.state is _S.WAITING:
            callback.move(_M.SET_ASIDE)
        callback.due = until
        self.admission.start_timer(call, CallbackTimer(call.call_id), until)
        self._save(call)

    def timer_fired(self, call_id: str) -> None:
        """Due again (DEFERRED), or closing time for one in its pool (WAITING)."""
        call = self.calls.get(call_id)
        callback = call.callback if call is not None else None
        if call is None or callback is None or call.key is None:
            return
        if callback.state is _S.WAITING:
            self.admission.router.remove_call(self.admission.pool_of(call), call.key)
            self._place(call)
        elif callback.state is _S.DEFERRED:
            self._place(call)

    def ring_ended(self, call: Call) -> None:
        """The agent rung for it did not answer (or could not be rung): at its place."""
        callback = call.callback
        assert callback is not None
        callback.move(_M.RING_ENDED)
        self._place(call)

    # -- the call out --------------------------------------------------------------------

    def rung(self, call: Call, agent_id: str) -> None:
        callback = call.callback
        assert callback is not None
        callback.move(_M.RING)
        callback.agent_id = agent_id

    def agent_answered(self, call: Call, ring: Ring) -> None:
        """The agent took the callback: now the citizen is dialled, the agent listening."""
        callback, rules = call.callback, self._rules(call)
        assert callback is not None
        assert rules is not None
        callback.move(_M.ANSWER)
        hours = self.floor.services[call.service or ""].hours
        if hours is not None and not hours.is_open(self.floor.now):  # closed while it rang
            self.floor.say(c.HangUpChannel(ring.ring_id))
            self.rings.drop(ring)
            self.desk.free(self.desk.seats[ring.agent_id], Move.NOT_REACHED)
            assert call.key is not None
            self.admission.queues[call.service or ""].ring_ended(call.key)
            callback.move(_M.RING_ENDED)
            self._place(call)
            return
        self._dial(call, rules)

    def _dial(self, call: Call, rules: CallbackRules, prompt: str = "") -> None:
        callback, now = call.callback, self.floor.now
        assert callback is not None
        leg = self.rings.new_ring_id()
        callback.leg, callback.leg_started = leg, now
        self.legs[leg] = call.call_id
        self.floor.say(c.DialCitizen(call.call_id, leg, rules.trunk, callback.number,
                                     rules.ring_seconds, prompt, call.language))  # fmt: skip
        at = now + timedelta(seconds=rules.ring_seconds) + DIAL_MARGIN
        self.floor.say(c.StartTimer(DialTimer(leg), at))
        self._save(call)

    def citizen_answered(self, ev: e.CitizenAnswered) -> None:
        call = self._of_leg(ev.leg)
        callback = call.callback if call is not None else None
        if call is None or callback is None or callback.leg != ev.leg:
            return
        self.floor.say(c.CancelTimer(DialTimer(ev.leg)))
        if callback.state is _S.MESSAGE:  # the dialplan plays the message and hangs up
            self._attempt(call, None, AttemptResult.MESSAGE)
            self._end(call, CallbackOutcome.MESSAGE_LEFT)
            return
        if callback.state is not _S.DIALLING:
            return
        ring = self.rings.rings[call.ring_id or ""]
        callback.move(_M.REACHED)
        self._attempt(call, ring.agent_id, AttemptResult.ANSWERED)
        call.channel = ev.leg  # from now on an ordinary call on the citizen's leg
        call.talk_since = now = self.floor.now
        call.contact = call.contact.answered_by(ring.agent_id, now)
        self.floor.save(call)
        self._save(call)
        self.rings.connect(ring)

    def not_reached(self, leg: str, result: AttemptResult, reason: str = "") -> None:
        """The call out failed (Asterisk's answer, the backstop timer, a hang-up before the
        answer): the agent freed at once, the next attempt spaced, or the end."""
        call = self._of_leg(leg)
        callback = call.callback if call is not None else None
        if call is None or callback is None or callback.leg != leg:
            return
        self.floor.say(c.CancelTimer(DialTimer(leg)))
        del self.legs[leg]
        callback.leg = None
        if callback.state is _S.MESSAGE:
            self._attempt(call, None, result)
            self._end(call, CallbackOutcome.FAILED)
            return
        if callback.state is not _S.DIALLING:
            return
        ring = self.rings.rings[call.ring_id or ""]
        self._attempt(call, ring.agent_id, result)
        self.floor.say(c.HangUpChannel(ring.ring_id))  # the agent listened to it ringing
        self.rings.drop(ring)
        self.desk.free(self.desk.seats[ring.agent_id], Move.NOT_REACHED)
        assert call.key is not None
        self.admission.queues[call.service or ""].ring_ended(call.key)
        callback.attempts += 1
        callback.move(_M.NOT_REACHED)
        if result is AttemptResult.NOT_ALLOWED:
            self._end(call, CallbackOutcome.REFUSED)
            return
        rules = self._rules(call)
        assert rules is not None
        if callback.attempts < rules.attempts or rules.message:
            callback.due = self.floor.now + rules.spacing
        self._place(call)

    def agent_left(self, call: Call, ring: Ring) -> None:
        """The agent hung up while the citizen's phone rang: the call out is dropped, the
        callback waits at its place again (no attempt counted: nobody was unreachable)."""
        callback = call.callback
        assert callback is not None
        leg = callback.leg
        if leg is not None:
            self.floor.say(c.HangUpChannel(leg))
            self.floor.say(c.CancelTimer(DialTimer(leg)))
            self.legs.pop(leg, None)
            self._attempt(call, ring.agent_id, AttemptResult.AGENT_LEFT)
        callback.leg = None
        self.rings.release(call, ring)
        assert call.key is not None
        self.admission.queues[call.service or ""].ring_ended(call.key)
        callback.move(_M.RING_ENDED)
        self._place(call)

    def _last_call(self, call: Call, rules: CallbackRules) -> None:
        """Every attempt failed: the service's message, if it has one, else the end."""
        callback = call.callback
        assert callback is not None
        if not rules.message:
            self._end(call, CallbackOutcome.FAILED)
            return
        if callback.state is _S.WAITING:
            callback.move(_M.SET_ASIDE)
        callback.move(_M.MESSAGE)
        callback.due = None
        self._dial(call, rules, rules.message)

    def leg_hung_up(self, leg: str, cause: str = "") -> str | None:
        """A citizen's leg hung up: an attempt that failed (by its cause: busy, no answer,
        else failed), or the end of a talk (then the call id, which the rings handle as a
        caller's hang-up)."""
        call = self._of_leg(leg)
        callback = call.callback if call is not None else None
        if call is None or callback is None:
            self.legs.pop(leg, None)
            return None
        if callback.leg == leg and callback.state in (_S.DIALLING, _S.MESSAGE):
            self.not_reached(leg, result_of_cause(cause), f"hung up before the answer ({cause})")
            return None
        return call.call_id if call.channel == leg else None

    def call_of(self, leg: str) -> str | None:
        """The call a connected citizen's leg belongs to (its channel now)."""
        call = self._of_leg(leg)
        return call.call_id if call is not None and call.channel == leg else None

    # -- from the panel ------------------------------------------------------------------

    def cancel(self, ev: e.CallbackCancelled) -> None:
        call = self._pending(ev.call_id, ev.agent_id)
        self._end(call, CallbackOutcome.CANCELLED)  # out of its queue, pool and timers

    def reschedule(self, ev: e.CallbackRescheduled) -> None:
        call = self._pending(ev.call_id, ev.agent_id)
        callback, now = call.callback, self.floor.now
        assert callback is not None
        assert call.key is not None
        if not now < ev.at <= now + RESCHEDULE_AHEAD:
            raise BadTime(f"a callback is put off to a time in the next {RESCHEDULE_AHEAD.days}"
                          " days")  # fmt: skip
        if callback.state is _S.WAITING:
            self.admission.router.remove_call(self.admission.pool_of(call), call.key)
        callback.rescheduled = True
        self._aside(call, ev.at)

    def _pending(self, call_id: str, agent_id: str | None) -> Call:
        call = self.calls.get(call_id)
        callback = call.callback if call is not None else None
        if call is None or callback is None or not callback.pending:
            raise NotACallback(f"no pending callback {call_id!r}")
        if agent_id is not None and callback.agent_id != agent_id:
            raise NotYours(f"callback {call_id!r} is not {agent_id}'s")
        if callback.state not in (_S.WAITING, _S.DEFERRED):
            raise CallbackBusy(f"callback {call_id!r} is {callback.state.value}")
        return call

    # -- restarts and stops --------------------------------------------------------------

    def resumed(self, ev: e.CallbackResumed) -> None:
        """A pending callback read back after a restart: at its place (its key from its
        first entry and its priority), then in its pool or aside as its time says."""
        r = ev.record
        if r.call_id in self.calls or r.service not in self.admission.queues:
            self.floor.warn(f"not resumed callback {r.call_id}: known call or no service")
            return
        record = ev.contact or Contact(r.call_id, r.number, "", ev.entered_at)
        call = Call(r.call_id, "", record.resumed(r.service, ev.entered_at))
        call.extra, call.language, call.priority = r.requirement, r.language, r.priority
        call.callback = Callback(r.number, r.requested_at, _S.DEFERRED, r.attempts, r.due,
                                 agent_id=r.agent_id, origin=r.origin, note=r.note,
                                 scheduled_for=r.scheduled_for)  # fmt: skip
        self.calls[r.call_id] = call
        policy = self.floor.policy
        call.key = queue_key(r.priority, self.rings.sequence(), r.call_id,
                             ev.entered_at.timestamp(), policy.aging_seconds)  # fmt: skip
        self.admission.rejoin(call)
        self._place(call)

    def forget(self, call: Call) -> None:
        """The engine stops: a pending callback is left to the store (the next start takes
        it back), not closed; a call out in flight is left to Asterisk."""
        callback = call.callback
        assert callback is not None
        if callback.leg is not None:
            self.legs.pop(callback.leg, None)
        self.admission.forget(call)

    def alive(self, call: Call, live: frozenset[str]) -> bool:
        """Whether a call with a callback is still there after an AMI outage: a pending one
        lives in the engine (but for its caller still on the line), a reached one on the
        citizen's leg."""
        callback = call.callback
        assert callback is not None
        if callback.state is _S.LIVE:
            return call.call_id in live
        if callback.pending:
            leg = callback.leg
            if leg is not None and leg not in live:
                self.not_reached(leg, AttemptResult.FAILED, "gone while telephony was away")
            return True
        return call.channel in live

    # -- helpers -------------------------------------------------------------------------

    def _rules(self, call: Call) -> CallbackRules | None:
        rules = self.floor.services.get(call.service or "")
        return rules.callback if rules is not None else None

    def _of_leg(self, leg: str) -> Call | None:
        return self.calls.get(self.legs.get(leg, ""))

    def _drop_timer(self, call: Call, key: MaxWaitTimer) -> None:
        if key in call.timers:
            call.timers = tuple(k for k in call.timers if k != key)
            self.floor.say(c.CancelTimer(key))

    def _end(self, call: Call, outcome: CallbackOutcome) -> None:
        """The callback is over unanswered (failed, cancelled, message left)."""
        callback = call.callback
        assert callback is not None
        if callback.leg is not None:
            self.floor.say(c.CancelTimer(DialTimer(callback.leg)))
            self.legs.pop(callback.leg, None)
            callback.leg = None
        self.admission.finish(call, outcome)

    def finished(self, call: Call, outcome: str) -> None:
        """``call`` ended (``Admission.finish``): its callback is over, and stored so."""
        callback = call.callback
        assert callback is not None
        if callback.state is _S.DONE:
            return
        callback.over()
        known = outcome in _OUTCOMES
        answered = call.contact.answered_at is not None
        end = CallbackOutcome(outcome) if known else (
            CallbackOutcome.ANSWERED if answered else CallbackOutcome.FAILED)  # fmt: skip
        self.floor.say(c.SaveCallback(record_of(call, end, self.floor.now)))

    def _attempt(self, call: Call, agent_id: str | None, result: AttemptResult) -> None:
        callback, now = call.callback, self.floor.now
        assert callback is not None
        number = callback.attempts + 1
        started = callback.leg_started or now
        self.floor.say(c.SaveCallbackAttempt(AttemptRecord(call.call_id, number, agent_id,
                                                           started, now, result)))  # fmt: skip

    def _save(self, call: Call) -> None:
        self.floor.say(c.SaveCallback(record_of(call)))


def record_of(
    call: Call, outcome: CallbackOutcome | None = None, at: datetime | None = None
) -> CallbackRecord:
    """The store's record of ``call``'s callback now (``outcome``: it is over, at ``at``)."""
    callback = call.callback
    assert callback is not None
    state = _S.DONE if outcome is not None else callback.state
    return CallbackRecord(
        call.call_id,
        call.service or "",
        callback.number,
        call.language,
        call.priority,
        call.extra,
        callback.requested_at,
        state,
        callback.attempts,
        callback.due,
        callback.agent_id,
        outcome,
        at,
        callback.origin,
        callback.note,
        callback.scheduled_for,
    )
