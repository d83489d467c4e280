"""The live picture of the center (queues and agents) as JSON, for the page and the API.

Read from the core's read model (``acd.core.view``) only. Callers' numbers are masked
(``masked_snapshot``) for the roles ``privacy.full_numbers_for`` leaves out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from acd.config.model import CenterConfig
from acd.core.callback import CallbackState
from acd.core.view import AgentView, CallbackView, CallView, CenterView, QueueView, SpyView
from acd.privacy.numbers import masked


def snapshot(view: CenterView, now: datetime, mask: bool = False) -> dict[str, Any]:
    """The whole center, for supervisors: queues with their calls, agents, and the
    supervisors on agents' calls (never in an agent's own view, ``desk``)."""
    return {
        "at": now.isoformat(),
        "telephony_up": view.telephony_up,
        "queues": [_queue(q, now, mask) for q in view.queues],
        "agents": [_agent(a, now) for a in view.agents],
        "supervision": [_spy(s) for s in view.spies],
    }


def _spy(spy: SpyView) -> dict[str, Any]:
    return {"supervisor": spy.supervisor, "agent": spy.agent_id, "call_id": spy.call_id,
            "mode": spy.mode.value}  # fmt: skip


def masked_snapshot(view: CenterView, now: datetime) -> dict[str, Any]:
    """The snapshot with callers' numbers masked (one feed: its JSON made once a round)."""
    return snapshot(view, now, mask=True)


def _queue(queue: QueueView, now: datetime, mask: bool) -> dict[str, Any]:
    waiting = [call_json(call, now, mask) for call in queue.calls]
    return {
        "service": queue.service,
        "name": queue.name,
        "waiting": len(waiting),
        "longest_wait_seconds": max((w["wait_seconds"] for w in waiting), default=0.0),
        "calls": waiting,
        "agents_ready": queue.agents_ready,  # ready agents meeting the service's requirement
        "agents_staffed": queue.agents_staffed,  # logged in and meeting it
        "agents_busy": queue.agents_busy,
        "callbacks_pending": queue.callbacks_pending,  # callers waiting to be called back
    }


def call_json(call: CallView, now: datetime, mask: bool = False) -> dict[str, Any]:
    """Place in line (1 = next) and estimated seconds to answer (None: nobody staffed)."""
    entered = call.entered_at or now
    estimate = call.estimated_wait
    return {
        "call_id": call.call_id,
        "caller": masked(call.caller_number) if mask else call.caller_number,
        "wait_seconds": round((now - entered).total_seconds(), 1),
        "entered_at": entered.isoformat(),
        "ringing": call.agent_id is not None,
        "stage": call.stage.value,  # in_ivr, waiting, ringing, answered, talking
        "held": call.held,  # on hold: music for the caller
        "position": call.position,
        "priority": call.priority,  # its priority points (IVR, weight, recall, supervisor ...)
        "estimated_wait_seconds": None if estimate is None else round(estimate),
        "callback": None if call.callback is None else callback_json(call.callback, mask),
        # a caller's voice message to work (no caller on the line): when it was recorded
        "voice_message": None
        if call.voice_message is None
        else {"recorded_at": call.voice_message.recorded_at.isoformat()},
    }


def callback_json(callback: CallbackView, mask: bool = False) -> dict[str, Any]:
    """A call's callback: the number to call, its state (waiting, deferred until ``due``,
    ringing an agent, dialling the citizen, talking), attempts failed, whose own it is,
    where it was asked for (the queue, the IVR, an agent, the website), the time it was
    scheduled for, and the note left with it. With ``mask`` the number is masked and the
    note withheld (``note`` None, ``has_note`` says whether there is one): it may name
    the citizen."""
    scheduled = callback.scheduled_for
    return {
        "number": masked(callback.number) if mask else callback.number,
        "state": callback.state.value,
        "attempts": callback.attempts,
        "due": None if callback.due is None else callback.due.isoformat(),
        "agent": callback.agent_id,
        "requested_at": callback.requested_at.isoformat(),
        "origin": callback.origin.value,
        "scheduled_for": None if scheduled is None else scheduled.isoformat(),
        "note": None if mask else callback.note,
        "has_note": bool(callback.note),
    }


def pending_callbacks(
    view: CenterView, now: datetime, agent_id: str | None = None, mask: bool = False
) -> list[dict[str, Any]]:
    """The callbacks not yet reached, the longest waiting first: all of them, or
    ``agent_id``'s own (those it last tried), each with its call's service and wait; the
    numbers masked with ``mask`` (a supervisor whose role ``privacy.full_numbers_for``
    leaves out: docs/privacy.md)."""
    found = []
    for queue in view.queues:
        for call in queue.calls:
            callback = call.callback
            if callback is None or callback.state in _REACHED:
                continue
            if agent_id is not None and callback.agent_id != agent_id:
                continue
            found.append({**call_json(call, now, mask), "service": queue.service,
                          "service_name": queue.name})  # fmt: skip
    return sorted(found, key=lambda c: c["entered_at"])


_REACHED = frozenset({CallbackState.TALKING, CallbackState.DONE})


def _agent(agent: AgentView, now: datetime) -> dict[str, Any]:
    since, consult = agent.since or now, agent.consult
    return {
        "id": agent.agent_id,
        "name": agent.name,
        "state": agent.state.value,
        "reason": agent.reason,
        "seconds_in_state": round((now - since).total_seconds()),
        "since": since.isoformat(),
        "call_id": agent.call_id,
        "call_held": agent.call_held,
        "skills": sorted(agent.skills),
        "levels": dict(agent.skills),
        "pending_pause": agent.pending_pause,
        "answered": agent.answered_today,
        # where a call rings: 'web' (its browser), 'desk'; None: unreachable, offered nothing
        "phone": agent.phone.value if agent.phone is not None else None,
        "consult": None
        if consult is None
        else {
            "agent": consult.agent_id,
            "agent_name": consult.agent_name,
            "colleague": consult.colleague,
            "colleague_name": consult.colleague_name,
            "answered": consult.answered,
        },
        # how its last consultation ended, its caller still on hold (not-answered, ...)
        "consult_ended": agent.consult_ended,
        "consult_ended_with": agent.consult_ended_with,
        # the services it works: chosen at login or since, else all it holds
        "services": list(agent.services),
    }


def task_json(call: CallView | None, cfg: CenterConfig | None = None) -> dict[str, Any] | None:
    """The voice message an agent works (None: it works none), for its panel."""
    task = call.voice_message if call is not None else None
    if call is None or task is None:
        return None
    service = cfg.services.get(call.service or "") if cfg is not None else None
    return {
        "message": call.call_id,
        "caller": call.caller_number,
        "service": call.service,
        "service_name": service.name if service is not None else call.service,
        "ivr_path": list(call.ivr_path),
        "language": call.language,
        "recorded_at": task.recorded_at.isoformat(),
        "can_call_back": task.can_call_back,
        "dispositions": list(cfg.dispositions_of(call.service)) if cfg is not None else [],
    }


def desk(agent: AgentView, call: CallView | None, now: datetime) -> dict[str, Any]:
    """One agent's own view (``/api/me``): its state, and the call it rings for or talks on."""
    return {"agent": _agent(agent, now), "call": None if call is None else call_json(call, now)}
