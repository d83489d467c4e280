"""The simulation loop: a virtual clock, an event heap, the core, and simulated telephony.

Theory of operation
-------------------
The heap holds what the world will do next, ``(time, seq, kind, subject)``; ``seq``
breaks ties in insertion order, so a seed gives one exact run, and is the entry's token (a
step checks it against the one it expects: a cancel or a later push replaced it). Each
popped entry becomes one core event, handled at the virtual time; the commands that come
back are answered the way Asterisk and the agents would:

    RingAgent      -> AgentAnswered after the ring delay (or, with ``miss_rate``, nothing:
                      the core's ring timer runs out); Connect -> Bridged at once, then
                      HungUp(caller) after the call's handle time
    StopRinging    -> the pending answer is dropped
    HangUpChannel  -> HungUp(channel) at once
    RedirectCaller -> (overflow message) HungUp(caller) at once; the core already closed it
    StartTimer     -> TimerFired(key) at its time, unless a CancelTimer (or a newer
                      StartTimer for the same key) came first
    SaveContact    -> kept: the final record of every call is what the report reads
    RecordAgentState -> time in each state, for occupancy
    anything else  -> counted and otherwise ignored (commands the core may add later)

A caller's handle time and patience are drawn when the call arrives (one random stream,
in arrival order). A caller whose patience runs out before the bridge hangs up.
Agents log in ready at their shift's start and log out at its end; an agent on a call asks
for a pause after it (as on the agent panel) and logs out once paused. A pause the core
imposes (too many rings missed) ends after ``back_from_pause_seconds``.
Arrivals stop at the horizon; calls in progress then run to their end.

The wait estimate: each call's is the engine's own reading (``Engine.waiting_figures``, as
the announcements say it), taken right after it enters its queue; the report compares it
with the real wait.
"""

from __future__ import annotations

import contextlib
import gc
import heapq
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from acd.config.rules import build_engine, every_phone_registered
from acd.core import commands as c
from acd.core import events as e
from acd.core.engine import AcdError
from acd.core.timers import TimerKey
from acd.simulate.scenario import Load, Scenario
from agents.states import AgentState, IllegalMove

T0 = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)

# kinds of heap entries
ARRIVAL, ABANDON, ANSWER, END, TIMER, HANGUP, LOGOUT, SHIFT_START, SHIFT_END, BACK = range(10)
SHIFT_OVER_REASON = "break"  # the pause asked during the last call of a shift
S = AgentState
FREE_STATES = frozenset({S.READY, S.WRAP_UP, S.PAUSED})  # an agent may log out from these


@dataclass(slots=True)
class CallRecord:
    """What the simulator knows about a call beyond the core's contact record."""

    call_id: str
    load: int
    arrived: float
    handle: float
    patience: float
    estimate: float | None = None
    rung: bool = False  # offered to an agent (so far)
    at_once: bool = False  # offered to an agent as it entered the queue
    connected: bool = False
    gone: bool = False


@dataclass(frozen=True, slots=True)
class Outcome:
    """One finished call, from the core's last ``SaveContact`` (times in seconds)."""

    service: str
    entered: float
    wait: float
    outcome: str
    talk: float
    estimate: float | None
    at_once: bool  # offered to an agent as it entered: no announcement, estimate 0


@dataclass(slots=True)
class AgentClock:
    state: AgentState = AgentState.LOGGED_OUT
    since: float = 0.0
    leaving: bool = False
    back_token: int = 0  # the pending return from a pause the core imposed
    seconds: defaultdict[AgentState, float] = field(default_factory=lambda: defaultdict(float))


@contextlib.contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector for a run (and restore it after).

    A run makes no reference cycles (``tests/unit/simulate`` checks it: nothing is left for
    the collector to find), so its passes only walk the live objects again and again: about
    4 % of a 500,000-call day. Reference counting frees everything as before.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Simulation:
    def __init__(self, scenario: Scenario, estimates: bool = True) -> None:
        self.sc = scenario
        self.engine = build_engine(scenario.config, "sim")
        self.engine.handle(every_phone_registered(scenario.config), T0)
        self.rng = random.Random(scenario.seed)
        self.miss_rng = random.Random(f"{scenario.seed}/missed rings")
        self.arrival_rngs = [  # one stream per load: adding a service leaves the others alone
            random.Random(f"{scenario.seed}/{load.service}") for load in scenario.loads
        ]
        self.heap: list[tuple[float, int, int, Any]] = []  # subject: an id or a TimerKey
        self.seq = 0
        self.now = 0.0
        self.calls: dict[str, CallRecord] = {}
        self.timers: dict[TimerKey, int] = {}  # key -> token of the live StartTimer
        self.answers: dict[str, int] = {}  # ring id -> token of the pending answer
        self.agents = {a.id: AgentClock() for a in scenario.config.agents}
        self.outcomes: list[Outcome] = []
        self.ignored: Counter[str] = Counter()
        self.handled = 0
        self._n_calls = 0
        self._clock_at, self._clock = 0.0, T0
        self._bridges: list[str] = []  # connected in this step, reported bridged next
        self._window = (scenario.warmup_seconds, scenario.horizon)  # measured for occupancy
        self._answers = self._command_handlers()
        self._setup_estimates(estimates)

    # -- the loop ------------------------------------------------------------------------

    def run(self) -> Simulation:
        with cycle_collector_paused():
            return self._run()

    def _run(self) -> Simulation:
        for i, load in enumerate(self.sc.loads):
            self._next_arrival(i, load, 0.0)
        for agent_id in self.agents:
            for shift in self.sc.shifts_of(agent_id):
                self._push(shift.start, SHIFT_START, agent_id)
                if math.isfinite(shift.end):
                    self._push(shift.end, SHIFT_END, agent_id)
        heap, pop, steps = self.heap, heapq.heappop, self._steps()
        while heap:
            t, seq, kind, subject = pop(heap)
            self.now = t
            steps[kind](subject, seq)
        self._close_agent_clocks()
        return self

    def _push(self, t: float, kind: int, subject: str | TimerKey) -> int:
        """Schedule; the returned token lets a later step check it was not cancelled."""
        self.seq = seq = self.seq + 1
        heapq.heappush(self.heap, (t, seq, kind, subject))
        return seq

    def _steps(self) -> list[Callable[[Any, int], None]]:
        by_kind: dict[int, Callable[[Any, int], None]] = {
            ARRIVAL: self._arrive,
            ABANDON: self._abandon,
            ANSWER: self._agent_answers,
            END: self._hang_up,
            TIMER: self._timer_fires,
            HANGUP: self._hang_up,
            LOGOUT: lambda subject, _: self._log_out(subject),
            SHIFT_START: lambda subject, _: self._shift_starts(subject),
            SHIFT_END: lambda subject, _: self._shift_ends(subject),
            BACK: self._back_from_pause,
        }
        return [by_kind[k] for k in range(len(by_kind))]

    def _hang_up(self, channel: str, _: int) -> None:
        self._send(e.HungUp(channel))

    def _timer_fires(self, key: TimerKey, token: int) -> None:
        if self.timers.get(key) == token:
            del self.timers[key]
            self._send(e.TimerFired(key))

    def _agent_answers(self, ring_id: str, token: int) -> None:
        if self.answers.get(ring_id) == token:
            del self.answers[ring_id]
            self._send(e.AgentAnswered(ring_id))

    def _abandon(self, call_id: str, _: int) -> None:
        call = self.calls.get(call_id)
        if call is not None and not call.connected and not call.gone:
            self._send(e.HungUp(call_id))

    def _log_out(self, agent_id: str) -> None:
        clock = self.agents[agent_id]
        if clock.leaving and clock.state in FREE_STATES:
            clock.leaving = False
            self._send(e.AgentLoggedOut(agent_id))

    def _shift_starts(self, agent_id: str) -> None:
        clock = self.agents[agent_id]
        clock.leaving = False
        if clock.state == "logged_out":
            self._send(e.AgentWentReady(agent_id))

    def _shift_ends(self, agent_id: str) -> None:
        clock = self.agents[agent_id]
        clock.leaving = True
        if clock.state in FREE_STATES or clock.state == "logged_out":
            self._push(self.now, LOGOUT, agent_id)
            return
        # "pause after this call", as on the agent panel; logged out once paused. A core
        # that refuses it: the agent leaves at the first free moment instead.
        with contextlib.suppress(AcdError, IllegalMove):
            self._send(e.AgentPaused(agent_id, SHIFT_OVER_REASON))

    def _back_from_pause(self, agent_id: str, token: int) -> None:
        clock = self.agents[agent_id]
        if clock.back_token == token and clock.state == "paused" and not clock.leaving:
            self._send(e.AgentWentReady(agent_id))

    def _send(self, event: e.Event) -> None:
        self.handled += 1
        if self.now != self._clock_at:
            # (positional: ``timedelta(seconds=...)`` costs 0.1 µs more, at every event)
            self._clock_at, self._clock = self.now, T0 + timedelta(0, self.now)
        answer = self._answers
        for cmd in self.engine.handle(event, self._clock):
            handler = answer.get(type(cmd))  # one lookup by the command's type
            if handler is not None:
                handler(cmd)
            else:
                self.ignored[type(cmd).__name__] += 1
        if self._bridges:  # Asterisk reports the bridge right after the Connect
            self._send(e.Bridged(self._bridges.pop()))

    # -- callers -------------------------------------------------------------------------

    def _next_arrival(self, i: int, load: Load, t: float) -> None:
        """Piecewise-constant Poisson: draw with the interval's rate, redraw at its end."""
        rng, horizon = self.arrival_rngs[i], self.sc.horizon
        while t < horizon:
            rate = load.rate_at(t)
            end = (t // load.interval_seconds + 1) * load.interval_seconds
            if rate > 0:
                nxt = t + rng.expovariate(rate)
                if nxt < min(end, horizon):
                    self._push(nxt, ARRIVAL, str(i))
                    return
            t = end

    def _arrive(self, load_index: str, _: int) -> None:
        i = int(load_index)
        load = self.sc.loads[i]
        self._next_arrival(i, load, self.now)
        self._n_calls += 1
        call_id = f"k{self._n_calls}"
        call = CallRecord(call_id, i, self.now, self._handle_time(load), self._patience(load))
        self.calls[call_id] = call
        self._send(
            e.CallArrived(
                call_id=call_id,
                channel=call_id,
                caller_number="0590000001",
                dialled_number="0590000000",
            )
        )
        self._send(e.CallerEntered(call_id=call_id, service=load.service, priority=load.priority))
        call.at_once = call.rung
        if self.ewt_source is not None and not call.gone:
            call.estimate = self._estimate(call)
        if math.isfinite(call.patience) and not call.gone:
            self._push(self.now + call.patience, ABANDON, call_id)

    def _handle_time(self, load: Load) -> float:
        if load.handle == "lognormal":
            sigma2 = math.log1p(load.handle_cv**2)
            mu = math.log(load.aht_seconds) - sigma2 / 2
            return self.rng.lognormvariate(mu, math.sqrt(sigma2))
        return self.rng.expovariate(1.0 / load.aht_seconds)

    def _patience(self, load: Load) -> float:
        if load.patience_seconds is None:
            return math.inf
        return self.rng.expovariate(1.0 / load.patience_seconds)

    # -- commands ------------------------------------------------------------------------

    def _command_handlers(self) -> dict[type, Callable[[Any], None]]:
        return {
            c.RecordAgentState: self._agent_moved,
            c.SaveContact: self._contact_saved,
            c.StartTimer: self._start_timer,
            c.CancelTimer: self._cancel_timer,
            c.RingAgent: self._ring,
            c.StopRinging: lambda cmd: self._forget(self.answers, cmd.ring_id),
            c.Connect: lambda cmd: self._connect(cmd.call_id),
            c.HangUpChannel: self._hang_up_channel,
            c.RedirectCaller: self._redirect,
        }

    @staticmethod
    def _forget(pending: dict[str, int], key: str) -> None:
        pending.pop(key, None)

    def _cancel_timer(self, cmd: c.CancelTimer) -> None:
        self.timers.pop(cmd.key, None)

    def _start_timer(self, cmd: c.StartTimer) -> None:
        self.timers[cmd.key] = self._push((cmd.at - T0).total_seconds(), TIMER, cmd.key)

    def _ring(self, cmd: c.RingAgent) -> None:
        call = self.calls.get(cmd.call_id)
        if call is not None:
            call.rung = True
        if self.sc.miss_rate and self.miss_rng.random() < self.sc.miss_rate:
            return  # the agent lets it ring: the core's ring timer decides
        at = self.now + self.sc.ring_delay_seconds
        self.answers[cmd.ring_id] = self._push(at, ANSWER, cmd.ring_id)

    def _hang_up_channel(self, cmd: c.HangUpChannel) -> None:
        self.answers.pop(cmd.channel_id, None)
        self._push(self.now, HANGUP, cmd.channel_id)

    def _redirect(self, cmd: c.RedirectCaller) -> None:
        """Overflow to a message: the core has closed the call; the line drops after it."""
        self._push(self.now, HANGUP, cmd.caller_channel)

    def _connect(self, call_id: str) -> None:
        call = self.calls.get(call_id)
        if call is None or call.gone:
            return
        call.connected = True
        self._bridges.append(call_id)
        self._push(self.now + call.handle, END, call_id)

    def _contact_saved(self, cmd: c.SaveContact) -> None:
        contact = cmd.contact
        if contact.ended_at is None:
            return  # not the final record yet
        call = self.calls.pop(contact.contact_id, None)
        if call is None:
            return
        call.gone = True
        if contact.entered_queue_at is None:
            return
        entered = (contact.entered_queue_at - T0).total_seconds()
        wait = contact.wait_seconds() or 0.0
        talk = contact.talk_seconds() or 0.0
        outcome = contact.outcome or "unknown"
        service = contact.service or ""
        self.outcomes.append(
            Outcome(service, entered, wait, outcome, talk, call.estimate, call.at_once)
        )

    # -- agents --------------------------------------------------------------------------

    def _agent_moved(self, cmd: c.RecordAgentState) -> None:
        agent_id, state, reason = cmd.agent_id, cmd.state, cmd.reason
        clock = self.agents.get(agent_id)
        if clock is None:
            return
        start, end = self._window
        lo = clock.since if clock.since > start else start  # (``_account`` inlined, without
        hi = self.now if self.now < end else end  # max/min: this runs for every change)
        if hi > lo:
            clock.seconds[clock.state] += hi - lo
        clock.state, clock.since = state, self.now
        if clock.leaving and state in FREE_STATES:
            self._push(self.now, LOGOUT, agent_id)
        elif state is AgentState.PAUSED and reason != "login" and not clock.leaving:
            # a pause the core imposed (rings missed): the agent comes back after a while
            at = self.now + self.sc.back_from_pause_seconds
            clock.back_token = self._push(at, BACK, agent_id)

    def _account(self, clock: AgentClock) -> None:
        """Add the time spent in the current state, within the measured window."""
        lo = max(clock.since, self._window[0])
        hi = min(self.now, self._window[1])
        if hi > lo:
            clock.seconds[clock.state] += hi - lo

    def _close_agent_clocks(self) -> None:
        for clock in self.agents.values():
            self._account(clock)
            clock.since = self.now

    # -- wait estimates ------------------------------------------------------------------

    def _setup_estimates(self, wanted: bool) -> None:
        self.ewt_source = "engine" if wanted else None  # (the report names its source)

    def _estimate(self, call: CallRecord) -> float | None:
        """What the caller is told on entering: the engine's own reading (0 if rung)."""
        if call.rung:
            return 0.0
        figures = self.engine.waiting_figures(call.call_id)
        return None if figures is None else figures[1]

    # -- results -------------------------------------------------------------------------

    def state_seconds(self) -> dict[str, float]:
        """Agent-seconds spent in each state within the measured window, all agents."""
        total: dict[str, float] = {}
        for clock in self.agents.values():
            for state, seconds in clock.seconds.items():
                total[state] = total.get(state, 0.0) + seconds
        return total

    @property
    def unfinished(self) -> int:
        return sum(1 for call in self.calls.values() if not call.gone)
