"""Voice messages in the agent's panel: the task it works, its recording, its close
(docs/callbacks.md, "Messaggi vocali").

    GET  /api/agents/{agent}/voice-messages/{message}/audio      the recording, audio/wav
    POST /api/agents/{agent}/voice-messages/{message}/close      {"disposition": D}
    POST /api/agents/{agent}/voice-messages/{message}/call-back  its caller called back

Each route acts on the voice message ``{agent}`` works now, as the engine says (any other
is 404 ``no-such-task``: another agent's message is never served); the access rule
(own-agent) lets an agent reach its own path only and a supervisor any agent's. The
recording's file is the store's (``voice_messages.file``), never a path from the request,
and it is sent with ``Cache-Control: no-store``; each listening from its start goes to the
audit trail (``voice-message.play``). ``D`` is one of the service's dispositions (the
desk's, 400 ``unknown-disposition`` otherwise). A call-back needs the service's callback
rules and a number to dial (409 ``no-callback``, ``no-number``: the panel offers it only
then, ``can_call_back``). A supervisor's close or call-back on an agent's path is audited
(``agent.voice-message.close``, ``agent.voice-message.call-back``); the agent's own are
recorded with the message (``handled_by``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiohttp import web

from acd.core import events as e
from acd.core import voice_messages as vm
from acd.core.view import CallView
from acd.store.ivr import StoredVoiceMessage
from acd.web.desk_api import DESK
from acd.web.errors import ApiError, json_body
from acd.web.personal_data import record_read
from acd.web.supervision import SUPERVISION, audit_for_agent

REFUSALS: dict[type[vm.TaskRefused], int] = {vm.NoSuchTask: 404, vm.NoDisposition: 400}
"""A refusal's status (409 for the rest: the service or the caller does not allow it)."""


def _task(request: web.Request) -> CallView:
    """The voice message ``{message}`` if ``{agent}`` works it now, else 404."""
    agent_id, name = request.match_info["agent"], request.match_info["message"]
    engine = request.app[SUPERVISION].runtime.engine
    agent = engine.agent_view(agent_id)  # UnknownAgent: 404
    call = engine.call_view(name) if agent.call_id == name else None
    if call is None or call.voice_message is None:
        raise ApiError(404, "no-such-task", f"{agent_id} does not work voice message {name!r}")
    return call


async def audio(request: web.Request) -> web.StreamResponse:
    call = _task(request)
    stored = await request.app[DESK].store.voice_message(call.call_id)
    return await send_recording(request, call.call_id, stored,
                                {"agent": request.match_info["agent"]})  # fmt: skip


async def send_recording(
    request: web.Request, name: str, stored: StoredVoiceMessage | None,
    detail: dict[str, Any] | None = None,
) -> web.StreamResponse:  # fmt: skip
    """The recording of voice message ``name`` as stored (its file's path the store's, never
    the request's), audio/wav, not cached; a listening from its start audited
    (``voice-message.play``, with ``detail``), not each range the browser asks."""
    path = Path(stored.file) if stored is not None and stored.file else None
    if path is None or not await asyncio.to_thread(path.is_file):
        raise ApiError(404, "no-recording", f"the recording of {name!r} is not there")
    if request.http_range.start in (None, 0):
        now = request.app[SUPERVISION].runtime.clock()
        record_read(request, "voice-message.play", ("voice-message", name), now, detail)
    return web.FileResponse(path, headers={"Content-Type": "audio/wav",
                                           "Cache-Control": "no-store"})  # fmt: skip


async def close(request: web.Request) -> web.Response:
    call, body = _task(request), await json_body(request)
    allowed = request.app[SUPERVISION].cfg.dispositions_of(call.service)
    disposition = body.get("disposition")
    if not isinstance(disposition, str) or disposition not in allowed:
        raise ApiError(400, "unknown-disposition",
                       f"disposition must be one of: {', '.join(allowed)}")  # fmt: skip
    agent_id = request.match_info["agent"]
    await request.app[SUPERVISION].runtime.request(
        e.AgentClosedVoiceMessage(agent_id, call.call_id, disposition)
    )
    audit_for_agent(request, "voice-message.close",
                    {"message": call.call_id, "disposition": disposition})  # fmt: skip
    return web.json_response({"closed": call.call_id, "disposition": disposition})


async def call_back(request: web.Request) -> web.Response:
    call, agent_id = _task(request), request.match_info["agent"]
    await request.app[SUPERVISION].runtime.request(e.AgentCalledBack(agent_id, call.call_id))
    audit_for_agent(request, "voice-message.call-back", {"message": call.call_id})
    return web.json_response({"called_back": call.call_id})
