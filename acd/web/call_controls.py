"""The agent's call controls over the web: ``POST /api/agents/{agent}/call/{control}``.

Each control is a request to the engine (``acd.core.controls``), which refuses what makes
no sense now with its reason (the middleware in ``acd.web.app`` gives the status); the answer
is the agent's state and call as the engine holds them once it accepted the control.

    hangup                      hang up the call
    hold, resume                the caller on hold (music), and back
    transfer {"service": S}     to service S's queue (blind)
    transfer {"agent": A}       to agent A, who is ready: A's phone rings for the call
    consult {"agent": A}        talk with agent A, who is ready, while the caller holds
    complete                    hand the caller to the colleague consulted, who answered
                                (resume, during a consultation, goes back to the caller;
                                hangup, for the colleague consulted, ends the consultation)

The panel's feed (``desk_api.desk_feed``) says what a transfer may go to (``transfer_targets``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from acd.core import events as e
from acd.core.view import CenterView
from acd.runtime import Runtime
from acd.web.errors import ApiError, json_body
from acd.web.snapshot import desk
from acd.web.supervision import audit_for_agent
from agents.states import AgentState


def _transfer(agent_id: str, body: dict[str, Any]) -> e.Event:
    service, colleague = body.get("service"), body.get("agent")
    if isinstance(service, str) and service and colleague is None:
        return e.AgentTransferredToService(agent_id, service)
    if isinstance(colleague, str) and colleague and service is None:
        return e.AgentTransferredToAgent(agent_id, colleague)
    raise ApiError(400, "bad-transfer", 'a transfer names a "service" or an "agent", one of them')


def _colleague(body: dict[str, Any]) -> str:
    colleague = body.get("agent")
    if isinstance(colleague, str) and colleague:
        return colleague
    raise ApiError(400, "bad-consult", 'a consultation names the "agent" to consult')


CONTROLS: dict[str, Callable[[str, dict[str, Any]], e.Event]] = {
    "hangup": lambda agent_id, body: e.AgentHungUpCall(agent_id),
    "hold": lambda agent_id, body: e.AgentHeldCall(agent_id),
    "resume": lambda agent_id, body: e.AgentResumedCall(agent_id),
    "transfer": _transfer,
    "consult": lambda agent_id, body: e.AgentConsulted(agent_id, _colleague(body)),
    "complete": lambda agent_id, body: e.AgentCompletedTransfer(agent_id),
}


async def call_control(request: web.Request, runtime: Runtime) -> web.Response:
    agent_id, control = request.match_info["agent"], request.match_info["control"]
    if control not in CONTROLS:
        known = ", ".join(CONTROLS)
        raise ApiError(404, "unknown-control", f"unknown call control {control!r} ({known})")
    body = await json_body(request)
    event = CONTROLS[control](agent_id, body)
    await runtime.request(event)
    audit_for_agent(request, f"call.{control}", {k: v for k, v in body.items()
                                                 if k in ("service", "agent")})  # fmt: skip
    engine = runtime.engine
    agent = engine.agent_view(agent_id)
    call = engine.call_view(agent.call_id) if agent.call_id else None
    return web.json_response(desk(agent, call, runtime.clock()))


def transfer_targets(view: CenterView, agent_id: str) -> dict[str, Any]:
    """Where the agent may transfer a call: every service, and the colleagues ready now
    (and reachable: a ready agent with no phone is offered nothing, a transfer included)."""
    services = [{"service": q.service, "name": q.name} for q in view.queues]
    agents = [{"id": a.agent_id, "name": a.name} for a in view.agents
              if a.agent_id != agent_id and a.state is AgentState.READY and a.phone]  # fmt: skip
    return {"services": services, "agents": agents}
