"""The web's door: who is asking, may they, and is the request really theirs.

One middleware (``guard``) runs before every handler:

1. the Host header must name this center (an address, ``localhost`` or a configured name):
   a DNS-rebinding page cannot reach it under its own name;
2. the principal is found: an API token (``Authorization: Bearer``), the session cookie, or
   a district totem's device credential (its own HttpOnly cookie, ``acd.web.kiosk``);
3. the route's rule (``acd.access.policy``) is applied: nobody → 401 (a page: the login
   page; the kiosk's page: its enrolment page), somebody not allowed → 403;
4. a state-changing request (POST) and a websocket upgrade must come from the web's own
   origin (the ``Origin`` header, when the browser sends one) and, from a browser session,
   carry its CSRF token (``X-CSRF-Token`` or the form field ``csrf``); a JSON route wants
   ``Content-Type: application/json``.

Refusals are logged on the ``acd.security`` logger at WARNING (address and user name, never
a password, token or session id).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlsplit

from aiohttp import web
from aiohttp.web_urldispatcher import StaticResource

from acd.access.accounts import Accounts
from acd.access.kiosks import KioskCredentials, MalformedCredential
from acd.access.policy import Principal, Rule, allows
from acd.access.sessions import Sessions
from acd.access.throttle import LoginThrottle
from acd.access.tokens import MalformedToken, Tokens
from acd.config.network_model import WebNetwork

security = logging.getLogger("acd.security")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class Guard:
    rule: Rule
    json: bool = False  # a JSON API route: errors in JSON, POST bodies application/json
    page: bool = False  # an HTML page: nobody is sent to the login page


@dataclass
class Access:
    """Everything the door needs, built by the composition root."""

    accounts: Accounts
    sessions: Sessions
    tokens: Tokens
    throttle: LoginThrottle
    network: WebNetwork
    clock: Callable[[], datetime]
    tls: bool  # served over TLS here (not only behind a proxy)
    kiosks: KioskCredentials | None = None  # the totems' device credentials (none: no kiosk)

    @property
    def secure_cookies(self) -> bool:
        return self.tls or self.network.behind_tls_proxy

    @property
    def cookie_name(self) -> str:
        # The __Host- prefix makes the browser refuse the cookie unless Secure, Path=/ and
        # without Domain: no sibling host can plant or read it.
        return "__Host-centralino" if self.secure_cookies else "centralino"

    @property
    def kiosk_cookie_name(self) -> str:
        """The cookie holding a totem's device credential (``POST /kiosk/enroll``)."""
        return "__Host-centralino-kiosk" if self.secure_cookies else "centralino-kiosk"

    def client_address(self, request: web.Request) -> str:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if self.network.behind_tls_proxy and forwarded:
            return forwarded.rsplit(",", 1)[-1].strip()  # the hop the proxy itself saw
        return request.remote or "unknown"


ACCESS = web.AppKey("access", Access)
GUARDS: web.AppKey[dict[tuple[str, str], Guard]] = web.AppKey("guards")
PRINCIPAL = web.RequestKey("principal", Principal)


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


def add_route(app: web.Application, method: str, path: str, handler: Handler, guard: Guard) -> None:
    app.router.add_route(method, path, handler)
    app[GUARDS][(method, path)] = guard


def add_static(app: web.Application, prefix: str, folder: object) -> None:
    app.router.add_static(prefix, folder)  # type: ignore[arg-type]
    for method in ("GET", "HEAD"):
        app[GUARDS][(method, prefix)] = Guard(Rule.PUBLIC)


def guard_of(request: web.Request) -> Guard | None:
    route = request.match_info.route
    resource = route.resource
    if resource is None:  # no route matched: aiohttp answers 404/405 itself
        return Guard(Rule.PUBLIC)
    key = "/static" if isinstance(resource, StaticResource) else resource.canonical
    return request.app[GUARDS].get((route.method, key))


def principal_of(request: web.Request) -> Principal | None:
    return request.get(PRINCIPAL)


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    access = request.app[ACCESS]
    rule = guard_of(request)
    if rule is None:  # a route without a rule is a mistake: refuse rather than expose
        return _refusal(request, Refused(403, "forbidden", "no access rule for this route"))
    try:
        _check_host(request, access.network)
        # Public routes (login page, static files, health) need nobody: no lookup.
        who = None if rule.rule is Rule.PUBLIC else await _principal(request, access)
        if who is not None:
            request[PRINCIPAL] = who
        if not allows(rule.rule, who, request.match_info.get("agent")):
            return _denied(request, rule, who, access)
        if request.method in UNSAFE or _is_upgrade(request):
            _check_origin(request, access)
        if request.method in UNSAFE:
            await _check_csrf(request, who)
            _check_json(request, rule)
    except Refused as refused:
        security.warning("refused %s %s from %s: %s", request.method, request.path,
                         access.client_address(request), refused)  # fmt: skip
        return _refusal(request, refused)
    return await handler(request)


def _check_host(request: web.Request, network: WebNetwork) -> None:
    host = (urlsplit(f"//{request.host}").hostname or "").lower()
    if host == "localhost" or host in {n.lower() for n in network.names}:
        return
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise Refused(421, "unknown-host", f"this server is not {host!r}") from None


async def _principal(request: web.Request, access: Access) -> Principal | None:
    now = access.clock()
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            raise Refused(401, "bad-authorization", "use 'Authorization: Bearer TOKEN'")
        try:
            found = await access.tokens.principal(token.strip(), now)
        except MalformedToken as exc:
            raise Refused(401, "malformed-token", str(exc)) from None
        if found is None:
            raise Refused(401, "bad-token", "unknown or revoked API token")
        return found
    session_id = request.cookies.get(access.cookie_name)
    found = None if session_id is None else await access.sessions.find(session_id, now)
    return found if found is not None else await kiosk_principal(request, access)


async def kiosk_principal(request: web.Request, access: Access) -> Principal | None:
    """The totem whose device credential the request's kiosk cookie holds: None without
    one, or when it is malformed, unknown or revoked."""
    credential = request.cookies.get(access.kiosk_cookie_name)
    if credential is None or access.kiosks is None:
        return None
    try:
        return await access.kiosks.principal(credential, access.clock())
    except MalformedCredential:
        return None


def _denied(
    request: web.Request, guard: Guard, who: Principal | None, access: Access
) -> web.StreamResponse:
    if who is None and guard.rule is Rule.KIOSK:
        return _kiosk_denied(request, guard, access)
    if who is None:
        if guard.page and request.method == "GET":
            expired = "&expired=1" if access.cookie_name in request.cookies else ""
            target = quote(request.path_qs, safe="")
            raise web.HTTPSeeOther(f"/login?next={target}{expired}")
        return _refusal(request, Refused(401, "not-signed-in", "sign in first (POST /login)"))
    security.warning("forbidden %s %s to %s from %s", request.method, request.path, who.name,
                     access.client_address(request))  # fmt: skip
    return _refusal(request, Refused(403, "forbidden", "your role may not do this"))


def _kiosk_denied(request: web.Request, guard: Guard, access: Access) -> web.StreamResponse:
    """No totem: its page goes to the enrolment page, which says whether a credential was
    refused (revoked, unknown); anything else is 401."""
    presented = access.kiosk_cookie_name in request.cookies
    if presented:
        security.warning("refused kiosk credential on %s %s from %s", request.method,
                         request.path, access.client_address(request))  # fmt: skip
    if guard.page and request.method == "GET":
        raise web.HTTPSeeOther("/kiosk/enroll?refused=1" if presented else "/kiosk/enroll")
    why = "this totem's credential is unknown or revoked" if presented else "no totem credential"
    return _refusal(request, Refused(401, "not-signed-in", f"{why} (POST /kiosk/enroll)"))


def _is_upgrade(request: web.Request) -> bool:
    return request.headers.get("Upgrade", "").lower() == "websocket"


def _check_origin(request: web.Request, access: Access) -> None:
    origin = request.headers.get("Origin")
    if origin is None:
        if _is_upgrade(request):  # every browser sends it on a websocket
            raise Refused(403, "bad-origin", "a websocket needs an Origin header")
        return  # a program (curl, a token's client): the CSRF token still guards sessions
    if origin in access.network.allowed_origins:
        return
    if urlsplit(origin).netloc.lower() != request.host.lower():
        raise Refused(403, "bad-origin", f"requests from {origin!r} are not accepted")


async def _check_csrf(request: web.Request, who: Principal | None) -> None:
    if who is None or who.csrf is None:  # a token (not a browser), or the login itself
        return
    sent = request.headers.get("X-CSRF-Token")
    if sent is None and request.content_type in _FORMS:
        try:
            sent = str((await request.post()).get("csrf", ""))
        except ValueError:  # a body that is no form (a multipart without its boundary)
            sent = ""
    if not sent or not hmac.compare_digest(sent, who.csrf):
        raise Refused(403, "bad-csrf", "missing or wrong CSRF token: reload the page")


_FORMS = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def _check_json(request: web.Request, guard: Guard) -> None:
    if guard.json and request.content_type != "application/json":
        raise Refused(415, "not-json", "send the request body as application/json")


def _refusal(request: web.Request, refused: Refused) -> web.Response:
    body = {"error": refused.code, "message": str(refused)}
    if request.path.startswith("/api/") or "json" in request.headers.get("Accept", ""):
        return web.json_response(body, status=refused.status)
    return web.Response(status=refused.status, text=f"{refused.code}: {refused}\n")
