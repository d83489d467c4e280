"""The ACD engine: ``handle(event, now) -> list[Command]``, synchronous and free of I/O.

Agent first: a waiting caller stays on music while the chosen agent's phone rings; only
when the agent answers does the core ask for the bridge. A ring that is not answered in the
service's ``ring_seconds`` (or that fails) is stopped, the agent goes to the back of the
idle line and the call keeps its place in its queue.

Errors::

    AcdError            a request the core refuses (raised, state unchanged)
      UnknownAgent      no such agent in the configuration
      IllegalMove       (agents.states) the agent's state does not allow it
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import datetime, timedelta

from acd.core import commands as c
from acd.core import events as e
from acd.core.contact import Contact
from acd.core.model import Call, Ring, RoutingAgent, Seat, ServiceRules
from acd.core.queue import ServiceQueue, queue_key
from agents.states import AgentState, Move, next_state


class AcdError(Exception):
    pass


class UnknownAgent(AcdError):
    def __init__(self, agent_id: str) -> None:
        super().__init__(f"unknown agent {agent_id!r}")


class Engine:
    def __init__(
        self,
        services: dict[str, ServiceRules],
        agents: Iterable[RoutingAgent],
        ring_id_prefix: str = "cz",
    ) -> None:
        self.services = services
        self.queues = {name: ServiceQueue() for name in services}
        self.seats = {a.agent_id: Seat(a) for a in agents}
        self.calls: dict[str, Call] = {}
        self.rings: dict[str, Ring] = {}
        self._seq = itertools.count()
        self._ring_prefix = ring_id_prefix
        self._out: list[c.Command] = []
        self._now = datetime.min

    # -- entry point ---------------------------------------------------------------------

    def handle(self, event: e.Event, now: datetime) -> list[c.Command]:
        self._now, self._out = now, []
        handler = getattr(self, "_on_" + type(event).__name__)
        handler(event)
        self._match()
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
        call.key = queue_key(ev.priority, next(self._seq), call.call_id)
        call.contact = call.contact.evolve(
            service=ev.service, ivr_path=ev.ivr_path, entered_queue_at=self._now
        )
        self.queues[ev.service].add(call.key)
        self._save(call)

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

    def _caller_left(self, call: Call) -> None:
        ring = self.rings.get(call.ring_id or "")
        if ring is not None and call.connected:
            self._end_conversation(call, ring)
            return
        if ring is not None and ring.answered:  # answered, not yet bridged: free the agent
            self._out.append(c.HangUpChannel(ring.ring_id))
            self._end_conversation(call, ring)
            return
        if ring is not None:
            self._out.append(c.StopRinging(ring.ring_id))
            self._drop_ring(ring, Move.CALL_ENDED)
        queued = call.key is not None
        outcome = "abandoned" if queued else (call.contact.outcome or "ivr-hangup")
        self._finish(call, outcome)

    def _agent_leg_ended(self, ring: Ring) -> None:
        call = self.calls[ring.call_id]
        if call.connected:
            self._end_conversation(call, ring)
        elif ring.answered:  # the agent dropped before the bridge: the call keeps its place
            self._end_conversation(call, ring, keep_call=True)
        else:
            self._ring_missed(ring)

    def _end_conversation(self, call: Call, ring: Ring, keep_call: bool = False) -> None:
        seat = self.seats[ring.agent_id]
        del self.rings[ring.ring_id]
        call.ring_id, seat.ring_id, seat.call_id = None, None, None
        self._move(seat, Move.CALL_ENDED)
        self._start_wrap_up(seat, call.service)
        if keep_call:
            call.contact = call.contact.evolve(answered_at=None, agent_id=None)
            self._save(call)
        else:
            self._finish(call, "answered" if call.connected else "abandoned")

    def _finish(self, call: Call, outcome: str) -> None:
        if call.key is not None and call.service is not None:
            self.queues[call.service].remove(call.key)
        call.contact = call.contact.evolve(ended_at=self._now, outcome=outcome)
        self._save(call)
        del self.calls[call.call_id]

    # -- rings ---------------------------------------------------------------------------

    def _ring(self, call: Call, seat: Seat) -> None:
        ring_id = f"{self._ring_prefix}-{next(self._seq)}"
        rules = self.services[call.service or ""]
        self.rings[ring_id] = Ring(ring_id, call.call_id, seat.agent.agent_id)
        call.ring_id, seat.ring_id, seat.call_id = ring_id, ring_id, call.call_id
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
        at = self._now + timedelta(seconds=rules.ring_seconds)
        self._out.append(c.StartTimer(_ring_timer(ring_id), at))

    def _on_AgentAnswered(self, ev: e.AgentAnswered) -> None:
        ring = self.rings.get(ev.ring_id)
        if ring is None or ring.answered:
            self._out.append(c.HangUpChannel(ev.ring_id))  # the call is gone: free the agent
            return
        ring.answered = True
        call, seat = self.calls[ring.call_id], self.seats[ring.agent_id]
        self._out.append(c.CancelTimer(_ring_timer(ring.ring_id)))
        self._move(seat, Move.ANSWER)
        call.contact = call.contact.evolve(answered_at=self._now, agent_id=seat.agent.agent_id)
        self._save(call)
        self._out.append(c.Connect(call.call_id, call.channel, ring.ring_id))

    def _on_RingFailed(self, ev: e.RingFailed) -> None:
        ring = self.rings.get(ev.ring_id)
        if ring is not None and not ring.answered:
            self._ring_missed(ring)

    def _ring_missed(self, ring: Ring) -> None:
        self._out.append(c.CancelTimer(_ring_timer(ring.ring_id)))
        self._drop_ring(ring, Move.NO_ANSWER)
        self.seats[ring.agent_id].idle_since = self._now  # back of the idle line

    def _drop_ring(self, ring: Ring, move: Move) -> None:
        del self.rings[ring.ring_id]
        self.calls[ring.call_id].ring_id = None
        seat = self.seats[ring.agent_id]
        seat.ring_id = seat.call_id = None
        self._move(seat, move)

    def _on_Bridged(self, ev: e.Bridged) -> None:
        """The caller is talking: the call leaves its queue for good."""
        call = self.calls.get(ev.channel_id)
        if call is None or call.connected or not self._answered(call):
            return
        if call.key is not None and call.service is not None:
            self.queues[call.service].remove(call.key)
        call.key, call.connected = None, True
        self.seats[self.rings[call.ring_id or ""].agent_id].answered_today += 1

    # -- timers --------------------------------------------------------------------------

    def _on_TimerFired(self, ev: e.TimerFired) -> None:
        kind, _, key = ev.key.partition(":")
        if kind == "ring" and key in self.rings and not self.rings[key].answered:
            self._out.append(c.StopRinging(key))
            self._ring_missed(self.rings[key])
        elif kind == "wrapup" and key in self.seats:
            seat = self.seats[key]
            if seat.state is AgentState.WRAP_UP:
                self._move(seat, Move.WRAP_UP_DONE)

    def _start_wrap_up(self, seat: Seat, service: str | None) -> None:
        seconds = self.services[service].wrap_up_seconds if service in self.services else 0
        if seconds <= 0:
            self._move(seat, Move.WRAP_UP_DONE)
            return
        at = self._now + timedelta(seconds=seconds)
        self._out.append(c.StartTimer(f"wrapup:{seat.agent.agent_id}", at))

    # -- agents --------------------------------------------------------------------------

    def _seat(self, agent_id: str) -> Seat:
        if agent_id not in self.seats:
            raise UnknownAgent(agent_id)
        return self.seats[agent_id]

    def _on_AgentLoggedIn(self, ev: e.AgentLoggedIn) -> None:
        self._move(self._seat(ev.agent_id), Move.LOGIN, reason="login")

    def _on_AgentWentReady(self, ev: e.AgentWentReady) -> None:
        seat = self._seat(ev.agent_id)
        if seat.state is AgentState.LOGGED_OUT:
            self._move(seat, Move.LOGIN, reason="login")
        if seat.state is AgentState.WRAP_UP:
            self._out.append(c.CancelTimer(f"wrapup:{ev.agent_id}"))
        self._move(seat, Move.READY)

    def _on_AgentPaused(self, ev: e.AgentPaused) -> None:
        seat = self._seat(ev.agent_id)
        if seat.state is AgentState.LOGGED_OUT:  # logging in straight into a pause
            self._move(seat, Move.LOGIN, reason=ev.reason)
            return
        if seat.state is AgentState.WRAP_UP:
            self._out.append(c.CancelTimer(f"wrapup:{ev.agent_id}"))
        self._move(seat, Move.PAUSE, reason=ev.reason)

    def _on_AgentLoggedOut(self, ev: e.AgentLoggedOut) -> None:
        self._move(self._seat(ev.agent_id), Move.LOGOUT)

    def _on_TelephonyLost(self, ev: e.TelephonyLost) -> None:
        self._out.append(c.LogWarning(f"telephony lost: {ev.detail}"))

    def _move(self, seat: Seat, move: Move, reason: str = "") -> None:
        state = next_state(seat.state, move)
        if state is AgentState.READY and seat.state is not AgentState.RINGING:
            seat.idle_since = self._now
        seat.state, seat.reason, seat.since = state, reason, self._now
        rec = c.RecordAgentState(seat.agent.agent_id, state.value, reason, self._now)
        self._out.append(rec)

    # -- routing -------------------------------------------------------------------------

    def _match(self) -> None:
        """Ring agents until no waiting call and ready matching agent are left apart."""
        while (pair := self._best_pair()) is not None:
            self._ring(*pair)

    def _best_pair(self) -> tuple[Call, Seat] | None:
        ready = [s for s in self.seats.values() if s.state is AgentState.READY]
        if not ready:
            return None
        best: tuple[Call, Seat] | None = None
        for service, queue in self.queues.items():
            serving = [s for s in ready if service in s.agent.skills]
            head = queue.first(self._is_waiting) if serving else None
            if head is None:
                continue
            call = self.calls[head[2]]
            if best is None or head < (best[0].key or head):
                best = (call, min(serving, key=_idle_order))
        return best

    def _answered(self, call: Call) -> bool:
        ring = self.rings.get(call.ring_id or "")
        return ring is not None and ring.answered

    def _is_waiting(self, call_id: str) -> bool:
        return self.calls[call_id].ring_id is None

    def _save(self, call: Call) -> None:
        self._out.append(c.SaveContact(call.contact))


def _ring_timer(ring_id: str) -> str:
    return f"ring:{ring_id}"


def _idle_order(seat: Seat) -> tuple[datetime, str]:
    return (seat.idle_since or datetime.min, seat.agent.agent_id)
