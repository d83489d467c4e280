"""The supervisors' page of voice messages (docs/callbacks.md, "Messaggi vocali").

    GET /voice-messages                    the page: the last days' messages, filterable
    GET /api/voice-messages                the same as JSON ({"messages": [...]})
    GET /api/voice-messages/{message}/audio  a message's recording, audio/wav

Filters (the query): ``days`` 1-90 (7 if not given), ``service`` one of the center's,
``state`` one of ``STATES`` (none: every one); anything else is a 400 that names it
(``bad-days``, ``unknown-service``, ``bad-state``; the page says it above its form). The
messages come from the store, the newest first, at most ``LIMIT`` of the state asked (the
store filters handled from not, before its limit); a message not handled is
``worked`` while an agent holds it (the engine says who), else ``waiting``. Numbers are
masked as on the callbacks page (``privacy.full_numbers_for``). The recording is served as
to the agent who works it (``acd.web.voice_messages.send_recording``: the store's path,
``no-store``, each listening from its start audited as ``voice-message.play``), for any
message still holding one (404 ``no-recording`` otherwise).
"""

from __future__ import annotations

import asyncio
import wave
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from acd.core.engine import Engine
from acd.privacy.numbers import masked
from acd.store.ivr import StoredVoiceMessage
from acd.web.callbacks import masks_numbers
from acd.web.desk_api import DESK
from acd.web.errors import ApiError
from acd.web.pages import SITE, render
from acd.web.supervision import SUPERVISION
from acd.web.texts import language, translator
from acd.web.voice_messages import send_recording

DAYS, MAX_DAYS = 7, 90
LIMIT = 500  # the newest; the page says when there are more
STATES = ("waiting", "worked", "handled", "empty")
EMPTY = "empty"  # the disposition of a message closed by itself (acd.silence)
_CLOSED = {"waiting": "open", "worked": "open", "handled": "handled", EMPTY: "empty"}


@dataclass(frozen=True, slots=True)
class Filters:
    days: int = DAYS
    service: str = ""  # '': every service
    state: str = ""  # '': every state


class BadFilter(ApiError):
    """A filter refused: ``key`` names its text (``voice_messages.bad.KEY``)."""

    def __init__(self, key: str, message: str, **values: object) -> None:
        super().__init__(400, f"bad-{key}" if key != "service" else "unknown-service", message)
        self.key, self.values = key, values


def filters_of(query: Mapping[str, str], services: Mapping[str, object]) -> Filters:
    """The filters asked; ``BadFilter`` (400) for one out of its range or unknown."""
    days = query.get("days", "").strip() or str(DAYS)
    if not days.isdigit() or not 1 <= int(days) <= MAX_DAYS:
        raise BadFilter("days", f"days is a whole number from 1 to {MAX_DAYS}, not "
                        f"{days[:20]!r}", days=days[:20], most=MAX_DAYS)  # fmt: skip
    service = query.get("service", "").strip()
    if service and service not in services:
        raise BadFilter("service", f"no service {service[:40]!r}", service=service[:40])
    state = query.get("state", "").strip()
    if state and state not in STATES:
        raise BadFilter("state", f"state is one of {', '.join(STATES)}, not {state[:20]!r}",
                        state=state[:20])  # fmt: skip
    return Filters(int(days), service, state)


def state_of(message: StoredVoiceMessage, engine: Engine) -> tuple[str, str | None]:
    """The message's state and its agent: who handled it, or who works it now."""
    if message.handled_at is not None:
        return (EMPTY if message.disposition == EMPTY else "handled"), message.handled_by
    call = engine.call_view(message.name)
    if call is not None and call.voice_message is not None and call.agent_id is not None:
        return "worked", call.agent_id
    return "waiting", None


def duration_of(file: str) -> float | None:
    """The recording's length in seconds from its WAV header (None: gone or unreadable)."""
    if not file:
        return None
    try:
        with wave.open(file, "rb") as wav:
            return round(wav.getnframes() / wav.getframerate(), 1)
    except (OSError, EOFError, wave.Error, ZeroDivisionError):
        return None


async def messages(request: web.Request, filters: Filters) -> tuple[list[dict[str, Any]], bool]:
    """The rows asked (each a JSON object), and whether more were left out than ``LIMIT``."""
    setup, desk = request.app[SUPERVISION], request.app[DESK]
    since = setup.runtime.clock() - timedelta(days=filters.days)
    closed = _CLOSED.get(filters.state)  # the store's share of the filter, before its limit
    stored = await desk.store.recent_voice_messages(since, filters.service or None, LIMIT + 1,
                                                    closed)  # fmt: skip
    more, stored = len(stored) > LIMIT, stored[:LIMIT]
    lengths = await asyncio.to_thread(lambda: [duration_of(m.file) for m in stored])
    mask, services = masks_numbers(request), setup.cfg.services
    rows = []
    for message, seconds in zip(stored, lengths, strict=True):
        state, agent = state_of(message, setup.runtime.engine)
        if filters.state and state != filters.state:
            continue
        service = services.get(message.service)
        rows.append({
            "message": message.name,
            "recorded_at": message.recorded_at.isoformat(),
            "service": message.service,
            "service_name": service.name if service is not None else message.service,
            "caller": masked(message.caller) if mask else message.caller,
            "ivr_path": list(message.ivr_path),
            "duration_seconds": seconds,
            "state": state,
            "agent": agent,
            "handled_at": None if message.handled_at is None else message.handled_at.isoformat(),
            "disposition": message.disposition,
            "audio": f"/api/voice-messages/{message.name}/audio" if message.file else None,
        })  # fmt: skip
    return rows, more


async def page(request: web.Request) -> web.Response:
    setup = request.app[SUPERVISION]
    form = {name: request.query.get(name, "").strip() for name in ("days", "service", "state")}
    values: dict[str, Any] = {"form": form, "services": setup.cfg.services, "states": STATES,
                              "zone": ZoneInfo(setup.cfg.center.timezone),
                              "fromiso": datetime.fromisoformat, "most": MAX_DAYS}  # fmt: skip
    try:
        filters = filters_of(request.query, setup.cfg.services)
    except BadFilter as exc:
        t = translator(language(request, request.app[SITE].language))
        error = t(f"voice_messages.bad.{exc.key}", **exc.values)
        return render(request, "voice_messages.html", status=400, error=error, rows=[],
                      days=DAYS, **values)  # fmt: skip
    rows, more = await messages(request, filters)
    return render(request, "voice_messages.html", rows=rows, more=more, days=filters.days,
                  **values)  # fmt: skip


async def api_list(request: web.Request) -> web.Response:
    filters = filters_of(request.query, request.app[SUPERVISION].cfg.services)
    rows, more = await messages(request, filters)
    return web.json_response({"days": filters.days, "messages": rows, "more": more},
                             headers={"Cache-Control": "no-store"})  # fmt: skip


async def audio(request: web.Request) -> web.StreamResponse:
    name = request.match_info["message"]
    stored = await request.app[DESK].store.voice_message(name)
    if stored is None:
        raise ApiError(404, "no-such-message", f"no voice message {name[:60]!r}")
    return await send_recording(request, name, stored, {"service": stored.service})
