"""Web sessions: opened at login, found from the cookie, closed at logout or on expiry.

The browser holds a random session id; the database holds its SHA-256 only, with the
account, a CSRF token of its own and the times that make it expire: after ``idle`` without
a request, and ``lifetime`` after login whatever happens. A login always makes a new id
(an id the browser had before is never kept: no session fixation). A session of an account
disabled since is refused. Sessions live in PostgreSQL, so a restart logs nobody out.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from acd.access.accounts import Account, Role
from acd.access.policy import Principal
from acd.store.sessions import SessionOwner, SessionRow, SessionStore

_ID = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)
# A request refreshes ``last_seen`` at most this often: one write a minute per user, not
# one per request, and the idle timeout is still exact to the minute.
TOUCH_EVERY = timedelta(minutes=1)


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


class Sessions:
    def __init__(self, store: SessionStore, idle: timedelta, lifetime: timedelta) -> None:
        self._store, self.idle, self.lifetime = store, idle, lifetime

    async def open(self, account: Account, address: str, now: datetime) -> tuple[str, Principal]:
        """A new session for ``account``: its id (for the cookie) and who it is."""
        session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        row = SessionRow(digest(session_id), account.user_name, csrf, address, now, now)
        await self._store.insert(row)
        owner = SessionOwner(account.role.value, account.agent_id, account.display_name, False)
        return session_id, _principal(row, owner)

    async def find(self, session_id: str, now: datetime) -> Principal | None:
        """Who holds ``session_id``; None when it is malformed, unknown or expired."""
        if not _ID.match(session_id):
            return None
        id_hash = digest(session_id)
        found = await self._store.get(id_hash)
        if found is None:
            return None
        row, owner = found
        if owner.disabled or self._expired(row, now):
            await self._store.delete(id_hash)
            return None
        if now - row.last_seen >= TOUCH_EVERY:
            await self._store.touch(id_hash, now)
        return _principal(row, owner)

    async def close(self, session_id: str) -> None:
        if _ID.match(session_id):
            await self._store.delete(digest(session_id))

    async def close_all(self, user_name: str) -> None:
        await self._store.delete_user(user_name)

    async def purge(self, now: datetime) -> int:
        """Drop every expired session (they are refused anyway; this keeps the table small)."""
        return await self._store.delete_stale(now - self.idle, now - self.lifetime)

    def _expired(self, row: SessionRow, now: datetime) -> bool:
        return now - row.last_seen > self.idle or now - row.created_at > self.lifetime


def _principal(row: SessionRow, owner: SessionOwner) -> Principal:
    return Principal(row.user_name, Role(owner.role), owner.agent_id, csrf=row.csrf,
                     display_name=owner.display_name)  # fmt: skip
