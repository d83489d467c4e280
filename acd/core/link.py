"""The link to Asterisk: what the core does when AMI goes away and comes back.

While AMI is away nothing the engine asks of Asterisk can happen and no hang-up is heard, so
nothing is offered (``Floor.telephony_up`` is False; see ``acd.core.rings`` for rings that
end meanwhile and ``acd.core.admission`` for overflows that fall due). After every login
the composition root says ``TelephonyReconnected`` (the calls and rings known then are the
ones to check) and ``ChannelsListed`` (what Asterisk has now): what is gone ended unseen.
"""

from __future__ import annotations

from collections.abc import Container

from acd.core import commands as c
from acd.core import events as e
from acd.core.admission import Admission
from acd.core.callbacks import Callbacks
from acd.core.contact import EndCause, unfinished_outcome
from acd.core.desk import Desk
from acd.core.floor import Floor
from acd.core.model import Call, Ring
from acd.core.rings import Rings
from acd.core.supervision import Supervision
from acd.core.voice_messages import VoiceMessages


class TelephonyLink:
    def __init__(
        self,
        floor: Floor,
        admission: Admission,
        desk: Desk,
        rings: Rings,
        supervision: Supervision,
        callbacks: Callbacks,
        voice_messages: VoiceMessages,
    ) -> None:
        self.floor, self.admission, self.desk, self.rings = floor, admission, desk, rings
        self.supervision, self.callbacks = supervision, callbacks
        self.voice_messages = voice_messages
        self._to_check: tuple[frozenset[str], frozenset[str]] | None = None  # calls, rings

    def lost(self, ev: e.TelephonyLost) -> None:
        if self.floor.telephony_up:
            self.floor.warn(f"telephony lost ({ev.detail}): no call is offered until it is back")
        self.floor.telephony_up, self._to_check = False, None

    def asterisk_stopping(self, ev: e.AsteriskStopping) -> None:
        if not self.floor.asterisk_stopping:
            self.floor.warn("Asterisk is stopping: the calls it hangs up are closed as cut")
        self.floor.asterisk_stopping = True

    def reconnected(self, ev: e.TelephonyReconnected) -> None:
        self.floor.asterisk_stopping = False  # a new Asterisk, or the same one that stayed
        self._to_check = (frozenset(self.floor.calls), frozenset(self.rings.rings))

    def listed(self, ev: e.ChannelsListed) -> None:
        """Asterisk's channels after a login: end what hung up unseen, then offer again.

        What was known at ``TelephonyReconnected`` (or now, without one) and is gone ended
        while nobody watched: a caller as if its hang-up had come (contact closed with
        cause ``telephony-lost``), an agent leg likewise (the agent freed; a ring that
        ended unseen is no miss). An agent leg answered unseen is connected now; a bridge
        still up stays as it is. Legs of this engine's rings that the core no longer knows
        (their hang-up failed meanwhile) are hung up; a supervisor's spy gone is forgotten,
        one still there left alone. Then overflows that fell due are made
        and every waiting call and ready agent is matched. Consultations likewise
        (``_check_consults``).
        """
        calls, rings = self.floor.calls, self.rings.rings
        to_calls, to_rings = self._to_check or (frozenset(calls), frozenset(rings))
        self._to_check, self.floor.telephony_up = None, True
        ended = [calls[i] for i in sorted(to_calls) if i in calls and not self._alive(calls[i], ev)]
        for call in ended:
            self.rings.caller_left(call, EndCause.TELEPHONY_LOST)
        for ring_id in sorted(to_rings):
            if ring_id in rings:
                self._check_ring(rings[ring_id], ev)
        self._check_consults(ev)
        self.supervision.listed(ev.live)
        prefix, legs = f"{self.rings.prefix}-", self.rings.consults.legs
        known = (rings, legs, self.supervision.spies, self.callbacks.legs)
        ours = (i for i in ev.live if i.startswith(prefix) and not any(i in k for k in known))
        for stale in sorted(ours):
            self.floor.say(c.HangUpChannel(stale))
        self._end_foreign_rings(ev, known)
        if ended:
            self.floor.warn(f"telephony back: {len(ended)} call(s) had ended unseen and are closed")
        self._offer_all()

    def _end_foreign_rings(self, ev: e.ChannelsListed, known: tuple[Container[str], ...]) -> None:
        """An earlier run's rings still in flight (ringing, or answered and never bridged):
        hung up. Their callers wait in the queue loop and were taken back at their place;
        their agents came back ready (``acd.restore``), so they are offered calls again."""
        foreign = sorted(i for i in ev.agent_legs if not any(i in k for k in known))
        for leg in foreign:
            self.floor.say(c.HangUpChannel(leg))
        if foreign:
            self.floor.warn(f"{len(foreign)} ring(s) of an earlier run hung up: their callers "
                            "wait at their place")  # fmt: skip

    def stopping(self, ev: e.EngineStopping) -> None:
        """A clean stop: every call's contact closed (``system-stop``), nothing offered.

        Nothing is said to Asterisk: with ``--keep-asterisk`` a waiting caller stays in the
        wait loop for the next engine (which reopens its contact), otherwise Asterisk stops
        right after and drops every call itself. Agents keep their state (and its row)."""
        self.floor.telephony_up = False
        calls = self.floor.calls
        for call_id in sorted(calls):
            call = calls[call_id]
            if call.callback is not None and call.callback.pending:
                self.callbacks.forget(call)  # stored: the next start takes it back
                continue
            if call.voice_message is not None:
                self.voice_messages.forget(call)  # unhandled in the store: taken back too
                continue
            outcome = unfinished_outcome(call.contact, call.key is not None)
            self.admission.finish(call, outcome, EndCause.SYSTEM_STOP)
        self.rings.rings.clear()

    def _alive(self, call: Call, ev: e.ChannelsListed) -> bool:
        if call.voice_message is not None:
            return True  # a task has no channel: it lives in the engine alone
        if call.callback is not None:
            return self.callbacks.alive(call, ev.live)
        return call.call_id in ev.live

    def _check_ring(self, ring: Ring, ev: e.ChannelsListed) -> None:
        call = self.floor.calls[ring.call_id]
        if call.voice_message is not None:
            return  # an agent's hold on a task: no leg in Asterisk
        callback = call.callback
        if callback is not None and callback.pending and ring.answered:
            if ring.ring_id not in ev.live:  # the agent left while its citizen's phone rang
                self.rings.agent_leg_ended(ring)
            return  # dialling: the citizen's leg says what comes
        if ring.ring_id not in ev.live:
            if ring.answered or call.connected:
                self.rings.agent_leg_ended(ring)
            else:
                self.rings.ring_released(ring)
        elif call.connected:
            return  # talking: the bridge is still up
        elif (call.call_id if callback is None else call.channel) in ev.bridged and ring.answered:
            self.rings.bridged(e.Bridged(call.call_id))  # its BridgeEnter went unseen
        elif ring.answered:
            self.rings.connect(ring)  # its bridge was never made
        elif ring.ring_id in ev.answered:
            self.rings.answered(e.AgentAnswered(ring.ring_id))  # answered unseen

    def _check_consults(self, ev: e.ChannelsListed) -> None:
        """A colleague's leg gone unseen ended its consultation; answered unseen, it is
        bridged with the agent now."""
        consults = self.rings.consults
        for consult in sorted(consults.legs.values(), key=lambda k: k.ring_id):
            if consult.ring_id not in ev.live:
                consults.colleague_left(consult)
            elif not consult.answered and consult.ring_id in ev.answered:
                consults.answered(consult)

    def _offer_all(self) -> None:
        """Telephony is back: overflows that fell due, then match everything that waits."""
        floor = self.floor
        waiting = [k for k in floor.calls.values() if k.key is not None and k.ring_id is None]
        for call in waiting:
            due = call.overflow_due
            if due is not None and self.admission.overflow(call, due):
                continue
            floor.new_calls.append(call.call_id)
        floor.new_agents.extend(a for a, s in self.desk.seats.items() if s.offerable)
