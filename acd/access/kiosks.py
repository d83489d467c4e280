"""District totems' device credentials: a kiosk is a device identity, not a person.

A credential reads ``czk_<id>_<secret>`` (``centralino kiosks add KIOSK`` prints it once):
the id (8 characters) finds the row, the secret (43 characters) is checked against its
SHA-256. A kiosk has one live credential: a new one revokes the old (a totem replaced, a
credential lost). The credential opens only what ``Rule.KIOSK`` guards (the kiosk page, its
SIP websocket, its queue figures); a credential of a kiosk that the configuration no longer
has opens nothing.

The totem presents it in a cookie that ``POST /kiosk/enroll`` sets (``acd.web.kiosk``); the
``Principal`` it makes has no role and no scope, only ``kiosk_id``, so every other rule
refuses it. Its CSRF token is derived from the secret: the kiosk page carries it like a
signed-in page.

Errors::

    MalformedCredential   not of the form above (the web answers 401 and says so)
    UnknownKiosk          the kiosk is not in the configuration, or has no live credential
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from acd.access.policy import Principal
from acd.access.sessions import digest
from acd.store.kiosks import KioskCredentialRow, KioskCredentialStore

_FORM = re.compile(r"^czk_(?P<id>[a-z0-9]{8})_(?P<secret>[A-Za-z0-9_-]{43})$")
_ID_CHARS = string.ascii_lowercase + string.digits


class MalformedCredential(ValueError):
    def __init__(self) -> None:
        super().__init__(
            "a kiosk credential reads czk_ID_SECRET (as printed by `centralino kiosks add`)"
        )


class UnknownKiosk(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class CredentialInfo:
    credential_id: str
    kiosk_id: str
    created_at: datetime
    last_used: datetime | None
    revoked_at: datetime | None


class KioskCredentials:
    """``known``: whether the configuration has a kiosk of that id."""

    def __init__(self, store: KioskCredentialStore, known: Callable[[str], bool]) -> None:
        self._store, self._known = store, known

    async def add(self, kiosk_id: str, now: datetime) -> tuple[CredentialInfo, str]:
        """A new credential for ``kiosk_id`` (its earlier one revoked), and the credential
        itself, to show once."""
        if not self._known(kiosk_id):
            raise UnknownKiosk(f"no kiosk {kiosk_id!r} in the configuration (kiosks.totems)")
        credential_id = "".join(secrets.choice(_ID_CHARS) for _ in range(8))
        secret = secrets.token_urlsafe(32)
        row = KioskCredentialRow(credential_id, kiosk_id, digest(secret), now, None, None)
        await self._store.replace(row)
        return _info(row), f"czk_{credential_id}_{secret}"

    async def principal(self, credential: str, now: datetime) -> Principal | None:
        """The kiosk presenting ``credential``: None when unknown, revoked, wrong, or of a
        kiosk the configuration no longer has."""
        form = _FORM.match(credential)
        if form is None:
            raise MalformedCredential()
        row = await self._store.get(form["id"])
        if row is None or row.revoked_at is not None or not self._known(row.kiosk_id):
            return None
        if not hmac.compare_digest(row.secret_hash, digest(form["secret"])):
            return None
        await self._store.used(row.credential_id, now)
        csrf = hashlib.sha256(b"kiosk-csrf:" + form["secret"].encode()).hexdigest()
        return Principal(f"kiosk {row.kiosk_id}", kiosk_id=row.kiosk_id, csrf=csrf)

    async def all(self) -> list[CredentialInfo]:
        return [_info(row) for row in await self._store.all()]

    async def revoke(self, kiosk_id: str, now: datetime) -> None:
        if not await self._store.revoke(kiosk_id, now):
            raise UnknownKiosk(f"kiosk {kiosk_id!r} has no live credential")


def _info(row: KioskCredentialRow) -> CredentialInfo:
    return CredentialInfo(row.credential_id, row.kiosk_id, row.created_at, row.last_used,
                          row.revoked_at)  # fmt: skip
