"""The district totems' web: enrolment, the kiosk page, its SIP websocket, settings, feed.

A totem is a device, not a person (``acd.access.kiosks``): it proves itself with its device
credential, kept in an HttpOnly cookie that enrolment sets, and reaches only what
``Rule.KIOSK`` guards:

- ``GET /kiosk/enroll`` (public): the enrolment page; with ``?refused=1`` (the guard sends a
  totem there when its credential is unknown or revoked) it says so, in large type;
- ``POST /kiosk/enroll`` (public, ``{"token": "czk_..."}``): a valid credential goes into
  the cookie (HttpOnly, SameSite=Strict, ``__Host-`` and Secure under TLS); a malformed one
  is 400, an unknown or revoked one 401, and no cookie is set;
- ``GET /kiosk``: the page (``kiosk.html``, ``static/kiosk.js``);
- ``GET /api/kiosk/settings`` (``no-store``): its SIP account, its place, its services
  with their opening hours and whether they are open now;
- ``GET /kiosk/sip``: its SIP websocket, ``acd.web.softphone``'s relay with the kiosk's
  own account; closed when its credential stops working;
- ``GET /ws/kiosk``: its call's place in line and estimated wait, live
  (``acd.web.push``), whether the call has turned voice, whether the center is in service.

Logged: enrolments and refusals (the kiosk, the address), never a credential.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from acd.access.kiosks import MalformedCredential
from acd.config.kiosk_model import KIOSK_ORIGIN, Kiosk, Kiosks
from acd.core.view import CallStage, CallView, CenterView
from acd.store.errors import StoreError
from acd.web.auth import ACCESS, kiosk_principal, principal_of
from acd.web.errors import ApiError, json_body
from acd.web.pages import render
from acd.web.push import HEARTBEAT, LivePush
from acd.web.softphone import SOFTPHONES, SipAccount, serve_sip
from acd.web.texts import LANGUAGES, TEXTS

log = logging.getLogger(__name__)
security = logging.getLogger("acd.security")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CREDENTIAL_DAYS = 400  # the cookie outlives any sensible credential; revocation ends it


@dataclass(frozen=True)
class KioskSetup:
    """What the kiosk routes need, given by the composition root."""

    kiosks: Kiosks
    services: Mapping[str, str]  # service id -> its name
    hours: Mapping[str, Mapping[str, tuple[str, ...]]]  # service id -> day -> "08:30-13:00"
    open_now: Callable[[str], bool]  # the IVR's reading of the opening hours, holidays too
    accounts: Mapping[str, SipAccount]  # by kiosk id: its endpoint kiosk-ID and password
    idle_seconds: float = 60  # untouched this long (no call), the page starts over


KIOSKS = web.AppKey("kiosks", KioskSetup)


def _kiosk(request: web.Request) -> Kiosk:
    """The totem making the request (the guard admitted it by ``Rule.KIOSK``)."""
    who = principal_of(request)
    assert who is not None, "route guarded by Rule.KIOSK"
    assert who.kiosk_id is not None, "Rule.KIOSK admits only a kiosk"
    kiosk = request.app[KIOSKS].kiosks.kiosk(who.kiosk_id)
    if kiosk is None:  # (the credential check refuses a kiosk the configuration lost)
        raise ApiError(404, "unknown-kiosk", f"no kiosk {who.kiosk_id!r} in the configuration")
    return kiosk


# -- enrolment -------------------------------------------------------------------------------


async def enroll_page(request: web.Request) -> web.Response:
    return render(request, "kiosk_enroll.html", refused=request.query.get("refused") == "1")


async def enroll(request: web.Request) -> web.Response:
    """``{"token": "czk_..."}``: this browser becomes the totem the credential names."""
    access = request.app[ACCESS]
    token = (await json_body(request)).get("token")
    if not isinstance(token, str) or access.kiosks is None:
        raise ApiError(400, "bad-token", '"token" is the credential `centralino kiosks add` '
                       "printed (czk_...)")  # fmt: skip
    try:
        who = await access.kiosks.principal(token.strip(), access.clock())
    except MalformedCredential as exc:
        raise ApiError(400, "malformed-credential", str(exc)) from None
    address = access.client_address(request)
    if who is None or who.kiosk_id is None:
        security.warning("kiosk enrolment refused from %s: unknown or revoked credential",
                         address)  # fmt: skip
        raise ApiError(401, "unknown-kiosk-credential", "this credential is unknown or "
                       "revoked: make a new one with `centralino kiosks add KIOSK`")  # fmt: skip
    log.info("kiosk %s enrolled from %s", who.kiosk_id, address)
    kiosk = request.app[KIOSKS].kiosks.kiosk(who.kiosk_id)
    answer = web.json_response({"kiosk": who.kiosk_id, "place": kiosk.place if kiosk else ""})
    answer.set_cookie(access.kiosk_cookie_name, token.strip(), path="/", httponly=True,
                      samesite="Strict", secure=access.secure_cookies,
                      max_age=CREDENTIAL_DAYS * 86400)  # fmt: skip
    return answer


# -- the page and its settings ---------------------------------------------------------------


async def page(request: web.Request) -> web.Response:
    kiosk = _kiosk(request)
    texts = {lang: {k: pair[i] for k, pair in TEXTS.items() if k.startswith("kiosk.")}
             for i, lang in enumerate(LANGUAGES)}  # fmt: skip
    return render(request, "kiosk.html", kiosk=kiosk, kiosk_texts=texts)


def service_entry(setup: KioskSetup, service: str) -> dict[str, Any]:
    """A service as the kiosk offers it: its name, whether open now, its weekly hours."""
    hours = setup.hours.get(service, {})
    return {
        "id": service,
        "name": setup.services.get(service, service),
        "open": setup.open_now(service),
        "hours": [{"day": day, "times": list(hours[day])} for day in DAYS if day in hours],
    }


async def settings(request: web.Request) -> web.Response:
    kiosk, setup = _kiosk(request), request.app[KIOSKS]
    account = setup.accounts.get(kiosk.id)
    if account is None:
        raise ApiError(503, "no-kiosk-phone", f"kiosk {kiosk.id!r} has no SIP account yet: "
                       "restart the engine after adding it")  # fmt: skip
    secure = request.secure or request.app[ACCESS].secure_cookies
    body = {
        "kiosk": kiosk.id,
        "place": kiosk.place,
        "user": account.user,
        "uri": f"sip:{account.user}@{request.url.host or 'localhost'}",
        "password": account.password,
        "display_name": account.display_name,
        "websocket": f"{'wss' if secure else 'ws'}://{request.host}/kiosk/sip",
        "services": [service_entry(setup, s) for s in kiosk.services],
        "idle_seconds": setup.idle_seconds,
        "voice_after_seconds": setup.kiosks.voice_after_seconds,
    }
    return web.json_response(body, headers={"Cache-Control": "no-store"})


# -- the SIP websocket -----------------------------------------------------------------------


async def sip_socket(request: web.Request) -> web.StreamResponse:
    kiosk, setup = _kiosk(request), request.app[KIOSKS]
    account = setup.accounts.get(kiosk.id)
    if account is None:
        raise ApiError(503, "no-kiosk-phone", f"kiosk {kiosk.id!r} has no SIP account yet")
    return await serve_sip(request, account, credential_ended)


async def credential_ended(request: web.Request) -> tuple[str, bool]:
    """The totem's credential, checked now and then while its sockets are open: revoked
    (or the kiosk gone from the configuration) ends them, as a refusal."""
    access, every = request.app[ACCESS], request.app[SOFTPHONES].session_check_seconds
    while True:
        await asyncio.sleep(every)
        try:
            if await kiosk_principal(request, access) is None:
                return "the kiosk's credential was revoked", True
        except StoreError as exc:  # the database away for a moment: the call goes on
            log.warning("kiosk: credential not checked (%s)", exc)


# -- the live feed ---------------------------------------------------------------------------


def kiosk_call(view: CenterView, kiosk_id: str) -> CallView | None:
    """The kiosk's call while it is in a queue (waiting, or an agent's phone ringing)."""
    caller = f"{KIOSK_ORIGIN}{kiosk_id}"
    return next((c for q in view.queues for c in q.calls if c.caller_number == caller), None)


class KioskFeed:
    """What one kiosk's screen shows live: in service or not, its call's place and wait
    while queued, whether it turned voice, and ``talking`` once an agent has it. A bridged
    call leaves its queue, so the feed remembers the call it saw there and then finds it
    with its agent (one feed per socket: ``LivePush`` makes each feed's JSON once)."""

    def __init__(self, kiosk_id: str, video_skill: str) -> None:
        self.kiosk_id, self.video_skill = kiosk_id, video_skill
        self.seen: dict[str, Any] | None = None  # the call as last seen in its queue

    def __call__(self, view: CenterView, now: object = None) -> dict[str, Any]:
        call = kiosk_call(view, self.kiosk_id)
        feed: dict[str, Any] = {"in_service": view.telephony_up, "call": None}
        if call is not None:
            self.seen = feed["call"] = self._queued(call)
        elif self.seen is not None and any(a.call_id == self.seen["id"] for a in view.agents):
            feed["call"] = {**self.seen, "stage": "talking", "position": None,
                            "estimated_wait": None, "ringing": False}  # fmt: skip
        else:
            self.seen = None
        if feed["call"] is not None:
            feed["call"] = {k: v for k, v in feed["call"].items() if k != "id"}
        return feed

    def _queued(self, call: CallView) -> dict[str, Any]:
        wait = call.estimated_wait
        return {
            "id": call.call_id,  # (kept here, never sent: the kiosk needs no call id)
            "stage": call.stage.value,
            "service": call.service,
            "position": call.position,
            "estimated_wait": None if wait is None else round(wait),
            "ringing": call.stage is not CallStage.WAITING,
            "voice": not _needs(call.requirement, self.video_skill),
        }


def _needs(requirement: str, skill: str) -> bool:
    """Whether a call's extra requirement still names ``skill`` (its video, for a kiosk)."""
    return re.search(rf"(?<![\w.-]){re.escape(skill)}(?![\w.-])", requirement) is not None


async def feed_socket(request: web.Request, push: LivePush) -> web.WebSocketResponse:
    """``/ws/kiosk``: the feed after every change, until closed or the credential ends."""
    kiosk, video = _kiosk(request), request.app[KIOSKS].kiosks.video_skill
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT)
    await ws.prepare(request)
    push.attach(ws, KioskFeed(kiosk.id, video))
    watch = asyncio.create_task(_close_when_refused(request, ws))
    try:
        async for msg in ws:
            if msg.type == WSMsgType.ERROR:
                break
    finally:
        push.detach(ws)
        watch.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watch
    return ws


async def _close_when_refused(request: web.Request, ws: web.WebSocketResponse) -> None:
    why, _ = await credential_ended(request)
    await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=why.encode())
