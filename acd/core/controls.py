"""The agent's call controls: hang up, hold and resume, transfer to a service or a colleague.

Theory of operation
-------------------
Each control is a request from the agent's panel (``AgentHungUpCall``, ``AgentHeldCall``,
``AgentResumedCall``, ``AgentTransferredToService``, ``AgentTransferredToAgent``), checked
here against the agent's call before anything changes: a control that makes no sense now
raises a ``CallControlRefused`` with the reason, and the core is left as it was.

- **Hang up**: the agent's leg is hung up (``HangUpChannel``); the call then ends exactly as
  when the agent puts the phone down: Asterisk's hang-up of the leg ends it (answered) and
  puts the agent in wrap-up. Until then the call is ``ending``: it takes no other control
  (a hang-up asked again is sent again).
- **Hold**: both legs leave their bridge (``HoldCall``): the caller hears music, the agent's
  leg waits in silence; the agent stays on the call. **Resume** bridges them again
  (``Connect``). While a call is held, a hang-up on either side ends the call and the core
  hangs up the other leg, which no bridge takes down any more.
- **Transfer to a service** (blind): the caller goes back to the queue's wait loop
  (``RequeueCaller``) in that service, at the place its first entry gives it plus
  ``transfer_priority`` points; the agent's leg is hung up and the agent goes to wrap-up.
  It stays one contact: its ``service_path`` gains the service. Refused while nobody is
  logged in for the service: the caller would wait for no one.
- **Transfer to a colleague** who is ready: the same, in the call's own service, and the
  colleague's phone rings for it at once; if the colleague does not answer, the call waits
  in its queue for the next agent, at its place.

- **Consult transfer** (``AgentConsulted``, then ``AgentCompletedTransfer`` or
  ``AgentResumedCall``): the agent talks with a ready colleague while its caller holds, then
  hands the caller over or goes back to it (``acd.core.consult``). While it consults, the
  call takes no other control; the colleague may only hang its own leg up.

A transfer needs a call that is talking (answered and bridged), held or not; hold and resume
too. Nothing is asked of Asterisk while telephony is down: every control is refused.

Errors::

    CallControlRefused    (AcdError) the control makes no sense now; ``code`` names why
      NoCall              the agent has no call (logged out, ready, in wrap-up ...)
      NotACall            the agent works a voice message: nobody is on the line
      NotTalking          the call rings, or (but to hang up) is answered, not yet bridged
      CallEnding          a hang-up was asked: the call is ending (but to hang up again)
      AlreadyHeld         hold on a call on hold
      NotHeld             resume on a call not on hold
      UnknownService      a transfer to a service the center does not have
      NobodyServes        a transfer to a service nobody is logged in for
      UnknownColleague    a transfer to an agent the center does not have
      SameAgent           a transfer to oneself
      ColleagueNotReady   a transfer to an agent not ready (or unreachable)
      TelephonyDown       AMI is away: nothing can be carried out
      Consulting          the agent consults a colleague: complete, or resume first
      InConsultation      a colleague consulted may only hang up (its leg)
      NoConsultation      complete with no consultation on
      ConsultNotAnswered  complete before the colleague answered
"""

from __future__ import annotations

from acd.core import commands as c
from acd.core import events as e
from acd.core.admission import Admission
from acd.core.consult import Consults
from acd.core.desk import AcdError, Desk
from acd.core.floor import Floor
from acd.core.model import Call, Ring, Seat
from acd.core.rings import Rings
from agents.states import AgentState


class CallControlRefused(AcdError):
    code = "refused"


class NoCall(CallControlRefused):
    code = "no-call"

    def __init__(self, agent_id: str, state: AgentState) -> None:
        super().__init__(f"{agent_id} has no call to control ({state.value})")


class NotACall(CallControlRefused):
    code = "not-a-call"

    def __init__(self, agent_id: str) -> None:
        super().__init__(f"{agent_id} works a voice message: there is no call to control")


class NotTalking(CallControlRefused):
    code = "not-answered"

    def __init__(self, agent_id: str) -> None:
        super().__init__(f"the call of {agent_id} is not answered and connected yet")


class CallEnding(CallControlRefused):
    code = "call-ending"

    def __init__(self, agent_id: str) -> None:
        super().__init__(f"the call of {agent_id} is being hung up")


class AlreadyHeld(CallControlRefused):
    code = "already-held"

    def __init__(self, agent_id: str) -> None:
        super().__init__(f"the call of {agent_id} is on hold already")


class NotHeld(CallControlRefused):
    code = "not-held"

    def __init__(self, agent_id: str) -> None:
        super().__init__(f"the call of {agent_id} is not on hold")


class UnknownService(CallControlRefused):
    code = "unknown-service"

    def __init__(self, service: str) -> None:
        super().__init__(f"unknown service {service!r}")


class NobodyServes(CallControlRefused):
    code = "nobody-serves"

    def __init__(self, service: str) -> None:
        super().__init__(f"nobody is logged in for {service!r}: the caller would wait for no one")


class UnknownColleague(CallControlRefused):
    code = "unknown-agent"

    def __init__(self, agent_id: str) -> None:
        super().__init__(f"unknown agent {agent_id!r}")


class SameAgent(CallControlRefused):
    code = "same-agent"

    def __init__(self, agent_id: str) -> None:
        super().__init__(f"{agent_id} cannot transfer a call to itself")


class ColleagueNotReady(CallControlRefused):
    code = "agent-not-ready"

    def __init__(self, agent_id: str, state: AgentState) -> None:
        super().__init__(f"agent {agent_id!r} is not ready ({state.value}) or has no phone")


class TelephonyDown(CallControlRefused):
    code = "telephony-down"

    def __init__(self) -> None:
        super().__init__("the telephone exchange is unreachable: try again shortly")


class Consulting(CallControlRefused):
    code = "consulting"

    def __init__(self, agent_id: str) -> None:
        super().__init__(f"{agent_id} is consulting a colleague: complete the transfer, "
                         "or go back to the caller, first")  # fmt: skip


class InConsultation(CallControlRefused):
    code = "in-consultation"

    def __init__(self, agent_id: str) -> None:
        super().__init__(f"{agent_id} is in a colleague's consultation: it may only hang up")


class NoConsultation(CallControlRefused):
    code = "no-consultation"

    def __init__(self, agent_id: str) -> None:
        super().__init__(f"{agent_id} is consulting nobody: there is no transfer to complete")


class ConsultNotAnswered(CallControlRefused):
    code = "consult-not-answered"

    def __init__(self, colleague: str) -> None:
        super().__init__(f"{colleague} has not answered the consultation yet")


class Controls:
    def __init__(
        self, floor: Floor, admission: Admission, desk: Desk, rings: Rings, consults: Consults
    ) -> None:
        self.floor, self.admission, self.desk, self.rings = floor, admission, desk, rings
        self.consults = consults

    # -- the requests --------------------------------------------------------------------

    def hang_up(self, ev: e.AgentHungUpCall) -> None:
        """Asked again while ending, the hang-up is sent again (the first may have been lost
        with AMI): the leg's hang-up ends the call once, whatever the number of requests."""
        consult = self.consults.of_colleague(self.desk.seat(ev.agent_id))
        if consult is not None and self.floor.telephony_up:
            self.consults.hang_up(consult)  # a consulted colleague ends the consultation
            return
        call, ring = self._answered(ev.agent_id)
        if call.consult is not None:
            raise Consulting(ev.agent_id)
        call.ending = True
        self.floor.say(c.HangUpChannel(ring.ring_id))

    def hold(self, ev: e.AgentHeldCall) -> None:
        call, ring = self._alone(ev.agent_id)
        if call.held:
            raise AlreadyHeld(ev.agent_id)
        call.held = True
        self.floor.say(c.HoldCall(call.call_id, call.channel, ring.ring_id))

    def resume(self, ev: e.AgentResumedCall) -> None:
        call, ring = self._talking(ev.agent_id)
        if call.consult is not None:
            self.consults.give_back(call, ring, call.consult)  # back from the consultation
            return
        if not call.held:
            raise NotHeld(ev.agent_id)
        call.held, call.consult_ended = False, None
        self.rings.connect(ring)

    def to_service(self, ev: e.AgentTransferredToService) -> None:
        service = ev.service
        call, ring = self._alone(ev.agent_id)
        if service not in self.floor.services:
            raise UnknownService(service)
        if not self.admission.staffed(call, service):
            raise NobodyServes(service)
        self._hand_back(call, ring, service)
        self.admission.transferred(call, service)

    def to_agent(self, ev: e.AgentTransferredToAgent) -> None:
        call, ring = self._alone(ev.agent_id)
        colleague = self._colleague(ev.agent_id, ev.colleague)
        service = call.service or ""
        self._hand_back(call, ring, service)
        self.admission.transferred(call, None)
        self.rings.ring(call, self.admission.pool_of(call), colleague)

    def consult(self, ev: e.AgentConsulted) -> None:
        call, ring = self._alone(ev.agent_id)
        self.consults.start(call, ring, self._colleague(ev.agent_id, ev.colleague))

    def complete(self, ev: e.AgentCompletedTransfer) -> None:
        call, ring = self._talking(ev.agent_id)
        if call.consult is None:
            raise NoConsultation(ev.agent_id)
        if not call.consult.answered:
            raise ConsultNotAnswered(call.consult.colleague)
        self.consults.complete(call, ring, call.consult)

    # -- what Asterisk answered ----------------------------------------------------------

    def hold_failed(self, ev: e.HoldFailed) -> None:
        """The legs are still bridged (or one is gone, and its hang-up is on its way)."""
        call = self.floor.calls.get(ev.call_id)
        if call is not None and call.held:
            call.held = False
            self.floor.warn(f"hold of call {ev.call_id} failed ({ev.reason}): still talking")

    # -- checks, before anything changes -------------------------------------------------

    def _call_of(self, agent_id: str) -> tuple[Call, Ring]:
        """The agent's call, answered (on_call), and not being hung up."""
        call, ring = self._answered(agent_id)
        if call.ending:
            raise CallEnding(agent_id)
        return call, ring

    def _answered(self, agent_id: str) -> tuple[Call, Ring]:
        """The agent's call, answered (on_call)."""
        seat = self.desk.seat(agent_id)
        if not self.floor.telephony_up:
            raise TelephonyDown()
        if self.consults.of_colleague(seat) is not None:
            raise InConsultation(agent_id)
        ring = self.rings.rings.get(seat.ring_id or "")
        if seat.state is AgentState.RINGING:
            raise NotTalking(agent_id)
        if seat.state is not AgentState.ON_CALL or ring is None:
            raise NoCall(agent_id, seat.state)
        call = self.floor.calls[ring.call_id]
        if call.voice_message is not None:
            raise NotACall(agent_id)
        return call, ring

    def _talking(self, agent_id: str) -> tuple[Call, Ring]:
        """The agent's call, answered and bridged (held or not)."""
        call, ring = self._call_of(agent_id)
        if not call.connected:
            raise NotTalking(agent_id)
        return call, ring

    def _alone(self, agent_id: str) -> tuple[Call, Ring]:
        """The agent's call, talking (held or not), with no consultation on."""
        call, ring = self._talking(agent_id)
        if call.consult is not None:
            raise Consulting(agent_id)
        return call, ring

    def _colleague(self, agent_id: str, colleague: str) -> Seat:
        seat = self.desk.seats.get(colleague)
        if seat is None:
            raise UnknownColleague(colleague)
        if colleague == agent_id:
            raise SameAgent(agent_id)
        if not seat.offerable:
            raise ColleagueNotReady(colleague, seat.state)
        return seat

    # -- a transfer ----------------------------------------------------------------------

    def _hand_back(self, call: Call, ring: Ring, service: str) -> None:
        """The caller back to the wait loop, then the agent's leg down (in this order: a
        leg hung up first would end the bridge and send the caller to its hang-up)."""
        self.floor.say(c.RequeueCaller(call.call_id, call.channel, service))
        self.floor.say(c.HangUpChannel(ring.ring_id))
        self.rings.release(call, ring)
