"""The ACD engine: ``handle(event, now) -> list[Command]``, synchronous and free of I/O.

The engine composes parts that each own their state, sharing only the ``Floor``:

    Admission      calls arriving and entering queues, limits, overflow, relaxation, the
                   end of a call; the queues and the pools' waiting calls (admission.py)
    Desk           agents' requests and state changes; the seats (desk.py)
    Rings          rings, answers, bridges, hang-ups, matching; the rings (rings.py)
    TelephonyLink  AMI lost and back: what ended unseen (link.py)
    Controls       the agent's call controls: hang up, hold, resume, transfer (controls.py)
    Consults       consult transfers: the colleagues' legs (consult.py)
    Supervision    a supervisor's requests: move, raise, listen; the spies (supervision.py)
    Callbacks      callers called back at their place; the citizens' legs (callbacks.py)
    VoiceMessages  voice messages as tasks in their queues, given to agents (voice_messages.py)

``handle`` dispatches each event with ``match`` (mypy's ``assert_never`` proves every event
has its handler), then matches what changed. Readers outside the core use the read model
(``view``, ``call_view``, ``agent_view``, ``service_estimate``: ``acd.core.view``).

Errors::

    AcdError                 a request the core refuses (raised, state unchanged)
      UnknownAgent           no such agent in the configuration
      UnknownPauseReason     a pause reason that is not in the center's list
      WrapUpAlreadyExtended  a wrap-up can be extended once
      ServiceChoiceRefused   (acd.core.desk) services an agent may not choose; ``code``:
        UnknownServiceChosen, ServiceNotHeld, NoServiceChosen, NotLoggedIn
      IllegalMove            (agents.states) the agent's state does not allow it
      CallControlRefused     (acd.core.controls) a call control that makes no sense now
      SupervisionRefused     (acd.core.supervision) a supervisor's request likewise
      CallbackRefused        (acd.core.callbacks) a callback's request, cancel, reschedule
      TaskRefused            (acd.core.voice_messages) an agent's close or callback of a
                             voice message it does not work, or cannot call back
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import assert_never

from acd.core import commands as c
from acd.core import events as e
from acd.core.admission import Admission
from acd.core.callback import (
    AttemptResult,
    Callback,
    CallbackRules,
    CallbackState,
    OpeningHours,
)
from acd.core.callbacks import Callbacks
from acd.core.consult import Consults
from acd.core.controls import Controls
from acd.core.desk import AcdError, Desk, UnknownAgent, UnknownPauseReason, WrapUpAlreadyExtended
from acd.core.estimate import estimate_wait
from acd.core.floor import Floor
from acd.core.link import TelephonyLink
from acd.core.model import (
    Call,
    Consult,
    RoutingAgent,
    RoutingPolicy,
    Seat,
    ServiceRules,
    Spy,
)
from acd.core.rings import Rings
from acd.core.routing import Router
from acd.core.supervision import Supervision
from acd.core.timers import (
    CallbackTimer,
    DialTimer,
    MaxWaitTimer,
    RelaxTimer,
    RequirementTimer,
    RingTimer,
    WrapUpTimer,
)
from acd.core.view import (
    AgentView,
    CallbackView,
    CallStage,
    CallView,
    CenterView,
    ConsultView,
    QueueView,
    RingView,
    SpyView,
    VoiceMessageView,
    expected_wait,
)
from acd.core.voice_messages import VoiceMessages
from agents.states import AgentState

__all__ = ["AcdError", "Engine", "UnknownAgent", "UnknownPauseReason", "WrapUpAlreadyExtended"]


class Engine:
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
        self._floor = floor = Floor(services, policy or RoutingPolicy(), telephony_up)
        seats = {a.agent_id: Seat(a) for a in agents}
        router, seq = Router(seats), itertools.count()
        self.admission = Admission(floor, router, seq)
        self.desk = Desk(floor, seats, router, self.admission)
        self.rings = Rings(floor, router, self.admission, self.desk, ring_id_prefix, seq)
        self.supervision = Supervision(floor, self.admission, self.desk, self.rings)
        self.callbacks = Callbacks(floor, self.admission, self.desk, self.rings)
        self.voice_messages = VoiceMessages(floor, self.admission, self.desk, self.rings,
                                            self.callbacks)  # fmt: skip
        self.link = TelephonyLink(floor, self.admission, self.desk, self.rings, self.supervision,
                                  self.callbacks, self.voice_messages)  # fmt: skip
        self.consults = Consults(floor, self.admission, self.desk, self.rings)
        self.controls = Controls(floor, self.admission, self.desk, self.rings, self.consults)

    def handle(self, event: e.Event, now: datetime) -> list[c.Command]:
        floor = self._floor
        floor.now = now
        try:
            self._dispatch(event)
            if self.supervision.spies:
                self.supervision.follow()
            if floor.new_calls or floor.new_agents:
                if floor.telephony_up:
                    self.rings.match()
                else:  # nothing is offered while AMI is away; all is matched once it is back
                    floor.new_calls, floor.new_agents = [], []
            return floor.out[:]
        except BaseException:
            floor.new_calls, floor.new_agents = [], []  # a refused request changed nothing
            raise
        finally:
            floor.out.clear()

    # One `match` case per kind of event, each a one-line hand-over (mypy checks that none is
    # missing): as long as there are kinds, and no longer to read.
    def _dispatch(self, event: e.Event) -> None:  # noqa: C901
        """Each event to its part. The most frequent come first: ``match`` tries in order."""
        admission, desk, rings = self.admission, self.desk, self.rings
        match event:
            case e.HungUp():
                if event.channel_id in self.callbacks.legs:
                    self._leg_hung_up(event)
                else:
                    rings.hung_up(event)
                if event.channel_id in self.supervision.spies:
                    self.supervision.ended(event.channel_id)
            case e.TimerFired():
                self._timer_fired(event)
            case e.AgentAnswered():
                rings.answered(event)
            case e.Bridged():
                call_id = self.callbacks.call_of(event.channel_id)  # a citizen called back
                rings.bridged(event if call_id is None else e.Bridged(call_id))
            case e.CallArrived():
                admission.arrived(event)
            case e.CallerEntered():
                admission.entered(event)
            case e.IvrLeft():
                admission.left_ivr(event)
            case e.RingFailed():
                rings.ring_failed(event)
                if event.ring_id in self.supervision.spies:
                    self.supervision.ended(event.ring_id)
            case e.AgentWentReady():
                desk.went_ready(event)
            case e.AgentPaused():
                desk.paused(event)
            case e.AgentLoggedIn():
                desk.logged_in(event)
            case e.AgentChoseServices():
                desk.chose_services(event)
            case e.AgentLoggedOut():
                desk.logged_out(event)
            case e.AgentExtendedWrapUp():
                desk.extended_wrap_up(event)
            case e.CallerResumed():
                admission.resumed(event)
            case e.ConversationResumed():
                rings.conversation_resumed(event)
            case e.ConnectFailed():
                rings.connect_failed(event)
            case e.AsteriskStopping():
                self.link.asterisk_stopping(event)
            case e.TelephonyLost():
                self.link.lost(event)
            case e.TelephonyReconnected():
                self.link.reconnected(event)
            case e.ChannelsListed():
                self.link.listed(event)
            case e.PhoneRegistered():
                desk.phone_registered(event)
            case e.PhoneUnregistered():
                desk.phone_unregistered(event)
            case e.PhonesListed():
                desk.phones_listed(event)
            case e.AgentHungUpCall():
                self.controls.hang_up(event)
            case e.AgentHeldCall():
                self.controls.hold(event)
            case e.AgentResumedCall():
                self.controls.resume(event)
            case e.AgentTransferredToService():
                self.controls.to_service(event)
            case e.AgentTransferredToAgent():
                self.controls.to_agent(event)
            case e.AgentConsulted():
                self.controls.consult(event)
            case e.AgentCompletedTransfer():
                self.controls.complete(event)
            case e.HoldFailed():
                self.controls.hold_failed(event)
            case e.EngineStopping():
                self.link.stopping(event)
            case e.SupervisorMovedCall():
                self.supervision.move(event)
            case e.SupervisorRaisedPriority():
                self.supervision.boost(event)
            case e.SupervisorListened():
                self.supervision.listen(event)
            case e.SupervisorStoppedListening():
                self.supervision.stop(event)
            case e.SupervisorChangedMode():
                self.supervision.switch(event)
            case e.CallbackRequested():
                self.callbacks.requested(event)
            case e.CitizenAnswered():
                self.callbacks.citizen_answered(event)
            case e.CitizenNotReached():
                self.callbacks.not_reached(event.leg, event.result, event.reason)
            case e.CallbackResumed():
                self.callbacks.resumed(event)
            case e.CallbackScheduled():
                self.callbacks.scheduled(event)
            case e.CallbackCancelled():
                self.callbacks.cancel(event)
            case e.CallbackRescheduled():
                self.callbacks.reschedule(event)
            case e.VoiceMessageLeft():
                self.voice_messages.left(event)
            case e.AgentClosedVoiceMessage():
                self.voice_messages.close(event)
            case e.AgentCalledBack():
                self.voice_messages.call_back(event)
            case _:
                assert_never(event)

    def _timer_fired(self, event: e.TimerFired) -> None:
        calls, key = self._floor.calls, event.key
        match key:
            case RingTimer(ring_id):
                self.rings.ring_timed_out(ring_id)
            case WrapUpTimer(agent_id):
                if agent_id in self.desk.seats:
                    self.desk.wrap_up_over(self.desk.seats[agent_id])
            case RelaxTimer() | MaxWaitTimer() | RequirementTimer():
                if key.call_id in calls:  # (a call gone meanwhile: nothing to do)
                    self._waiting_timer(key, calls[key.call_id])
            case CallbackTimer(call_id):
                self.callbacks.timer_fired(call_id)
            case DialTimer(leg):
                self.callbacks.not_reached(leg, AttemptResult.NO_ANSWER, "no answer in time")
            case _:
                assert_never(key)

    def _waiting_timer(self, key: RelaxTimer | MaxWaitTimer | RequirementTimer, call: Call) -> None:
        match key:
            case RelaxTimer():
                self.admission.relax(call)
            case MaxWaitTimer():
                self.admission.max_wait_passed(call)
            case RequirementTimer():
                self.admission.drop_requirement(call)

    def _leg_hung_up(self, event: e.HungUp) -> None:
        """A citizen's leg: a call out that failed, or a callback's talk that ended."""
        call_id = self.callbacks.leg_hung_up(event.channel_id, event.cause)
        if call_id is not None:
            self.rings.hung_up(e.HungUp(call_id, event.cause))

    # -- the read model ------------------------------------------------------------------

    @property
    def telephony_up(self) -> bool:
        return self._floor.telephony_up

    def view(self) -> CenterView:
        """The whole center now: queues with their calls, agents, rings."""
        rings = self.rings.rings.values()
        calls = self._floor.calls
        busy = Counter(  # agents ringing or talking, by their call's service: one pass
            call.service for s in self.desk.seats.values() if (call := calls.get(s.call_id or ""))
        )
        return CenterView(
            telephony_up=self._floor.telephony_up,
            queues=tuple(self._queue_view(name, busy[name]) for name in self._floor.services),
            agents=tuple(self._agent_view(seat) for seat in self.desk.seats.values()),
            rings=tuple(RingView(r.ring_id, r.call_id, r.agent_id, r.answered) for r in rings),
            spies=tuple(self._spy_view(spy) for spy in self.supervision.spies.values()),
        )

    @staticmethod
    def _spy_view(spy: Spy) -> SpyView:
        return SpyView(spy.spy_id, spy.supervisor, spy.agent_id, spy.call_id, spy.mode)

    def call_view(self, call_id: str) -> CallView | None:
        """One call the engine knows (None once it ended): cheap, for the announcer."""
        call = self._floor.calls.get(call_id)
        return None if call is None else self._call_view(call)

    def waiting_figures(self, call_id: str) -> tuple[int, float | None] | None:
        """(place in its service's line, estimated seconds to answer) of a queued call:
        the announcer's and the simulator's reading, cheaper than a whole ``call_view``."""
        call = self._floor.calls.get(call_id)
        if call is None:
            return None
        position, estimate = self._figures(call)
        return None if position is None else (position, estimate)

    def callback_offer(self, call_id: str, now: datetime) -> CallbackRules | None:
        """The service's callback rules when ``call_id``, waiting in its queue (not ringing
        an agent, no callback yet), has passed its threshold: its estimated wait exceeds
        ``offer_wait_seconds`` or it has waited ``offer_after_seconds``. A read, for the
        announcer (the request itself is ``CallbackRequested``)."""
        call = self._floor.calls.get(call_id)
        rules = self._floor.services.get(call.service or "") if call is not None else None
        offer = rules.callback if rules is not None else None
        if call is None or offer is None or call.key is None or call.callback is not None:
            return None
        if call.ring_id is not None or call.connected:
            return None
        waited = (now - (call.contact.entered_queue_at or now)).total_seconds()
        _, estimate = self._figures(call)
        if offer.offer_after_seconds is not None and waited >= offer.offer_after_seconds:
            return offer
        if offer.offer_wait_seconds is not None and estimate is not None:
            return offer if estimate > offer.offer_wait_seconds else None
        return None

    def queue_lengths(self) -> dict[str, int]:
        """Calls in each service's queue now (those ringing an agent included): far cheaper
        than a whole ``view``, for sampling."""
        return {name: len(queue) for name, queue in self.admission.queues.items()}

    def agent_view(self, agent_id: str) -> AgentView:
        """One agent (``UnknownAgent`` if there is no such agent)."""
        return self._agent_view(self.desk.seat(agent_id))

    def services_of(self, agent_id: str) -> tuple[str, ...]:
        """The services ``agent_id`` holds: whose calls its skills qualify it for (before
        any relaxation), whichever it works now (``AgentView.services``)."""
        return self.desk.held(agent_id)

    def callback_service(self, service: str) -> tuple[CallbackRules, OpeningHours | None] | None:
        """``service``'s callback rules and the hours its callbacks are dialled in (None:
        any time); None when it takes no callbacks. A read, for the website's requests."""
        rules = self._floor.services.get(service)
        if rules is None or rules.callback is None:
            return None
        return rules.callback, rules.hours

    def service_hours(self, service: str) -> OpeningHours | None:
        """When ``service`` dials its callbacks: its opening hours (None: at any time, or no
        such service). The panel reads the next slots of a scheduled callback from them."""
        rules = self._floor.services.get(service)
        return None if rules is None else rules.hours

    def service_estimate(self, service: str) -> float | None:
        """The wait a caller entering ``service`` now can expect (for the IVR to say)."""
        rules = self._floor.services.get(service)
        if rules is None:
            return None
        seats = self.desk.seats  # those meeting its requirement: the base pool's, made once
        eligible = self.admission.pool(service, 0, "").eligible
        serving = [seats[a] for a in eligible if seats[a].works(service)]
        staffed = sum(1 for s in serving if s.state is not AgentState.LOGGED_OUT)
        ready = sum(1 for s in serving if s.offerable)
        position = self.admission.queues[service].waiting() + 1
        return expected_wait(position, staffed, ready, self.rings.handle_times[service].mean())

    def _queue_view(self, name: str, busy: int) -> QueueView:
        calls = [self._floor.calls[key[2]] for key in self.admission.queues[name]]
        views = tuple(self._call_view(call) for call in calls)
        ringing = sum(1 for v in views if v.stage is not CallStage.WAITING)
        base = self.admission.pool(name, 0, "")
        return QueueView(
            service=name,
            name=self._floor.services[name].name,
            calls=views,
            waiting=len(views) - ringing,
            ringing=ringing,
            oldest_entry=min((v.entered_at for v in views if v.entered_at), default=None),
            agents_staffed=base.staffed,
            agents_ready=len(base.ready),
            agents_busy=busy,
            average_handle_seconds=self.rings.handle_times[name].mean(),
            estimated_wait=self.service_estimate(name),
            agents_by_state=Counter(self.desk.seats[a].state for a in base.eligible),
            callbacks_pending=sum(
                1
                for v in views
                if v.callback is not None
                and v.callback.state not in (CallbackState.TALKING, CallbackState.DONE)
            ),
        )

    def _call_view(self, call: Call) -> CallView:
        contact, ring = call.contact, self.rings.rings.get(call.ring_id or "")
        position, estimate = self._figures(call) if call.key is not None else (None, None)
        return CallView(
            call_id=call.call_id,
            channel=call.channel,
            caller_number=contact.caller_number,
            dialled_number=contact.dialled_number,
            stage=_stage(call, ring is not None and ring.answered),
            started_at=contact.started_at,
            service=contact.service,
            service_path=contact.service_path,
            ivr_path=contact.ivr_path,
            language=call.language,
            priority=call.priority,
            priority_reasons=call.priority_reasons,
            entered_at=contact.entered_queue_at,
            position=position,
            estimated_wait=estimate,
            relaxation_step=call.stage,
            agent_id=ring.agent_id if ring is not None else None,
            answered_at=contact.answered_at,
            held=call.held,
            requirement=call.extra,
            callback=_callback_view(call.callback) if call.callback is not None else None,
            voice_message=self._task_view(call) if call.voice_message is not None else None,
        )

    def _task_view(self, call: Call) -> VoiceMessageView:
        task, rules = call.voice_message, self._floor.services[call.service or ""]
        assert task is not None
        dialable = call.contact.caller_number.lstrip("+").isdigit()
        return VoiceMessageView(task.contact_id, task.recorded_at,
                                rules.callback is not None and dialable)  # fmt: skip

    def _consult_view(self, consult: Consult) -> ConsultView:
        seats = self.desk.seats
        return ConsultView(consult.agent_id, seats[consult.agent_id].agent.name,
                           consult.colleague, seats[consult.colleague].agent.name,
                           consult.answered)  # fmt: skip

    def _figures(self, call: Call) -> tuple[int | None, float | None]:
        """(position in its service's line, estimated seconds to answer) of a queued call."""
        service = call.service or ""
        if call.key is None or service not in self.admission.queues:
            return None, None
        position = self.admission.queues[service].position(call.key)
        staffed = self.admission.pool_of(call).staffed
        aht = self.rings.handle_times[service].mean()
        return position, estimate_wait(position, staffed, aht)

    def _agent_view(self, seat: Seat) -> AgentView:
        call = self._floor.calls.get(seat.call_id or "")
        own = call is not None and call.ring_id == seat.ring_id  # not a colleague's call
        consult = call.consult if call is not None else None
        ended = call.consult_ended if call is not None and own else None
        return AgentView(
            agent_id=seat.agent.agent_id,
            name=seat.agent.name,
            state=seat.state,
            reason=seat.reason,
            since=seat.since,
            call_id=seat.call_id,
            call_service=call.service if call is not None else None,
            call_held=call is not None and call.held and own,
            skills=dict(seat.agent.skills),
            pending_pause=seat.pending_pause,
            answered_today=seat.answered_today,
            talk_seconds_today=seat.talk_seconds_today,
            wrap_up_extended=seat.wrap_extended,
            phone=seat.phone,
            consult=None if consult is None else self._consult_view(consult),
            consult_ended=ended[0] if ended else None,
            consult_ended_with=self.desk.seats[ended[1]].agent.name if ended else None,
            services=self.desk.worked(seat),
        )


def _stage(call: Call, answered: bool) -> CallStage:
    if call.connected:
        return CallStage.TALKING
    if answered:
        return CallStage.ANSWERED
    if call.ring_id is not None:
        return CallStage.RINGING
    return CallStage.WAITING if call.key is not None else CallStage.IN_IVR


def _callback_view(callback: Callback) -> CallbackView:
    return CallbackView(callback.number, callback.state, callback.attempts, callback.due,
                        callback.agent_id, callback.requested_at, callback.origin,
                        callback.note, callback.scheduled_for)  # fmt: skip
