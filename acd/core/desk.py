"""The agents' desk: their requests and every change of their state. Owns the seats.

Each change goes through ``agents.states`` (the table) in ``move``, which also keeps the
router's indexes true (ready agents by pool, logged-in agents per pool) and records the
transition with its time (``RecordAgentState``: the agent_states table reports read).

Phones: a seat knows which of its agent's phones are registered (``PhoneRegistered``,
``PhoneUnregistered``, ``PhonesListed`` after a login) and so where a call would ring
(``model.reachable_phone``). Reachability is not a state of the agent: an agent whose
phone went away stays as it was (ready, say), is simply taken out of the router's ready
lists, and is put back, at its place in the idle line, when a phone comes back.

Services: an agent *holds* the services whose own requirement its skills meet (``held``,
fixed by the configuration) and *works* a subset of them: those it chose at login
(``AgentLoggedIn.services``, none named: all) or since (``AgentChoseServices``), kept in
``Seat.services`` until it logs out. The router offers it only calls of those services and
counts it staffed only there; a service it leaves that nobody else works any more has its
waiting calls overflow (``no_agents``) as when the last agent logs out, and a service it
joins is matched with it at once if it is ready. A choice on a call applies from the next
offer: the call it rings for or talks on stays its own.

Errors: see ``acd.core.engine``.
"""

from __future__ import annotations

from datetime import timedelta

from acd.core import commands as c
from acd.core import events as e
from acd.core.admission import Admission
from acd.core.floor import Floor
from acd.core.model import Phone, Seat, reachable_phone
from acd.core.routing import Router
from acd.core.timers import WrapUpTimer
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


class ServiceChoiceRefused(AcdError):
    """A choice of services the core refuses; ``code`` names why."""

    code = "refused"


class UnknownServiceChosen(ServiceChoiceRefused):
    code = "unknown-service"

    def __init__(self, service: str, known: tuple[str, ...]) -> None:
        super().__init__(f"unknown service {service!r} (the center's: {', '.join(known)})")


class ServiceNotHeld(ServiceChoiceRefused):
    code = "service-not-held"

    def __init__(self, agent_id: str, service: str, held: tuple[str, ...]) -> None:
        super().__init__(f"{agent_id} does not hold {service!r}: its skills do not qualify it"
                         f" (it holds: {', '.join(held) or 'none'})")  # fmt: skip


class NoServiceChosen(ServiceChoiceRefused):
    code = "no-service-chosen"

    def __init__(self, agent_id: str) -> None:
        super().__init__(f"{agent_id} must work at least one service (or log out)")


class NotLoggedIn(ServiceChoiceRefused):
    code = "not-logged-in"

    def __init__(self, agent_id: str) -> None:
        super().__init__(f"{agent_id} is logged out: its services are chosen at login")


class Desk:
    def __init__(
        self, floor: Floor, seats: dict[str, Seat], router: Router, admission: Admission
    ) -> None:
        self.floor, self.seats, self.router, self.admission = floor, seats, router, admission
        bases = [(name, admission.pool(name, 0, "").eligible) for name in floor.services]
        self._held = {a: tuple(name for name, eligible in bases if a in eligible) for a in seats}

    def seat(self, agent_id: str) -> Seat:
        if agent_id not in self.seats:
            raise UnknownAgent(agent_id)
        return self.seats[agent_id]

    def held(self, agent_id: str) -> tuple[str, ...]:
        """The services whose own requirement the agent's skills meet (before relaxation),
        in the configuration's order; () for an unknown agent."""
        return self._held.get(agent_id, ())

    def worked(self, seat: Seat) -> tuple[str, ...]:
        """The services the agent works now: those it chose, or all it holds."""
        return tuple(s for s in self.held(seat.agent.agent_id) if seat.works(s))

    # -- requests ------------------------------------------------------------------------

    def logged_in(self, ev: e.AgentLoggedIn) -> None:
        seat = self.seat(ev.agent_id)
        next_state(seat.state, Move.LOGIN)  # IllegalMove unless logged out: nothing changed
        chosen = self._checked(seat, ev.services) if ev.services else None
        self._choose(seat, chosen)  # logged out still: only its active pools follow
        self.move(seat, Move.LOGIN, reason="login")

    def chose_services(self, ev: e.AgentChoseServices) -> None:
        seat = self.seat(ev.agent_id)
        if seat.state is _LOGGED_OUT:
            raise NotLoggedIn(ev.agent_id)
        if not ev.services:
            raise NoServiceChosen(ev.agent_id)
        self._choose(seat, self._checked(seat, ev.services))

    def _checked(self, seat: Seat, services: tuple[str, ...]) -> frozenset[str]:
        """``services`` as a choice: each one the center's (first) and the agent's."""
        agent_id, known = seat.agent.agent_id, self.floor.services
        unknown = [s for s in services if s not in known]
        if unknown:
            raise UnknownServiceChosen(unknown[0], tuple(known))
        held = self.held(agent_id)
        for service in services:
            if service not in held:
                raise ServiceNotHeld(agent_id, service, held)
        return frozenset(services)

    def _choose(self, seat: Seat, services: frozenset[str] | None) -> None:
        """The agent works ``services`` from now: the calls of a service nobody works any
        more overflow, a ready agent is matched with the calls of a service it joined."""
        seat.services = services
        left, joined = self.router.follow_choice(seat)
        if left and seat.state is not _LOGGED_OUT:  # (at login it was counted nowhere)
            self.admission.staff_left(left)
        if joined and seat.offerable:
            self.floor.new_agents.append(seat.agent.agent_id)

    def went_ready(self, ev: e.AgentWentReady) -> None:
        seat = self.seat(ev.agent_id)
        if seat.pending_pause is not None and seat.state in _BUSY:
            seat.pending_pause = None  # changed their mind during the call
            return
        if seat.state is AgentState.LOGGED_OUT:
            self.move(seat, Move.LOGIN, reason="login")
        if seat.state is AgentState.WRAP_UP:
            self.floor.say(c.CancelTimer(WrapUpTimer(ev.agent_id)))
        self.move(seat, Move.READY)

    def paused(self, ev: e.AgentPaused) -> None:
        seat = self.seat(ev.agent_id)
        reasons = self.floor.policy.pause_reasons
        if ev.reason not in reasons:
            raise UnknownPauseReason(ev.reason, reasons)
        if seat.state is AgentState.LOGGED_OUT:  # logging in straight into a pause
            self.move(seat, Move.LOGIN, reason=ev.reason)
        elif seat.state in _BUSY:
            seat.pending_pause = ev.reason  # applies once the call and its wrap-up are over
        else:
            if seat.state is AgentState.WRAP_UP:
                self.floor.say(c.CancelTimer(WrapUpTimer(ev.agent_id)))
            self.move(seat, Move.PAUSE, reason=ev.reason)

    def logged_out(self, ev: e.AgentLoggedOut) -> None:
        seat = self.seat(ev.agent_id)
        if seat.state is AgentState.WRAP_UP:
            self.floor.say(c.CancelTimer(WrapUpTimer(ev.agent_id)))
        self.move(seat, Move.LOGOUT)
        seat.pending_pause = None
        self.admission.staff_left(self.router.pools_of(ev.agent_id))
        self._choose(seat, None)  # the next login chooses anew

    def extended_wrap_up(self, ev: e.AgentExtendedWrapUp) -> None:
        seat = self.seat(ev.agent_id)
        next_state(seat.state, Move.EXTEND)  # IllegalMove unless in wrap-up
        if seat.wrap_extended:
            raise WrapUpAlreadyExtended(ev.agent_id)
        rules = self.floor.services.get(seat.wrap_service or "")
        extra = 0.0 if rules is None else rules.wrap_up_extend_seconds
        if extra is None and rules is not None:
            extra = rules.wrap_up_seconds
        seat.wrap_extended = True
        at = self.floor.now + timedelta(seconds=extra or 0)
        self.floor.say(c.StartTimer(WrapUpTimer(ev.agent_id), at))  # replaces the old one
        self.move(seat, Move.EXTEND, reason="extended")

    # -- phones --------------------------------------------------------------------------

    def phone_registered(self, ev: e.PhoneRegistered) -> None:
        found = self._phone(ev.agent_id, ev.endpoint)
        if found is not None:
            seat, phone = found
            self._registered(seat, seat.registered | {phone})

    def phone_unregistered(self, ev: e.PhoneUnregistered) -> None:
        found = self._phone(ev.agent_id, ev.endpoint)
        if found is not None:
            seat, phone = found
            self._registered(seat, seat.registered - {phone})

    def phones_listed(self, ev: e.PhonesListed) -> None:
        """After a login: exactly the phones listed are registered, whatever was seen before."""
        now: dict[str, set[Phone]] = {agent_id: set() for agent_id in self.seats}
        for agent_id, endpoint in sorted(ev.registered):
            found = self._phone(agent_id, endpoint)
            if found is not None:
                now[agent_id].add(found[1])
        for agent_id, phones in now.items():
            self._registered(self.seats[agent_id], frozenset(phones))

    def _phone(self, agent_id: str, endpoint: str) -> tuple[Seat, Phone] | None:
        """The seat and which of its phones ``endpoint`` is; a stranger is said and ignored
        (a fact from Asterisk about a phone the configuration does not give this agent)."""
        seat = self.seats.get(agent_id)
        phone = seat.agent.phone_kind(endpoint) if seat is not None else None
        if seat is None or phone is None:
            self.floor.warn(f"ignored phone {endpoint!r}: not a phone of agent {agent_id!r}")
            return None
        return seat, phone

    def _registered(self, seat: Seat, registered: frozenset[Phone]) -> None:
        seat.registered = registered
        was, seat.phone = seat.phone, reachable_phone(seat.agent, registered)
        if (was is None) == (seat.phone is None) or seat.state is not _READY:
            return  # still (un)reachable: a ring goes to the phone it finds then
        if seat.phone is None:
            self.router.unready(seat.agent.agent_id)
        else:
            self.router.ready(seat)
            self.floor.new_agents.append(seat.agent.agent_id)

    # -- around a call -------------------------------------------------------------------

    def offered(self, seat: Seat, sequence: int, move: Move = Move.OFFER) -> None:
        """Rung for a call (``offer``), or given a voice message to work (``task``)."""
        seat.last_offer = sequence
        self.move(seat, move)

    def answered(self, seat: Seat) -> None:
        seat.missed = 0
        self.move(seat, Move.ANSWER)

    def start_wrap_up(self, seat: Seat, service: str | None) -> None:
        rules = self.floor.services.get(service or "")
        seat.wrap_service, seat.wrap_extended = service, False
        if rules is None or rules.wrap_up_seconds <= 0:
            self.wrap_up_over(seat)
            return
        at = self.floor.now + rules.wrap_up_time
        self.floor.say(c.StartTimer(WrapUpTimer(seat.agent.agent_id), at))

    def wrap_up_over(self, seat: Seat) -> None:
        if seat.state is not AgentState.WRAP_UP:
            return
        if seat.pending_pause is not None:
            self.move(seat, Move.PAUSE, reason=seat.pending_pause)
            seat.pending_pause = None
        else:
            self.move(seat, Move.WRAP_UP_DONE)

    def free(self, seat: Seat, move: Move, reason: str = "") -> None:
        """Back from ringing to ready; then the pause asked meanwhile, if any."""
        self.move(seat, move, reason=reason)
        if seat.pending_pause is not None:
            self.move(seat, Move.PAUSE, reason=seat.pending_pause)
            seat.pending_pause = None

    def missed(self, seat: Seat) -> None:
        """A ring not answered: back of the idle line; paused after too many in a row."""
        seat.missed += 1
        self.free(seat, Move.NO_ANSWER, reason="missed")
        limit = seat.agent.max_missed
        limit = self.floor.policy.max_missed if limit is None else limit
        if limit and seat.missed >= limit and seat.state is AgentState.READY:
            seat.missed = 0
            self.move(seat, Move.PAUSE, reason=MISSED_CALLS)

    # -- the one place a state changes ---------------------------------------------------

    def move(self, seat: Seat, move: Move, reason: str = "") -> None:
        floor = self.floor
        old, state, now = seat.state, next_state(seat.state, move), floor.now
        caller_left = old is _RINGING and move is _CALL_ENDED  # not the agent's fault
        if state is _READY and old is not _READY and not caller_left:
            seat.idle_since = now
        seat.state, seat.reason, seat.since = state, reason, now
        agent_id = seat.agent.agent_id
        if old is not state:
            self._reindex(seat, agent_id, old, state)
        floor.out.append(c.RecordAgentState(agent_id, state, reason, now))

    def _reindex(self, seat: Seat, agent_id: str, old: AgentState, state: AgentState) -> None:
        """Keep the router's indexes true after a change of state (``old`` is not ``state``):
        the ready lists hold the ready agents that can be reached."""
        if old is _READY:
            self.router.unready(agent_id)
        elif state is _READY and seat.phone is not None:
            self.router.ready(seat)
            self.floor.new_agents.append(agent_id)
        if old is _LOGGED_OUT or state is _LOGGED_OUT:
            self.router.staff(agent_id, -1 if state is _LOGGED_OUT else 1)


# Reading an enum member through its class costs a descriptor call (about 70 ns on Python
# 3.11); the per-event paths read these module names instead.
_READY, _RINGING, _LOGGED_OUT = AgentState.READY, AgentState.RINGING, AgentState.LOGGED_OUT
_CALL_ENDED = Move.CALL_ENDED
_BUSY = (AgentState.RINGING, AgentState.ON_CALL)
