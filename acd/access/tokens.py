"""API tokens for machine clients (a Prometheus scrape, the city's website).

A token reads ``czt_<id>_<secret>``: the id (8 characters) finds the row, the secret
(43 characters) is checked against its SHA-256. The token is shown once, when made; the
database cannot give it back. Each token has one scope (``acd.access.policy.Scope``) and
can be revoked.

Errors::

    MalformedToken  not of the form above (the web answers 401 and says so)
    UnknownToken    no such token id (revoke)
"""

from __future__ import annotations

import hmac
import re
import secrets
import string
from dataclasses import dataclass
from datetime import datetime

from acd.access.policy import Principal, Scope
from acd.access.sessions import digest
from acd.store.sessions import TokenRow, TokenStore

_FORM = re.compile(r"^czt_(?P<id>[a-z0-9]{8})_(?P<secret>[A-Za-z0-9_-]{43})$")
_ID_CHARS = string.ascii_lowercase + string.digits


class MalformedToken(ValueError):
    def __init__(self) -> None:
        super().__init__("an API token reads czt_ID_SECRET (as printed by `centralino tokens add`)")


class UnknownToken(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class TokenInfo:
    token_id: str
    name: str
    scope: Scope
    created_at: datetime
    last_used: datetime | None
    revoked_at: datetime | None


class Tokens:
    def __init__(self, store: TokenStore) -> None:
        self._store = store

    async def add(self, name: str, scope: Scope, now: datetime) -> tuple[TokenInfo, str]:
        """A new token: its description, and the token itself (to show once)."""
        token_id = "".join(secrets.choice(_ID_CHARS) for _ in range(8))
        secret = secrets.token_urlsafe(32)
        row = TokenRow(token_id, name, scope.value, digest(secret), now, None, None)
        await self._store.insert(row)
        return _info(row), f"czt_{token_id}_{secret}"

    async def principal(self, token: str, now: datetime) -> Principal | None:
        """Who presents ``token``: None when unknown, revoked or wrong."""
        form = _FORM.match(token)
        if form is None:
            raise MalformedToken()
        row = await self._store.get(form["id"])
        if row is None or row.revoked_at is not None:
            return None
        if not hmac.compare_digest(row.secret_hash, digest(form["secret"])):
            return None
        await self._store.used(row.token_id, now)
        return Principal(
            f"token {row.token_id} ({row.name})", scope=Scope(row.scope), token_id=row.token_id
        )

    async def all(self) -> list[TokenInfo]:
        return [_info(row) for row in await self._store.all()]

    async def revoke(self, token_id: str, now: datetime) -> None:
        if not await self._store.revoke(token_id, now):
            raise UnknownToken(f"no token {token_id!r} that is not already revoked")


def _info(row: TokenRow) -> TokenInfo:
    return TokenInfo(row.token_id, row.name, Scope(row.scope), row.created_at, row.last_used,
                     row.revoked_at)  # fmt: skip
