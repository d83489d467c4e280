"""Invariants of the core over random event sequences (hypothesis)."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import cast

from hypothesis import given, settings
from hypothesis import strategies as st

from acd.core import commands as c
from acd.core import events as e
from acd.core.callback import AttemptResult, CallbackRules, CallbackState
from acd.core.engine import AcdError
from acd.core.model import (
    Call,
    Limit,
    OverflowAction,
    OverflowKind,
    Relax,
    RoutingAgent,
    ServiceRules,
    SpyMode,
    Strategy,
)
from acd.core.requirements import parse
from acd.core.routing import Router
from acd.core.timers import (
    CallbackTimer,
    DialTimer,
    MaxWaitTimer,
    RelaxTimer,
    RingTimer,
    WrapUpTimer,
)
from agents.states import AgentState, IllegalMove
from tests.unit.core.helpers import Desk
from tests.unit.core.test_requirements import expressions, levels

AGENTS = {
    "a1": {"urp": 3},
    "a2": {"urp": 1, "demografici": 2, "lang.en": 1},
    "a3": {"demografici": 4},
    "a4": {"backoffice": 1},
    "a5": {"urp": 2, "demografici": 1},  # holds both services: chooses among them
}
RULES = {
    "urp": ServiceRules(
        "URP", ring_seconds=15, requirement=parse("urp >= 2"),
        relax=(Relax(3, parse("urp >= 1")), Relax(6, parse("backoffice >= 1"))),
        max_waiting=4, overflow={Limit.FULL: OverflowAction(OverflowKind.QUEUE, "demografici")},
        callback=CallbackRules("trunk", attempts=2, spacing=timedelta(seconds=5), message="m"),
    ),
    "demografici": ServiceRules(
        "Demografici", strategy=Strategy.MOST_SKILLED, wrap_up_seconds=2, max_wait_seconds=8,
        overflow={Limit.TIMEOUT: OverflowAction(OverflowKind.MESSAGE, "later"),
                  Limit.NO_AGENTS: OverflowAction(OverflowKind.MESSAGE, "nobody")},
    ),
}  # fmt: skip
CALLS = [f"k{i}" for i in range(8)]
MESSAGES = [f"m{i}" for i in range(3)]  # voice messages: tasks with no caller on the line
OFFERABLE = (CallbackState.WAITING, CallbackState.TALKING)  # a callback in its pool
WEB_ONLY = frozenset({"a2", "a3"})  # no desk phone: reachable only while the browser is
CHOICES = st.sampled_from([*sorted(RULES), "x"])  # a service an agent may choose, or not
SUPERVISORS = st.sampled_from(["s1", "s2"])

actions = st.one_of(
    st.tuples(
        st.just("arrive"),
        st.sampled_from(CALLS),
        st.tuples(
            st.sampled_from(sorted(RULES)), st.integers(0, 2), st.sampled_from(["", "lang.en"])
        ),
    ),
    st.tuples(  # a caller found waiting after a restart, entered some seconds ago
        st.just("resume"),
        st.sampled_from(CALLS),
        st.tuples(st.sampled_from(sorted(RULES)), st.integers(0, 2), st.integers(0, 30)),
    ),
    st.tuples(  # a caller found talking (or on hold) with an agent after a restart
        st.just("talk-resumed"),
        st.sampled_from(CALLS),
        st.tuples(st.sampled_from(sorted(AGENTS)), st.sampled_from([*RULES, "x"]), st.booleans()),
    ),
    st.tuples(st.just("hangup"), st.sampled_from(CALLS), st.none()),
    st.tuples(st.just("ready"), st.sampled_from(sorted(AGENTS)), st.none()),
    st.tuples(st.just("pause"), st.sampled_from(sorted(AGENTS)), st.none()),
    st.tuples(st.just("logout"), st.sampled_from(sorted(AGENTS)), st.none()),
    st.tuples(st.just("extend"), st.sampled_from(sorted(AGENTS)), st.none()),
    st.tuples(st.just("answer"), st.integers(0, 20), st.none()),
    st.tuples(st.just("agent-hangup"), st.integers(0, 20), st.none()),
    st.tuples(st.just("bridge"), st.sampled_from(CALLS), st.none()),
    st.tuples(st.just("ring-timeout"), st.integers(0, 20), st.none()),
    st.tuples(st.just("wrapup"), st.sampled_from(sorted(AGENTS)), st.none()),
    st.tuples(st.just("relax"), st.sampled_from(CALLS), st.none()),
    st.tuples(st.just("maxwait"), st.sampled_from(CALLS), st.none()),
    # an AMI outage: lost, logged in again, channels listed with some gone unseen
    st.tuples(st.just("lost"), st.none(), st.none()),
    st.tuples(st.just("reconnect"), st.none(), st.none()),
    st.tuples(st.just("listed"), st.sets(st.integers(0, 20), max_size=4), st.booleans()),
    st.tuples(st.just("unsent"), st.integers(0, 20), st.none()),
    st.tuples(st.just("connect-failed"), st.integers(0, 20), st.booleans()),
    # agents' phones registering and going away (a browser, a desk phone), and the listing
    st.tuples(st.just("register"), st.sampled_from(sorted(AGENTS)), st.booleans()),
    st.tuples(st.just("unregister"), st.sampled_from(sorted(AGENTS)), st.booleans()),
    st.tuples(st.just("phones"), st.sets(st.sampled_from(sorted(AGENTS))), st.booleans()),
    # the agent's call controls (those that make no sense now are refused), and Asterisk
    # refusing a hold
    st.tuples(st.just("talk"), st.integers(0, 20), st.none()),  # answer a ring, and bridge
    st.tuples(st.just("hang-up-call"), st.sampled_from(sorted(AGENTS)), st.none()),
    st.tuples(st.just("hold"), st.sampled_from(sorted(AGENTS)), st.none()),
    st.tuples(st.just("take-back"), st.sampled_from(sorted(AGENTS)), st.none()),
    st.tuples(st.just("transfer"), st.sampled_from(sorted(AGENTS)), st.sampled_from([*RULES, "x"])),
    st.tuples(
        st.just("transfer-to"), st.sampled_from(sorted(AGENTS)), st.sampled_from(sorted(AGENTS))
    ),
    st.tuples(st.just("hold-failed"), st.sampled_from(CALLS), st.none()),
    st.tuples(st.just("consult"), st.sampled_from(sorted(AGENTS)), st.sampled_from(sorted(AGENTS))),
    st.tuples(st.just("complete"), st.sampled_from(sorted(AGENTS)), st.none()),
    # the services an agent works: chosen at login, changed while logged in (an unknown
    # one, one it does not hold, none at all: refused)
    st.tuples(st.just("login"), st.sampled_from(sorted(AGENTS)), st.lists(CHOICES, max_size=3)),
    st.tuples(st.just("choose"), st.sampled_from(sorted(AGENTS)), st.lists(CHOICES, max_size=3)),
    # a supervisor's requests (those that make no sense now are refused): move a waiting
    # call, raise it, listen to an agent's call and stop; the spy's channel going away
    st.tuples(st.just("move"), st.sampled_from(CALLS), CHOICES),
    st.tuples(st.just("raise"), st.sampled_from(CALLS), st.integers(-1, 5)),
    st.tuples(st.just("listen"), st.sampled_from(sorted(AGENTS)), SUPERVISORS),
    st.tuples(st.just("stop-listening"), SUPERVISORS, st.none()),
    st.tuples(st.just("spy-gone"), st.integers(0, 20), st.booleans()),
    # callbacks: a waiting caller asks for one (and hangs up, or not yet), the citizen's
    # phone answers or not, its timers fire, the panel cancels or puts one off
    st.tuples(st.just("callback"), st.sampled_from(CALLS), st.booleans()),
    st.tuples(st.just("citizen"), st.integers(0, 20), st.sampled_from([*AttemptResult, None])),
    st.tuples(st.just("callback-timer"), st.sampled_from(CALLS), st.booleans()),
    st.tuples(st.just("cancel"), st.sampled_from(CALLS), st.sampled_from([None, "a1"])),
    st.tuples(st.just("reschedule"), st.sampled_from(CALLS), st.integers(-5, 20)),
    # voice messages: left for a service, closed (or called back) by the agent on one
    st.tuples(st.just("message"), st.sampled_from(MESSAGES), st.sampled_from(sorted(RULES))),
    st.tuples(st.just("work-message"), st.sampled_from(sorted(AGENTS)), st.booleans()),
)


Action = tuple[str, object, object]  # (kind, target, extra), as each kind's strategy draws them
Applier = Callable[["Run", object, object], object]


class Run(Desk):
    """The desk of one sequence, with the rings offered so far and the calls finished."""

    def __init__(self) -> None:
        super().__init__(AGENTS, rules=RULES, web_only=WEB_ONLY)
        self.ring_ids: list[str] = []
        self.spy_ids: list[str] = []
        self.finished: set[str] = set()
        self.messages: set[str] = set()  # voice messages left (each id once, as the store's)

    def known(self, call_id: str) -> bool:
        return call_id in self.engine.admission.calls or call_id in self.finished


# What ``target`` and ``extra`` are depends on the kind (see ``actions``): hence the casts.


def _arrive(run: Run, target: object, extra: object) -> None:
    if not run.known(str(target)):
        service, priority, requirement = cast(tuple[str, int, str], extra)
        run.caller(str(target), service, priority, requirement)


def _resume(run: Run, target: object, extra: object) -> None:
    if not run.known(str(target)):
        service, priority, ago = cast(tuple[str, int, int], extra)
        entered = run.now - timedelta(seconds=ago)
        run.send(e.CallerResumed(str(target), f"PJSIP/{target}", "059", "0592", service,
                                 entered, priority))  # fmt: skip


def _talk_resumed(run: Run, target: object, extra: object) -> None:
    """Refused (a warning, nothing changed) when the call, the agent or the service does
    not fit; else the agent is on the call, its old leg the ring."""
    if not run.known(str(target)):
        agent, service, held = cast(tuple[str, str, bool], extra)
        leg = f"old-{target}"
        run.send(e.ConversationResumed(str(target), f"PJSIP/{target}", leg, agent, "059",
                                       "0592", service, run.now - timedelta(seconds=30),
                                       held))  # fmt: skip
        if leg in run.engine.rings.rings and leg not in run.ring_ids:
            run.ring_ids.append(leg)


def _listed(run: Run, target: object, extra: object) -> None:
    engine = run.engine
    known = sorted(engine.admission.calls) + sorted(engine.rings.rings)
    known += sorted(engine.consults.legs) + sorted(engine.supervision.spies)
    gone = {known[i % len(known)] for i in cast(set[int], target)} if known else set()
    legs = (*engine.rings.rings, *engine.consults.legs)
    answered = frozenset(legs) if extra else frozenset()
    run.send(e.ChannelsListed(frozenset(known) - gone, answered))


def _outage(run: Run, target: object, extra: object) -> None:
    """AMI lost and back at once: the channels listed with some gone unseen."""
    run.send(e.TelephonyLost("cut"))
    run.send(e.TelephonyReconnected())
    _listed(run, target, extra)


def _phone(event: Callable[[str, str], e.Event]) -> Applier:
    """One of the agent's phones: its browser softphone (``extra``) or its desk phone."""

    def apply(run: Run, target: object, extra: object) -> None:
        run.send(event(str(target), f"{target}-web" if extra else str(target)))

    return apply


def _phones(run: Run, target: object, extra: object) -> None:
    agents = sorted(cast(set[str], target))
    run.send(e.PhonesListed(frozenset((a, f"{a}-web" if extra else a) for a in agents)))


def _agent(event: Callable[[str], e.Event]) -> Applier:
    """An agent's request: one it may not make now is refused, and changes nothing."""

    def apply(run: Run, target: object, extra: object) -> None:
        with contextlib.suppress(IllegalMove, AcdError):
            run.send(event(str(target)))

    return apply


def _control(event: Callable[[str, str], e.Event]) -> Applier:
    """An agent's call control with its target (a service, a colleague): refused or not."""

    def apply(run: Run, target: object, extra: object) -> None:
        with contextlib.suppress(AcdError):
            run.send(event(str(target), str(extra)))

    return apply


def _choice(event: Callable[[str, tuple[str, ...]], e.Event]) -> Applier:
    """An agent's choice of services (at login, or while logged in): refused or not."""

    def apply(run: Run, target: object, extra: object) -> None:
        with contextlib.suppress(IllegalMove, AcdError):
            run.send(event(str(target), tuple(cast(list[str], extra))))

    return apply


def _listen(run: Run, target: object, extra: object) -> None:
    """A supervisor (``extra``) listens to agent ``target``'s call: refused or not."""
    with contextlib.suppress(AcdError):
        run.send(e.SupervisorListened(str(extra), str(target), SpyMode.WHISPER, str(extra)))


def _on_call(run: Run, target: object, extra: object) -> None:
    """A supervisor (``extra``) listens to the call of one of the agents on a call now."""
    busy = sorted(a for a, seat in run.engine.desk.seats.items() if seat.call_id is not None)
    if busy:
        _listen(run, busy[int(str(target)) % len(busy)], extra)


def _waiting(event: Callable[[str, object], e.Event]) -> Applier:
    """A supervisor's request on one of the calls waiting now (``extra``: its argument)."""

    def apply(run: Run, target: object, extra: object) -> None:
        calls = run.engine.admission.calls
        waiting = sorted(k for k, call in calls.items() if call.key is not None)
        if waiting:
            _refused(run, event(waiting[int(str(target)) % len(waiting)], extra))

    return apply


def _spy_gone(run: Run, target: object, extra: object) -> None:
    """One of the spies started so far hangs up (``extra``), or could not ring."""
    if run.spy_ids:
        spy_id = run.spy_ids[int(str(target)) % len(run.spy_ids)]
        run.send(e.HungUp(spy_id) if extra else e.RingFailed(spy_id, "unreachable"))


def _talk(run: Run, target: object, extra: object) -> None:
    """One of the rings offered so far answered, and its call bridged (if still there)."""
    if run.ring_ids:
        ring_id = run.ring_ids[int(str(target)) % len(run.ring_ids)]
        ring = run.engine.rings.rings.get(ring_id)
        run.send(e.AgentAnswered(ring_id))
        if ring is not None:
            run.send(e.Bridged(ring.call_id))


def _pick_up(run: Run, target: object, extra: object) -> None:
    """One of the rings ringing now answered, and its call bridged (a call with a caller's
    channel: a callback's caller is gone, its citizen is not dialled yet)."""
    ringing = sorted(r for r, ring in run.engine.rings.rings.items() if not ring.answered)
    if ringing:
        ring = run.engine.rings.rings[ringing[int(str(target)) % len(ringing)]]
        run.send(e.AgentAnswered(ring.ring_id))
        call = run.engine.admission.calls.get(ring.call_id)
        if call is not None and call.channel:
            run.send(e.Bridged(ring.call_id))


def _ring(event: Callable[[str, object], e.Event]) -> Applier:
    """Something that happens to one of the rings offered so far (none yet: nothing)."""

    def apply(run: Run, target: object, extra: object) -> None:
        if run.ring_ids:
            run.send(event(run.ring_ids[int(str(target)) % len(run.ring_ids)], extra))

    return apply


def _callback(run: Run, target: object, extra: object) -> None:
    """Call ``target`` asks for a callback (refused if it cannot); ``extra``: it hangs up."""
    _refused(run, e.CallbackRequested(str(target), "0591234567"))
    if extra:
        run.send(e.HungUp(str(target)))


def _citizen(run: Run, target: object, extra: object) -> None:
    """One of the citizens' legs being dialled answers (None), or is not reached."""
    legs = sorted(run.engine.callbacks.legs)
    if legs:
        leg = legs[int(str(target)) % len(legs)]
        result = cast(AttemptResult | None, extra)
        run.send(e.CitizenAnswered(leg) if result is None else e.CitizenNotReached(leg, result))
        call_id = run.engine.callbacks.call_of(leg)
        if result is None and call_id is not None:
            run.send(e.Bridged(leg))


def _callback_timer(run: Run, target: object, extra: object) -> None:
    """A callback's timer, or the backstop of its citizen's leg (``extra``)."""
    call = run.engine.admission.calls.get(str(target))
    leg = call.callback.leg if call is not None and call.callback is not None else None
    if extra and leg is not None:
        run.send(e.TimerFired(DialTimer(leg)))
    else:
        run.send(e.TimerFired(CallbackTimer(str(target))))


def _message(run: Run, target: object, extra: object) -> None:
    if str(target) not in run.messages:
        run.messages.add(str(target))
        run.send(e.VoiceMessageLeft(str(target), f"c-{target}", str(extra), "0591234567",
                                    run.now - timedelta(seconds=5)))  # fmt: skip


def _work_message(run: Run, target: object, extra: object) -> None:
    """The agent closes (or calls back, ``extra``) what it works: refused unless a task."""
    agent = str(target)
    message = run.engine.desk.seats[agent].call_id or "m0"
    if extra:
        _refused(run, e.AgentCalledBack(agent, message))
    else:
        _refused(run, e.AgentClosedVoiceMessage(agent, message, "altro"))


APPLIERS: dict[str, Applier] = {
    "arrive": _arrive,
    "resume": _resume,
    "talk-resumed": _talk_resumed,
    "hangup": lambda run, call, _: run.send(e.HungUp(str(call))),
    "bridge": lambda run, call, _: run.send(e.Bridged(str(call))),
    "ready": _agent(e.AgentWentReady),
    "pause": _agent(lambda agent: e.AgentPaused(agent, "break")),
    "logout": _agent(e.AgentLoggedOut),
    "extend": _agent(e.AgentExtendedWrapUp),
    "wrapup": lambda run, agent, _: run.send(e.TimerFired(WrapUpTimer(str(agent)))),
    "relax": lambda run, call, _: run.send(e.TimerFired(RelaxTimer(str(call)))),
    "maxwait": lambda run, call, _: run.send(e.TimerFired(MaxWaitTimer(str(call)))),
    "lost": lambda run, _, __: run.send(e.TelephonyLost("cut")),
    "reconnect": lambda run, _, __: run.send(e.TelephonyReconnected()),
    "listed": _listed,
    "outage": _outage,
    "unsent": _ring(lambda ring, _: e.RingFailed(ring, "not connected", missed=False)),
    "connect-failed": _ring(lambda ring, gone: e.ConnectFailed(ring, bool(gone), "x")),
    "answer": _ring(lambda ring, _: e.AgentAnswered(ring)),
    "agent-hangup": _ring(lambda ring, _: e.HungUp(ring)),
    "ring-timeout": _ring(lambda ring, _: e.TimerFired(RingTimer(ring))),
    "register": _phone(e.PhoneRegistered),
    "unregister": _phone(e.PhoneUnregistered),
    "phones": _phones,
    "talk": _talk,
    "pick-up": _pick_up,
    "hang-up-call": _agent(e.AgentHungUpCall),
    "hold": _agent(e.AgentHeldCall),
    "take-back": _agent(e.AgentResumedCall),
    "transfer": _control(e.AgentTransferredToService),
    "transfer-to": _control(e.AgentTransferredToAgent),
    "hold-failed": lambda run, call, _: run.send(e.HoldFailed(str(call), "x")),
    "consult": _control(e.AgentConsulted),
    "complete": _agent(e.AgentCompletedTransfer),
    "login": _choice(e.AgentLoggedIn),
    "choose": _choice(e.AgentChoseServices),
    "move": _control(e.SupervisorMovedCall),
    "raise": lambda run, call, points: _refused(
        run, e.SupervisorRaisedPriority(str(call), cast(int, points))
    ),
    "listen": _listen,
    "listen-on-call": _on_call,
    "move-waiting": _waiting(lambda call, service: e.SupervisorMovedCall(call, str(service))),
    "raise-waiting": _waiting(lambda call, n: e.SupervisorRaisedPriority(call, cast(int, n))),
    "stop-listening": lambda run, who, _: _refused(run, e.SupervisorStoppedListening(str(who))),
    "spy-gone": _spy_gone,
    "callback": _callback,
    "citizen": _citizen,
    "callback-timer": _callback_timer,
    "cancel": lambda run, call, agent: _refused(
        run, e.CallbackCancelled(str(call), cast(str | None, agent))
    ),
    "message": _message,
    "work-message": _work_message,
    "reschedule": lambda run, call, minutes: _refused(
        run, e.CallbackRescheduled(str(call), run.now + timedelta(minutes=cast(int, minutes)))
    ),
}


def _refused(run: Run, event: e.Event) -> None:
    """A request that may be refused (and then changes nothing)."""
    with contextlib.suppress(AcdError):
        run.send(event)


def apply(run: Run, action: Action) -> None:
    kind, target, extra = action
    APPLIERS[kind](run, target, extra)


def check(desk: Desk, new: list[c.Command], named: bool = False) -> None:
    """``named``: the event was a transfer to a colleague, who is rung whatever it works."""
    engine = desk.engine
    check_holders(desk)
    check_held(desk)
    check_consults(desk)
    check_staffed(desk)
    check_spies(desk, new)
    ready = [s for s in engine.desk.seats.values() if s.offerable]  # ready and reachable
    waiting: list[Call] = []
    for name, queue in engine.admission.queues.items():
        keys = list(queue)
        assert keys == sorted(keys), "queue out of order"
        for key in keys:
            call = engine.admission.calls[key[2]]
            assert call.service == name
            callback = call.callback
            if callback is not None and callback.pending:  # keeps its key all along
                assert callback.in_progress == (call.ring_id is not None), "callback astray"
            offerable = callback is None or callback.state in OFFERABLE
            if call.ring_id is None and offerable:
                waiting.append(call)
                req = engine.admission.pool_of(call).requirement
                apart = [s.agent.agent_id for s in ready
                         if req(s.agent.skills) and s.works(name)]  # fmt: skip
                assert not apart or not engine.telephony_up, (
                    f"waiting {call.call_id} and ready {apart} left apart"
                )
    check_rings(desk, new, waiting, named)


def check_rings(desk: Desk, new: list[c.Command], waiting: list[Call], named: bool) -> None:
    """The rings said now: to a reachable agent's phone, for a service it works (but for a
    colleague named in a transfer), none overtaking a call it could take."""
    engine = desk.engine
    rung_now = [x for x in new if isinstance(x, c.RingAgent)]
    assert engine.telephony_up or not rung_now, "rang while telephony was down"
    for ring in rung_now:
        seat = engine.desk.seats[ring.agent_id]
        assert seat.phone is not None, "rang an agent that cannot be reached"
        assert ring.endpoint == seat.agent.endpoint_of(seat.phone), "rang the wrong phone"
        offered = engine.admission.calls.get(ring.call_id)
        if offered is not None and not named:
            assert seat.works(offered.service or ""), "rang for a service it does not work"
        rung = offered.key if offered is not None else None
        if rung is None:
            continue
        for other in waiting:  # FIFO (by priority, then wait) across the agent's pools
            takes = engine.admission.pool_of(other).requirement(seat.agent.skills)
            if takes and seat.works(other.service or ""):
                assert other.key is not None, "overtaken"
                assert rung < other.key, "overtaken"


def check_holders(desk: Desk) -> None:
    """An agent ringing or on a call holds exactly one, and no call has two agents (but a
    colleague consulted on it)."""
    engine, holders = desk.engine, set()
    for seat in engine.desk.seats.values():
        busy = seat.state in (AgentState.RINGING, AgentState.ON_CALL)
        assert busy == (seat.call_id is not None)
        if seat.call_id is not None and seat.ring_id not in engine.consults.legs:
            assert seat.call_id not in holders, "a call held by two agents"
            holders.add(seat.call_id)


def check_staffed(desk: Desk) -> None:
    """Every pool counts exactly the logged-in agents who qualify and work its service, and
    ranks exactly those who are also ready and reachable; the view says what each works."""
    engine = desk.engine
    seats = engine.desk.seats
    for pool in engine.admission.router.pools.values():
        working = [seats[a] for a in pool.eligible if seats[a].works(pool.key[0])]
        logged_in = [s for s in working if s.state is not AgentState.LOGGED_OUT]
        assert pool.staffed == len(logged_in), f"staffed {pool.key} {pool.staffed}"
        ranked = sorted(r[2] for r in pool.ready)
        assert ranked == sorted(s.agent.agent_id for s in working if s.offerable), "ready"
    for agent_id, seat in seats.items():
        held = engine.services_of(agent_id)
        chosen = tuple(s for s in held if seat.works(s))
        assert engine.agent_view(agent_id).services == chosen
        assert seat.services is None or seat.state is not AgentState.LOGGED_OUT, "kept"


def check_held(desk: Desk) -> None:
    """A call on hold is one an agent talks with: answered, bridged, its ring known."""
    engine = desk.engine
    for call in engine.admission.calls.values():
        if call.held:
            assert call.connected, "held before it was connected"
            assert call.ring_id in engine.rings.rings, "held with no agent"


def check_consults(desk: Desk) -> None:
    """A consultation is on a call held by its agent, with the colleague's seat on it."""
    engine = desk.engine
    for ring_id, consult in engine.consults.legs.items():
        call = engine.admission.calls.get(consult.call_id)
        assert call is not None, "a consultation with no call"
        assert call.consult is consult
        assert call.held, "consulting, not on hold"
        assert call.ring_id in engine.rings.rings, "consulting with no leg of its own"
        assert engine.rings.rings[call.ring_id].agent_id == consult.agent_id
        seat = engine.desk.seats[consult.colleague]
        assert (seat.ring_id, seat.call_id) == (ring_id, call.call_id)
    for call in engine.admission.calls.values():
        assert call.consult is None or call.consult.ring_id in engine.consults.legs


def check_spies(desk: Desk, new: list[c.Command]) -> None:
    """One spy per supervisor; a spy not being hung up listens to a live agent leg of a
    call talking; a spy is asked only while telephony is up, on a call talking."""
    engine = desk.engine
    spies = engine.supervision.spies
    supervisors = [spy.supervisor for spy in spies.values()]
    assert len(supervisors) == len(set(supervisors)), "a supervisor on two calls"
    for spy in spies.values():
        if not spy.ending:
            ring = engine.rings.rings.get(spy.agent_leg)
            assert ring is not None, "a spy on no leg"
            assert ring.agent_id == spy.agent_id, "a spy on another agent's leg"
    for asked in (x for x in new if isinstance(x, c.SpyOnAgent)):
        assert engine.telephony_up, "a spy asked with telephony down"
        call = engine.admission.calls[engine.rings.rings[asked.agent_leg].call_id]
        assert call.connected, "a spy on a call not talking"
    for call in engine.admission.calls.values():
        total = sum(points for _, points in call.priority_reasons)
        assert call.priority == total, "priority apart from its reasons"


@settings(max_examples=400, deadline=None)
@given(st.lists(actions, max_size=80))
def test_invariants_hold_for_any_sequence(sequence: list[Action]) -> None:
    run_through(sequence)


# Agents choosing services among the calls' comings and goings, more often and in longer
# sequences than ``actions`` draws them: the choices that matter (an agent leaving a service
# others work or not, on a call, ringing) need a few steps before them.
AGENT = st.sampled_from(sorted(AGENTS))
choosing = st.one_of(
    st.tuples(st.just("login"), AGENT, st.lists(CHOICES, max_size=2)),
    st.tuples(st.just("choose"), AGENT, st.lists(CHOICES, max_size=2)),
    st.tuples(st.just("choose"), st.just("a5"), st.lists(CHOICES, min_size=1, max_size=2)),
    st.tuples(st.just("arrive"), st.sampled_from(CALLS),
              st.tuples(st.sampled_from(sorted(RULES)), st.just(0), st.just(""))),
    st.tuples(st.just("hangup"), st.sampled_from(CALLS), st.none()),
    st.tuples(st.sampled_from(["ready", "pause", "logout", "wrapup"]), AGENT, st.none()),
    st.tuples(st.sampled_from(["talk", "agent-hangup", "ring-timeout"]), st.integers(0, 20),
              st.none()),
    st.tuples(st.just("relax"), st.sampled_from(CALLS), st.none()),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(choosing, min_size=10, max_size=60))
def test_invariants_hold_while_agents_choose_services(sequence: list[Action]) -> None:
    run_through(sequence)


# A supervisor's requests among the calls' comings and goings, often enough to find calls
# waiting (to move, to raise) and talking (to listen to), and spies when they end. Agents go
# ready and calls are answered more often than ``actions`` draws it (one_of draws each
# branch alike: a branch given twice comes twice as often).
ARRIVE = st.tuples(
    st.just("arrive"),
    st.sampled_from(CALLS),
    st.tuples(st.sampled_from(sorted(RULES)), st.integers(0, 2), st.just("")),
)
READY = st.tuples(st.just("ready"), st.sampled_from(["a1", "a4", "a5"]), st.none())
TALK = st.tuples(st.just("pick-up"), st.integers(0, 20), st.none())
PAUSE = st.tuples(st.just("pause"), AGENT, st.none())  # logged in, waiting calls pile up
supervising = st.one_of(
    ARRIVE, ARRIVE, READY, READY, TALK, TALK, TALK, PAUSE, PAUSE,
    st.tuples(st.just("login"), AGENT, st.just([])),
    st.tuples(st.sampled_from(["logout", "wrapup", "hang-up-call", "hold"]), AGENT,
              st.none()),
    st.tuples(st.sampled_from(["agent-hangup", "ring-timeout"]), st.integers(0, 20), st.none()),
    st.tuples(st.sampled_from(["hangup", "relax", "maxwait"]), st.sampled_from(CALLS), st.none()),
    st.tuples(st.just("transfer"), AGENT, st.sampled_from(sorted(RULES))),
    st.tuples(st.just("move-waiting"), st.integers(0, 8), CHOICES),
    st.tuples(st.just("raise-waiting"), st.integers(0, 8), st.integers(0, 3)),
    st.tuples(st.just("listen-on-call"), st.integers(0, 4), SUPERVISORS),
    st.tuples(st.just("listen-on-call"), st.integers(0, 4), SUPERVISORS),
    st.tuples(st.just("stop-listening"), SUPERVISORS, st.none()),
    st.tuples(st.just("spy-gone"), st.integers(0, 20), st.booleans()),
    st.tuples(st.just("outage"), st.sets(st.integers(0, 20), max_size=3), st.booleans()),
)  # fmt: skip


# Everyone logged in (paused), two agents ready: calls are answered and wait from the start.
PRELUDE: list[Action] = [*(("login", a, []) for a in sorted(AGENTS)),
                         ("ready", "a1", None), ("ready", "a5", None)]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(supervising, min_size=10, max_size=60))
def test_invariants_hold_while_supervisors_act(sequence: list[Action]) -> None:
    run_through(PRELUDE + sequence)


# Voice messages among the calls: left for either service, given to ready agents, closed or
# called back (URP calls back), with agents coming and going and AMI outages.
working = st.one_of(
    st.tuples(st.just("message"), st.sampled_from(MESSAGES), st.sampled_from(sorted(RULES))),
    st.tuples(st.just("message"), st.sampled_from(MESSAGES), st.just("urp")),
    ARRIVE, READY, READY, TALK, PAUSE,
    st.tuples(st.just("work-message"), AGENT, st.booleans()),
    st.tuples(st.just("work-message"), AGENT, st.booleans()),
    st.tuples(st.sampled_from(["logout", "wrapup", "hang-up-call", "listen"]), AGENT,
              st.none()),
    st.tuples(st.just("citizen"), st.integers(0, 20), st.sampled_from([*AttemptResult, None])),
    st.tuples(st.sampled_from(["hangup", "relax", "maxwait"]), st.sampled_from(CALLS), st.none()),
    st.tuples(st.just("move-waiting"), st.integers(0, 8), CHOICES),
    st.tuples(st.just("outage"), st.sets(st.integers(0, 20), max_size=3), st.booleans()),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(working, min_size=10, max_size=60))
def test_invariants_hold_while_agents_work_voice_messages(sequence: list[Action]) -> None:
    run_through(PRELUDE + sequence)


def run_through(sequence: list[Action]) -> None:
    """Apply each action, checking every invariant after each."""
    run = Run()
    for step, action in enumerate(sequence):
        run.at(step)
        before = len(run.said)
        missed = {a: seat.missed for a, seat in run.engine.desk.seats.items()}
        apply(run, action)
        new = run.said[before:]
        for agent_id, seat in run.engine.desk.seats.items():  # unreachable: no fault of its
            assert seat.phone is not None or seat.missed <= missed[agent_id], "missed unreachable"
        run.ring_ids.extend(x.ring_id for x in new if isinstance(x, c.RingAgent))
        run.spy_ids.extend(x.spy_id for x in new if isinstance(x, c.SpyOnAgent))
        for saved in (x.contact for x in new if isinstance(x, c.SaveContact)):
            assert saved.contact_id not in run.messages, "a voice message saved as a contact"
            if saved.ended_at is not None:
                assert saved.contact_id not in run.finished, "a call finished twice"
                run.finished.add(saved.contact_id)
        check(run, new, named=action[0] == "transfer-to")
    arrived = {x.contact_id for x in (s.contact for s in run.said if isinstance(s, c.SaveContact))}
    assert arrived == (set(run.engine.admission.calls) - run.messages) | run.finished


@given(expressions(), st.lists(expressions(), max_size=3), st.lists(levels, max_size=8))
def test_relaxation_only_widens(base: str, steps: list[str], agents: list[dict[str, int]]) -> None:
    rules = ServiceRules(
        "S", requirement=parse(base),
        relax=tuple(Relax(10 * (i + 1), parse(t)) for i, t in enumerate(steps)),
    )  # fmt: skip
    staff: dict[str, dict[str, int]] = {f"a{i}": sk for i, sk in enumerate(agents)} or {"a0": {}}
    desk = Desk(staff, rules={"s": rules})
    router: Router = desk.engine.admission.router
    stages = [router.pools[("s", k, "")].eligible for k in range(len(steps) + 1)]
    for narrow, wide in itertools.pairwise(stages):
        assert narrow <= wide


def test_routing_agent_skills_are_levels() -> None:
    agent = RoutingAgent("a", "A", "a", {"urp": 4})
    assert parse("urp >= 4")(agent.skills)
