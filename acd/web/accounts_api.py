"""The administrator's accounts API: list, add, disable, enable, set a password.

Disabling an account or setting its password closes all its sessions at once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiohttp import web

from acd.access.accounts import Account, AccountError, AccountExists, Role, UnknownAccount
from acd.access.passwords import WeakPassword
from acd.web.auth import ACCESS, principal_of
from acd.web.errors import ApiError, json_body

security = logging.getLogger("acd.security")


async def list_accounts(request: web.Request) -> web.Response:
    accounts = await request.app[ACCESS].accounts.all()
    return web.json_response({"accounts": [_shown(a) for a in accounts]})


async def add_account(request: web.Request) -> web.Response:
    access, body = request.app[ACCESS], await json_body(request)
    try:
        role = Role(str(body.get("role", "")))
    except ValueError:
        raise ApiError(400, "bad-account", f"role is one of {', '.join(Role)}") from None
    agent = body.get("agent")
    with _account_errors():
        account = await access.accounts.add(
            str(body.get("user", "")), str(body.get("name", "")), role,
            str(body.get("password", "")), access.clock(), str(agent) if agent else None,
        )  # fmt: skip
    _audit(request, f"added account {account.user_name} ({role.value})")
    return web.json_response(_shown(account), status=201)


async def account_action(request: web.Request) -> web.Response:
    access, user = request.app[ACCESS], request.match_info["user"]
    action = request.match_info["action"]
    body = await json_body(request)
    with _account_errors():
        if action in ("disable", "enable"):
            await access.accounts.set_disabled(user, action == "disable")
        elif action == "password":
            await access.accounts.set_password(user, str(body.get("password", "")))
        else:
            raise ApiError(404, "unknown-action", f"unknown action {action!r}")
    if action != "enable":
        await access.sessions.close_all(user)
    _audit(request, f"{action} account {user}")
    return web.json_response({"user": user, "done": action})


@contextmanager
def _account_errors() -> Iterator[None]:
    try:
        yield
    except UnknownAccount as exc:
        raise ApiError(404, "unknown-account", str(exc)) from exc
    except AccountExists as exc:
        raise ApiError(409, "account-exists", str(exc)) from exc
    except WeakPassword as exc:
        raise ApiError(400, "weak-password", str(exc)) from exc
    except AccountError as exc:
        raise ApiError(400, "bad-account", str(exc)) from exc


def _audit(request: web.Request, what: str) -> None:
    who = principal_of(request)
    security.warning("admin %s: %s", who.name if who else "?", what)


def _shown(account: Account) -> dict[str, Any]:
    return {
        "user": account.user_name, "name": account.display_name, "role": account.role.value,
        "agent": account.agent_id, "disabled": account.disabled,
        "last_login": account.last_login.isoformat() if account.last_login else None,
    }  # fmt: skip
