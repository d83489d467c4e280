"""Voice messages as tasks: in their service's queue, given to a ready agent, closed by it
(the theory of operation is in ``acd.core.voice_message``). Owns nothing of its own: a
task is a ``Call`` with a ``VoiceMessage`` marker, kept in ``Admission``'s queues and pools
like any call, and held by its agent through a ``Ring`` that is answered from the start (no
phone rings: it is the agent's hold on the task, which ``TelephonyLink`` never checks
against Asterisk's channels).

Errors (``TaskRefused``, a request the core refuses; state unchanged)::

    NoSuchTask          the agent does not work that voice message now
    NoDisposition       a close with no disposition
    NoCallbackService   a callback asked in a service without callbacks
    NoNumber            a callback asked for a caller without a number to dial
"""

from __future__ import annotations

from acd.core import commands as c
from acd.core import events as e
from acd.core.admission import Admission
from acd.core.callbacks import Callbacks
from acd.core.contact import Contact
from acd.core.desk import AcdError, Desk
from acd.core.floor import Floor
from acd.core.model import Call, Ring, Seat
from acd.core.queue import queue_key
from acd.core.rings import Rings
from acd.core.routing import Pool
from acd.core.voice_message import CALLED_BACK, VoiceMessage
from agents.states import AgentState, Move


class TaskRefused(AcdError):
    code = "refused"


class NoSuchTask(TaskRefused):
    code = "no-such-task"

    def __init__(self, agent_id: str, message_id: str) -> None:
        super().__init__(f"{agent_id} does not work voice message {message_id!r} now")


class NoDisposition(TaskRefused):
    code = "no-disposition"

    def __init__(self) -> None:
        super().__init__("a voice message is closed with a disposition")


class NoCallbackService(TaskRefused):
    code = "no-callback"

    def __init__(self, service: str) -> None:
        super().__init__(f"service {service!r} calls nobody back (no callback rules)")


class NoNumber(TaskRefused):
    code = "no-number"

    def __init__(self, message_id: str) -> None:
        super().__init__(f"the caller of voice message {message_id!r} left no number to call")


class VoiceMessages:
    def __init__(
        self, floor: Floor, admission: Admission, desk: Desk, rings: Rings, callbacks: Callbacks
    ) -> None:
        self.floor, self.admission, self.desk, self.rings = floor, admission, desk, rings
        self.callbacks, self.calls = callbacks, floor.calls
        rings.voice_messages = self

    def left(self, ev: e.VoiceMessageLeft) -> None:
        """A task in its service's queue, at the place its recording time gives it (the
        service's weight its only priority), in the pool of the service's requirement."""
        if ev.message_id in self.calls or ev.service not in self.admission.queues:
            self.floor.warn(f"voice message {ev.message_id} not queued: known already, or "
                            f"no service {ev.service!r}")  # fmt: skip
            return
        contact = Contact(ev.message_id, ev.caller_number, "", ev.recorded_at, ev.ivr_path)
        call = Call(ev.message_id, "", contact.queued(ev.service, None, ev.recorded_at))
        call.voice_message = VoiceMessage(ev.contact_id, ev.recorded_at)
        call.language = ev.language
        call.priority = self.floor.services[ev.service].weight
        at, aging = ev.recorded_at.timestamp(), self.floor.policy.aging_seconds
        call.key = queue_key(call.priority, self.rings.sequence(), ev.message_id, at, aging)
        self.calls[ev.message_id] = call
        self.admission.rejoin(call)  # in line, relaxation timed from the recording
        self.admission.wait_in_pool(call)

    def give(self, call: Call, pool: Pool, seat: Seat) -> None:
        """Matched: ``seat``'s agent works the task now (no ring; it leaves the queue)."""
        ring = Ring(self.rings.new_ring_id(), call.call_id, seat.agent.agent_id, answered=True)
        self.admission.left_queue(call)  # out of its line, its pool and its timers
        self.rings.rings[ring.ring_id] = ring
        call.ring_id, seat.ring_id, seat.call_id = ring.ring_id, ring.ring_id, call.call_id
        call.connected = True  # (never talking: ``talk_since`` stays None, no talk counted)
        self.desk.offered(seat, self.rings.sequence(), Move.TASK)

    # -- the agent's requests -------------------------------------------------------------

    def close(self, ev: e.AgentClosedVoiceMessage) -> None:
        call, ring = self._held(ev.agent_id, ev.message_id)
        if not ev.disposition.strip():
            raise NoDisposition()
        self._done(call, ring, ev.disposition.strip())

    def call_back(self, ev: e.AgentCalledBack) -> None:
        """The caller to be called back: a callback in the service (its agent's own), the
        message closed as ``callback``."""
        call, ring = self._held(ev.agent_id, ev.message_id)
        service = call.service or ""
        if self.floor.services[service].callback is None:
            raise NoCallbackService(service)
        if not call.contact.caller_number.lstrip("+").isdigit():
            raise NoNumber(ev.message_id)
        self._done(call, ring, CALLED_BACK)
        self.callbacks.from_voice_message(call, ev.agent_id)

    def _held(self, agent_id: str, message_id: str) -> tuple[Call, Ring]:
        seat = self.desk.seat(agent_id)  # UnknownAgent first
        call = self.calls.get(message_id)
        ring = self.rings.rings.get(seat.ring_id or "")
        if (call is None or call.voice_message is None or ring is None
                or ring.call_id != message_id or seat.state is not AgentState.ON_CALL):  # fmt: skip
            raise NoSuchTask(agent_id, message_id)
        return call, ring

    def _done(self, call: Call, ring: Ring, disposition: str) -> None:
        """Handled: the store told, the agent to its wrap-up, the task forgotten."""
        self.floor.say(c.CloseVoiceMessage(call.call_id, ring.agent_id, disposition,
                                           self.floor.now))  # fmt: skip
        self.rings.release(call, ring)
        del self.calls[call.call_id]

    # -- stops ---------------------------------------------------------------------------

    def forget(self, call: Call) -> None:
        """The engine stops: the task is left unhandled in the store (the next start gives
        it back to its queue), not closed."""
        self.admission.forget(call)
