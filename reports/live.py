"""The live picture of the center (queues and agents) for the web page and the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from acd.core.engine import Engine


def snapshot(engine: Engine, now: datetime) -> dict[str, Any]:
    return {
        "at": now.isoformat(),
        "queues": [_queue(engine, name, now) for name in engine.services],
        "agents": [_agent(seat, now) for seat in engine.seats.values()],
    }


def _queue(engine: Engine, name: str, now: datetime) -> dict[str, Any]:
    waiting: list[dict[str, Any]] = []
    for _, _, call_id in engine.queues[name]:
        call = engine.calls[call_id]
        entered = call.contact.entered_queue_at or now
        waiting.append(
            {
                "call_id": call_id,
                "caller": call.contact.caller_number,
                "wait_seconds": round((now - entered).total_seconds(), 1),
                "entered_at": entered.isoformat(),
                "ringing": call.ring_id is not None,
                **_figures(engine, call_id),
            }
        )
    talking = sum(1 for s in engine.seats.values() if s.call_id and _serves(engine, s, name))
    base = engine.router.pools[(name, 0, "")]
    return {
        "service": name,
        "name": engine.services[name].name,
        "waiting": len(waiting),
        "longest_wait_seconds": max((w["wait_seconds"] for w in waiting), default=0.0),
        "calls": waiting,
        "agents_ready": len(base.ready),  # ready agents meeting the service's requirement
        "agents_staffed": base.staffed,  # logged in and meeting it
        "agents_busy": talking,
    }


def _figures(engine: Engine, call_id: str) -> dict[str, Any]:
    """Place in line (1 = next) and estimated seconds to answer (None: nobody staffed)."""
    position, estimate = engine.waiting_figures(call_id) or (None, None)
    rounded = None if estimate is None else round(estimate)
    return {"position": position, "estimated_wait_seconds": rounded}


def _serves(engine: Engine, seat: Any, name: str) -> bool:
    call = engine.calls.get(seat.call_id)
    return call is not None and call.service == name


def _agent(seat: Any, now: datetime) -> dict[str, Any]:
    since = seat.since or now
    return {
        "id": seat.agent.agent_id,
        "name": seat.agent.name,
        "state": seat.state.value,
        "reason": seat.reason,
        "seconds_in_state": round((now - since).total_seconds()),
        "since": since.isoformat(),
        "call_id": seat.call_id,
        "skills": sorted(seat.agent.skills),
        "levels": dict(seat.agent.skills),
        "pending_pause": seat.pending_pause,
        "answered": seat.answered_today,
    }
