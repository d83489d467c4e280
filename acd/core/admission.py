"""Admission to a queue: requirements, limits and overflow, relaxation, the pools.

Mixed into ``Engine`` (``acd.core.engine``), which owns the state. A call enters its
service's queue with a key that never changes (see ``RoutingPolicy``); it waits in the
pool of its current effective requirement; a ``relax:<call>`` timer moves it to the next,
wider pool; a limit (``full``, ``timeout``, ``no_agents``) hands it to the service's
overflow action: another service (it keeps its key), or a message and hang-up, or a
voice message (``RedirectCaller``, with ``voicemail_seconds`` for the latter).

Errors: see ``acd.core.engine``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from acd.core import commands as c
from acd.core.model import Call, ServiceRules, requirement_of
from acd.core.queue import ServiceQueue
from acd.core.requirements import RequirementError, both, either, parse
from acd.core.routing import Pool, Router


class Admission:
    """Queue entry, limits and relaxation; mixed into ``Engine``."""

    services: dict[str, ServiceRules]
    queues: dict[str, ServiceQueue]
    calls: dict[str, Call]
    router: Router
    _out: list[c.Command]
    _now: datetime
    _new_calls: list[str]
    telephony_up: bool

    def _save(self, call: Call) -> None:
        raise NotImplementedError

    def _finish(self, call: Call, outcome: str, cause: str | None = None) -> None:
        raise NotImplementedError

    def _checked_extra(self, text: str) -> str:
        stripped = text.strip()
        try:
            parse(stripped)
        except RequirementError as exc:
            self._out.append(c.LogWarning(f"ignored the IVR's requirement {text!r}: {exc}"))
            return ""
        return stripped

    def _enqueue(self, call: Call, service: str, **contact: object) -> None:
        """Put the call in ``service``'s queue, unless a limit sends it elsewhere.

        ``contact``: further changes to its record (made in the same copy).
        """
        rules = self.services[service]
        path = (*call.contact.service_path, service)  # an overflow adds the next one
        call.contact = call.contact.evolve(service=service, service_path=path, **contact)
        call.stage, call.overflow_due = self._stage_reached(call, rules), None
        closed = rules.open_at is not None and not rules.open_at(self._now)
        if closed and self._overflow(call, "closed"):
            return
        full = rules.max_waiting is not None and len(self.queues[service]) >= rules.max_waiting
        if full and self._overflow(call, "full"):
            return
        widest = self._pool(service, len(rules.relax), call.extra)
        if widest.staffed == 0 and self._overflow(call, "no_agents"):
            return
        self._join_queue(call, service, rules)

    def _resume(self, call: Call, service: str) -> None:
        """Back in ``service``'s queue with its key, its record and its entry time kept;
        timers count from that entry (one already due fires at once)."""
        rules = self.services[service]
        path = call.contact.service_path or (service,)
        call.contact = call.contact.evolve(service=service, service_path=path)
        call.stage, call.overflow_due = self._stage_reached(call, rules), None
        self._join_queue(call, service, rules)

    def _join_queue(self, call: Call, service: str, rules: ServiceRules) -> None:
        """Admitted: the record saved, in line and in its pool, its queue timers started."""
        self._save(call)
        assert call.key is not None
        self.queues[service].add(call.key)
        self._wait_in_pool(call)
        self._start_queue_timers(call, rules)

    def _stage_reached(self, call: Call, rules: ServiceRules) -> int:
        if not rules.relax:
            return 0
        waited = self._waited(call)
        return sum(1 for step in rules.relax if step.after_seconds <= waited)

    def _waited(self, call: Call) -> float:
        entered = call.contact.entered_queue_at or self._now
        return (self._now - entered).total_seconds()

    def _start_queue_timers(self, call: Call, rules: ServiceRules) -> None:
        entered = call.contact.entered_queue_at or self._now
        if call.stage < len(rules.relax):
            at = entered + timedelta(seconds=rules.relax[call.stage].after_seconds)
            self._start_timer(call, f"relax:{call.call_id}", at)
        if rules.max_wait_seconds is not None and "timeout" in rules.overflow:
            at = entered + timedelta(seconds=rules.max_wait_seconds)
            self._start_timer(call, f"maxwait:{call.call_id}", at)

    def _start_timer(self, call: Call, key: str, at: datetime) -> None:
        if key not in call.timers:
            call.timers += (key,)
        self._out.append(c.StartTimer(key, at))

    def _overflow(self, call: Call, limit: str) -> bool:
        """Carry out the service's action for ``limit``; False when it has none."""
        action = self.services[call.service or ""].overflow.get(limit)
        if action is None or (action.kind == "queue" and call.hops >= len(self.services)):
            return False
        if action.kind != "queue" and not self.telephony_up:  # a redirect needs AMI
            call.overflow_due = call.overflow_due or limit  # made once it is back
            return False
        self._leave_queue(call)
        if action.kind == "queue":
            call.hops += 1
            self._enqueue(call, action.target)
            return True
        seconds = action.voicemail_seconds  # 0 but for voicemail
        self._out.append(
            c.RedirectCaller(call.call_id, call.channel, action.target, call.language, seconds)
        )
        self._finish(call, "overflow" if action.kind == "message" else action.kind)
        return True

    def _leave_queue(self, call: Call) -> None:
        if call.key is not None and call.service in self.queues:
            self.queues[call.service].remove(call.key)
            self.router.remove_call(self._pool_of(call), call.key)
        if call.timers:  # cancel only those started
            self._out.extend([c.CancelTimer(key) for key in call.timers])
            call.timers = ()

    def _wait_in_pool(self, call: Call) -> None:
        assert call.key is not None
        self.router.add_call(self._pool_of(call), call.key)
        self._new_calls.append(call.call_id)

    def _pool_of(self, call: Call) -> Pool:
        service = call.contact.service or ""
        found = self.router.pools.get((service, call.stage, call.extra))  # (as in ``_pool``)
        return found if found is not None else self._pool(service, call.stage, call.extra)

    def _pool(self, service: str, stage: int, extra: str) -> Pool:
        found = self.router.pools.get((service, stage, extra))
        if found is not None:
            return found
        rules = self.services[service]
        req = requirement_of(service, rules)
        for step in rules.relax[:stage]:
            req = either(req, step.requirement)  # each step only adds: relaxing widens
        req = both(req, parse(extra))
        main = rules.main_skill or service
        return self.router.pool((service, stage, extra), req, rules.strategy, main)

    def _relax(self, call: Call) -> None:
        """The next relaxation step: the call moves to a wider pool, keeping its key."""
        rules = self.services[call.service or ""]
        if call.key is None or call.stage >= len(rules.relax):
            return
        waiting = call.ring_id is None
        if waiting:
            self.router.remove_call(self._pool_of(call), call.key)
        call.stage += 1
        if waiting:
            self._wait_in_pool(call)
        if call.stage < len(rules.relax):
            entered = call.contact.entered_queue_at or self._now
            at = entered + timedelta(seconds=rules.relax[call.stage].after_seconds)
            self._start_timer(call, f"relax:{call.call_id}", at)

    def _staff_left(self, agent_id: str) -> None:
        """The agent logged out: calls that nobody logged in can take any more overflow."""
        for pool in list(self.router.pools_of(agent_id)):  # overflowing may add pools
            for key in list(pool.calls) if pool.staffed == 0 else ():
                call = self.calls[key[2]]
                rules = self.services[call.service or ""]
                if self._pool(call.service or "", len(rules.relax), call.extra).staffed == 0:
                    self._overflow(call, "no_agents")
