"""The ACD engine: ``handle(event, now) -> list[Command]``, synchronous and free of I/O.

Agent first: a waiting caller stays on music while the chosen agent's phone rings; only
when the agent answers does the core ask for the bridge. A ring that is not answered in the
service's ``ring_seconds`` (or that fails) is stopped, the agent goes to the back of the
idle line and the call keeps its place at the head of its queue.

After every event the engine matches what changed: the calls that became waiting (or whose
requirement widened) and the first call of each agent that became ready, best queue key
first, each to the best ready agent of its pool (``acd.core.routing``). Only what changed
is looked at, so an event costs the same with ten or ten thousand calls waiting.

The engine is split by concern: this module (calls, rings, matching), ``acd.core.admission``
(queue entry, limits, overflow, relaxation), ``acd.core.desk`` (agents' requests and state
changes), ``acd.core.routing`` (the pools). Timers are data (``StartTimer``/``TimerFired``):
``ring:<ring>``, ``wrapup:<agent>``, ``relax:<call>`` (the next relaxation step) and
``maxwait:<call>``.

Errors::

    AcdError                 a request the core refuses (raised, state unchanged)
      UnknownAgent           no such agent in the configuration
      UnknownPauseReason     a pause reason that is not in the center's list
      WrapUpAlreadyExtended  a wrap-up can be extended once
      IllegalMove            (agents.states) the agent's state does not allow it
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from acd.core import commands as c
from acd.core import events as e
from acd.core.admission import Admission
from acd.core.contact import Contact, EndCause
from acd.core.desk import (
    AcdError,
    AgentDesk,
    UnknownAgent,
    UnknownPauseReason,
    WrapUpAlreadyExtended,
)
from acd.core.estimate import HandleTimes, estimate_wait
from acd.core.model import (
    Call,
    Ring,
    RoutingAgent,
    RoutingPolicy,
    Seat,
    ServiceRules,
    requirement_of,
)
from acd.core.queue import QueueKey, ServiceQueue, queue_key
from acd.core.recall import RecentCallers
from acd.core.routing import Pool, Router
from agents.states import AgentState, Move

__all__ = ["AcdError", "Engine", "UnknownAgent", "UnknownPauseReason", "WrapUpAlreadyExtended"]

CUT_OFF = ("abandoned", "overflow")  # outcomes that earn a recall boost
MAX_BRIDGE_ATTEMPTS = 3  # Connects for one answered ring before the call is ended
TELEPHONY = "telephony"  # the reason of a ring released through no fault of the agent


class Engine(Admission, AgentDesk):
    def __init__(
        self,
        services: dict[str, ServiceRules],
        agents: Iterable[RoutingAgent],
        ring_id_prefix: str = "cz",
        policy: RoutingPolicy | None = None,
        telephony_up: bool = True,
    ) -> None:
        """``telephony_up``: False for a live engine before its first AMI login, so that
        no call is offered before Asterisk's channels are checked (``ChannelsListed``)."""
        self.services = services
        self.policy = policy or RoutingPolicy()
        self.queues = {name: ServiceQueue() for name in services}
        self.seats = {a.agent_id: Seat(a) for a in agents}
        self.calls: dict[str, Call] = {}
        self.rings: dict[str, Ring] = {}
        self.router = Router(self.seats)
        p = self.policy
        self.handle_times = {s: HandleTimes(p.handle_samples, p.default_handle_seconds)
                             for s in services}  # fmt: skip
        self.recent = RecentCallers(p.recall_window_seconds, p.recall_memory)
        self._seq = itertools.count()
        self._ring_prefix = ring_id_prefix
        self._out: list[c.Command] = []
        self._now = datetime.min
        self._new_calls: list[str] = []  # became waiting or widened during this event
        self._new_agents: list[str] = []  # became ready during this event
        self._handlers: dict[type, Callable[[Any], None]] = {}  # event type -> _on_<Type>
        self.telephony_up = telephony_up
        self._to_check: tuple[frozenset[str], frozenset[str]] | None = None  # calls, rings
        for name, rules in services.items():
            for stage in range(len(rules.relax) + 1):
                self._pool(name, stage, "")

    # -- entry point ---------------------------------------------------------------------

    def handle(self, event: e.Event, now: datetime) -> list[c.Command]:
        self._now, self._out = now, []
        handler = self._handlers.get(type(event))
        if handler is None:
            handler = self._handlers[type(event)] = getattr(self, "_on_" + type(event).__name__)
        handler(event)
        if self._new_calls or self._new_agents:
            if self.telephony_up:
                self._match()
            else:  # nothing is offered while AMI is away; all is matched once it is back
                self._new_calls, self._new_agents = [], []
        return self._out

    # -- calls ---------------------------------------------------------------------------

    def _on_CallArrived(self, ev: e.CallArrived) -> None:
        contact = Contact(ev.call_id, ev.caller_number, ev.dialled_number, self._now)
        self.calls[ev.call_id] = Call(ev.call_id, ev.channel, contact)
        self._save(self.calls[ev.call_id])

    def _on_CallerEntered(self, ev: e.CallerEntered) -> None:
        call = self.calls.get(ev.call_id)
        if call is None or ev.service not in self.queues or call.key is not None:
            self._out.append(c.LogWarning(f"ignored {ev!r}: unknown call or service"))
            return
        call.extra, call.language = self._checked_extra(ev.requirement), ev.language
        self._give_key(call, ev.service, ev.priority, self._now)
        self._enqueue(call, ev.service, ivr_path=ev.ivr_path, entered_queue_at=self._now)

    def _on_CallerResumed(self, ev: e.CallerResumed) -> None:
        """A caller still waiting after a restart: back at its place, from its first entry.

        It was admitted once, so the entry limits (closed, full, no agents) are not asked
        again: callers waiting when the engine stopped are answered, like those waiting at
        closing time. A call the engine knows (an AMI reconnect, not a restart) is left as is.
        """
        if ev.call_id in self.calls or ev.service not in self.queues:
            self._out.append(c.LogWarning(f"not resumed {ev.call_id}: known call or no service"))
            return
        contact = ev.record or Contact(ev.call_id, ev.caller_number, ev.dialled_number,
                                       ev.entered_at)  # fmt: skip
        contact = contact.evolve(entered_queue_at=ev.entered_at, answered_at=None,
                                 agent_id=None, ended_at=None, outcome=None)  # fmt: skip
        call = self.calls[ev.call_id] = Call(ev.call_id, ev.channel, contact)
        call.extra, call.language = self._checked_extra(ev.requirement), ev.language
        self._give_key(call, ev.service, ev.priority, ev.entered_at)
        stored = contact.service  # where it waited last: another one after an overflow
        self._resume(call, stored if stored is not None and stored in self.queues else ev.service)

    def _give_key(self, call: Call, service: str, ivr_priority: int, entered: datetime) -> None:
        at, aging = entered.timestamp(), self.policy.aging_seconds
        priority = self._priority(call, service, ivr_priority, at)
        call.key = queue_key(priority, next(self._seq), call.call_id, at, aging)

    def _priority(self, call: Call, service: str, ivr_priority: int, now: float) -> float:
        """The IVR branch's, the service's weight, the number dialled's, a recall boost."""
        priority = ivr_priority + self.services[service].weight
        priority += self.policy.dialled_priority.get(call.contact.dialled_number, 0)
        if self.recent.recalled(call.contact.caller_number, now):
            priority += self.policy.recall_priority
        return priority

    def _on_IvrLeft(self, ev: e.IvrLeft) -> None:
        call = self.calls.get(ev.call_id)
        if call is not None:
            call.contact = call.contact.evolve(ivr_path=ev.ivr_path, outcome=ev.outcome)
            self._save(call)

    def _on_HungUp(self, ev: e.HungUp) -> None:
        if ev.channel_id in self.calls:
            self._caller_left(self.calls[ev.channel_id])
        elif ev.channel_id in self.rings:
            self._agent_leg_ended(self.rings[ev.channel_id])

    def _caller_left(self, call: Call, cause: str | None = None) -> None:
        ring = self.rings.get(call.ring_id or "")
        if ring is not None and call.connected:
            self._end_conversation(call, ring, cause=cause)
            return
        if ring is not None and ring.answered:  # answered, not yet bridged: free the agent
            self._out.append(c.HangUpChannel(ring.ring_id))
            self._end_conversation(call, ring, cause=cause)
            return
        if ring is not None:
            self._out.append(c.StopRinging(ring.ring_id))
            self._drop_ring(ring)
            self._agent_free(self.seats[ring.agent_id], Move.CALL_ENDED)
        queued = call.key is not None
        outcome = "abandoned" if queued else (call.contact.outcome or "ivr-hangup")
        self._finish(call, outcome, cause)

    def _agent_leg_ended(self, ring: Ring) -> None:
        call = self.calls[ring.call_id]
        if call.connected:
            self._end_conversation(call, ring)
        elif ring.answered:  # the agent dropped before the bridge: the call keeps its place
            self._end_conversation(call, ring, keep_call=True)
        else:
            self._ring_missed(ring)

    def _end_conversation(
        self,
        call: Call,
        ring: Ring,
        keep_call: bool = False,
        outcome: str | None = None,
        cause: str | None = None,
    ) -> None:
        seat = self.seats[ring.agent_id]
        del self.rings[ring.ring_id]
        call.ring_id, seat.ring_id, seat.call_id = None, None, None
        self._count_talk(seat, call)
        self._move(seat, Move.CALL_ENDED)
        self._start_wrap_up(seat, call.service)
        if keep_call:
            call.contact = call.contact.evolve(answered_at=None, agent_id=None)
            self._save(call)
            self._back_in_line(call)
        else:
            self._finish(call, outcome or ("answered" if call.connected else "abandoned"), cause)

    def _count_talk(self, seat: Seat, call: Call) -> None:
        answered = call.contact.answered_at
        if not call.connected or answered is None:
            return
        talk = (self._now - answered).total_seconds()
        self._today(seat).talk_seconds_today += talk
        service = call.service or ""
        rules = self.services.get(service)
        wrap = rules.wrap_up_seconds if rules is not None else 0
        times = self.handle_times.get(service)
        if times is not None:
            times.add(talk + wrap)

    def _today(self, seat: Seat) -> Seat:
        today = self._now.date()
        if seat.day != today:
            seat.day, seat.talk_seconds_today, seat.answered_today = today, 0, 0
        return seat

    def _finish(self, call: Call, outcome: str, cause: str | None = None) -> None:
        if call.key is not None:
            self._leave_queue(call)
            if outcome in CUT_OFF:
                self.recent.cut_off(call.contact.caller_number, self._now.timestamp())
        if cause is None:
            call.contact = call.contact.evolve(ended_at=self._now, outcome=outcome)
        else:
            call.contact = call.contact.evolve(ended_at=self._now, outcome=outcome,
                                               end_cause=cause)  # fmt: skip
        self._save(call)
        del self.calls[call.call_id]

    # -- rings ---------------------------------------------------------------------------

    def _ring(self, call: Call, pool: Pool, seat: Seat) -> None:
        """Ring ``seat`` for ``call``, a waiting call of ``pool``."""
        ring_id = f"{self._ring_prefix}-{next(self._seq)}"
        rules = self.services[call.service or ""]
        assert call.key is not None
        self.router.remove_call(pool, call.key)
        self.queues[call.service or ""].ring_started(call.key)  # keeps its service place
        self.rings[ring_id] = Ring(ring_id, call.call_id, seat.agent.agent_id)
        call.ring_id, seat.ring_id, seat.call_id = ring_id, ring_id, call.call_id
        seat.last_offer = next(self._seq)
        self._move(seat, Move.OFFER)
        self._out.append(
            c.RingAgent(
                ring_id,
                seat.agent.agent_id,
                seat.agent.endpoint,
                call.call_id,
                call.channel,
                call.contact.caller_number,
                rules.ring_seconds,
            )
        )
        self._out.append(c.StartTimer(_ring_timer(ring_id), self._now + rules.ring_time))

    def _on_AgentAnswered(self, ev: e.AgentAnswered) -> None:
        ring = self.rings.get(ev.ring_id)
        if ring is None or ring.answered:
            self._out.append(c.HangUpChannel(ev.ring_id))  # the call is gone: free the agent
            return
        ring.answered = True
        call, seat = self.calls[ring.call_id], self.seats[ring.agent_id]
        self._out.append(c.CancelTimer(_ring_timer(ring.ring_id)))
        seat.missed = 0
        self._move(seat, Move.ANSWER)
        call.contact = call.contact.evolve(answered_at=self._now, agent_id=seat.agent.agent_id)
        self._save(call)
        self._connect(ring)

    def _connect(self, ring: Ring) -> None:
        call = self.calls[ring.call_id]
        self._out.append(c.Connect(call.call_id, call.channel, ring.ring_id))

    def _on_RingFailed(self, ev: e.RingFailed) -> None:
        ring = self.rings.get(ev.ring_id)
        if ring is None or ring.answered:
            return
        if ev.missed:
            self._ring_missed(ring)
        else:
            self._ring_released(ring)

    def _ring_missed(self, ring: Ring) -> None:
        """The agent did not answer: the call keeps its place, the agent is 'missed'.

        While telephony is down nobody can tell (the phone may never have rung, or its
        answer went unseen), so the ring is released instead: no miss is counted."""
        if not self.telephony_up:
            self._ring_released(ring)
            return
        self._out.append(c.CancelTimer(_ring_timer(ring.ring_id)))
        call = self._drop_ring(ring)
        self._back_in_line(call)
        self._missed(self.seats[ring.agent_id])

    def _ring_released(self, ring: Ring) -> None:
        """A ring that ended through no fault of the agent: both keep their places."""
        self._out.append(c.CancelTimer(_ring_timer(ring.ring_id)))
        call = self._drop_ring(ring)
        self._back_in_line(call)
        self._agent_free(self.seats[ring.agent_id], Move.CALL_ENDED, reason=TELEPHONY)

    def _back_in_line(self, call: Call) -> None:
        """The ring ended unanswered (or the agent dropped before the bridge): the call waits
        again at its place, or overflows now if its maximum wait passed meanwhile."""
        assert call.key is not None
        self.queues[call.service or ""].ring_ended(call.key)
        if call.overflow_due is not None and self._overflow(call, call.overflow_due):
            return
        self._wait_in_pool(call)

    def _drop_ring(self, ring: Ring) -> Call:
        del self.rings[ring.ring_id]
        call = self.calls[ring.call_id]
        call.ring_id = None
        seat = self.seats[ring.agent_id]
        seat.ring_id = seat.call_id = None
        return call

    def _on_Bridged(self, ev: e.Bridged) -> None:
        """The caller is talking: the call leaves its queue for good."""
        call = self.calls.get(ev.channel_id)
        if call is None or call.connected or not self._answered(call):
            return
        self._leave_queue(call)
        call.key, call.connected = None, True
        self._today(self.seats[self.rings[call.ring_id or ""].agent_id]).answered_today += 1

    # -- timers --------------------------------------------------------------------------

    def _on_TimerFired(self, ev: e.TimerFired) -> None:
        kind, _, key = ev.key.partition(":")
        if kind == "ring" and key in self.rings and not self.rings[key].answered:
            self._out.append(c.StopRinging(key))
            self._ring_missed(self.rings[key])
        elif kind == "wrapup" and key in self.seats:
            self._wrap_up_over(self.seats[key])
        elif kind == "relax" and key in self.calls:
            self._relax(self.calls[key])
        elif kind == "maxwait" and key in self.calls:
            call = self.calls[key]
            if call.key is not None and call.ring_id is not None:
                call.overflow_due = "timeout"  # the ring may be answered; if not, it overflows
            elif call.key is not None:
                self._overflow(call, "timeout")

    # -- the link to Asterisk --------------------------------------------------------------

    def _on_TelephonyLost(self, ev: e.TelephonyLost) -> None:
        if self.telephony_up:
            text = f"telephony lost ({ev.detail}): no call is offered until it is back"
            self._out.append(c.LogWarning(text))
        self.telephony_up, self._to_check = False, None

    def _on_TelephonyReconnected(self, ev: e.TelephonyReconnected) -> None:
        self._to_check = (frozenset(self.calls), frozenset(self.rings))

    def _on_ChannelsListed(self, ev: e.ChannelsListed) -> None:
        """Asterisk's channels after a login: end what hung up unseen, then offer again.

        What was known at ``TelephonyReconnected`` (or now, without one) and is gone ended
        while nobody watched: a caller as if its hang-up had come (contact closed with
        cause ``telephony-lost``), an agent leg likewise (the agent freed; a ring that
        ended unseen is no miss). An agent leg answered unseen is connected now; a bridge
        still up stays as it is. Legs of this engine's rings that the core no longer knows
        (their hang-up failed meanwhile) are hung up. Then overflows that fell due are made
        and every waiting call and ready agent is matched.
        """
        calls, rings = self._to_check or (frozenset(self.calls), frozenset(self.rings))
        self._to_check, self.telephony_up = None, True
        ended = [self.calls[i] for i in sorted(calls) if i in self.calls and i not in ev.live]
        for call in ended:
            self._caller_left(call, EndCause.TELEPHONY_LOST)
        for ring_id in sorted(rings):
            if ring_id in self.rings:
                self._check_ring(self.rings[ring_id], ev)
        prefix = f"{self._ring_prefix}-"
        for stale in sorted(i for i in ev.live if i.startswith(prefix) and i not in self.rings):
            self._out.append(c.HangUpChannel(stale))
        if ended:
            self._out.append(c.LogWarning(f"telephony back: {len(ended)} call(s) had ended "
                                          "unseen and are closed"))  # fmt: skip
        self._offer_all()

    def _check_ring(self, ring: Ring, ev: e.ChannelsListed) -> None:
        call = self.calls[ring.call_id]
        if ring.ring_id not in ev.live:
            if ring.answered or call.connected:
                self._agent_leg_ended(ring)
            else:
                self._ring_released(ring)
        elif call.connected:
            return  # talking: the bridge is still up
        elif call.call_id in ev.bridged and ring.answered:
            self._on_Bridged(e.Bridged(call.call_id))  # its BridgeEnter went unseen
        elif ring.answered:
            self._connect(ring)  # its bridge was never made
        elif ring.ring_id in ev.answered:
            self._on_AgentAnswered(e.AgentAnswered(ring.ring_id))  # answered unseen

    def _offer_all(self) -> None:
        """Telephony is back: overflows that fell due, then match everything that waits."""
        for call in [k for k in self.calls.values() if k.key is not None and k.ring_id is None]:
            due = call.overflow_due
            if due is not None and self._overflow(call, due):
                continue
            self._new_calls.append(call.call_id)
        self._new_agents.extend(a for a, s in self.seats.items() if s.state is _READY)

    def _on_ConnectFailed(self, ev: e.ConnectFailed) -> None:
        """A bridge never loops: a caller gone ends the call; another failure is retried
        ``MAX_BRIDGE_ATTEMPTS`` times in all, then the call is ended and said so."""
        ring = self.rings.get(ev.ring_id)
        call = self.calls.get(ring.call_id) if ring is not None else None
        if ring is None or call is None or not ring.answered or call.connected:
            return
        if ev.caller_gone:
            self._caller_left(call)
            return
        if not self.telephony_up:
            return  # the check after the next login connects it if both legs are still up
        call.bridge_failures += 1
        if call.bridge_failures < MAX_BRIDGE_ATTEMPTS:
            self._out.append(c.LogWarning(f"bridge of call {call.call_id} failed "
                                          f"({ev.reason}): trying again"))  # fmt: skip
            self._connect(ring)
            return
        self._out.append(c.LogWarning(
            f"call {call.call_id} ended: Asterisk refused to bridge it with agent "
            f"{ring.agent_id} {call.bridge_failures} times (last: {ev.reason})"))  # fmt: skip
        self._out.append(c.HangUpChannel(ring.ring_id))
        self._out.append(c.HangUpChannel(call.call_id))
        self._end_conversation(call, ring, outcome="failed", cause=EndCause.BRIDGE_FAILED)

    # -- matching ------------------------------------------------------------------------

    def _match(self) -> None:
        """Leave no waiting call and ready agent of one pool apart: look at what changed.

        Called only when something became waiting or ready: else no new pair can exist.

        The candidates are the calls that became waiting and the first call of each agent
        that became ready; the best of them (by queue key) goes first, to the best ready
        agent of its pool, until no candidate can be served. One ring per round.
        """
        calls, agents = set(self._new_calls), self._new_agents
        while (best := self._best_candidate(calls, agents)) is not None:
            pool = self._pool_of(best)
            agent_id = self.router.best_agent(pool)
            assert agent_id is not None
            self._ring(best, pool, self.seats[agent_id])
            calls.discard(best.call_id)  # rung: no longer a candidate
        self._new_calls, self._new_agents = [], []  # (handle only looks when one is not empty)

    def _best_candidate(self, calls: set[str], agents: list[str]) -> Call | None:
        best: Call | None = None
        for call_id in list(calls):
            call = self._servable(call_id)
            if call is None:
                calls.discard(call_id)  # gone, rung, or nobody ready: not a candidate
            elif best is None or _key(call) < _key(best):
                best = call
        for agent_id in agents:
            if self.seats[agent_id].state is not _READY:
                continue  # rung meanwhile (or left): no longer a candidate
            found = self.router.best_call(agent_id)
            if found is not None and (best is None or found[1] < _key(best)):
                best = self.calls[found[1][2]]
        return best

    def _servable(self, call_id: str) -> Call | None:
        """The call, if still waiting (not gone, not rung) and some agent of its pool is ready."""
        call = self.calls.get(call_id)
        if call is None or call.key is None or call.ring_id is not None:
            return None
        return call if self._pool_of(call).ready else None

    def _answered(self, call: Call) -> bool:
        ring = self.rings.get(call.ring_id or "")
        return ring is not None and ring.answered

    def _save(self, call: Call) -> None:
        self._out.append(c.SaveContact(call.contact))

    # -- reading (snapshot, announcements, simulator) ------------------------------------

    def waiting_figures(self, call_id: str) -> tuple[int, float | None] | None:
        """(position in its service's line, estimated seconds to answer) of a queued call."""
        call = self.calls.get(call_id)
        if call is None or call.key is None or call.service not in self.queues:
            return None
        position = self.queues[call.service].position(call.key)
        staffed = self._pool_of(call).staffed
        aht = self.handle_times[call.service].mean()
        return position, estimate_wait(position, staffed, aht)

    def service_estimate(self, service: str) -> float | None:
        """The wait a caller entering ``service`` now can expect (for the IVR to say)."""
        rules = self.services.get(service)
        if rules is None:
            return None
        requirement = requirement_of(service, rules)
        serving = [s for s in self.seats.values() if requirement(s.agent.skills)]
        staffed = sum(1 for s in serving if s.state is not AgentState.LOGGED_OUT)
        ready = sum(1 for s in serving if s.state is AgentState.READY)
        position = self.queues[service].waiting() + 1
        if staffed and ready >= position:
            return 0.0  # a free agent takes the call at once
        return estimate_wait(position - ready, staffed, self.handle_times[service].mean())


_READY = AgentState.READY  # (a module name: see ``acd.core.desk``)


def _key(call: Call) -> QueueKey:
    assert call.key is not None
    return call.key


def _ring_timer(ring_id: str) -> str:
    return f"ring:{ring_id}"
