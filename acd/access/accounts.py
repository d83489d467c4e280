"""Accounts and roles, the use cases: add, change a password, disable, list, authenticate.

Roles: ``agent`` (drives one agent of the configuration, its own only), ``supervisor``
(reads everything, may change any agent's state), ``admin`` (manages accounts). A password
is checked against the policy (``acd.access.passwords``) and only its argon2id hash is kept;
a login with parameters older than the current ones stores a new hash.

Errors::

    AccountError
      BadAccount        a user name, role or agent that cannot be (the message says why)
      AccountExists     the user name, or the agent, already has an account
      UnknownAccount    no such user name
      LoginRefused      wrong password or disabled account (one answer for both, on purpose:
                        the web must not tell which user names exist)
    WeakPassword        (acd.access.passwords)
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from acd.access.passwords import check_policy, hash_password, needs_rehash, verify
from acd.store.accounts import AccountRow, AccountStore

USER_NAME = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class AccountError(Exception):
    pass


class BadAccount(AccountError):
    pass


class AccountExists(AccountError):
    pass


class UnknownAccount(AccountError):
    def __init__(self, user_name: str) -> None:
        super().__init__(f"no account {user_name!r}")


class LoginRefused(AccountError):
    def __init__(self) -> None:
        super().__init__("wrong user name or password, or the account is disabled")


@dataclass(frozen=True, slots=True)
class Account:
    """An account as the rest of the engine sees it: never its hash."""

    user_name: str
    display_name: str
    role: Role
    agent_id: str | None
    disabled: bool
    created_at: datetime
    last_login: datetime | None


class Accounts:
    def __init__(self, store: AccountStore, agent_ids: Collection[str]) -> None:
        """``agent_ids``: the configuration's agents, which agent accounts may drive."""
        self._store, self._agents = store, frozenset(agent_ids)

    async def add(
        self,
        user_name: str,
        display_name: str,
        role: Role,
        password: str,
        now: datetime,
        agent_id: str | None = None,
    ) -> Account:
        self._check(user_name, role, agent_id)
        check_policy(password, user_name)
        hashed = await asyncio.to_thread(hash_password, password)
        row = AccountRow(user_name, display_name.strip() or user_name, role.value, agent_id,
                         hashed, False, now, None)  # fmt: skip
        if not await self._store.insert(row):
            taken = f"agent {agent_id!r}" if agent_id else f"user name {user_name!r}"
            raise AccountExists(f"{taken} already has an account")
        return _account(row)

    async def set_password(self, user_name: str, password: str) -> None:
        check_policy(password, user_name)
        hashed = await asyncio.to_thread(hash_password, password)
        if not await self._store.set_password_hash(user_name, hashed):  # sessions closed too
            raise UnknownAccount(user_name)

    async def set_disabled(self, user_name: str, disabled: bool) -> None:
        if not await self._store.update(user_name, disabled=disabled):
            raise UnknownAccount(user_name)

    async def all(self) -> list[Account]:
        return [_account(row) for row in await self._store.all()]

    async def authenticate(self, user_name: str, password: str, now: datetime) -> Account:
        """The account, if ``password`` is its own and it is enabled; else ``LoginRefused``."""
        row = await self._store.get(user_name)
        if row is None:
            await asyncio.to_thread(verify, _DUMMY_HASH, password)  # as long as a real one
            raise LoginRefused()
        # ~50 ms of CPU on purpose (acd.access.passwords): off the event loop.
        if not await asyncio.to_thread(verify, row.password_hash, password) or row.disabled:
            raise LoginRefused()
        changes: dict[str, object] = {"last_login": now}
        if needs_rehash(row.password_hash):
            changes["password_hash"] = await asyncio.to_thread(hash_password, password)
        await self._store.update(user_name, **changes)
        return _account(row)

    def _check(self, user_name: str, role: Role, agent_id: str | None) -> None:
        if not USER_NAME.match(user_name):
            raise BadAccount(f"user name {user_name!r}: lower-case letters, digits, '.', '_' "
                             "or '-', starting with a letter, 2 to 64 characters")  # fmt: skip
        if role is Role.AGENT and agent_id is None:
            raise BadAccount("an agent account needs the agent it drives (--agent)")
        if role is not Role.AGENT and agent_id is not None:
            raise BadAccount(f"a {role.value} account drives no agent")
        if agent_id is not None and agent_id not in self._agents:
            raise BadAccount(f"no agent {agent_id!r} in the configuration")


_DUMMY_HASH = hash_password("not a real account's password")


def _account(row: AccountRow) -> Account:
    return Account(row.user_name, row.display_name, Role(row.role), row.agent_id,
                   row.disabled, row.created_at, row.last_login)  # fmt: skip
