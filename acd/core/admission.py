"""Admission: calls arriving, entering their service's queue, its limits and overflow,
relaxation, and the end of a call. Owns the queues, the pools' waiting calls and the memory
of callers cut off.

An extra requirement (the IVR's, a kiosk's video) may hold for a time only
(``requirement_seconds``): a ``RequirementTimer`` then drops it, and the call waits in the
pool of its service's own requirement (a kiosk's call turns voice: its view's
``requirement`` says so to the kiosk's feed).

A call enters its service's queue with a key that never changes (see ``RoutingPolicy``); it
waits in the pool of its current effective requirement; a ``RelaxTimer`` moves it to the
next, wider pool; a limit (``Limit``) hands it to the service's overflow action: another
service (it keeps its key), or a message and hang-up, or a voice message
(``RedirectCaller``, with ``voicemail_seconds`` for the latter). A redirect needs AMI: while
telephony is down it falls due (``Call.overflow_due``) and is made once it is back.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from acd.core import commands as c
from acd.core import events as e
from acd.core.callback import CallbackState
from acd.core.contact import CUT_OFF, Contact, EndCause, Outcome
from acd.core.floor import Floor
from acd.core.model import (
    Call,
    Limit,
    OverflowKind,
    PriorityReason,
    ServiceRules,
    requirement_of,
)
from acd.core.queue import ServiceQueue, queue_key
from acd.core.recall import RecentCallers
from acd.core.requirements import RequirementError, both, either, parse
from acd.core.routing import Pool, Router
from acd.core.timers import MaxWaitTimer, RelaxTimer, RequirementTimer, TimerKey

if TYPE_CHECKING:
    from acd.core.callbacks import Callbacks


class Admission:
    callbacks: Callbacks  # the callbacks' part, which sets itself here (it needs Admission)

    def __init__(self, floor: Floor, router: Router, seq: itertools.count[int]) -> None:
        self.floor, self.router, self._seq = floor, router, seq
        self.services, self.calls = floor.services, floor.calls
        self.queues = {name: ServiceQueue() for name in floor.services}
        policy = floor.policy
        self.recent = RecentCallers(policy.recall_window_seconds, policy.recall_memory)
        for name, rules in floor.services.items():
            for stage in range(len(rules.relax) + 1):
                self.pool(name, stage, "")

    # -- arriving and entering -----------------------------------------------------------

    def arrived(self, ev: e.CallArrived) -> None:
        contact = Contact(ev.call_id, ev.caller_number, ev.dialled_number, self.floor.now)
        call = self.calls[ev.call_id] = Call(ev.call_id, ev.channel, contact)
        self.floor.save(call)

    def entered(self, ev: e.CallerEntered) -> None:
        call = self.calls.get(ev.call_id)
        if call is None or ev.service not in self.queues or call.key is not None:
            self.floor.warn(f"ignored {ev!r}: unknown call or service")
            return
        now = self.floor.now
        call.extra, call.language = self._checked_extra(ev.requirement), ev.language
        self._give_key(call, ev.service, ev.priority, now)
        self._enqueue(call, ev.service, call.contact.queued(ev.service, ev.ivr_path, now))
        self._hold_requirement(call, now, ev.requirement_seconds)

    def resumed(self, ev: e.CallerResumed) -> None:
        """A caller still waiting after a restart: back at its place, from its first entry.

        It was admitted once, so the entry limits (closed, full, no agents) are not asked
        again: callers waiting when the engine stopped are answered, like those waiting at
        closing time. A call the engine knows (an AMI reconnect, not a restart) is left as is.
        """
        if ev.call_id in self.calls or ev.service not in self.queues:
            self.floor.warn(f"not resumed {ev.call_id}: known call or no service")
            return
        record = ev.record or Contact(ev.call_id, ev.caller_number, ev.dialled_number,
                                      ev.entered_at)  # fmt: skip
        stored = record.service  # where it waited last: another one after an overflow
        service = stored if stored is not None and stored in self.queues else ev.service
        call = Call(ev.call_id, ev.channel, record.resumed(service, ev.entered_at))
        self.calls[ev.call_id] = call
        call.extra, call.language = self._checked_extra(ev.requirement), ev.language
        self._give_key(call, ev.service, ev.priority, ev.entered_at)
        if ev.boost > 0:  # a supervisor's, written on the channel (NoteBoost)
            reasons = _added(call.priority_reasons, PriorityReason.SUPERVISOR, ev.boost)
            call.priority_reasons = reasons
            call.priority = sum(p for _, p in reasons)
            aging = self.floor.policy.aging_seconds
            at = ev.entered_at.timestamp()
            call.key = queue_key(call.priority, next(self._seq), call.call_id, at, aging)
        rules = self.services[service]
        call.stage, call.overflow_due = self._stage_reached(call, rules), None
        if (
            ev.requirement_seconds is not None
            and call.extra
            and (self.floor.now - ev.entered_at).total_seconds() >= ev.requirement_seconds
        ):
            call.extra = ""  # its time passed while the engine was away
        self._join_queue(call, service, rules)
        self._hold_requirement(call, ev.entered_at, ev.requirement_seconds)

    def left_ivr(self, ev: e.IvrLeft) -> None:
        call = self.calls.get(ev.call_id)
        if call is not None:
            call.contact = call.contact.left_ivr(ev.ivr_path, ev.outcome)
            self.floor.save(call)

    def _checked_extra(self, text: str) -> str:
        stripped = text.strip()
        try:
            parse(stripped)
        except RequirementError as exc:
            self.floor.warn(f"ignored the IVR's requirement {text!r}: {exc}")
            return ""
        return stripped

    def _give_key(self, call: Call, service: str, ivr_priority: int, entered: datetime) -> None:
        at, aging = entered.timestamp(), self.floor.policy.aging_seconds
        call.priority_reasons = self._priority(call, service, ivr_priority, at)
        call.priority = sum(points for _, points in call.priority_reasons)
        call.key = queue_key(call.priority, next(self._seq), call.call_id, at, aging)

    def _priority(
        self, call: Call, service: str, ivr_priority: int, now: float
    ) -> tuple[tuple[PriorityReason, float], ...]:
        """The IVR branch's, the service's weight, the number dialled's, a recall boost:
        each with its points, those of zero left out."""
        policy = self.floor.policy
        recalled = self.recent.recalled(call.contact.caller_number, now)
        points = {
            PriorityReason.IVR: ivr_priority,
            PriorityReason.SERVICE: self.services[service].weight,
            PriorityReason.NUMBER: policy.dialled_priority.get(call.contact.dialled_number, 0),
            PriorityReason.RECALL: policy.recall_priority if recalled else 0,
        }
        return tuple((reason, float(p)) for reason, p in points.items() if p)

    def _enqueue(self, call: Call, service: str, contact: Contact) -> None:
        """Put the call in ``service``'s queue (``contact``: its record, queued there),
        unless a limit sends it elsewhere."""
        rules = self.services[service]
        call.contact = contact
        call.stage, call.overflow_due = self._stage_reached(call, rules), None
        closed = rules.open_at is not None and not rules.open_at(self.floor.now)
        if closed and self.overflow(call, Limit.CLOSED):
            return
        full = rules.max_waiting is not None and len(self.queues[service]) >= rules.max_waiting
        if full and self.overflow(call, Limit.FULL):
            return
        widest = self.pool(service, len(rules.relax), call.extra)
        if widest.staffed == 0 and self.overflow(call, Limit.NO_AGENTS):
            return
        self._join_queue(call, service, rules)

    def _join_queue(self, call: Call, service: str, rules: ServiceRules) -> None:
        """Admitted: the record saved, in line and in its pool, its queue timers started."""
        self.floor.save(call)
        assert call.key is not None
        self.queues[service].add(call.key)
        self.wait_in_pool(call)
        self._start_queue_timers(call, rules)

    def _stage_reached(self, call: Call, rules: ServiceRules) -> int:
        if not rules.relax:
            return 0
        waited = self._waited(call)
        return sum(1 for step in rules.relax if step.after_seconds <= waited)

    def _waited(self, call: Call) -> float:
        return (self.floor.now - self._wait_began(call)).total_seconds()

    def _wait_began(self, call: Call) -> datetime:
        """Where relaxation and the maximum wait count from: its entry in the queue, or its
        re-entry after a transfer (its place in line counts from the first entry)."""
        return call.requeued_at or call.contact.entered_queue_at or self.floor.now

    def _start_queue_timers(self, call: Call, rules: ServiceRules) -> None:
        entered = self._wait_began(call)
        if call.stage < len(rules.relax):
            at = entered + timedelta(seconds=rules.relax[call.stage].after_seconds)
            self._start_timer(call, RelaxTimer(call.call_id), at)
        if rules.max_wait_seconds is not None and Limit.TIMEOUT in rules.overflow:
            at = entered + timedelta(seconds=rules.max_wait_seconds)
            self._start_timer(call, MaxWaitTimer(call.call_id), at)

    def rejoin(self, call: Call) -> None:
        """A callback taken back after a restart: in line at its key, its relaxation timed
        from its first entry (its pool is for ``Callbacks`` to decide)."""
        assert call.key is not None
        service = call.service or ""
        rules = self.services[service]
        self.queues[service].add(call.key)
        call.stage = self._stage_reached(call, rules)
        if call.stage < len(rules.relax):
            at = self._wait_began(call) + timedelta(seconds=rules.relax[call.stage].after_seconds)
            self.start_timer(call, RelaxTimer(call.call_id), at)

    def forget(self, call: Call) -> None:
        """Out of the engine without closing its record (a callback at an engine stop)."""
        self._leave_queue(call)
        del self.calls[call.call_id]

    def start_timer(self, call: Call, key: TimerKey, at: datetime) -> None:
        self._start_timer(call, key, at)

    def _start_timer(self, call: Call, key: TimerKey, at: datetime) -> None:
        if key not in call.timers:
            call.timers += (key,)
        self.floor.say(c.StartTimer(key, at))

    # -- while it waits ------------------------------------------------------------------

    def wait_in_pool(self, call: Call) -> None:
        assert call.key is not None
        self.router.add_call(self.pool_of(call), call.key)
        self.floor.new_calls.append(call.call_id)

    def ring_started(self, call: Call, pool: Pool) -> None:
        """An agent's phone rings for it: out of its pool, in its line still (its place)."""
        assert call.key is not None
        self.router.remove_call(pool, call.key)
        self.queues[call.service or ""].ring_started(call.key)

    def back_in_line(self, call: Call) -> None:
        """The ring ended unanswered (or the agent dropped before the bridge): the call waits
        again at its place, or overflows now if a limit fell due meanwhile, or if nobody
        logged in can take it any more (the agent rung left the service while it rang)."""
        assert call.key is not None
        service = call.service or ""
        self.queues[service].ring_ended(call.key)
        if call.callback is not None and call.callback.pending:
            self.callbacks.ring_ended(call)  # in its pool again, or aside (closed)
            return
        if call.overflow_due is not None and self.overflow(call, call.overflow_due):
            return
        if not self.staffed(call, service) and self.overflow(call, Limit.NO_AGENTS):
            return
        self.wait_in_pool(call)

    def left_queue(self, call: Call) -> None:
        """Bridged: the call leaves its queue for good."""
        self._leave_queue(call)
        call.key = None

    def _hold_requirement(self, call: Call, entered: datetime, seconds: float | None) -> None:
        """The extra requirement of a call admitted to a queue holds ``seconds`` from
        ``entered``, then is dropped (``drop_requirement``)."""
        if (
            seconds is not None
            and call.extra
            and call.key is not None
            and call.call_id in self.calls
        ):
            at = entered + timedelta(seconds=seconds)
            self._start_timer(call, RequirementTimer(call.call_id), at)

    def drop_requirement(self, call: Call) -> None:
        """The call's extra requirement has held its time: from now on it waits in the pool
        of its service's own requirement (at its stage), keeping its key and place."""
        if call.key is None or not call.extra:
            return
        waiting = call.ring_id is None  # a ringing call joins its new pool if the ring fails
        if waiting:
            self.router.remove_call(self.pool_of(call), call.key)
        call.extra = ""
        if waiting:
            self.wait_in_pool(call)

    def relax(self, call: Call) -> None:
        """The next relaxation step: the call moves to a wider pool, keeping its key."""
        rules = self.services[call.service or ""]
        if call.key is None or call.stage >= len(rules.relax):
            return
        waiting = call.ring_id is None and _in_pool(call)
        if waiting:
            self.router.remove_call(self.pool_of(call), call.key)
        call.stage += 1
        if waiting:
            self.wait_in_pool(call)
        if call.stage < len(rules.relax):
            entered = self._wait_began(call)
            at = entered + timedelta(seconds=rules.relax[call.stage].after_seconds)
            self._start_timer(call, RelaxTimer(call.call_id), at)

    def transferred(self, call: Call, service: str | None) -> None:
        """An agent sent the caller back to a queue: ``service``'s (a service's limits apply
        as to any entry), or with None its own (for a colleague: it was admitted there).

        Its place comes from its first entry, ahead by ``transfer_priority`` points; it stays
        one contact, whose path gains a new service. The first answer is kept aside, so the
        contact still says who answered first, and when, while it waits again."""
        contact, now = call.contact, self.floor.now
        if call.first_answer is None and contact.agent_id and contact.answered_at:
            call.first_answer = (contact.agent_id, contact.answered_at)
        call.connected, call.held, call.requeued_at = False, False, now
        call.bridge_failures = 0  # a new agent, a new bridge
        points = float(self.floor.policy.transfer_priority)
        call.priority_reasons = _added(call.priority_reasons, PriorityReason.TRANSFER, points)
        call.priority = sum(p for _, p in call.priority_reasons)
        entered = (contact.entered_queue_at or now).timestamp()
        call.key = queue_key(call.priority, next(self._seq), call.call_id, entered,
                             self.floor.policy.aging_seconds)  # fmt: skip
        if service is not None:
            self._enqueue(call, service, contact.queued(service))
            return
        own = call.service or ""
        call.stage = self._stage_reached(call, self.services[own])
        self._join_queue(call, own, self.services[own])

    def moved(self, call: Call, service: str) -> None:
        """A supervisor moved the waiting ``call`` to ``service``'s queue: as an overflow it
        keeps its key (its place from its first entry, its priority), and its path gains
        the service; relaxation and the maximum wait count from the move, as after a
        transfer. The entry limits are not asked: a supervisor chose it (nobody logged in
        for the service is refused before)."""
        self._leave_queue(call)
        rules = self.services[service]
        call.requeued_at, call.overflow_due = self.floor.now, None
        call.contact = call.contact.queued(service)
        call.stage = self._stage_reached(call, rules)
        self._join_queue(call, service, rules)

    def boosted(self, call: Call, points: float) -> None:
        """A supervisor raised the waiting ``call`` by ``points``: a new key from its first
        entry with its new priority (as ``transferred`` makes one), in its line and pool
        again; its timers go on as they were."""
        service, key = call.service or "", call.key
        assert key is not None
        self.queues[service].remove(key)
        self.router.remove_call(self.pool_of(call), key)
        call.priority_reasons = _added(call.priority_reasons, PriorityReason.SUPERVISOR, points)
        call.priority = sum(p for _, p in call.priority_reasons)
        entered = (call.contact.entered_queue_at or self.floor.now).timestamp()
        call.key = queue_key(call.priority, next(self._seq), call.call_id, entered,
                             self.floor.policy.aging_seconds)  # fmt: skip
        self.queues[service].add(call.key)
        self.wait_in_pool(call)

    def staffed(self, call: Call, service: str) -> bool:
        """Whether someone logged in could take ``call`` in ``service`` (its widest pool)."""
        rules = self.services[service]
        return self.pool(service, len(rules.relax), call.extra).staffed > 0

    def max_wait_passed(self, call: Call) -> None:
        if call.key is not None and call.ring_id is not None:
            call.overflow_due = Limit.TIMEOUT  # the ring may be answered; if not, it overflows
        elif call.key is not None:
            self.overflow(call, Limit.TIMEOUT)

    def staff_left(self, pools: Iterable[Pool]) -> None:
        """An agent left ``pools`` (it logged out, or chose other services): their calls
        that nobody logged in can take any more overflow."""
        for pool in list(pools):  # overflowing may add pools
            for key in list(pool.calls) if pool.staffed == 0 else ():
                call = self.calls[key[2]]
                rules = self.services[call.service or ""]
                if self.pool(call.service or "", len(rules.relax), call.extra).staffed == 0:
                    self.overflow(call, Limit.NO_AGENTS)

    # -- overflow and the end of a call --------------------------------------------------

    def overflow(self, call: Call, limit: Limit) -> bool:
        """Carry out the service's action for ``limit``; False when it has none (or it must
        wait for telephony: it falls due)."""
        action = self.services[call.service or ""].overflow.get(limit)
        if action is None or (call.callback is not None and call.callback.pending):
            return False  # a callback's caller is gone: it waits for its turn whatever
        if call.voice_message is not None:
            return False  # a voice message waits for an agent whatever (no caller to move)
        if action.kind is OverflowKind.QUEUE:
            if call.hops >= len(self.services):
                return False
            self._leave_queue(call)
            call.hops += 1
            self._enqueue(call, action.target, call.contact.queued(action.target))
            return True
        if not self.floor.telephony_up:  # a redirect needs AMI
            call.overflow_due = call.overflow_due or limit  # made once it is back
            return False
        self._leave_queue(call)
        self.floor.say(c.RedirectCaller(call.call_id, call.channel, action.target,
                                        call.language, action.voicemail_seconds))  # fmt: skip
        voicemail = action.kind is OverflowKind.VOICEMAIL
        self.finish(call, Outcome.VOICEMAIL if voicemail else Outcome.OVERFLOW)
        return True

    def finish(self, call: Call, outcome: str, cause: EndCause | None = None) -> None:
        """The call is over: out of its queue, its record closed, forgotten."""
        now = self.floor.now
        if call.key is not None:
            self._leave_queue(call)
            if outcome in CUT_OFF:
                self.recent.cut_off(call.contact.caller_number, now.timestamp())
        call.contact = call.contact.ended(now, outcome, cause)
        self.floor.save(call)
        if call.callback is not None:
            self.callbacks.finished(call, outcome)
        del self.calls[call.call_id]

    def _leave_queue(self, call: Call) -> None:
        if call.key is not None and call.service in self.queues:
            self.queues[call.service].remove(call.key)
            self.router.remove_call(self.pool_of(call), call.key)
        if call.timers:  # cancel only those started
            self.floor.out.extend([c.CancelTimer(key) for key in call.timers])
            call.timers = ()

    # -- pools ---------------------------------------------------------------------------

    def pool_of(self, call: Call) -> Pool:
        service = call.contact.service or ""
        found = self.router.pools.get((service, call.stage, call.extra))  # (as in ``pool``)
        return found if found is not None else self.pool(service, call.stage, call.extra)

    def pool(self, service: str, stage: int, extra: str) -> Pool:
        found = self.router.pools.get((service, stage, extra))
        if found is not None:
            return found
        rules = self.services[service]
        req = requirement_of(service, rules)
        for step in rules.relax[:stage]:
            req = either(req, step.requirement)  # each step only adds: relaxing widens
        req = both(req, parse(extra))
        main = rules.main_skill or service
        return self.router.pool((service, stage, extra), req, rules.strategy, main)


def _in_pool(call: Call) -> bool:
    """Whether a call not being rung is in its pool: a callback only while WAITING."""
    return call.callback is None or call.callback.state in _POOLED


_POOLED = frozenset({CallbackState.WAITING, CallbackState.TALKING})


def _added(
    reasons: tuple[tuple[PriorityReason, float], ...], reason: PriorityReason, points: float
) -> tuple[tuple[PriorityReason, float], ...]:
    """``reasons`` with ``points`` more for ``reason`` (each reason once, none of zero)."""
    total = dict(reasons)
    total[reason] = total.get(reason, 0.0) + points
    return tuple((r, p) for r, p in total.items() if p)
