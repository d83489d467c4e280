"""A supervisor's requests: move a waiting call to another service, raise its priority,
take part in an agent's call (listen, whisper, barge). Owns the supervisors' spies.

Theory of operation
-------------------
Each request is checked here against the core's state before anything changes; one that
makes no sense now raises a ``SupervisionRefused`` with its reason, and the core is left as
it was. Who may ask is the web's business (only a signed-in supervisor); who asked, and
what came of it, goes to the audit log there.

- **Move** (``SupervisorMovedCall``): a call waiting in a queue (not in the IVR, not ringing
  an agent, not talking) goes to another service's queue. Like an overflow it keeps its key,
  so its place counts from its first entry; relaxation and the maximum wait count from the
  move, as after a transfer. Refused while nobody is logged in for that service: the
  caller would wait for no one.
- **Raise** (``SupervisorRaisedPriority``): a waiting call gains priority points
  (``PriorityReason.SUPERVISOR``, so the agent's screen pop says why it came first), and
  a new key from its first entry, as a transfer gives one. Its points are written on the
  caller's channel (``NoteBoost``), so an engine restarted while it waits gives them back.
- **Listen, whisper, barge** (``SupervisorListened``): the supervisor's phone is rung
  (``SpyOnAgent``) on a channel whose uniqueid the core chooses (the spy); answered, it
  runs Asterisk's ChanSpy on the agent's leg: listening, or heard by the agent only, or by
  both. Only on a call that is talking (answered and bridged, on hold or not), and one spy
  per supervisor at a time (its phone has one line). The spy ends when its channel hangs
  up (``HungUp``: the supervisor, or ChanSpy when the agent's leg is gone), when its phone
  could not be rung (``RingFailed``), on ``SupervisorStoppedListening`` (its channel is
  hung up), and when the agent's part of the call is over (ended, transferred): the core
  hangs the spy up then rather than leave the supervisor's phone ringing for nothing.
  ``SupervisorChangedMode`` switches a spy's mode on the same phone call
  (``SwitchSpyMode``: ChanSpy changes mode on a DTMF digit), never by hanging up and
  ringing the phone again.
  Nothing of it reaches the agent's state or the call's record.

Errors::

    SupervisionRefused   (AcdError) the request makes no sense now; ``code`` names why
      UnknownCall        no such call in the center (ended, or never was)
      NotWaiting         the call is not waiting in a queue (IVR, ringing, talking)
      UnknownTarget      a move to a service the center does not have
      SameService        a move to the service it waits in already
      NobodyThere        a move to a service nobody is logged in for
      BadPoints          points out of 1 to ``MAX_POINTS``
      NothingToHear      the agent has no call talking
      AlreadyListening   the supervisor listens to a call already: stop first
      NotListening       stop or a switch of mode, with nothing to stop or switch
      NoTelephony        AMI is away: no phone can be rung
    UnknownAgent         (acd.core.desk) no such agent
"""

from __future__ import annotations

from acd.core import commands as c
from acd.core import events as e
from acd.core.admission import Admission
from acd.core.desk import AcdError, Desk
from acd.core.floor import Floor
from acd.core.model import Call, PriorityReason, Spy
from acd.core.rings import Rings
from agents.states import AgentState

MAX_POINTS = 100  # a boost worth 100 minutes of waiting with the default aging


class SupervisionRefused(AcdError):
    code = "refused"


class UnknownCall(SupervisionRefused):
    code = "unknown-call"

    def __init__(self, call_id: str) -> None:
        super().__init__(f"no call {call_id!r} in the center (it may have ended)")


class NotWaiting(SupervisionRefused):
    code = "not-waiting"

    def __init__(self, call_id: str, where: str) -> None:
        super().__init__(f"call {call_id!r} is not waiting in a queue: it is {where}")


class UnknownTarget(SupervisionRefused):
    code = "unknown-service"

    def __init__(self, service: str, known: tuple[str, ...]) -> None:
        super().__init__(f"unknown service {service!r} (the center's: {', '.join(known)})")


class SameService(SupervisionRefused):
    code = "same-service"

    def __init__(self, call_id: str, service: str) -> None:
        super().__init__(f"call {call_id!r} waits in {service!r} already")


class NobodyThere(SupervisionRefused):
    code = "nobody-serves"

    def __init__(self, service: str) -> None:
        super().__init__(f"nobody is logged in for {service!r}: the caller would wait for no one")


class BadPoints(SupervisionRefused):
    code = "bad-points"

    def __init__(self, points: int) -> None:
        super().__init__(f"priority points must be 1 to {MAX_POINTS}, not {points}")


class NothingToHear(SupervisionRefused):
    code = "no-call"

    def __init__(self, agent_id: str, state: AgentState) -> None:
        super().__init__(f"{agent_id} is talking with no caller now ({state.value})")


class AlreadyListening(SupervisionRefused):
    code = "already-listening"

    def __init__(self, supervisor: str, agent_id: str) -> None:
        super().__init__(f"{supervisor} is on {agent_id}'s call already: stop that first")


class NotListening(SupervisionRefused):
    code = "not-listening"

    def __init__(self, supervisor: str) -> None:
        super().__init__(f"{supervisor} listens to no call")


class NoTelephony(SupervisionRefused):
    code = "telephony-down"

    def __init__(self) -> None:
        super().__init__("the telephone exchange is unreachable: try again shortly")


class Supervision:
    def __init__(self, floor: Floor, admission: Admission, desk: Desk, rings: Rings) -> None:
        self.floor, self.admission, self.desk, self.rings = floor, admission, desk, rings
        self.spies: dict[str, Spy] = {}  # by the spy channel's uniqueid

    # -- waiting calls -------------------------------------------------------------------

    def move(self, ev: e.SupervisorMovedCall) -> None:
        call, services = self._waiting(ev.call_id), self.floor.services
        if ev.service not in services:
            raise UnknownTarget(ev.service, tuple(services))
        if ev.service == call.service:
            raise SameService(ev.call_id, ev.service)
        if not self.admission.staffed(call, ev.service):
            raise NobodyThere(ev.service)
        self.admission.moved(call, ev.service)

    def boost(self, ev: e.SupervisorRaisedPriority) -> None:
        call = self._waiting(ev.call_id)
        points = ev.points or self.floor.policy.supervisor_priority
        if not 1 <= points <= MAX_POINTS:
            raise BadPoints(points)
        self.admission.boosted(call, float(points))
        boost = sum(p for r, p in call.priority_reasons if r is PriorityReason.SUPERVISOR)
        self.floor.say(c.NoteBoost(call.call_id, call.channel, boost))

    def _waiting(self, call_id: str) -> Call:
        call = self.floor.calls.get(call_id)
        if call is None:
            raise UnknownCall(call_id)
        if call.key is None:
            raise NotWaiting(call_id, "talking" if call.connected else "still in the IVR")
        if call.ring_id is not None:
            raise NotWaiting(call_id, "ringing an agent")
        if call.callback is not None and call.callback.pending:
            raise NotWaiting(call_id, "a callback (cancel or reschedule it)")
        if call.voice_message is not None:
            raise NotWaiting(call_id, "a voice message (a task for its service's agents)")
        return call

    # -- agents' calls -------------------------------------------------------------------

    def listen(self, ev: e.SupervisorListened) -> None:
        seat = self.desk.seat(ev.agent_id)  # UnknownAgent first: a name that is nobody's
        if not self.floor.telephony_up:
            raise NoTelephony()
        ring = self.rings.rings.get(seat.ring_id or "")
        call = self.floor.calls.get(ring.call_id) if ring is not None else None
        if ring is None or call is None or not call.connected or call.voice_message is not None:
            raise NothingToHear(ev.agent_id, seat.state)  # (a voice message: nobody talks)
        busy = self.of(ev.supervisor)
        if busy is not None:
            raise AlreadyListening(ev.supervisor, busy.agent_id)
        spy_id = self.rings.new_ring_id()
        self.spies[spy_id] = Spy(spy_id, ev.supervisor, ev.agent_id, call.call_id,
                                 ring.ring_id, ev.mode)  # fmt: skip
        self.floor.say(c.SpyOnAgent(spy_id, ev.supervisor, ev.endpoint, ev.agent_id,
                                    ring.ring_id, ev.mode))  # fmt: skip

    def switch(self, ev: e.SupervisorChangedMode) -> None:
        """The same spy, another mode (ChanSpy switches on DTMF: ``SwitchSpyMode``)."""
        spy = self.of(ev.supervisor)
        if spy is None or spy.ending:
            raise NotListening(ev.supervisor)
        if not self.floor.telephony_up:
            raise NoTelephony()
        if spy.mode is not ev.mode:
            spy.mode = ev.mode
            self.floor.say(c.SwitchSpyMode(spy.spy_id, ev.mode))

    def stop(self, ev: e.SupervisorStoppedListening) -> None:
        """Asked again while ending, the hang-up is sent again (the first may be lost)."""
        spy = self.of(ev.supervisor)
        if spy is None:
            raise NotListening(ev.supervisor)
        self._hang_up(spy)

    def of(self, supervisor: str) -> Spy | None:
        """The spy of ``supervisor`` (one at most)."""
        return next((s for s in self.spies.values() if s.supervisor == supervisor), None)

    # -- what Asterisk said, and what changed ----------------------------------------------

    def ended(self, channel_id: str) -> None:
        """The spy's channel hung up, or could never ring (a ``RingFailed`` of its id)."""
        self.spies.pop(channel_id, None)

    def follow(self) -> None:
        """After each event while spies live: hang up those whose agent leg is over (the call
        ended or went elsewhere): ChanSpy ends by itself on a spied channel's hang-up, but
        not before its own phone answered."""
        for spy in list(self.spies.values()):
            if not spy.ending and spy.agent_leg not in self.rings.rings:
                self._hang_up(spy)

    def listed(self, live: frozenset[str]) -> None:
        """After an AMI login: a spy whose channel is gone hung up unseen."""
        for spy_id in [s for s in self.spies if s not in live]:
            del self.spies[spy_id]

    def _hang_up(self, spy: Spy) -> None:
        spy.ending = True
        self.floor.say(c.HangUpChannel(spy.spy_id))
