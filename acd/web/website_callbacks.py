"""Callbacks asked for on the city's website: the API under ``/api/v1`` (docs/callbacks.md,
"Dal sito del Comune"; its OpenAPI description: ``acd.web.openapi``).

    POST   /api/v1/callbacks                    a callback for a citizen: 201 made, 200 the
                                                one already pending for the number and
                                                service (header Idempotency-Key required)
    GET    /api/v1/callbacks/{callback}         its state now (one this token asked for)
    DELETE /api/v1/callbacks/{callback}         cancelled while pending (one this token
                                                made): 204
    GET    /api/v1/services/{service}/slots     the service's next opening slots
    GET    /api/v1/openapi.json                 the description (public)

An API token with the ``callbacks`` scope (``centralino tokens add sito --scope callbacks``)
is the website; it reads and cancels only what it asked for: another token's callback is
404, as if there were none. What the request says and which limit it meets are decided in
``acd.web.website_request`` (pure); here they are applied in order, inside one booking of
the receipts (``acd.store.website_requests``) written last, with one request at a time
(``WebsiteCallbacks.lock``: the engine is one process, and the website's requests are few),
so a limit cannot be passed by two requests at once and a refusal leaves nothing:

1. the Idempotency-Key (400), the body as JSON (400);
2. a receipt for the token and key: the same body gets the same answer again (header
   ``Idempotent-Replayed: true``), another body 422;
3. the fields (400, ``fields`` naming each bad one);
4. the token's requests of the last 24 hours (429);
5. a callback pending for the number and service: that one, 200;
6. the callbacks made for the number in the last 24 hours (429);
7. the engine schedules it (``CallbackScheduled``, origin ``web``): 201; or it says a
   callback is pending after all (200), the time is refused (400 on ``slot``);
8. the receipt is written, the transaction commits. A failure there after the engine took
   the callback: 503, and the client's retry (same key) is answered with that callback (5).

The number is never logged; the audit log records ``callback.request`` (made) and
``callback.cancel`` with the token's name, the callback and its service.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from aiohttp import web

from acd.config.model import CenterConfig
from acd.core import callbacks as cb
from acd.core import events as e
from acd.core.callback import CallbackOrigin, CallbackOutcome, CallbackRecord
from acd.privacy.numbers import Pseudonyms
from acd.runtime import Runtime
from acd.store.callbacks import CallbackStore
from acd.store.errors import StoreError
from acd.store.website_requests import Book, Receipt, WebsiteRequests
from acd.telephony.errors import OutboundNotAllowed
from acd.telephony.outbound import OutboundPolicy
from acd.web import openapi
from acd.web import website_request as wr
from acd.web.auth import principal_of
from acd.web.errors import ApiError, json_body
from acd.web.supervision import record
from ivr.calendar import next_slots

T = TypeVar("T")
WRITTEN_WITHIN = 2.0  # seconds
SLOTS = 6  # the openings a slots request lists
ID_PREFIX = "web-"


@dataclass
class WebsiteCallbacks:
    """What the website's routes need, built by the composition root."""

    cfg: CenterConfig
    runtime: Runtime
    requests: WebsiteRequests
    callbacks: CallbackStore
    pseudonyms: Pseudonyms
    outbound: OutboundPolicy
    # Returns once the store has what the engine submitted so far (the store writer's
    # flush): a callback the engine has just ended is read from the store, as it ended.
    written: Callable[[], Awaitable[None]] | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def stored(self, call_id: str) -> CallbackRecord | None:
        """The callback as the store has it, once the writes already submitted are in
        (waiting ``WRITTEN_WITHIN`` at most: a database away has the last it wrote)."""
        if self.written is not None:
            with contextlib.suppress(TimeoutError, StoreError):
                await asyncio.wait_for(self.written(), WRITTEN_WITHIN)
        return await self.callbacks.one(call_id)

    def center(self) -> wr.Center:
        """The services that take callbacks, as the engine holds them (its hours)."""
        engine, services = self.runtime.engine, {}
        for name in self.cfg.services:
            found = engine.callback_service(name)
            if found is not None:
                rules, hours = found
                services[name] = wr.CallbackDesk(self._allowed(rules.trunk), hours)
        center = self.cfg.center
        return wr.Center(services, tuple(center.languages), center.language, self.zone)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.cfg.center.timezone)

    def _allowed(self, trunk: str) -> wr.Allowed:
        def allowed(number: str) -> bool:
            try:
                self.outbound.check(trunk, number)
            except OutboundNotAllowed:
                return False
            return True

        return allowed


WEBSITE = web.AppKey("website_callbacks", WebsiteCallbacks)


def _setup(request: web.Request) -> WebsiteCallbacks:
    setup = request.app.get(WEBSITE)
    if setup is None:
        raise ApiError(503, "not-available", "the website's callbacks are not set up here")
    return setup


def _token(request: web.Request) -> str:
    who = principal_of(request)
    assert who is not None, "route guarded by Rule.CALLBACKS"
    assert who.token_id is not None, "only a token has the callbacks scope"
    return who.token_id


async def create(request: web.Request) -> web.Response:
    setup, token = _setup(request), _token(request)
    key = _checked(lambda: wr.idempotency_key(request.headers.get(wr.KEY_HEADER)))
    body = await json_body(request)
    digest = setup.pseudonyms.digest(wr.canonical(body))
    async with setup.lock, setup.requests.booking() as book:
        earlier = await book.receipt(token, key)
        if earlier is not None:
            return _replayed(earlier, digest)
        now = setup.runtime.clock()
        ask = _checked(lambda: wr.read_request(body, setup.center(), now))
        pseudonym = setup.pseudonyms.of(ask.number)
        status, call_id = await _made_or_pending(setup, book, token, ask, pseudonym, now)
        answer = _current_live(setup, call_id)
        await book.keep(Receipt(token, key, call_id, status == 201, pseudonym, digest, status,
                                answer, now))  # fmt: skip
    if status == 201:
        record(request, "callback.request", ("call", call_id), {"service": ask.service})
    return web.json_response(answer, status=status)


async def _made_or_pending(
    setup: WebsiteCallbacks, book: Book, token: str, ask: wr.Ask, pseudonym: str, now: datetime
) -> tuple[int, str]:
    """(201, the callback made) or (200, the one pending), the limits checked on the way."""
    limits = setup.cfg.web_callbacks
    mine = await book.token_requests(token, now - wr.WINDOW)
    _limit(
        mine.n,
        mine.oldest,
        limits.per_token_per_day,
        now,
        f"this token made its {limits.per_token_per_day} requests of the last 24 hours",
    )
    twin = wr.pending_twin(setup.runtime.engine.view(), ask.number, ask.service)
    if twin is not None:
        return 200, twin
    made = await book.callbacks_made_for(pseudonym, now - wr.WINDOW)
    _limit(made.n, made.oldest, limits.per_number_per_day, now,
           f"{limits.per_number_per_day} callbacks were made for this number in the last "
           "24 hours")  # fmt: skip
    call_id = ID_PREFIX + secrets.token_hex(8)
    event = e.CallbackScheduled(call_id, ask.service, ask.number, ask.at, CallbackOrigin.WEB,
                                ask.language, ask.note)  # fmt: skip
    try:
        await setup.runtime.request(event)
    except cb.AlreadyPending as pending:  # (made meanwhile, by a caller in the IVR)
        return 200, pending.call_id
    except cb.BadTime as exc:
        raise _invalid({"slot": str(exc)}) from None
    except cb.NoCallbackHere as exc:
        raise _invalid({"service": str(exc)}) from None
    return 201, call_id


def _limit(count: int, oldest: datetime | None, limit: int, now: datetime, why: str) -> None:
    wait = wr.over_limit(count, oldest, limit, now)
    if wait is not None:
        refused = wr.LimitReached(why, wait)
        raise ApiError(429, "limit-reached", f"{refused}; try again later",
                       {"retry_after": refused.retry_seconds},
                       {"Retry-After": str(refused.retry_seconds)})  # fmt: skip


def _replayed(earlier: Receipt, digest: str) -> web.Response:
    if earlier.body_digest != digest:
        raise ApiError(422, "idempotency-key-reused", "this Idempotency-Key was used for "
                       "another request: use a new key for a new request")  # fmt: skip
    return web.json_response(earlier.answer, status=earlier.status,
                             headers={"Idempotent-Replayed": "true"})  # fmt: skip


def _checked(read: Callable[[], T]) -> T:
    try:
        return read()
    except wr.InvalidRequest as exc:
        raise _invalid(exc.fields) from None


def _invalid(fields: dict[str, str]) -> ApiError:
    message = "; ".join(f"{name}: {why}" for name, why in fields.items())
    return ApiError(400, "invalid-request", message, {"fields": fields})


def _current_live(setup: WebsiteCallbacks, call_id: str) -> dict[str, Any]:
    call = setup.runtime.engine.call_view(call_id)
    seen = wr.Seen.of_call(call) if call is not None else None
    if seen is None:  # (over already: a refused number, say)
        raise ApiError(503, "not-yet-known", "the callback is not known yet: try again")
    return seen.answer(setup.zone)


async def show(request: web.Request) -> web.Response:
    setup, call_id = _setup(request), request.match_info["callback"]
    await _theirs(setup, _token(request), call_id)
    return web.json_response(await _current(setup, call_id))


async def _theirs(setup: WebsiteCallbacks, token: str, call_id: str) -> list[Receipt]:
    receipts = await setup.requests.receipts_of(token, call_id)
    if not receipts:
        raise ApiError(404, "unknown-callback", f"no callback {call_id[:40]!r} was asked for "
                       "with this token")  # fmt: skip
    return receipts


async def _current(setup: WebsiteCallbacks, call_id: str) -> dict[str, Any]:
    """The callback now: from the engine while it holds it, else as last stored."""
    call = setup.runtime.engine.call_view(call_id)
    seen = wr.Seen.of_call(call) if call is not None else None
    if seen is None:
        stored = await setup.stored(call_id)
        if stored is None:
            raise ApiError(503, "not-yet-known", "the callback is not known yet: try again")
        seen = wr.Seen(call_id, stored.service, stored.state, stored.attempts,
                       stored.scheduled_for or stored.requested_at, None,
                       stored.outcome)  # fmt: skip
    return seen.answer(setup.zone)


async def cancel(request: web.Request) -> web.Response:
    setup, call_id = _setup(request), request.match_info["callback"]
    receipts = await _theirs(setup, _token(request), call_id)
    if not any(r.created for r in receipts):
        raise ApiError(403, "not-created-here", "this callback was not made by this token's "
                       "requests: only the contact center cancels it")  # fmt: skip
    try:
        await setup.runtime.request(e.CallbackCancelled(call_id, None))
    except cb.NotACallback:
        stored = await setup.stored(call_id)
        if stored is not None and stored.outcome is CallbackOutcome.CANCELLED:
            return web.Response(status=204)  # cancelled already: the same end
        outcome = stored.outcome.value if stored and stored.outcome else "over"
        raise ApiError(409, "not-pending", f"the callback is over ({outcome})") from None
    record(request, "callback.cancel", ("call", call_id), {"by": "website"})
    return web.Response(status=204)


async def slots(request: web.Request) -> web.Response:
    """The service's next opening slots, for the website to offer (any time inside one is
    a slot too)."""
    setup, service = _setup(request), request.match_info["service"]
    desk = setup.center().services.get(service)
    if desk is None:
        raise ApiError(404, "unknown-service", f"no service {service[:40]!r} takes callbacks")
    now, zone = setup.runtime.clock(), setup.zone
    hours = desk.hours
    ahead = next_slots(hours, now, SLOTS) if hours is not None else []
    return web.json_response({
        "service": service,
        "open_now": hours is None or hours.is_open(now),
        "slots": [{"start": wr.local(s.start, zone), "end": wr.local(s.end, zone),
                   "part_of_day": s.part_of_day(zone)} for s in ahead],
    })  # fmt: skip


async def description(request: web.Request) -> web.Response:
    return web.json_response(openapi.DOCUMENT)
