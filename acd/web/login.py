"""Signing in and out, and one's own account: the login page, ``/account``, ``/api/me``.

A login checks the throttle first (``acd.access.throttle``), then the password; a refusal
says the same whatever was wrong. A success closes any session the browser already had and
opens a new one (a new id: a planted id is never kept), sets the cookie (HttpOnly,
SameSite=Strict, Secure under TLS) and goes on to the page asked for, or the role's home.
"""

from __future__ import annotations

import logging
import math
import re

from aiohttp import web

from acd.access.accounts import Account, LoginRefused, Role
from acd.access.passwords import WeakPassword
from acd.access.policy import Principal
from acd.web.auth import ACCESS, Access, principal_of
from acd.web.errors import json_body
from acd.web.pages import SITE, render
from acd.web.texts import LANG_COOKIE, language, translator

security = logging.getLogger("acd.security")
log = logging.getLogger(__name__)
_LOCAL_PATH = re.compile(r"^/(?![/\\])[\x21-\x7e]*$")  # a path of this site, not //host
HOME = {Role.SUPERVISOR: "/", Role.AGENT: "/agent", Role.ADMIN: "/admin"}


async def login_page(request: web.Request) -> web.Response:
    return _login_form(request, status=200)


def _login_form(request: web.Request, status: int, error: str = "") -> web.Response:
    notice = ""
    if request.query.get("expired"):
        notice = "login.expired"
    elif request.query.get("out"):
        notice = "login.out"
    lang = language(request, request.app[SITE].language)
    response = render(request, "login.html", status=status, error=error, notice=notice,
                      next=_next(request.query.get("next", "")),
                      other_lang="en" if lang == "it" else "it")  # fmt: skip
    if "lang" in request.query:
        response.set_cookie(LANG_COOKIE, lang, httponly=True, samesite="Strict", path="/")
    return response


async def login(request: web.Request) -> web.StreamResponse:
    access = request.app[ACCESS]
    try:
        form = await request.post()
    except ValueError:  # a body that is no form (a multipart without its boundary)
        return _login_form(request, 400, error=_text(request, "login.refused"))
    user, password = str(form.get("user", "")).strip().lower(), str(form.get("password", ""))
    address, now = access.client_address(request), access.clock()
    wait = access.throttle.wait(user, address, now)
    if wait:
        security.warning("login throttled: %s from %s", _shown(user), address)
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        return _login_form(request, 429, error=_text(request, "login.throttled", minutes))
    try:
        account = await access.accounts.authenticate(user, password, now)
    except LoginRefused:
        access.throttle.failed(user, address, now)
        security.warning("login refused: %s from %s", _shown(user), address)
        return _login_form(request, 401, error=_text(request, "login.refused"))
    access.throttle.succeeded(user)
    return await _signed_in(request, access, account, _next(str(form.get("next", ""))))


async def _signed_in(
    request: web.Request, access: Access, account: Account, target: str
) -> web.StreamResponse:
    old = request.cookies.get(access.cookie_name)
    if old is not None:
        await access.sessions.close(old)
    address = access.client_address(request)
    session_id, _ = await access.sessions.open(account, address, access.clock())
    log.info("signed in: %s (%s) from %s", account.user_name, account.role.value, address)
    response = web.HTTPSeeOther(target or HOME[account.role])
    _set_cookie(response, access, session_id)
    await access.sessions.purge(access.clock())
    raise response


def _set_cookie(response: web.StreamResponse, access: Access, session_id: str) -> None:
    response.set_cookie(access.cookie_name, session_id, httponly=True, samesite="Strict",
                        secure=access.secure_cookies, path="/",
                        max_age=int(access.sessions.lifetime.total_seconds()))  # fmt: skip


async def logout(request: web.Request) -> web.StreamResponse:
    access = request.app[ACCESS]
    session_id = request.cookies.get(access.cookie_name)
    if session_id is not None:
        await access.sessions.close(session_id)
    who = principal_of(request)
    log.info("signed out: %s", who.name if who else "?")
    response = web.HTTPSeeOther("/login?out=1")
    response.del_cookie(access.cookie_name, path="/")
    raise response


async def account_page(request: web.Request) -> web.Response:
    _me(request)
    return render(request, "account.html")


async def change_password(request: web.Request) -> web.Response:
    """``{"current": ..., "new": ...}``: every session of the account is closed, and this
    browser gets a new one."""
    access, who = request.app[ACCESS], _me(request)
    body = await json_body(request)  # (ApiError 400 bad-json: not a JSON object)
    now = access.clock()
    try:
        account = await access.accounts.authenticate(who.name, str(body.get("current", "")), now)
        await access.accounts.set_password(who.name, str(body.get("new", "")))
    except LoginRefused:
        return web.json_response({"error": "wrong-password", "message": "the current "
                                  "password is wrong"}, status=403)  # fmt: skip
    except WeakPassword as exc:
        return web.json_response({"error": "weak-password", "message": str(exc)}, status=400)
    await access.sessions.close_all(who.name)
    session_id, fresh = await access.sessions.open(account, access.client_address(request), now)
    security.warning("password changed by %s itself; its other sessions closed", who.name)
    response = web.json_response({"changed": True, "csrf": fresh.csrf})
    _set_cookie(response, access, session_id)
    return response


def _me(request: web.Request) -> Principal:
    who = principal_of(request)
    assert who is not None, "route guarded by Rule.SIGNED_IN"
    return who


def _next(target: str) -> str:
    return target if _LOCAL_PATH.match(target) and not target.startswith("/login") else ""


def _shown(user: str) -> str:
    """A typed user name for a log line: only if it looks like one (not a pasted password)."""
    return repr(user) if re.fullmatch(r"[a-z][a-z0-9._-]{1,63}", user) else "(not a user name)"


def _text(request: web.Request, key: str, minutes: int = 0) -> str:
    return translator(language(request, request.app[SITE].language))(key, minutes=minutes)
