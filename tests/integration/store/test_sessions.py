"""Web sessions and API tokens on a real PostgreSQL: expiry, fixation, revocation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

import pytest

from acd.access.accounts import Account, Accounts, Role
from acd.access.policy import Scope
from acd.access.sessions import Sessions
from acd.access.tokens import MalformedToken, Tokens, UnknownToken
from acd.store.accounts import AccountStore
from acd.store.sessions import SessionStore, TokenStore
from acd.store.store import Store
from tests.integration.store.helpers import run_async
from tests.integration.store.test_accounts import GOOD, NOW

T = TypeVar("T")
IDLE, LIFETIME = timedelta(minutes=30), timedelta(hours=10)


def with_store(dsn: str, work: Callable[[Store, Accounts, Sessions], Awaitable[T]]) -> T:
    async def run() -> T:
        store = await Store.connect(dsn)
        try:
            accounts = Accounts(AccountStore(store.pool), ["agent1"])
            sessions = Sessions(SessionStore(store.pool), IDLE, LIFETIME)
            return await work(store, accounts, sessions)
        finally:
            await store.close()

    return run_async(run())


async def _anna(accounts: Accounts) -> Account:
    return await accounts.add("anna", "Anna", Role.AGENT, GOOD, NOW, agent_id="agent1")


def test_a_session_lives_until_idle_or_too_old(dsn: str) -> None:
    async def work(_: Store, accounts: Accounts, sessions: Sessions) -> None:
        anna = await _anna(accounts)
        sid, who = await sessions.open(anna, "10.0.0.1", NOW)
        assert who.agent_id == "agent1"
        assert who.csrf
        later = NOW + timedelta(minutes=25)
        found = await sessions.find(sid, later)
        assert found is not None
        assert found.csrf == who.csrf
        # Each request within the idle time keeps it alive...
        for step in range(1, 20):
            assert await sessions.find(sid, later + step * timedelta(minutes=25)) is not None
        # ...but never beyond its lifetime, and after that the id means nothing.
        assert await sessions.find(sid, NOW + LIFETIME + timedelta(minutes=1)) is None
        assert await sessions.find(sid, NOW + timedelta(minutes=1)) is None

    with_store(dsn, work)


def test_an_idle_session_expires(dsn: str) -> None:
    async def work(_: Store, accounts: Accounts, sessions: Sessions) -> None:
        sid, _who = await sessions.open(await _anna(accounts), "10.0.0.1", NOW)
        assert await sessions.find(sid, NOW + IDLE + timedelta(seconds=1)) is None

    with_store(dsn, work)


def test_the_database_holds_no_session_id_and_a_made_up_id_finds_nothing(dsn: str) -> None:
    async def work(store: Store, accounts: Accounts, sessions: Sessions) -> None:
        sid, _who = await sessions.open(await _anna(accounts), "10.0.0.1", NOW)
        rows = await store.pool.fetch("SELECT id_hash::text, csrf FROM web_sessions")
        assert all(sid not in row[0] for row in rows)
        assert await sessions.find("x" * 43, NOW) is None
        assert await sessions.find("'; DROP TABLE accounts; --", NOW) is None

    with_store(dsn, work)


def test_disabling_or_a_new_password_ends_the_sessions(dsn: str) -> None:
    async def work(_: Store, accounts: Accounts, sessions: Sessions) -> None:
        anna = await _anna(accounts)
        first, _who = await sessions.open(anna, "10.0.0.1", NOW)
        await accounts.set_disabled("anna", True)
        assert await sessions.find(first, NOW) is None
        await accounts.set_disabled("anna", False)
        second, _who = await sessions.open(anna, "10.0.0.1", NOW)
        await accounts.set_password("anna", "another long password")
        assert await sessions.find(second, NOW) is None

    with_store(dsn, work)


def test_expired_sessions_are_purged(dsn: str) -> None:
    async def work(store: Store, accounts: Accounts, sessions: Sessions) -> None:
        anna = await _anna(accounts)
        await sessions.open(anna, "10.0.0.1", NOW)
        await sessions.open(anna, "10.0.0.1", NOW + timedelta(hours=1))
        assert await sessions.purge(NOW + timedelta(minutes=45)) == 1
        assert await store.pool.fetchval("SELECT count(*) FROM web_sessions") == 1

    with_store(dsn, work)


def test_tokens_are_shown_once_checked_by_hash_and_revocable(dsn: str) -> None:
    async def work(store: Store, _: Accounts, __: Sessions) -> None:
        tokens = Tokens(TokenStore(store.pool))
        info, token = await tokens.add("prometheus", Scope.METRICS, NOW)
        who = await tokens.principal(token, NOW)
        assert who is not None
        assert who.scope is Scope.METRICS
        assert who.role is None
        held = await store.pool.fetchval("SELECT secret_hash FROM api_tokens")
        assert token.split("_")[-1].encode() not in held
        forged = token[:-1] + ("A" if token[-1] != "A" else "B")
        assert await tokens.principal(forged, NOW) is None
        with pytest.raises(MalformedToken):
            await tokens.principal("Bearer nonsense", NOW)
        await tokens.revoke(info.token_id, NOW)
        assert await tokens.principal(token, NOW) is None
        with pytest.raises(UnknownToken):
            await tokens.revoke(info.token_id, NOW)
        listed = await tokens.all()
        assert [(t.name, t.revoked_at is not None) for t in listed] == [("prometheus", True)]

    with_store(dsn, work)
