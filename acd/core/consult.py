"""Consult transfer: the agent talks with a colleague while its caller holds, then hands the
caller over or goes back to it. Owns the consultations (the colleagues' legs).

Theory of operation
-------------------
``AgentConsulted``: the agent's call, talking (on hold or not), is put on hold if it is not
(``HoldCall``: music for the caller, a silent wait for the agent's leg), and the colleague,
ready and reachable, is rung on a leg of its own (``RingAgent`` marked ``consult``). Its
state moves as for any ring: ringing, then on call. When it answers, the two agents' legs
are bridged (``JoinConsult``). The call stays the agent's, on hold, all along.

Then the agent:

- **completes** (``AgentCompletedTransfer``, or hangs up its own leg once the colleague
  answered, as on a desk phone): the caller is bridged with the colleague's leg
  (``CompleteTransfer``, which also hangs the agent's leg up) and the agent goes to wrap-up.
  The colleague's leg becomes the call's agent leg: still one contact, answered by the
  colleague from now on, its first answer kept (as after a blind transfer).
- **returns** (``AgentResumedCall``): the colleague's leg is hung up or its ring stopped,
  and the caller bridged with the agent again (``ReturnFromConsult``, or ``Connect``).

A consulted colleague goes back to ready when the consultation ends, with no wrap-up (it
had no call of its own), and no miss is counted if it did not answer: it was asked a
favour, not offered a call.

What else may happen:

- the colleague does not answer, its ring fails, it hangs up, or the bridge of the two legs
  fails: the consultation ends, the caller stays on hold with the agent, and
  ``Call.consult_ended`` says why and with whom (the panel shows it); the agent resumes, or consults
  someone else.
- the caller hangs up: the call ends as any held call, and the colleague's leg is hung up.
- the agent's leg ends before the colleague answered: nobody is left to talk with the
  caller, who goes back to its queue at its place, ahead by ``transfer_priority`` points, as
  after a blind transfer.
"""

from __future__ import annotations

from acd.core import commands as c
from acd.core import events as e
from acd.core.admission import Admission
from acd.core.desk import Desk
from acd.core.floor import Floor
from acd.core.model import Call, Consult, ConsultEnd, Ring, Seat
from acd.core.rings import Rings
from acd.core.timers import RingTimer
from agents.states import Move


class Consults:
    def __init__(self, floor: Floor, admission: Admission, desk: Desk, rings: Rings) -> None:
        self.floor, self.admission, self.desk, self.rings = floor, admission, desk, rings
        self.legs: dict[str, Consult] = {}  # by the colleague's ring id
        rings.consults = self

    # -- the agent's requests (checked by ``acd.core.controls``) -------------------------

    def start(self, call: Call, ring: Ring, colleague: Seat) -> None:
        """Hold the caller (if it is not) and ring ``colleague`` for a consultation."""
        floor = self.floor
        if not call.held:
            call.held = True
            floor.say(c.HoldCall(call.call_id, call.channel, ring.ring_id))
        ring_id = self.rings.new_ring_id()
        agent_id = colleague.agent.agent_id
        consult = Consult(ring_id, call.call_id, ring.agent_id, agent_id)
        self.legs[ring_id] = call.consult = consult
        call.consult_ended = None
        colleague.ring_id, colleague.call_id = ring_id, call.call_id
        self.desk.offered(colleague, self.rings.sequence())
        assert colleague.phone is not None, "only a reachable colleague is consulted"
        rules = floor.services[call.service or ""]
        endpoint = colleague.agent.endpoint_of(colleague.phone)
        number, seconds = call.contact.caller_number, rules.ring_seconds
        floor.say(c.RingAgent(ring_id, agent_id, endpoint, call.call_id, call.channel,
                              number, seconds, consult=True))  # fmt: skip
        floor.say(c.StartTimer(RingTimer(ring_id), floor.now + rules.ring_time))

    def complete(self, call: Call, ring: Ring, consult: Consult) -> None:
        """The caller to the colleague, who answered; the agent to wrap-up."""
        self.floor.say(c.CompleteTransfer(call.call_id, call.channel, ring.ring_id,
                                          consult.ring_id))  # fmt: skip
        self._hand_over(call, ring, consult)

    def give_back(self, call: Call, ring: Ring, consult: Consult) -> None:
        """The agent goes back to its caller: the colleague's leg ends."""
        if consult.answered:
            self.floor.say(c.ReturnFromConsult(call.call_id, call.channel, ring.ring_id,
                                               consult.ring_id))  # fmt: skip
        else:
            self.floor.say(c.StopRinging(consult.ring_id))
        self._end(consult, None)
        call.held = False
        if not consult.answered:
            self.rings.connect(ring)

    def hang_up(self, consult: Consult) -> None:
        """The colleague, from its panel, ends the consultation (its leg's hang-up ends it)."""
        self.floor.say(c.HangUpChannel(consult.ring_id))

    def of_colleague(self, seat: Seat) -> Consult | None:
        return self.legs.get(seat.ring_id or "")

    # -- what Asterisk said of the colleague's leg ---------------------------------------

    def answered(self, consult: Consult) -> None:
        if consult.answered:
            return
        consult.answered = True
        floor, seat = self.floor, self.desk.seats[consult.colleague]
        floor.say(c.CancelTimer(RingTimer(consult.ring_id)))
        self.desk.answered(seat)
        agent_leg = floor.calls[consult.call_id].ring_id
        assert agent_leg is not None, "a consultation ends before its agent's leg"
        floor.say(c.JoinConsult(consult.call_id, agent_leg, consult.ring_id))

    def not_answered(self, consult: Consult, timed_out: bool = False) -> None:
        if consult.answered:
            return
        if timed_out:
            self.floor.say(c.StopRinging(consult.ring_id))
        self._end(consult, ConsultEnd.NOT_ANSWERED)

    def colleague_left(self, consult: Consult) -> None:
        """The colleague's leg hung up (or was never made)."""
        why = ConsultEnd.COLLEAGUE_LEFT if consult.answered else ConsultEnd.NOT_ANSWERED
        self._end(consult, why)

    def join_failed(self, consult: Consult, ev: e.ConnectFailed) -> None:
        self.floor.warn(f"consultation of call {consult.call_id} with {consult.colleague} "
                        f"failed ({ev.reason}): the caller stays on hold")  # fmt: skip
        self.floor.say(c.HangUpChannel(consult.ring_id))
        self._end(consult, ConsultEnd.FAILED)

    # -- what Asterisk said of the other legs, while a consultation is on -----------------

    def caller_left(self, call: Call, consult: Consult) -> None:
        """Before the call ends (``Rings.caller_left``): the colleague's leg goes too."""
        if consult.answered:
            self.floor.say(c.HangUpChannel(consult.ring_id))
        else:
            self.floor.say(c.StopRinging(consult.ring_id))
        self._end(consult, None)

    def agent_left(self, call: Call, ring: Ring, consult: Consult) -> None:
        """The agent's leg ended: the colleague takes the caller if it answered; if not,
        the caller goes back to its queue, ahead of new calls."""
        if consult.answered:
            self.complete(call, ring, consult)
            return
        self.floor.say(c.StopRinging(consult.ring_id))
        self._end(consult, None)
        self.floor.say(c.RequeueCaller(call.call_id, call.channel, call.service or ""))
        self.rings.release(call, ring)
        self.admission.transferred(call, None)

    # -- the end of a consultation -------------------------------------------------------

    def _end(self, consult: Consult, why: ConsultEnd | None) -> None:
        """Forget the consultation; the colleague back to ready (with no miss, no wrap-up)."""
        del self.legs[consult.ring_id]
        call = self.floor.calls[consult.call_id]
        call.consult = None
        call.consult_ended = None if why is None else (why, consult.colleague)
        seat = self.desk.seats[consult.colleague]
        seat.ring_id = seat.call_id = None
        if not consult.answered:
            self.floor.say(c.CancelTimer(RingTimer(consult.ring_id)))
        self.desk.free(seat, Move.CONSULT_ENDED if consult.answered else Move.CALL_ENDED)

    def _hand_over(self, call: Call, ring: Ring, consult: Consult) -> None:
        """The colleague's leg becomes the call's agent leg: one contact, now the
        colleague's, its first answer kept."""
        del self.legs[consult.ring_id]
        call.consult = call.consult_ended = None
        contact, now = call.contact, self.floor.now
        if call.first_answer is None and contact.agent_id and contact.answered_at:
            call.first_answer = (contact.agent_id, contact.answered_at)
        self.rings.release(call, ring)  # the agent's talk counted, the agent to wrap-up
        taken = Ring(consult.ring_id, call.call_id, consult.colleague, answered=True)
        self.rings.rings[taken.ring_id], call.ring_id = taken, taken.ring_id
        call.held, call.talk_since = False, now
        first = call.first_answer
        call.contact = contact.answered_by(consult.colleague, first[1] if first else now)
        self.floor.save(call)
        self.rings.answered_one(self.desk.seats[consult.colleague])
