"""Rings and matching: which ready agent's phone rings for which waiting call, and what
follows (answer, bridge, hang-ups on either side). Owns the rings and the handle times.

Agent first: a waiting caller stays on music while the chosen agent's phone rings; only when
the agent answers does the core ask for the bridge. A ring that is not answered in the
service's ``ring_seconds`` (or that fails) is stopped, the agent goes to the back of the idle
line and the call keeps its place at the head of its queue.

After every event the engine matches what changed (``match``): the calls that became waiting
(or whose requirement widened) and the first call of each agent that became ready, best
queue key first, each to the best ready agent of its pool (``acd.core.routing``). Only what
changed is looked at, so an event costs the same with ten or ten thousand calls waiting.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from acd.core import commands as c
from acd.core import events as e
from acd.core.admission import Admission
from acd.core.callback import CallbackState
from acd.core.contact import Contact, EndCause, Outcome, unfinished_outcome
from acd.core.desk import Desk
from acd.core.estimate import HandleTimes
from acd.core.floor import Floor
from acd.core.model import Call, Ring, Seat
from acd.core.queue import QueueKey
from acd.core.routing import Pool, Router
from acd.core.timers import RingTimer
from agents.states import AgentState, Move

if TYPE_CHECKING:
    from acd.core.callbacks import Callbacks
    from acd.core.consult import Consults
    from acd.core.voice_messages import VoiceMessages

MAX_BRIDGE_ATTEMPTS = 3  # Connects for one answered ring before the call is ended
TELEPHONY = "telephony"  # the reason of a ring released through no fault of the agent
# the states in which a restarted engine may find an agent that Asterisk says is talking
_TAKERS = (AgentState.LOGGED_OUT, AgentState.PAUSED, AgentState.READY)


class Rings:
    consults: Consults  # the consultations' part, which sets itself here (it needs Rings)
    callbacks: Callbacks  # the callbacks' part likewise
    voice_messages: VoiceMessages  # and the voice messages' (tasks are given, not rung)

    def __init__(
        self,
        floor: Floor,
        router: Router,
        admission: Admission,
        desk: Desk,
        prefix: str,
        seq: itertools.count[int],
    ) -> None:
        self.floor, self.router, self.admission, self.desk = floor, router, admission, desk
        self.calls, self.seats = floor.calls, desk.seats
        self.rings: dict[str, Ring] = {}
        policy = floor.policy
        self.handle_times = {s: HandleTimes(policy.handle_samples, policy.default_handle_seconds)
                             for s in floor.services}  # fmt: skip
        self.prefix, self._seq = prefix, seq

    # -- hang-ups ------------------------------------------------------------------------

    def hung_up(self, ev: e.HungUp) -> None:
        if ev.channel_id in self.calls:
            self.caller_left(self.calls[ev.channel_id], self._cut())
        elif ev.channel_id in self.rings:
            self.agent_leg_ended(self.rings[ev.channel_id])
        elif ev.channel_id in self.consults.legs:
            self.consults.colleague_left(self.consults.legs[ev.channel_id])

    def _cut(self) -> EndCause | None:
        """Why a call ending now ends: Asterisk stopping cuts it, whichever leg goes first."""
        return EndCause.ASTERISK_STOPPED if self.floor.asterisk_stopping else None

    def caller_left(self, call: Call, cause: EndCause | None = None) -> None:
        if call.callback is not None and call.callback.pending:
            self.callbacks.caller_gone(call)  # it keeps its place: called back in its turn
            return
        if call.consult is not None:
            self.consults.caller_left(call, call.consult)
        ring = self.rings.get(call.ring_id or "")
        if ring is not None and call.connected:
            if call.held:  # no bridge takes the agent's silent leg down: the core does
                self.floor.say(c.HangUpChannel(ring.ring_id))
            self._end_conversation(call, ring, cause=cause)
            return
        if ring is not None and ring.answered:  # answered, not yet bridged: free the agent
            self.floor.say(c.HangUpChannel(ring.ring_id))
            self._end_conversation(call, ring, cause=cause)
            return
        if ring is not None:
            self.floor.say(c.StopRinging(ring.ring_id))
            self._drop_ring(ring)
            self.desk.free(self.seats[ring.agent_id], Move.CALL_ENDED)
        queued = call.key is not None
        if cause is EndCause.ASTERISK_STOPPED:  # cut, not left: no abandon to count
            outcome = unfinished_outcome(call.contact, queued)
        else:
            outcome = Outcome.ABANDONED if queued else (call.contact.outcome or Outcome.IVR_HANGUP)
        self.admission.finish(call, outcome, cause)

    def agent_leg_ended(self, ring: Ring) -> None:
        call = self.calls[ring.call_id]
        if call.callback is not None and call.callback.pending and ring.answered:
            self.callbacks.agent_left(call, ring)
        elif call.consult is not None:
            self.consults.agent_left(call, ring, call.consult)
        elif call.connected:
            if call.held:  # the caller hears music in no bridge: the core hangs it up
                self.floor.say(c.HangUpChannel(call.call_id))
            self._end_conversation(call, ring, cause=self._cut())
        elif ring.answered:  # the agent dropped before the bridge: the call keeps its place
            self._end_conversation(call, ring, keep_call=True)
        else:
            self.ring_missed(ring)

    def _end_conversation(
        self,
        call: Call,
        ring: Ring,
        keep_call: bool = False,
        outcome: Outcome | None = None,
        cause: EndCause | None = None,
    ) -> None:
        self.release(call, ring)
        if keep_call:
            call.contact = call.contact.unanswered(call.first_answer)
            self.floor.save(call)
            self.admission.back_in_line(call)
        else:
            ended = outcome or (Outcome.ANSWERED if call.connected else Outcome.ABANDONED)
            self.admission.finish(call, ended, cause)

    def release(self, call: Call, ring: Ring) -> None:
        """The agent's part of the call is over (the call may go on: a transfer): the ring
        forgotten, the talk counted, the agent to wrap-up."""
        seat = self.seats[ring.agent_id]
        del self.rings[ring.ring_id]
        call.ring_id, seat.ring_id, seat.call_id = None, None, None
        self._count_talk(seat, call)
        call.talk_since = None
        self.desk.move(seat, Move.CALL_ENDED)
        self.desk.start_wrap_up(seat, call.service)

    def _count_talk(self, seat: Seat, call: Call) -> None:
        answered = call.talk_since
        if not call.connected or answered is None:
            return
        talk = (self.floor.now - answered).total_seconds()
        self._today(seat).talk_seconds_today += talk
        service = call.service or ""
        rules = self.floor.services.get(service)
        wrap = rules.wrap_up_seconds if rules is not None else 0
        times = self.handle_times.get(service)
        if times is not None:
            times.add(talk + wrap)

    def _today(self, seat: Seat) -> Seat:
        today = self.floor.now.date()
        if seat.day != today:
            seat.day, seat.talk_seconds_today, seat.answered_today = today, 0, 0
        return seat

    # -- rings ---------------------------------------------------------------------------

    def new_ring_id(self) -> str:
        return f"{self.prefix}-{next(self._seq)}"

    def sequence(self) -> int:
        """The next number of the engine's one sequence (rings' ids, offers' order)."""
        return next(self._seq)

    def ring(self, call: Call, pool: Pool, seat: Seat) -> None:
        """Ring ``seat`` for ``call``, a waiting call of ``pool``."""
        ring_id = self.new_ring_id()
        rules = self.floor.services[call.service or ""]
        self.admission.ring_started(call, pool)  # keeps its service place
        self.rings[ring_id] = Ring(ring_id, call.call_id, seat.agent.agent_id)
        call.ring_id, seat.ring_id, seat.call_id = ring_id, ring_id, call.call_id
        self.desk.offered(seat, next(self._seq))
        assert seat.phone is not None, "only reachable agents are in the ready lists"
        callback = call.callback
        if callback is not None:
            self.callbacks.rung(call, seat.agent.agent_id)
        out = self.floor.out
        out.append(
            c.RingAgent(
                ring_id,
                seat.agent.agent_id,
                seat.agent.endpoint_of(seat.phone),
                call.call_id,
                call.channel,
                call.contact.caller_number if callback is None else callback.number,
                rules.ring_seconds,
                callback=callback is not None,
            )
        )
        out.append(c.StartTimer(RingTimer(ring_id), self.floor.now + rules.ring_time))

    def answered(self, ev: e.AgentAnswered) -> None:
        ring = self.rings.get(ev.ring_id)
        if ring is None and ev.ring_id in self.consults.legs:
            self.consults.answered(self.consults.legs[ev.ring_id])
            return
        if ring is None or ring.answered:
            if ev.bridging:
                self._unbridge_late(ev)
            self.floor.say(c.HangUpChannel(ev.ring_id))  # the call is gone: free the agent
            return
        ring.answered = True
        call, seat = self.calls[ring.call_id], self.seats[ring.agent_id]
        self.floor.say(c.CancelTimer(RingTimer(ring.ring_id)))
        self.desk.answered(seat)
        if call.callback is not None and call.callback.pending:
            self.callbacks.agent_answered(call, ring)  # the citizen is dialled now
            return
        call.talk_since = now = self.floor.now
        first = call.first_answer  # a transferred call was answered when it first was
        call.contact = call.contact.answered_by(seat.agent.agent_id, first[1] if first else now)
        self.floor.save(call)
        if not ev.bridging:
            self.connect(ring)

    def _unbridge_late(self, ev: e.AgentAnswered) -> None:
        """A ring dropped (timed out, say) but answered in the gap, its leg's dialplan
        bridging the caller already: a caller still waiting goes back to the wait loop,
        unmarked, before that leg is hung up (else the end of that bridge ends its call)."""
        call = self.calls.get(ev.call_id)
        if call is None or call.connected:
            return
        current = self.rings.get(call.ring_id or "")
        if current is None or not current.answered:
            self.floor.say(c.RequeueCaller(call.call_id, call.channel, call.service or ""))

    def answered_one(self, seat: Seat) -> None:
        """One more call answered today by ``seat`` (counted when its caller is bridged)."""
        self._today(seat).answered_today += 1

    def connect(self, ring: Ring) -> None:
        call = self.calls[ring.call_id]
        self.floor.say(c.Connect(call.call_id, call.channel, ring.ring_id))

    def ring_failed(self, ev: e.RingFailed) -> None:
        ring = self.rings.get(ev.ring_id)
        if ring is None and ev.ring_id in self.consults.legs:
            self.consults.not_answered(self.consults.legs[ev.ring_id])
            return
        if ring is None or ring.answered:
            return
        if ev.missed:
            self.ring_missed(ring)
        else:
            self.ring_released(ring)

    def ring_timed_out(self, ring_id: str) -> None:
        ring = self.rings.get(ring_id)
        if ring is None and ring_id in self.consults.legs:
            self.consults.not_answered(self.consults.legs[ring_id], timed_out=True)
        elif ring is not None and not ring.answered:
            self.floor.say(c.StopRinging(ring_id))
            self.ring_missed(ring)

    def ring_missed(self, ring: Ring) -> None:
        """The agent did not answer: the call keeps its place, the agent is 'missed'.

        While telephony is down nobody can tell (the phone may never have rung, or its
        answer went unseen), so the ring is released instead: no miss is counted. So is
        it when the agent's phone went away meanwhile (its browser closed while it rang):
        the agent is unreachable, not absent-minded, and is offered nothing until it is
        back."""
        if not self.floor.telephony_up or self.seats[ring.agent_id].phone is None:
            self.ring_released(ring)
            return
        self.floor.say(c.CancelTimer(RingTimer(ring.ring_id)))
        call = self._drop_ring(ring)
        self.admission.back_in_line(call)
        self.desk.missed(self.seats[ring.agent_id])

    def ring_released(self, ring: Ring) -> None:
        """A ring that ended through no fault of the agent: both keep their places."""
        self.floor.say(c.CancelTimer(RingTimer(ring.ring_id)))
        call = self._drop_ring(ring)
        self.admission.back_in_line(call)
        self.desk.free(self.seats[ring.agent_id], Move.CALL_ENDED, reason=TELEPHONY)

    def drop(self, ring: Ring) -> Call:
        """Forget ``ring``: the call and the agent no longer hold it (the caller says what
        becomes of them)."""
        return self._drop_ring(ring)

    def _drop_ring(self, ring: Ring) -> Call:
        del self.rings[ring.ring_id]
        call = self.calls[ring.call_id]
        call.ring_id = None
        seat = self.seats[ring.agent_id]
        seat.ring_id = seat.call_id = None
        return call

    def conversation_resumed(self, ev: e.ConversationResumed) -> None:
        """A caller found talking (or on hold) with an agent after a restart: the call and
        its ring as if this run had made them, the agent on the call (not offered another).

        Refused with a warning, nothing changed, when the engine knows the call or the leg
        already (an AMI reconnect), or the agent, the service or the agent's state does not
        fit (ringing or talking for this run, in wrap-up): Asterisk's legs are left alone.
        """
        seat = self.seats.get(ev.agent_id)
        why = (
            "the engine knows it" if ev.call_id in self.calls or ev.agent_leg in self.rings
            else f"unknown agent {ev.agent_id!r}" if seat is None
            else f"unknown service {ev.service!r}" if ev.service not in self.floor.services
            else f"agent {ev.agent_id} is {seat.state.value}" if seat.state not in _TAKERS
            else ""
        )  # fmt: skip
        if why or seat is None:
            self.floor.warn(f"talk {ev.call_id} not taken back, left alone: {why}")
            return
        record = ev.record or Contact(ev.call_id, ev.caller_number, ev.dialled_number,
                                      ev.answered_at)  # fmt: skip
        contact = record.talking_again(ev.service, ev.agent_id, ev.answered_at)
        call = Call(ev.call_id, ev.channel, contact, ring_id=ev.agent_leg, connected=True,
                    language=ev.language, held=ev.held)  # fmt: skip
        call.talk_since = contact.answered_at
        self.calls[ev.call_id] = call
        self.rings[ev.agent_leg] = Ring(ev.agent_leg, ev.call_id, ev.agent_id, answered=True)
        if seat.state is AgentState.LOGGED_OUT:
            self.desk.move(seat, Move.LOGIN, reason="login")
        seat.ring_id, seat.call_id = ev.agent_leg, ev.call_id
        self.desk.move(seat, Move.TAKE_BACK)
        self.floor.save(call)

    # -- bridges -------------------------------------------------------------------------

    def bridged(self, ev: e.Bridged) -> None:
        """The caller is talking: the call leaves its queue for good."""
        call = self.calls.get(ev.channel_id)
        ring = self.rings.get(call.ring_id or "") if call is not None else None
        if call is None or ring is None or call.connected or not ring.answered:
            return
        self.admission.left_queue(call)
        call.connected = True
        self.answered_one(self.seats[ring.agent_id])

    def connect_failed(self, ev: e.ConnectFailed) -> None:
        """A bridge never loops: a caller gone ends the call; another failure is retried
        ``MAX_BRIDGE_ATTEMPTS`` times in all, then the call is ended and said so."""
        ring = self.rings.get(ev.ring_id)
        if ring is None and ev.ring_id in self.consults.legs:
            self.consults.join_failed(self.consults.legs[ev.ring_id], ev)
            return
        call = self.calls.get(ring.call_id) if ring is not None else None
        if ring is None or call is None or not ring.answered:
            return
        if call.connected:
            self._resume_failed(call, ev)
            return
        if ev.caller_gone:
            self.caller_left(call)
            return
        if not self.floor.telephony_up:
            return  # the check after the next login connects it if both legs are still up
        call.bridge_failures += 1
        if call.bridge_failures < MAX_BRIDGE_ATTEMPTS:
            self.floor.warn(f"bridge of call {call.call_id} failed ({ev.reason}): trying again")
            self.connect(ring)
            return
        self.floor.warn(
            f"call {call.call_id} ended: Asterisk refused to bridge it with agent "
            f"{ring.agent_id} {call.bridge_failures} times (last: {ev.reason})"
        )
        self.floor.say(c.HangUpChannel(ring.ring_id))
        self.floor.say(c.HangUpChannel(call.call_id))
        self._end_conversation(call, ring, outcome=Outcome.FAILED, cause=EndCause.BRIDGE_FAILED)

    def _resume_failed(self, call: Call, ev: e.ConnectFailed) -> None:
        """The bridge after a hold failed: the caller is still on hold, or gone. (A connected
        call is bridged again only to resume it.) The agent may try again."""
        call.held = True
        if ev.caller_gone:
            self.caller_left(call)
            return
        self.floor.warn(f"resume of call {call.call_id} failed ({ev.reason}): still on hold")

    # -- matching ------------------------------------------------------------------------

    def match(self) -> None:
        """Leave no waiting call and ready agent of one pool apart: look at what changed.

        The candidates are the calls that became waiting and the first call of each agent
        that became ready; the best of them (by queue key) goes first, to the best ready
        agent of its pool, until no candidate can be served. One ring per round.
        """
        floor = self.floor
        calls, agents = set(floor.new_calls), floor.new_agents
        while (best := self._best_candidate(calls, agents)) is not None:
            pool = self.admission.pool_of(best)
            agent_id = self.router.best_agent(pool)
            assert agent_id is not None
            if best.voice_message is None:
                self.ring(best, pool, self.seats[agent_id])
            else:
                self.voice_messages.give(best, pool, self.seats[agent_id])
            calls.discard(best.call_id)  # rung: no longer a candidate
        floor.new_calls, floor.new_agents = [], []

    def _best_candidate(self, calls: set[str], agents: list[str]) -> Call | None:
        best: Call | None = None
        for call_id in list(calls):
            call = self._servable(call_id)
            if call is None:
                calls.discard(call_id)  # gone, rung, or nobody ready: not a candidate
            elif best is None or _key(call) < _key(best):
                best = call
        for agent_id in agents:
            if not self.seats[agent_id].offerable:
                continue  # rung meanwhile, left, or its phone is gone: no longer a candidate
            found = self.router.best_call(agent_id)
            if found is not None and (best is None or found[1] < _key(best)):
                best = self.calls[found[1][2]]
        return best

    def _servable(self, call_id: str) -> Call | None:
        """The call, if still waiting (not gone, not rung) and some agent of its pool is ready."""
        call = self.calls.get(call_id)
        if call is None or call.key is None or call.ring_id is not None:
            return None
        callback = call.callback
        if callback is not None and callback.state not in _OFFERABLE:
            return None  # set aside (a retry, closed), or its caller still on the line
        return call if self.admission.pool_of(call).ready else None


_OFFERABLE = frozenset({CallbackState.WAITING, CallbackState.TALKING})


def _key(call: Call) -> QueueKey:
    assert call.key is not None
    return call.key
