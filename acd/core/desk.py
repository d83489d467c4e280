"""The agents' side of the engine: their requests and every change of their state.

Each change goes through ``agents.states`` (the table) in ``_move``, which also keeps the
router's indexes true (ready agents by pool, logged-in agents per pool) and records the
transition with its time (``RecordAgentState``: the agent_states table reports read).

Errors: see ``acd.core.engine``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from acd.core import commands as c
from acd.core import events as e
from acd.core.model import RoutingPolicy, Seat, ServiceRules
from acd.core.routing import Router
from agents.states import AgentState, Move, next_state

MISSED_CALLS = "missed calls"  # the pause reason the engine itself gives


class AcdError(Exception):
    pass


class UnknownAgent(AcdError):
    def __init__(self, agent_id: str) -> None:
        super().__init__(f"unknown agent {agent_id!r}")


class UnknownPauseReason(AcdError):
    def __init__(self, reason: str, known: tuple[str, ...]) -> None:
        super().__init__(f"unknown pause reason {reason!r} (known: {', '.join(known)})")


class WrapUpAlreadyExtended(AcdError):
    def __init__(self, agent_id: str) -> None:
        super().__init__(f"agent {agent_id!r} already extended this wrap-up once")


class AgentDesk:
    """Agent requests and state changes; mixed into ``Engine``, which owns the state."""

    services: dict[str, ServiceRules]
    seats: dict[str, Seat]
    policy: RoutingPolicy
    router: Router
    _out: list[c.Command]
    _now: datetime
    _new_agents: list[str]

    def _seat(self, agent_id: str) -> Seat:
        if agent_id not in self.seats:
            raise UnknownAgent(agent_id)
        return self.seats[agent_id]

    def _on_AgentLoggedIn(self, ev: e.AgentLoggedIn) -> None:
        self._move(self._seat(ev.agent_id), Move.LOGIN, reason="login")

    def _on_AgentWentReady(self, ev: e.AgentWentReady) -> None:
        seat = self._seat(ev.agent_id)
        if seat.pending_pause is not None and seat.state in _BUSY:
            seat.pending_pause = None  # changed their mind during the call
            return
        if seat.state is AgentState.LOGGED_OUT:
            self._move(seat, Move.LOGIN, reason="login")
        if seat.state is AgentState.WRAP_UP:
            self._out.append(c.CancelTimer(f"wrapup:{ev.agent_id}"))
        self._move(seat, Move.READY)

    def _on_AgentPaused(self, ev: e.AgentPaused) -> None:
        seat = self._seat(ev.agent_id)
        if ev.reason not in self.policy.pause_reasons:
            raise UnknownPauseReason(ev.reason, self.policy.pause_reasons)
        if seat.state is AgentState.LOGGED_OUT:  # logging in straight into a pause
            self._move(seat, Move.LOGIN, reason=ev.reason)
        elif seat.state in _BUSY:
            seat.pending_pause = ev.reason  # applies once the call and its wrap-up are over
        else:
            if seat.state is AgentState.WRAP_UP:
                self._out.append(c.CancelTimer(f"wrapup:{ev.agent_id}"))
            self._move(seat, Move.PAUSE, reason=ev.reason)

    def _on_AgentLoggedOut(self, ev: e.AgentLoggedOut) -> None:
        seat = self._seat(ev.agent_id)
        if seat.state is AgentState.WRAP_UP:
            self._out.append(c.CancelTimer(f"wrapup:{ev.agent_id}"))
        self._move(seat, Move.LOGOUT)
        seat.pending_pause = None
        self._staff_left(ev.agent_id)

    def _staff_left(self, agent_id: str) -> None:
        """Hook (``acd.core.admission``): an agent logged out."""

    def _on_AgentExtendedWrapUp(self, ev: e.AgentExtendedWrapUp) -> None:
        seat = self._seat(ev.agent_id)
        next_state(seat.state, Move.EXTEND)  # IllegalMove unless in wrap-up
        if seat.wrap_extended:
            raise WrapUpAlreadyExtended(ev.agent_id)
        rules = self.services.get(seat.wrap_service or "")
        extra = 0.0 if rules is None else rules.wrap_up_extend_seconds
        if extra is None and rules is not None:
            extra = rules.wrap_up_seconds
        seat.wrap_extended = True
        at = self._now + timedelta(seconds=extra or 0)
        self._out.append(c.StartTimer(f"wrapup:{ev.agent_id}", at))  # replaces the old one
        self._move(seat, Move.EXTEND, reason="extended")

    # -- after a call --------------------------------------------------------------------

    def _start_wrap_up(self, seat: Seat, service: str | None) -> None:
        rules = self.services.get(service or "")
        seat.wrap_service, seat.wrap_extended = service, False
        if rules is None or rules.wrap_up_seconds <= 0:
            self._wrap_up_over(seat)
            return
        at = self._now + rules.wrap_up_time
        self._out.append(c.StartTimer(f"wrapup:{seat.agent.agent_id}", at))

    def _wrap_up_over(self, seat: Seat) -> None:
        if seat.state is not AgentState.WRAP_UP:
            return
        if seat.pending_pause is not None:
            self._move(seat, Move.PAUSE, reason=seat.pending_pause)
            seat.pending_pause = None
        else:
            self._move(seat, Move.WRAP_UP_DONE)

    def _agent_free(self, seat: Seat, move: Move, reason: str = "") -> None:
        """Back from ringing to ready; then the pause asked meanwhile, if any."""
        self._move(seat, move, reason=reason)
        if seat.pending_pause is not None:
            self._move(seat, Move.PAUSE, reason=seat.pending_pause)
            seat.pending_pause = None

    def _missed(self, seat: Seat) -> None:
        """A ring not answered: back of the idle line; paused after too many in a row."""
        seat.missed += 1
        self._agent_free(seat, Move.NO_ANSWER, reason="missed")
        limit = seat.agent.max_missed
        limit = self.policy.max_missed if limit is None else limit
        if limit and seat.missed >= limit and seat.state is AgentState.READY:
            seat.missed = 0
            self._move(seat, Move.PAUSE, reason=MISSED_CALLS)

    # -- the one place a state changes ---------------------------------------------------

    def _move(self, seat: Seat, move: Move, reason: str = "") -> None:
        old, state, now = seat.state, next_state(seat.state, move), self._now
        caller_left = old is _RINGING and move is _CALL_ENDED  # not the agent's fault
        if state is _READY and old is not _READY and not caller_left:
            seat.idle_since = now
        seat.state, seat.reason, seat.since = state, reason, now
        agent_id = seat.agent.agent_id
        if old is not state:
            self._reindex(seat, agent_id, old, state)
        self._out.append(c.RecordAgentState(agent_id, _STATE_TEXT[state], reason, now))

    def _reindex(self, seat: Seat, agent_id: str, old: AgentState, state: AgentState) -> None:
        """Keep the router's indexes true after a change of state (``old`` is not ``state``)."""
        if old is _READY:
            self.router.unready(agent_id)
        elif state is _READY:
            self.router.ready(seat)
            self._new_agents.append(agent_id)
        if old is _LOGGED_OUT or state is _LOGGED_OUT:
            self.router.staff(agent_id, -1 if state is _LOGGED_OUT else 1)


# Reading an enum member through its class costs a descriptor call (about 70 ns on Python
# 3.11); the per-event paths read these module names instead.
_READY, _RINGING, _LOGGED_OUT = AgentState.READY, AgentState.RINGING, AgentState.LOGGED_OUT
_CALL_ENDED = Move.CALL_ENDED
_BUSY = (AgentState.RINGING, AgentState.ON_CALL)
_STATE_TEXT = {state: state.value for state in AgentState}  # as RecordAgentState says it
