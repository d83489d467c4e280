"""Reads of personal data through the web, into the audit trail (docs/privacy.md, "The
audit trail"): whoever made the request, what it read, when.

    contact.read       a screen pop: the caller's number, IVR walk, last contacts (contact)
    report.export      a report downloaded as CSV: agents' figures among them (report kind)
    voice-message.play a voice message listened to from its start (its id): acd.web.voice_messages

Supervisors' listening is ``supervision.listen`` (``acd.web.supervision``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from acd.audit import entry
from acd.web.auth import principal_of
from acd.web.supervision import AUDIT


def record_read(
    request: web.Request, action: str, target: tuple[str, str], now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    """``action`` on ``target`` by the request's signed-in principal, to the audit trail."""
    who, trail = principal_of(request), request.app.get(AUDIT)
    if who is not None and trail is not None:
        trail.record(entry(who, action, target, now, detail))
